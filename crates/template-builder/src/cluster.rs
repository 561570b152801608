//! The ECS cluster: one per project, unless `x-aws-cluster` names an existing one (then there is no
//! Cluster resource, every reference uses that name, and `up` checks it exists).

use serde_json::{json, Value};

use crate::context::Ctx;
use crate::naming::CLUSTER;
use crate::template::{r#ref, Resource};
use crate::{spot, Precondition};

/// Logical id of the cluster's capacity provider association.
pub const CAPACITY_PROVIDERS: &str = "ClusterCapacityProviders";

pub fn add(ctx: &mut Ctx) {
    if let Some(name) = ctx.existing_cluster() {
        let name = name.to_string();
        ctx.add_precondition(Precondition::ClusterExists { name });
        return;
    }
    let cluster = Resource::new("AWS::ECS::Cluster")
        .prop("ClusterName", ctx.project_name().to_string())
        .prop("Tags", ctx.project_tags());
    ctx.template.add(CLUSTER, cluster);
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
    use serde_json::json;

    use crate::test_support::{kinds, web_redis};
    use crate::{build, Precondition};

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
