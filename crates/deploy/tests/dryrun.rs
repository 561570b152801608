//! `up --dry-run` against mocked AWS APIs: a create, an update with a replacement, no changes (both
//! ways CloudFormation says it), and the change set (and the stack it made) deleted even on failure.

use std::time::Duration;

use crate::support::*;
use aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetError;
use aws_sdk_cloudformation::operation::delete_change_set::{
    DeleteChangeSetError, DeleteChangeSetOutput,
};
use aws_sdk_cloudformation::operation::describe_change_set::{
    DescribeChangeSetError, DescribeChangeSetOutput,
};
use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
use aws_sdk_cloudformation::types::{
    Change, ChangeAction, ChangeSetStatus, ChangeSetType, ChangeType, Replacement, ResourceChange,
};
use aws_sdk_cloudformation::Client as Cf;
use aws_smithy_mocks::mock;
use ecs_deploy::dryrun::{dry_run, Action, Operation, Plan};
use ecs_deploy::Interrupts;

const INTERVAL: Duration = Duration::from_millis(1);

/// The dry run of project `app` (the small test template) without Ctrl-C.
async fn dry_run_app(clients: &ecs_deploy::Clients) -> Result<Plan, ecs_deploy::Error> {
    dry_run(
        clients,
        "app",
        &small_built(),
        &Default::default(),
        INTERVAL,
        &mut Interrupts::none(),
    )
    .await
}

fn resource_change(
    action: ChangeAction,
    logical: &str,
    resource_type: &str,
    replacement: Option<Replacement>,
) -> Change {
    Change::builder()
        .r#type(ChangeType::Resource)
        .resource_change(
            ResourceChange::builder()
                .action(action)
                .logical_resource_id(logical)
                .resource_type(resource_type)
                .set_replacement(replacement)
                .build(),
        )
        .build()
}

/// A resource change with the before and after values DescribeChangeSet gives for one property.
fn with_values(change: Change, path: &str, before: &str, after: &str) -> Change {
    use aws_sdk_cloudformation::types::{ResourceChangeDetail, ResourceTargetDefinition};
    let rc = change
        .resource_change()
        .cloned()
        .expect("a resource change");
    let detail = ResourceChangeDetail::builder()
        .target(
            ResourceTargetDefinition::builder()
                .path(path)
                .before_value(before)
                .after_value(after)
                .build(),
        )
        .build();
    Change::builder()
        .r#type(ChangeType::Resource)
        .resource_change(
            aws_sdk_cloudformation::types::ResourceChange::builder()
                .set_action(rc.action().cloned())
                .set_logical_resource_id(rc.logical_resource_id().map(str::to_string))
                .set_resource_type(rc.resource_type().map(str::to_string))
                .set_replacement(rc.replacement().cloned())
                .details(detail)
                .build(),
        )
        .build()
}

/// GetTemplate: the deployed web service has a desired count and one more tag than the new one.
fn deployed_template() -> aws_smithy_mocks::Rule {
    use aws_sdk_cloudformation::operation::get_template::GetTemplateOutput;
    mock!(aws_sdk_cloudformation::Client::get_template).then_output(|| {
        let mut template = small_built().template;
        template["Resources"]["WebService"]["Properties"]["DesiredCount"] = serde_json::json!(2);
        template["Resources"]["WebService"]["Properties"]["Tags"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"Key": "team", "Value": "web"}));
        GetTemplateOutput::builder()
            .template_body(template.to_string())
            .build()
    })
}

fn summary(plan: &Plan) -> Vec<(Action, String, String)> {
    match plan {
        Plan::Changes { changes, .. } => changes
            .iter()
            .map(|c| (c.action, c.logical_id.clone(), c.description.clone()))
            .collect(),
        Plan::NoChanges | Plan::Interrupted { .. } => Vec::new(),
    }
}

