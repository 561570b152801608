//! `docker ecs exec`: run a command in a running task of a service through ECS Exec. ECS opens an
//! SSM session; the Session Manager plugin (`session-manager-plugin`, installed separately, as for the
//! AWS CLI) carries the terminal. This module finds the task and container, opens the session and
//! builds the plugin's arguments exactly as `aws ecs execute-command` does.

use crate::error::AwsContext;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};

use aws_sdk_ecs::types::{DesiredStatus, Task};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::operate::ps;
use crate::operate::stack_info::{self, AppService};
use crate::{Clients, Error};

/// The program the AWS CLI runs for ECS Exec and SSM sessions.
pub const PLUGIN: &str = "session-manager-plugin";

/// Where plugins newer than [`LAST_PLUGIN_WITHOUT_SESSION_ENV`] take the session from, so its token
/// is not on the command line (visible to every local user in `ps`); the first argument then names
/// the variable. The AWS CLI does the same.
pub const SESSION_ENV: &str = "AWS_SSM_START_SESSION_RESPONSE";
pub const LAST_PLUGIN_WITHOUT_SESSION_ENV: &str = "1.2.497.0";

/// What the user asked to run.
#[derive(Debug, Clone, Default)]
pub struct ExecRequest {
    /// Compose service name.
    pub service: String,
    /// A task id or ARN; the first RUNNING task when absent.
    pub task: Option<String>,
    /// Container name; the service's own container when absent.
    pub container: Option<String>,
    pub command: Vec<String>,
    /// `--aws-profile`; `AWS_PROFILE` when absent. Handed to the plugin, which signs its own SSM calls.
    pub profile: Option<String>,
}

/// An open ECS Exec session, ready for the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub task_arn: String,
    pub container: String,
    /// `{"sessionId":..,"streamUrl":..,"tokenValue":..}`, as ExecuteCommand returned it.
    pub session_json: String,
    /// `{"Target":"ecs:<cluster>_<task id>_<container runtime id>"}`.
    pub target_json: String,
    pub region: String,
    /// The profile the plugin loads credentials from; empty for the default chain.
    pub profile: String,
    /// The endpoint ExecuteCommand was sent to (what the AWS CLI hands over: its ECS client's
    /// endpoint, so a custom `AWS_ENDPOINT_URL` reaches the plugin too).
    pub endpoint: String,
}

impl Session {
    /// The plugin's arguments, in the AWS CLI's order (`aws ecs execute-command`): session,
    /// region, operation, profile, parameters, endpoint.
    pub fn plugin_args(&self) -> Vec<String> {
        vec![
            self.session_json.clone(),
            self.region.clone(),
            "StartSession".to_string(),
            self.profile.clone(),
            self.target_json.clone(),
            self.endpoint.clone(),
        ]
    }
}

/// Run the plugin with the session and wait for it, its standard streams being ours. Like the AWS
/// CLI, the session goes through [`SESSION_ENV`] when the plugin is recent enough, and Ctrl-C and
/// Ctrl-\ do not end this process while the plugin runs: the plugin gets them too (same terminal)
/// and forwards them to the remote command, and its exit status becomes ours.
pub async fn run_plugin(plugin: &Path, session: &Session) -> std::io::Result<ExitStatus> {
    let mut command = std::process::Command::new(plugin);
    let mut args = session.plugin_args();
    let version = plugin_version(plugin).await;
    if version
        .as_deref()
        .is_some_and(takes_session_from_environment)
    {
        command.env(SESSION_ENV, &session.session_json);
        args[0] = SESSION_ENV.to_string();
    }
    command.args(args);
    #[cfg(unix)]
    let _held = {
        use tokio::signal::unix::{signal, SignalKind};
        // While a handler is registered, these signals no longer terminate the process.
        [SignalKind::interrupt(), SignalKind::quit()]
            .into_iter()
            .map(signal)
            .collect::<std::io::Result<Vec<_>>>()?
    };
    tokio::task::spawn_blocking(move || command.status())
        .await
        .map_err(std::io::Error::other)?
}

