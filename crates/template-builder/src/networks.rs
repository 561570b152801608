//! Networks: one security group per Compose network, with a rule letting its members talk to each
//! other on every port; `external: true` + `name: sg-...` uses an existing group. A service that is
//! load balanced or mounts volumes also gets a group of its own, the identity the load balancer and
//! the file systems admit traffic from (so no network is opened wider than one service).

use compose_model::{ServiceVolume, VolumeType};
use serde_json::Value;

use crate::context::Ctx;
use crate::parameters;
use crate::template::{r#ref, Resource};
use crate::{Error, Precondition};

pub fn network_group_id(ctx: &Ctx, network: &str) -> String {
    format!("{}Network", ctx.names.network(network))
}

pub fn service_group_id(ctx: &Ctx, service: &str) -> String {
    format!("{}SecurityGroup", ctx.names.service(service))
}

/// An existing security group named by an external network.
fn external_group(ctx: &Ctx, network: &str) -> Option<String> {
    let definition = ctx.project.networks.get(network)?;
    if !definition.external {
        return None;
    }
    Some(
        definition
            .name
            .clone()
            .unwrap_or_else(|| network.to_string()),
    )
}

fn mounts_volumes(volumes: &[ServiceVolume]) -> bool {
    volumes.iter().any(|v| v.kind == VolumeType::Volume)
}

/// Whether the service gets a security group of its own (see the module doc).
pub fn has_own_group(ctx: &Ctx, service: &str) -> bool {
    ctx.project
        .services
        .get(service)
        .is_some_and(|s| !s.ports.is_empty() || mounts_volumes(&s.volumes))
}

pub fn add(ctx: &mut Ctx) -> Result<(), Error> {
    let project = ctx.project;
    let mut used: Vec<&String> = project
        .services
        .values()
        .flat_map(|s| s.networks.keys())
        .collect();
    used.sort();
    used.dedup();
    for network in used {
        if let Some(group) = external_group(ctx, network) {
            if !group.starts_with("sg-") {
                return Err(Error {
                    service: None,
                    attribute: format!("networks.{network}.name"),
                    message: format!(
                        "an external network must name an existing security group (sg-...), not {group:?}"
                    ),
                });
            }
            ctx.add_precondition(Precondition::SecurityGroupExists { id: group });
            continue;
        }
        let id = network_group_id(ctx, network);
        let vpc = parameters::vpc_id(ctx);
        let group = Resource::new("AWS::EC2::SecurityGroup")
            .prop(
                "GroupDescription",
                format!("{} network {network}", ctx.project_name()),
            )
            .prop("VpcId", vpc)
            .prop(
                "Tags",
                crate::template::tags(&[
                    (crate::context::PROJECT_TAG, ctx.project_name()),
                    ("com.docker.compose.network", network),
                ]),
            );
        ctx.template.add(id.clone(), group);
        let ingress = Resource::new("AWS::EC2::SecurityGroupIngress")
            .prop("GroupId", r#ref(&id))
            .prop("SourceSecurityGroupId", r#ref(&id))
            .prop("IpProtocol", "-1")
            .prop(
                "Description",
                format!("services on network {network} reach each other"),
            );
        ctx.template.add(format!("{id}Ingress"), ingress);
    }
    for service in project.services.keys() {
        if !has_own_group(ctx, service) {
            continue;
        }
        let vpc = parameters::vpc_id(ctx);
        let group = Resource::new("AWS::EC2::SecurityGroup")
            .prop(
                "GroupDescription",
                format!("{} service {service}", ctx.project_name()),
            )
            .prop("VpcId", vpc)
            .prop("Tags", ctx.service_tags(service));
        ctx.template.add(service_group_id(ctx, service), group);
    }
    Ok(())
}

/// The security groups a service's tasks join: its networks', then its own.
pub fn security_groups(ctx: &Ctx, service: &str) -> Vec<Value> {
    let mut groups = Vec::new();
    if let Some(definition) = ctx.project.services.get(service) {
        for network in definition.networks.keys() {
            match external_group(ctx, network) {
                Some(id) => groups.push(Value::String(id)),
                None => groups.push(r#ref(&network_group_id(ctx, network))),
            }
        }
    }
    if has_own_group(ctx, service) {
        groups.push(r#ref(&service_group_id(ctx, service)));
    }
    groups
}
