//! Two `up` of one project at once. On a new project both runs' CREATE change sets share one
//! REVIEW_IN_PROGRESS stack; the first executed wins. The loser says another deployment is in
//! progress and never deletes the stack, which may be the winner's, being created.

use std::time::Duration;

use crate::support::*;
use aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetError;
use aws_sdk_cloudformation::operation::delete_change_set::DeleteChangeSetError;
use aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetError;
use aws_sdk_cloudformation::operation::describe_stacks::{
    DescribeStacksError, DescribeStacksOutput,
};
use aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetError;
use aws_sdk_cloudformation::types::ChangeSetType;
use aws_sdk_cloudformation::Client as Cf;
use aws_smithy_mocks::{mock, Rule};
use ecs_deploy::progress::{ProgressEvent, Recorder};
use ecs_deploy::up::{up, UpOptions, UpOutcome};
use ecs_deploy::Interrupts;

fn options() -> UpOptions {
    UpOptions {
        poll_interval: Duration::from_millis(5),
        ..UpOptions::default()
    }
}

const ANOTHER: &str = "another deployment of stack app is in progress";

/// DescribeStacks of `app` by name: missing when this run looks first, then in `status` (the other
/// run's stack).
fn missing_then(status: &'static str) -> Rule {
    mock!(Cf::describe_stacks)
        .match_requests(|r| r.stack_name() == Some("app"))
        .sequence()
        .error(|| {
            DescribeStacksError::generic(error(
                "ValidationError",
                "Stack with id app does not exist",
            ))
        })
        .output(move || {
            DescribeStacksOutput::builder()
                .stacks(stack(STACK_ID, status))
                .build()
        })
        .repeatedly()
        .build()
}

/// DeleteChangeSet of cs-1 after the winner's execution removed it.
fn change_set_already_gone() -> Rule {
    mock!(Cf::delete_change_set).then_error(|| {
        DeleteChangeSetError::generic(error(
            "ChangeSetNotFound",
            "ChangeSet [cs-1] does not exist",
        ))
    })
}

#[tokio::test]
async fn the_loser_of_execute_never_deletes_the_winners_stack() {
    let delete = stack_deleted();
    let mocks = Mocks {
        cf: vec![
            missing_stack(),
            change_set_created(ChangeSetType::Create),
            change_set_ready(),
            mock!(Cf::execute_change_set).then_error(|| {
                ExecuteChangeSetError::generic(error(
                    "InvalidChangeSetStatus",
                    "ChangeSet [cs-1] cannot be executed in its current status of [OBSOLETE]",
                ))
            }),
            stack_statuses(&["CREATE_IN_PROGRESS"]),
            change_set_already_gone(),
            delete.clone(),
        ],
        ..Default::default()
    };
    let err = up(
        &mocks.clients(),
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
        err.contains(ANOTHER) && err.contains("CREATE_IN_PROGRESS"),
        "{err}"
    );
    assert_eq!(delete.num_calls(), 0, "the winner's stack is left alone");
}

#[tokio::test]
async fn a_create_change_set_refused_because_the_stack_now_exists_says_so() {
    let delete = stack_deleted();
    let mocks = Mocks {
        cf: vec![
            missing_then("CREATE_IN_PROGRESS"),
            mock!(Cf::create_change_set).then_error(|| {
                CreateChangeSetError::generic(error(
                    "AlreadyExistsException",
                    "Stack [app] already exists and cannot be created again with the changeSet [docker-ecs-2].",
                ))
            }),
            delete.clone(),
        ],
        ..Default::default()
    };
    let err = up(
        &mocks.clients(),
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
        err.contains(ANOTHER) && err.contains("AlreadyExists"),
        "{err}"
    );
    assert_eq!(delete.num_calls(), 0);
}

#[tokio::test]
async fn an_unreadable_refusal_while_the_stack_appeared_is_still_named_a_conflict() {
    // A local AWS API answered the loser's CreateChangeSet with an empty body.
    let mocks = Mocks {
        cf: vec![
            missing_then("REVIEW_IN_PROGRESS"),
            mock!(Cf::create_change_set).then_error(|| {
                CreateChangeSetError::generic(
                    aws_smithy_types::error::ErrorMetadata::builder()
                        .message("error parsing XML: no root element")
                        .build(),
                )
            }),
            change_sets_listed(&["docker-ecs-1"]),
        ],
        ..Default::default()
    };
    let err = up(
        &mocks.clients(),
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
        err.contains(ANOTHER) && err.contains("docker-ecs-1"),
        "{err}"
    );
}

#[tokio::test]
async fn a_change_set_removed_by_the_winners_execution_is_a_conflict_not_a_deletion() {
    let delete = stack_deleted();
    let mocks = Mocks {
        cf: vec![
            missing_stack(),
            change_set_created(ChangeSetType::Create),
            mock!(Cf::describe_change_set).then_error(|| {
                DescribeChangeSetError::generic(error(
                    "ChangeSetNotFound",
                    "ChangeSet [cs-1] does not exist",
                ))
            }),
            stack_statuses(&["CREATE_IN_PROGRESS"]),
            change_set_already_gone(),
            delete.clone(),
        ],
        ..Default::default()
    };
    let err = up(
        &mocks.clients(),
        "app",
        &small_built(),
        &options(),
        &mut Recorder::default(),
        &mut Interrupts::none(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains(ANOTHER), "{err}");
    assert_eq!(delete.num_calls(), 0);
}

#[tokio::test]
async fn ctrl_c_before_execution_keeps_a_stack_another_run_prepares() {
    let (sender, mut interrupts) = Interrupts::channel();
    let discard = change_set_deleted();
    let delete = stack_deleted();
    let mocks = Mocks {
        cf: vec![
            missing_stack(),
            change_set_created_during_ctrl_c(sender, 1),
            discard.clone(),
            stack_statuses(&["REVIEW_IN_PROGRESS"]),
            change_sets_listed(&["docker-ecs-other"]),
            delete.clone(),
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
    assert!(
        matches!(outcome, UpOutcome::Cancelled { .. }),
        "{outcome:?}"
    );
    assert_eq!((discard.num_calls(), delete.num_calls()), (1, 0));
    let said: Vec<&String> = progress
        .events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Info(text) => Some(text),
            _ => None,
        })
        .collect();
    assert!(
        said.iter()
            .any(|t| t.contains("change set cs-1") && t.contains("docker-ecs-other")),
        "{said:?}"
    );
}
