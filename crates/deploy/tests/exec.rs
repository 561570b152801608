//! `docker ecs exec` against mocked AWS APIs: the first RUNNING task of the service, the session
//! handed to the plugin as the AWS CLI does, and the x-aws-exec message when ECS Exec is off.

use crate::support::*;
use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
use aws_sdk_ecs::operation::execute_command::ExecuteCommandOutput;
use aws_sdk_ecs::operation::list_tasks::ListTasksOutput;
use aws_sdk_ecs::types::{Container, DesiredStatus, Service, Session, Tag, Task};
use aws_sdk_ecs::Client as Ecs;
use aws_smithy_mocks::{mock, Rule};
use ecs_deploy::exec::{open, ExecRequest};

const TASK_1: &str = "arn:aws:ecs:us-east-1:123456789012:task/app-cluster/t1";
const TASK_2: &str = "arn:aws:ecs:us-east-1:123456789012:task/app-cluster/t2";

/// The stack's cluster and its one service.
const RESOURCES: &[(&str, &str)] = &[
    ("AWS::ECS::Cluster", "app-cluster"),
    ("AWS::ECS::Service", SERVICE_ARN),
];

fn service(exec_enabled: bool) -> Rule {
    mock!(Ecs::describe_services).then_output(move || {
        DescribeServicesOutput::builder()
            .services(
                Service::builder()
                    .service_arn(SERVICE_ARN)
                    .service_name("app-web")
                    .enable_execute_command(exec_enabled)
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

fn tasks() -> Vec<Rule> {
    let task = |arn: &str, status: &str| {
        Task::builder()
            .task_arn(arn)
            .last_status(status)
            .containers(
                Container::builder()
                    .name("web_ResolvConf_InitContainer")
                    .runtime_id("init-rt")
                    .build(),
            )
            .containers(
                Container::builder()
                    .name("web")
                    .runtime_id("web-rt")
                    .build(),
            )
            .build()
    };
    vec![
        mock!(Ecs::list_tasks)
            .match_requests(|r| {
                r.cluster() == Some("app-cluster")
                    && r.service_name() == Some("app-web")
                    && r.desired_status() == Some(&DesiredStatus::Running)
            })
            .then_output(|| {
                ListTasksOutput::builder()
                    .task_arns(TASK_1)
                    .task_arns(TASK_2)
                    .build()
            }),
        mock!(Ecs::describe_tasks).then_output(move || {
            DescribeTasksOutput::builder()
                .tasks(task(TASK_1, "PROVISIONING"))
                .tasks(task(TASK_2, "RUNNING"))
                .build()
        }),
    ]
}

fn request(command: &[&str]) -> ExecRequest {
    ExecRequest {
        service: "web".into(),
        command: command.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn runs_in_the_first_running_task_and_hands_the_session_to_the_plugin() {
    let executed = mock!(Ecs::execute_command)
        .match_requests(|r| {
            r.cluster() == Some("app-cluster")
                && r.task() == Some(TASK_2)
                && r.container() == Some("web")
                && r.interactive() == Some(true)
                && r.command() == Some("sh -c 'echo hi'")
        })
        .then_output(|| {
            ExecuteCommandOutput::builder()
                .session(
                    Session::builder()
                        .session_id("sess-1")
                        .stream_url(
                            "wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/sess-1",
                        )
                        .token_value("tok")
                        .build(),
                )
                .build()
        });
    let mut ecs = vec![service(true), executed.clone()];
    ecs.extend(tasks());
    let clients = Mocks {
        cf: deployed_stack("CREATE_COMPLETE", RESOURCES),
        ecs,
        ..Default::default()
    }
    .clients();
    let session = open(&clients, "app", &request(&["sh", "-c", "echo hi"]))
        .await
        .unwrap();
    assert_eq!(executed.num_calls(), 1);
    assert_eq!(session.task_arn, TASK_2);
    assert_eq!(
        session.plugin_args(),
        [
            r#"{"sessionId":"sess-1","streamUrl":"wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/sess-1","tokenValue":"tok"}"#,
            "us-east-1",
            "StartSession",
            "",
            r#"{"Target":"ecs:app-cluster_t2_web-rt"}"#,
            "https://ecs.us-east-1.amazonaws.com",
        ]
    );
}

#[tokio::test]
async fn a_service_without_ecs_exec_names_x_aws_exec_and_runs_nothing() {
    let executed =
        mock!(Ecs::execute_command).then_output(|| ExecuteCommandOutput::builder().build());
    let mut ecs = vec![service(false), executed.clone()];
    ecs.extend(tasks());
    let clients = Mocks {
        cf: deployed_stack("CREATE_COMPLETE", RESOURCES),
        ecs,
        ..Default::default()
    }
    .clients();
    let err = open(&clients, "app", &request(&["ls"]))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ECS Exec is not enabled for service web"),
        "{err}"
    );
    assert!(err.contains("x-aws-exec: true"), "{err}");
    assert_eq!(executed.num_calls(), 0);
}

#[tokio::test]
async fn a_task_that_is_not_running_is_refused() {
    let mut ecs = vec![service(true)];
    ecs.extend(tasks());
    let clients = Mocks {
        cf: deployed_stack("CREATE_COMPLETE", RESOURCES),
        ecs,
        ..Default::default()
    }
    .clients();
    let mut asked = request(&["ls"]);
    asked.task = Some("t1".into());
    let err = open(&clients, "app", &asked).await.unwrap_err().to_string();
    assert_eq!(err, "task t1 of service web is PROVISIONING, not RUNNING");
    asked.task = None;
    asked.service = "db".into();
    let err = open(&clients, "app", &asked).await.unwrap_err().to_string();
    assert_eq!(err, "no service \"db\" in application app (services: web)");
}
