//! Template Parameters: what only the AWS account knows (VPC, subnets), secret values, retained file
//! systems. Each is declared the first time a concern needs it, and the ones `up` must fill are
//! reported in [`crate::Built::parameters`].

use serde_json::{json, Value};

use crate::context::Ctx;
use crate::template::r#ref;
use crate::{ParameterInput, ParameterSource, SecretValueSource};

pub const VPC_ID: &str = "VpcId";
pub const PUBLIC_SUBNETS: &str = "PublicSubnetIds";
pub const PRIVATE_SUBNETS: &str = "PrivateSubnetIds";
/// Fargate tasks in public subnets need a public IP to pull images; `up` sets DISABLED when the task
/// subnets are private (behind a NAT gateway). The default (ENABLED) serves a plain `aws cloudformation`
/// deploy of the converted template.
pub const ASSIGN_PUBLIC_IP: &str = "AssignPublicIp";
pub const GPU_AMI: &str = "GpuAmiId";
pub const LOAD_BALANCER_SCHEME: &str = "LoadBalancerScheme";
/// The VPC's IPv4 range: tasks behind an existing load balancer accept its traffic from there
/// (the load balancer reaches targets from inside the VPC; its security groups, if it has any, are
/// not known offline).
pub const VPC_CIDR: &str = "VpcCidr";
/// `x-aws-loadbalancer` given by name.
pub const EXISTING_LOAD_BALANCER: &str = "ExistingLoadBalancerArn";
/// Condition: the load balancer is internal (in the private subnets).
const INTERNAL_LOAD_BALANCER_CONDITION: &str = "InternalLoadBalancer";
/// Condition: GPU instances get public addresses.
const PUBLIC_IP_CONDITION: &str = "AssignPublicIpEnabled";

/// How many subnets per-subnet resources (EFS mount targets) cover: a List parameter has no length
/// CloudFormation can iterate over, so resources are declared for this many positions, each under a
/// condition that the position exists. Three availability zones is the usual high-availability
/// footprint, and it keeps each volume to a handful of resources (CloudFormation allows 500).
pub const MAX_SUBNETS: usize = 3;

fn require(ctx: &mut Ctx, name: &str, definition: Value, source: Option<ParameterSource>) -> Value {
    if !ctx.template.has_parameter(name) {
        ctx.template.add_parameter(name, definition);
        if let Some(source) = source {
            ctx.parameters.push(ParameterInput {
                name: name.to_string(),
                source,
            });
        }
    }
    r#ref(name)
}

/// The VPC id `x-aws-vpc` names: an id (`vpc-0abc...`) as written, or the id inside an ARN
/// (`arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0abc...`, as Terraform prints it). None for an ARN
/// of something else.
pub fn vpc_id_of(written: &str) -> Option<&str> {
    match written.strip_prefix("arn:") {
        None => Some(written),
        Some(arn) => arn
            .split_once(":vpc/")
            .map(|(_, id)| id)
            .filter(|id| id.starts_with("vpc-")),
    }
}

pub fn vpc_id(ctx: &mut Ctx) -> Value {
    let written = ctx.project_extension_str("x-aws-vpc");
    let description = match written.map(|vpc| vpc_id_of(vpc).unwrap_or(vpc)) {
        Some(vpc) => format!("The VPC to deploy into ({vpc}, from x-aws-vpc)"),
        None => "The VPC to deploy into (the default VPC unless x-aws-vpc is set)".to_string(),
    };
    require(
        ctx,
        VPC_ID,
        json!({ "Type": "AWS::EC2::VPC::Id", "Description": description }),
        Some(ParameterSource::VpcId),
    )
}

pub fn public_subnets(ctx: &mut Ctx) -> Value {
    require(
        ctx,
        PUBLIC_SUBNETS,
        json!({
            "Type": "List<AWS::EC2::Subnet::Id>",
            "Description": "Public subnets of the VPC, one per availability zone (internet-facing load balancer; unused when it is internal)"
        }),
        Some(ParameterSource::PublicSubnetIds),
    )
}

pub fn private_subnets(ctx: &mut Ctx) -> Value {
    require(
        ctx,
        PRIVATE_SUBNETS,
        json!({
            "Type": "List<AWS::EC2::Subnet::Id>",
            "Description": "Subnets for tasks and EFS mount targets, one per availability zone (the public ones when the VPC has no private subnets)"
        }),
        Some(ParameterSource::PrivateSubnetIds),
    )
}

/// Condition name: `AssignPublicIp` is ENABLED (declared on first use).
pub fn public_ip_condition(ctx: &mut Ctx) -> &'static str {
    let parameter = assign_public_ip(ctx);
    equals_condition(ctx, PUBLIC_IP_CONDITION, parameter, "ENABLED")
}

pub fn assign_public_ip(ctx: &mut Ctx) -> Value {
    choice(
        ctx,
        ASSIGN_PUBLIC_IP,
        &["ENABLED", "DISABLED"],
        "Give tasks a public IP (needed to pull images from public subnets; DISABLED when the task subnets route through a NAT gateway)",
        ParameterSource::AssignPublicIp,
    )
}

/// The scheme of our load balancer when the compose file leaves it to `up`.
pub fn load_balancer_scheme(ctx: &mut Ctx) -> Value {
    choice(
        ctx,
        LOAD_BALANCER_SCHEME,
        &["internet-facing", "internal"],
        "Load balancer scheme (internal when the VPC has no public subnet; x-aws-loadbalancer_scheme fixes it)",
        ParameterSource::LoadBalancerScheme,
    )
}