/// What `session-manager-plugin --version` prints; None when it cannot tell.
async fn plugin_version(plugin: &Path) -> Option<String> {
    let mut command = std::process::Command::new(plugin);
    command
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .ok()?
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A plugin version newer than [`LAST_PLUGIN_WITHOUT_SESSION_ENV`] (compared part by part, missing
/// parts 0); anything that is not a version (up to four numbers) is taken as older.
pub fn takes_session_from_environment(version: &str) -> bool {
    let parts = |text: &str| -> Option<Vec<u64>> {
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let parts = text
            .split('.')
            .map(|p| p.parse::<u64>().ok())
            .collect::<Option<Vec<_>>>()?;
        (1..=4).contains(&parts.len()).then_some(parts)
    };
    let (Some(mut version), Some(mut minimum)) =
        (parts(version), parts(LAST_PLUGIN_WITHOUT_SESSION_ENV))
    else {
        return false;
    };
    let len = version.len().max(minimum.len());
    version.resize(len, 0);
    minimum.resize(len, 0);
    version > minimum
}

/// The plugin on `path` (the PATH variable), or an error saying how to install it. Checked before
/// anything is asked of AWS.
pub fn find_plugin(path: Option<&OsStr>) -> Result<PathBuf, Error> {
    let found = path.and_then(|path| {
        std::env::split_paths(path)
            .flat_map(|dir| {
                [PLUGIN, "session-manager-plugin.exe"]
                    .into_iter()
                    .map(move |name| dir.join(name))
            })
            .find(|candidate| is_executable(candidate))
    });
    found.ok_or_else(|| {
        Error::Precondition(format!(
            "docker ecs exec needs the AWS Session Manager plugin, and {PLUGIN} is not on PATH: install it \
             (https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html), \
             then run the command again"
        ))
    })
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// Find the task and container, check ECS Exec is enabled, and open the session.
pub async fn open(
    clients: &Clients,
    project: &str,
    request: &ExecRequest,
) -> Result<Session, Error> {
    if request.command.is_empty() {
        return Err(Error::InvalidArgument(
            "no command given: docker ecs exec SERVICE COMMAND [ARG...]".into(),
        ));
    }
    let app = stack_info::load(
        &clients.cloudformation,
        &clients.ecs,
        project,
        &clients.region,
    )
    .await?;
    let service = app.service(&request.service)?;
    check_exec_enabled(clients, service).await?;
    let tasks = ps::service_tasks(&clients.ecs, service, &[DesiredStatus::Running]).await?;
    let task = choose_task(&tasks, request.task.as_deref(), service)?;
    let task_arn = task.task_arn().unwrap_or_default().to_string();
    let (container, runtime_id) = choose_container(task, request.container.as_deref(), service)?;

    let endpoint = EndpointSeen::default();
    let out = clients
        .ecs
        .execute_command()
        .cluster(&service.cluster)
        .task(&task_arn)
        .container(&container)
        // ECS Exec only supports interactive sessions.
        .interactive(true)
        .command(command_line(&request.command))
        .customize()
        .interceptor(endpoint.clone())
        .send()
        .await
        .with_context(|| {
            format!(
                "starting ECS Exec in task {} of service {}",
                task_id(&task_arn),
                service.name
            )
        })?;
    let session = out.session().ok_or_else(|| {
        Error::aws_answer("starting ECS Exec", "ExecuteCommand returned no session")
    })?;
    // ECS's own field names, as the AWS CLI passes them on.
    let session_json = serde_json::json!({
        "sessionId": session.session_id().unwrap_or_default(),
        "streamUrl": session.stream_url().unwrap_or_default(),
        "tokenValue": session.token_value().unwrap_or_default(),
    })
    .to_string();
    let target_json = serde_json::json!({
        "Target": format!("ecs:{}_{}_{runtime_id}", service.cluster, task_id(&task_arn)),
    })
    .to_string();
    let endpoint = endpoint
        .get()
        .unwrap_or_else(|| format!("https://ecs.{}.amazonaws.com", clients.region));
    Ok(Session {
        task_arn,
        container,
        session_json,
        target_json,
        region: clients.region.clone(),
        profile: plugin_profile(
            request.profile.as_deref(),
            std::env::var("AWS_PROFILE").ok().as_deref(),
        ),
        endpoint,
    })
}

/// The profile for the plugin: `--aws-profile`, else `AWS_PROFILE`, else none (empty), as the AWS
/// CLI hands over its own.
pub fn plugin_profile(flag: Option<&str>, environment: Option<&str>) -> String {
    flag.or(environment)
        .filter(|p| !p.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// Remembers where a request went: `scheme://host[:port]` of its URL, i.e. the endpoint the SDK
/// resolved (default, `AWS_ENDPOINT_URL`, FIPS...).
#[derive(Debug, Clone, Default)]
struct EndpointSeen(Arc<Mutex<Option<String>>>);

impl EndpointSeen {
    fn get(&self) -> Option<String> {
        self.0.lock().ok().and_then(|seen| seen.clone())
    }
}

impl Intercept for EndpointSeen {
    fn name(&self) -> &'static str {
        "EndpointSeen"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Ok(mut seen) = self.0.lock() {
            *seen = Some(endpoint_of(context.request().uri()));
        }
        Ok(())
    }
}

/// `https://ecs.us-east-1.amazonaws.com/` -> `https://ecs.us-east-1.amazonaws.com`.
fn endpoint_of(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    match url[start..].find(['/', '?']) {
        Some(end) => url[..start + end].to_string(),
        None => url.to_string(),
    }
}

async fn check_exec_enabled(clients: &Clients, service: &AppService) -> Result<(), Error> {
    let out = clients
        .ecs
        .describe_services()
        .cluster(&service.cluster)
        .services(if service.arn.is_empty() {
            &service.ecs_name
        } else {
            &service.arn
        })
        .send()
        .await
        .with_context(|| format!("describing ECS service {}", service.ecs_name))?;
    let enabled = out
        .services()
        .first()
        .is_some_and(|s| s.enable_execute_command());
    if enabled {
        Ok(())
    } else {
        Err(Error::Precondition(format!(
            "ECS Exec is not enabled for service {}: add `x-aws-exec: true` to the service in the compose \
             file and run `docker ecs up` (running tasks are replaced)",
            service.name
        )))
    }
}

/// The task to run in: the one asked for (by id or ARN), else the first RUNNING one. Only RUNNING
/// tasks can take a command.
pub fn choose_task<'t>(
    tasks: &'t [Task],
    wanted: Option<&str>,
    service: &AppService,
) -> Result<&'t Task, Error> {
    let running = |t: &&Task| t.last_status() == Some("RUNNING");
    match wanted {
        Some(wanted) => {
            let task = tasks
                .iter()
                .find(|t| {
                    t.task_arn()
                        .is_some_and(|arn| arn == wanted || task_id(arn) == wanted)
                })
                .ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "no task {wanted} in service {} (its tasks: {})",
                        service.name,
                        list_or_none(tasks.iter().filter_map(|t| t.task_arn().map(task_id)))
                    ))
                })?;
            if running(&task) {
                Ok(task)
            } else {
                Err(Error::Precondition(format!(
                    "task {wanted} of service {} is {}, not RUNNING",
                    service.name,
                    task.last_status().unwrap_or("in an unknown state")
                )))
            }
        }
        None => tasks.iter().find(running).ok_or_else(|| {
            Error::Precondition(format!(
                "service {} has no RUNNING task to run the command in (see `docker ecs ps`)",
                service.name
            ))
        }),
    }
}

