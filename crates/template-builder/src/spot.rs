//! `x-aws-spot: true` on a service: its tasks run on Fargate Spot (the `FARGATE_SPOT` capacity
//! provider) instead of on-demand Fargate. Spot tasks cost less and can be stopped with two minutes'
//! notice when AWS needs the capacity back; ECS starts replacements.

use compose_model::Service;
use serde_json::{json, Value};

use crate::{attributes, Error};

pub const ATTRIBUTE: &str = "x-aws-spot";
pub const PROVIDER: &str = "FARGATE_SPOT";

/// Whether the service asks for Fargate Spot (`true`/`false`, also as strings).
pub fn requested(name: &str, service: &Service) -> Result<bool, Error> {
    attributes::service_flag(name, service, ATTRIBUTE)
}

/// The service's `CapacityProviderStrategy`.
pub fn strategy() -> Value {
    json!([{ "CapacityProvider": PROVIDER, "Weight": 1, "Base": 0 }])
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    use crate::build;
    use crate::test_support::{kinds, project, service};

    fn with(value: Value) -> Service {
        let mut service = Service::default();
        service.extensions.insert(ATTRIBUTE.into(), value);
        service
    }

    /// Spellings are the shared reader's (attributes::service_flag); this is its attribute.
    #[test]
    fn reads_x_aws_spot() {
        assert!(!requested("w", &Service::default()).unwrap());
        assert!(requested("w", &with(json!(true))).unwrap());
        let err = requested("w", &with(json!("spot"))).unwrap_err();
        assert_eq!(err.attribute, "x-aws-spot");
    }

    #[test]
    fn x_aws_spot_runs_on_fargate_spot_in_a_cluster_that_offers_it() {
        let mut worker = service("app");
        worker.extensions.insert("x-aws-spot".into(), json!(true));
        worker.platform = Some("linux/arm64".into());
        let web = service("nginx");
        let built = build(&project(vec![("web", web), ("worker", worker)])).unwrap();
        let r = &built.template["Resources"];
        let spot = &r["WorkerService"];
        assert_eq!(
            spot["Properties"]["CapacityProviderStrategy"],
            json!([{ "CapacityProvider": "FARGATE_SPOT", "Weight": 1, "Base": 0 }])
        );
        assert!(spot["Properties"].get("LaunchType").is_none());
        assert_eq!(spot["DependsOn"], json!(["ClusterCapacityProviders"]));
        assert_eq!(
            r["WorkerTaskDefinition"]["Properties"]["RuntimePlatform"],
            json!({ "CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX" })
        );
        let association = &r["ClusterCapacityProviders"]["Properties"];
        assert_eq!(
            association["CapacityProviders"],
            json!(["FARGATE", "FARGATE_SPOT"])
        );
        assert_eq!(association["Cluster"], json!({ "Ref": "Cluster" }));
        // On-demand services keep the Fargate launch type and do not wait for the association.
        assert_eq!(r["WebService"]["Properties"]["LaunchType"], "FARGATE");
        assert!(r["WebService"].get("DependsOn").is_none());
    }

    #[test]
    fn x_aws_spot_in_an_existing_cluster_leaves_its_providers_alone_with_a_warning() {
        let mut worker = service("app");
        worker.extensions.insert("x-aws-spot".into(), json!("true"));
        let mut p = project(vec![("worker", worker)]);
        p.extensions.insert("x-aws-cluster".into(), json!("shared"));
        let built = build(&p).unwrap();
        let kinds = kinds(&built);
        assert!(!kinds.contains_key("ClusterCapacityProviders"));
        let spot = &built.template["Resources"]["WorkerService"];
        assert_eq!(
            spot["Properties"]["CapacityProviderStrategy"][0]["CapacityProvider"],
            "FARGATE_SPOT"
        );
        assert!(spot.get("DependsOn").is_none());
        assert!(built
            .warnings
            .iter()
            .any(|w| w.attribute == "x-aws-spot" && w.message.contains("FARGATE_SPOT")));
    }
}
