//! Task definitions: one per service, family `<project>-<service>`, awsvpc networking, with the
//! service's main container (named after the service) and the init containers other concerns add
//! (search domain, secrets).

use std::collections::BTreeSet;

use compose_model::Service;
use serde_json::{json, Map, Value};

use crate::context::Ctx;
use crate::images;
use crate::loadbalancer::Plan;
use crate::logs;
use crate::naming::ecs_name;
use crate::Error;

/// Fargate stops a container at most this long after SIGTERM.
const MAX_STOP_TIMEOUT_SECONDS: u64 = 120;

/// The only capability Fargate lets a task add.
const FARGATE_ADDABLE_CAPABILITY: &str = "SYS_PTRACE";

/// ECS limits on container health checks: (min, max) seconds, and retries.
const HEALTH_INTERVAL: (u64, u64) = (5, 300);
const HEALTH_TIMEOUT: (u64, u64) = (2, 60);
const HEALTH_START_PERIOD: (u64, u64) = (0, 300);
const HEALTH_RETRIES: (u64, u64) = (1, 10);

/// Where the task runs: Fargate, or EC2 instances of a GPU capacity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Launch {
    Fargate,
    Ec2,
}

/// What the other concerns contribute to a task definition.
#[derive(Debug, Default)]
pub struct TaskParts {
    pub init_containers: Vec<Value>,
    /// `DependsOn` entries of the main container (init containers that must succeed first).
    pub main_depends_on: Vec<Value>,
    pub mount_points: Vec<Value>,
    pub volumes: Vec<Value>,
    /// `ResourceRequirements` of the main container (GPUs).
    pub resource_requirements: Vec<Value>,
}

pub fn task_definition_id(ctx: &Ctx, service: &str) -> String {
    format!("{}TaskDefinition", ctx.names.service(service))
}

pub fn family(project: &str, service: &str) -> String {
    ecs_name(&format!("{project}-{service}"))
}

fn err(service: &str, attribute: impl Into<String>, message: impl Into<String>) -> Error {
    Error {
        service: Some(service.to_string()),
        attribute: attribute.into(),
        message: message.into(),
    }
}

