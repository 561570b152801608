//! End to end: the real binary deploys examples/web-redis to a local AWS API (moto through
//! e2e/moto_launcher.py) and the test checks, through the AWS APIs, what exists after each step:
//! up -> up again (no changes) -> a changed compose file (update) -> ps -> down -> down again;
//! then `logs` on events the test inserts and `ps` on tasks kept RUNNING through moto's state manager.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::common::{copy_dir, examples_dir, log_tail, Moto, Run, Spawned};
use serde_json::{json, Value};

/// The stack (and Compose project) name: the directory the project is copied into.
const PROJECT: &str = "web-redis";

/// Used when examples/web-redis is not there: the same shape, a web server in front of redis.
const FALLBACK_COMPOSE: &str = r#"services:
  web:
    image: nginx:1.27
    ports:
      - "80:80"
    environment:
      REDIS_HOST: redis
    depends_on:
      - redis
  redis:
    image: redis:7-alpine
"#;

/// A writable copy of the example in `<tmp>/web-redis`, so the project name is `web-redis`.
struct Project {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Project {
    fn web_redis() -> Project {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let dir = tmp.path().join(PROJECT);
        let example = examples_dir().join("web-redis");
        if example.join("compose.yaml").is_file() {
            copy_dir(&example, &dir);
        } else {
            std::fs::create_dir_all(&dir).expect("create the project directory");
            std::fs::write(dir.join("compose.yaml"), FALLBACK_COMPOSE).expect("write compose.yaml");
        }
        Project { _tmp: tmp, dir }
    }

