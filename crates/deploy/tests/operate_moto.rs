//! `ps` and `logs` against a real HTTP API: the moto launcher (e2e/moto_launcher.py) from the venv at
//! ECS_TEST_VENV (default `<workspace>/.venv`, made by `make venv`). The stack uses an existing cluster
//! (what `x-aws-cluster` produces), tasks are started with RunTask and kept RUNNING, one is stopped,
//! CloudWatch metrics are published the way ECS names them, and log events are inserted the way the
//! awslogs driver names its streams.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_ecs::types::{AssignPublicIp, AwsVpcConfiguration, LaunchType, NetworkConfiguration};
use ecs_deploy::logs::{self, LogEvent, LogSelection, LogWindow, Polling};
use ecs_deploy::{metrics, ports, ps, stack_info, Clients};
use serde_json::json;

const PROJECT: &str = "opdemo";
const CLUSTER: &str = "shared-cluster";

/// A moto server on 127.0.0.1, stopped when dropped (also when the test panics).
struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    fn start() -> Moto {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let venv = std::env::var_os("ECS_TEST_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join(".venv"));
        let python = venv.join("bin").join("python");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port on 127.0.0.1");
        let child = Command::new(&python)
            .arg(root.join("e2e").join("moto_launcher.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}): run `make venv` or set ECS_TEST_VENV",
                    python.display()
                )
            });
        let mut moto = Moto { child, port };
        let started = Instant::now();
        while http(port, "GET", "/moto-api/", "").map(|(status, _)| status) != Ok(200) {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("the moto launcher exited ({status}): run `make venv`");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto did not answer on port {port}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        moto
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 request (moto's own API needs nothing more).
fn http(port: u16, method: &str, path: &str, body: &str) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP status in {response:?}"))?;
    Ok((status, response))
}

async fn clients(moto: &Moto) -> Clients {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(moto.endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .load()
        .await;
    Clients::from_config(&config, "us-east-1".into(), ecs_deploy::Limits::default())
}

/// The stack `up` makes for a project with `x-aws-cluster`: no cluster of its own.
fn template(subnets: &[String], security_group: &str) -> String {
    let tags = |service: &str| {
        json!([
            {"Key": "com.docker.compose.project", "Value": PROJECT},
            {"Key": "com.docker.compose.service", "Value": service}
        ])
    };
    let task_definition = |service: &str| {
        json!({"Type": "AWS::ECS::TaskDefinition", "Properties": {
        "Family": format!("{PROJECT}-{service}"), "NetworkMode": "awsvpc",
        "RequiresCompatibilities": ["FARGATE"], "Cpu": "256", "Memory": "512",
        "ContainerDefinitions": [
            {"Name": service, "Image": "nginx", "Cpu": 256, "Memory": 512}
        ]}})
    };
    let service = |service: &str, task_definition: &str| {
        json!({"Type": "AWS::ECS::Service", "Properties": {
            "Cluster": CLUSTER, "ServiceName": service, "DesiredCount": 1, "LaunchType": "FARGATE",
            "TaskDefinition": {"Ref": task_definition},
            "NetworkConfiguration": {"AwsvpcConfiguration": {
                "Subnets": subnets, "SecurityGroups": [security_group]}},
            "Tags": tags(service)}})
    };
    json!({"Resources": {
        "LogGroup": {"Type": "AWS::Logs::LogGroup",
                     "Properties": {"LogGroupName": format!("/docker-compose/{PROJECT}")}},
        "WebTaskDefinition": task_definition("web"),
        "WorkerTaskDefinition": task_definition("worker"),
        "WebService": service("web", "WebTaskDefinition"),
        "WorkerService": service("worker", "WorkerTaskDefinition"),
    }})
    .to_string()
}

/// Start one task of a service the way ECS does (group `service:<name>`); returns its id.
async fn run_task(clients: &Clients, service: &str, network: &NetworkConfiguration) -> String {
    let out = clients
        .ecs
        .run_task()
        .cluster(CLUSTER)
        .task_definition(format!("{PROJECT}-{service}"))
        .group(format!("service:{service}"))
        .launch_type(LaunchType::Fargate)
        .network_configuration(network.clone())
        .send()
        .await
        .expect("RunTask");
    let arn = out.tasks()[0].task_arn().expect("task ARN").to_string();
    arn.rsplit('/').next().unwrap_or(&arn).to_string()
}

async fn put_events(clients: &Clients, stream: &str, messages: &[(i64, &str)]) {
    let group = format!("/docker-compose/{PROJECT}");
    let _ = clients
        .logs
        .create_log_stream()
        .log_group_name(&group)
        .log_stream_name(stream)
        .send()
        .await;
    let events = messages
        .iter()
        .map(|(ts, m)| {
            InputLogEvent::builder()
                .timestamp(*ts)
                .message(*m)
                .build()
                .expect("log event")
        })
        .collect();
    clients
        .logs
        .put_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .set_log_events(Some(events))
        .send()
        .await
        .expect("PutLogEvents");
}

/// The CPU and memory datapoints ECS publishes for a service of the cluster, a minute ago.
async fn put_usage(clients: &Clients, service: &str, cpu: f64, memory: f64) {
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
    let minute_ago = aws_smithy_types::DateTime::from_millis(now_ms() - 60_000);
    for (metric, value) in [("CPUUtilization", cpu), ("MemoryUtilization", memory)] {
        clients
            .cloudwatch
            .put_metric_data()
            .namespace("AWS/ECS")
            .metric_data(
                MetricDatum::builder()
                    .metric_name(metric)
                    .dimensions(
                        Dimension::builder()
                            .name("ClusterName")
                            .value(CLUSTER)
                            .build(),
                    )
                    .dimensions(
                        Dimension::builder()
                            .name("ServiceName")
                            .value(service)
                            .build(),
                    )
                    .timestamp(minute_ago)
                    .value(value)
                    .unit(StandardUnit::Percent)
                    .build(),
            )
            .send()
            .await
            .expect("PutMetricData");
    }
}

async fn next_followed(received: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(20), received.recv())
        .await
        .expect("a followed event in time")
        .expect("the follower is running")
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ps_and_logs_of_a_project_on_an_existing_cluster() {
    let moto = Moto::start();
    let (status, _) = http(
        moto.port,
        "POST",
        "/moto-api/state-manager/set-transition",
        r#"{"model_name":"ecs::task","transition":{"progression":"manual","times":1000}}"#,
    )
    .expect("moto API");
    assert!(
        (200..300).contains(&status),
        "set-transition: HTTP {status}"
    );
    let clients = clients(&moto).await;

    let subnets: Vec<String> = clients
        .ec2
        .describe_subnets()
        .send()
        .await
        .expect("subnets")
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .take(2)
        .collect();
    let security_group = clients
        .ec2
        .describe_security_groups()
        .send()
        .await
        .expect("security groups")
        .security_groups()[0]
        .group_id()
        .expect("group id")
        .to_string();
    clients
        .ecs
        .create_cluster()
        .cluster_name(CLUSTER)
        .send()
        .await
        .expect("CreateCluster");
    clients
        .cloudformation
        .create_stack()
        .stack_name(PROJECT)
        .template_body(template(&subnets, &security_group))
        .set_tags(Some(crate::support::stack_tags(PROJECT)))
        .send()
        .await
        .expect("CreateStack");

    let network = NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .set_subnets(Some(subnets.clone()))
                .security_groups(&security_group)
                .assign_public_ip(AssignPublicIp::Enabled)
                .build()
                .expect("awsvpc configuration"),
        )
        .build();
    let web_1 = run_task(&clients, "web", &network).await;
    let web_2 = run_task(&clients, "web", &network).await;
    clients
        .ecs
        .stop_task()
        .cluster(CLUSTER)
        .task(&web_2)
        .send()
        .await
        .expect("StopTask");

    // ps: the stack names no cluster; the service ARNs do.
    let app = stack_info::load(&clients.cloudformation, &clients.ecs, PROJECT, "us-east-1")
        .await
        .expect("the project's services");
    assert_eq!(app.service_names(), ["web", "worker"]);
    assert!(app.services.iter().all(|s| s.cluster == CLUSTER), "{app:?}");
    let port_map = ports::load(&clients.elbv2, &[]).await.expect("no ports");
    let running = ps::tasks(&clients.ecs, &app.services, &[], false)
        .await
        .expect("tasks");
    let mut rows = ps::task_rows(&app.services, &running, &port_map, false);
    // CPU % and MEM %: nothing published yet, then web's AWS/ECS metrics as ECS publishes them
    // each minute (through the Rust SDK's CBOR protocol, as ps reads them); worker has none.
    let nothing = metrics::load(&clients.cloudwatch, &app.services).await;
    assert_eq!(nothing, metrics::Loaded::default());
    ps::add_task_usage(&mut rows, &nothing.usage);
    assert_eq!(
        ps::render_tasks_table(&rows, None),
        "NAME     IMAGE   SERVICE   STATUS                  HEALTH   CPU %   MEM %   PORTS\n\
         web-1    nginx   web       running                          -       -\n\
         worker           worker    no task (0/1 running)            -       -\n"
    );
    put_usage(&clients, "web", 23.456, 61.0).await;
    let loaded = metrics::load(&clients.cloudwatch, &app.services).await;
    assert_eq!(loaded.warning, None);
    ps::add_task_usage(&mut rows, &loaded.usage);
    assert_eq!(
        ps::render_tasks_table(&rows, None),
        "NAME     IMAGE   SERVICE   STATUS                  HEALTH   CPU %    MEM %    PORTS\n\
         web-1    nginx   web       running                          23.46%   61.00%\n\
         worker           worker    no task (0/1 running)            -        -\n"
    );
    assert_eq!(
        (rows[0].cpu_percent, rows[0].mem_percent),
        (Some(23.46), Some(61.0))
    );
    let stopped = ps::tasks(&clients.ecs, &app.services, &["stopped".to_string()], false)
        .await
        .expect("stopped tasks");
    let rows = ps::task_rows(&app.services, &stopped, &port_map, true);
    assert_eq!(ps::render_task_ids(&rows), format!("{web_2}\n"));
    assert_eq!(rows[0].name, "web-2");

    // logs: one-shot with --tail, init containers on request, then follow picks up new events.
    let base = now_ms() - 60_000;
    put_events(
        &clients,
        &format!("{PROJECT}/web/{web_1}"),
        &[(base, "GET / 200"), (base + 2_000, "GET /health 200")],
    )
    .await;
    put_events(
        &clients,
        &format!("{PROJECT}/web_Secrets_InitContainer/{web_1}"),
        &[(base + 1_000, "wrote /run/secrets/token")],
    )
    .await;
    put_events(
        &clients,
        &format!("{PROJECT}/worker/0123abcd"),
        &[(base + 3_000, "job done")],
    )
    .await;

    let names = app.service_names();
    let plain = LogSelection::new(PROJECT, names.clone(), vec![], false).expect("selection");
    let with_init = LogSelection::new(PROJECT, names.clone(), vec![], true).expect("selection");
    let only_web = LogSelection::new(PROJECT, names, vec!["web".into()], false).expect("selection");
    let shown = |events: Vec<LogEvent>| -> Vec<String> {
        events
            .into_iter()
            .map(|e| format!("{}|{}", e.container, e.message))
            .collect()
    };
    let polling = Polling {
        interval: Duration::from_millis(200),
        max_backoff: Duration::from_secs(2),
    };
    let all = LogWindow::default();
    assert_eq!(
        shown(
            logs::fetch(&clients.logs, &plain, all, polling)
                .await
                .expect("logs")
        ),
        [
            "web-1|GET / 200",
            "web-1|GET /health 200",
            "worker-1|job done"
        ]
    );
    assert_eq!(
        shown(
            logs::fetch(&clients.logs, &with_init, all, polling)
                .await
                .expect("logs")
        ),
        [
            "web-1|GET / 200",
            "web_Secrets_InitContainer-1|wrote /run/secrets/token",
            "web-1|GET /health 200",
            "worker-1|job done"
        ]
    );
    let tail = LogWindow {
        tail: Some(1),
        ..all
    };
    assert_eq!(
        shown(
            logs::fetch(&clients.logs, &only_web, tail, polling)
                .await
                .expect("logs")
        ),
        ["web-1|GET /health 200"]
    );
    let since = LogWindow {
        start_ms: Some(base + 2_500),
        ..all
    };
    assert_eq!(
        shown(
            logs::fetch(&clients.logs, &plain, since, polling)
                .await
                .expect("logs")
        ),
        ["worker-1|job done"]
    );

    // Follow: what is there, then an event written while following, each once.
    let (sender, mut received) = tokio::sync::mpsc::unbounded_channel::<String>();
    let follower = {
        let clients = clients.clone();
        let only_web = only_web.clone();
        tokio::spawn(async move {
            let mut emit = |e: &LogEvent| {
                let _ = sender.send(e.message.clone());
                Ok::<(), ecs_deploy::Error>(())
            };
            logs::follow(&clients.logs, &only_web, tail, polling, &mut emit).await
        })
    };
    assert_eq!(next_followed(&mut received).await, "GET /health 200");
    let late_ms = now_ms();
    put_events(
        &clients,
        &format!("{PROJECT}/web/{web_1}"),
        &[(late_ms, "GET /late 200")],
    )
    .await;
    assert_eq!(next_followed(&mut received).await, "GET /late 200");
    // Nothing is printed twice: an event written once the last one was followed comes next, after
    // at least one more poll, with no repeat before it (a repeat, being older, would come first).
    put_events(
        &clients,
        &format!("{PROJECT}/web/{web_1}"),
        &[(now_ms().max(late_ms + 1), "GET /later 200")],
    )
    .await;
    assert_eq!(next_followed(&mut received).await, "GET /later 200");
    assert!(received.try_recv().is_err(), "an event was repeated");
    follower.abort();
}
