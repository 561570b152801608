//! GPU services: `deploy.resources.reservations.devices` with capabilities [gpu] (or
//! `generic_resources` gpu, or `gpus:`) run on EC2 GPU instances instead of Fargate: an ECS
//! capacity provider over an Auto Scaling group of a launch template (the ECS-optimized GPU AMI from
//! a public SSM parameter), associated with the cluster; the service uses it as its capacity
//! provider strategy and its container reserves the GPUs.
//!
//! Instance type: `node.machine == <type>` from `deploy.placement.constraints`, else the cheapest
//! g4dn/g5/g6 size that fits the cpu, memory and GPU count. `node.ami == ami-...` pins the AMI.

use compose_model::{AllDevices, DeviceCount, Service};
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::parameters;
use crate::template::{get_att, if_, managed_policy, r#ref, Resource};
use crate::{autoscaling, cluster, deployment, fargate, Error};

const INSTANCE_ROLE: &str = "GpuInstanceRole";
const INSTANCE_PROFILE: &str = "GpuInstanceProfile";
const INSTANCE_SECURITY_GROUP: &str = "GpuInstanceSecurityGroup";

/// Task memory when the service does not say: fits the smallest GPU instances.
const DEFAULT_TASK_MEMORY_MIB: u32 = 4096;

/// (type, vCPUs, memory GiB, GPUs), cheapest first (us-east-1 on-demand prices, Linux).
const INSTANCE_TYPES: &[(&str, u32, u32, u32)] = &[
    ("g4dn.xlarge", 4, 16, 1),
    ("g4dn.2xlarge", 8, 32, 1),
    ("g6.xlarge", 4, 16, 1),
    ("g6.2xlarge", 8, 32, 1),
    ("g5.xlarge", 4, 16, 1),
    ("g4dn.4xlarge", 16, 64, 1),
    ("g5.2xlarge", 8, 32, 1),
    ("g6.4xlarge", 16, 64, 1),
    ("g5.4xlarge", 16, 64, 1),
    ("g6.8xlarge", 32, 128, 1),
    ("g4dn.8xlarge", 32, 128, 1),
    ("g5.8xlarge", 32, 128, 1),
    ("g6.16xlarge", 64, 256, 1),
    ("g4dn.12xlarge", 48, 192, 4),
    ("g5.16xlarge", 64, 256, 1),
    ("g4dn.16xlarge", 64, 256, 1),
    ("g6.12xlarge", 48, 192, 4),
    ("g5.12xlarge", 48, 192, 4),
    ("g6.24xlarge", 96, 384, 4),
    ("g4dn.metal", 96, 384, 8),
    ("g5.24xlarge", 96, 384, 4),
    ("g6.48xlarge", 192, 768, 8),
    ("g5.48xlarge", 192, 768, 8),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuPlan {
    pub count: u32,
    pub instance_type: String,
    pub ami: Option<String>,
    pub task_memory_mib: u32,
}

fn err(service: &str, attribute: &str, message: String) -> Error {
    Error {
        service: Some(service.to_string()),
        attribute: attribute.to_string(),
        message,
    }
}

/// How many GPUs the service reserves, if any.
fn gpu_count(ctx: &mut Ctx, name: &str, service: &Service) -> Result<Option<u32>, Error> {
    let reservations = service
        .deploy
        .as_ref()
        .and_then(|d| d.resources.reservations.as_ref());
    let mut count = None;
    if let Some(reservations) = reservations {
        for device in &reservations.devices {
            if !device.capabilities.iter().any(|c| c == "gpu") {
                ctx.warn(
                    "service.deploy.resources.devices",
                    Some(name),
                    "deploy.resources.reservations.devices",
                );
                continue;
            }
            let n = match device.count {
                Some(DeviceCount::Count(n)) => n,
                Some(DeviceCount::All(AllDevices::All)) | None => {
                    ctx.warn_value(
                        Some(name),
                        "deploy.resources.reservations.devices.count",
                        "\"all\" GPUs cannot size an instance: reserving 1 (set a count)".into(),
                    );
                    1
                }
            };
            count = Some(count.unwrap_or(0_u32).saturating_add(n));
        }
        for resource in &reservations.generic_resources {
            if let Some(spec) = &resource.discrete_resource_spec {
                if matches!(
                    spec.kind.to_ascii_lowercase().as_str(),
                    "gpu" | "gpus" | "nvidia-gpu"
                ) {
                    count = Some(
                        count
                            .unwrap_or(0_u32)
                            .saturating_add(u32::try_from(spec.value).unwrap_or(0)),
                    );
                }
            }
        }
    }
    if count.is_none() {
        let every_gpu = |ctx: &mut Ctx| {
            ctx.warn_value(
                Some(name),
                "gpus",
                "\"all\" GPUs cannot size an instance: reserving 1 (set a count)".into(),
            );
        };
        match service.other.get("gpus") {
            None => {}
            Some(Value::String(s)) if s == "all" => {
                every_gpu(ctx);
                count = Some(1);
            }
            Some(Value::Array(items)) => {
                // A request without a count (or `count: all`, or compose's own -1) is for every
                // GPU of the host, as `gpus: all` is.
                let (mut n, mut every) = (0_u32, false);
                for item in items {
                    let requested: Option<u64> = match item.get("count") {
                        Some(Value::Number(c)) => c.as_u64(),
                        // An interpolated count (`count: ${GPUS}`) is a string.
                        Some(Value::String(c)) => c.trim().parse().ok(),
                        _ => None,
                    };
                    let one = match requested {
                        Some(c) => u32::try_from(c).unwrap_or(u32::MAX),
                        None => {
                            every = true;
                            1
                        }
                    };
                    n = n.saturating_add(one);
                }
                if every {
                    every_gpu(ctx);
                }
                count = Some(n);
            }
            // Compose refuses these too (`gpus: 2` would otherwise be a service without a GPU).
            Some(other) => {
                let expected = "expected \"all\" or a list of device requests ([{count: 2}])";
                return Err(err(name, "gpus", format!("{expected}, got {other}")));
            }
        }
    }
    Ok(count.filter(|n| *n > 0))
}

/// `node.machine == x` and `node.ami == y` from the placement constraints.
fn constraints(
    ctx: &mut Ctx,
    name: &str,
    service: &Service,
    gpu: bool,
) -> (Option<String>, Option<String>) {
    let (mut machine, mut ami) = (None, None);
    let Some(deploy) = &service.deploy else {
        return (None, None);
    };
    for constraint in &deploy.placement.constraints {
        let parsed = constraint
            .split_once("==")
            .map(|(k, v)| (k.trim(), v.trim().to_string()));
        match parsed {
            Some(("node.machine", value)) if gpu => machine = Some(value),
            Some(("node.ami", value)) if gpu => ami = Some(value),
            _ => ctx.warn_value(
                Some(name),
                "deploy.placement.constraints",
                format!(
                    "ignored: {constraint:?} (only node.machine and node.ami of GPU services map)"
                ),
            ),
        }
    }
    (machine, ami)
}

/// The GPU plan of a service, or `None` for a Fargate service.
pub fn request(ctx: &mut Ctx, name: &str, service: &Service) -> Result<Option<GpuPlan>, Error> {
    let count = gpu_count(ctx, name, service)?;
    let (machine, ami) = constraints(ctx, name, service, count.is_some());
    let Some(count) = count else {
        return Ok(None);
    };
    if let Some(ami) = &ami {
        if !ami.starts_with("ami-") {
            return Err(err(
                name,
                "deploy.placement.constraints",
                format!("node.ami {ami:?} is not an AMI id (ami-...)"),
            ));
        }
    }
    let request = fargate::request(service);
    let cpu = request.cpu_units().unwrap_or(0);
    let memory = request.memory_mib().unwrap_or(DEFAULT_TASK_MEMORY_MIB);
    // The ECS agent and the OS keep part of an instance's memory.
    let fits = |&(_, vcpus, gib, gpus): &(&str, u32, u32, u32)| {
        vcpus * 1024 >= cpu && gib * 1024 * 9 / 10 >= memory && gpus >= count
    };
    let instance_type = match machine {
        Some(machine) => {
            if let Some(known) = INSTANCE_TYPES.iter().find(|t| t.0 == machine) {
                if !fits(known) {
                    return Err(err(
                        name,
                        "deploy.placement.constraints",
                        format!("{machine} cannot hold {count} GPU(s), {} CPU units and {memory} MiB", cpu),
                    ));
                }
            }
            machine
        }
        None => INSTANCE_TYPES
            .iter()
            .find(|t| fits(t))
            .map(|t| t.0.to_string())
            .ok_or_else(|| {
                err(
                    name,
                    "deploy.resources",
                    format!("no g4dn, g5 or g6 instance fits {count} GPU(s), {cpu} CPU units and {memory} MiB"),
                )
            })?,
    };
    Ok(Some(GpuPlan {
        count,
        instance_type,
        ami,
        task_memory_mib: memory,
    }))
}

/// Where a GPU service's tasks are placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpuCapacity {
    /// A capacity provider of this stack (logical id), associated with the stack's cluster.
    Provider(String),
    /// In an existing cluster, whose capacity provider list is not ours to change: EC2 launch type,
    /// placed on this service's instances by the attributes their ECS agent registers.
    Instances { constraint: String },
}

/// The ECS container instance attributes a service's GPU instances register (JSON for the agent).
fn instance_attributes(project: &str, service: &str) -> String {
    serde_json::json!({ PROJECT_ATTRIBUTE: project, SERVICE_ATTRIBUTE: service }).to_string()
}

const PROJECT_ATTRIBUTE: &str = "com.docker.compose.project";
const SERVICE_ATTRIBUTE: &str = "com.docker.compose.service";

/// The placement constraint that matches [`instance_attributes`].
fn placement_expression(project: &str, service: &str) -> String {
    format!(
        "attribute:{PROJECT_ATTRIBUTE} == {project} and attribute:{SERVICE_ATTRIBUTE} == {service}"
    )
}

fn add_instance_identity(ctx: &mut Ctx) {
    if ctx.template.has_resource(INSTANCE_ROLE) {
        return;
    }
    let role = Resource::new("AWS::IAM::Role")
        .prop(
            "AssumeRolePolicyDocument",
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": { "Service": "ec2.amazonaws.com" },
                    "Action": "sts:AssumeRole"
                }]
            }),
        )
        .prop(
            "ManagedPolicyArns",
            json!([managed_policy(
                "service-role/AmazonEC2ContainerServiceforEC2Role"
            )]),
        )
        .prop("Tags", ctx.project_tags());
    ctx.template.add(INSTANCE_ROLE, role);
    ctx.template.add(
        INSTANCE_PROFILE,
        Resource::new("AWS::IAM::InstanceProfile").prop("Roles", json!([r#ref(INSTANCE_ROLE)])),
    );
    let vpc = parameters::vpc_id(ctx);
    let group = Resource::new("AWS::EC2::SecurityGroup")
        .prop(
            "GroupDescription",
            format!("{} GPU instances: no inbound traffic", ctx.project_name()),
        )
        .prop("VpcId", vpc)
        .prop("Tags", ctx.project_tags());
    ctx.template.add(INSTANCE_SECURITY_GROUP, group);
}

/// The instances of a GPU service. Returns the capacity provider's logical id.
pub fn add_capacity(
    ctx: &mut Ctx,
    name: &str,
    service: &Service,
    plan: &GpuPlan,
    subnets: Value,
) -> Result<GpuCapacity, Error> {
    add_instance_identity(ctx);
    let base = ctx.names.service(name);
    let (template_id, group_id, provider_id) = (
        format!("{base}LaunchTemplate"),
        format!("{base}AutoScalingGroup"),
        format!("{base}CapacityProvider"),
    );
    let image = match &plan.ami {
        Some(ami) => Value::String(ami.clone()),
        None => parameters::gpu_ami(ctx),
    };
    let public_ip = parameters::public_ip_condition(ctx);
    let user_data = json!({
        "Fn::Base64": {
            "Fn::Sub": [
                format!(
                    "#!/bin/bash\necho ECS_CLUSTER=${{ClusterName}} >> /etc/ecs/ecs.config\necho ECS_ENABLE_GPU_SUPPORT=true >> /etc/ecs/ecs.config\necho ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config\necho 'ECS_INSTANCE_ATTRIBUTES={}' >> /etc/ecs/ecs.config\n",
                    instance_attributes(ctx.project_name(), name)
                ),
                { "ClusterName": cluster::name(ctx) }
            ]
        }
    });
    let launch_template = Resource::new("AWS::EC2::LaunchTemplate").prop(
        "LaunchTemplateData",
        json!({
            "ImageId": image,
            "InstanceType": plan.instance_type,
            "IamInstanceProfile": { "Arn": get_att(INSTANCE_PROFILE, "Arn") },
            "NetworkInterfaces": [{
                "DeviceIndex": 0,
                "AssociatePublicIpAddress": if_(public_ip, json!(true), json!(false)),
                "Groups": [r#ref(INSTANCE_SECURITY_GROUP)],
                "DeleteOnTermination": true
            }],
            // Tasks must not take the instance role: the agent blocks IMDS for awsvpc tasks, and a hop
            // limit of 1 keeps any container off it (the agent runs on the host network).
            "MetadataOptions": { "HttpTokens": "required", "HttpPutResponseHopLimit": 1 },
            "UserData": user_data,
            "TagSpecifications": [{ "ResourceType": "instance", "Tags": ctx.service_tags(name) }]
        }),
    );
    let launch_template = launch_template.prop(
        "TagSpecifications",
        json!([{ "ResourceType": "launch-template", "Tags": ctx.service_tags(name) }]),
    );
    ctx.template.add(template_id.clone(), launch_template);

    let replicas = service
        .deploy
        .as_ref()
        .and_then(|d| d.replicas)
        .unwrap_or(1);
    let scaling_max = autoscaling::max_capacity(service).unwrap_or(0);
    // Room for a rolling deployment: ECS starts the new tasks (up to MaximumPercent) before it
    // stops the old ones, and each task may need an instance of its own.
    let (_, max_percent) = deployment::percents(name, service)?;
    let max_size = (replicas.max(scaling_max).max(1).saturating_mul(max_percent))
        .div_ceil(100)
        .max(1);
    let mut asg_tags = Vec::new();
    if let Some(list) = ctx.service_tags(name).as_array() {
        for tag in list {
            let mut tag = tag.clone();
            if let Some(object) = tag.as_object_mut() {
                object.insert("PropagateAtLaunch".into(), true.into());
            }
            asg_tags.push(tag);
        }
    }
    let existing_cluster = ctx.existing_cluster().is_some();
    let mut group = Resource::new("AWS::AutoScaling::AutoScalingGroup");
    if existing_cluster {
        // No capacity provider in someone else's cluster (see `GpuCapacity::Instances`): the group
        // keeps room for a rolling deployment running all the time.
        ctx.warn_value(
            Some(name),
            "deploy.resources.reservations.devices",
            format!(
                "in the existing cluster (x-aws-cluster) ECS does not scale GPU instances: the Auto Scaling group keeps {max_size} {} instance(s), enough for a rolling deployment",
                plan.instance_type
            ),
        );
        group = group
            .prop("MinSize", max_size.to_string())
            .prop("DesiredCapacity", max_size.to_string());
    } else {
        group = group.prop("MinSize", "0");
    }
    let group = group
        .prop("MaxSize", max_size.to_string())
        .prop(
            "LaunchTemplate",
            json!({
                "LaunchTemplateId": r#ref(&template_id),
                "Version": get_att(&template_id, "LatestVersionNumber")
            }),
        )
        .prop("VPCZoneIdentifier", subnets)
        .prop("Tags", Value::Array(asg_tags));
    ctx.template.add(group_id.clone(), group);
    if existing_cluster {
        return Ok(GpuCapacity::Instances {
            constraint: placement_expression(ctx.project_name(), name),
        });
    }

    let provider = Resource::new("AWS::ECS::CapacityProvider")
        .prop(
            "AutoScalingGroupProvider",
            json!({
                "AutoScalingGroupArn": r#ref(&group_id),
                "ManagedScaling": { "Status": "ENABLED", "TargetCapacity": 100 },
                "ManagedTerminationProtection": "DISABLED"
            }),
        )
        .prop("Tags", ctx.service_tags(name));
    ctx.template.add(provider_id.clone(), provider);
    Ok(GpuCapacity::Provider(provider_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    use compose_model::{DeviceCount, Project};

    use crate::test_support::{gpu_project, kinds};
    use crate::{build, to_json};

    fn cheapest(cpu: u32, memory: u32, gpus: u32) -> Option<&'static str> {
        INSTANCE_TYPES
            .iter()
            .find(|&&(_, v, g, n)| v * 1024 >= cpu && g * 1024 * 9 / 10 >= memory && n >= gpus)
            .map(|t| t.0)
    }

    #[test]
    fn smallest_instance_that_fits() {
        assert_eq!(cheapest(0, 4096, 1), Some("g4dn.xlarge"));
        assert_eq!(cheapest(6 * 1024, 4096, 1), Some("g4dn.2xlarge"));
        assert_eq!(cheapest(0, 4096, 2), Some("g4dn.12xlarge"));
        assert_eq!(cheapest(0, 300 * 1024, 4), Some("g6.24xlarge"));
        assert_eq!(cheapest(0, 4096, 8), Some("g4dn.metal"));
        assert_eq!(cheapest(0, 4096, 16), None);
    }

    #[test]
    fn gpu_service_runs_on_an_ec2_capacity_provider() {
        let built = build(&gpu_project()).unwrap();
        let r = &built.template["Resources"];
        let lt = &r["ModelLaunchTemplate"]["Properties"]["LaunchTemplateData"];
        assert_eq!(lt["InstanceType"], "g4dn.xlarge");
        assert_eq!(lt["ImageId"], json!({"Ref": "GpuAmiId"}));
        // x-aws-autoscaling max 3, and room for 200% during a deployment.
        assert_eq!(r["ModelAutoScalingGroup"]["Properties"]["MaxSize"], "6");
        let service = &r["ModelService"]["Properties"];
        assert!(service.get("LaunchType").is_none());
        assert_eq!(
            service["CapacityProviderStrategy"][0]["CapacityProvider"],
            json!({"Ref": "ModelCapacityProvider"})
        );
        let td = &r["ModelTaskDefinition"]["Properties"];
        assert_eq!(td["RequiresCompatibilities"], json!(["EC2"]));
        assert_eq!(
            td["ContainerDefinitions"][1]["ResourceRequirements"],
            json!([{"Type": "GPU", "Value": "1"}])
        );
        assert!(!to_json(&built.template).contains("LaunchConfiguration"));
    }

    /// The GPUs a service reserves with `gpus:` (none: a Fargate service), and the warnings on it.
    fn service_gpus(gpus: &str) -> (Option<Value>, Vec<String>) {
        let project = crate::test_support::load_yaml(&format!(
            "services:\n  model:\n    image: example/inference:1\n    gpus: {gpus}\n"
        ));
        let built = build(&project).unwrap();
        let td = &built.template["Resources"]["ModelTaskDefinition"]["Properties"];
        let reserved = td["ContainerDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|c| c.get("ResourceRequirements").cloned());
        let warned = built
            .warnings
            .iter()
            .filter(|w| w.attribute == "gpus")
            .map(|w| w.message.clone())
            .collect();
        (reserved, warned)
    }

    #[test]
    fn gpus_at_the_service_reserve_what_they_count() {
        let gpus = |n: &str| Some(json!([{"Type": "GPU", "Value": n}]));
        let every = ["\"all\" GPUs cannot size an instance: reserving 1 (set a count)"];
        assert_eq!(
            service_gpus("all"),
            (gpus("1"), every.map(String::from).to_vec())
        );
        assert_eq!(service_gpus("[{count: 2}]"), (gpus("2"), vec![]));
        assert_eq!(
            service_gpus("[{count: 1}, {count: \"2\", driver: nvidia}]"),
            (gpus("3"), vec![])
        );
        // A request without a count is for every GPU of the host, as `all` is.
        for all in ["[{driver: nvidia}]", "[{count: all}]"] {
            assert_eq!(
                service_gpus(all),
                (gpus("1"), every.map(String::from).to_vec()),
                "{all}"
            );
        }
        // Zero GPUs: a Fargate service.
        let (reserved, warned) = service_gpus("[{count: 0}]");
        assert_eq!((reserved, warned), (None, vec![]));
    }

    #[test]
    fn gpus_that_are_neither_all_nor_a_list_are_refused() {
        for wrong in ["2", "some"] {
            let project = crate::test_support::load_yaml(&format!(
                "services:\n  model:\n    image: example/inference:1\n    gpus: {wrong}\n"
            ));
            let err = build(&project).unwrap_err().to_string();
            assert!(
                err.contains("gpus: expected \"all\" or a list of device requests"),
                "{wrong}: {err}"
            );
        }
    }

    fn with_machine(machine: &str, gpus: u32) -> Project {
        let mut p = gpu_project();
        let model = p.services.get_mut("model").unwrap();
        let deploy = model.deploy.as_mut().unwrap();
        deploy.placement.constraints = vec![format!("node.machine == {machine}")];
        deploy.resources.reservations.as_mut().unwrap().devices[0].count =
            Some(DeviceCount::Count(gpus));
        p
    }

    #[test]
    fn node_machine_is_the_instance_type_when_it_can_hold_the_service() {
        let built = build(&with_machine("g4dn.12xlarge", 2)).unwrap();
        let lt = &built.template["Resources"]["ModelLaunchTemplate"]["Properties"];
        assert_eq!(lt["LaunchTemplateData"]["InstanceType"], "g4dn.12xlarge");
        let err = build(&with_machine("g4dn.xlarge", 2))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("g4dn.xlarge cannot hold 2 GPU(s), 0 CPU units and 8192 MiB"),
            "{err}"
        );
    }

    #[test]
    fn node_constraints_without_a_gpu_are_ignored_with_a_warning() {
        let mut p = with_machine("g5.xlarge", 1);
        let model = p.services.get_mut("model").unwrap();
        let deploy = model.deploy.as_mut().unwrap();
        deploy.resources.reservations = None;
        deploy
            .placement
            .constraints
            .push("node.ami == ami-1".into());
        let built = build(&p).unwrap();
        assert!(built.template["Resources"]
            .get("ModelLaunchTemplate")
            .is_none());
        for constraint in ["node.machine == g5.xlarge", "node.ami == ami-1"] {
            assert!(
                built
                    .warnings
                    .iter()
                    .any(|w| w.attribute == "deploy.placement.constraints"
                        && w.message.contains(&format!("ignored: {constraint:?}"))),
                "{constraint}: {:?}",
                built.warnings
            );
        }
    }

    #[test]
    fn gpu_service_in_an_existing_cluster_leaves_its_capacity_providers_alone() {
        let mut p = gpu_project();
        p.extensions
            .insert("x-aws-cluster".into(), json!("ml-cluster"));
        let built = build(&p).unwrap();
        let kinds = kinds(&built);
        assert!(!kinds
            .values()
            .any(|k| k == "AWS::ECS::ClusterCapacityProviderAssociations"
                || k == "AWS::ECS::CapacityProvider"
                || k == "AWS::ECS::Cluster"));
        let r = &built.template["Resources"];
        let service = &r["ModelService"];
        assert_eq!(service["Properties"]["LaunchType"], "EC2");
        assert_eq!(
            service["Properties"]["PlacementConstraints"][0]["Expression"],
            "attribute:com.docker.compose.project == demo and attribute:com.docker.compose.service == model"
        );
        assert!(service
            .get("DependsOn")
            .is_none_or(|d| !d.to_string().contains("ClusterCapacityProviders")));
        let user_data = r["ModelLaunchTemplate"]["Properties"]["LaunchTemplateData"]["UserData"]
            ["Fn::Base64"]["Fn::Sub"][0]
            .as_str()
            .unwrap();
        assert!(user_data.contains(r#"ECS_INSTANCE_ATTRIBUTES={"com.docker.compose.project":"demo","com.docker.compose.service":"model"}"#), "{user_data}");
        // A compromised model container cannot read the instance's credentials.
        assert!(
            user_data.contains("echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config"),
            "{user_data}"
        );
        assert_eq!(
            r["ModelLaunchTemplate"]["Properties"]["LaunchTemplateData"]["MetadataOptions"],
            json!({"HttpTokens": "required", "HttpPutResponseHopLimit": 1})
        );
        let asg = &r["ModelAutoScalingGroup"]["Properties"];
        assert_eq!(asg["MinSize"], asg["MaxSize"]);
        assert_eq!(asg["DesiredCapacity"], asg["MaxSize"]);
        assert!(built
            .warnings
            .iter()
            .any(|w| w.message.contains("does not scale GPU instances")));
    }
}