    /// A change the way a user makes one: an override file next to compose.yaml (merged by Compose rules).
    fn change_web(&self, replicas: u32, revision: &str) {
        let text = format!(
            "services:\n  web:\n    environment:\n      E2E_REVISION: \"{revision}\"\n    deploy:\n      replicas: {replicas}\n"
        );
        std::fs::write(self.dir.join("compose.override.yaml"), text)
            .expect("write compose.override.yaml");
    }
}

fn up(moto: &Moto, project: &Project) -> Run {
    moto.docker_ecs(&project.dir, &["up"])
}

fn resources_of_type(moto: &Moto, resource_type: &str) -> Vec<String> {
    moto.stack_resources(PROJECT, resource_type)
}

fn cluster_name(moto: &Moto) -> String {
    let clusters = resources_of_type(moto, "AWS::ECS::Cluster");
    assert_eq!(
        clusters.len(),
        1,
        "one ECS cluster in the stack: {clusters:?}"
    );
    clusters[0].clone()
}

/// The ECS service running the compose service `name`.
fn service_for(moto: &Moto, name: &str) -> Value {
    moto.compose_services(PROJECT, &cluster_name(moto))
        .into_iter()
        .find_map(|(service, described)| (service == name).then_some(described))
        .unwrap_or_else(|| panic!("no ECS service tagged com.docker.compose.service={name}"))
}

fn environment_of(moto: &Moto, task_definition: &str) -> Vec<(String, String)> {
    let described = moto.aws_ok(
        "ecs",
        "describe_task_definition",
        json!({ "taskDefinition": task_definition }),
    );
    described["taskDefinition"]["containerDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["environment"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| {
            Some((
                e["name"].as_str()?.to_owned(),
                e["value"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn lowercase(run: &Run) -> String {
    run.all_output().to_lowercase()
}

#[track_caller]
fn assert_deployed(moto: &Moto, run: &Run, status: &str) {
    run.assert_success();
    assert_eq!(
        moto.stack_status(PROJECT).as_deref(),
        Some(status),
        "stack status after {}\n--- moto log tail\n{}",
        run.describe(),
        log_tail(&moto.log(), 40)
    );
}

#[test]
fn up_update_ps_down_lifecycle() {
    let moto = Moto::start();
    let project = Project::web_redis();

    // up: the stack, the cluster, one ECS service per compose service, the load balancer.
    let run = up(&moto, &project);
    assert_deployed(&moto, &run, "CREATE_COMPLETE");
    let cluster = cluster_name(&moto);
    let described = moto.aws_ok("ecs", "describe_clusters", json!({ "clusters": [cluster] }));
    assert_eq!(described["clusters"][0]["status"], "ACTIVE", "{described}");
    let services = moto.compose_services(PROJECT, &cluster);
    let names: BTreeSet<&str> = services.iter().map(|(name, _)| name.as_str()).collect();
    assert!(
        names.contains("web") && names.contains("redis"),
        "ECS services per compose service: {names:?}"
    );
    for (_, service) in &services {
        assert_eq!(service["status"], "ACTIVE", "{service}");
        assert_eq!(service["launchType"], "FARGATE", "{service}");
    }
    let load_balancers = resources_of_type(&moto, "AWS::ElasticLoadBalancingV2::LoadBalancer");
    assert_eq!(
        load_balancers.len(),
        1,
        "one load balancer for web's port 80"
    );
    let described = moto.aws_ok(
        "elbv2",
        "describe_load_balancers",
        json!({ "LoadBalancerArns": load_balancers }),
    );
    assert_eq!(
        described["LoadBalancers"][0]["Type"], "application",
        "{described}"
    );
    let web = service_for(&moto, "web");
    assert_eq!(web["desiredCount"], 1, "{web}");
    assert_eq!(web["loadBalancers"][0]["containerPort"], 80, "{web}");
    // The last thing said is where the app is: the load balancer's URL.
    let dns = described["LoadBalancers"][0]["DNSName"]
        .as_str()
        .unwrap_or("?");
    assert!(
        run.all_output().contains(&format!("http://{dns}")),
        "up names the app's URL http://{dns}: {}",
        run.describe()
    );
    // CI=true: plain lines, no terminal control sequences.
    let said = run.all_output();
    assert!(
        !said.contains('\r') && !said.contains("\u{1b}["),
        "plain output under CI=true: {said:?}"
    );

    // up again: nothing changed, nothing updated, success.
    let run = up(&moto, &project);
    assert_deployed(&moto, &run, "CREATE_COMPLETE");
    let said = lowercase(&run);
    assert!(
        said.contains("no changes") || said.contains("nothing to update"),
        "a second up should say there is nothing to update: {}",
        run.describe()
    );

    // A changed compose file: the update is applied.
    project.change_web(2, "2");
    let run = up(&moto, &project);
    assert_deployed(&moto, &run, "UPDATE_COMPLETE");
    let web = service_for(&moto, "web");
    assert_eq!(web["desiredCount"], 2, "replicas 2 after the update: {web}");
    let task_definition = web["taskDefinition"]
        .as_str()
        .expect("web's task definition");
    let env = environment_of(&moto, task_definition);
    assert!(
        env.contains(&("E2E_REVISION".to_owned(), "2".to_owned())),
        "web runs the new task definition: {env:?}"
    );

    // ps: the services of the project.
    let run = moto.docker_ecs(&project.dir, &["ps"]);
    run.assert_success();
    for name in ["web", "redis"] {
        assert!(
            run.stdout().contains(name),
            "ps shows {name}: {}",
            run.describe()
        );
    }

    // down: the stack and its services are gone.
    let run = moto.docker_ecs(&project.dir, &["down"]);
    run.assert_success();
    assert_eq!(
        moto.stack_status(PROJECT),
        None,
        "stack gone after {}",
        run.describe()
    );
    let remaining = moto.aws_ok("ecs", "list_services", json!({ "cluster": cluster }));
    assert_eq!(remaining["serviceArns"], json!([]), "{remaining}");

    // down again: nothing to remove is not an error.
    let run = moto.docker_ecs(&project.dir, &["down"]);
    run.assert_success();
    assert!(
        lowercase(&run).contains("nothing to remove"),
        "{}",
        run.describe()
    );
}

/// Insert log events the way the awslogs driver names streams: `<project>/<container>/<task-id>`.
fn put_events(moto: &Moto, group: &str, container: &str, task: &str, messages: &[&str]) {
    put_events_aged(moto, group, container, task, messages, 60_000);
}

/// Same, the first event `age_ms` milliseconds old and the next ones a second apart.
fn put_events_aged(
    moto: &Moto,
    group: &str,
    container: &str,
    task: &str,
    messages: &[&str],
    age_ms: i64,
) {
    let stream = format!("{PROJECT}/{container}/{task}");
    let _ = moto.aws("logs", "create_log_group", json!({ "logGroupName": group })); // created by the stack already; ignore "already exists"
    moto.aws_ok(
        "logs",
        "create_log_stream",
        json!({ "logGroupName": group, "logStreamName": stream }),
    );
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let events: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| json!({ "timestamp": now_ms - age_ms + i as i64 * 1000, "message": m }))
        .collect();
    moto.aws_ok(
        "logs",
        "put_log_events",
        json!({ "logGroupName": group, "logStreamName": stream, "logEvents": events }),
    );
}

#[test]
fn logs_show_each_services_events() {
    let moto = Moto::start();
    let project = Project::web_redis();
    let run = up(&moto, &project);
    assert_deployed(&moto, &run, "CREATE_COMPLETE");

    let group = format!("/docker-compose/{PROJECT}");
    put_events(
        &moto,
        &group,
        "web",
        "0f1e2d3c",
        &["GET / 200", "GET /health 200"],
    );
    put_events(
        &moto,
        &group,
        "redis",
        "9a8b7c6d",
        &["Ready to accept connections"],
    );

    let run = moto.docker_ecs(&project.dir, &["logs", "--no-color"]);
    run.assert_success();
    let out = run.stdout();
    for (service, message) in [
        ("web", "GET / 200"),
        ("web", "GET /health 200"),
        ("redis", "Ready to accept connections"),
    ] {
        let line = out
            .lines()
            .find(|l| l.ends_with(message))
            .unwrap_or_else(|| panic!("no line with {message:?}: {}", run.describe()));
        assert!(
            line.starts_with(service),
            "{line:?} prefixed with {service}"
        );
    }
    let web_first = out.find("GET / 200");
    let web_second = out.find("GET /health 200");
    assert!(web_first < web_second, "events in time order: {out}");

    // Only the services asked for.
    let run = moto.docker_ecs(&project.dir, &["logs", "--no-color", "redis"]);
    run.assert_success();
    assert!(
        run.stdout().contains("Ready to accept connections"),
        "{}",
        run.describe()
    );
    assert!(!run.stdout().contains("GET /"), "{}", run.describe());

    // Without prefixes, the messages alone.
    let run = moto.docker_ecs(&project.dir, &["logs", "--no-log-prefix", "web"]);
    run.assert_success();
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        ["GET / 200", "GET /health 200"],
        "{}",
        run.describe()
    );
}

#[test]
fn logs_follow_prints_new_events() {
    let moto = Moto::start();
    let project = Project::web_redis();
    let run = up(&moto, &project);
    assert_deployed(&moto, &run, "CREATE_COMPLETE");
    let group = format!("/docker-compose/{PROJECT}");
    put_events(&moto, &group, "web", "11112222", &["before follow"]);

    let follow = Spawned::start(
        moto.docker_ecs_command(&project.dir, &["logs", "--follow", "--no-color", "web"]),
    );
    let wait = std::time::Duration::from_secs(30);
    let first = follow.wait_for("before follow", wait);
    assert!(first.is_some(), "logs -f did not print the existing event");

    // Events as the awslogs driver sends them: stamped now, in a stream that did not exist before.
    put_events_aged(&moto, &group, "redis", "55556666", &["not web"], 0);
    put_events_aged(&moto, &group, "web", "33334444", &["after follow"], 0);
    let later = follow
        .wait_for("after follow", wait)
        .unwrap_or_else(|| panic!("logs -f did not print an event added while following"));
    assert!(later.iter().all(|l| !l.ends_with("not web")), "{later:?}");
    let line = later.last().map(String::as_str).unwrap_or_default();
    assert!(line.starts_with("web"), "{line:?}");

    // Ctrl-C ends following at once, with the status of an interrupted command.
    let mut follow = follow;
    assert_eq!(follow.interrupt(wait), Some(130));
}

/// Start one task for a service the way ECS does (group `service:<name>`), kept RUNNING by moto.
fn run_service_task(moto: &Moto, cluster: &str, service: &Value) -> String {
    let network = &service["networkConfiguration"];
    let started = moto.aws_ok(
        "ecs",
        "run_task",
        json!({
            "cluster": cluster,
            "taskDefinition": service["taskDefinition"],
            "count": 1,
            "launchType": "FARGATE",
            "group": format!("service:{}", service["serviceName"].as_str().unwrap_or_default()),
            "startedBy": "ecs-svc/0123456789",
            "networkConfiguration": network,
        }),
    );
    let arn = started["tasks"][0]["taskArn"]
        .as_str()
        .unwrap_or_else(|| panic!("RunTask started no task: {started}"));
    arn.rsplit('/').next().unwrap_or(arn).to_owned()
}

#[test]
fn ps_lists_running_tasks() {
    let moto = Moto::start();
    moto.keep_tasks_running();
    let project = Project::web_redis();
    let run = up(&moto, &project);
    assert_deployed(&moto, &run, "CREATE_COMPLETE");

    let cluster = cluster_name(&moto);
    let web_task = run_service_task(&moto, &cluster, &service_for(&moto, "web"));
    let redis_task = run_service_task(&moto, &cluster, &service_for(&moto, "redis"));
    // web's CPU and memory as ECS publishes them each minute; redis has no datapoint yet.
    put_service_usage(&moto, &cluster, &service_for(&moto, "web"), 12.5, 40.456);

    let run = moto.docker_ecs(&project.dir, &["ps"]);
    run.assert_success();
    assert!(
        !run.stderr().contains("WARN"),
        "metrics read without a warning: {}",
        run.describe()
    );
    let out = run.stdout();
    // The stack and its status first, with the load balancer the PORTS column is on.
    let dns = load_balancer_dns(&moto);
    assert_eq!(
        out.lines().next(),
        Some(format!("Stack {PROJECT}: CREATE_COMPLETE, load balancer {dns}").as_str()),
        "{}",
        run.describe()
    );
    // One row per task, named like compose's containers: `<service>-<n>`, with its image.
    for (service, image) in [
        ("web", "public.ecr.aws/docker/library/python:3.12-alpine"),
        ("redis", "public.ecr.aws/docker/library/redis:7-alpine"),
    ] {
        let name = format!("{service}-1");
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name.as_str()))
            .unwrap_or_else(|| panic!("no row {name}: {}", run.describe()));
        let columns: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(columns.get(1), Some(&image), "IMAGE column of {line:?}");
        assert_eq!(columns.get(2), Some(&service), "SERVICE column of {line:?}");
        assert_eq!(
            columns.get(3).map(|s| s.to_lowercase()),
            Some("running".to_owned()),
            "STATUS column of {line:?}"
        );
    }
    let web_row = out
        .lines()
        .find(|l| l.starts_with("web-1"))
        .unwrap_or_default();
    assert!(
        web_row.ends_with(" :80->80/http") && !web_row.contains(&dns),
        "web's row shows its load balancer port, not the name said above: {web_row:?}"
    );
    // CPU % and MEM %: the service's average on its task's row, `-` without a datapoint.
    let header: Vec<&str> = out
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split("   ")
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    assert!(
        header.ends_with(&["HEALTH", "CPU %", "MEM %", "PORTS"]),
        "{header:?}"
    );
    for (name, cpu, memory) in [("web-1", "12.50%", "40.46%"), ("redis-1", "-", "-")] {
        let columns: Vec<&str> = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        assert_eq!(
            columns.get(4..6),
            Some(&[cpu, memory][..]),
            "CPU % and MEM % of {name}: {}",
            run.describe()
        );
    }

    // -q: the task ids alone.
    let run = moto.docker_ecs(&project.dir, &["ps", "-q"]);
    run.assert_success();
    let ids: BTreeSet<String> = run.stdout().lines().map(|l| l.trim().to_owned()).collect();
    let expected: BTreeSet<String> = [web_task.clone(), redis_task.clone()].into();
    assert_eq!(ids, expected, "{}", run.describe());

    // --format json: one object per task, parseable, naming the service.
    let run = moto.docker_ecs(&project.dir, &["ps", "--format", "json"]);
    run.assert_success();
    let parsed = parse_json_output(&run.stdout())
        .unwrap_or_else(|e| panic!("ps --format json is not JSON ({e}): {}", run.describe()));
    let text = parsed.to_string();
    assert!(
        text.contains(&web_task) && text.contains(&redis_task),
        "{parsed}"
    );
    let web = parsed
        .as_array()
        .into_iter()
        .flatten()
        .find(|row| row["ID"] == web_task.as_str())
        .unwrap_or_else(|| panic!("no row for task {web_task}: {parsed}"));
    assert_eq!(web["Name"], "web-1", "{web}");
    assert_eq!(
        web["Image"], "public.ecr.aws/docker/library/python:3.12-alpine",
        "{web}"
    );
    assert_eq!(
        web["Ports"],
        json!([format!("{dns}:80 -> 80/http")]),
        "{web}"
    );
    assert_eq!(
        (&web["CPUPercent"], &web["MemPercent"]),
        (&json!(12.5), &json!(40.46)),
        "{web}"
    );
    let redis = parsed
        .as_array()
        .into_iter()
        .flatten()
        .find(|row| row["ID"] == redis_task.as_str())
        .unwrap_or_else(|| panic!("no row for task {redis_task}: {parsed}"));
    assert_eq!(
        (&redis["CPUPercent"], &redis["MemPercent"]),
        (&Value::Null, &Value::Null),
        "{redis}"
    );

    // --services: the names, one per line, as docker compose prints them.
    let run = moto.docker_ecs(&project.dir, &["ps", "--services"]);
    run.assert_success();
    assert_eq!(run.stdout(), "redis\nweb\n", "{}", run.describe());
    // --format table: one row per service with its desired count.
    let run = moto.docker_ecs(&project.dir, &["ps", "--services", "--format", "table"]);
    run.assert_success();
    for service in ["web", "redis"] {
        let row = run
            .stdout()
            .lines()
            .find(|l| l.split_whitespace().next() == Some(service))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no {service} row: {}", run.describe()));
        assert!(
            row.split_whitespace().any(|c| c == "1"),
            "desired 1: {row:?}"
        );
    }

    // --status: a stopped task is shown only when stopped tasks are asked for.
    moto.aws_ok(
        "ecs",
        "stop_task",
        json!({ "cluster": cluster, "task": redis_task, "reason": "e2e" }),
    );
    let run = moto.docker_ecs(&project.dir, &["ps", "-q", "--status", "running"]);
    run.assert_success();
    let out = run.stdout();
    let ids: Vec<&str> = out.lines().map(str::trim).collect();
    assert_eq!(ids, [web_task.as_str()], "{}", run.describe());
    // The table too shows only the matching tasks: no "no task" row for redis, whose only task
    // stopped, as there is without a filter.
    let run = moto.docker_ecs(&project.dir, &["ps", "--status", "running"]);
    run.assert_success();
    let out = run.stdout();
    let names: Vec<&str> = out
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, ["web-1"], "{}", run.describe());

    // -a: the stopped task too, with its number, and why it stopped.
    let run = moto.docker_ecs(&project.dir, &["ps", "-a"]);
    run.assert_success();
    let out = run.stdout();
    let redis_row = out
        .lines()
        .find(|l| l.starts_with("redis-1 "))
        .unwrap_or_else(|| panic!("no redis-1 row with -a: {}", run.describe()));
    assert!(redis_row.contains("stopped (e2e)"), "{redis_row:?}");
    let run = moto.docker_ecs(&project.dir, &["ps", "-a", "-q"]);
    let ids: BTreeSet<String> = run.stdout().lines().map(|l| l.trim().to_owned()).collect();
    assert_eq!(ids, BTreeSet::from([web_task.clone(), redis_task.clone()]));
}

/// Datapoints of the AWS/ECS metrics ECS publishes for a service, a minute ago.
fn put_service_usage(moto: &Moto, cluster: &str, service: &Value, cpu: f64, memory: f64) {
    let minute_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() - 60)
        .unwrap_or_default();
    let dimensions = json!([
        { "Name": "ClusterName", "Value": cluster.rsplit('/').next().unwrap_or(cluster) },
        { "Name": "ServiceName", "Value": service["serviceName"] },
    ]);
    let datum = |metric: &str, value: f64| {
        json!({ "MetricName": metric, "Dimensions": dimensions, "Timestamp": minute_ago,
                "Value": value, "Unit": "Percent" })
    };
    moto.aws_ok(
        "cloudwatch",
        "put_metric_data",
        json!({ "Namespace": "AWS/ECS", "MetricData": [
            datum("CPUUtilization", cpu), datum("MemoryUtilization", memory)
        ]}),
    );
}

