//! ECS services: one per Compose service, wiring together what the other concerns produce (task
//! definition, roles, load balancer targets, discovery entry, capacity) into an `AWS::ECS::Service`.

use compose_model::{DependsOnCondition, Service};
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::gpu::GpuCapacity;
use crate::loadbalancer::Plan;
use crate::naming::ecs_name;
use crate::parameters;
use crate::taskdef::{self, Launch, TaskParts, TaskSettings};
use crate::template::{r#ref, Resource};
use crate::{
    autoscaling, cluster, deployment, exec, fargate, gpu, iam, jobs, networks, schedule, secrets,
    servicediscovery, spot, targethealth, volumes, Error,
};

/// An awsvpc task joins at most this many security groups.
const MAX_SECURITY_GROUPS: usize = 5;
/// An ECS service registers with at most this many target groups.
const MAX_TARGET_GROUPS: usize = 5;

/// Refuse a service behind more load balancer ports than ECS allows. The load balancer plan checks
/// this as soon as a service's ports are read, so that a range of thousands of published ports is
/// refused before a listener is built for each.
pub(crate) fn check_target_groups(name: &str, published: usize) -> Result<(), Error> {
    if published > MAX_TARGET_GROUPS {
        return Err(Error {
            service: Some(name.to_string()),
            attribute: "ports".into(),
            message: format!(
                "an ECS service can be behind at most {MAX_TARGET_GROUPS} load balancer ports; this service publishes {published}"
            ),
        });
    }
    Ok(())
}

/// Build every resource of one service. Returns the id of its GPU capacity provider, if any.
pub fn add(ctx: &mut Ctx, name: &str, plan: &Plan) -> Result<Option<String>, Error> {
    let project = ctx.project;
    let Some(service) = project.services.get(name) else {
        return Ok(None);
    };
    // The checks that need nothing but the service, all of them first: a service with several
    // problems reports each in one run, not one per run.
    let mut refusals: Vec<Error> = [
        spot::requested(name, service).err(),
        exec::requested(name, service).err(),
        taskdef::pull_credentials(name, service).err(),
        deployment::percents(name, service).err(),
        autoscaling::check(name, service).err(),
        schedule::expression(name, service).err(),
    ]
    .into_iter()
    .flatten()
    .collect();
    refusals.extend(schedule::check(name, service, plan));
    refusals.extend(jobs::check(project, name, service, plan));
    if let Some(first) = refusals.first().cloned() {
        for refusal in refusals {
            ctx.refuse(refusal);
        }
        return Err(first);
    }
    let gpu = gpu::request(ctx, name, service)?;
    let spot = spot::requested(name, service)?;
    let scheduled = schedule::expression(name, service)?;
    if scheduled.is_some() && gpu.is_some() {
        return Err(Error {
            service: Some(name.to_string()),
            attribute: schedule::ATTRIBUTE.into(),
            message: "a scheduled job runs on Fargate; a GPU service needs EC2 instances that a schedule does not start: remove x-aws-schedule or the GPU reservation".into(),
        });
    }
    if spot && gpu.is_some() {
        return Err(Error {
            service: Some(name.to_string()),
            attribute: spot::ATTRIBUTE.into(),
            message: "Fargate Spot has no GPUs: a GPU service runs on EC2 instances; remove x-aws-spot or the GPU reservation".into(),
        });
    }
    let arm = service
        .platform
        .as_deref()
        .is_some_and(|p| p.contains("arm64") || p.contains("aarch64"));
    if arm && gpu.is_some() {
        return Err(Error {
            service: Some(name.to_string()),
            attribute: "platform".into(),
            message: "GPU services run on x86_64 GPU instances: remove platform linux/arm64 or the GPU reservation".into(),
        });
    }
    if spot && ctx.existing_cluster().is_some() {
        ctx.warn_value(
            Some(name),
            spot::ATTRIBUTE,
            "the existing cluster (x-aws-cluster) must have the FARGATE_SPOT capacity provider: the stack does not change an existing cluster's providers".into(),
        );
    }
    let launch = if gpu.is_some() {
        Launch::Ec2
    } else {
        Launch::Fargate
    };
    let request = fargate::request(service);
    let (cpu, memory) = match &gpu {
        None => {
            let size = fargate::size(name, request)?;
            (Some(size.cpu), Some(size.memory))
        }
        Some(gpu) => (request.cpu_units(), Some(gpu.task_memory_mib)),
    };

    let mut parts = TaskParts::default();
    let job = jobs::is_job(project, name);
    // A job is reached by nobody: no discovery entry of its own.
    if scheduled.is_none() && !job {
        servicediscovery::add_entry(ctx, name);
    }
    let resolv = servicediscovery::init_container(ctx, &ecs_name(name));
    parts.init_containers.push(resolv);
    parts.main_depends_on.push(json!({
        "ContainerName": servicediscovery::init_container_name(&ecs_name(name)),
        "Condition": "SUCCESS"
    }));
    let mut read = secrets::for_service(ctx, name, service, &mut parts)?;
    let volume_use = volumes::for_service(ctx, name, service, &mut parts)?;
    if let Some(gpu) = &gpu {
        parts
            .resource_requirements
            .push(json!({ "Type": "GPU", "Value": gpu.count.to_string() }));
    }

    let main = taskdef::main_container(ctx, name, service, plan, launch)?;
    if let Some(arn) = taskdef::pull_credentials(name, service)? {
        read.add_secret(Value::String(arn));
    }
    let execution_role = iam::add_execution_role(ctx, name, read);
    let exec = exec::requested(name, service)?;
    let task_role = iam::add_task_role(ctx, name, service, volume_use.statements, exec)?;
    let roles = (execution_role.clone(), task_role.clone());
    taskdef::add(
        ctx,
        name,
        service,
        main,
        parts,
        TaskSettings {
            launch,
            cpu,
            memory,
            execution_role,
            task_role,
        },
    )?;

    let subnets = if volume_use.depends_on.is_empty() {
        parameters::private_subnets(ctx)
    } else {
        // Only these subnets have mount targets of the service's file systems.
        parameters::first_private_subnets(ctx)
    };
    // GPU instances live in the task subnets: an awsvpc task's interface is in its instance's zone.
    let capacity = match &gpu {
        Some(gpu) => Some(gpu::add_capacity(ctx, name, service, gpu, subnets.clone())?),
        None => None,
    };

    let groups = networks::security_groups(ctx, name);
    if groups.len() > MAX_SECURITY_GROUPS {
        return Err(Error {
            service: Some(name.to_string()),
            attribute: "networks".into(),
            message: format!(
                "a task can join at most {MAX_SECURITY_GROUPS} security groups (one per network, plus one for the load balancer and volumes); this service needs {}",
                groups.len()
            ),
        });
    }
    let mut awsvpc = serde_json::Map::new();
    if launch == Launch::Fargate {
        awsvpc.insert("AssignPublicIp".into(), parameters::assign_public_ip(ctx));
    }
    awsvpc.insert("SecurityGroups".into(), Value::Array(groups));
    awsvpc.insert("Subnets".into(), subnets);

    if let Some(expression) = scheduled {
        schedule::add(
            ctx,
            name,
            schedule::Job {
                expression,
                task_count: u64::from(deployment::desired_count(service).max(1)),
                awsvpc: Value::Object(awsvpc),
                capacity: if spot {
                    ("CapacityProviderStrategy".into(), spot::strategy())
                } else {
                    ("LaunchType".into(), json!("FARGATE"))
                },
                execution_role: roles.0,
                task_role: roles.1,
                depends_on: {
                    let mut ids = volume_use.depends_on;
                    // Fargate Spot must be one of the cluster's providers before a task asks for it.
                    if spot && ctx.existing_cluster().is_none() {
                        ids.push(cluster::CAPACITY_PROVIDERS.to_string());
                    }
                    ids
                },
            },
        );
        return Ok(None);
    }

    let (min_percent, max_percent) = deployment::percents(name, service)?;
    let load_balancers: Vec<Value> = plan
        .for_service(name)
        .map(|port| {
            json!({
                "ContainerName": ecs_name(name),
                "ContainerPort": port.target,
                "TargetGroupArn": r#ref(&port.target_group_id())
            })
        })
        .collect();

    check_target_groups(name, load_balancers.len())?;
    let mut resource = Resource::new("AWS::ECS::Service");
    for port in plan.for_service(name) {
        // A target group must be attached to a load balancer before a service can use it.
        resource = resource.depends_on(port.listener_id());
    }
    for (dependency, condition) in &service.depends_on {
        if !project.services.contains_key(dependency) {
            continue; // `required: false` and not part of the project
        }
        if project
            .services
            .get(dependency)
            .is_some_and(schedule::is_scheduled)
        {
            ctx.warn_value(
                Some(name),
                &format!("depends_on.{dependency}"),
                format!(
                    "{dependency} is a scheduled job (x-aws-schedule): it runs on its schedule, \
                     not before this service starts"
                ),
            );
            continue;
        }
        // `up` runs a job before the services that depend on it get their new version.
        if condition.condition != DependsOnCondition::ServiceStarted
            && !jobs::is_job(project, dependency)
        {
            ctx.warn(
                "service.depends_on.condition",
                Some(name),
                &format!("depends_on.{dependency}.condition"),
            );
        }
        resource = resource.depends_on(ctx.names.service_id(dependency));
    }
    for id in volume_use.depends_on {
        resource = resource.depends_on(id);
    }
    let owns_cluster = ctx.existing_cluster().is_none();
    if matches!(&capacity, Some(GpuCapacity::Provider(_))) || (spot && owns_cluster) {
        resource = resource.depends_on(cluster::CAPACITY_PROVIDERS);
    }

    resource = resource
        .prop("Cluster", ctx.cluster())
        .prop(
            "TaskDefinition",
            r#ref(&taskdef::task_definition_id(ctx, name)),
        )
        // A job's service never starts a task itself: `up` runs the job (see jobs.rs).
        .prop_opt(
            "DesiredCount",
            if job {
                Some(0)
            } else {
                fixed_count(ctx, name, service)
            },
        )
        .prop(
            "DeploymentConfiguration",
            json!({
                "MinimumHealthyPercent": min_percent,
                "MaximumPercent": max_percent,
                "DeploymentCircuitBreaker": { "Enable": true, "Rollback": true }
            }),
        )
        .prop("DeploymentController", json!({ "Type": "ECS" }));
    resource = match &capacity {
        Some(GpuCapacity::Provider(provider)) => resource.prop(
            "CapacityProviderStrategy",
            json!([{ "CapacityProvider": r#ref(provider), "Weight": 1, "Base": 0 }]),
        ),
        Some(GpuCapacity::Instances { constraint }) => resource.prop("LaunchType", "EC2").prop(
            "PlacementConstraints",
            json!([{ "Type": "memberOf", "Expression": constraint }]),
        ),
        None if spot => resource.prop("CapacityProviderStrategy", spot::strategy()),
        None => resource.prop("LaunchType", "FARGATE"),
    };
    if !load_balancers.is_empty() {
        resource = resource
            .prop("LoadBalancers", Value::Array(load_balancers))
            .prop(
                "HealthCheckGracePeriodSeconds",
                health_check_grace(name, service)?,
            );
    }
    resource = resource
        .prop(
            "NetworkConfiguration",
            json!({ "AwsvpcConfiguration": Value::Object(awsvpc) }),
        )
        .prop_opt(
            "ServiceRegistries",
            (!job).then(|| servicediscovery::registry(ctx, name)),
        )
        .prop("SchedulingStrategy", "REPLICA")
        .prop("PropagateTags", "SERVICE")
        .prop("EnableECSManagedTags", true)
        .prop_opt("EnableExecuteCommand", exec.then_some(Value::Bool(true)))
        .prop("Tags", {
            let mut tags = service_tags(ctx, name, service);
            if let (true, Some(list)) = (job, tags.as_array_mut()) {
                list.push(json!({ "Key": jobs::TAG, "Value": "one-off" }));
            }
            tags
        });
    ctx.template.add(ctx.names.service_id(name), resource);
    autoscaling::add(ctx, name, service)?;
    Ok(match capacity {
        Some(GpuCapacity::Provider(provider)) => Some(provider),
        _ => None,
    })
}

/// `depends_on` becomes CloudFormation `DependsOn`, which must not loop: a service that depends on
/// itself, directly or through others, is an error naming the cycle.
pub fn check_dependency_cycles(project: &compose_model::Project) -> Result<(), Error> {
    fn visit<'p>(
        project: &'p compose_model::Project,
        name: &'p str,
        path: &mut Vec<&'p str>,
        done: &mut std::collections::BTreeSet<&'p str>,
    ) -> Result<(), Error> {
        if done.contains(name) {
            return Ok(());
        }
        if let Some(start) = path.iter().position(|n| *n == name) {
            let mut cycle: Vec<&str> = path[start..].to_vec();
            cycle.push(name);
            return Err(Error {
                service: Some(cycle[0].to_string()),
                attribute: format!("depends_on.{}", cycle[1]),
                message: format!("dependency cycle: {}", cycle.join(" -> ")),
            });
        }
        path.push(name);
        if let Some(service) = project.services.get(name) {
            for dependency in service.depends_on.keys() {
                if project.services.contains_key(dependency) {
                    visit(project, dependency, path, done)?;
                }
            }
        }
        path.pop();
        done.insert(name);
        Ok(())
    }
    let mut done = std::collections::BTreeSet::new();
    for name in project.services.keys() {
        visit(project, name, &mut Vec::new(), &mut done)?;
    }
    Ok(())
}

/// Project and service tags, then `deploy.labels`.
fn service_tags(ctx: &Ctx, name: &str, service: &Service) -> Value {
    let mut tags = ctx.service_tags(name);
    if let (Some(deploy), Some(list)) = (&service.deploy, tags.as_array_mut()) {
        for (key, value) in &deploy.labels {
            list.push(json!({ "Key": key, "Value": value }));
        }
    }
    tags
}

/// `DesiredCount`, unless `x-aws-autoscaling` owns it: a template that states a count makes every
/// stack update reset the service to it, undoing what autoscaling did. Without one, CloudFormation
/// starts a new service with 1 task (which the scalable target raises to `min`) and an update keeps
/// the running count.
fn fixed_count(ctx: &mut Ctx, name: &str, service: &Service) -> Option<u32> {
    if !service.extensions.contains_key("x-aws-autoscaling") {
        return Some(deployment::desired_count(service));
    }
    // A count other than `min` is not what a new service starts with: say so.
    let differs =
        deployment::desired_count(service) != autoscaling::min_capacity(service).unwrap_or(1);
    // The loader reads `scale` into deploy.replicas, as compose does.
    let replicas = service.deploy.as_ref().and_then(|d| d.replicas).is_some();
    if replicas && differs {
        ctx.warn_value(
            Some(name),
            "deploy.replicas",
            "ignored: x-aws-autoscaling sets the task count (from its min), so that up does not reset what it scaled to".into(),
        );
    }
    None
}

/// Time a new task gets before failing load balancer health checks count:
/// `x-aws-healthcheck.grace_period`, else the container health check's start period if any, else a
/// minute.
fn health_check_grace(name: &str, service: &Service) -> Result<u64, Error> {
    if let Some(grace) = targethealth::of_service(name, service)?.grace_period {
        return Ok(grace);
    }
    Ok(service
        .healthcheck
        .as_ref()
        .and_then(|h| h.start_period)
        .map(|d| d.as_secs_ceil().max(60))
        .unwrap_or(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    use compose_model::Deploy;
    use serde_json::json;

    use crate::build;
    use crate::test_support::{gpu_project, port, project, service, wordpress};

    /// With autoscaling, a replica count is ignored: said when one is written and differs from
    /// `min`, never when none is written (the default of 1 is not the user's).
    #[test]
    fn replicas_beside_autoscaling_are_warned_about_only_when_written_and_unlike_min() {
        let warnings = |count: &str| {
            let project = crate::test_support::load_yaml(&format!(
                "services:\n  web:\n    image: nginx\n{count}    \
                 x-aws-autoscaling: {{ min: 2, max: 4, cpu: 50 }}\n"
            ));
            let built = build(&project).unwrap();
            built
                .warnings
                .iter()
                .map(|w| w.attribute.clone())
                .collect::<Vec<_>>()
        };
        assert!(warnings("").is_empty(), "{:?}", warnings(""));
        // The loader reads `scale` as compose does, into deploy.replicas.
        assert_eq!(warnings("    scale: 3\n"), ["deploy.replicas"]);
        assert_eq!(
            warnings("    deploy:\n      replicas: 3\n"),
            ["deploy.replicas"]
        );
    }

    #[test]
    fn dependency_cycles_are_errors() {
        let mut project = compose_model::Project::default();
        for (name, deps) in [
            ("a", vec!["b"]),
            ("b", vec!["c"]),
            ("c", vec!["a"]),
            ("d", vec!["d"]),
        ] {
            let mut s = Service::default();
            for d in deps {
                s.depends_on.insert(d.into(), Default::default());
            }
            project.services.insert(name.into(), s);
        }
        let err = check_dependency_cycles(&project).unwrap_err();
        assert_eq!(err.service.as_deref(), Some("a"));
        assert_eq!(err.message, "dependency cycle: a -> b -> c -> a");
        project.services.remove("a");
        let err = check_dependency_cycles(&project).unwrap_err();
        assert_eq!(err.message, "dependency cycle: d -> d");
        assert_eq!(err.attribute, "depends_on.d");
        project.services.remove("d");
        assert!(check_dependency_cycles(&project).is_ok());
    }

    #[test]
    fn more_than_five_published_ports_on_one_service_is_an_error() {
        let mut s = service("app");
        for p in 8000..8006 {
            s.ports.push(port(p, Some(p)));
        }
        let err = build(&project(vec![("app", s)])).unwrap_err();
        assert_eq!(err.attribute, "ports");
        assert!(
            err.message
                .contains("at most 5 load balancer ports; this service publishes 6"),
            "{err}"
        );
    }

    #[test]
    fn exactly_five_published_ports_on_one_service_are_accepted() {
        // ECS allows five target groups per service: the fifth port is the last one accepted.
        let mut s = service("app");
        for p in 8000..8005 {
            s.ports.push(port(p, Some(p)));
        }
        let built = build(&project(vec![("app", s)]))
            .unwrap_or_else(|e| panic!("five published ports must be accepted: {e}"));
        let balancers = built.template["Resources"]["AppService"]["Properties"]["LoadBalancers"]
            .as_array()
            .expect("the service's load balancers");
        assert_eq!(balancers.len(), 5);
    }

    #[test]
    fn services_with_volumes_run_only_where_mount_targets_are() {
        let built = build(&wordpress()).unwrap();
        let r = &built.template["Resources"];
        let subnets =
            &r["DbService"]["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"];
        let list = subnets.as_array().expect("an explicit subnet list");
        assert_eq!(list.len(), crate::parameters::MAX_SUBNETS);
        assert_eq!(list[1]["Fn::If"][0], "HasPrivateSubnet1");
        assert_eq!(list[1]["Fn::If"][2], json!({"Ref": "AWS::NoValue"}));
        for index in 0..crate::parameters::MAX_SUBNETS {
            assert!(r.get(format!("DbDataMountTarget{index}")).is_some());
        }
        // A service without volumes uses the whole list.
        let wp =
            &r["WordpressService"]["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"];
        assert_eq!(wp["Subnets"], json!({"Ref": "PrivateSubnetIds"}));
    }

    #[test]
    fn spot_or_arm64_with_a_gpu_is_an_error() {
        let mut p = gpu_project();
        let name = p.services.keys().next().unwrap().clone();
        p.services
            .get_mut(&name)
            .unwrap()
            .extensions
            .insert("x-aws-spot".into(), json!(true));
        let err = build(&p).unwrap_err();
        assert_eq!(err.service.as_deref(), Some(name.as_str()));
        assert_eq!(err.attribute, "x-aws-spot");
        assert!(err.message.contains("GPU"), "{err}");

        let mut p = gpu_project();
        p.services.get_mut(&name).unwrap().platform = Some("linux/arm64".into());
        let err = build(&p).unwrap_err();
        assert_eq!(err.attribute, "platform");
        assert!(err.message.contains("GPU"), "{err}");
    }

    #[test]
    fn an_autoscaled_service_leaves_its_count_to_autoscaling() {
        let mut api = service("api");
        api.extensions.insert(
            "x-aws-autoscaling".into(),
            json!({"min": 2, "max": 6, "cpu": 60}),
        );
        api.deploy = Some(Deploy {
            replicas: Some(3),
            ..Default::default()
        });
        let built = build(&project(vec![("api", api)])).unwrap();
        let r = &built.template["Resources"];
        assert!(r["ApiService"]["Properties"].get("DesiredCount").is_none());
        assert_eq!(r["ApiScalableTarget"]["Properties"]["MinCapacity"], 2);
        let warned: Vec<&str> = built
            .warnings
            .iter()
            .map(|w| w.attribute.as_str())
            .collect();
        assert_eq!(warned, ["deploy.replicas"]);
    }

    #[test]
    fn replicas_equal_to_the_autoscaling_min_are_not_warned_about() {
        let mut api = service("api");
        api.extensions.insert(
            "x-aws-autoscaling".into(),
            json!({"min": 3, "max": 6, "cpu": 60}),
        );
        api.deploy = Some(Deploy {
            replicas: Some(3),
            ..Default::default()
        });
        let built = build(&project(vec![("api", api)])).unwrap();
        assert!(built.warnings.is_empty(), "{:?}", built.warnings);
    }

    #[test]
    fn a_task_joins_at_most_five_security_groups() {
        // The default network, and `extra` more.
        let with = |extra: usize| {
            let mut app = service("app");
            let mut p = project(vec![]);
            for i in 0..extra {
                let network = format!("n{i}");
                p.networks.insert(network.clone(), Default::default());
                app.networks.insert(network, Default::default());
            }
            p.services.insert("app".into(), app);
            build(&p)
        };
        with(4).unwrap();
        let err = with(5).unwrap_err();
        assert_eq!(err.attribute, "networks");
        assert!(
            err.message
                .contains("at most 5 security groups (one per network, plus one for the load balancer and volumes); this service needs 6"),
            "{err}"
        );
    }
}
