//! `docker ecs up --dry-run` / `docker ecs diff`: ask CloudFormation what `up` would change by
//! creating the change set `up` would execute, list its resource changes, then delete it (with the
//! empty REVIEW_IN_PROGRESS stack a CREATE change set makes and a template uploaded to S3). Nothing of
//! the application changes.

use crate::error::AwsContext;
use std::time::Duration;

use aws_sdk_cloudformation::types::{ChangeAction, PolicyAction, Replacement};
use aws_sdk_cloudformation::Client;
use template_builder::Built;

use crate::interrupt::Interrupts;
use crate::lifecycle::changeset::{self, ChangeSet, ChangeSetRequest, Prepared};
use crate::lifecycle::cleanup::{self, remove, Leftovers};
use crate::lifecycle::parameters::{self, PushedImages};
use crate::lifecycle::property_diff::{self, PropertyChange};
use crate::lifecycle::resource_names::ResourceNames;
use crate::lifecycle::{preconditions, upload};
use crate::stack::{self, DeployTarget};
use crate::{table, Clients, Error};

/// What would happen to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Add,
    Modify,
    /// Modified by creating a new resource and deleting the old one.
    Replace,
    /// Replaced only if a value known at deploy time says so (CloudFormation's `Conditional`).
    MaybeReplace,
    Remove,
    /// Removed from the stack but kept in the account (DeletionPolicy Retain, e.g. an EFS file
    /// system whose volume no service uses any more).
    RemoveRetained,
    /// Import, Dynamic, or an action newer than this tool.
    Other,
}

impl Action {
    /// The resource stays and its properties change (in place, or by a replacement).
    fn changes_in_place(self) -> bool {
        matches!(
            self,
            Action::Modify | Action::Replace | Action::MaybeReplace
        )
    }

    fn label(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Modify => "modify",
            Action::Replace => "REPLACE (data loss possible)",
            Action::MaybeReplace => "MAY REPLACE (data loss possible)",
            Action::Remove => "remove",
            Action::RemoveRetained => "remove (kept in the account)",
            Action::Other => "other",
        }
    }
}

/// One resource change of the change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceChange {
    pub action: Action,
    pub logical_id: String,
    pub resource_type: String,
    /// "web service", "Load balancer", ... (see [`ResourceNames`]).
    pub description: String,
    /// For Other: CloudFormation's own action name.
    pub detail: Option<String>,
    /// For a modified or replaced resource: what changes inside it (deployed template vs new).
    pub properties: Vec<PropertyChange>,
}

/// What `up` would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The deployed stack already matches.
    NoChanges,
    /// Ctrl-C: what the dry run had made was removed (as the user reads it: "change set ...").
    Interrupted { removed: Vec<String> },
    Changes {
        operation: Operation,
        changes: Vec<ResourceChange>,
        /// Stack parameters whose value changes (the image digests of built services...).
        parameters: Vec<PropertyChange>,
    },
}

/// What `up` would do with the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    /// Delete the stack a failed create left in ROLLBACK_COMPLETE, then create it anew.
    Recreate,
}

