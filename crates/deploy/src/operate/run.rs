//! `docker ecs run SERVICE [COMMAND...]`: one task from a service's task definition, as `docker
//! compose run` starts one container: same cluster, subnets, security groups, roles, secrets and
//! volumes, with the command and `-e` variables overridden. Its log is streamed until it stops,
//! and the container's exit code is the command's.
//!
//! ECS overrides a task's command and environment, not its entrypoint, working directory or user:
//! with `--entrypoint`, `-w` or `-u`, a one-off task definition (family `<family>-run`) is
//! registered from the service's with those changes, and deregistered once the task is over.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_ecs::types::{
    ContainerDefinition, ContainerOverride, KeyValuePair, LaunchType, PropagateTags,
    TaskDefinition, TaskOverride,
};

use crate::error::AwsContext;
use crate::interrupt::Interrupts;
use crate::operate::logs::{container_name, log_destinations};
use crate::operate::stack_info::{self, AppService};
use crate::{Clients, Error};

/// `startedBy` of the tasks `run` starts (ECS allows 36 characters).
const STARTED_BY: &str = "docker-ecs-run";

/// What the user asked to run.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// Compose service name.
    pub service: String,
    /// Replaces the image's command (and the service's `command:`) when not empty.
    pub command: Vec<String>,
    /// `-e KEY=VALUE` (or `-e KEY`, taken from where `run` runs): added to the service's environment.
    pub environment: Vec<(String, String)>,
    pub entrypoint: Option<String>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    /// `--name`: recorded as the task's `startedBy`, so `ps` and the console show it.
    pub name: Option<String>,
    /// The task group (ECS's default: `family:<family>`); `up` runs a job in `job:<service>`.
    pub group: Option<String>,
}

impl RunRequest {
    /// Changes ECS cannot make through overrides.
    fn needs_own_definition(&self) -> bool {
        self.entrypoint.is_some() || self.workdir.is_some() || self.user.is_some()
    }
}

/// A started task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub task_arn: String,
    pub cluster: String,
    /// The container whose exit code counts.
    pub container: String,
    /// Where its log goes (group, stream), when it logs to CloudWatch Logs.
    pub log: Option<(String, String)>,
    /// A task definition registered for this run only, to deregister once the task is over.
    pub own_definition: Option<String>,
}

impl Started {
    pub fn task_id(&self) -> &str {
        self.task_arn.rsplit('/').next().unwrap_or(&self.task_arn)
    }
}

/// How the task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The container exited with this code.
    Exited(i32),
    /// The task stopped without the container running to its end (image pull failure, ...).
    Failed(String),
    /// Ctrl-C: the task was asked to stop.
    Interrupted,
}

/// `-e KEY=VALUE` / `-e KEY` (the value from `lookup`, skipped when unset, as compose does).
pub fn parse_environment(
    flags: &[String],
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    for flag in flags {
        match flag.split_once('=') {
            Some(("", _)) => {
                return Err(Error::InvalidArgument(format!(
                    "-e {flag:?}: the variable has no name"
                )))
            }
            Some((key, value)) => out.push((key.to_string(), value.to_string())),
            None => {
                if let Some(value) = lookup(flag) {
                    out.push((flag.clone(), value));
                }
            }
        }
    }
    Ok(out)
}

