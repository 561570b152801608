//! `down` against mocked AWS APIs.

use std::time::Duration;

use crate::support::*;
use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
use aws_sdk_cloudformation::operation::get_template::GetTemplateOutput;
use aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesOutput;
use aws_sdk_cloudformation::types::{ResourceStatus, StackResourceSummary};
use aws_sdk_cloudformation::Client as Cf;
use aws_sdk_efs::operation::describe_file_systems::DescribeFileSystemsOutput;
use aws_sdk_efs::types::{FileSystemDescription, FileSystemSize, LifeCycleState, PerformanceMode};
use aws_smithy_mocks::mock;
use ecs_deploy::down::{down, DownOptions, DownOutcome};
use ecs_deploy::progress::{ProgressEvent, Recorder};
use ecs_deploy::Interrupts;

fn file_system(id: &str, project: &str, volume: &str) -> FileSystemDescription {
    let tag = |k: &str, v: &str| {
        aws_sdk_efs::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .unwrap()
    };
    FileSystemDescription::builder()
        .owner_id("123456789012")
        .creation_token(id)
        .file_system_id(id)
        .creation_time(aws_smithy_types::DateTime::from_secs(1))
        .life_cycle_state(LifeCycleState::Available)
        .number_of_mount_targets(0)
        .size_in_bytes(FileSystemSize::builder().value(0).build())
        .performance_mode(PerformanceMode::GeneralPurpose)
        .tags(tag("com.docker.compose.project", project))
        .tags(tag("com.docker.compose.volume", volume))
        .build()
        .unwrap()
}

fn options() -> DownOptions {
    DownOptions {
        detach: false,
        poll_interval: Duration::from_millis(5),
        remove_images: false,
        delete_file_systems: Vec::new(),
    }
}

#[tokio::test]
async fn missing_stack_is_nothing_to_remove() {
    let mocks = Mocks {
        cf: vec![missing_stack()],
        ..Default::default()
    };
    let mut progress = Recorder::default();
    let outcome = down(
        &mocks.clients(),
        "app",
        &options(),
        &mut progress,
        &mut Interrupts::none(),
    )
    .await
    .unwrap();
    assert_eq!(outcome, DownOutcome::NothingToRemove);
    assert_eq!(
        progress.events,
        [ProgressEvent::Info(
            "Nothing to remove: there is no stack app in region us-east-1".into()
        )]
    );
}

/// A stack with a file system of its own (fs-1234), reusing one an earlier `down` retained
/// (fs-reused), deleted at the second look; `efs` adds to the EFS answers.
fn stack_with_file_systems(efs: Vec<aws_smithy_mocks::Rule>) -> (Mocks, aws_smithy_mocks::Rule) {
    let delete = stack_deleted();
    let template = serde_json::json!({"Resources": {"DataFileSystem": {"Type": "AWS::EFS::FileSystem",
        "Properties": {"FileSystemTags": [{"Key": "com.docker.compose.volume", "Value": "data"}]}}}})
    .to_string();
    let old = vec![stack_event("c1", "CREATE_COMPLETE", None, 1)];
    let mut later = old.clone();
    later.extend([
        stack_event("d1", "DELETE_IN_PROGRESS", Some("User Initiated"), 10),
        event(
            "d2",
            "DataFileSystem",
            "AWS::EFS::FileSystem",
            "DELETE_SKIPPED",
            None,
            11,
        ),
        stack_event("d3", "DELETE_COMPLETE", None, 12),
    ]);
    let mocks = Mocks {
        cf: vec![
            mock!(Cf::describe_stacks)
                .match_requests(|r| r.stack_name() == Some("app"))
                .then_output(|| {
                    DescribeStacksOutput::builder()
                        .stacks(stack(STACK_ID, "UPDATE_COMPLETE"))
                        .build()
                }),
            mock!(Cf::describe_stacks)
                .match_requests(|r| r.stack_name() == Some(STACK_ID))
                .sequence()
                .output(|| {
                    DescribeStacksOutput::builder()
                        .stacks(stack(STACK_ID, "DELETE_IN_PROGRESS"))
                        .build()
                })
                .output(|| {
                    DescribeStacksOutput::builder()
                        .stacks(stack(STACK_ID, "DELETE_COMPLETE"))
                        .build()
                })
                .repeatedly()
                .build(),
            mock!(Cf::list_stack_resources).then_output(|| {
                ListStackResourcesOutput::builder()
                    .stack_resource_summaries(
                        StackResourceSummary::builder()
                            .logical_resource_id("DataFileSystem")
                            .physical_resource_id("fs-1234")
                            .resource_type("AWS::EFS::FileSystem")
                            .resource_status(ResourceStatus::CreateComplete)
                            .build(),
                    )
                    .build()
            }),
            mock!(Cf::get_template).then_output(move || {
                GetTemplateOutput::builder()
                    .template_body(template.clone())
                    .build()
            }),
            event_pages(vec![old, later]),
            delete.clone(),
        ],
        // A file system retained by an earlier `down` and reused by this stack, and one of another project.
        efs: [
            vec![
                mock!(aws_sdk_efs::Client::describe_file_systems).then_output(|| {
                    DescribeFileSystemsOutput::builder()
                        .file_systems(file_system("fs-reused", "app", "cache"))
                        .file_systems(file_system("fs-other", "other", "cache"))
                        .build()
                }),
            ],
            efs,
        ]
        .concat(),
        ..Default::default()
    };
    (mocks, delete)
}