/// The main container of a service.
pub fn main_container(
    ctx: &mut Ctx,
    name: &str,
    service: &Service,
    plan: &Plan,
    launch: Launch,
) -> Result<Map<String, Value>, Error> {
    // A built service, or one with files of the project added, runs what `up` pushed, whatever
    // `image:` says (it names the repository, or the base).
    let derived = ctx.derived_services.contains(name);
    let image: Value = match (&service.build, &service.image) {
        (Some(_), _) => images::image_parameter(ctx, name),
        (None, Some(_)) if derived => images::image_parameter(ctx, name),
        (None, Some(image)) => image.clone().into(),
        (None, None) => {
            return Err(err(
                name,
                "image",
                "an image is required: ECS runs images from a registry",
            ))
        }
    };
    let mut c = Map::new();
    c.insert("Name".into(), ecs_name(name).into());
    c.insert("Image".into(), image);
    c.insert("Essential".into(), true.into());
    if let Some(command) = service.command.as_ref().filter(|c| !c.is_empty()) {
        c.insert("Command".into(), json!(command));
    }
    if let Some(entrypoint) = service.entrypoint.as_ref().filter(|e| !e.is_empty()) {
        c.insert("EntryPoint".into(), json!(entrypoint));
    }
    let mut environment = Vec::new();
    for (key, value) in &service.environment {
        match value {
            Some(value) => environment.push(json!({ "Name": key, "Value": value })),
            None => ctx.warn_value(
                Some(name),
                &format!("environment.{key}"),
                "has no value (not set when loading): left unset in the container".into(),
            ),
        }
    }
    if !environment.is_empty() {
        c.insert("Environment".into(), Value::Array(environment));
    }
    // Empty (`user: ""`, often from an unset variable) means the image's own, as in Docker.
    if let Some(dir) = service.working_dir.as_ref().filter(|d| !d.is_empty()) {
        c.insert("WorkingDirectory".into(), dir.clone().into());
    }
    if let Some(user) = service.user.as_ref().filter(|u| !u.is_empty()) {
        c.insert("User".into(), user.clone().into());
    }
    if !service.labels.is_empty() {
        c.insert("DockerLabels".into(), json!(service.labels));
    }
    // One mapping per container port and protocol, in order; a set, not a scan of the list, so
    // that a range of thousands of ports costs linear time before it is refused.
    let mut mapped = BTreeSet::new();
    let port_mappings: Vec<Value> = plan
        .for_service(name)
        .filter(|port| mapped.insert((port.target, port.transport.as_str())))
        .map(|port| json!({ "ContainerPort": port.target, "Protocol": port.transport }))
        .collect();
    if !port_mappings.is_empty() {
        c.insert("PortMappings".into(), Value::Array(port_mappings));
    }
    if let Some(check) = health_check(ctx, name, service)? {
        c.insert("HealthCheck".into(), check);
    }
    let linux = linux_parameters(name, service, launch)?;
    if !linux.is_empty() {
        c.insert("LinuxParameters".into(), Value::Object(linux));
    }
    let ulimits = ulimits(ctx, name, service, launch);
    if !ulimits.is_empty() {
        c.insert("Ulimits".into(), Value::Array(ulimits));
    }
    if let Some(read_only) = service.read_only {
        c.insert("ReadonlyRootFilesystem".into(), read_only.into());
    }
    if let Some(grace) = service.stop_grace_period {
        let mut secs = grace.as_secs_ceil();
        if secs > MAX_STOP_TIMEOUT_SECONDS {
            ctx.warn_value(
                Some(name),
                "stop_grace_period",
                format!("{grace} is longer than ECS allows: capped at {MAX_STOP_TIMEOUT_SECONDS}s"),
            );
            secs = MAX_STOP_TIMEOUT_SECONDS;
        }
        c.insert("StopTimeout".into(), secs.into());
    }
    if let Some(tty) = service.other.get("tty").and_then(Value::as_bool) {
        c.insert("PseudoTerminal".into(), tty.into());
    }
    if let Some(open) = service.other.get("stdin_open").and_then(Value::as_bool) {
        c.insert("Interactive".into(), open.into());
    }
    let sysctls = system_controls(name, service)?;
    if !sysctls.is_empty() {
        c.insert("SystemControls".into(), Value::Array(sysctls));
    }
    if let Some(credentials) = pull_credentials(name, service)? {
        c.insert(
            "RepositoryCredentials".into(),
            json!({ "CredentialsParameter": credentials }),
        );
    }
    c.insert(
        "LogConfiguration".into(),
        logs::service_log_configuration(ctx, service)?,
    );
    Ok(c)
}

/// `x-aws-pull_credentials`: the Secrets Manager ARN of the registry credentials.
pub fn pull_credentials(name: &str, service: &Service) -> Result<Option<String>, Error> {
    match service.extensions.get("x-aws-pull_credentials") {
        None => Ok(None),
        Some(Value::String(arn)) if arn.starts_with("arn:") => Ok(Some(arn.clone())),
        Some(other) => Err(err(
            name,
            "x-aws-pull_credentials",
            format!("expected the ARN of a Secrets Manager secret (arn:aws:secretsmanager:...), got {other}"),
        )),
    }
}

fn clamp(ctx: &mut Ctx, service: &str, attribute: &str, value: u64, (min, max): (u64, u64)) -> u64 {
    let clamped = value.clamp(min, max);
    if clamped != value {
        warn_clamped(
            ctx,
            service,
            attribute,
            format!("{value} -> {clamped}; ECS accepts {min} to {max}"),
        );
    }
    clamped
}

/// [`clamp`] for a duration, in whole seconds (rounded up), shown as the user wrote it.
fn clamp_seconds(
    ctx: &mut Ctx,
    service: &str,
    attribute: &str,
    value: compose_model::Duration,
    (min, max): (u64, u64),
) -> u64 {
    let seconds = value.as_secs_ceil();
    let clamped = seconds.clamp(min, max);
    if clamped != seconds {
        warn_clamped(
            ctx,
            service,
            attribute,
            format!("{value} -> {clamped}s; ECS accepts {min}s to {max}s"),
        );
    }
    clamped
}