#[tokio::test]
async fn create_lists_additions_then_deletes_the_change_set_and_the_empty_stack() {
    let delete_cs = change_set_deleted();
    let delete_stack = stack_deleted();
    let mut cf = vec![
        missing_stack(),
        change_set_created(ChangeSetType::Create),
        delete_cs.clone(),
        delete_stack.clone(),
        stack_statuses(&["REVIEW_IN_PROGRESS"]),
        change_sets_listed(&[]),
    ];
    cf.extend(change_set_pages(
        vec![resource_change(
            ChangeAction::Add,
            "LoadBalancer",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            None,
        )],
        vec![resource_change(
            ChangeAction::Add,
            "WebService",
            "AWS::ECS::Service",
            None,
        )],
    ));
    let clients = Mocks {
        cf,
        ..Default::default()
    }
    .clients();
    let plan = dry_run_app(&clients).await.unwrap();
    assert!(matches!(
        plan,
        Plan::Changes {
            operation: Operation::Create,
            ..
        }
    ));
    assert_eq!(
        summary(&plan),
        [
            (Action::Add, "LoadBalancer".into(), "Load balancer".into()),
            (Action::Add, "WebService".into(), "web service".into()),
        ]
    );
    assert_eq!(delete_cs.num_calls(), 1);
    assert_eq!(delete_stack.num_calls(), 1);
}

#[tokio::test]
async fn update_flags_replacements_and_keeps_the_stack() {
    let delete_cs = change_set_deleted();
    let delete_stack = stack_deleted();
    let mut cf = vec![
        existing_stack("UPDATE_COMPLETE"),
        change_set_created(ChangeSetType::Update),
        delete_cs.clone(),
        delete_stack.clone(),
        deployed_template(),
    ];
    cf.extend(change_set_pages(
        vec![
            resource_change(
                ChangeAction::Modify,
                "WebService",
                "AWS::ECS::Service",
                Some(Replacement::False),
            ),
            with_values(
                resource_change(
                    ChangeAction::Modify,
                    "LoadBalancer",
                    "AWS::ElasticLoadBalancingV2::LoadBalancer",
                    Some(Replacement::True),
                ),
                "/Properties/Subnets/0",
                "subnet-a",
                "subnet-b",
            ),
        ],
        vec![
            resource_change(
                ChangeAction::Modify,
                "DataFilesystem",
                "AWS::EFS::FileSystem",
                Some(Replacement::Conditional),
            ),
            resource_change(ChangeAction::Remove, "OldQueue", "AWS::SQS::Queue", None),
        ],
    ));
    let clients = Mocks {
        cf,
        ..Default::default()
    }
    .clients();
    let plan = dry_run_app(&clients).await.unwrap();
    assert!(matches!(
        plan,
        Plan::Changes {
            operation: Operation::Update,
            ..
        }
    ));
    assert_eq!(
        summary(&plan),
        [
            (Action::Modify, "WebService".into(), "web service".into()),
            (
                Action::Replace,
                "LoadBalancer".into(),
                "Load balancer".into()
            ),
            (
                Action::MaybeReplace,
                "DataFilesystem".into(),
                "EFS file system (DataFilesystem)".into()
            ),
            (Action::Remove, "OldQueue".into(), "Queue (OldQueue)".into()),
        ]
    );
    let text = ecs_deploy::dryrun::render("app", &plan);
    assert!(
        text.lines()
            .any(|l| l.starts_with("REPLACE (data loss possible)") && l.contains("LoadBalancer"))
            && text.contains("WARNING: replaced resources"),
        "{text}"
    );
    // Where the templates agree (a value from a parameter), the change set's own values.
    assert!(
        text.contains("  Load balancer (LoadBalancer)\n    Subnets[0]: subnet-a -> subnet-b\n"),
        "{text}"
    );
    // What changes inside: the deployed template against the new one.
    assert!(
        text.contains(
            "Inside the changed resources:\n  web service (WebService)\n    \
             DesiredCount: removed (was 2)\n    Tags[team]: removed (was web)\n"
        ),
        "{text}"
    );
    assert_eq!(delete_cs.num_calls(), 1);
    // An existing application's stack is never deleted.
    assert_eq!(delete_stack.num_calls(), 0);
}