#[tokio::test]
async fn deletes_the_stack_and_says_efs_data_is_retained() {
    let (mocks, delete) = stack_with_file_systems(Vec::new());
    let mut progress = Recorder::default();
    let outcome = down(
        &mocks.clients(),
        "app",
        &options(),
        &mut progress,
        &mut Interrupts::none(),
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        DownOutcome::Removed {
            retained_file_systems: vec!["fs-1234".into(), "fs-reused".into()],
            deleted_file_systems: Vec::new(),
            removed_repositories: Vec::new(),
        }
    );
    assert_eq!(delete.num_calls(), 1);
    assert!(progress.events.contains(&ProgressEvent::Resource {
        logical_id: "DataFileSystem".into(),
        description: "data EFS file system".into(),
        resource_type: "AWS::EFS::FileSystem".into(),
        group: None,
        status: "DELETE_SKIPPED".into(),
        reason: None,
    }));
    let ProgressEvent::Info(last) = progress.events.last().unwrap() else {
        panic!("{:?}", progress.events)
    };
    assert!(
        last.contains("fs-1234, fs-reused") && last.contains("retained"),
        "{last}"
    );
}

/// `--volumes`: once the stack is gone, the confirmed file system goes too, its mount target first,
/// tried again while EFS says it is still in use; the other one is still reported retained.
#[tokio::test]
async fn volumes_deletes_the_confirmed_file_systems_after_the_stack() {
    let mount_target_deleted = mock!(aws_sdk_efs::Client::delete_mount_target)
        .match_requests(|r| r.mount_target_id() == Some("fsmt-1"))
        .then_output(|| {
            aws_sdk_efs::operation::delete_mount_target::DeleteMountTargetOutput::builder().build()
        });
    let file_system_deleted = mock!(aws_sdk_efs::Client::delete_file_system)
        .match_requests(|r| r.file_system_id() == Some("fs-1234"))
        .sequence()
        .error(|| {
            aws_sdk_efs::operation::delete_file_system::DeleteFileSystemError::generic(error(
                "FileSystemInUse",
                "File system 'fs-1234' has mounted targets.",
            ))
        })
        .output(|| {
            aws_sdk_efs::operation::delete_file_system::DeleteFileSystemOutput::builder().build()
        })
        .build();
    let (mocks, delete) = stack_with_file_systems(vec![
        mock!(aws_sdk_efs::Client::describe_mount_targets)
            .match_requests(|r| r.file_system_id() == Some("fs-1234"))
            .then_output(|| {
                aws_sdk_efs::operation::describe_mount_targets::DescribeMountTargetsOutput::builder(
                )
                .mount_targets(
                    aws_sdk_efs::types::MountTargetDescription::builder()
                        .mount_target_id("fsmt-1")
                        .file_system_id("fs-1234")
                        .subnet_id("subnet-1")
                        .life_cycle_state(LifeCycleState::Deleting)
                        .build()
                        .unwrap(),
                )
                .build()
            }),
        mount_target_deleted.clone(),
        file_system_deleted.clone(),
    ]);
    let options = DownOptions {
        delete_file_systems: vec!["fs-1234".into()],
        ..options()
    };
    let mut progress = Recorder::default();
    let outcome = down(
        &mocks.clients(),
        "app",
        &options,
        &mut progress,
        &mut Interrupts::none(),
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        DownOutcome::Removed {
            retained_file_systems: vec!["fs-reused".into()],
            deleted_file_systems: vec!["fs-1234".into()],
            removed_repositories: Vec::new(),
        }
    );
    assert_eq!(delete.num_calls(), 1);
    assert_eq!(mount_target_deleted.num_calls(), 1);
    assert_eq!(file_system_deleted.num_calls(), 2);
    let said: Vec<String> = progress
        .events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Info(text) => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert!(
        said.iter()
            .any(|t| t.contains("fs-reused") && t.contains("retained") && !t.contains("fs-1234")),
        "{said:?}"
    );
    assert_eq!(
        said.last().map(String::as_str),
        Some("Deleted EFS file system fs-1234 and its data")
    );
}