/// The DNS name of the stack's load balancer.
fn load_balancer_dns(moto: &Moto) -> String {
    let load_balancers = resources_of_type(moto, "AWS::ElasticLoadBalancingV2::LoadBalancer");
    let described = moto.aws_ok(
        "elbv2",
        "describe_load_balancers",
        json!({ "LoadBalancerArns": load_balancers }),
    );
    described["LoadBalancers"][0]["DNSName"]
        .as_str()
        .unwrap_or_else(|| panic!("no load balancer: {described}"))
        .to_owned()
}

/// `logs` names each task's lines as `ps` names the task (`web-1`, `web-2`), and `--tail N` keeps
/// the last N lines of each task, not of the service.
#[test]
fn logs_name_each_task_as_ps_does() {
    let moto = Moto::start();
    moto.keep_tasks_running();
    let project = Project::web_redis();
    let run = up(&moto, &project);
    assert_deployed(&moto, &run, "CREATE_COMPLETE");
    let cluster = cluster_name(&moto);
    let web = service_for(&moto, "web");
    let tasks = [
        run_service_task(&moto, &cluster, &web),
        run_service_task(&moto, &cluster, &web),
    ];

    let run = moto.docker_ecs(&project.dir, &["ps", "--format", "json"]);
    run.assert_success();
    let parsed = parse_json_output(&run.stdout())
        .unwrap_or_else(|e| panic!("ps --format json is not JSON ({e}): {}", run.describe()));
    let name_of = |task: &str| -> String {
        parsed
            .as_array()
            .into_iter()
            .flatten()
            .find(|row| row["ID"] == task)
            .and_then(|row| row["Name"].as_str())
            .unwrap_or_else(|| panic!("ps has no row for task {task}: {parsed}"))
            .to_owned()
    };
    let names = [name_of(&tasks[0]), name_of(&tasks[1])];
    assert_eq!(
        BTreeSet::from([names[0].as_str(), names[1].as_str()]),
        BTreeSet::from(["web-1", "web-2"])
    );

    let group = format!("/docker-compose/{PROJECT}");
    put_events(&moto, &group, "web", &tasks[0], &["first 1", "first 2"]);
    put_events_aged(
        &moto,
        &group,
        "web",
        &tasks[1],
        &["second 1", "second 2"],
        30_000,
    );
    let run = moto.docker_ecs(&project.dir, &["logs", "--no-color", "--tail", "1", "web"]);
    run.assert_success();
    let lines: Vec<String> = run.stdout().lines().map(str::to_owned).collect();
    assert_eq!(
        lines,
        [
            format!("{}  | first 2", names[0]),
            format!("{}  | second 2", names[1]),
        ],
        "{}",
        run.describe()
    );
}

