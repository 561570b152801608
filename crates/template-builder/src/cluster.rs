//! The ECS cluster: one per project, unless `x-aws-cluster` names an existing one (then there is no
//! Cluster resource, every reference uses that name, and `up` checks it exists).

use crate::context::Ctx;
use crate::naming::CLUSTER;
use crate::template::Resource;
use crate::Precondition;

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