/// A volume no service uses any more leaves the stack, but its EFS file system has DeletionPolicy
/// Retain: CloudFormation says so (PolicyAction Retain) and the dry run must not read as data loss.
#[tokio::test]
async fn a_removed_resource_that_is_retained_says_it_is_kept() {
    use aws_sdk_cloudformation::types::PolicyAction;
    let retained = Change::builder()
        .r#type(ChangeType::Resource)
        .resource_change(
            ResourceChange::builder()
                .action(ChangeAction::Remove)
                .logical_resource_id("PgdataFileSystem")
                .resource_type("AWS::EFS::FileSystem")
                .policy_action(PolicyAction::Retain)
                .build(),
        )
        .build();
    let deleted = Change::builder()
        .r#type(ChangeType::Resource)
        .resource_change(
            ResourceChange::builder()
                .action(ChangeAction::Remove)
                .logical_resource_id("DbService")
                .resource_type("AWS::ECS::Service")
                .policy_action(PolicyAction::Delete)
                .build(),
        )
        .build();
    // The deployed template cannot be read: the list of changes stands without what is inside.
    let unreadable = mock!(aws_sdk_cloudformation::Client::get_template).then_error(|| {
        aws_sdk_cloudformation::operation::get_template::GetTemplateError::generic(error(
            "AccessDenied",
            "not allowed to read the template",
        ))
    });
    let mut cf = vec![
        existing_stack("UPDATE_COMPLETE"),
        change_set_created(ChangeSetType::Update),
        change_set_deleted(),
        unreadable,
    ];
    cf.extend(change_set_pages(vec![retained, deleted], Vec::new()));
    let clients = Mocks {
        cf,
        ..Default::default()
    }
    .clients();
    let plan = dry_run_app(&clients).await.unwrap();
    assert_eq!(
        summary(&plan),
        [
            (
                Action::RemoveRetained,
                "PgdataFileSystem".into(),
                "EFS file system (PgdataFileSystem)".into()
            ),
            (
                Action::Remove,
                "DbService".into(),
                "Service (DbService)".into()
            ),
        ]
    );
    let text = ecs_deploy::dryrun::render("app", &plan);
    assert!(
        text.starts_with(
            "Existing stack app would be updated: 0 to add, 0 to modify, 0 to replace, 2 to remove \
             (1 kept in the account)"
        ),
        "{text}"
    );
    assert!(
        text.lines().any(
            |l| l.starts_with("remove (kept in the account)") && l.contains("PgdataFileSystem")
        ),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("remove ") && l.contains("DbService")),
        "{text}"
    );
}

#[tokio::test]
async fn no_changes_refused_at_creation() {
    let delete_stack = stack_deleted();
    let clients = Mocks {
        cf: vec![
            existing_stack("CREATE_COMPLETE"),
            change_set_refused_no_updates(),
            delete_stack.clone(),
        ],
        ..Default::default()
    }
    .clients();
    let plan = dry_run_app(&clients).await.unwrap();
    assert_eq!(plan, Plan::NoChanges);
    assert_eq!(delete_stack.num_calls(), 0);
}

#[tokio::test]
async fn no_changes_reported_by_a_failed_change_set() {
    let delete_cs = change_set_deleted();
    let clients = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            change_set_created(ChangeSetType::Update),
            change_set_failed(NO_CHANGES_REASON),
            delete_cs.clone(),
        ],
        ..Default::default()
    }
    .clients();
    let plan = dry_run_app(&clients).await.unwrap();
    assert_eq!(plan, Plan::NoChanges);
    assert_eq!(delete_cs.num_calls(), 1);
}

#[tokio::test]
async fn a_rejected_change_set_is_still_cleaned_up() {
    let delete_cs = change_set_deleted();
    let delete_stack = stack_deleted();
    let clients = Mocks {
        cf: vec![
            missing_stack(),
            change_set_created(ChangeSetType::Create),
            change_set_failed("Template format error: Unresolved resource dependencies [Nope]"),
            delete_cs.clone(),
            delete_stack.clone(),
            stack_statuses(&["REVIEW_IN_PROGRESS"]),
            change_sets_listed(&[]),
        ],
        ..Default::default()
    }
    .clients();
    let err = dry_run_app(&clients).await.unwrap_err().to_string();
    assert!(err.contains("Unresolved resource dependencies"), "{err}");
    assert_eq!(delete_cs.num_calls(), 1);
    assert_eq!(delete_stack.num_calls(), 1);
}

