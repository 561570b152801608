//! `docker ecs run` against mocked AWS APIs: the task gets the service's network and launch type
//! with the command and variables overridden, its log is streamed until it stops and its exit code
//! is the result; `--entrypoint` goes through a one-off task definition that is deregistered after.

use std::time::Duration;

use crate::support::*;
use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsOutput;
use aws_sdk_cloudwatchlogs::types::OutputLogEvent;
use aws_sdk_ecs::operation::deregister_task_definition::DeregisterTaskDefinitionOutput;
use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
use aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput;
use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionOutput;
use aws_sdk_ecs::operation::run_task::RunTaskOutput;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, Container, ContainerDefinition, Failure, LaunchType,
    LogConfiguration, LogDriver, NetworkConfiguration, Service, Tag, Task, TaskDefinition,
};
use aws_sdk_ecs::Client as Ecs;
use aws_smithy_mocks::{mock, Rule};
use ecs_deploy::run::{follow, start, Ended, RunRequest};
use ecs_deploy::Interrupts;

const DEFINITION: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/app-web:3";
const ONE_OFF: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/app-web-run:1";
const TASK: &str = "arn:aws:ecs:us-east-1:123456789012:task/app-cluster/t9";

const RESOURCES: &[(&str, &str)] = &[
    ("AWS::ECS::Cluster", "app-cluster"),
    ("AWS::ECS::Service", SERVICE_ARN),
];

fn network() -> NetworkConfiguration {
    NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets("subnet-1")
                .security_groups("sg-web")
                .assign_public_ip(AssignPublicIp::Enabled)
                .build()
                .unwrap(),
        )
        .build()
}

fn service() -> Rule {
    mock!(Ecs::describe_services).then_output(|| {
        DescribeServicesOutput::builder()
            .services(
                Service::builder()
                    .service_arn(SERVICE_ARN)
                    .service_name("app-web")
                    .task_definition(DEFINITION)
                    .launch_type(LaunchType::Fargate)
                    .network_configuration(network())
                    .tags(
                        Tag::builder()
                            .key("com.docker.compose.service")
                            .value("web")
                            .build(),
                    )
                    .build(),
            )
            .build()
    })
}

fn definition() -> Rule {
    mock!(Ecs::describe_task_definition)
        .match_requests(|r| r.task_definition() == Some(DEFINITION))
        .then_output(|| {
            let logging = LogConfiguration::builder()
                .log_driver(LogDriver::Awslogs)
                .options("awslogs-group", "/docker-compose/app")
                .options("awslogs-stream-prefix", "app")
                .build()
                .unwrap();
            DescribeTaskDefinitionOutput::builder()
                .task_definition(
                    TaskDefinition::builder()
                        .family("app-web")
                        .task_role_arn("arn:aws:iam::123456789012:role/app-web-task")
                        .container_definitions(
                            ContainerDefinition::builder()
                                .name("web_ResolvConf_InitContainer")
                                .essential(false)
                                .build(),
                        )
                        .container_definitions(
                            ContainerDefinition::builder()
                                .name("web")
                                .image("nginx:1.27")
                                .log_configuration(logging)
                                .build(),
                        )
                        .build(),
                )
                .build()
        })
}

/// The task runs, then stops with the web container's `exit_code` (or without one).
fn task_states(exit_code: Option<i32>) -> Rule {
    let task = |status: &str, exit_code: Option<i32>| {
        Task::builder()
            .task_arn(TASK)
            .last_status(status)
            .stopped_reason("Essential container in task exited")
            .containers(
                Container::builder()
                    .name("web")
                    .set_exit_code(exit_code)
                    .set_reason(
                        exit_code
                            .is_none()
                            .then(|| "CannotPullContainerError: nginx:nope not found".to_string()),
                    )
                    .build(),
            )
            .build()
    };
    mock!(Ecs::describe_tasks)
        .match_requests(|r| r.cluster() == Some("app-cluster") && r.tasks() == [TASK])
        .sequence()
        .output(move || {
            DescribeTasksOutput::builder()
                .tasks(task("RUNNING", None))
                .build()
        })
        .output(move || {
            DescribeTasksOutput::builder()
                .tasks(task("STOPPED", exit_code))
                .build()
        })
        .repeatedly()
        .build()
}