/// One JSON document, or one JSON object per line (as `docker compose ps --format json` prints).
fn parse_json_output(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str(text.trim()).or_else(|_| {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<Result<Vec<Value>, _>>()
            .map(Value::Array)
    })
}

#[test]
fn up_and_down_detached_return_once_started() {
    let moto = Moto::start();
    let project = Project::web_redis();
    let run = moto.docker_ecs(&project.dir, &["up", "--detach"]);
    run.assert_success();
    // moto executes a change set at once, so the stack is there when the command returns, with
    // one ECS service per service of the example (the services the other tests use).
    assert!(moto.stack_status(PROJECT).is_some(), "{}", run.describe());
    let services = moto.compose_services(PROJECT, &cluster_name(&moto));
    let names: BTreeSet<&str> = services.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["redis", "web"]),
        "{}",
        run.describe()
    );
    // moto finishes before a waiting `up` would poll, so only what `up` says tells a detached
    // run from one that waited: the hint to follow the deployment elsewhere, and no live view.
    let stderr = run.stderr();
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.ends_with(
            "Change set executing; follow it with `docker ecs ls` (the stack's status) and \
             `docker ecs ps` (the tasks), or in the CloudFormation console (stack web-redis)"
        ),
        "{}",
        run.describe()
    );
    let run = moto.docker_ecs(&project.dir, &["down", "-d"]);
    run.assert_success();
    // A detached `down` says the deletion started and nothing after: no events, no "deleted".
    let stderr = run.stderr();
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.ends_with("] Deleting stack web-redis"),
        "{}",
        run.describe()
    );
    assert_eq!(moto.stack_status(PROJECT), None, "{}", run.describe());
}