#[tokio::test]
async fn a_failed_listing_is_still_cleaned_up() {
    let delete_cs = change_set_deleted();
    let clients = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            change_set_created(ChangeSetType::Update),
            mock!(Cf::describe_change_set)
                .sequence()
                .output(|| {
                    DescribeChangeSetOutput::builder()
                        .status(ChangeSetStatus::CreateComplete)
                        .build()
                })
                .error(|| DescribeChangeSetError::generic(error("AccessDenied", "not allowed")))
                .build(),
            delete_cs.clone(),
        ],
        ..Default::default()
    }
    .clients();
    let err = dry_run_app(&clients).await.unwrap_err().to_string();
    assert!(err.contains("AccessDenied: not allowed"), "{err}");
    assert_eq!(delete_cs.num_calls(), 1);
}

#[tokio::test]
async fn a_cleanup_failure_names_what_was_left() {
    let delete_cs = mock!(Cf::delete_change_set)
        .then_error(|| DeleteChangeSetError::generic(error("AccessDenied", "not allowed")));
    let clients = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            change_set_created(ChangeSetType::Update),
            mock!(Cf::describe_change_set).then_output(|| {
                DescribeChangeSetOutput::builder()
                    .status(ChangeSetStatus::CreateComplete)
                    .build()
            }),
            delete_cs.clone(),
        ],
        ..Default::default()
    }
    .clients();
    let err = dry_run_app(&clients).await.unwrap_err().to_string();
    assert!(
        err.contains("could not delete its change set cs-1"),
        "{err}"
    );
    // A refusal that waiting cannot change is not retried.
    assert_eq!(delete_cs.num_calls(), 1);
}

/// A dry run of an update whose DeleteChangeSet always answers `code`.
fn update_whose_change_set_deletion_answers(code: &str) -> (Mocks, aws_smithy_mocks::Rule) {
    let code = code.to_string();
    let delete_cs = mock!(Cf::delete_change_set)
        .then_error(move || DeleteChangeSetError::generic(error(&code, "answered by the test")));
    let mocks = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            change_set_created(ChangeSetType::Update),
            mock!(Cf::describe_change_set).then_output(|| {
                DescribeChangeSetOutput::builder()
                    .status(ChangeSetStatus::CreateComplete)
                    .build()
            }),
            delete_cs.clone(),
        ],
        ..Default::default()
    };
    (mocks, delete_cs)
}

#[tokio::test]
async fn a_change_set_still_computed_after_60_tries_is_left_with_an_error() {
    let (mocks, delete_cs) = update_whose_change_set_deletion_answers("InvalidChangeSetStatus");
    let err = dry_run_app(&mocks.clients()).await.unwrap_err().to_string();
    assert!(
        err.contains("could not delete its change set cs-1"),
        "{err}"
    );
    assert_eq!(delete_cs.num_calls(), 60);
}

#[tokio::test]
async fn a_change_set_already_gone_counts_as_deleted() {
    // Executing another run's change set deletes the stack's others.
    let (mocks, delete_cs) = update_whose_change_set_deletion_answers("ChangeSetNotFound");
    let plan = dry_run_app(&mocks.clients()).await;
    assert!(plan.is_ok(), "{plan:?}");
    assert_eq!(delete_cs.num_calls(), 1);
}

#[tokio::test]
async fn a_stack_of_someone_else_is_refused() {
    let mut foreign = stack(STACK_ID, "CREATE_COMPLETE");
    foreign.tags = None;
    let clients = Mocks {
        cf: vec![mock!(Cf::describe_stacks).then_output(move || {
            DescribeStacksOutput::builder()
                .stacks(foreign.clone())
                .build()
        })],
        ..Default::default()
    }
    .clients();
    let err = dry_run_app(&clients).await.unwrap_err().to_string();
    assert!(err.contains("was not deployed by docker ecs"), "{err}");
}

/// What the dry run says it removed after cs-1 of a stack it created.
fn removed_change_set_and_stack() -> Vec<String> {
    vec![
        "change set cs-1".to_string(),
        "the empty stack app (REVIEW_IN_PROGRESS) the change set created".to_string(),
    ]
}

