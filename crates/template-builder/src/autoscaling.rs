//! `x-aws-autoscaling: {min, max, cpu | memory}`: an Application Auto Scaling target on the ECS
//! service's desired count and a target tracking policy on average CPU or memory utilisation.

use compose_model::Service;
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::template::{get_att, join, Resource};
use crate::{cluster, extensions, Error};

#[derive(Debug, Clone, PartialEq)]
struct Scaling {
    min: u64,
    max: u64,
    metric: &'static str,
    target: f64,
}

fn number(value: Option<&Value>) -> Option<f64> {
    let value = value?;
    value.as_f64().or_else(|| {
        value
            .as_str()
            .and_then(|s| s.trim().trim_end_matches('%').parse().ok())
    })
}

const KEY: &str = "x-aws-autoscaling";

fn parse(name: &str, service: &Service) -> Result<Option<Scaling>, Error> {
    let Some(found) = extensions::find(name, service, KEY, extensions::AUTOSCALING)? else {
        return Ok(None);
    };
    let config = found.value;
    let invalid = |message: String| Error {
        service: Some(name.to_string()),
        attribute: found.attribute(KEY),
        message,
    };
    let min = number(config.get("min")).unwrap_or(1.0);
    let max = number(config.get("max"))
        .ok_or_else(|| invalid("`max` (the largest number of tasks) is required".into()))?;
    if min < 0.0 || max < 1.0 || min > max || min.fract() != 0.0 || max.fract() != 0.0 {
        return Err(invalid(format!(
            "min {min} and max {max} must be whole numbers with 0 <= min <= max and max >= 1"
        )));
    }
    let (metric, target) = match (number(config.get("cpu")), number(config.get("memory"))) {
        (Some(cpu), None) => ("ECSServiceAverageCPUUtilization", cpu),
        (None, Some(memory)) => ("ECSServiceAverageMemoryUtilization", memory),
        (Some(_), Some(_)) => return Err(invalid("set one of `cpu` or `memory`, not both".into())),
        (None, None) => {
            return Err(invalid(
                "set `cpu` or `memory`: the utilisation percentage to track".into(),
            ))
        }
    };
    if !(1.0..=100.0).contains(&target) {
        return Err(invalid(format!(
            "target utilisation {target} must be 1 to 100"
        )));
    }
    Ok(Some(Scaling {
        min: min as u64,
        max: max as u64,
        metric,
        target,
    }))
}

/// Whether `x-aws-autoscaling` is valid (or absent).
pub fn check(name: &str, service: &Service) -> Result<(), Error> {
    parse(name, service).map(|_| ())
}

/// The `min` of `x-aws-autoscaling`, when valid: the task count a new service gets.
pub fn min_capacity(service: &Service) -> Option<u32> {
    parse("", service).ok().flatten().map(|s| s.min as u32)
}

/// The `max` of `x-aws-autoscaling`, when valid (GPU capacity is sized for it).
pub fn max_capacity(service: &Service) -> Option<u32> {
    parse("", service).ok().flatten().map(|s| s.max as u32)
}

pub fn add(ctx: &mut Ctx, name: &str, service: &Service) -> Result<(), Error> {
    let Some(scaling) = parse(name, service)? else {
        return Ok(());
    };
    let base = ctx.names.service(name);
    let target_id = format!("{base}ScalableTarget");
    let service_ref = ctx.names.service_id(name);
    let target = Resource::new("AWS::ApplicationAutoScaling::ScalableTarget")
        .prop("MinCapacity", scaling.min)
        .prop("MaxCapacity", scaling.max)
        .prop(
            "ResourceId",
            join(
                "/",
                vec![
                    json!("service"),
                    cluster::name(ctx),
                    get_att(&service_ref, "Name"),
                ],
            ),
        )
        .prop("ScalableDimension", "ecs:service:DesiredCount")
        .prop("ServiceNamespace", "ecs");
    ctx.template.add(target_id.clone(), target);
    let policy = Resource::new("AWS::ApplicationAutoScaling::ScalingPolicy")
        .prop(
            "PolicyName",
            format!("{}-{name}-target-tracking", ctx.project_name()),
        )
        .prop("PolicyType", "TargetTrackingScaling")
        .prop("ScalingTargetId", json!({ "Ref": target_id }))
        .prop(
            "TargetTrackingScalingPolicyConfiguration",
            json!({
                "PredefinedMetricSpecification": { "PredefinedMetricType": scaling.metric },
                "TargetValue": scaling.target,
                "ScaleInCooldown": 60,
                "ScaleOutCooldown": 60
            }),
        );
    ctx.template.add(format!("{base}ScalingPolicy"), policy);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    use crate::build;
    use crate::test_support::extensions_project;

    fn with(config: Value) -> Service {
        let mut service = Service::default();
        service
            .extensions
            .insert("x-aws-autoscaling".into(), config);
        service
    }

    #[test]
    fn cpu_or_memory_target() {
        let s = parse("web", &with(json!({"min": 1, "max": 4, "cpu": 75})))
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.min, s.max, s.metric, s.target),
            (1, 4, "ECSServiceAverageCPUUtilization", 75.0)
        );
        let s = parse("web", &with(json!({"max": 3, "memory": "80%"})))
            .unwrap()
            .unwrap();
        assert_eq!(s.metric, "ECSServiceAverageMemoryUtilization");
        assert_eq!(s.min, 1);
        // A fixed count that only autoscaling's own bound holds: min equal to max.
        let s = parse("web", &with(json!({"min": 2, "max": 2, "cpu": 60})))
            .unwrap()
            .unwrap();
        assert_eq!((s.min, s.max), (2, 2));
    }

    #[test]
    fn invalid_configurations_are_errors() {
        for bad in [
            json!({"min": 1, "cpu": 50}),
            json!({"min": 5, "max": 2, "cpu": 50}),
            json!({"max": 2}),
            json!({"max": 2, "cpu": 50, "memory": 50}),
            json!({"max": 2, "cpu": 150}),
        ] {
            let err = parse("web", &with(bad.clone())).unwrap_err();
            assert_eq!(err.attribute, "x-aws-autoscaling", "{bad}");
        }
    }

    #[test]
    fn min_and_max_are_whole_numbers_with_min_at_least_0_and_max_at_least_1() {
        let bounds = |min: f64, max: f64| {
            parse("web", &with(json!({"min": min, "max": max, "cpu": 50})))
                .map(|s| s.map(|s| (s.min, s.max)))
        };
        // Scaling to zero tasks, and a single task at most, are both allowed.
        assert_eq!(bounds(0.0, 1.0).unwrap(), Some((0, 1)));
        assert_eq!(bounds(0.0, 3.0).unwrap(), Some((0, 3)));
        for (min, max) in [(-1.0, 3.0), (0.0, 0.0), (1.5, 3.0), (1.0, 2.5)] {
            let err = bounds(min, max).unwrap_err();
            assert!(err.message.contains("whole numbers"), "{min} {max}: {err}");
        }
    }

    #[test]
    fn autoscaling_uses_the_name_of_an_existing_cluster_arn() {
        let mut p = extensions_project();
        p.extensions.insert(
            "x-aws-cluster".into(),
            json!("arn:aws:ecs:us-east-1:123456789012:cluster/shared"),
        );
        let built = build(&p).unwrap();
        let id = &built.template["Resources"]["ApiScalableTarget"]["Properties"]["ResourceId"];
        assert_eq!(id["Fn::Join"][1][1], "shared");
    }
}