/// The container (name, runtime id): the one asked for, else the one named after the service (the
/// others are init containers), else the only one.
pub fn choose_container(
    task: &Task,
    wanted: Option<&str>,
    service: &AppService,
) -> Result<(String, String), Error> {
    let containers = task.containers();
    let names = || list_or_none(containers.iter().filter_map(|c| c.name()));
    let own_name = template_builder::naming::ecs_name(&service.name);
    let container = match wanted {
        Some(wanted) => containers
            .iter()
            .find(|c| c.name() == Some(wanted))
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "no container {wanted} in task {} (containers: {})",
                    task_id(task.task_arn().unwrap_or_default()),
                    names()
                ))
            })?,
        None => match containers
            .iter()
            .find(|c| c.name() == Some(own_name.as_str()))
        {
            Some(container) => container,
            None if containers.len() == 1 => &containers[0],
            None => {
                return Err(Error::InvalidArgument(format!(
                    "choose a container of service {} with --container ({})",
                    service.name,
                    names()
                )))
            }
        },
    };
    let name = container.name().unwrap_or_default().to_string();
    let runtime_id = container
        .runtime_id()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            Error::Precondition(format!(
                "container {name} of task {} is not running yet (no runtime id)",
                task_id(task.task_arn().unwrap_or_default())
            ))
        })?;
    Ok((name, runtime_id.to_string()))
}