#[tokio::test]
async fn ctrl_c_while_the_change_set_is_computed_deletes_it() {
    let (sender, mut interrupts) = Interrupts::channel();
    let delete_cs = change_set_deleted();
    let delete_stack = stack_deleted();
    let clients = Mocks {
        cf: vec![
            missing_stack(),
            change_set_created(ChangeSetType::Create),
            mock!(Cf::describe_change_set).then_compute_output(move |_| {
                let _ = sender.send(());
                DescribeChangeSetOutput::builder()
                    .status(ChangeSetStatus::CreatePending)
                    .build()
            }),
            delete_cs.clone(),
            delete_stack.clone(),
            stack_statuses(&["REVIEW_IN_PROGRESS"]),
            change_sets_listed(&[]),
        ],
        ..Default::default()
    }
    .clients();
    let plan = dry_run(
        &clients,
        "app",
        &small_built(),
        &Default::default(),
        INTERVAL,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        plan,
        Plan::Interrupted {
            removed: removed_change_set_and_stack()
        }
    );
    assert_eq!(delete_cs.num_calls(), 1);
    assert_eq!(delete_stack.num_calls(), 1);
}

#[tokio::test]
async fn ctrl_c_during_create_change_set_removes_the_change_set_and_the_stack_it_made() {
    let (sender, mut interrupts) = Interrupts::channel();
    let created = change_set_created_during_ctrl_c(sender, 1);
    let described = change_set_pending();
    let delete_cs = change_set_deleted();
    let delete_stack = stack_deleted();
    let clients = Mocks {
        cf: vec![
            missing_stack(),
            created.clone(),
            described.clone(),
            delete_cs.clone(),
            delete_stack.clone(),
            stack_statuses(&["REVIEW_IN_PROGRESS"]),
            change_sets_listed(&[]),
        ],
        ..Default::default()
    }
    .clients();
    let plan = dry_run(
        &clients,
        "app",
        &small_built(),
        &Default::default(),
        INTERVAL,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        plan,
        Plan::Interrupted {
            removed: removed_change_set_and_stack()
        }
    );
    assert_eq!(
        ecs_deploy::dryrun::render("app", &plan),
        "Interrupted: the dry run removed what it had made (change set cs-1 and the empty stack app \
         (REVIEW_IN_PROGRESS) the change set created); stack app was not changed\n"
    );
    assert_eq!(created.num_calls(), 1);
    // Nothing more is asked of a change set nobody wants any more.
    assert_eq!(described.num_calls(), 0);
    assert_eq!((delete_cs.num_calls(), delete_stack.num_calls()), (1, 1));
}

#[tokio::test]
async fn ctrl_c_during_create_change_set_of_an_update_keeps_the_stack() {
    let (sender, mut interrupts) = Interrupts::channel();
    let delete_cs = change_set_deleted();
    let delete_stack = stack_deleted();
    let clients = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            change_set_created_during_ctrl_c(sender, 1),
            delete_cs.clone(),
            delete_stack.clone(),
        ],
        ..Default::default()
    }
    .clients();
    let plan = dry_run(
        &clients,
        "app",
        &small_built(),
        &Default::default(),
        INTERVAL,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        plan,
        Plan::Interrupted {
            removed: vec!["change set cs-1".to_string()]
        }
    );
    assert_eq!(delete_cs.num_calls(), 1);
    assert_eq!(delete_stack.num_calls(), 0);
}

#[tokio::test]
async fn ctrl_c_during_a_create_change_set_answered_no_updates_is_still_an_interruption() {
    let (sender, mut interrupts) = Interrupts::channel();
    let clients = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            mock!(Cf::create_change_set).then_compute_response(move |_| {
                let _ = sender.send(());
                aws_smithy_mocks::MockResponse::Error(no_updates())
            }),
        ],
        ..Default::default()
    }
    .clients();
    let plan = dry_run(
        &clients,
        "app",
        &small_built(),
        &Default::default(),
        INTERVAL,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        plan,
        Plan::Interrupted {
            removed: Vec::new()
        }
    );
}

#[tokio::test]
async fn ctrl_c_before_the_change_set_makes_none() {
    let (sender, mut interrupts) = Interrupts::channel();
    sender.send(()).unwrap();
    let created = change_set_created(ChangeSetType::Create);
    let clients = Mocks {
        cf: vec![missing_stack(), created.clone()],
        ..Default::default()
    }
    .clients();
    let plan = dry_run(
        &clients,
        "app",
        &small_built(),
        &Default::default(),
        INTERVAL,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        plan,
        Plan::Interrupted {
            removed: Vec::new()
        }
    );
    assert_eq!(
        ecs_deploy::dryrun::render("app", &plan),
        "Interrupted before the dry run made anything; stack app was not changed\n"
    );
    assert_eq!(created.num_calls(), 0);
}

