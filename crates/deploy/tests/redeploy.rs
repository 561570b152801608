//! `up --force-new-deployment` against mocked AWS APIs: every service of the stack gets a new
//! deployment; a failure names the service and the others are still redeployed.

use crate::support::*;
use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
use aws_sdk_ecs::operation::update_service::{UpdateServiceError, UpdateServiceOutput};
use aws_sdk_ecs::types::{Deployment, Service, Tag};
use aws_sdk_ecs::Client as Ecs;
use aws_smithy_mocks::{mock, Rule};
use ecs_deploy::progress::{ProgressEvent, Recorder};
use ecs_deploy::redeploy::{
    force_new_deployment, force_new_deployment_of, wait_for_rollouts, Redeployed, RolloutsEnded,
};
use ecs_deploy::Interrupts;
use std::time::Duration;

const REDIS_ARN: &str = "arn:aws:ecs:us-east-1:123456789012:service/app-cluster/app-redis";

/// The stack's cluster and its two services.
const RESOURCES: &[(&str, &str)] = &[
    ("AWS::ECS::Cluster", "app-cluster"),
    ("AWS::ECS::Service", SERVICE_ARN),
    ("AWS::ECS::Service", REDIS_ARN),
];

fn described() -> Rule {
    mock!(Ecs::describe_services)
        .match_requests(|r| r.cluster() == Some("app-cluster"))
        .then_output(|| {
            let service = |arn: &str, name: &str, compose: &str| {
                Service::builder()
                    .service_arn(arn)
                    .service_name(name)
                    .tags(
                        Tag::builder()
                            .key("com.docker.compose.service")
                            .value(compose)
                            .build(),
                    )
                    .build()
            };
            DescribeServicesOutput::builder()
                .services(service(SERVICE_ARN, "app-web", "web"))
                .services(service(REDIS_ARN, "app-redis", "redis"))
                .build()
        })
}

fn updated(arn: &'static str, deployment: &'static str) -> Rule {
    mock!(Ecs::update_service)
        .match_requests(move |r| {
            r.cluster() == Some("app-cluster")
                && r.service() == Some(arn)
                && r.force_new_deployment() == Some(true)
                // Nothing else of the service changes.
                && r.task_definition().is_none()
                && r.desired_count().is_none()
        })
        .then_output(move || {
            UpdateServiceOutput::builder()
                .service(
                    Service::builder()
                        .service_arn(arn)
                        .deployments(
                            Deployment::builder()
                                .id("ecs-svc/old")
                                .status("ACTIVE")
                                .build(),
                        )
                        .deployments(
                            Deployment::builder()
                                .id(deployment)
                                .status("PRIMARY")
                                .build(),
                        )
                        .build(),
                )
                .build()
        })
}

#[tokio::test]
async fn every_service_gets_a_new_deployment() {
    let web = updated(SERVICE_ARN, "ecs-svc/2");
    let redis = updated(REDIS_ARN, "ecs-svc/3");
    let clients = Mocks {
        cf: deployed_stack("UPDATE_COMPLETE", RESOURCES),
        ecs: vec![described(), web.clone(), redis.clone()],
        ..Default::default()
    }
    .clients();
    let done = force_new_deployment(&clients, "app").await.unwrap();
    assert_eq!(
        done,
        [
            Redeployed {
                service: "redis".into(),
                deployment: Some("ecs-svc/3".into()),
                arn: REDIS_ARN.into(),
            },
            Redeployed {
                service: "web".into(),
                deployment: Some("ecs-svc/2".into()),
                arn: SERVICE_ARN.into(),
            },
        ]
    );
    assert_eq!((web.num_calls(), redis.num_calls()), (1, 1));
}

#[tokio::test]
async fn a_refused_service_is_named_and_the_others_still_roll_out() {
    let redis = updated(REDIS_ARN, "ecs-svc/3");
    let clients = Mocks {
        cf: deployed_stack("UPDATE_COMPLETE", RESOURCES),
        ecs: vec![
            described(),
            redis.clone(),
            mock!(Ecs::update_service)
                .match_requests(|r| r.service() == Some(SERVICE_ARN))
                .then_error(|| {
                    UpdateServiceError::generic(error(
                        "ServiceNotActiveException",
                        "Service was not ACTIVE.",
                    ))
                }),
        ],
        ..Default::default()
    }
    .clients();
    let err = force_new_deployment(&clients, "app")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 service(s) of app (1 started)"), "{err}");
    assert!(
        err.contains("web: UpdateService: ServiceNotActiveException: Service was not ACTIVE."),
        "{err}"
    );
    assert_eq!(redis.num_calls(), 1);
}

#[tokio::test]
async fn no_stack_is_the_usual_clear_error() {
    let clients = Mocks {
        cf: vec![missing_stack()],
        ..Default::default()
    }
    .clients();
    let err = force_new_deployment(&clients, "app")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no application named \"app\""), "{err}");
}

/// A service whose PRIMARY deployment is in `state`, with these running and failed task counts.
fn rolling(arn: &str, state: &str, reason: &str, running: i32, failed: i32) -> Service {
    Service::builder()
        .service_arn(arn)
        .deployments(
            Deployment::builder()
                .id(if arn == SERVICE_ARN {
                    "ecs-svc/2"
                } else {
                    "ecs-svc/3"
                })
                .status("PRIMARY")
                .desired_count(1)
                .running_count(running)
                .failed_tasks(failed)
                .rollout_state(aws_sdk_ecs::types::DeploymentRolloutState::from(state))
                .rollout_state_reason(reason)
                .build(),
        )
        .build()
}

