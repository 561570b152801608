//! The local AWS API the end-to-end tests stand on: the launcher starts, answers on 127.0.0.1, resets, keeps
//! tasks running on request, and its CloudFormation deploys the resource types moto alone ignores
//! (e2e/test_moto_launcher.py, run here against the launcher this harness started).

use std::process::Command;

use crate::common::{e2e_dir, venv_python, Moto, Run};
use serde_json::json;

#[test]
fn launcher_deploys_the_resource_types_moto_lacks() {
    let moto = Moto::start();
    let mut cmd = Command::new(venv_python());
    cmd.args(["-m", "unittest", "-v", "test_moto_launcher"])
        .current_dir(e2e_dir())
        .envs(moto.aws_env());
    let run = Run::of("python -m unittest test_moto_launcher", cmd);
    assert!(
        run.output.status.success(),
        "{}\n--- moto log\n{}",
        run.describe(),
        moto.log()
    );
    // "OK" alone is also what unittest says when it finds no test at all: every test of the file
    // must have run, and the CloudFormation ones (the reason for the launcher) must have passed,
    // not been skipped (only EcrRegistry may skip, where there is no dockerd).
    let source = std::fs::read_to_string(e2e_dir().join("test_moto_launcher.py"))
        .expect("e2e/test_moto_launcher.py");
    let mut class = "";
    let mut tests = Vec::new();
    for line in source.lines() {
        if let Some(rest) = line.strip_prefix("class ") {
            class = rest.split(['(', ':']).next().unwrap_or_default();
        } else if let Some(rest) = line.trim_start().strip_prefix("def test_") {
            let name = format!("test_{}", rest.split('(').next().unwrap_or_default());
            tests.push((class, name));
        }
    }
    let models = tests.iter().filter(|(c, _)| *c == "LauncherModels").count();
    assert!(
        models >= 6,
        "the launcher's model tests were not found: {tests:?}"
    );
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!("Ran {} tests", tests.len())),
        "expected {} tests to run: {}",
        tests.len(),
        run.describe()
    );
    let lines: Vec<&str> = stderr.lines().collect();
    for (class, name) in &tests {
        // `-v` names the test, then (after its docstring's first line, if any) says its outcome.
        let start = lines
            .iter()
            .position(|l| l.starts_with(&format!("{name} (")))
            .unwrap_or_else(|| panic!("{class}.{name} did not run: {}", run.describe()));
        let outcome = lines[start..]
            .iter()
            .find_map(|l| l.rsplit_once(" ... ").map(|(_, outcome)| outcome))
            .unwrap_or_default();
        if *class == "LauncherModels" {
            assert_eq!(outcome, "ok", "{class}.{name}: {}", run.describe());
        }
    }
}

#[test]
fn server_listens_on_loopback_and_resets() {
    let moto = Moto::start();
    assert!(moto.endpoint.starts_with("http://127.0.0.1:"));

    let vpcs = moto.aws_ok(
        "ec2",
        "describe_vpcs",
        json!({"Filters": [{"Name": "is-default", "Values": ["true"]}]}),
    );
    assert_eq!(vpcs["Vpcs"].as_array().map(Vec::len), Some(1), "{vpcs}");

    moto.aws_ok(
        "ecs",
        "create_cluster",
        json!({"clusterName": "before-reset"}),
    );
    moto.reset();
    let clusters = moto.aws_ok("ecs", "list_clusters", json!({}));
    assert_eq!(
        clusters["clusterArns"],
        json!([]),
        "reset forgets resources"
    );

    let missing = moto.aws(
        "cloudformation",
        "describe_stacks",
        json!({"StackName": "nope"}),
    );
    assert!(
        missing
            .as_ref()
            .is_err_and(|e| e.contains("ValidationError")),
        "{missing:?}"
    );
    assert_eq!(moto.stack_status("nope"), None);
}

#[test]
fn tasks_stay_running_once_asked() {
    let moto = Moto::start();
    moto.keep_tasks_running();
    moto.aws_ok("ecs", "create_cluster", json!({"clusterName": "app"}));
    moto.aws_ok(
        "ecs",
        "register_task_definition",
        json!({
            "family": "app-web",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "containerDefinitions": [{"name": "web", "image": "nginx:1.27"}]
        }),
    );
    let subnets = moto.aws_ok("ec2", "describe_subnets", json!({}));
    let subnet = subnets["Subnets"][0]["SubnetId"].clone();
    let groups = moto.aws_ok(
        "ec2",
        "describe_security_groups",
        json!({"GroupNames": ["default"]}),
    );
    let group = groups["SecurityGroups"][0]["GroupId"].clone();
    // No cpu/memory on the container: Fargate sizes the task (moto alone fails on this with HTTP 500).
    let started = moto.aws_ok(
        "ecs",
        "run_task",
        json!({
            "cluster": "app",
            "taskDefinition": "app-web",
            "count": 1,
            "launchType": "FARGATE",
            "networkConfiguration": {
                "awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}
            }
        }),
    );
    let arn = started["tasks"][0]["taskArn"]
        .as_str()
        .expect("a task ARN")
        .to_owned();
    for _ in 0..5 {
        let described = moto.aws_ok(
            "ecs",
            "describe_tasks",
            json!({"cluster": "app", "tasks": [arn]}),
        );
        assert_eq!(
            described["tasks"][0]["lastStatus"], "RUNNING",
            "{described}"
        );
    }
}