#[tokio::test]
async fn a_change_set_still_being_computed_is_deleted_once_cloudformation_allows_it() {
    let (sender, mut interrupts) = Interrupts::channel();
    let delete_cs = mock!(Cf::delete_change_set)
        .match_requests(|r| r.change_set_name() == Some("cs-1") && r.stack_name() == Some(STACK_ID))
        .sequence()
        .error(|| {
            DeleteChangeSetError::generic(error(
                "InvalidChangeSetStatus",
                "Cannot delete ChangeSet in status CREATE_IN_PROGRESS",
            ))
        })
        .times(2)
        .output(|| DeleteChangeSetOutput::builder().build())
        .build();
    let clients = Mocks {
        cf: vec![
            existing_stack("UPDATE_COMPLETE"),
            change_set_created_during_ctrl_c(sender, 1),
            delete_cs.clone(),
        ],
        ..Default::default()
    }
    .clients();
    let plan = dry_run(
        &clients,
        "app",
        &small_built(),
        &Default::default(),
        INTERVAL,
        &mut interrupts,
    )
    .await
    .unwrap();
    assert_eq!(
        plan,
        Plan::Interrupted {
            removed: vec!["change set cs-1".to_string()]
        }
    );
    assert_eq!(delete_cs.num_calls(), 3);
}

#[tokio::test]
async fn a_second_ctrl_c_stops_waiting_and_names_the_change_set_left() {
    let (sender, mut interrupts) = Interrupts::channel();
    let delete_cs = mock!(Cf::delete_change_set).then_error(|| {
        DeleteChangeSetError::generic(error(
            "InvalidChangeSetStatus",
            "Cannot delete ChangeSet in status CREATE_IN_PROGRESS",
        ))
    });
    let delete_stack = stack_deleted();
    let clients = Mocks {
        cf: vec![
            missing_stack(),
            change_set_created_during_ctrl_c(sender, 2),
            delete_cs.clone(),
            delete_stack.clone(),
            stack_statuses(&["REVIEW_IN_PROGRESS"]),
            change_sets_listed(&[]),
        ],
        ..Default::default()
    }
    .clients();
    let err = dry_run(
        &clients,
        "app",
        &small_built(),
        &Default::default(),
        INTERVAL,
        &mut interrupts,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("could not delete its change set cs-1")
            && err.contains("interrupted again while CloudFormation was still computing it"),
        "{err}"
    );
    assert_eq!(delete_cs.num_calls(), 1);
    // The stack is still removed: the change set goes with it.
    assert_eq!(delete_stack.num_calls(), 1);
}

#[tokio::test]
async fn a_large_template_uploaded_for_the_dry_run_is_deleted_after_it() {
    let mut cf = vec![
        change_set_created_from_upload(),
        change_set_deleted(),
        stack_deleted(),
        stack_statuses(&["REVIEW_IN_PROGRESS"]),
        change_sets_listed(&[]),
    ];
    cf.extend(change_set_pages(
        vec![resource_change(
            ChangeAction::Add,
            "WebService",
            "AWS::ECS::Service",
            None,
        )],
        Vec::new(),
    ));
    let large = large_template_mocks(cf);
    let plan = dry_run(
        &large.mocks.clients(),
        "app",
        &large_built(),
        &Default::default(),
        INTERVAL,
        &mut Interrupts::none(),
    )
    .await
    .unwrap();
    assert!(matches!(
        plan,
        Plan::Changes {
            operation: Operation::Create,
            ..
        }
    ));
    let uploaded = large.keys.lock().unwrap().clone();
    assert_eq!(uploaded.len(), 1, "{uploaded:?}");
    assert!(uploaded[0].starts_with("app/"), "{uploaded:?}");
    // template_deleted only answers for an uploaded key in the bucket, as its owner.
    assert_eq!(large.deleted.num_calls(), 1);
}