/// A file system EFS refuses to delete fails `down --volumes`, naming it, once the stack is gone.
#[tokio::test]
async fn volumes_names_the_file_system_it_could_not_delete() {
    let (mocks, delete) = stack_with_file_systems(vec![
        mock!(aws_sdk_efs::Client::describe_mount_targets).then_output(|| {
            aws_sdk_efs::operation::describe_mount_targets::DescribeMountTargetsOutput::builder()
                .build()
        }),
        mock!(aws_sdk_efs::Client::delete_file_system).then_error(|| {
            aws_sdk_efs::operation::delete_file_system::DeleteFileSystemError::generic(error(
                "AccessDeniedException",
                "not allowed",
            ))
        }),
    ]);
    let options = DownOptions {
        delete_file_systems: vec!["fs-1234".into()],
        ..options()
    };
    let err = down(
        &mocks.clients(),
        "app",
        &options,
        &mut Recorder::default(),
        &mut Interrupts::none(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert_eq!(delete.num_calls(), 1);
    assert!(
        err.contains("could not delete 1 EFS file system(s)")
            && err.contains("deleting EFS file system fs-1234")
            && err.contains("AccessDeniedException"),
        "{err}"
    );
}

/// What `down --volumes` offers to delete: the stack's own file system and the project's retained
/// one, not another project's.
#[tokio::test]
async fn the_project_file_systems_are_listed_with_their_volumes() {
    let (mocks, delete) = stack_with_file_systems(Vec::new());
    let mut mocks = mocks;
    mocks.efs = vec![
        mock!(aws_sdk_efs::Client::describe_file_systems).then_output(|| {
            DescribeFileSystemsOutput::builder()
                .file_systems(file_system("fs-1234", "app", "data"))
                .file_systems(file_system("fs-reused", "app", "cache"))
                .file_systems(file_system("fs-other", "other", "cache"))
                .build()
        }),
    ];
    let found = ecs_deploy::down::project_file_systems(&mocks.clients(), "app")
        .await
        .unwrap();
    let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["fs-1234 (volume data)", "fs-reused (volume cache)"]);
    assert_eq!(delete.num_calls(), 0);
}

fn deletable_stack_mocks(statuses: &'static [&'static str]) -> (Mocks, aws_smithy_mocks::Rule) {
    let delete = stack_deleted();
    let mut by_id = mock!(Cf::describe_stacks)
        .match_requests(|r| r.stack_name() == Some(STACK_ID))
        .sequence();
    for status in statuses {
        by_id = by_id.output(move || {
            DescribeStacksOutput::builder()
                .stacks(stack(STACK_ID, status))
                .build()
        });
    }
    let mocks = Mocks {
        cf: vec![
            mock!(Cf::describe_stacks)
                .match_requests(|r| r.stack_name() == Some("app"))
                .then_output(|| {
                    DescribeStacksOutput::builder()
                        .stacks(stack(STACK_ID, "CREATE_COMPLETE"))
                        .build()
                }),
            by_id.repeatedly().build(),
            mock!(Cf::list_stack_resources)
                .then_output(|| ListStackResourcesOutput::builder().build()),
            mock!(Cf::get_template)
                .then_output(|| GetTemplateOutput::builder().template_body("{}").build()),
            event_pages(vec![vec![]]),
            delete.clone(),
        ],
        efs: vec![mock!(aws_sdk_efs::Client::describe_file_systems)
            .then_output(|| DescribeFileSystemsOutput::builder().build())],
        ..Default::default()
    };
    (mocks, delete)
}

#[tokio::test]
async fn detach_returns_once_deletion_started() {
    let (mocks, delete) = deletable_stack_mocks(&["DELETE_IN_PROGRESS"]);
    let options = DownOptions {
        detach: true,
        ..options()
    };
    let outcome = down(
        &mocks.clients(),
        "app",
        &options,
        &mut Recorder::default(),
        &mut Interrupts::none(),
    )
    .await
    .unwrap();
    assert_eq!(outcome, DownOutcome::Detached);
    assert_eq!(delete.num_calls(), 1);
}

