//! `docker ecs exec` end to end: `up` deploys a project with `x-aws-exec: true` to the moto launcher
//! (whose ExecuteCommand comes from e2e/moto_ext: moto 5.2.5 has none), the real binary opens an ECS
//! Exec session and hands it to `session-manager-plugin`.
//!
//! The plugin is AWS's Session Manager plugin, which cannot be installed on this machine (it is on no
//! package registry the machine reaches). The test puts a stand-in for it on PATH: a shell script
//! that records the arguments and standard input it was given and exits with the code the test asks
//! for. What is checked is the hand-off the real plugin would receive, as `aws ecs execute-command`
//! makes it: the session (in AWS_SSM_START_SESSION_RESPONSE for plugins after 1.2.497.0, else as
//! JSON), region, "StartSession", profile, `{"Target": "ecs:<cluster>_<task>_<runtime id>"}`,
//! endpoint; the plugin's exit status as ours, Ctrl-C left to the plugin, and the refusals that come
//! before the plugin is run.

use std::path::{Path, PathBuf};

use crate::common::{log_tail, str_at, Moto, Run};
use serde_json::{json, Value};

const PROJECT: &str = "exec-app";

const COMPOSE: &str = r#"services:
  web:
    image: nginx:1.27
    x-aws-exec: true
  worker:
    image: busybox:1.36
    command: ["sleep", "infinity"]
"#;

/// Stands in for session-manager-plugin (see the module comment): answers `--version` with
/// $STANDIN_VERSION (default: a recent release), records its arguments (NUL separated), the session
/// variable and standard input, optionally sends SIGINT to its parent (the Ctrl-C a terminal sends
/// to the whole foreground group), and exits with $STANDIN_EXIT.
const STAND_IN: &str = r#"#!/bin/sh
if [ "$1" = "--version" ]; then
  echo "${STANDIN_VERSION:-1.2.707.0}"
  exit 0
fi
for arg in "$@"; do printf '%s\0' "$arg"; done > "$STANDIN_RECORD/args"
printf '%s' "${AWS_SSM_START_SESSION_RESPONSE-}" > "$STANDIN_RECORD/session-env"
cat > "$STANDIN_RECORD/stdin"
if [ -n "$STANDIN_INTERRUPT_PARENT" ]; then
  kill -INT "$PPID"
  sleep 1
fi
exit "${STANDIN_EXIT:-0}"
"#;

struct StandIn {
    _tmp: tempfile::TempDir,
    bin: PathBuf,
    record: PathBuf,
}

impl StandIn {
    fn install() -> StandIn {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let bin = tmp.path().join("bin");
        let record = tmp.path().join("record");
        std::fs::create_dir_all(&bin).expect("create bin/");
        std::fs::create_dir_all(&record).expect("create record/");
        let plugin = bin.join("session-manager-plugin");
        std::fs::write(&plugin, STAND_IN).expect("write the stand-in plugin");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755))
                .expect("make the stand-in executable");
        }
        StandIn {
            _tmp: tmp,
            bin,
            record,
        }
    }

    /// The arguments of the last run, or None when the plugin was not run since `forget`.
    fn args(&self) -> Option<Vec<String>> {
        let bytes = std::fs::read(self.record.join("args")).ok()?;
        let mut args: Vec<String> = bytes
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        args.pop(); // what follows the last NUL
        Some(args)
    }

    /// AWS_SSM_START_SESSION_RESPONSE as the plugin saw it.
    fn session_env(&self) -> String {
        std::fs::read_to_string(self.record.join("session-env")).unwrap_or_default()
    }

    fn stdin(&self) -> String {
        std::fs::read_to_string(self.record.join("stdin")).unwrap_or_default()
    }

    fn forget(&self) {
        let _ = std::fs::remove_file(self.record.join("args"));
        let _ = std::fs::remove_file(self.record.join("stdin"));
        let _ = std::fs::remove_file(self.record.join("session-env"));
    }
}

/// `docker-ecs exec ...` in the project, with the stand-in on PATH.
fn exec(
    moto: &Moto,
    dir: &Path,
    plugin: &StandIn,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &str,
) -> Run {
    plugin.forget();
    let mut all = vec!["exec"];
    all.extend_from_slice(args);
    let mut cmd = moto.docker_ecs_command(dir, &all);
    cmd.env("PATH", format!("{}:/usr/bin:/bin", plugin.bin.display()))
        .env("STANDIN_RECORD", &plugin.record);
    for (key, value) in env {
        cmd.env(key, value);
    }
    Run::with_stdin(&format!("docker-ecs {}", all.join(" ")), cmd, stdin)
}