/// Compute the plan. Read-only for the application: the change set, any stack it created and the
/// template uploaded for it are deleted before returning, also when reading them failed or the user
/// pressed Ctrl-C.
pub async fn dry_run(
    clients: &Clients,
    project: &str,
    built: &Built,
    images: &PushedImages,
    poll_interval: Duration,
    interrupts: &mut Interrupts,
) -> Result<Plan, Error> {
    let cf = &clients.cloudformation;
    stack::check_name(project)?;
    let names = ResourceNames::from_template(&built.template);
    // Reads only, up to the upload: a Ctrl-C stops them with nothing to undo.
    let found = interrupts
        .unless_interrupted(async {
            preconditions::check(clients, &built.preconditions).await?;
            stack::describe(cf, project).await
        })
        .await;
    let Some(found) = found else {
        return Ok(Plan::Interrupted {
            removed: Vec::new(),
        });
    };

    // (create?, id of a stack that exists under the name, its parameter values)
    let (create, existing_id, deployed_parameters) =
        match stack::deploy_target(project, found?, "try again")? {
            DeployTarget::Create => (true, None, Vec::new()),
            // `up` deletes such a stack and creates it anew: everything in the template is added.
            DeployTarget::Recreate(_) => {
                return Ok(Plan::Changes {
                    operation: Operation::Recreate,
                    changes: all_added(&built.template, &names),
                    parameters: Vec::new(),
                })
            }
            DeployTarget::Review(id) => (true, Some(id), Vec::new()),
            DeployTarget::Update(existing) => (false, Some(existing.id), existing.parameters),
        };

    let resolved = interrupts
        .unless_interrupted(parameters::resolve(
            clients,
            project,
            built,
            existing_id.as_deref(),
            images,
        ))
        .await;
    let Some(parameters) = resolved else {
        return Ok(Plan::Interrupted {
            removed: Vec::new(),
        });
    };
    let parameters = parameters?;
    let parameter_changes = if create {
        Vec::new()
    } else {
        property_diff::parameter_changes(&deployed_parameters, &parameters)
    };
    let body = serde_json::to_string(&built.template)
        .map_err(|e| Error::Precondition(format!("the template cannot be serialised: {e}")))?;
    let (template, interrupted) = interrupts
        .run_to_end(upload::prepare(clients, project, body), || {})
        .await;
    let template = template?;
    let mut leftovers = Leftovers::new(project, template.uploaded());
    let request = ChangeSetRequest {
        stack_name: project.to_string(),
        project: project.to_string(),
        create,
        template,
        parameters,
    };
    // Only a stack this change set brought into being is ours to delete.
    let made_stack = create && existing_id.is_none();
    let computed = if interrupted {
        Ok(Computed::Interrupted)
    } else {
        compute(
            clients,
            &request,
            made_stack,
            &names,
            poll_interval,
            interrupts,
            &mut leftovers,
        )
        .await
    };
    // Whatever happened, nothing the dry run made stays; the first error is the one to report.
    let removed = remove(clients, &leftovers, poll_interval, interrupts).await;
    let computed = computed?;
    // A stack another run uses was kept: it is that run's, not the dry run's.
    let removed = removed?.removed;
    Ok(match computed {
        Computed::NoChanges => Plan::NoChanges,
        Computed::Interrupted => Plan::Interrupted { removed },
        Computed::Changes(mut changes) => {
            let modified = changes.iter().any(|c| c.action.changes_in_place());
            if let (false, Some(id), true) = (create, &existing_id, modified) {
                // Display only: without the deployed template, the list of resources remains.
                if let Some(deployed) = stack::deployed_template(cf, id).await {
                    describe_inside(&mut changes, &deployed, &built.template);
                }
            }
            Plan::Changes {
                operation: if create {
                    Operation::Create
                } else {
                    Operation::Update
                },
                changes,
                parameters: parameter_changes,
            }
        }
    })
}

/// Fill in what changes inside each modified or replaced resource from the two templates.
fn describe_inside(
    changes: &mut [ResourceChange],
    deployed: &serde_json::Value,
    new: &serde_json::Value,
) {
    for change in changes {
        if !change.action.changes_in_place() {
            continue;
        }
        let resource = |template: &serde_json::Value| {
            template
                .get("Resources")
                .and_then(|r| r.get(&change.logical_id))
                .cloned()
        };
        if let (Some(before), Some(after)) = (resource(deployed), resource(new)) {
            // The templates name containers and variables; where they are equal (a value that
            // comes from a parameter), the change set's own values stay.
            let compared = property_diff::resource_changes(&before, &after);
            if !compared.is_empty() {
                change.properties = compared;
            }
        }
    }
}

/// What the change set said, before clean-up.
enum Computed {
    NoChanges,
    Interrupted,
    Changes(Vec<ResourceChange>),
}

/// Create the change set and read it; what it made goes into `leftovers` as soon as it is known.
async fn compute(
    clients: &Clients,
    request: &ChangeSetRequest,
    made_stack: bool,
    names: &ResourceNames,
    poll_interval: Duration,
    interrupts: &mut Interrupts,
    leftovers: &mut Leftovers,
) -> Result<Computed, Error> {
    let cf = &clients.cloudformation;
    // Once sent, the request is allowed to finish: only its answer names what a Ctrl-C must remove.
    let (created, interrupted) = interrupts
        .run_to_end(changeset::create(cf, request), || {})
        .await;
    let change_set = match created? {
        Prepared::NoChanges if interrupted => return Ok(Computed::Interrupted),
        Prepared::NoChanges => return Ok(Computed::NoChanges),
        Prepared::Ready(change_set) => change_set,
    };
    leftovers.add_change_set(&change_set, made_stack);
    if interrupted {
        return Ok(Computed::Interrupted);
    }
    let read = interrupts
        .unless_interrupted(async {
            match changeset::wait_until_ready(cf, &change_set, poll_interval, clients.limits.wait)
                .await?
            {
                Prepared::NoChanges => Ok(None),
                Prepared::Ready(_) => read_changes(cf, &change_set, names).await.map(Some),
            }
        })
        .await;
    match read {
        None => Ok(Computed::Interrupted),
        Some(Ok(Some(changes))) => Ok(Computed::Changes(changes)),
        Some(Ok(None)) => {
            // A FAILED "no changes" change set is already deleted by wait_until_ready.
            leftovers.change_set = None;
            Ok(Computed::NoChanges)
        }
        Some(Err(err)) => Err(err),
    }
}

