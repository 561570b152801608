//! The ECS cluster: one per project, unless `x-aws-cluster` names an existing one (then there is no
//! Cluster resource, every reference uses that name, and `up` checks it exists). Container Insights
//! (CPU, memory, network and storage metrics per service and task in CloudWatch) is on unless the
//! project says `x-aws-container_insights: false`.

use serde_json::{json, Value};

use crate::context::Ctx;
use crate::naming::CLUSTER;
use crate::template::{r#ref, Resource};
use crate::{spot, Error, Precondition};

const INSIGHTS: &str = "x-aws-container_insights";

/// Logical id of the cluster's capacity provider association.
pub const CAPACITY_PROVIDERS: &str = "ClusterCapacityProviders";

pub fn add(ctx: &mut Ctx) {
    let insights = ctx.keep(container_insights(ctx));
    if let Some(name) = ctx.existing_cluster() {
        let name = name.to_string();
        if ctx.project.extensions.contains_key(INSIGHTS) {
            ctx.warn_value(
                None,
                INSIGHTS,
                format!(
                    "the existing cluster {name} (x-aws-cluster) keeps its own Container Insights \
                     setting: change it on that cluster"
                ),
            );
        }
        ctx.add_precondition(Precondition::ClusterExists { name });
        return;
    }
    let cluster = Resource::new("AWS::ECS::Cluster")
        .prop("ClusterName", ctx.project_name().to_string())
        .prop_opt(
            "ClusterSettings",
            insights.map(|value| json!([{ "Name": "containerInsights", "Value": value }])),
        )
        .prop("Tags", ctx.project_tags());
    ctx.template.add(CLUSTER, cluster);
}

/// The cluster's `containerInsights` setting: `enabled` unless the project turns it off;
/// `enhanced` (Container Insights with enhanced observability) when asked for.
fn container_insights(ctx: &Ctx) -> Result<&'static str, Error> {
    let value = ctx.project.extensions.get(INSIGHTS);
    match value {
        None => Ok("enabled"),
        Some(Value::Bool(true)) => Ok("enabled"),
        Some(Value::Bool(false)) => Ok("disabled"),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "enabled" => Ok("enabled"),
            "false" | "disabled" => Ok("disabled"),
            "enhanced" => Ok("enhanced"),
            _ => Err(insights_error(value)),
        },
        Some(_) => Err(insights_error(value)),
    }
}

fn insights_error(value: Option<&Value>) -> Error {
    Error {
        service: None,
        attribute: INSIGHTS.into(),
        message: format!(
            "{} is not a Container Insights setting; use true, false or enhanced",
            value.map(Value::to_string).unwrap_or_default()
        ),
    }
}

/// The cluster's name: what ECS resource ids (autoscaling) and the ECS agent configuration take.
/// An existing cluster may be given by ARN; its name is the part after `cluster/`.
pub fn name(ctx: &Ctx) -> serde_json::Value {
    match ctx.existing_cluster() {
        Some(existing) => {
            let name = existing
                .rsplit_once("cluster/")
                .map_or(existing, |(_, n)| n);
            serde_json::Value::String(name.to_string())
        }
        None => crate::template::r#ref(CLUSTER),
    }
}

/// Make the capacity providers services use available in the cluster: Fargate Spot when a service
/// asks for it, and the GPU services' providers. Fargate stays the default.
pub fn add_capacity_providers(ctx: &mut Ctx, gpu_providers: &[String], spot: bool) {
    if gpu_providers.is_empty() && !spot {
        return;
    }
    // AWS::ECS::ClusterCapacityProviderAssociations owns a cluster's whole provider list: never
    // for a cluster this stack does not own (GPU services there use `GpuCapacity::Instances`, Spot
    // services rely on the cluster having FARGATE_SPOT, as clusters created by the console do).
    if ctx.existing_cluster().is_some() {
        return;
    }
    let mut list = vec![Value::String("FARGATE".into())];
    if spot {
        list.push(Value::String(spot::PROVIDER.into()));
    }
    list.extend(gpu_providers.iter().map(|p| r#ref(p)));
    let association = Resource::new("AWS::ECS::ClusterCapacityProviderAssociations")
        .prop("Cluster", name(ctx))
        .prop("CapacityProviders", Value::Array(list))
        .prop(
            "DefaultCapacityProviderStrategy",
            json!([{ "CapacityProvider": "FARGATE", "Weight": 1 }]),
        );
    ctx.template.add(CAPACITY_PROVIDERS, association);
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::test_support::{kinds, web_redis};
    use crate::{build, Precondition};

    fn insights(p: &compose_model::Project) -> Value {
        let built = build(p).unwrap();
        built.template["Resources"]["Cluster"]["Properties"]["ClusterSettings"].clone()
    }

    #[test]
    fn container_insights_is_on_unless_turned_off() {
        let mut p = web_redis();
        assert_eq!(
            insights(&p),
            json!([{"Name": "containerInsights", "Value": "enabled"}])
        );
        for (value, setting) in [
            (json!(false), "disabled"),
            (json!("false"), "disabled"),
            (json!("enhanced"), "enhanced"),
            (json!(true), "enabled"),
            (json!("Enabled"), "enabled"),
            (json!("disabled"), "disabled"),
        ] {
            p.extensions
                .insert("x-aws-container_insights".into(), value.clone());
            assert_eq!(
                insights(&p),
                json!([{"Name": "containerInsights", "Value": setting}]),
                "{value}"
            );
        }
        p.extensions
            .insert("x-aws-container_insights".into(), json!("sometimes"));
        let err = build(&p).unwrap_err();
        assert_eq!(err.attribute, "x-aws-container_insights");
        assert!(
            err.message.contains("true, false or enhanced"),
            "{}",
            err.message
        );
    }

    #[test]
    fn an_existing_cluster_keeps_its_own_insights_setting_with_a_warning() {
        let mut p = web_redis();
        p.extensions.insert("x-aws-cluster".into(), json!("shared"));
        p.extensions
            .insert("x-aws-container_insights".into(), json!(false));
        let built = build(&p).unwrap();
        assert!(built
            .warnings
            .iter()
            .any(|w| w.attribute == "x-aws-container_insights" && w.message.contains("shared")));
    }

    #[test]
    fn existing_cluster_has_no_cluster_resource() {
        let mut p = web_redis();
        p.extensions.insert("x-aws-cluster".into(), json!("shared"));
        let built = build(&p).unwrap();
        assert!(!kinds(&built).contains_key("Cluster"));
        assert_eq!(
            built.template["Resources"]["WebService"]["Properties"]["Cluster"],
            "shared"
        );
        assert!(built.preconditions.contains(&Precondition::ClusterExists {
            name: "shared".into()
        }));
    }
}