/// The last part of a task ARN.
fn task_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn list_or_none<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.collect();
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// ECS takes the command as one string and splits it like a shell: quote the arguments that need it.
pub fn command_line(args: &[String]) -> String {
    if let [single] = args {
        // One argument is a command line already (`docker ecs exec web "ls -l /"`).
        return single.clone();
    }
    args.iter()
        .map(|arg| {
            let plain = !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
            if plain {
                arg.clone()
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::Container;

    fn service() -> AppService {
        AppService {
            name: "web".into(),
            ecs_name: "app-web".into(),
            arn: "arn:aws:ecs:us-east-1:1:service/app/app-web".into(),
            cluster: "app".into(),
            status: "active".into(),
            desired: 2,
            running: 1,
            pending: 1,
            targets: Vec::new(),
            task_definition: None,
            image: None,
        }
    }

    fn task(id: &str, status: &str, containers: &[(&str, &str)]) -> Task {
        let mut task = Task::builder()
            .task_arn(format!("arn:aws:ecs:us-east-1:1:task/app/{id}"))
            .last_status(status);
        for (name, runtime_id) in containers {
            task = task.containers(
                Container::builder()
                    .name(*name)
                    .runtime_id(*runtime_id)
                    .build(),
            );
        }
        task.build()
    }

    #[test]
    fn the_first_running_task_unless_one_is_named() {
        let tasks = [
            task("aaa", "PENDING", &[]),
            task("bbb", "RUNNING", &[]),
            task("ccc", "RUNNING", &[]),
        ];
        let id = |t: &Task| task_id(t.task_arn().unwrap()).to_string();
        assert_eq!(id(choose_task(&tasks, None, &service()).unwrap()), "bbb");
        assert_eq!(
            id(choose_task(&tasks, Some("ccc"), &service()).unwrap()),
            "ccc"
        );
        assert_eq!(
            id(choose_task(
                &tasks,
                Some("arn:aws:ecs:us-east-1:1:task/app/ccc"),
                &service()
            )
            .unwrap()),
            "ccc"
        );
        let err = choose_task(&tasks, Some("aaa"), &service())
            .unwrap_err()
            .to_string();
        assert_eq!(err, "task aaa of service web is PENDING, not RUNNING");
        let err = choose_task(&tasks, Some("zzz"), &service())
            .unwrap_err()
            .to_string();
        assert_eq!(err, "no task zzz in service web (its tasks: aaa, bbb, ccc)");
        let err = choose_task(&tasks[..1], None, &service())
            .unwrap_err()
            .to_string();
        assert!(err.contains("service web has no RUNNING task"), "{err}");
    }

    #[test]
    fn the_service_container_unless_one_is_named() {
        let t = task(
            "bbb",
            "RUNNING",
            &[("web_ResolvConf_InitContainer", "r1"), ("web", "r2")],
        );
        assert_eq!(
            choose_container(&t, None, &service()).unwrap(),
            ("web".into(), "r2".into())
        );
        assert_eq!(
            choose_container(&t, Some("web_ResolvConf_InitContainer"), &service()).unwrap(),
            ("web_ResolvConf_InitContainer".into(), "r1".into())
        );
        let err = choose_container(&t, Some("db"), &service())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "no container db in task bbb (containers: web_ResolvConf_InitContainer, web)"
        );
        let two = task("bbb", "RUNNING", &[("a", "r1"), ("b", "r2")]);
        let err = choose_container(&two, None, &service())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "choose a container of service web with --container (a, b)"
        );
        let only = task("bbb", "RUNNING", &[("main", "r9")]);
        assert_eq!(
            choose_container(&only, None, &service()).unwrap(),
            ("main".into(), "r9".into())
        );
    }

    #[test]
    fn arguments_are_quoted_for_the_remote_shell() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(command_line(&args(&["ls -l /"])), "ls -l /");
        assert_eq!(command_line(&args(&["ls", "-l", "/tmp"])), "ls -l /tmp");
        assert_eq!(
            command_line(&args(&["sh", "-c", "echo it's $HOME"])),
            r"sh -c 'echo it'\''s $HOME'"
        );
        assert_eq!(command_line(&args(&["echo", ""])), "echo ''");
    }

    #[test]
    fn plugin_arguments_follow_the_aws_cli() {
        let session = Session {
            task_arn: "arn".into(),
            container: "web".into(),
            session_json: "{\"sessionId\":\"s\"}".into(),
            target_json: "{\"Target\":\"ecs:app_bbb_r2\"}".into(),
            region: "eu-west-1".into(),
            profile: "prod".into(),
            endpoint: "https://ecs.eu-west-1.amazonaws.com".into(),
        };
        assert_eq!(
            session.plugin_args(),
            [
                "{\"sessionId\":\"s\"}",
                "eu-west-1",
                "StartSession",
                "prod",
                "{\"Target\":\"ecs:app_bbb_r2\"}",
                "https://ecs.eu-west-1.amazonaws.com"
            ]
        );
    }

    #[test]
    fn recent_plugins_take_the_session_from_the_environment() {
        assert!(takes_session_from_environment("1.2.707.0\n"));
        assert!(takes_session_from_environment("1.2.497.1"));
        assert!(takes_session_from_environment("1.3"));
        assert!(!takes_session_from_environment("1.2.497.0"));
        assert!(!takes_session_from_environment("1.2.497"));
        assert!(!takes_session_from_environment("1.2.463.0"));
        assert!(!takes_session_from_environment(
            "session-manager-plugin 1.2.707.0"
        ));
        assert!(!takes_session_from_environment(""));
        assert!(!takes_session_from_environment("1.2.3.4.5"));
    }

    #[test]
    fn the_profile_is_the_flag_else_the_environment() {
        assert_eq!(plugin_profile(Some("prod"), Some("dev")), "prod");
        assert_eq!(plugin_profile(None, Some("dev")), "dev");
        assert_eq!(plugin_profile(None, Some("")), "");
        assert_eq!(plugin_profile(None, None), "");
    }

    #[test]
    fn the_endpoint_is_the_request_url_without_its_path() {
        assert_eq!(
            endpoint_of("https://ecs.us-east-1.amazonaws.com/"),
            "https://ecs.us-east-1.amazonaws.com"
        );
        assert_eq!(
            endpoint_of("http://127.0.0.1:5000/?x=1"),
            "http://127.0.0.1:5000"
        );
        assert_eq!(
            endpoint_of("http://127.0.0.1:5000"),
            "http://127.0.0.1:5000"
        );
    }

    #[test]
    fn a_missing_plugin_says_how_to_install_it() {
        let empty =
            std::env::temp_dir().join(format!("docker-ecs-exec-test-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        let err = find_plugin(Some(empty.as_os_str()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("session-manager-plugin is not on PATH"),
            "{err}"
        );
        assert!(
            err.contains("session-manager-working-with-install-plugin"),
            "{err}"
        );
        assert!(find_plugin(None).is_err());

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let plugin = empty.join(PLUGIN);
            std::fs::write(&plugin, "#!/bin/sh\n").unwrap();
            // Not executable: not found.
            assert!(find_plugin(Some(empty.as_os_str())).is_err());
            std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
            assert_eq!(find_plugin(Some(empty.as_os_str())).unwrap(), plugin);
        }
        let _ = std::fs::remove_dir_all(&empty);
    }
}