#[test]
fn no_region_or_no_credentials_is_one_clear_message() {
    let moto = Moto::start();
    let project = Project::web_redis();

    let mut cmd = moto.docker_ecs_command(&project.dir, &["up"]);
    cmd.env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION");
    let run = Run::of("docker-ecs up (no region)", cmd);
    assert_eq!(run.code(), Some(1), "{}", run.describe());
    assert!(run.stderr().contains("no AWS region"), "{}", run.describe());
    assert!(run.stderr().contains("--region"), "{}", run.describe());

    let mut cmd = moto.docker_ecs_command(&project.dir, &["ps"]);
    cmd.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        // No instance metadata service here: without this the SDK waits for it to time out.
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let run = Run::of("docker-ecs ps (no credentials)", cmd);
    assert_eq!(run.code(), Some(1), "{}", run.describe());
    assert!(
        run.stderr().contains("no AWS credentials"),
        "{}",
        run.describe()
    );
    assert_eq!(moto.stack_status(PROJECT), None, "nothing deployed");
}

#[test]
fn a_failed_create_says_why_and_leaves_no_stack_behind() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("broken");
    std::fs::create_dir_all(&dir).expect("create the project directory");
    // The overlay adds a rule to a security group that does not exist: the stack cannot be created.
    std::fs::write(
        dir.join("compose.yaml"),
        r#"services:
  web:
    image: nginx:1.27
x-aws-cloudformation:
  Resources:
    BrokenIngress:
      Type: AWS::EC2::SecurityGroupIngress
      Properties:
        GroupId: sg-0000000000doesnotexist
        IpProtocol: tcp
        FromPort: 1
        ToPort: 1
        CidrIp: 10.0.0.0/8
"#,
    )
    .expect("write compose.yaml");
    for attempt in 1..=2 {
        let run = moto.docker_ecs(&dir, &["up"]);
        assert_eq!(run.code(), Some(1), "attempt {attempt}: {}", run.describe());
        assert!(
            run.stderr().contains("sg-0000000000doesnotexist"),
            "attempt {attempt} names the cause: {}",
            run.describe()
        );
        assert_eq!(
            moto.stack_status("broken"),
            None,
            "attempt {attempt} leaves no stack that would block the next up"
        );
    }
}