/// Start the task. Nothing is left behind on failure (a one-off task definition is deregistered).
pub async fn start(
    clients: &Clients,
    project: &str,
    request: &RunRequest,
) -> Result<Started, Error> {
    let app = stack_info::load(
        &clients.cloudformation,
        &clients.ecs,
        project,
        &clients.region,
    )
    .await?;
    let service = app.service(&request.service)?;
    let ecs = &clients.ecs;
    let described = ecs
        .describe_services()
        .cluster(&service.cluster)
        .services(&service.arn)
        .send()
        .await
        .with_context(|| format!("reading service {}", service.name))?;
    let ecs_service = described.services().first().ok_or_else(|| {
        Error::aws_answer("reading the service", "DescribeServices returned none")
    })?;
    let definition_arn = ecs_service.task_definition().ok_or_else(|| {
        Error::aws_answer("reading the service", "the service has no task definition")
    })?;
    let definition = ecs
        .describe_task_definition()
        .task_definition(definition_arn)
        .send()
        .await
        .with_context(|| format!("reading the task definition of service {}", service.name))?
        .task_definition
        .ok_or_else(|| {
            Error::aws_answer(
                "reading the task definition",
                "DescribeTaskDefinition returned none",
            )
        })?;
    let container = main_container(&definition, service)?;
    let log = log_destinations(definition.container_definitions()).remove(&container);

    let own_definition = if request.needs_own_definition() {
        Some(register_own_definition(clients, &definition, &container, request).await?)
    } else {
        None
    };
    let task_definition = own_definition.as_deref().unwrap_or(definition_arn);
    let mut call = ecs
        .run_task()
        .cluster(&service.cluster)
        .task_definition(task_definition)
        .count(1)
        .started_by(started_by(request.name.as_deref()))
        .set_group(request.group.clone())
        .propagate_tags(PropagateTags::TaskDefinition)
        .enable_execute_command(ecs_service.enable_execute_command())
        .set_network_configuration(ecs_service.network_configuration().cloned())
        .set_platform_version(ecs_service.platform_version().map(str::to_string))
        .overrides(
            TaskOverride::builder()
                .container_overrides(
                    ContainerOverride::builder()
                        .name(&container)
                        .set_command((!request.command.is_empty()).then(|| request.command.clone()))
                        .set_environment((!request.environment.is_empty()).then(|| {
                            request
                                .environment
                                .iter()
                                .map(|(k, v)| KeyValuePair::builder().name(k).value(v).build())
                                .collect()
                        }))
                        .build(),
                )
                .build(),
        );
    // A service on capacity providers (Fargate Spot, GPU instances) runs its task there too.
    call = if ecs_service.capacity_provider_strategy().is_empty() {
        call.launch_type(
            ecs_service
                .launch_type()
                .cloned()
                .unwrap_or(LaunchType::Fargate),
        )
    } else {
        call.set_capacity_provider_strategy(Some(ecs_service.capacity_provider_strategy().to_vec()))
    };
    let started = match call.send().await {
        Ok(out) => out,
        Err(err) => {
            forget(clients, own_definition.as_deref()).await;
            return Err(Error::aws(
                format!("starting a task of service {}", service.name),
                err,
            ));
        }
    };
    let Some(task_arn) = started.tasks().first().and_then(|t| t.task_arn()) else {
        forget(clients, own_definition.as_deref()).await;
        let why = started
            .failures()
            .iter()
            .map(|f| {
                format!(
                    "{} ({})",
                    f.reason().unwrap_or("no reason given"),
                    f.detail().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Error::DeployFailed(format!(
            "ECS did not start a task of service {}: {why}",
            service.name
        )));
    };
    Ok(Started {
        task_arn: task_arn.to_string(),
        cluster: service.cluster.clone(),
        log: log.map(|(group, prefix)| {
            let id = task_arn.rsplit('/').next().unwrap_or(task_arn);
            (group, format!("{prefix}/{container}/{id}"))
        }),
        container,
        own_definition,
    })
}

/// `startedBy`: the `--name` when given (cut to ECS's 36 characters), else the tool's mark.
fn started_by(name: Option<&str>) -> String {
    match name {
        Some(name) => name.chars().take(36).collect(),
        None => STARTED_BY.to_string(),
    }
}

/// The container named after the Compose service; else the first essential one.
fn main_container(definition: &TaskDefinition, service: &AppService) -> Result<String, Error> {
    let containers = definition.container_definitions();
    let wanted = container_name(&service.name);
    containers
        .iter()
        .find(|c| c.name() == Some(wanted.as_str()))
        .or_else(|| containers.iter().find(|c| c.essential() != Some(false)))
        .and_then(|c| c.name())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::aws_answer(
                "reading the task definition",
                "the task definition has no container",
            )
        })
}

/// The service's task definition with the entrypoint, working directory or user changed, as a
/// one-off family `<family>-run`.
async fn register_own_definition(
    clients: &Clients,
    definition: &TaskDefinition,
    container: &str,
    request: &RunRequest,
) -> Result<String, Error> {
    let containers: Vec<ContainerDefinition> = definition
        .container_definitions()
        .iter()
        .map(|c| {
            if c.name() != Some(container) {
                return c.clone();
            }
            let mut changed = c.clone();
            if let Some(entrypoint) = &request.entrypoint {
                changed.entry_point = Some(entrypoint_words(entrypoint));
            }
            if let Some(workdir) = &request.workdir {
                changed.working_directory = Some(workdir.clone());
            }
            if let Some(user) = &request.user {
                changed.user = Some(user.clone());
            }
            changed
        })
        .collect();
    let family = format!("{}-run", definition.family().unwrap_or("docker-ecs"));
    let out = clients
        .ecs
        .register_task_definition()
        .family(&family)
        .set_task_role_arn(definition.task_role_arn().map(str::to_string))
        .set_execution_role_arn(definition.execution_role_arn().map(str::to_string))
        .set_network_mode(definition.network_mode().cloned())
        .set_container_definitions(Some(containers))
        .set_volumes(Some(definition.volumes().to_vec()))
        .set_placement_constraints(Some(definition.placement_constraints().to_vec()))
        .set_requires_compatibilities(Some(definition.requires_compatibilities().to_vec()))
        .set_cpu(definition.cpu().map(str::to_string))
        .set_memory(definition.memory().map(str::to_string))
        .set_runtime_platform(definition.runtime_platform().cloned())
        .set_ephemeral_storage(definition.ephemeral_storage().cloned())
        .set_pid_mode(definition.pid_mode().cloned())
        .set_ipc_mode(definition.ipc_mode().cloned())
        .send()
        .await
        .with_context(|| format!("registering the one-off task definition {family}"))?;
    out.task_definition()
        .and_then(|d| d.task_definition_arn())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::aws_answer(
                "registering the one-off task definition",
                "RegisterTaskDefinition returned no ARN",
            )
        })
}