/// Start a task of `service` as ECS's scheduler would: moto's services start none, so the test
/// runs one with RunTask in the group ECS gives a service's tasks (`service:<name>`, which the
/// launcher's ListTasks(serviceName) filters on). `exec_enabled` is what ECS copies from the
/// service when it starts the task; `false` makes a task started before ECS Exec was turned on.
fn start_task(moto: &Moto, cluster: &str, service: &Value, exec_enabled: bool) -> String {
    let started = moto.aws_ok(
        "ecs",
        "run_task",
        json!({
            "cluster": cluster,
            "taskDefinition": service["taskDefinition"],
            "launchType": "FARGATE",
            "group": format!("service:{}", str_at(service, "/serviceName")),
            "startedBy": "ecs-svc/0123456789",
            "enableExecuteCommand": exec_enabled,
            "networkConfiguration": service["networkConfiguration"],
        }),
    );
    str_at(&started, "/tasks/0/taskArn").to_owned()
}

#[test]
fn exec_hands_the_session_to_the_plugin_like_the_aws_cli() {
    let moto = Moto::start();
    moto.keep_tasks_running();
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join(PROJECT);
    std::fs::create_dir_all(&dir).expect("create the project directory");
    std::fs::write(dir.join("compose.yaml"), COMPOSE).expect("write compose.yaml");
    let up = moto.docker_ecs(&dir, &["up"]);
    assert!(
        up.output.status.success(),
        "{}\n--- moto log (end)\n{}",
        up.describe(),
        log_tail(&moto.log(), 30)
    );

    let cluster = moto
        .stack_resources(PROJECT, "AWS::ECS::Cluster")
        .pop()
        .expect("the stack creates a cluster");
    let services = moto.compose_services(PROJECT, &cluster);
    let service = |name: &str| {
        services
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| panic!("no ECS service for {name}: {services:?}"))
    };
    let (web, worker) = (service("web"), service("worker"));
    // What ECS holds: ECS Exec on for web only.
    assert_eq!(web["enableExecuteCommand"], true, "{web}");
    assert_eq!(worker["enableExecuteCommand"], false, "{worker}");

    // The worker's task first: were ListTasks(serviceName) ignored, it would be web's first task.
    start_task(&moto, &cluster, &worker, false);
    let web_task = start_task(&moto, &cluster, &web, true);
    let task_id = web_task.rsplit('/').next().unwrap_or_default().to_owned();
    let described = moto.aws_ok(
        "ecs",
        "describe_tasks",
        json!({ "cluster": cluster, "tasks": [web_task] }),
    );
    let runtime_id = described["tasks"][0]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == "web")
        .and_then(|c| c["runtimeId"].as_str())
        .unwrap_or_else(|| panic!("no runtime id for container web: {described}"))
        .to_owned();

    let plugin = StandIn::install();
    let run = exec(
        &moto,
        &dir,
        &plugin,
        &["web", "sh", "-c", "echo hi"],
        &[("STANDIN_EXIT", "7")],
        "typed in the terminal\n",
    );
    // The plugin's exit status is ours.
    assert_eq!(run.code(), Some(7), "{}", run.describe());
    let args = plugin
        .args()
        .unwrap_or_else(|| panic!("the plugin was not run: {}", run.describe()));
    assert_eq!(args.len(), 6, "{args:?}");
    // A recent plugin takes the session (and its token) from the environment, not the command line.
    assert_eq!(args[0], "AWS_SSM_START_SESSION_RESPONSE");
    let session: Value = serde_json::from_str(&plugin.session_env()).unwrap_or_else(|e| {
        panic!(
            "AWS_SSM_START_SESSION_RESPONSE is not JSON ({e}): {:?}",
            plugin.session_env()
        )
    });
    let session_id = str_at(&session, "/sessionId");
    assert!(session_id.starts_with("ecs-execute-command-"), "{session}");
    assert!(
        str_at(&session, "/streamUrl").starts_with(&format!(
            "wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/{session_id}"
        )),
        "{session}"
    );
    assert!(!str_at(&session, "/tokenValue").is_empty(), "{session}");
    assert_eq!(args[1], "us-east-1");
    assert_eq!(args[2], "StartSession");
    assert_eq!(args[3], "", "no profile in use");
    let target: Value = serde_json::from_str(&args[4])
        .unwrap_or_else(|e| panic!("parameters argument is not JSON ({e}): {}", args[4]));
    assert_eq!(
        target,
        json!({ "Target": format!("ecs:{cluster}_{task_id}_{runtime_id}") })
    );
    // The endpoint ExecuteCommand went to, as the AWS CLI passes its ECS client's endpoint.
    assert_eq!(args[5], moto.endpoint);
    // The terminal is the plugin's.
    assert_eq!(plugin.stdin(), "typed in the terminal\n");

    // A successful session is a successful exit. An older plugin (1.2.497.0 and before) gets the
    // session as its first argument.
    let run = exec(
        &moto,
        &dir,
        &plugin,
        &["web", "true"],
        &[("STANDIN_VERSION", "1.2.463.0")],
        "",
    );
    assert_eq!(run.code(), Some(0), "{}", run.describe());
    let args = plugin.args().unwrap_or_default();
    let session: Value = serde_json::from_str(args.first().map_or("", String::as_str))
        .unwrap_or_else(|e| panic!("the first argument is not the session ({e}): {args:?}"));
    assert!(
        str_at(&session, "/sessionId").starts_with("ecs-execute-command-"),
        "{session}"
    );
    assert_eq!(plugin.session_env(), "");

    // Ctrl-C reaches the plugin (the remote command) and does not end docker-ecs under it: the
    // plugin's status is still ours.
    let run = exec(
        &moto,
        &dir,
        &plugin,
        &["web", "sh"],
        &[("STANDIN_INTERRUPT_PARENT", "1"), ("STANDIN_EXIT", "5")],
        "",
    );
    assert_eq!(run.code(), Some(5), "{}", run.describe());

    // A named profile is handed over, as the AWS CLI does (the plugin signs its own SSM calls).
    let aws_dir = moto.home().join(".aws");
    std::fs::create_dir_all(&aws_dir).expect("create ~/.aws");
    std::fs::write(
        aws_dir.join("credentials"),
        "[e2e]\naws_access_key_id = test\naws_secret_access_key = test\n",
    )
    .expect("write ~/.aws/credentials");
    std::fs::write(
        aws_dir.join("config"),
        "[profile e2e]\nregion = us-east-1\n",
    )
    .expect("write ~/.aws/config");
    for (args, env) in [
        (vec!["--aws-profile", "e2e", "web", "true"], vec![]),
        (vec!["web", "true"], vec![("AWS_PROFILE", "e2e")]),
    ] {
        let run = exec(&moto, &dir, &plugin, &args, &env, "");
        run.assert_success();
        let handed = plugin.args().unwrap_or_default();
        assert_eq!(handed.get(3).map(String::as_str), Some("e2e"), "{handed:?}");
    }

    // A service without x-aws-exec: a clear error, and the plugin is not run.
    let run = exec(
        &moto,
        &dir,
        &plugin,
        &["worker", "sh", "-c", "echo hi"],
        &[],
        "",
    );
    run.assert_failure();
    assert!(
        run.stderr()
            .contains("ECS Exec is not enabled for service worker")
            && run.stderr().contains("x-aws-exec: true"),
        "{}",
        run.describe()
    );
    assert_eq!(plugin.args(), None, "the plugin ran: {}", run.describe());

    // A web task started before ECS Exec was on: ECS refuses it, and the refusal is shown.
    let old_task = start_task(&moto, &cluster, &web, false);
    let old_id = old_task.rsplit('/').next().unwrap_or_default().to_owned();
    let run = exec(
        &moto,
        &dir,
        &plugin,
        &["--task", &old_id, "web", "sh"],
        &[],
        "",
    );
    run.assert_failure();
    assert!(
        run.stderr()
            .contains("execute command was not enabled when the task was run"),
        "{}",
        run.describe()
    );
    assert!(run.stderr().contains(&old_id), "{}", run.describe());
    assert_eq!(plugin.args(), None, "the plugin ran: {}", run.describe());
}
