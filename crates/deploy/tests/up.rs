//! `up` against mocked AWS APIs: create, update, no change (both ways), failure with rollback,
//! throttling, a stack left in ROLLBACK_COMPLETE, Ctrl-C, large templates.

use std::time::Duration;

use crate::support::*;
use aws_sdk_cloudformation::operation::cancel_update_stack::CancelUpdateStackOutput;
use aws_sdk_cloudformation::operation::delete_stack::DeleteStackOutput;
use aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput;
use aws_sdk_cloudformation::operation::describe_stack_events::{
    DescribeStackEventsError, DescribeStackEventsOutput,
};
use aws_sdk_cloudformation::operation::describe_stacks::{
    DescribeStacksError, DescribeStacksOutput,
};
use aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetOutput;
use aws_sdk_cloudformation::types::{ChangeSetStatus, ChangeSetType, StackEvent};
use aws_sdk_cloudformation::Client as Cf;
use aws_smithy_mocks::{mock, Rule};
use ecs_deploy::progress::{ProgressEvent, Recorder};
use ecs_deploy::up::{up, UpOptions, UpOutcome};
use ecs_deploy::Error;
use ecs_deploy::Interrupts;
use template_builder::Built;

fn options() -> UpOptions {
    UpOptions {
        detach: false,
        poll_interval: Duration::from_millis(5),
        ..UpOptions::default()
    }
}

/// `up` of project `app` with the test options and no Ctrl-C.
async fn up_app(mocks: &Mocks, built: &Built, progress: &mut Recorder) -> Result<UpOutcome, Error> {
    up(
        &mocks.clients(),
        "app",
        built,
        &options(),
        progress,
        &mut Interrupts::none(),
    )
    .await
}

fn resources(events: &[ProgressEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Resource {
                description,
                status,
                ..
            } => Some((description.clone(), status.clone())),
            _ => None,
        })
        .collect()
}