/// Every resource of the template as an addition (a stack that will be created from scratch).
fn all_added(template: &serde_json::Value, names: &ResourceNames) -> Vec<ResourceChange> {
    let Some(resources) = template.get("Resources").and_then(|r| r.as_object()) else {
        return Vec::new();
    };
    resources
        .iter()
        .map(|(logical_id, resource)| {
            let resource_type = resource
                .get("Type")
                .and_then(|t| t.as_str())
                .unwrap_or_default()
                .to_string();
            ResourceChange {
                action: Action::Add,
                description: names.describe(logical_id, &resource_type),
                logical_id: logical_id.clone(),
                resource_type,
                detail: None,
                properties: Vec::new(),
            }
        })
        .collect()
}

/// All resource changes of a ready change set (DescribeChangeSet pages through them).
async fn read_changes(
    cf: &Client,
    change_set: &ChangeSet,
    names: &ResourceNames,
) -> Result<Vec<ResourceChange>, Error> {
    let mut changes = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let out = cf
            .describe_change_set()
            .change_set_name(&change_set.id)
            .stack_name(&change_set.stack_id)
            .set_next_token(next_token.take())
            .include_property_values(true)
            .send()
            .await
            .context("reading the change set's changes")?;
        for change in out.changes() {
            let Some(rc) = change.resource_change() else {
                continue;
            };
            let logical_id = rc.logical_resource_id().unwrap_or_default().to_string();
            let resource_type = rc.resource_type().unwrap_or_default().to_string();
            let (action, detail) = match rc.action() {
                Some(ChangeAction::Add) => (Action::Add, None),
                Some(ChangeAction::Remove) if rc.policy_action() == Some(&PolicyAction::Retain) => {
                    (Action::RemoveRetained, None)
                }
                Some(ChangeAction::Remove) => (Action::Remove, None),
                Some(ChangeAction::Modify) => (
                    match rc.replacement() {
                        Some(Replacement::True) => Action::Replace,
                        Some(Replacement::Conditional) => Action::MaybeReplace,
                        _ => Action::Modify,
                    },
                    None,
                ),
                Some(other) => (Action::Other, Some(other.as_str().to_string())),
                None => (Action::Other, None),
            };
            // What the change set itself says changes, where AWS gives the values.
            let mut properties: Vec<PropertyChange> = Vec::new();
            for target in rc.details().iter().filter_map(|d| d.target()) {
                let path = target.path().or(target.name()).unwrap_or_default();
                if let Some(change) = property_diff::from_change_set(
                    path,
                    target.before_value(),
                    target.after_value(),
                ) {
                    if !properties.iter().any(|p| p.path == change.path) {
                        properties.push(change);
                    }
                }
            }
            changes.push(ResourceChange {
                action,
                description: names.describe(&logical_id, &resource_type),
                logical_id,
                resource_type,
                detail,
                properties,
            });
        }
        match out.next_token() {
            Some(token) if !token.is_empty() => next_token = Some(token.to_string()),
            _ => return Ok(changes),
        }
    }
}

const SECRET_TYPE: &str = "AWS::SecretsManager::Secret";

/// Tasks read their secrets when they start: a new value reaches only tasks started after it.
pub const SECRET_NOTE: &str = "NOTE: running tasks read secrets when they start; `docker ecs up \
     --force-new-deployment` restarts them with the new value";

