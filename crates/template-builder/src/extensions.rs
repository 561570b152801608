//! Service extensions where Docker's ECS integration read them: most at the service
//! (`x-aws-role`), some where its docs or its code put them: `deploy.x-aws-autoscaling` (its
//! docs), `deploy.update_config.x-aws-min_percent` / `x-aws-max_percent` (its code). Every place
//! one may be written is read; the same extension written in two places is refused, since which
//! one wins would be a guess.

use compose_model::{Extensions, Service};
use serde_json::Value;

use crate::Error;

/// Where under a service an extension may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Service,
    Deploy,
    UpdateConfig,
}

impl Place {
    fn prefix(self) -> &'static str {
        match self {
            Place::Service => "",
            Place::Deploy => "deploy.",
            Place::UpdateConfig => "deploy.update_config.",
        }
    }

    fn extensions(self, service: &Service) -> Option<&Extensions> {
        let deploy = service.deploy.as_ref();
        match self {
            Place::Service => Some(&service.extensions),
            Place::Deploy => deploy.map(|d| &d.extensions),
            Place::UpdateConfig => deploy
                .and_then(|d| d.update_config.as_ref())
                .map(|u| &u.extensions),
        }
    }
}

/// The places `x-aws-autoscaling` is read from.
pub const AUTOSCALING: &[Place] = &[Place::Service, Place::Deploy];
/// The places `x-aws-min_percent` / `x-aws-max_percent` are read from.
pub const PERCENTS: &[Place] = &[Place::Service, Place::Deploy, Place::UpdateConfig];

/// An extension's value and the attribute it was written as (`deploy.x-aws-autoscaling`), for
/// messages that name the file and line.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    pub value: &'a Value,
    pub place: Place,
}

impl Found<'_> {
    pub fn attribute(&self, key: &str) -> String {
        format!("{}{key}", self.place.prefix())
    }
}

/// `key` of the service, from whichever of `places` it is written in.
pub fn find<'a>(
    name: &str,
    service: &'a Service,
    key: &str,
    places: &[Place],
) -> Result<Option<Found<'a>>, Error> {
    let mut found: Option<Found<'a>> = None;
    for &place in places {
        let Some(value) = place.extensions(service).and_then(|e| e.get(key)) else {
            continue;
        };
        if let Some(first) = found {
            return Err(Error {
                service: Some(name.to_string()),
                attribute: format!("{}{key}", place.prefix()),
                message: format!("also set as {}: keep one of the two", first.attribute(key)),
            });
        }
        found = Some(Found { value, place });
    }
    Ok(found)
}

/// The `x-aws-*` keys read at each place below a service other than the service itself.
pub fn known_below_service(place: Place) -> &'static [&'static str] {
    match place {
        Place::Service => &[],
        Place::Deploy => &[
            "x-aws-autoscaling",
            "x-aws-min_percent",
            "x-aws-max_percent",
        ],
        Place::UpdateConfig => &["x-aws-min_percent", "x-aws-max_percent"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use compose_model::{Deploy, UpdateConfig};
    use serde_json::json;

    fn service() -> Service {
        let mut deploy = Deploy::default();
        deploy
            .extensions
            .insert("x-aws-autoscaling".into(), json!({"max": 3, "cpu": 50}));
        let mut update = UpdateConfig::default();
        update
            .extensions
            .insert("x-aws-min_percent".into(), json!(50));
        deploy.update_config = Some(update);
        Service {
            deploy: Some(deploy),
            ..Default::default()
        }
    }

    #[test]
    fn an_extension_is_found_where_docker_put_it() {
        let s = service();
        let found = find("web", &s, "x-aws-autoscaling", AUTOSCALING)
            .unwrap()
            .unwrap();
        assert_eq!(
            found.attribute("x-aws-autoscaling"),
            "deploy.x-aws-autoscaling"
        );
        assert_eq!(found.value["max"], 3);
        let found = find("web", &s, "x-aws-min_percent", PERCENTS)
            .unwrap()
            .unwrap();
        assert_eq!(
            found.attribute("x-aws-min_percent"),
            "deploy.update_config.x-aws-min_percent"
        );
        // Not read where it means nothing.
        assert!(find("web", &s, "x-aws-min_percent", &[Place::Service])
            .unwrap()
            .is_none());
    }

    #[test]
    fn an_extension_written_twice_is_refused() {
        let mut s = service();
        s.extensions
            .insert("x-aws-autoscaling".into(), json!({"max": 2, "cpu": 70}));
        let err = find("web", &s, "x-aws-autoscaling", AUTOSCALING).unwrap_err();
        assert_eq!(err.attribute, "deploy.x-aws-autoscaling");
        assert!(
            err.message.contains("also set as x-aws-autoscaling"),
            "{err}"
        );
    }

    /// Docker's documented places, in a real Compose file: mapped as at the service.
    #[test]
    fn docker_places_are_mapped_and_misplaced_keys_warned_with_their_path() {
        let project = crate::test_support::load_yaml(
            r#"
services:
  web:
    image: nginx
    ports:
      - target: 80
        published: 80
        x-aws-protocol: http
        x-aws-healthcheck: {path: /}
    deploy:
      replicas: 2
      x-aws-autoscaling: {min: 2, max: 6, cpu: 60}
      update_config:
        x-aws-min_percent: 50
        x-aws-max_percent: 150
        x-aws-unknown_thing: 1
    secrets:
      - source: token
        x-aws-keys: ["*"]
    networks:
      front:
        x-aws-priority: 1
networks:
  front:
    x-aws-securitygroup: sg-123
secrets:
  token:
    name: arn:aws:secretsmanager:us-east-1:123456789012:secret:token
    external: true
    x-aws-keys: ["*"]
"#,
        );
        let built = crate::build(&project).expect("build");
        let resources = &built.template["Resources"];
        let policy = &resources["WebScalingPolicy"]["Properties"];
        assert_eq!(
            policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"],
            60.0
        );
        assert_eq!(
            resources["WebScalableTarget"]["Properties"]["MaxCapacity"],
            6
        );
        let deployment = &resources["WebService"]["Properties"]["DeploymentConfiguration"];
        assert_eq!(deployment["MinimumHealthyPercent"], 50);
        assert_eq!(deployment["MaximumPercent"], 150);

        let warned: Vec<String> = built.warnings.iter().map(|w| w.attribute.clone()).collect();
        for path in [
            "ports[0].x-aws-healthcheck",
            "deploy.update_config.x-aws-unknown_thing",
            "secrets[0].x-aws-keys",
            "networks.front.x-aws-priority",
            "networks.front.x-aws-securitygroup",
        ] {
            assert!(
                warned.iter().any(|w| w == path),
                "{path} not warned: {warned:?}"
            );
        }
        for read in [
            "deploy.x-aws-autoscaling",
            "deploy.update_config.x-aws-min_percent",
            "ports[0].x-aws-protocol",
            "secrets.token.x-aws-keys",
        ] {
            assert!(
                !warned.iter().any(|w| w == read),
                "{read} warned: {warned:?}"
            );
        }
    }
}