fn infos(events: &[ProgressEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Info(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

fn create_events() -> (Vec<StackEvent>, Vec<StackEvent>) {
    let first = vec![
        stack_event("e1", "CREATE_IN_PROGRESS", Some("User Initiated"), 10),
        event(
            "e2",
            "LoadBalancer",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "CREATE_IN_PROGRESS",
            None,
            11,
        ),
        with_physical_id(
            event(
                "e3",
                "WebService",
                "AWS::ECS::Service",
                "CREATE_IN_PROGRESS",
                Some("Resource creation Initiated"),
                12,
            ),
            SERVICE_ARN,
        ),
    ];
    let mut all = first.clone();
    all.extend([
        event(
            "e4",
            "LoadBalancer",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "CREATE_COMPLETE",
            None,
            13,
        ),
        with_physical_id(
            event(
                "e5",
                "WebService",
                "AWS::ECS::Service",
                "CREATE_COMPLETE",
                None,
                14,
            ),
            SERVICE_ARN,
        ),
        stack_event("e6", "CREATE_COMPLETE", None, 15),
    ]);
    (first, all)
}

fn rollout_mocks() -> Vec<Rule> {
    rollout_mocks_stopping(|| {
        aws_sdk_ecs::types::Task::builder()
            .task_arn("arn:aws:ecs:us-east-1:1:task/app-cluster/abc123")
            .started_by("ecs-svc/1")
            .stopped_reason("Essential container in task exited")
            .containers(
                aws_sdk_ecs::types::Container::builder()
                    .name("web")
                    .exit_code(137)
                    .build(),
            )
            .build()
    })
}

/// The web service of a create rolls out with one failed task: `stopped`.
fn rollout_mocks_stopping(stopped: fn() -> aws_sdk_ecs::types::Task) -> Vec<Rule> {
    use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
    use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
    use aws_sdk_ecs::operation::list_tasks::ListTasksOutput;
    use aws_sdk_ecs::types::{Deployment, DesiredStatus, Service};
    use aws_sdk_ecs::Client as Ecs;
    vec![
        mock!(Ecs::describe_services)
            .match_requests(|r| r.cluster() == Some("app-cluster") && r.services() == [SERVICE_ARN])
            .then_output(|| {
                DescribeServicesOutput::builder()
                    .services(
                        Service::builder()
                            .service_arn(SERVICE_ARN)
                            .deployments(
                                Deployment::builder()
                                    .id("ecs-svc/1")
                                    .status("PRIMARY")
                                    .desired_count(2)
                                    .running_count(1)
                                    .failed_tasks(1)
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            }),
        mock!(Ecs::list_tasks)
            .match_requests(|r| {
                r.service_name() == Some("app-web")
                    && r.desired_status() == Some(&DesiredStatus::Stopped)
            })
            .then_output(|| {
                ListTasksOutput::builder()
                    .task_arns("arn:aws:ecs:us-east-1:1:task/app-cluster/abc123")
                    .build()
            }),
        mock!(Ecs::describe_tasks)
            .then_output(move || DescribeTasksOutput::builder().tasks(stopped()).build()),
    ]
}

#[tokio::test]
async fn create_reports_each_resource_once_rollouts_and_urls() {
    let (first, all) = create_events();
    let mocks = Mocks {
        cf: Deployment::create()
            .polled(&["CREATE_IN_PROGRESS", "CREATE_COMPLETE"])
            .events(vec![first, all])
            .rules(),
        ecs: rollout_mocks(),
        ..Default::default()
    };
    let clients = mocks.clients();
    let mut progress = Recorder::default();
    let outcome = up(
        &clients,
        "app",
        &small_built(),
        &options(),
        &mut progress,
        &mut Interrupts::none(),
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Deployed {
            created: true,
            status: "CREATE_COMPLETE".into(),
            urls: vec!["http://app-lb-1.us-east-1.elb.amazonaws.com".into()],
        }
    );
    assert_eq!(
        resources(&progress.events),
        [
            pair("Stack app", "CREATE_IN_PROGRESS"),
            pair("Load balancer", "CREATE_IN_PROGRESS"),
            pair("web service", "CREATE_IN_PROGRESS"),
            pair("Load balancer", "CREATE_COMPLETE"),
            pair("web service", "CREATE_COMPLETE"),
            pair("Stack app", "CREATE_COMPLETE"),
        ]
    );
    assert!(progress.events.contains(&ProgressEvent::Rollout {
        service: "web service".into(),
        desired: 2,
        running: 1,
        pending: 0,
        failed: 1,
    }));
    assert!(progress.events.contains(&ProgressEvent::TaskStopped {
        service: "web service".into(),
        task: "abc123".into(),
        reason: "Essential container in task exited; web: exit code 137".into(),
    }));
    assert_eq!(infos(&progress.events), ["Creating stack app"]);
    assert!(
        matches!(progress.events.last(), Some(ProgressEvent::Finished { status, urls, .. })
        if status == "CREATE_COMPLETE" && urls.len() == 1)
    );
}

#[tokio::test]
async fn update_reports_only_this_operations_events() {
    let old = vec![
        stack_event("old1", "CREATE_IN_PROGRESS", None, 1),
        stack_event("old2", "CREATE_COMPLETE", None, 2),
    ];
    let mut later = old.clone();
    later.extend([
        stack_event("u1", "UPDATE_IN_PROGRESS", Some("User Initiated"), 20),
        event(
            "u2",
            "WebService",
            "AWS::ECS::Service",
            "UPDATE_COMPLETE",
            None,
            21,
        ),
        stack_event("u3", "UPDATE_COMPLETE", None, 22),
    ]);
    let mocks = Mocks {
        cf: Deployment::update("CREATE_COMPLETE")
            .polled(&["UPDATE_COMPLETE"])
            .events(vec![old, later])
            .rules(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up_app(&mocks, &small_built(), &mut progress).await.unwrap();
    assert!(
        matches!(outcome, UpOutcome::Deployed { created: false, ref status, .. } if status == "UPDATE_COMPLETE")
    );
    assert_eq!(
        resources(&progress.events),
        [
            pair("Stack app", "UPDATE_IN_PROGRESS"),
            pair("web service", "UPDATE_COMPLETE"),
            pair("Stack app", "UPDATE_COMPLETE"),
        ]
    );
    assert_eq!(infos(&progress.events), ["Updating stack app"]);
}

/// A secret's new content (its file changed) updates the secret, but running tasks read it when they
/// started: up says how to restart them.
#[tokio::test]
async fn an_updated_secret_says_running_tasks_keep_the_old_value() {
    let old = vec![stack_event("old1", "CREATE_COMPLETE", None, 2)];
    let mut later = old.clone();
    later.extend([
        stack_event("u1", "UPDATE_IN_PROGRESS", Some("User Initiated"), 20),
        event(
            "u2",
            "DbPasswordSecret",
            "AWS::SecretsManager::Secret",
            "UPDATE_COMPLETE",
            None,
            21,
        ),
        stack_event("u3", "UPDATE_COMPLETE", None, 22),
    ]);
    let mocks = Mocks {
        cf: Deployment::update("CREATE_COMPLETE")
            .polled(&["UPDATE_COMPLETE"])
            .events(vec![old, later])
            .rules(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    up_app(&mocks, &small_built(), &mut progress).await.unwrap();
    assert_eq!(
        infos(&progress.events),
        [
            "Updating stack app",
            "Secret (DbPasswordSecret) has a new value; running tasks read secrets when they start: \
             `docker ecs up --force-new-deployment` restarts them with it"
        ]
    );
}

#[tokio::test]
async fn failed_change_set_without_changes_is_success_and_is_cleaned_up() {
    let delete_change_set = change_set_deleted();
    let mocks = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            change_set_created(ChangeSetType::Update),
            change_set_failed(NO_CHANGES_REASON),
            delete_change_set.clone(),
            // No ExecuteChangeSet rule: executing would fail the test.
            event_pages(vec![vec![]]),
        ],
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up_app(&mocks, &small_built(), &mut progress).await.unwrap();
    assert_eq!(outcome, UpOutcome::NoChanges);
    assert_eq!(delete_change_set.num_calls(), 1);
    assert!(infos(&progress.events)[0].starts_with("Nothing to update"));
}

#[tokio::test]
async fn validation_error_no_updates_is_success() {
    let mocks = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            change_set_refused_no_updates(),
        ],
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up_app(&mocks, &small_built(), &mut progress).await.unwrap();
    assert_eq!(outcome, UpOutcome::NoChanges);
}

/// Nothing to update still tells where the app is, as a first `up` did.
#[tokio::test]
async fn nothing_to_update_still_shows_the_app_urls() {
    let deployed = mock!(Cf::describe_stacks)
        .match_requests(|r| r.stack_name() == Some("app"))
        .then_output(|| {
            DescribeStacksOutput::builder()
                .stacks(stack_with_url(STACK_ID, "UPDATE_COMPLETE"))
                .build()
        });
    let mocks = Mocks {
        cf: vec![deployed, change_set_refused_no_updates()],
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up_app(&mocks, &small_built(), &mut progress).await.unwrap();
    assert_eq!(outcome, UpOutcome::NoChanges);
    assert_eq!(
        progress.events.last(),
        Some(&ProgressEvent::Finished {
            stack: "app".into(),
            status: "UPDATE_COMPLETE".into(),
            urls: vec!["http://app-lb-1.us-east-1.elb.amazonaws.com".into()],
        })
    );
}

/// A service whose tasks keep exiting: what the first stopped task logged is read while it
/// fails (the rollback of a first create deletes the log group) and is in the error.
#[tokio::test]
async fn a_failed_rollout_shows_the_stopped_tasks_last_log_lines() {
    use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsOutput;
    use aws_sdk_cloudwatchlogs::types::OutputLogEvent;
    use aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput;
    use aws_sdk_ecs::types::{
        Container, ContainerDefinition, LogConfiguration, LogDriver, Task, TaskDefinition,
    };
    use aws_sdk_ecs::Client as Ecs;
    const DEFINITION: &str = "arn:aws:ecs:us-east-1:1:task-definition/app-web:1";
    let breaker = "Resource handler returned message: \"Error occurred during operation \
                   'ECS Deployment Circuit Breaker was triggered'.\"";
    let creating = vec![
        stack_event("f1", "CREATE_IN_PROGRESS", Some("User Initiated"), 10),
        with_physical_id(
            event(
                "f2",
                "WebService",
                "AWS::ECS::Service",
                "CREATE_IN_PROGRESS",
                None,
                11,
            ),
            SERVICE_ARN,
        ),
    ];
    let mut all = creating.clone();
    all.extend([
        with_physical_id(
            event(
                "f3",
                "WebService",
                "AWS::ECS::Service",
                "CREATE_FAILED",
                Some(breaker),
                12,
            ),
            SERVICE_ARN,
        ),
        stack_event("f4", "ROLLBACK_IN_PROGRESS", None, 13),
        event(
            "f5",
            "WebService",
            "AWS::ECS::Service",
            "DELETE_COMPLETE",
            None,
            14,
        ),
        stack_event("f6", "ROLLBACK_COMPLETE", None, 15),
    ]);
    let mut ecs = rollout_mocks_stopping(|| {
        Task::builder()
            .task_arn("arn:aws:ecs:us-east-1:1:task/app-cluster/abc123")
            .task_definition_arn(DEFINITION)
            .started_by("ecs-svc/1")
            .stopped_reason("Essential container in task exited")
            .containers(Container::builder().name("web").exit_code(1).build())
            .build()
    });
    ecs.push(
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
                            .container_definitions(
                                ContainerDefinition::builder()
                                    .name("web")
                                    .log_configuration(logging)
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            }),
    );
    let log_events = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
        .match_requests(|r| {
            r.log_group_name() == Some("/docker-compose/app")
                && r.log_stream_name() == Some("app/web/abc123")
                && r.start_from_head() == Some(false)
        })
        .then_output(|| {
            GetLogEventsOutput::builder()
                .events(
                    OutputLogEvent::builder()
                        .message("listening on :8080\n")
                        .build(),
                )
                .events(
                    OutputLogEvent::builder()
                        .message("panic: DATABASE_URL is not set")
                        .build(),
                )
                .build()
        });
    let mocks = Mocks {
        cf: Deployment::create()
            .polled(&["CREATE_IN_PROGRESS", "ROLLBACK_COMPLETE"])
            .events(vec![creating, all])
            .rules(),
        ecs,
        logs: vec![log_events.clone()],
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let message = up_app(&mocks, &small_built(), &mut progress)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        log_events.num_calls(),
        1,
        "read once, for the first stopped task"
    );
    assert!(progress.events.contains(&ProgressEvent::TaskLogs {
        service: "web service".into(),
        task: "abc123".into(),
        lines: vec![
            "listening on :8080".into(),
            "panic: DATABASE_URL is not set".into()
        ],
    }));
    assert!(
        message.contains(
            "last log lines of task abc123 (web):\n  listening on :8080\n  panic: DATABASE_URL is not set\nmore: docker ecs logs web"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn failed_create_names_the_first_real_cause_and_fails() {
    let events = vec![
        stack_event("f1", "CREATE_IN_PROGRESS", Some("User Initiated"), 10),
        // Cancelled first: it is a consequence, not the cause.
        event("f2", "LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer", "CREATE_FAILED", Some("Resource creation cancelled"), 11),
        event("f3", "WebService", "AWS::ECS::Service", "CREATE_FAILED",
              Some("Resource handler returned message: \"CannotPullContainerError: pull image manifest has been retried 5 time(s): nginx:nope not found\""), 12),
        stack_event("f4", "ROLLBACK_IN_PROGRESS", Some("The following resource(s) failed to create: [WebService, LoadBalancer]. Rollback requested by user."), 13),
        event("f5", "WebService", "AWS::ECS::Service", "DELETE_COMPLETE", None, 14),
        stack_event("f6", "ROLLBACK_COMPLETE", None, 15),
    ];
    let mocks = Mocks {
        cf: Deployment::create()
            .polled(&["ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"])
            .events(vec![events[..2].to_vec(), events.clone()])
            .rules(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let err = up_app(&mocks, &small_built(), &mut progress)
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::DeployFailed(_)));
    assert!(message.starts_with("web service (WebService) failed: Resource handler returned message: \"CannotPullContainerError"), "{message}");
    assert!(message.contains("ROLLBACK_COMPLETE"), "{message}");
    let failures: Vec<_> = progress
        .events
        .iter()
        .filter(|e| matches!(e, ProgressEvent::Failure { .. }))
        .collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        matches!(failures[0], ProgressEvent::Failure { resource, reason } if resource == "web service" && reason.contains("nginx:nope not found"))
    );
}

#[tokio::test]
async fn throttled_polls_are_retried_and_the_deploy_succeeds() {
    let (first, all) = create_events();
    let (first2, all2) = (first.clone(), all.clone());
    let events = mock!(Cf::describe_stack_events)
        .sequence()
        .error(|| DescribeStackEventsError::generic(throttling()))
        .output(move || {
            DescribeStackEventsOutput::builder()
                .set_stack_events(Some(newest_first(&first2)))
                .build()
        })
        .error(|| DescribeStackEventsError::generic(throttling()))
        .times(2)
        .output(move || {
            DescribeStackEventsOutput::builder()
                .set_stack_events(Some(newest_first(&all2)))
                .build()
        })
        .repeatedly()
        .build();
    let statuses = mock!(Cf::describe_stacks)
        .match_requests(|r| r.stack_name() == Some(STACK_ID))
        .sequence()
        .error(|| DescribeStacksError::generic(throttling()))
        .output(|| {
            DescribeStacksOutput::builder()
                .stacks(stack(STACK_ID, "CREATE_IN_PROGRESS"))
                .build()
        })
        .output(|| {
            DescribeStacksOutput::builder()
                .stacks(stack(STACK_ID, "CREATE_COMPLETE"))
                .build()
        })
        .repeatedly()
        .build();
    let mocks = Mocks {
        cf: vec![
            missing_stack(),
            statuses,
            change_set_created(ChangeSetType::Create),
            change_set_ready(),
            executed(),
            events.clone(),
        ],
        ecs: rollout_mocks(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up_app(&mocks, &small_built(), &mut progress).await.unwrap();
    assert!(
        matches!(outcome, UpOutcome::Deployed { ref status, .. } if status == "CREATE_COMPLETE")
    );
    assert!(events.num_calls() >= 4);
    // Every event shown once, in order, despite the failed polls.
    assert_eq!(resources(&progress.events).len(), all.len());
    assert_eq!(
        resources(&progress.events).last(),
        Some(&pair("Stack app", "CREATE_COMPLETE"))
    );
}

#[tokio::test]
async fn stack_left_in_rollback_complete_is_deleted_before_creating_again() {
    let by_name = mock!(Cf::describe_stacks)
        .match_requests(|r| r.stack_name() == Some("app"))
        .then_output(|| {
            DescribeStacksOutput::builder()
                .stacks(stack(OLD_STACK_ID, "ROLLBACK_COMPLETE"))
                .build()
        });
    let old_deleted = mock!(Cf::describe_stacks)
        .match_requests(|r| r.stack_name() == Some(OLD_STACK_ID))
        .sequence()
        .output(|| {
            DescribeStacksOutput::builder()
                .stacks(stack(OLD_STACK_ID, "DELETE_IN_PROGRESS"))
                .build()
        })
        .output(|| {
            DescribeStacksOutput::builder()
                .stacks(stack(OLD_STACK_ID, "DELETE_COMPLETE"))
                .build()
        })
        .repeatedly()
        .build();
    let delete_old = mock!(Cf::delete_stack)
        .match_requests(|r| r.stack_name() == Some(OLD_STACK_ID))
        .then_output(|| DeleteStackOutput::builder().build());
    let (_, all) = create_events();
    let old_events = mock!(Cf::describe_stack_events)
        .match_requests(|r| r.stack_name() == Some(OLD_STACK_ID))
        .then_output(|| DescribeStackEventsOutput::builder().build());
    let mocks = Mocks {
        cf: vec![
            by_name,
            old_deleted,
            delete_old.clone(),
            old_events,
            stack_statuses(&["CREATE_COMPLETE"]),
            change_set_created(ChangeSetType::Create),
            change_set_ready(),
            executed(),
            event_pages(vec![all]),
        ],
        ecs: rollout_mocks(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up_app(&mocks, &small_built(), &mut progress).await.unwrap();
    assert!(matches!(outcome, UpOutcome::Deployed { created: true, .. }));
    assert_eq!(delete_old.num_calls(), 1);
    let infos = infos(&progress.events);
    assert!(
        infos[0].contains("ROLLBACK_COMPLETE") && infos[0].contains("deleting it first"),
        "{infos:?}"
    );
    assert_eq!(infos[1], "Creating stack app");
}

#[tokio::test]
async fn ctrl_c_during_a_create_deletes_the_partial_stack() {
    let (sender, mut interrupts) = Interrupts::channel();
    let execute = mock!(Cf::execute_change_set).then_compute_output(move |_| {
        // The user presses Ctrl-C while the stack is being created.
        let _ = sender.send(());
        ExecuteChangeSetOutput::builder().build()
    });
    let delete = stack_deleted();
    let (first, _) = create_events();
    let mocks = Mocks {
        cf: Deployment::create()
            .polled(&["CREATE_IN_PROGRESS", "DELETE_COMPLETE"])
            .execute(execute)
            .with(delete.clone())
            .events(vec![first])
            .rules(),
        ecs: rollout_mocks(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options(),
        &mut progress,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Cancelled {
            status: "DELETE_COMPLETE".into()
        }
    );
    assert_eq!(delete.num_calls(), 1);
    assert!(infos(&progress.events)
        .iter()
        .any(|i| i.starts_with("Interrupted: deleting the partially created stack app")));
}

#[tokio::test]
async fn ctrl_c_during_an_update_cancels_it_and_never_deletes() {
    let (sender, mut interrupts) = Interrupts::channel();
    let execute = mock!(Cf::execute_change_set).then_compute_output(move |_| {
        let _ = sender.send(());
        ExecuteChangeSetOutput::builder().build()
    });
    let cancel = mock!(Cf::cancel_update_stack)
        .match_requests(|r| r.stack_name() == Some(STACK_ID))
        .then_output(|| CancelUpdateStackOutput::builder().build());
    let mocks = Mocks {
        // No DeleteStack rule: deleting would fail the test.
        cf: Deployment::update("UPDATE_COMPLETE")
            .polled(&["UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"])
            .execute(execute)
            .with(cancel.clone())
            .events(vec![vec![]])
            .rules(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options(),
        &mut progress,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Cancelled {
            status: "UPDATE_ROLLBACK_COMPLETE".into()
        }
    );
    assert_eq!(cancel.num_calls(), 1);
}

#[tokio::test]
async fn second_ctrl_c_leaves_the_stack_to_cloudformation() {
    let (sender, mut interrupts) = Interrupts::channel();
    let execute = mock!(Cf::execute_change_set).then_compute_output(move |_| {
        let _ = sender.send(());
        let _ = sender.send(());
        ExecuteChangeSetOutput::builder().build()
    });
    let delete = stack_deleted();
    let mocks = Mocks {
        cf: Deployment::create()
            .polled(&["CREATE_IN_PROGRESS"])
            .execute(execute)
            .with(delete.clone())
            .events(vec![vec![]])
            .rules(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options(),
        &mut progress,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::LeftRunning {
            stack_id: STACK_ID.into()
        }
    );
    assert_eq!(delete.num_calls(), 1);
}

#[tokio::test]
async fn detach_returns_once_the_change_set_executes() {
    let mocks = Mocks {
        cf: Deployment::create().rules(),
        ..Default::default()
    };
    let options = UpOptions {
        detach: true,
        ..options()
    };
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options,
        &mut progress,
        &mut Interrupts::none(),
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Detached {
            stack_id: STACK_ID.into()
        }
    );
    // ps shows tasks, not the deployment: ls shows the stack's status.
    assert_eq!(
        infos(&progress.events).last().map(String::as_str),
        Some(
            "Change set executing; follow it with `docker ecs ls` (the stack's status) and \
             `docker ecs ps` (the tasks), or in the CloudFormation console (stack app)"
        )
    );
}

#[tokio::test]
async fn detach_does_not_swallow_a_ctrl_c_pressed_during_execution() {
    let (sender, mut interrupts) = Interrupts::channel();
    let execute = mock!(Cf::execute_change_set).then_compute_output(move |_| {
        let _ = sender.send(());
        ExecuteChangeSetOutput::builder().build()
    });
    let delete = stack_deleted();
    let mocks = Mocks {
        cf: Deployment::create()
            .polled(&["CREATE_IN_PROGRESS", "DELETE_COMPLETE"])
            .execute(execute)
            .with(delete.clone())
            .events(vec![vec![]])
            .rules(),
        ..Default::default()
    };
    let options = UpOptions {
        detach: true,
        ..options()
    };
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options,
        &mut Recorder::default(),
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Cancelled {
            status: "DELETE_COMPLETE".into()
        }
    );
    assert_eq!(delete.num_calls(), 1);
}

/// A create or a delete in progress is refused, naming the status.
#[tokio::test]
async fn a_stack_being_created_or_deleted_is_refused() {
    for status in ["CREATE_IN_PROGRESS", "DELETE_IN_PROGRESS"] {
        let mocks = Mocks {
            cf: vec![existing_stack(status)],
            ..Default::default()
        };
        let err = up_app(&mocks, &small_built(), &mut Recorder::default())
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains(&format!("busy ({status})")),
            "{err}"
        );
    }
}

/// The stack as found by name: first `first`, then `then` for good.
fn found_then(first: &'static str, then: &'static str) -> Rule {
    mock!(Cf::describe_stacks)
        .match_requests(|r| r.stack_name() == Some("app"))
        .sequence()
        .output(move || {
            DescribeStacksOutput::builder()
                .stacks(stack(STACK_ID, first))
                .build()
        })
        .output(move || {
            DescribeStacksOutput::builder()
                .stacks(stack(STACK_ID, then))
                .build()
        })
        .repeatedly()
        .build()
}

/// Another run's update is followed to its end (here a rollback, said with its reason), then this
/// run deploys its own compose file.
#[tokio::test]
async fn an_update_in_progress_is_followed_then_this_deployment_runs() {
    let mocks = Mocks {
        cf: Deployment::update("UPDATE_ROLLBACK_COMPLETE")
            .found(found_then("UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"))
            .polled(&[
                "UPDATE_IN_PROGRESS",
                "UPDATE_ROLLBACK_COMPLETE",
                "UPDATE_COMPLETE",
            ])
            .events(vec![vec![]])
            .rules(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up_app(&mocks, &small_built(), &mut progress).await.unwrap();
    assert!(
        matches!(outcome, UpOutcome::Deployed { created: false, ref status, .. } if status == "UPDATE_COMPLETE"),
        "{outcome:?}"
    );
    let said = infos(&progress.events);
    assert_eq!(
        said[0],
        "Stack app is being updated by another deployment (UPDATE_IN_PROGRESS): following it \
         to its end, then deploying this compose file"
    );
    assert!(
        said[1].starts_with("The other deployment of stack app failed: ")
            && said[1].contains("UPDATE_ROLLBACK_COMPLETE"),
        "{said:?}"
    );
    assert_eq!(said[2], "Updating stack app");
}

/// `up -d` returns at once when another run is updating the stack, saying this file is not deployed.
#[tokio::test]
async fn detach_returns_at_once_while_another_update_runs() {
    let mocks = Mocks {
        // Nothing but the look at the stack: a change set would fail the test.
        cf: vec![existing_stack("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")],
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &UpOptions {
            detach: true,
            ..options()
        },
        &mut progress,
        &mut Interrupts::none(),
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Detached {
            stack_id: STACK_ID.into()
        }
    );
    let said = infos(&progress.events);
    assert!(
        said[0].contains("not waiting (--detach)") && said[0].contains("not deployed yet"),
        "{said:?}"
    );
}

/// A Ctrl-C while following another run's update stops watching and cancels nothing.
#[tokio::test]
async fn ctrl_c_while_following_another_update_cancels_nothing() {
    let (sender, mut interrupts) = Interrupts::channel();
    let events = mock!(Cf::describe_stack_events).then_compute_output(move |_| {
        let _ = sender.send(());
        DescribeStackEventsOutput::builder().build()
    });
    let mocks = Mocks {
        // No CancelUpdateStack rule: cancelling would fail the test.
        cf: Deployment::update("UPDATE_IN_PROGRESS")
            .polled(&["UPDATE_IN_PROGRESS"])
            .events_rule(events)
            .rules(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options(),
        &mut progress,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::LeftRunning {
            stack_id: STACK_ID.into()
        }
    );
    assert!(
        infos(&progress.events)
            .last()
            .is_some_and(|t| t.contains("nothing of this run was deployed")),
        "{:?}",
        progress.events
    );
}

/// A stack CloudFormation accepts no change set for says what to do first; nothing is sent.
#[tokio::test]
async fn a_stuck_stack_says_what_to_do_first() {
    for (status, advice) in [
        (
            "UPDATE_ROLLBACK_FAILED",
            "aws cloudformation continue-update-rollback --stack-name app",
        ),
        ("DELETE_FAILED", "run `docker ecs down -p app` again"),
    ] {
        let mocks = Mocks {
            cf: vec![existing_stack(status)],
            ..Default::default()
        };
        let err = up_app(&mocks, &small_built(), &mut Recorder::default())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("stack app is in {status}: ")) && err.contains(advice),
            "{err}"
        );
    }
}

#[tokio::test]
async fn failed_execution_of_a_create_removes_the_empty_stack() {
    use aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetError;
    let delete = stack_deleted();
    let mocks = Mocks {
        cf: vec![
            missing_stack(),
            change_set_created(ChangeSetType::Create),
            change_set_ready(),
            mock!(Cf::execute_change_set).then_error(|| {
                ExecuteChangeSetError::generic(error(
                    "ValidationError",
                    "Template error: instance of Fn::GetAtt references undefined resource WebDiscovery",
                ))
            }),
            delete.clone(),
            stack_statuses(&["REVIEW_IN_PROGRESS"]),
            change_set_deleted(),
            change_sets_listed(&[]),
        ],
        ..Default::default()
    };
    let err = up_app(&mocks, &small_built(), &mut Recorder::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "executing the change set: ValidationError: Template error: instance of Fn::GetAtt references undefined resource WebDiscovery"
    );
    assert_eq!(delete.num_calls(), 1);
}

/// What `up` says it removed after cs-1 of a stack it created.
const REMOVED_CHANGE_SET_AND_STACK: &str =
    "Interrupted before any change was made: removed change set cs-1 \
     and the empty stack app (REVIEW_IN_PROGRESS) the change set created";

#[tokio::test]
async fn ctrl_c_while_the_change_set_is_prepared_discards_it_and_the_empty_stack() {
    let (sender, mut interrupts) = Interrupts::channel();
    let pending = mock!(Cf::describe_change_set).then_compute_output(move |_| {
        let _ = sender.send(());
        DescribeChangeSetOutput::builder()
            .status(ChangeSetStatus::CreatePending)
            .build()
    });
    let discard = change_set_deleted();
    let delete = stack_deleted();
    let execute = executed();
    let mocks = Mocks {
        cf: vec![
            missing_stack(),
            change_set_created(ChangeSetType::Create),
            pending,
            discard.clone(),
            delete.clone(),
            stack_statuses(&["REVIEW_IN_PROGRESS"]),
            change_sets_listed(&[]),
            execute.clone(),
        ],
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options(),
        &mut progress,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Cancelled {
            status: "change set discarded".into()
        }
    );
    assert_eq!((discard.num_calls(), delete.num_calls()), (1, 1));
    assert_eq!(execute.num_calls(), 0);
    assert_eq!(infos(&progress.events), [REMOVED_CHANGE_SET_AND_STACK]);
}

const WAITING_FOR_CREATE_CHANGE_SET: &str =
    "Interrupted: waiting for CloudFormation to answer the \
     change set request, then removing what it made";

#[tokio::test]
async fn ctrl_c_during_create_change_set_removes_the_change_set_and_the_stack_it_made() {
    let (sender, mut interrupts) = Interrupts::channel();
    let described = change_set_ready();
    let discard = change_set_deleted();
    let delete = stack_deleted();
    let execute = executed();
    let mocks = Mocks {
        cf: vec![
            missing_stack(),
            change_set_created_during_ctrl_c(sender, 1),
            described.clone(),
            discard.clone(),
            delete.clone(),
            stack_statuses(&["REVIEW_IN_PROGRESS"]),
            change_sets_listed(&[]),
            execute.clone(),
        ],
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options(),
        &mut progress,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Cancelled {
            status: "change set discarded".into()
        }
    );
    assert_eq!((discard.num_calls(), delete.num_calls()), (1, 1));
    assert_eq!((described.num_calls(), execute.num_calls()), (0, 0));
    let infos = infos(&progress.events);
    // Either said while the call is in flight, or not at all when it had already answered.
    let said = if infos.len() == 2 {
        assert_eq!(infos[0], WAITING_FOR_CREATE_CHANGE_SET);
        &infos[1]
    } else {
        &infos[0]
    };
    assert_eq!(said, REMOVED_CHANGE_SET_AND_STACK, "{infos:?}");
}

#[tokio::test]
async fn ctrl_c_during_create_change_set_of_an_update_never_deletes_the_stack() {
    let (sender, mut interrupts) = Interrupts::channel();
    let discard = change_set_deleted();
    let delete = stack_deleted();
    let execute = executed();
    let mocks = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            change_set_created_during_ctrl_c(sender, 1),
            discard.clone(),
            delete.clone(),
            execute.clone(),
        ],
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options(),
        &mut progress,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Cancelled {
            status: "change set discarded".into()
        }
    );
    assert_eq!(
        (discard.num_calls(), delete.num_calls(), execute.num_calls()),
        (1, 0, 0)
    );
    assert_eq!(
        infos(&progress.events).last().map(String::as_str),
        Some("Interrupted before any change was made: removed change set cs-1")
    );
}

#[tokio::test]
async fn ctrl_c_during_create_change_set_answered_no_updates_is_not_success() {
    let (sender, mut interrupts) = Interrupts::channel();
    let mocks = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            mock!(Cf::create_change_set).then_compute_response(move |_| {
                let _ = sender.send(());
                aws_smithy_mocks::MockResponse::Error(no_updates())
            }),
        ],
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options(),
        &mut progress,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Cancelled {
            status: "nothing created".into()
        }
    );
    assert_eq!(
        infos(&progress.events).last().map(String::as_str),
        Some("Interrupted before anything was created: stack app is as it was")
    );
}

#[tokio::test]
async fn ctrl_c_before_the_change_set_creates_nothing() {
    let (sender, mut interrupts) = Interrupts::channel();
    sender.send(()).unwrap();
    let created = change_set_created(ChangeSetType::Create);
    let mocks = Mocks {
        cf: vec![missing_stack(), created.clone()],
        ..Default::default()
    };
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options(),
        &mut Recorder::default(),
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Cancelled {
            status: "nothing created".into()
        }
    );
    assert_eq!(created.num_calls(), 0);
}

#[tokio::test]
async fn ctrl_c_once_the_change_set_is_ready_discards_it_instead_of_executing() {
    let (sender, mut interrupts) = Interrupts::channel();
    // The baseline of the update's events is read between readiness and execution.
    let events = mock!(Cf::describe_stack_events).then_compute_output(move |_| {
        let _ = sender.send(());
        DescribeStackEventsOutput::builder().build()
    });
    let discard = change_set_deleted();
    let execute = executed();
    let mocks = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            change_set_created(ChangeSetType::Update),
            change_set_ready(),
            events,
            discard.clone(),
            execute.clone(),
            // No DeleteStack or CancelUpdateStack rule: either would fail the test.
        ],
        ..Default::default()
    };
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options(),
        &mut Recorder::default(),
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Cancelled {
            status: "change set discarded".into()
        }
    );
    assert_eq!((discard.num_calls(), execute.num_calls()), (1, 0));
}

#[tokio::test]
async fn ctrl_c_removes_the_uploaded_template_too() {
    let (sender, mut interrupts) = Interrupts::channel();
    let LargeTemplate { mocks, deleted, .. } = large_template_mocks(vec![
        mock!(Cf::create_change_set)
            .match_requests(reads_uploaded_template)
            .then_compute_output(ctrl_c_then_answer(sender, 1)),
        change_set_deleted(),
        stack_deleted(),
        stack_statuses(&["REVIEW_IN_PROGRESS"]),
        change_sets_listed(&[]),
    ]);
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &large_built(),
        &options(),
        &mut progress,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        UpOutcome::Cancelled {
            status: "change set discarded".into()
        }
    );
    assert_eq!(deleted.num_calls(), 1);
    let said = infos(&progress.events).last().cloned().unwrap_or_default();
    assert!(
        said.starts_with(&format!(
            "Interrupted before any change was made: removed change set cs-1, the empty stack app \
             (REVIEW_IN_PROGRESS) the change set created and the uploaded template \
             s3://{TEMPLATE_BUCKET}/app/"
        )) && said.ends_with(".json"),
        "{said}"
    );
}

#[tokio::test]
async fn a_rejected_change_set_removes_the_uploaded_template() {
    let LargeTemplate { mocks, deleted, .. } = large_template_mocks(vec![
        change_set_created_from_upload(),
        change_set_failed("Template format error: Unresolved resource dependencies [Missing]"),
        stack_deleted(),
        stack_statuses(&["REVIEW_IN_PROGRESS"]),
        change_set_deleted(),
        change_sets_listed(&[]),
    ]);
    let err = up_app(&mocks, &large_built(), &mut Recorder::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("Unresolved resource dependencies"),
        "{err}"
    );
    assert_eq!(deleted.num_calls(), 1);
}

#[tokio::test]
async fn a_deployed_large_template_is_left_to_the_bucket_expiry() {
    let (_, all) = create_events();
    let LargeTemplate { mocks, deleted, .. } = large_template_mocks(vec![
        stack_statuses(&["CREATE_COMPLETE"]),
        change_set_created_from_upload(),
        change_set_ready(),
        executed(),
        event_pages(vec![all]),
    ]);
    let mut mocks = mocks;
    mocks.ecs = rollout_mocks();
    let outcome = up_app(&mocks, &large_built(), &mut Recorder::default())
        .await
        .unwrap();
    assert!(matches!(outcome, UpOutcome::Deployed { created: true, .. }));
    assert_eq!(deleted.num_calls(), 0);
}

#[tokio::test]
async fn stack_in_review_is_created_with_a_create_change_set() {
    let (_, all) = create_events();
    let mocks = Mocks {
        cf: vec![
            existing_stack("REVIEW_IN_PROGRESS"),
            stack_statuses(&["CREATE_COMPLETE"]),
            mock!(Cf::list_stack_resources).then_output(|| {
                aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesOutput::builder().build()
            }),
            change_set_created(ChangeSetType::Create),
            change_set_ready(),
            executed(),
            event_pages(vec![vec![stack_event("r0", "REVIEW_IN_PROGRESS", None, 1)], all]),
        ],
        ecs: rollout_mocks(),
        ..Default::default()
    };
    let mut built = small_built();
    built.parameters = vec![template_builder::ParameterInput {
        name: "DataFileSystemId".into(),
        source: template_builder::ParameterSource::RetainedFileSystem {
            volume: "data".into(),
        },
    }];
    let mut mocks = mocks;
    mocks.efs.push(
        mock!(aws_sdk_efs::Client::describe_file_systems).then_output(|| {
            aws_sdk_efs::operation::describe_file_systems::DescribeFileSystemsOutput::builder()
                .build()
        }),
    );
    let mut progress = Recorder::default();
    let outcome = up_app(&mocks, &built, &mut progress).await.unwrap();
    assert!(matches!(outcome, UpOutcome::Deployed { created: true, .. }));
    // The REVIEW_IN_PROGRESS event predates this operation and is not shown again.
    assert!(!resources(&progress.events).contains(&pair("Stack app", "REVIEW_IN_PROGRESS")));
}

#[tokio::test]
async fn stack_not_deployed_by_this_tool_is_left_alone() {
    let mut foreign = stack(STACK_ID, "CREATE_COMPLETE");
    foreign.tags = None;
    let mocks = Mocks {
        cf: vec![mock!(Cf::describe_stacks).then_output(move || {
            DescribeStacksOutput::builder()
                .stacks(foreign.clone())
                .build()
        })],
        ..Default::default()
    };
    let err = up_app(&mocks, &small_built(), &mut Recorder::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("was not deployed by docker ecs"),
        "{err}"
    );
}

#[tokio::test]
async fn a_failed_poll_is_retried_and_said() {
    let (_, all) = create_events();
    let statuses = mock!(Cf::describe_stacks)
        .match_requests(|r| r.stack_name() == Some(STACK_ID))
        .sequence()
        .error(|| {
            DescribeStacksError::generic(error(
                "InternalFailure",
                "We encountered an internal error",
            ))
        })
        .output(|| {
            DescribeStacksOutput::builder()
                .stacks(stack(STACK_ID, "CREATE_COMPLETE"))
                .build()
        })
        .repeatedly()
        .build();
    let mocks = Mocks {
        cf: vec![
            missing_stack(),
            statuses,
            change_set_created(ChangeSetType::Create),
            change_set_ready(),
            executed(),
            event_pages(vec![all]),
        ],
        ecs: rollout_mocks(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up_app(&mocks, &small_built(), &mut progress).await.unwrap();
    assert!(matches!(outcome, UpOutcome::Deployed { .. }));
    assert!(infos(&progress.events).contains(
        &"reading stack arn:aws:cloudformation:us-east-1:123456789012:stack/app/1111: InternalFailure: We encountered an internal error; trying again".to_string()
    ), "{:?}", infos(&progress.events));
}

#[tokio::test]
async fn polls_that_keep_failing_end_the_watch_with_the_error() {
    let statuses = mock!(Cf::describe_stacks)
        .match_requests(|r| r.stack_name() == Some(STACK_ID))
        .then_error(|| {
            DescribeStacksError::generic(error("AccessDenied", "not allowed to describe stacks"))
        });
    let mocks = Mocks {
        cf: vec![
            missing_stack(),
            statuses,
            change_set_created(ChangeSetType::Create),
            change_set_ready(),
            executed(),
            event_pages(vec![vec![]]),
        ],
        ..Default::default()
    };
    let err = up_app(&mocks, &small_built(), &mut Recorder::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("AccessDenied: not allowed to describe stacks"),
        "{err}"
    );
}

#[tokio::test]
async fn rejected_change_set_of_a_create_says_why_and_removes_the_empty_stack() {
    let delete = stack_deleted();
    let mocks = Mocks {
        cf: vec![
            missing_stack(),
            change_set_created(ChangeSetType::Create),
            change_set_failed("Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template"),
            delete.clone(),
            stack_statuses(&["REVIEW_IN_PROGRESS"]),
            change_set_deleted(),
            change_sets_listed(&[]),
        ],
        ..Default::default()
    };
    let err = up_app(&mocks, &small_built(), &mut Recorder::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "CloudFormation rejected the change set: Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template"
    );
    assert_eq!(delete.num_calls(), 1);
}

#[tokio::test]
async fn rejected_change_set_of_an_update_is_deleted_and_the_stack_kept() {
    let delete_stack = stack_deleted();
    let delete_change_set = change_set_deleted();
    let mocks = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            change_set_created(ChangeSetType::Update),
            change_set_failed(
                "Template error: instance of Fn::GetAtt references undefined resource Missing",
            ),
            delete_change_set.clone(),
            delete_stack.clone(),
        ],
        ..Default::default()
    };
    let err = up_app(&mocks, &small_built(), &mut Recorder::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "CloudFormation rejected the change set: Template error: instance of Fn::GetAtt references undefined resource Missing"
    );
    assert_eq!(delete_change_set.num_calls(), 1);
    assert_eq!(
        delete_stack.num_calls(),
        0,
        "an existing stack is never deleted"
    );
}

#[tokio::test]
async fn failed_service_error_includes_why_its_last_task_stopped() {
    let started = vec![
        stack_event("s1", "CREATE_IN_PROGRESS", Some("User Initiated"), 10),
        with_physical_id(
            event(
                "s2",
                "WebService",
                "AWS::ECS::Service",
                "CREATE_IN_PROGRESS",
                Some("Resource creation Initiated"),
                11,
            ),
            SERVICE_ARN,
        ),
    ];
    let mut failed = started.clone();
    failed.extend([
        with_physical_id(
            event(
                "s3",
                "WebService",
                "AWS::ECS::Service",
                "CREATE_FAILED",
                Some("Resource handler returned message: \"Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'.\""),
                12,
            ),
            SERVICE_ARN,
        ),
        stack_event("s4", "ROLLBACK_COMPLETE", None, 13),
    ]);
    let mocks = Mocks {
        cf: Deployment::create()
            .polled(&["CREATE_IN_PROGRESS", "ROLLBACK_COMPLETE"])
            .events(vec![started, failed])
            .rules(),
        ecs: rollout_mocks(),
        ..Default::default()
    };
    let err = up_app(&mocks, &small_built(), &mut Recorder::default())
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("web service (WebService) failed: Resource handler returned message"),
        "{message}"
    );
    assert!(
        message.contains(
            "\nlast stopped task: Essential container in task exited; web: exit code 137\n"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn failed_update_rolls_back_and_says_the_previous_version_runs() {
    let events = vec![
        stack_event("u1", "UPDATE_IN_PROGRESS", Some("User Initiated"), 20),
        event(
            "u2",
            "WebTaskDefinition",
            "AWS::ECS::TaskDefinition",
            "UPDATE_FAILED",
            Some("Resource handler returned message: \"Invalid 'cpu' setting for task.\""),
            21,
        ),
        stack_event(
            "u3",
            "UPDATE_ROLLBACK_IN_PROGRESS",
            Some("The following resource(s) failed to update: [WebTaskDefinition]."),
            22,
        ),
        stack_event("u4", "UPDATE_ROLLBACK_COMPLETE", None, 23),
    ];
    let mocks = Mocks {
        cf: Deployment::update("UPDATE_COMPLETE")
            .polled(&["UPDATE_ROLLBACK_COMPLETE"])
            .events(vec![vec![], events])
            .rules(),
        ..Default::default()
    };
    let err = up_app(&mocks, &small_built(), &mut Recorder::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Task definition (WebTaskDefinition) failed: Resource handler returned message: \"Invalid 'cpu' setting for task.\"\n\
         stack app ended in UPDATE_ROLLBACK_COMPLETE; the previous version of the app is back in service"
    );
}

/// `docker ecs down` deletes the stack while `up` follows its creation.
fn deleted_meanwhile_events() -> Vec<StackEvent> {
    let (first, _) = create_events();
    let mut all = first;
    let mut deleting = stack_event("d1", "DELETE_IN_PROGRESS", Some("User Initiated"), 20);
    deleting.client_request_token = Some("docker-ecs-down-1700000000000".into());
    let mut deleted = stack_event("d2", "DELETE_COMPLETE", None, 30);
    deleted.client_request_token = deleting.client_request_token.clone();
    all.extend([deleting, deleted]);
    all
}

#[tokio::test]
async fn a_create_whose_stack_is_deleted_meanwhile_fails_and_says_by_whom() {
    let (first, _) = create_events();
    let mocks = Mocks {
        cf: Deployment::create()
            .polled(&[
                "CREATE_IN_PROGRESS",
                "DELETE_IN_PROGRESS",
                "DELETE_COMPLETE",
            ])
            .events(vec![first, deleted_meanwhile_events()])
            .rules(),
        ecs: rollout_mocks(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let err = up_app(&mocks, &small_built(), &mut progress)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the stack was deleted while this deployment ran")
            && err.contains("`docker ecs down`")
            && err.contains("DELETE_COMPLETE"),
        "{err}"
    );
    // No success line: neither the final status as a deployment's end nor the app's URL.
    assert!(!progress.events.iter().any(|e| matches!(
        e,
        ProgressEvent::Finished { urls, .. } if !urls.is_empty()
    )));
}

#[tokio::test]
async fn an_update_whose_stack_is_deleted_by_someone_else_fails() {
    let mocks = Mocks {
        cf: Deployment::update("CREATE_COMPLETE")
            .polled(&["UPDATE_IN_PROGRESS", "DELETE_COMPLETE"])
            .events(vec![
                vec![],
                vec![
                    stack_event("u1", "UPDATE_IN_PROGRESS", Some("User Initiated"), 10),
                    stack_event("d1", "DELETE_IN_PROGRESS", Some("User Initiated"), 20),
                    stack_event("d2", "DELETE_COMPLETE", None, 30),
                ],
            ])
            .rules(),
        ..Default::default()
    };
    let err = up_app(&mocks, &small_built(), &mut Recorder::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the stack was deleted while this deployment ran")
            && err.contains("not by docker ecs"),
        "{err}"
    );
}

#[tokio::test]
async fn a_stack_gone_while_watched_is_a_failure() {
    let mut mocks = Mocks {
        cf: Deployment::create().events(vec![vec![]]).rules(),
        ..Default::default()
    };
    // The stack answers by id, then is gone altogether.
    mocks.cf.insert(
        0,
        mock!(Cf::describe_stacks)
            .match_requests(|r| r.stack_name() == Some(STACK_ID))
            .sequence()
            .output(|| {
                DescribeStacksOutput::builder()
                    .stacks(stack(STACK_ID, "CREATE_IN_PROGRESS"))
                    .build()
            })
            .error(|| {
                DescribeStacksError::generic(error(
                    "ValidationError",
                    "Stack with id arn does not exist",
                ))
            })
            .repeatedly()
            .build(),
    );
    let err = up_app(&mocks, &small_built(), &mut Recorder::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the stack was deleted while this deployment ran"),
        "{err}"
    );
}

#[tokio::test]
async fn an_update_that_ends_in_another_operations_status_is_not_success() {
    // Whatever ran on the stack after (or instead of) our update, its end is not ours to report.
    let mocks = Mocks {
        cf: Deployment::update("CREATE_COMPLETE")
            .polled(&["UPDATE_IN_PROGRESS", "IMPORT_COMPLETE"])
            .events(vec![vec![]])
            .rules(),
        ..Default::default()
    };
    let err = up_app(&mocks, &small_built(), &mut Recorder::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("IMPORT_COMPLETE") && err.contains("another operation"),
        "{err}"
    );
}

#[tokio::test]
async fn following_a_stack_stops_at_the_wait_limit_and_says_cloudformation_goes_on() {
    let (first, _) = create_events();
    let mocks = Mocks {
        cf: Deployment::create()
            .polled(&["CREATE_IN_PROGRESS"])
            .events(vec![first])
            .rules(),
        ecs: rollout_mocks(),
        ..Default::default()
    };
    let mut clients = mocks.clients();
    clients.limits.wait = Duration::from_millis(50);
    let err = up(
        &clients,
        "app",
        &small_built(),
        &options(),
        &mut Recorder::default(),
        &mut Interrupts::none(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("stopped waiting after ")
            && err.contains("DOCKER_ECS_WAIT_TIMEOUT")
            && err.contains("CloudFormation goes on"),
        "{err}"
    );
}

#[tokio::test]
async fn a_change_set_computed_for_ever_stops_at_the_wait_limit() {
    let mocks = Mocks {
        cf: vec![
            missing_stack(),
            change_set_created(ChangeSetType::Create),
            change_set_pending(),
            change_set_deleted(),
            stack_deleted(),
            stack_statuses(&["REVIEW_IN_PROGRESS"]),
            change_sets_listed(&[]),
        ],
        ..Default::default()
    };
    let mut clients = mocks.clients();
    clients.limits.wait = Duration::from_millis(50);
    let err = up(
        &clients,
        "app",
        &small_built(),
        &options(),
        &mut Recorder::default(),
        &mut Interrupts::none(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("still computing change set cs-1") && err.contains("DOCKER_ECS_WAIT_TIMEOUT"),
        "{err}"
    );
}

#[tokio::test]
async fn ctrl_c_once_the_stack_has_finished_is_said_not_dropped() {
    use aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsOutput;
    let (sender, mut interrupts) = Interrupts::channel();
    let (_, all) = create_events();
    let page = newest_first(&all);
    // The user presses Ctrl-C while up reads the events of a stack that has just finished.
    let events = mock!(Cf::describe_stack_events).then_compute_output(move |_| {
        let _ = sender.send(());
        DescribeStackEventsOutput::builder()
            .set_stack_events(Some(page.clone()))
            .build()
    });
    let mocks = Mocks {
        cf: Deployment::create()
            .polled(&["CREATE_COMPLETE"])
            .events_rule(events)
            .rules(),
        ecs: rollout_mocks(),
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options(),
        &mut progress,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert!(matches!(outcome, UpOutcome::Deployed { .. }), "{outcome:?}");
    let said = infos(&progress.events);
    assert!(
        said.iter().any(
            |t| t.starts_with("Interrupted, but stack app had already finished")
                && t.contains("CREATE_COMPLETE")
                && t.contains("nothing was undone")
        ),
        "{said:?}"
    );
}