/// The plan as the user reads it: a summary line, then one row per resource, grouped by action
/// (additions, modifications, replacements, removals) and sorted by logical id within a group.
/// How `up` will deploy a project with one-off jobs (up.rs): the jobs in their order, and the
/// services that get their new version only after them.
pub fn jobs_note(jobs: &[template_builder::jobs::Job]) -> Option<String> {
    if jobs.is_empty() {
        return None;
    }
    let names: Vec<&str> = jobs.iter().map(|j| j.service.as_str()).collect();
    let mut waiting: Vec<&str> = jobs
        .iter()
        .flat_map(|j| j.waiting.iter().map(|w| w.service.as_str()))
        .collect();
    waiting.sort_unstable();
    waiting.dedup();
    let mut note = format!(
        "Jobs: `docker ecs up` runs {} once these changes are made",
        names.join(", then ")
    );
    if !waiting.is_empty() {
        note.push_str(&format!(
            ", before {} get{} {} new version",
            waiting.join(", "),
            if waiting.len() == 1 { "s" } else { "" },
            if waiting.len() == 1 { "its" } else { "their" }
        ));
    }
    note.push('\n');
    Some(note)
}

pub fn render(project: &str, plan: &Plan) -> String {
    let (operation, changes, parameters) = match plan {
        Plan::NoChanges => {
            return format!(
                "No changes: stack {project} already matches the compose file (dry run, nothing was changed)\n"
            )
        }
        Plan::Interrupted { removed } if removed.is_empty() => {
            return format!(
                "Interrupted before the dry run made anything; stack {project} was not changed\n"
            )
        }
        Plan::Interrupted { removed } => {
            return format!(
                "Interrupted: the dry run removed what it had made ({}); stack {project} was not changed\n",
                cleanup::join(removed)
            )
        }
        Plan::Changes {
            operation,
            changes,
            parameters,
        } => (*operation, changes, parameters),
    };
    let mut sorted: Vec<&ResourceChange> = changes.iter().collect();
    sorted.sort_by(|a, b| {
        (a.action, &a.logical_id, &a.resource_type).cmp(&(
            b.action,
            &b.logical_id,
            &b.resource_type,
        ))
    });
    let count = |wanted: &[Action]| sorted.iter().filter(|c| wanted.contains(&c.action)).count();
    let mut parts = vec![
        format!("{} to add", count(&[Action::Add])),
        format!("{} to modify", count(&[Action::Modify])),
        format!(
            "{} to replace",
            count(&[Action::Replace, Action::MaybeReplace])
        ),
        match count(&[Action::RemoveRetained]) {
            0 => format!("{} to remove", count(&[Action::Remove])),
            kept => format!(
                "{} to remove ({kept} kept in the account)",
                count(&[Action::Remove, Action::RemoveRetained])
            ),
        },
    ];
    let others = count(&[Action::Other]);
    if others > 0 {
        parts.push(format!("{others} other"));
    }
    let what = match operation {
        Operation::Create => format!("New stack {project} would be created"),
        Operation::Update => format!("Existing stack {project} would be updated"),
        Operation::Recreate => format!(
            "Stack {project} (ROLLBACK_COMPLETE after a failed create) would be deleted and created anew"
        ),
    };
    let summary = if sorted.is_empty() {
        // CloudFormation still updates the stack: its outputs, tags or parameter values changed.
        "no resource changes (only outputs, tags or parameter values differ)".to_string()
    } else {
        parts.join(", ")
    };
    let mut out = format!("{what}: {summary} (dry run, nothing was changed)\n");
    let rows: Vec<Vec<String>> = sorted
        .iter()
        .map(|c| {
            let action = match (&c.action, &c.detail) {
                (Action::Other, Some(detail)) => detail.clone(),
                (action, _) => action.label().to_string(),
            };
            vec![
                action,
                c.logical_id.clone(),
                c.resource_type.clone(),
                c.description.clone(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        out.push_str(&table::render(
            &["ACTION", "RESOURCE", "TYPE", "DESCRIPTION"],
            &rows,
        ));
    }
    let inside: Vec<&&ResourceChange> =
        sorted.iter().filter(|c| !c.properties.is_empty()).collect();
    if !inside.is_empty() {
        out.push_str("Inside the changed resources:\n");
        for change in inside {
            out.push_str(&format!(
                "  {} ({})\n",
                change.description, change.logical_id
            ));
            for property in &change.properties {
                out.push_str(&format!("    {}\n", property.text()));
            }
        }
    }
    if !parameters.is_empty() {
        out.push_str("Parameters that change:\n");
        for parameter in parameters {
            out.push_str(&format!("    {}\n", parameter.text()));
        }
    }
    let secret_changed = sorted
        .iter()
        .any(|c| c.resource_type == SECRET_TYPE && c.action.changes_in_place());
    if secret_changed {
        out.push_str(SECRET_NOTE);
        out.push('\n');
    }
    if count(&[Action::Replace, Action::MaybeReplace]) > 0 {
        out.push_str(
            "WARNING: replaced resources are deleted and created anew: their data (EFS file systems, \
             secrets, log groups) and names or addresses (load balancer DNS) may be lost\n",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use template_builder::jobs::{Job, Waiting};

    #[test]
    fn the_jobs_note_says_the_order_up_follows() {
        assert_eq!(jobs_note(&[]), None);
        let waiting = |service: &str| Waiting {
            service: service.into(),
            service_id: String::new(),
            task_definition_id: String::new(),
        };
        let jobs = [
            Job {
                service: "migrate".into(),
                service_id: String::new(),
                waiting: vec![waiting("web"), waiting("worker")],
            },
            Job {
                service: "seed".into(),
                service_id: String::new(),
                waiting: vec![waiting("web")],
            },
        ];
        assert_eq!(
            jobs_note(&jobs).as_deref(),
            Some(
                "Jobs: `docker ecs up` runs migrate, then seed once these changes are made, \
                 before web, worker get their new version\n"
            )
        );
        assert_eq!(
            jobs_note(&jobs[1..]).as_deref(),
            Some(
                "Jobs: `docker ecs up` runs seed once these changes are made, before web gets \
                 its new version\n"
            )
        );
    }

    fn change(
        action: Action,
        logical_id: &str,
        resource_type: &str,
        description: &str,
    ) -> ResourceChange {
        ResourceChange {
            action,
            logical_id: logical_id.into(),
            resource_type: resource_type.into(),
            description: description.into(),
            detail: None,
            properties: Vec::new(),
        }
    }

    #[test]
    fn interrupted_says_what_was_removed() {
        let removed = vec![
            "change set cs-1".to_string(),
            "the empty stack app (REVIEW_IN_PROGRESS) the change set created".to_string(),
        ];
        assert_eq!(
            render("app", &Plan::Interrupted { removed }),
            "Interrupted: the dry run removed what it had made (change set cs-1 and the empty stack app \
             (REVIEW_IN_PROGRESS) the change set created); stack app was not changed\n"
        );
        assert_eq!(
            render(
                "app",
                &Plan::Interrupted {
                    removed: Vec::new()
                }
            ),
            "Interrupted before the dry run made anything; stack app was not changed\n"
        );
    }

    #[test]
    fn an_update_without_resource_changes_says_what_differs() {
        let plan = Plan::Changes {
            operation: Operation::Update,
            changes: Vec::new(),
            parameters: Vec::new(),
        };
        assert_eq!(
            render("app", &plan),
            "Existing stack app would be updated: no resource changes (only outputs, tags or parameter \
             values differ) (dry run, nothing was changed)\n"
        );
    }

    #[test]
    fn what_changes_inside_resources_and_parameters_follows_the_table() {
        let mut definition = change(
            Action::Replace,
            "WebTaskDefinition",
            "AWS::ECS::TaskDefinition",
            "web task definition",
        );
        definition.properties = vec![PropertyChange {
            path: "ContainerDefinitions[web].Image".into(),
            before: Some("nginx:1.27".into()),
            after: Some("nginx:1.28".into()),
        }];
        let plan = Plan::Changes {
            operation: Operation::Update,
            changes: vec![
                definition,
                change(
                    Action::Modify,
                    "WebService",
                    "AWS::ECS::Service",
                    "web service",
                ),
            ],
            parameters: vec![PropertyChange {
                path: "ApiImage".into(),
                before: Some("repo@sha256:aaa".into()),
                after: Some("repo@sha256:bbb".into()),
            }],
        };
        let text = render("app", &plan);
        let (table, inside) = text.split_once("Inside the changed resources:\n").unwrap();
        assert!(table.contains("WebService"), "{text}");
        assert!(
            inside.starts_with(
                "  web task definition (WebTaskDefinition)\n    \
                 ContainerDefinitions[web].Image: nginx:1.27 -> nginx:1.28\n\
                 Parameters that change:\n    ApiImage: repo@sha256:aaa -> repo@sha256:bbb\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_changed_secret_says_running_tasks_keep_the_old_value() {
        let plan = Plan::Changes {
            operation: Operation::Update,
            changes: vec![change(
                Action::Modify,
                "DbPasswordSecret",
                SECRET_TYPE,
                "db_password secret",
            )],
            parameters: Vec::new(),
        };
        let text = render("app", &plan);
        assert!(text.ends_with(&format!("{SECRET_NOTE}\n")), "{text}");
    }

    #[test]
    fn no_changes() {
        assert_eq!(
            render("app", &Plan::NoChanges),
            "No changes: stack app already matches the compose file (dry run, nothing was changed)\n"
        );
    }

    #[test]
    fn update_groups_by_action_and_flags_replacements() {
        let plan = Plan::Changes {
            operation: Operation::Update,
            changes: vec![
                change(
                    Action::Remove,
                    "OldLogGroup",
                    "AWS::Logs::LogGroup",
                    "old log group",
                ),
                change(
                    Action::Replace,
                    "DataFilesystem",
                    "AWS::EFS::FileSystem",
                    "data EFS file system",
                ),
                change(
                    Action::Modify,
                    "WebService",
                    "AWS::ECS::Service",
                    "web service",
                ),
                change(
                    Action::Add,
                    "WorkerService",
                    "AWS::ECS::Service",
                    "worker service",
                ),
                change(
                    Action::MaybeReplace,
                    "LoadBalancer",
                    "AWS::ElasticLoadBalancingV2::LoadBalancer",
                    "Load balancer",
                ),
                change(
                    Action::Add,
                    "WorkerTaskDefinition",
                    "AWS::ECS::TaskDefinition",
                    "worker task definition",
                ),
            ],
            parameters: Vec::new(),
        };
        assert_eq!(
            render("app", &plan),
            "Existing stack app would be updated: 2 to add, 1 to modify, 2 to replace, 1 to remove (dry run, nothing was changed)\n\
             ACTION                             RESOURCE               TYPE                                        DESCRIPTION\n\
             add                                WorkerService          AWS::ECS::Service                           worker service\n\
             add                                WorkerTaskDefinition   AWS::ECS::TaskDefinition                    worker task definition\n\
             modify                             WebService             AWS::ECS::Service                           web service\n\
             REPLACE (data loss possible)       DataFilesystem         AWS::EFS::FileSystem                        data EFS file system\n\
             MAY REPLACE (data loss possible)   LoadBalancer           AWS::ElasticLoadBalancingV2::LoadBalancer   Load balancer\n\
             remove                             OldLogGroup            AWS::Logs::LogGroup                         old log group\n\
             WARNING: replaced resources are deleted and created anew: their data (EFS file systems, secrets, log groups) and names or addresses (load balancer DNS) may be lost\n"
        );
    }

    #[test]
    fn create_lists_additions_and_names_other_actions() {
        let mut import = change(Action::Other, "Bucket", "AWS::S3::Bucket", "S3 bucket");
        import.detail = Some("Import".into());
        let plan = Plan::Changes {
            operation: Operation::Create,
            changes: vec![
                change(Action::Add, "Cluster", "AWS::ECS::Cluster", "ECS cluster"),
                import,
            ],
            parameters: Vec::new(),
        };
        assert_eq!(
            render("app", &plan),
            "New stack app would be created: 1 to add, 0 to modify, 0 to replace, 0 to remove, 1 other (dry run, nothing was changed)\n\
             ACTION   RESOURCE   TYPE                DESCRIPTION\n\
             add      Cluster    AWS::ECS::Cluster   ECS cluster\n\
             Import   Bucket     AWS::S3::Bucket     S3 bucket\n"
        );
    }

    #[test]
    fn a_rolled_back_stack_is_recreated_from_the_whole_template() {
        let template = serde_json::json!({"Resources": {
            "WebService": {"Type": "AWS::ECS::Service", "Properties": {"Tags": [
                {"Key": "com.docker.compose.service", "Value": "web"}]}},
            "Cluster": {"Type": "AWS::ECS::Cluster"}
        }});
        let names = ResourceNames::from_template(&template);
        let mut added = all_added(&template, &names);
        added.sort_by(|a, b| a.logical_id.cmp(&b.logical_id));
        assert_eq!(added.len(), 2);
        assert_eq!(added[0].logical_id, "Cluster");
        assert_eq!(added[1].description, "web service");
        assert!(added.iter().all(|c| c.action == Action::Add));
    }
}