#[tokio::test]
async fn a_large_template_is_deleted_when_the_change_set_is_rejected() {
    let large = large_template_mocks(vec![
        change_set_created_from_upload(),
        change_set_failed("Template format error: Unresolved resource dependencies [Nope]"),
        change_set_deleted(),
        stack_deleted(),
        stack_statuses(&["REVIEW_IN_PROGRESS"]),
        change_sets_listed(&[]),
    ]);
    let err = dry_run(
        &large.mocks.clients(),
        "app",
        &large_built(),
        &Default::default(),
        INTERVAL,
        &mut Interrupts::none(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("Unresolved resource dependencies"), "{err}");
    assert_eq!(large.deleted.num_calls(), 1);
}

#[tokio::test]
async fn a_large_template_is_deleted_when_creating_the_change_set_fails() {
    let large = large_template_mocks(vec![mock!(Cf::create_change_set)
        .then_error(|| CreateChangeSetError::generic(error("AccessDenied", "not allowed")))]);
    let err = dry_run(
        &large.mocks.clients(),
        "app",
        &large_built(),
        &Default::default(),
        INTERVAL,
        &mut Interrupts::none(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("AccessDenied: not allowed"), "{err}");
    assert_eq!(large.deleted.num_calls(), 1);
}

#[tokio::test]
async fn a_large_template_is_deleted_on_ctrl_c() {
    let (sender, mut interrupts) = Interrupts::channel();
    let large = large_template_mocks(vec![
        mock!(Cf::create_change_set)
            .match_requests(reads_uploaded_template)
            .then_compute_output(ctrl_c_then_answer(sender, 1)),
        change_set_deleted(),
        stack_deleted(),
        stack_statuses(&["REVIEW_IN_PROGRESS"]),
        change_sets_listed(&[]),
    ]);
    let plan = dry_run(
        &large.mocks.clients(),
        "app",
        &large_built(),
        &Default::default(),
        INTERVAL,
        &mut interrupts,
    )
    .await
    .unwrap();
    let key = large.keys.lock().unwrap()[0].clone();
    let mut removed = removed_change_set_and_stack();
    removed.push(format!(
        "the uploaded template s3://{TEMPLATE_BUCKET}/{key}"
    ));
    assert_eq!(plan, Plan::Interrupted { removed });
    assert_eq!(large.deleted.num_calls(), 1);
}

#[tokio::test]
async fn a_stack_in_review_uses_a_create_change_set_and_is_kept() {
    let delete_cs = change_set_deleted();
    let delete_stack = stack_deleted();
    let mut cf = vec![
        existing_stack("REVIEW_IN_PROGRESS"),
        change_set_created(ChangeSetType::Create),
        delete_cs.clone(),
        delete_stack.clone(),
    ];
    cf.extend(change_set_pages(
        vec![resource_change(
            ChangeAction::Add,
            "WebService",
            "AWS::ECS::Service",
            None,
        )],
        Vec::new(),
    ));
    let clients = Mocks {
        cf,
        ..Default::default()
    }
    .clients();
    let plan = dry_run_app(&clients).await.unwrap();
    assert!(matches!(
        plan,
        Plan::Changes {
            operation: Operation::Create,
            ..
        }
    ));
    assert_eq!(delete_cs.num_calls(), 1);
    // It existed before the dry run: not ours to delete.
    assert_eq!(delete_stack.num_calls(), 0);
}

#[tokio::test]
async fn a_failed_create_would_be_recreated_from_the_whole_template() {
    let created = change_set_created(ChangeSetType::Create);
    let clients = Mocks {
        cf: vec![existing_stack("ROLLBACK_COMPLETE"), created.clone()],
        ..Default::default()
    }
    .clients();
    let plan = dry_run_app(&clients).await.unwrap();
    assert!(matches!(
        plan,
        Plan::Changes {
            operation: Operation::Recreate,
            ..
        }
    ));
    let text = ecs_deploy::dryrun::render("app", &plan);
    assert!(
        text.starts_with("Stack app (ROLLBACK_COMPLETE after a failed create) would be deleted and created anew: 2 to add"),
        "{text}"
    );
    // No change set can be made for such a stack: the plan comes from the template.
    assert_eq!(created.num_calls(), 0);
}