/// Compose file of the `vols` project: web, plus (when `with_db`) a database on the volume `pgdata`.
fn volume_project(with_db: bool) -> String {
    let db =
        "  db:\n    image: postgres:16\n    volumes:\n      - pgdata:/var/lib/postgresql/data\n";
    format!(
        "name: vols\nservices:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n{}volumes:\n  pgdata: {{}}\n",
        if with_db { db } else { "" }
    )
}

/// A volume whose last service an update removes leaves the stack, but its EFS file system
/// (DeletionPolicy Retain) stays with its data: the dry run says it is kept, not deleted, and the
/// `up` that brings the service back mounts the same file system instead of an empty new one.
#[test]
fn a_volume_an_update_drops_is_kept_and_reused() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().expect("temporary directory");
    let compose = tmp.path().join("compose.yaml");
    std::fs::write(&compose, volume_project(true)).expect("write compose.yaml");
    moto.docker_ecs(tmp.path(), &["up"]).assert_success();
    let created = moto.stack_resources("vols", "AWS::EFS::FileSystem");
    assert_eq!(created.len(), 1, "{created:?}");

    std::fs::write(&compose, volume_project(false)).expect("write compose.yaml");
    let diff = moto.docker_ecs(tmp.path(), &["diff"]);
    diff.assert_success();
    assert!(
        diff.stdout().lines().any(|l| {
            l.starts_with("remove (kept in the account)") && l.contains("PgdataFileSystem")
        }),
        "{}",
        diff.describe()
    );
    moto.docker_ecs(tmp.path(), &["up"]).assert_success();
    assert_eq!(
        moto.stack_resources("vols", "AWS::EFS::FileSystem"),
        Vec::<String>::new()
    );
    let kept = moto.aws_ok(
        "efs",
        "describe_file_systems",
        json!({ "FileSystemId": created[0] }),
    );
    assert_eq!(
        kept["FileSystems"].as_array().map(Vec::len),
        Some(1),
        "{kept}"
    );

    std::fs::write(&compose, volume_project(true)).expect("write compose.yaml");
    moto.docker_ecs(tmp.path(), &["up"]).assert_success();
    let all = moto.aws_ok("efs", "describe_file_systems", json!({}));
    let ids: Vec<&str> = all["FileSystems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["FileSystemId"].as_str())
        .collect();
    assert_eq!(ids, [created[0].as_str()], "a new file system was created");
    // The database's task mounts the file system it had before.
    let cluster = moto.stack_resources("vols", "AWS::ECS::Cluster");
    let cluster = cluster.first().expect("the stack's cluster");
    let (_, db) = moto
        .compose_services("vols", cluster)
        .into_iter()
        .find(|(name, _)| name == "db")
        .expect("the db service is back");
    let task = moto.aws_ok(
        "ecs",
        "describe_task_definition",
        json!({ "taskDefinition": db["taskDefinition"] }),
    );
    let mounted: BTreeSet<&str> = task["taskDefinition"]["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["efsVolumeConfiguration"]["fileSystemId"].as_str())
        .collect();
    assert_eq!(mounted, BTreeSet::from([created[0].as_str()]), "{task}");
}

/// `down --volumes` deletes the project's file systems once the stack is gone; without a terminal to
/// ask on it refuses before deleting anything, unless -y says yes.
#[test]
fn down_volumes_deletes_the_file_systems_when_confirmed() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().expect("temporary directory");
    std::fs::write(tmp.path().join("compose.yaml"), volume_project(true))
        .expect("write compose.yaml");
    moto.docker_ecs(tmp.path(), &["up"]).assert_success();
    let created = moto.stack_resources("vols", "AWS::EFS::FileSystem");
    assert_eq!(created.len(), 1, "{created:?}");

    let run = moto.docker_ecs(tmp.path(), &["down", "--volumes"]);
    run.assert_failure();
    let said = run.stderr();
    assert!(
        said.contains(&format!("{} (volume pgdata)", created[0]))
            && said.contains("not a terminal")
            && said.contains("-y/--yes"),
        "{}",
        run.describe()
    );
    assert!(
        moto.stack_status("vols").is_some(),
        "a refused down -v deletes nothing"
    );

    let run = moto.docker_ecs(tmp.path(), &["down", "-v", "-y"]);
    run.assert_success();
    assert_eq!(moto.stack_status("vols"), None, "{}", run.describe());
    assert!(
        run.stderr()
            .contains(&format!("Deleted EFS file system {}", created[0])),
        "{}",
        run.describe()
    );
    let all = moto.aws_ok("efs", "describe_file_systems", json!({}));
    assert_eq!(all["FileSystems"], json!([]), "{all}");
}