/// `--entrypoint "sh -c"`: compose splits the string into words as a shell would: on blanks,
/// keeping quoted parts together ('...' and "..." with \ escapes).
fn entrypoint_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(next) = chars.next() {
                    current.push(next);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// Deregister a one-off task definition (best effort: an inactive revision costs nothing).
async fn forget(clients: &Clients, own_definition: Option<&str>) {
    let Some(arn) = own_definition else { return };
    let _ = clients
        .ecs
        .deregister_task_definition()
        .task_definition(arn)
        .send()
        .await;
}

/// Print the task's log as it comes (`print` gets each line) until it stops; Ctrl-C stops it.
pub async fn follow(
    clients: &Clients,
    started: &Started,
    interval: Duration,
    interrupts: &mut Interrupts,
    print: &mut dyn FnMut(&str),
) -> Result<Ended, Error> {
    let mut token: Option<String> = None;
    let ended = loop {
        if let Some((group, stream)) = &started.log {
            token = print_new_lines(clients, group, stream, token, print).await;
        }
        if let Some(ended) = stopped(clients, started).await? {
            break ended;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = interrupts.next() => {
                let _ = clients
                    .ecs
                    .stop_task()
                    .cluster(&started.cluster)
                    .task(&started.task_arn)
                    .reason("Stopped by docker ecs (Ctrl-C)")
                    .send()
                    .await;
                break Ended::Interrupted;
            }
        }
    };
    // The last lines a container writes arrive in CloudWatch Logs after it stopped.
    if let (Some((group, stream)), false) = (&started.log, ended == Ended::Interrupted) {
        print_new_lines(clients, group, stream, token, print).await;
    }
    forget(clients, started.own_definition.as_deref()).await;
    Ok(ended)
}

/// Lines after `token`; returns the token to go on from. A stream that does not exist yet (the
/// container has not started) or a failed read prints nothing.
async fn print_new_lines(
    clients: &Clients,
    group: &str,
    stream: &str,
    mut token: Option<String>,
    print: &mut dyn FnMut(&str),
) -> Option<String> {
    loop {
        let Ok(out) = clients
            .logs
            .get_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .start_from_head(true)
            .set_next_token(token.clone())
            .send()
            .await
        else {
            return token;
        };
        for event in out.events() {
            if let Some(message) = event.message() {
                print(message.trim_end_matches('\n'));
            }
        }
        let next = out.next_forward_token().map(str::to_string);
        // The same token again: nothing more for now.
        if next.is_none() || next == token {
            return token.or(next);
        }
        token = next;
    }
}

/// `Some` once the task stopped.
async fn stopped(clients: &Clients, started: &Started) -> Result<Option<Ended>, Error> {
    let out = clients
        .ecs
        .describe_tasks()
        .cluster(&started.cluster)
        .tasks(&started.task_arn)
        .send()
        .await
        .with_context(|| format!("reading task {}", started.task_id()))?;
    let Some(task) = out.tasks().first() else {
        return Err(Error::aws_answer(
            "reading the task",
            format!("task {} is not known to ECS", started.task_id()),
        ));
    };
    if task.last_status() != Some("STOPPED") {
        return Ok(None);
    }
    let containers: HashMap<&str, _> = task
        .containers()
        .iter()
        .filter_map(|c| Some((c.name()?, c)))
        .collect();
    let main = containers.get(started.container.as_str());
    Ok(Some(match main.and_then(|c| c.exit_code()) {
        Some(code) => Ended::Exited(code),
        None => {
            let mut why = task.stopped_reason().unwrap_or("stopped").to_string();
            if let Some(reason) = main.and_then(|c| c.reason()) {
                why.push_str(&format!("; {}: {reason}", started.container));
            }
            Ended::Failed(why)
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_flags_take_values_or_read_them_from_here() {
        let lookup = |key: &str| (key == "HOME").then(|| "/root".to_string());
        let flags = [
            "A=1".to_string(),
            "B=".into(),
            "HOME".into(),
            "UNSET".into(),
        ];
        assert_eq!(
            parse_environment(&flags, lookup).unwrap(),
            [
                ("A".to_string(), "1".to_string()),
                ("B".into(), "".into()),
                ("HOME".into(), "/root".into()),
            ]
        );
        assert!(parse_environment(&["=1".to_string()], lookup).is_err());
    }

    #[test]
    fn an_entrypoint_splits_like_a_shell_line() {
        assert_eq!(entrypoint_words("sh -c"), ["sh", "-c"]);
        assert_eq!(
            entrypoint_words(r#"python "my script.py" --x='a b' c\ d"#),
            ["python", "my script.py", "--x=a b", "c d"]
        );
        assert_eq!(entrypoint_words(r#""""#), [""]);
        assert!(entrypoint_words("  ").is_empty());
    }

    #[test]
    fn a_name_is_the_tasks_started_by_within_ecs_limit() {
        assert_eq!(started_by(None), "docker-ecs-run");
        assert_eq!(started_by(Some("migrate")), "migrate");
        assert_eq!(started_by(Some(&"x".repeat(50))).len(), 36);
    }
}