fn warn_clamped(ctx: &mut Ctx, service: &str, attribute: &str, detail: String) {
    ctx.warn_value(
        Some(service),
        attribute,
        format!(
            "{} ({detail})",
            crate::attributes::lookup("service.healthcheck.clamped").note
        ),
    );
}

fn health_check(ctx: &mut Ctx, name: &str, service: &Service) -> Result<Option<Value>, Error> {
    let Some(check) = service.healthcheck.as_ref() else {
        return Ok(None);
    };
    if check.disable || check.test.is_empty() || check.test[0] == "NONE" {
        return Ok(None);
    }
    if check.test.len() < 2 || check.test[1..].iter().all(|arg| arg.trim().is_empty()) {
        return Err(err(
            name,
            "healthcheck.test",
            format!(
                "{:?} runs nothing: give the command, like [\"CMD\", \"curl\", \"-f\", \"http://localhost/\"], or a string for the shell",
                check.test
            ),
        ));
    }
    if check.start_interval.is_some() {
        ctx.warn(
            "service.healthcheck.start_interval",
            Some(name),
            "healthcheck.start_interval",
        );
    }
    let mut out = Map::new();
    out.insert("Command".into(), json!(check.test));
    if let Some(interval) = check.interval {
        let v = clamp_seconds(ctx, name, "healthcheck.interval", interval, HEALTH_INTERVAL);
        out.insert("Interval".into(), v.into());
    }
    if let Some(timeout) = check.timeout {
        let v = clamp_seconds(ctx, name, "healthcheck.timeout", timeout, HEALTH_TIMEOUT);
        out.insert("Timeout".into(), v.into());
    }
    if let Some(retries) = check.retries {
        let v = clamp(ctx, name, "healthcheck.retries", retries, HEALTH_RETRIES);
        out.insert("Retries".into(), v.into());
    }
    if let Some(start) = check.start_period {
        let v = clamp_seconds(
            ctx,
            name,
            "healthcheck.start_period",
            start,
            HEALTH_START_PERIOD,
        );
        out.insert("StartPeriod".into(), v.into());
    }
    Ok(Some(Value::Object(out)))
}

fn capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_string()
}

fn linux_parameters(
    name: &str,
    service: &Service,
    launch: Launch,
) -> Result<Map<String, Value>, Error> {
    let mut linux = Map::new();
    if let Some(init) = service.init {
        linux.insert("InitProcessEnabled".into(), init.into());
    }
    let add: Vec<String> = service.cap_add.iter().map(|c| capability(c)).collect();
    let drop: Vec<String> = service.cap_drop.iter().map(|c| capability(c)).collect();
    if launch == Launch::Fargate {
        if let Some((index, bad)) = add
            .iter()
            .enumerate()
            .find(|(_, c)| *c != FARGATE_ADDABLE_CAPABILITY)
        {
            return Err(err(
                name,
                format!("cap_add[{index}]"),
                format!(
                    "Fargate only allows adding {FARGATE_ADDABLE_CAPABILITY}, not {bad}: remove it"
                ),
            ));
        }
    }
    if !add.is_empty() || !drop.is_empty() {
        let mut caps = Map::new();
        if !add.is_empty() {
            caps.insert("Add".into(), json!(add));
        }
        if !drop.is_empty() {
            caps.insert("Drop".into(), json!(drop));
        }
        linux.insert("Capabilities".into(), Value::Object(caps));
    }
    Ok(linux)
}