fn redeployed() -> Vec<Redeployed> {
    vec![
        Redeployed {
            service: "redis".into(),
            deployment: Some("ecs-svc/3".into()),
            arn: REDIS_ARN.into(),
        },
        Redeployed {
            service: "web".into(),
            deployment: Some("ecs-svc/2".into()),
            arn: SERVICE_ARN.into(),
        },
    ]
}

async fn wait(
    clients: &ecs_deploy::Clients,
    progress: &mut Recorder,
) -> Result<RolloutsEnded, ecs_deploy::Error> {
    wait_for_rollouts(
        clients,
        &redeployed(),
        Duration::from_millis(5),
        Duration::from_secs(60),
        progress,
        &mut Interrupts::none(),
    )
    .await
}

/// The command returns once ECS says every new deployment completed, not before.
#[tokio::test]
async fn waits_until_every_rollout_completed() {
    let polls = mock!(Ecs::describe_services)
        .sequence()
        .output(|| {
            DescribeServicesOutput::builder()
                .services(rolling(REDIS_ARN, "COMPLETED", "done", 1, 0))
                .services(rolling(SERVICE_ARN, "IN_PROGRESS", "", 0, 0))
                .build()
        })
        .output(|| {
            DescribeServicesOutput::builder()
                .services(rolling(SERVICE_ARN, "COMPLETED", "done", 1, 0))
                .build()
        })
        .build();
    let clients = Mocks {
        ecs: vec![polls.clone()],
        ..Default::default()
    }
    .clients();
    let mut progress = Recorder::default();
    assert_eq!(
        wait(&clients, &mut progress).await.unwrap(),
        RolloutsEnded::Completed
    );
    assert_eq!(polls.num_calls(), 2);
    assert!(progress.events.contains(&ProgressEvent::Info(
        "Service web rolled out (ecs-svc/2)".into()
    )));
}

/// A failed rollout fails the command, naming the service, ECS's reason and why its task stopped;
/// the other service is still followed to its end.
#[tokio::test]
async fn a_failed_rollout_fails_naming_the_service_and_why() {
    let polls = mock!(Ecs::describe_services)
        .sequence()
        .output(|| {
            DescribeServicesOutput::builder()
                .services(rolling(REDIS_ARN, "IN_PROGRESS", "", 0, 0))
                .services(rolling(
                    SERVICE_ARN,
                    "FAILED",
                    "ECS deployment circuit breaker: tasks failed to start.",
                    0,
                    1,
                ))
                .build()
        })
        .output(|| {
            DescribeServicesOutput::builder()
                .services(rolling(REDIS_ARN, "COMPLETED", "done", 1, 0))
                .build()
        })
        .build();
    let stopped = mock!(Ecs::list_tasks)
        .match_requests(|r| r.service_name() == Some("app-web"))
        .then_output(|| {
            aws_sdk_ecs::operation::list_tasks::ListTasksOutput::builder()
                .task_arns("arn:aws:ecs:us-east-1:123456789012:task/app-cluster/t1")
                .build()
        });
    let described_task = mock!(Ecs::describe_tasks).then_output(|| {
        aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput::builder()
            .tasks(
                aws_sdk_ecs::types::Task::builder()
                    .task_arn("arn:aws:ecs:us-east-1:123456789012:task/app-cluster/t1")
                    .started_by("ecs-svc/2")
                    .stopped_reason("Essential container in task exited")
                    .build(),
            )
            .build()
    });
    let clients = Mocks {
        ecs: vec![polls.clone(), stopped, described_task],
        ..Default::default()
    }
    .clients();
    let mut progress = Recorder::default();
    let err = wait(&clients, &mut progress).await.unwrap_err().to_string();
    assert!(
        err.contains("the new deployment of 1 service(s) failed")
            && err.contains(
                "web: ECS deployment circuit breaker: tasks failed to start.; last stopped task: \
                 Essential container in task exited"
            ),
        "{err}"
    );
    assert_eq!(polls.num_calls(), 2, "redis was followed to its end");
}

/// `restart web`: only the named service gets a new deployment; an unknown name is refused first.
#[tokio::test]
async fn restart_redeploys_only_the_named_services() {
    let web = updated(SERVICE_ARN, "ecs-svc/2");
    let redis = updated(REDIS_ARN, "ecs-svc/3");
    let clients = Mocks {
        cf: deployed_stack("UPDATE_COMPLETE", RESOURCES),
        ecs: vec![described(), web.clone(), redis.clone()],
        ..Default::default()
    }
    .clients();
    let done = force_new_deployment_of(&clients, "app", &["web".to_string()])
        .await
        .unwrap();
    let names: Vec<&str> = done.iter().map(|r| r.service.as_str()).collect();
    assert_eq!(names, ["web"]);
    assert_eq!((web.num_calls(), redis.num_calls()), (1, 0));

    let err = force_new_deployment_of(&clients, "app", &["api".to_string()])
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "no such service in project app: api (services: redis, web)"
    );
    assert_eq!((web.num_calls(), redis.num_calls()), (1, 0));
}

/// Services that cannot be read (no permission...) end the wait after a few polls, saying why,
/// instead of waiting for ever.
#[tokio::test]
async fn unreadable_services_end_the_wait_with_the_reason() {
    let denied = mock!(Ecs::describe_services).then_error(|| {
        aws_sdk_ecs::operation::describe_services::DescribeServicesError::generic(error(
            "AccessDeniedException",
            "not allowed to ecs:DescribeServices",
        ))
    });
    let clients = Mocks {
        ecs: vec![denied.clone()],
        ..Default::default()
    }
    .clients();
    let err = wait(&clients, &mut Recorder::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("cannot follow the new deployments (describing the ECS services of cluster app-cluster: AccessDeniedException"),
        "{err}"
    );
    assert_eq!(denied.num_calls(), 3);
}