/// Condition name: the `LoadBalancerScheme` parameter is `internal` (declared on first use).
pub fn internal_load_balancer_condition(ctx: &mut Ctx) -> &'static str {
    let parameter = load_balancer_scheme(ctx);
    equals_condition(ctx, INTERNAL_LOAD_BALANCER_CONDITION, parameter, "internal")
}

/// A String parameter `up` fills with one of `allowed`; the first is the default, for a plain
/// `aws cloudformation deploy` of the converted template.
fn choice(
    ctx: &mut Ctx,
    name: &str,
    allowed: &[&str],
    description: &str,
    source: ParameterSource,
) -> Value {
    require(
        ctx,
        name,
        json!({
            "Type": "String",
            "AllowedValues": allowed,
            "Default": allowed.first(),
            "Description": description
        }),
        Some(source),
    )
}

/// Declare the condition `name`: `parameter` equals `value`. Returns the name.
fn equals_condition(
    ctx: &mut Ctx,
    name: &'static str,
    parameter: Value,
    value: &str,
) -> &'static str {
    ctx.template
        .add_condition(name, json!({ "Fn::Equals": [parameter, value] }));
    name
}

/// The NoEcho parameter holding a secret's value.
pub fn secret_value(ctx: &mut Ctx, name: &str, secret: &str, from: SecretValueSource) -> Value {
    require(
        ctx,
        name,
        json!({
            "Type": "String",
            "NoEcho": true,
            "Description": format!("Content of the secret {secret:?} (filled by docker ecs up, never stored in the template)")
        }),
        Some(ParameterSource::SecretValue {
            secret: secret.to_string(),
            from,
        }),
    )
}

/// The VPC's IPv4 range, which `up` reads from the VPC.
pub fn vpc_cidr(ctx: &mut Ctx) -> Value {
    require(
        ctx,
        VPC_CIDR,
        json!({
            "Type": "String",
            "AllowedPattern": "^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$",
            "Description": "IPv4 range of the VPC (filled by docker ecs up): tasks accept the existing load balancer's traffic from there"
        }),
        Some(ParameterSource::VpcCidr),
    )
}

/// The ARN of the load balancer `x-aws-loadbalancer` names by name: `up` looks it up.
pub fn existing_load_balancer_arn(ctx: &mut Ctx, name: &str) -> Value {
    require(
        ctx,
        EXISTING_LOAD_BALANCER,
        json!({
            "Type": "String",
            "AllowedPattern": "^arn:aws[a-z-]*:elasticloadbalancing:.+$",
            "Description": format!("ARN of the existing load balancer {name:?} (x-aws-loadbalancer), looked up by docker ecs up")
        }),
        Some(ParameterSource::LoadBalancerArn {
            name: name.to_string(),
        }),
    )
}

/// The id of a file system retained by an earlier `down`, or "" to create a new one.
pub fn retained_file_system(ctx: &mut Ctx, name: &str, volume: &str) -> Value {
    require(
        ctx,
        name,
        json!({
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^(fs-[0-9a-f]+)?$",
            "Description": format!("EFS file system kept from an earlier deployment of volume {volume:?} (empty: create one)")
        }),
        Some(ParameterSource::RetainedFileSystem {
            volume: volume.to_string(),
        }),
    )
}

pub fn gpu_ami(ctx: &mut Ctx) -> Value {
    require(
        ctx,
        GPU_AMI,
        json!({
            "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            "Default": "/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id",
            "Description": "ECS-optimized GPU AMI for the GPU instances"
        }),
        None,
    )
}

/// The subnet at `index` of the task subnets, or "" when the list is shorter: the list is joined,
/// padded with empty entries and split again, so the selection never runs past the end.
pub fn private_subnet_at(ctx: &mut Ctx, index: usize) -> Value {
    let subnets = private_subnets(ctx);
    let padding = ",".repeat(MAX_SUBNETS);
    json!({
        "Fn::Select": [
            index.to_string(),
            { "Fn::Split": [",", { "Fn::Join": ["", [{ "Fn::Join": [",", subnets] }, padding]] }] }
        ]
    })
}

/// Condition name: the task subnet list has an entry at `index` (declared on first use:
/// `add_condition` keeps the first definition, and the subnets parameter is declared once).
pub fn has_private_subnet(ctx: &mut Ctx, index: usize) -> String {
    let name = format!("HasPrivateSubnet{index}");
    let subnet = private_subnet_at(ctx, index);
    ctx.template.add_condition(
        &name,
        json!({ "Fn::Not": [{ "Fn::Equals": [subnet, ""] }] }),
    );
    name
}

/// The first [`MAX_SUBNETS`] task subnets (fewer when the list is shorter): where tasks that mount
/// EFS volumes run, since only those subnets get mount targets.
pub fn first_private_subnets(ctx: &mut Ctx) -> Value {
    let mut list = vec![private_subnet_at(ctx, 0)];
    for index in 1..MAX_SUBNETS {
        let subnet = private_subnet_at(ctx, index);
        let condition = has_private_subnet(ctx, index);
        list.push(crate::template::if_(
            &condition,
            subnet,
            crate::template::no_value(),
        ));
    }
    Value::Array(list)
}