/// The log: two lines, then nothing new (CloudWatch Logs gives the same token back).
fn log_lines() -> Vec<Rule> {
    let stream = |r: &aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsInput| {
        r.log_group_name() == Some("/docker-compose/app")
            && r.log_stream_name() == Some("app/web/t9")
            && r.start_from_head() == Some(true)
    };
    vec![
        mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .match_requests(move |r| stream(r) && r.next_token().is_none())
            .then_output(|| {
                GetLogEventsOutput::builder()
                    .events(
                        OutputLogEvent::builder()
                            .message("migrating 3 tables\n")
                            .build(),
                    )
                    .events(
                        OutputLogEvent::builder()
                            .message("table users: failed")
                            .build(),
                    )
                    .next_forward_token("f/1")
                    .build()
            }),
        mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .match_requests(move |r| stream(r) && r.next_token() == Some("f/1"))
            .then_output(|| {
                GetLogEventsOutput::builder()
                    .next_forward_token("f/1")
                    .build()
            }),
    ]
}

fn started_task() -> RunTaskOutput {
    RunTaskOutput::builder()
        .tasks(Task::builder().task_arn(TASK).build())
        .build()
}

async fn run_and_follow(mocks: &Mocks, request: &RunRequest) -> (Ended, Vec<String>) {
    let clients = mocks.clients();
    let started = start(&clients, "app", request).await.unwrap();
    let mut lines = Vec::new();
    let ended = follow(
        &clients,
        &started,
        Duration::from_millis(1),
        &mut Interrupts::none(),
        &mut |line| lines.push(line.to_string()),
    )
    .await
    .unwrap();
    (ended, lines)
}

#[tokio::test]
async fn a_one_off_task_runs_like_the_service_and_returns_its_exit_code() {
    let ran = mock!(Ecs::run_task)
        .match_requests(|r| {
            let overrides = r
                .overrides()
                .map(|o| o.container_overrides())
                .unwrap_or_default();
            r.cluster() == Some("app-cluster")
                && r.task_definition() == Some(DEFINITION)
                && r.count() == Some(1)
                && r.launch_type() == Some(&LaunchType::Fargate)
                && r.network_configuration() == Some(&network())
                && r.started_by() == Some("migrate")
                && overrides.len() == 1
                && overrides[0].name() == Some("web")
                && overrides[0].command() == ["./manage.py", "migrate"]
                && overrides[0]
                    .environment()
                    .iter()
                    .map(|kv| {
                        (
                            kv.name().unwrap_or_default(),
                            kv.value().unwrap_or_default(),
                        )
                    })
                    .eq([("DEBUG", "1")])
        })
        .then_output(started_task);
    let logs = log_lines();
    let mocks = Mocks {
        cf: deployed_stack("UPDATE_COMPLETE", RESOURCES),
        ecs: vec![service(), definition(), ran.clone(), task_states(Some(3))],
        logs: logs.clone(),
        ..Default::default()
    };
    let request = RunRequest {
        service: "web".into(),
        command: vec!["./manage.py".into(), "migrate".into()],
        environment: vec![("DEBUG".into(), "1".into())],
        name: Some("migrate".into()),
        ..Default::default()
    };
    let (ended, lines) = run_and_follow(&mocks, &request).await;
    assert_eq!(ended, Ended::Exited(3));
    assert_eq!(ran.num_calls(), 1);
    // Each line once, though the log was read at every look and once more after the stop.
    assert_eq!(lines, ["migrating 3 tables", "table users: failed"]);
    assert_eq!(logs[0].num_calls(), 1);
    assert!(
        logs[1].num_calls() >= 2,
        "the log is read again after the stop"
    );
}