#[tokio::test]
async fn ctrl_c_stops_waiting_and_leaves_the_deletion_running() {
    let (mut mocks, delete) = deletable_stack_mocks(&["DELETE_IN_PROGRESS"]);
    let (sender, mut interrupts) = Interrupts::channel();
    // The user presses Ctrl-C once DeleteStack was sent, while down follows the deletion.
    mocks.cf.insert(
        0,
        mock!(Cf::delete_stack)
            .match_requests(|r| r.stack_name() == Some(STACK_ID))
            .then_compute_output(move |_| {
                let _ = sender.send(());
                aws_sdk_cloudformation::operation::delete_stack::DeleteStackOutput::builder()
                    .build()
            }),
    );
    let sent = mocks.cf[0].clone();
    let mut progress = Recorder::default();
    let outcome = down(
        &mocks.clients(),
        "app",
        &options(),
        &mut progress,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(outcome, DownOutcome::StoppedWaiting);
    assert_eq!(sent.num_calls() + delete.num_calls(), 1);
    assert!(progress.events.contains(&ProgressEvent::Info(
        "Stopped waiting: CloudFormation goes on deleting stack app".into()
    )));
}

/// A Ctrl-C while `down` still reads the stack (before DeleteStack) means "stop": nothing is deleted.
#[tokio::test]
async fn ctrl_c_before_the_deletion_deletes_nothing() {
    let (mocks, delete) = deletable_stack_mocks(&["CREATE_COMPLETE"]);
    let (sender, mut interrupts) = Interrupts::channel();
    sender.send(()).unwrap();
    let mut progress = Recorder::default();
    let outcome = down(
        &mocks.clients(),
        "app",
        &options(),
        &mut progress,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(outcome, DownOutcome::Cancelled);
    assert_eq!(delete.num_calls(), 0, "the stack was deleted after Ctrl-C");
    assert_eq!(
        progress.events,
        [ProgressEvent::Info(
            "Interrupted before deleting anything: stack app is as it was".into()
        )]
    );
}

#[tokio::test]
async fn failed_deletion_is_an_error_naming_the_resource() {
    let (mut mocks, _) = deletable_stack_mocks(&["DELETE_FAILED"]);
    // Ahead of the empty event feed: a baseline first, then the failure.
    let events = event_pages(vec![
        Vec::new(),
        vec![
            stack_event("x1", "DELETE_IN_PROGRESS", None, 10),
            event(
                "x2",
                "WebTargetGroup",
                "AWS::ElasticLoadBalancingV2::TargetGroup",
                "DELETE_FAILED",
                Some("Target group is currently in use by a listener or a rule"),
                11,
            ),
            stack_event(
                "x3",
                "DELETE_FAILED",
                Some("The following resource(s) failed to delete: [WebTargetGroup]."),
                12,
            ),
        ],
    ]);
    mocks.cf.insert(0, events);
    let err = down(
        &mocks.clients(),
        "app",
        &options(),
        &mut Recorder::default(),
        &mut Interrupts::none(),
    )
    .await
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(
            "Target group (WebTargetGroup) failed: Target group is currently in use by a listener or a rule"
        ),
        "{message}"
    );
    assert!(message.contains("DELETE_FAILED"), "{message}");
}

#[tokio::test]
async fn busy_stack_is_not_deleted() {
    let (mut mocks, delete) = deletable_stack_mocks(&["UPDATE_IN_PROGRESS"]);
    mocks.cf.insert(
        0,
        mock!(Cf::describe_stacks)
            .match_requests(|r| r.stack_name() == Some("app"))
            .then_output(|| {
                DescribeStacksOutput::builder()
                    .stacks(stack(STACK_ID, "UPDATE_IN_PROGRESS"))
                    .build()
            }),
    );
    let err = down(
        &mocks.clients(),
        "app",
        &options(),
        &mut Recorder::default(),
        &mut Interrupts::none(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("busy (UPDATE_IN_PROGRESS)"),
        "{err}"
    );
    assert_eq!(delete.num_calls(), 0);
}

/// `up`, `ps` and the dry run refuse a stack without our tags; `down` must too, before reading
/// or deleting anything: a stack someone else made under the project's name is not ours to remove.
#[tokio::test]
async fn stack_not_deployed_by_this_tool_is_not_deleted() {
    let (mut mocks, delete) = deletable_stack_mocks(&["DELETE_IN_PROGRESS", "DELETE_COMPLETE"]);
    mocks.cf.insert(
        0,
        mock!(Cf::describe_stacks)
            .match_requests(|r| r.stack_name() == Some("app"))
            .then_output(|| {
                let mut foreign = stack(STACK_ID, "CREATE_COMPLETE");
                foreign.tags = None;
                DescribeStacksOutput::builder().stacks(foreign).build()
            }),
    );
    let mut progress = Recorder::default();
    let err = down(
        &mocks.clients(),
        "app",
        &options(),
        &mut progress,
        &mut Interrupts::none(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "stack app was not deployed by docker ecs (it has no com.docker.compose.project tag): \
         not deleting it"
    );
    assert_eq!(delete.num_calls(), 0);
}