#[test]
fn moving_a_published_port_updates_the_stack_in_place() {
    let moto = Moto::start();
    let project = Project::web_redis();
    up(&moto, &project).assert_success();
    let rules = resources_of_type(&moto, "AWS::EC2::SecurityGroupIngress");

    // The same container port, published on 8080 (declared HTTP to keep the Application Load
    // Balancer): a new listener, but the task-side rule for port 80 is the one already there.
    // Recreated under a new name, it would be refused by EC2 as a duplicate and the update rolled
    // back.
    std::fs::write(
        project.dir.join("compose.override.yaml"),
        "services:\n  web:\n    ports: !override\n      - target: 80\n        published: \"8080\"\n        x-aws-protocol: http\n",
    )
    .expect("write compose.override.yaml");
    let run = up(&moto, &project);
    assert_deployed(&moto, &run, "UPDATE_COMPLETE");
    assert_eq!(
        resources_of_type(&moto, "AWS::EC2::SecurityGroupIngress"),
        rules,
        "the task-side rules are kept as they are"
    );
    let load_balancer = resources_of_type(&moto, "AWS::ElasticLoadBalancingV2::LoadBalancer");
    let listeners = moto.aws_ok(
        "elbv2",
        "describe_listeners",
        json!({ "LoadBalancerArn": load_balancer[0] }),
    );
    let ports: Vec<&Value> = listeners["Listeners"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|listener| &listener["Port"])
        .collect();
    assert_eq!(ports, [&json!(8080)], "{listeners}");
    moto.docker_ecs(&project.dir, &["down"]).assert_success();
}

/// A Ctrl-C while `up` is still starting (here: its credentials come from a slow
/// credential_process) is handled, not the default death by signal: exit 130, saying so.
#[test]
fn ctrl_c_while_up_starts_is_handled_and_said() {
    let moto = Moto::start();
    let project = Project::web_redis();
    let aws_dir = moto.home().join(".aws");
    std::fs::create_dir_all(&aws_dir).expect("create ~/.aws");
    std::fs::write(
        aws_dir.join("config"),
        "[default]\ncredential_process = sh -c 'sleep 5; echo {\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"test\\\", \\\"SecretAccessKey\\\": \\\"test\\\"}'\n",
    )
    .expect("write ~/.aws/config");
    let mut cmd = moto.docker_ecs_command(&project.dir, &["up"]);
    cmd.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", aws_dir.join("config"));
    let mut up = Spawned::start_reading_stderr(cmd);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(up.interrupt(std::time::Duration::from_secs(20)), Some(130));
    let said = up.wait_for(
        "nothing was changed in the stack",
        std::time::Duration::from_secs(5),
    );
    assert!(said.is_some(), "up did not say what happened");
    assert_eq!(moto.stack_status(PROJECT), None);
}