#[tokio::test]
async fn an_entrypoint_runs_from_a_one_off_task_definition_deregistered_after() {
    let registered = mock!(Ecs::register_task_definition)
        .match_requests(|r| {
            let web = r
                .container_definitions()
                .iter()
                .find(|c| c.name() == Some("web"));
            r.family() == Some("app-web-run")
                && r.task_role_arn() == Some("arn:aws:iam::123456789012:role/app-web-task")
                && r.container_definitions().len() == 2
                && web.is_some_and(|c| {
                    c.entry_point() == ["sh", "-c"]
                        && c.working_directory() == Some("/app")
                        && c.image() == Some("nginx:1.27")
                })
        })
        .then_output(|| {
            RegisterTaskDefinitionOutput::builder()
                .task_definition(
                    TaskDefinition::builder()
                        .task_definition_arn(ONE_OFF)
                        .build(),
                )
                .build()
        });
    let ran = mock!(Ecs::run_task)
        .match_requests(|r| r.task_definition() == Some(ONE_OFF))
        .then_output(started_task);
    let deregistered = mock!(Ecs::deregister_task_definition)
        .match_requests(|r| r.task_definition() == Some(ONE_OFF))
        .then_output(|| DeregisterTaskDefinitionOutput::builder().build());
    let mocks = Mocks {
        cf: deployed_stack("UPDATE_COMPLETE", RESOURCES),
        ecs: vec![
            service(),
            definition(),
            registered.clone(),
            ran.clone(),
            deregistered.clone(),
            task_states(Some(0)),
        ],
        logs: log_lines(),
        ..Default::default()
    };
    let request = RunRequest {
        service: "web".into(),
        command: vec!["echo hi".into()],
        entrypoint: Some("sh -c".into()),
        workdir: Some("/app".into()),
        ..Default::default()
    };
    let (ended, _) = run_and_follow(&mocks, &request).await;
    assert_eq!(ended, Ended::Exited(0));
    assert_eq!(registered.num_calls(), 1);
    assert_eq!(ran.num_calls(), 1);
    assert_eq!(deregistered.num_calls(), 1);
}

#[tokio::test]
async fn a_task_that_never_ran_its_command_says_why() {
    let mocks = Mocks {
        cf: deployed_stack("UPDATE_COMPLETE", RESOURCES),
        ecs: vec![
            service(),
            definition(),
            mock!(Ecs::run_task).then_output(started_task),
            task_states(None),
        ],
        // The container never started: its log stream does not exist.
        logs: vec![
            mock!(aws_sdk_cloudwatchlogs::Client::get_log_events).then_error(|| {
                aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsError::ResourceNotFoundException(
                    aws_sdk_cloudwatchlogs::types::error::ResourceNotFoundException::builder()
                        .message("The specified log stream does not exist.")
                        .build(),
                )
            }),
        ],
        ..Default::default()
    };
    let request = RunRequest {
        service: "web".into(),
        ..Default::default()
    };
    let (ended, lines) = run_and_follow(&mocks, &request).await;
    assert!(lines.is_empty());
    let Ended::Failed(why) = ended else {
        panic!("{ended:?}")
    };
    assert!(
        why.contains("Essential container in task exited")
            && why.contains("web: CannotPullContainerError"),
        "{why}"
    );
}

#[tokio::test]
async fn ecs_refusing_the_task_is_an_error_naming_its_reason() {
    let mocks = Mocks {
        cf: deployed_stack("UPDATE_COMPLETE", RESOURCES),
        ecs: vec![
            service(),
            definition(),
            mock!(Ecs::run_task).then_output(|| {
                RunTaskOutput::builder()
                    .failures(
                        Failure::builder()
                            .reason("RESOURCE:ENI")
                            .detail("no free address in subnet-1")
                            .build(),
                    )
                    .build()
            }),
        ],
        ..Default::default()
    };
    let clients = mocks.clients();
    let request = RunRequest {
        service: "web".into(),
        ..Default::default()
    };
    let err = start(&clients, "app", &request)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("did not start a task of service web")
            && err.contains("RESOURCE:ENI (no free address in subnet-1)"),
        "{err}"
    );
    let unknown = RunRequest {
        service: "nope".into(),
        ..Default::default()
    };
    let err = start(&clients, "app", &unknown)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no service \"nope\"") && err.contains("web"),
        "{err}"
    );
}