const EC2_ULIMITS: &[&str] = &[
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// The highest `nofile` limit a Fargate task may have.
const FARGATE_MAX_NOFILE: i64 = 1_048_576;

fn ulimits(ctx: &mut Ctx, name: &str, service: &Service, launch: Launch) -> Vec<Value> {
    let mut out = Vec::new();
    for (limit, value) in &service.ulimits {
        let allowed = match launch {
            Launch::Fargate => limit == "nofile",
            Launch::Ec2 => EC2_ULIMITS.contains(&limit.as_str()),
        };
        if allowed && launch == Launch::Fargate {
            // Fargate refuses a task above its ceiling, and has no "unlimited" (-1).
            let cap = |v: i64| {
                if (0..=FARGATE_MAX_NOFILE).contains(&v) {
                    v
                } else {
                    FARGATE_MAX_NOFILE
                }
            };
            let (soft, hard) = (cap(value.soft), cap(value.hard));
            if (soft, hard) != (value.soft, value.hard) {
                ctx.warn_value(
                    Some(name),
                    &format!("ulimits.{limit}"),
                    format!(
                        "{}:{} is above what Fargate allows: capped at {FARGATE_MAX_NOFILE}",
                        value.soft, value.hard
                    ),
                );
            }
            out.push(json!({ "Name": limit, "SoftLimit": soft, "HardLimit": hard }));
        } else if allowed {
            out.push(json!({ "Name": limit, "SoftLimit": value.soft, "HardLimit": value.hard }));
        } else {
            ctx.warn_value(
                Some(name),
                &format!("ulimits.{limit}"),
                "ignored: not a limit ECS can set here (Fargate: nofile only)".into(),
            );
        }
    }
    out
}

fn system_controls(name: &str, service: &Service) -> Result<Vec<Value>, Error> {
    let Some(sysctls) = service.other.get("sysctls") else {
        return Ok(Vec::new());
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    match sysctls {
        Value::Object(map) => {
            for (key, value) in map {
                let value = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                pairs.push((key.clone(), value));
            }
        }
        Value::Array(items) => {
            for item in items {
                let text = item.as_str().unwrap_or_default();
                let (key, value) = text
                    .split_once('=')
                    .ok_or_else(|| err(name, "sysctls", format!("{item} is not key=value")))?;
                pairs.push((key.trim().to_string(), value.trim().to_string()));
            }
        }
        _ => {
            return Err(err(
                name,
                "sysctls",
                "expected a map or a list of key=value",
            ))
        }
    }
    pairs.sort();
    Ok(pairs
        .into_iter()
        .map(|(k, v)| json!({ "Namespace": k, "Value": v }))
        .collect())
}

/// `RuntimePlatform` from `platform:`.
/// `x-aws-ephemeral_storage: 50`: the task's storage in GiB (Fargate gives 20 without it, and takes
/// 21 to 200), for anonymous volumes and the container's writable layer.
fn ephemeral_storage(
    name: &str,
    service: &Service,
    launch: Launch,
) -> Result<Option<Value>, Error> {
    const KEY: &str = "x-aws-ephemeral_storage";
    let Some(value) = service.extensions.get(KEY) else {
        return Ok(None);
    };
    let size = value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
        .filter(|size| (21..=200).contains(size))
        .ok_or_else(|| {
            err(
                name,
                KEY,
                format!("expected a size in GiB from 21 to 200 (Fargate's range; 20 is the default), got {value}"),
            )
        })?;
    if launch == Launch::Ec2 {
        return Err(err(
            name,
            KEY,
            "GPU services run on EC2 instances, whose disk is the instance's: ephemeral storage is a Fargate setting",
        ));
    }
    Ok(Some(json!({ "SizeInGiB": size })))
}

fn runtime_platform(name: &str, service: &Service) -> Result<Option<Value>, Error> {
    let Some(platform) = service.platform.as_deref() else {
        return Ok(None);
    };
    let architecture = match platform {
        "linux/amd64" | "linux/x86_64" => "X86_64",
        "linux/arm64" | "linux/arm64/v8" | "linux/aarch64" => "ARM64",
        other => {
            return Err(err(
                name,
                "platform",
                format!("{other:?}: ECS runs linux/amd64 or linux/arm64"),
            ))
        }
    };
    Ok(Some(json!({
        "CpuArchitecture": architecture,
        "OperatingSystemFamily": "LINUX"
    })))
}

/// Everything the task definition resource needs besides the containers.
pub struct TaskSettings {
    pub launch: Launch,
    /// CPU units and MiB; `None` leaves the field out (EC2 without a request).
    pub cpu: Option<u32>,
    pub memory: Option<u32>,
    pub execution_role: Value,
    pub task_role: Option<Value>,
}

#[allow(clippy::too_many_arguments)]
pub fn add(
    ctx: &mut Ctx,
    name: &str,
    service: &Service,
    mut main: Map<String, Value>,
    parts: TaskParts,
    settings: TaskSettings,
) -> Result<(), Error> {
    if !parts.main_depends_on.is_empty() {
        main.insert("DependsOn".into(), Value::Array(parts.main_depends_on));
    }
    if !parts.mount_points.is_empty() {
        main.insert("MountPoints".into(), Value::Array(parts.mount_points));
    }
    if !parts.resource_requirements.is_empty() {
        main.insert(
            "ResourceRequirements".into(),
            Value::Array(parts.resource_requirements),
        );
    }
    let mut containers = parts.init_containers;
    containers.push(Value::Object(main));
    let compatibility = match settings.launch {
        Launch::Fargate => "FARGATE",
        Launch::Ec2 => "EC2",
    };
    let definition = crate::template::Resource::new("AWS::ECS::TaskDefinition")
        .prop("Family", family(ctx.project_name(), name))
        .prop("NetworkMode", "awsvpc")
        .prop("RequiresCompatibilities", json!([compatibility]))
        .prop_opt("Cpu", settings.cpu.map(|c| c.to_string()))
        .prop_opt("Memory", settings.memory.map(|m| m.to_string()))
        .prop_opt("RuntimePlatform", runtime_platform(name, service)?)
        .prop_opt(
            "EphemeralStorage",
            ephemeral_storage(name, service, settings.launch)?,
        )
        .prop("ExecutionRoleArn", settings.execution_role)
        .prop_opt("TaskRoleArn", settings.task_role)
        .prop("ContainerDefinitions", Value::Array(containers))
        .prop_opt(
            "Volumes",
            (!parts.volumes.is_empty()).then(|| Value::Array(parts.volumes)),
        )
        .prop("Tags", ctx.service_tags(name));
    ctx.template.add(task_definition_id(ctx, name), definition);
    Ok(())
}

#[cfg(test)]
mod tests {
    use compose_model::{Duration, Healthcheck, Ulimit};
    use serde_json::json;

    use super::MAX_STOP_TIMEOUT_SECONDS;
    use crate::build;
    use crate::test_support::{main_container, project, service, web_redis};

    #[test]
    fn x_aws_ephemeral_storage_sizes_the_tasks_storage() {
        let mut s = service("app");
        s.extensions
            .insert("x-aws-ephemeral_storage".into(), json!(50));
        let built = build(&project(vec![("app", s.clone())])).unwrap();
        let td = &built.template["Resources"]["AppTaskDefinition"]["Properties"];
        assert_eq!(td["EphemeralStorage"], json!({"SizeInGiB": 50}));
        for wrong in [json!(20), json!(201), json!("lots")] {
            s.extensions.insert("x-aws-ephemeral_storage".into(), wrong);
            let err = build(&project(vec![("app", s.clone())])).unwrap_err();
            assert_eq!(err.attribute, "x-aws-ephemeral_storage");
            assert!(err.message.contains("21 to 200"), "{err}");
        }
    }

    #[test]
    fn pull_credentials_must_be_a_secret_arn() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-AbCdEf";
        let mut s = service("registry.example.com/app:1");
        s.extensions
            .insert("x-aws-pull_credentials".into(), json!(arn));
        let built = build(&project(vec![("app", s.clone())])).unwrap();
        assert_eq!(
            main_container(&built, "app")["RepositoryCredentials"],
            json!({"CredentialsParameter": arn})
        );
        s.extensions
            .insert("x-aws-pull_credentials".into(), json!("registry"));
        let err = build(&project(vec![("app", s)])).unwrap_err();
        assert_eq!(err.attribute, "x-aws-pull_credentials");
        assert!(err.message.contains("expected the ARN"), "{err}");
    }

    #[test]
    fn task_definition_has_sized_main_container_and_resolv_conf_init() {
        let built = build(&web_redis()).unwrap();
        let td = &built.template["Resources"]["WebTaskDefinition"]["Properties"];
        assert_eq!(td["Family"], "demo-web");
        assert_eq!(td["Cpu"], "256");
        assert_eq!(td["Memory"], "512");
        assert_eq!(td["NetworkMode"], "awsvpc");
        let containers = td["ContainerDefinitions"].as_array().unwrap();
        assert_eq!(containers.len(), 2);
        assert_eq!(containers[0]["Name"], "web_ResolvConf_InitContainer");
        assert!(containers[0]["Command"][2]
            .as_str()
            .unwrap()
            .contains("search demo.local"));
        let main = &containers[1];
        assert_eq!(main["Name"], "web");
        assert_eq!(
            main["PortMappings"],
            json!([{"ContainerPort": 80, "Protocol": "tcp"}])
        );
        assert_eq!(
            main["DependsOn"],
            json!([{"ContainerName": "web_ResolvConf_InitContainer", "Condition": "SUCCESS"}])
        );
        assert_eq!(
            main["LogConfiguration"]["Options"]["awslogs-stream-prefix"],
            "demo"
        );
    }

    #[test]
    fn cap_add_other_than_sys_ptrace_is_an_error() {
        let mut s = service("app");
        s.cap_add = vec!["SYS_PTRACE".into()];
        assert!(build(&project(vec![("app", s.clone())])).is_ok());
        s.cap_add.push("NET_ADMIN".into());
        let err = build(&project(vec![("app", s)])).unwrap_err();
        assert_eq!(err.attribute, "cap_add[1]");
        assert!(err.message.contains("NET_ADMIN"));
    }

    #[test]
    fn container_attributes_map() {
        let mut s = service("app");
        s.command = Some(vec!["serve".into(), "--port=80".into()]);
        s.entrypoint = Some(vec!["/init".into()]);
        s.environment.insert("B".into(), Some("2".into()));
        s.environment.insert("A".into(), Some("1".into()));
        s.environment.insert("UNSET".into(), None);
        s.working_dir = Some("/srv".into());
        s.user = Some("1000:1000".into());
        s.labels.insert("team".into(), "web".into());
        s.init = Some(true);
        s.cap_drop = vec!["NET_RAW".into()];
        s.read_only = Some(true);
        s.ulimits
            .insert("nofile".into(), Ulimit { soft: 10, hard: 20 });
        s.ulimits
            .insert("nproc".into(), Ulimit { soft: 1, hard: 2 });
        s.other.insert("tty".into(), json!(true));
        s.other
            .insert("sysctls".into(), json!(["net.core.somaxconn=1024"]));
        s.healthcheck = Some(Healthcheck {
            test: vec!["CMD".into(), "true".into()],
            interval: Some(Duration::from_secs(1)),
            timeout: Some(Duration::from_secs(5)),
            retries: Some(30),
            start_period: Some(Duration::from_secs(10)),
            ..Default::default()
        });
        let built = build(&project(vec![("app", s)])).unwrap();
        let c = main_container(&built, "app");
        assert_eq!(c["Command"], json!(["serve", "--port=80"]));
        assert_eq!(c["EntryPoint"], json!(["/init"]));
        assert_eq!(
            c["Environment"],
            json!([{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}]),
            "sorted, unset variables left out"
        );
        assert_eq!(c["WorkingDirectory"], "/srv");
        assert_eq!(c["User"], "1000:1000");
        assert_eq!(c["DockerLabels"], json!({"team": "web"}));
        assert_eq!(c["LinuxParameters"]["InitProcessEnabled"], true);
        assert_eq!(
            c["LinuxParameters"]["Capabilities"]["Drop"],
            json!(["NET_RAW"])
        );
        assert_eq!(c["ReadonlyRootFilesystem"], true);
        assert_eq!(
            c["Ulimits"],
            json!([{"Name": "nofile", "SoftLimit": 10, "HardLimit": 20}])
        );
        assert_eq!(c["PseudoTerminal"], true);
        assert_eq!(
            c["SystemControls"],
            json!([{"Namespace": "net.core.somaxconn", "Value": "1024"}])
        );
        assert_eq!(
            c["HealthCheck"],
            json!({"Command": ["CMD", "true"], "Interval": 5, "Timeout": 5, "Retries": 10, "StartPeriod": 10})
        );
        let warned: Vec<&str> = built
            .warnings
            .iter()
            .map(|w| w.attribute.as_str())
            .collect();
        for attribute in [
            "environment.UNSET",
            "healthcheck.interval",
            "healthcheck.retries",
            "ulimits.nproc",
        ] {
            assert!(warned.contains(&attribute), "{attribute} not in {warned:?}");
        }
    }

    #[test]
    fn a_clamped_health_check_duration_is_shown_as_written() {
        let mut db = service("mysql");
        db.healthcheck = Some(Healthcheck {
            test: vec!["CMD".into(), "true".into()],
            interval: Some(Duration(std::time::Duration::from_millis(500))),
            timeout: Some(Duration::from_secs(90)),
            ..Default::default()
        });
        let built = build(&project(vec![("db", db)])).unwrap();
        let check = &built.template["Resources"]["DbTaskDefinition"]["Properties"]
            ["ContainerDefinitions"][1]["HealthCheck"];
        assert_eq!(check["Interval"], 5);
        assert_eq!(check["Timeout"], 60);
        let shown: Vec<String> = built.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "service \"db\": healthcheck.interval: value outside what ECS accepts: clamped (500ms -> 5s; ECS accepts 5s to 300s)",
                "service \"db\": healthcheck.timeout: value outside what ECS accepts: clamped (1m30s -> 60s; ECS accepts 2s to 60s)",
            ]
        );
    }

    #[test]
    fn an_empty_user_or_working_dir_keeps_the_image_defaults() {
        let mut app = service("app");
        app.user = Some(String::new());
        app.working_dir = Some(String::new());
        let built = build(&project(vec![("app", app)])).unwrap();
        let main = &built.template["Resources"]["AppTaskDefinition"]["Properties"]
            ["ContainerDefinitions"][1];
        assert!(main.get("User").is_none());
        assert!(main.get("WorkingDirectory").is_none());
    }

    #[test]
    fn a_health_check_without_a_command_is_refused() {
        let mut app = service("app");
        app.healthcheck = Some(Healthcheck {
            test: vec!["CMD".into()],
            ..Default::default()
        });
        let err = build(&project(vec![("app", app)])).unwrap_err();
        assert_eq!(err.attribute, "healthcheck.test");
        assert!(err.message.contains("runs nothing"), "{err}");
    }

    #[test]
    fn a_disabled_or_none_health_check_adds_none_and_a_blank_command_is_refused() {
        let with = |test: &[&str], disable: bool| {
            let mut app = service("app");
            app.healthcheck = Some(Healthcheck {
                test: test.iter().map(|s| s.to_string()).collect(),
                disable,
                ..Default::default()
            });
            build(&project(vec![("app", app)]))
        };
        for (test, disable) in [
            (&["CMD", "true"][..], true),
            (&["NONE"][..], false),
            (&[][..], false),
        ] {
            let built = with(test, disable).unwrap();
            assert!(
                main_container(&built, "app").get("HealthCheck").is_none(),
                "{test:?}"
            );
        }
        let err = with(&["CMD-SHELL", " "], false).unwrap_err();
        assert!(err.message.contains("runs nothing"), "{err}");
        assert!(
            main_container(&with(&["CMD", "true"], false).unwrap(), "app")
                .get("HealthCheck")
                .is_some()
        );
    }

    #[test]
    fn a_stop_grace_period_of_the_ecs_maximum_is_kept_without_a_warning() {
        let mut app = service("app");
        app.stop_grace_period = Some(Duration::from_secs(MAX_STOP_TIMEOUT_SECONDS));
        let built = build(&project(vec![("app", app)])).unwrap();
        assert_eq!(
            main_container(&built, "app")["StopTimeout"],
            MAX_STOP_TIMEOUT_SECONDS
        );
        assert!(
            !built
                .warnings
                .iter()
                .any(|w| w.attribute == "stop_grace_period"),
            "{:?}",
            built.warnings
        );
    }

    #[test]
    fn nofile_above_the_fargate_ceiling_is_capped_with_a_warning() {
        let mut search = service("elasticsearch");
        search.ulimits.insert(
            "nofile".into(),
            Ulimit {
                soft: 65536,
                hard: -1,
            },
        );
        let built = build(&project(vec![("search", search)])).unwrap();
        let main = &built.template["Resources"]["SearchTaskDefinition"]["Properties"]
            ["ContainerDefinitions"][1];
        assert_eq!(
            main["Ulimits"],
            json!([{"Name": "nofile", "SoftLimit": 65536, "HardLimit": 1048576}])
        );
        let shown: Vec<String> = built.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["service \"search\": ulimits.nofile: 65536:-1 is above what Fargate allows: capped at 1048576"]
        );
    }
}
