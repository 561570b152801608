//! The application's CloudFormation stack: find it, read its status and outputs, delete it, cancel an
//! update. Stacks are named after the Compose project and tagged so `ls` can find them.

use crate::error::AwsContext;
use aws_sdk_cloudformation::types::{Capability, Stack, Tag};
use aws_sdk_cloudformation::Client;

use crate::Error;

/// Tag holding the Compose project name, on the stack and (through CloudFormation) every resource.
pub const PROJECT_TAG: &str = "com.docker.compose.project";
/// Tag marking a stack as deployed by this tool.
pub const MANAGED_TAG: &str = "docker-ecs";
pub const MANAGED_TAG_VALUE: &str = "true";

/// IAM roles are created (some with names), so both capabilities are acknowledged.
pub fn capabilities() -> Vec<Capability> {
    vec![Capability::CapabilityIam, Capability::CapabilityNamedIam]
}

/// The tags every stack of ours carries.
pub fn tags(project: &str) -> Vec<Tag> {
    vec![
        Tag::builder().key(PROJECT_TAG).value(project).build(),
        Tag::builder()
            .key(MANAGED_TAG)
            .value(MANAGED_TAG_VALUE)
            .build(),
    ]
}

/// A suffix that makes the names one run gives (its change set, its uploaded template) unlike those
/// of earlier runs: the milliseconds since the epoch.
pub(crate) fn unique_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}

/// What we need to know about a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackInfo {
    pub id: String,
    pub name: String,
    pub status: String,
    pub status_reason: Option<String>,
    /// Output key and value, in the stack's order.
    pub outputs: Vec<(String, String)>,
    /// Parameter key and value as deployed.
    pub parameters: Vec<(String, String)>,
    /// Deployed by this tool (or by Docker's ECS integration, which tagged the project only).
    pub managed: bool,
}

impl StackInfo {
    fn from_sdk(stack: &Stack, asked_for: &str) -> Self {
        StackInfo {
            id: stack.stack_id().unwrap_or(asked_for).to_string(),
            name: stack.stack_name().unwrap_or(asked_for).to_string(),
            // REVIEW_IN_PROGRESS and other newer statuses arrive as Unknown(..): the string is what counts.
            status: stack
                .stack_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            status_reason: stack.stack_status_reason().map(str::to_string),
            outputs: stack
                .outputs()
                .iter()
                .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
                .collect(),
            parameters: stack
                .parameters()
                .iter()
                .filter_map(|p| {
                    Some((
                        p.parameter_key()?.to_string(),
                        p.parameter_value()?.to_string(),
                    ))
                })
                .collect(),
            managed: stack
                .tags()
                .iter()
                .any(|t| matches!(t.key(), Some(MANAGED_TAG) | Some(PROJECT_TAG))),
        }
    }

    pub fn phase(&self) -> Phase {
        Phase::of(&self.status)
    }
}

/// Where a stack status stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// CloudFormation is still working (including REVIEW_IN_PROGRESS and cleanups).
    InProgress,
    /// CREATE/UPDATE/IMPORT_COMPLETE: the stack holds what its last operation asked for.
    Succeeded,
    /// DELETE_COMPLETE: the stack is gone, which ends a deletion well and any other operation badly.
    Deleted,
    /// Any failure or rollback end state.
    Failed,
}

impl Phase {
    pub fn of(status: &str) -> Phase {
        if status.ends_with("_IN_PROGRESS") {
            Phase::InProgress
        } else if status == DELETE_COMPLETE {
            Phase::Deleted
        } else if matches!(
            status,
            "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE"
        ) {
            Phase::Succeeded
        } else {
            Phase::Failed
        }
    }
}

/// Final states in which CloudFormation accepts no change set until something else is done first.
pub fn is_stuck(status: &str) -> bool {
    matches!(status, "UPDATE_ROLLBACK_FAILED" | "DELETE_FAILED")
}

/// For a stack [`is_stuck`]: what to do first.
pub fn stuck_error(project: &str, status: &str) -> Error {
    let what = if status == "DELETE_FAILED" {
        format!(
            "an earlier `docker ecs down` could not delete everything: run `docker ecs down -p \
             {project}` again (its error names what blocks the deletion)"
        )
    } else {
        format!(
            "an update failed and a resource could not be rolled back, so CloudFormation accepts no \
             change until the rollback ends: see the stack's events, fix what blocks that resource, \
             run `aws cloudformation continue-update-rollback --stack-name {project}`"
        )
    };
    Error::Precondition(format!(
        "stack {project} is in {status}: {what}, then run the command again"
    ))
}

/// What deploying the project does with the stack under its name (`up` and its dry run).
#[derive(Debug)]
pub enum DeployTarget {
    /// No stack: a CREATE change set makes it.
    Create,
    /// A stack a change set created but never ran (REVIEW_IN_PROGRESS), by id: CloudFormation wants
    /// a CREATE change set for it.
    Review(String),
    /// A failed create (ROLLBACK_COMPLETE) cannot be updated: it is deleted and created anew.
    Recreate(StackInfo),
    Update(StackInfo),
}

/// Decide from the stack found under the project's name, refusing one docker ecs did not deploy,
/// one that is stuck, and one busy with another operation (`retry` says what to do once it is
/// done, e.g. "run up again").
pub fn deploy_target(
    project: &str,
    found: Option<StackInfo>,
    retry: &str,
) -> Result<DeployTarget, Error> {
    Ok(match found {
        None => DeployTarget::Create,
        Some(existing) if !existing.managed => {
            return Err(Error::Precondition(format!(
            "stack {project} exists but was not deployed by docker ecs (it has no {PROJECT_TAG} \
                 tag): choose another project name with -p"
        )))
        }
        Some(existing) if existing.status == ROLLBACK_COMPLETE => DeployTarget::Recreate(existing),
        Some(existing) if existing.status == REVIEW_IN_PROGRESS => {
            DeployTarget::Review(existing.id)
        }
        Some(existing) if is_stuck(&existing.status) => {
            return Err(stuck_error(project, &existing.status))
        }
        Some(existing) if existing.phase() == Phase::InProgress => {
            return Err(Error::Precondition(format!(
                "stack {project} is busy ({}): wait for CloudFormation to finish, then {retry}",
                existing.status
            )))
        }
        Some(existing) => DeployTarget::Update(existing),
    })
}

/// An update of the stack (or its rollback) is under way: another `up` can follow it to its end.
pub fn is_update_in_progress(status: &str) -> bool {
    matches!(
        status,
        "UPDATE_IN_PROGRESS"
            | "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
            | "UPDATE_ROLLBACK_IN_PROGRESS"
            | "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
    )
}

pub const ROLLBACK_COMPLETE: &str = "ROLLBACK_COMPLETE";
pub const REVIEW_IN_PROGRESS: &str = "REVIEW_IN_PROGRESS";
pub const DELETE_COMPLETE: &str = "DELETE_COMPLETE";

/// A stack's name from its id (arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID), for messages.
pub fn name_of(stack_id: &str) -> &str {
    stack_id.split('/').nth(1).unwrap_or(stack_id)
}

/// The stack is named after the project, but CloudFormation names are stricter than Compose's:
/// letters, digits and hyphens, starting with a letter, at most 128 characters.
pub fn check_name(project: &str) -> Result<(), Error> {
    let valid = project.len() <= 128
        && project.starts_with(|c: char| c.is_ascii_alphabetic())
        && project
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(Error::Precondition(format!(
            "project name {project:?} cannot name a CloudFormation stack (letters, digits and hyphens only, \
             starting with a letter): choose another with -p or COMPOSE_PROJECT_NAME"
        )))
    }
}

/// The stack by name or id; `None` when it does not exist (CloudFormation answers a ValidationError).
/// The template the stack runs now, when it can be read and is JSON (as this tool deploys it).
pub async fn deployed_template(cf: &Client, stack_id: &str) -> Option<serde_json::Value> {
    let out = cf.get_template().stack_name(stack_id).send().await.ok()?;
    serde_json::from_str(out.template_body()?).ok()
}

pub async fn describe(cf: &Client, name_or_id: &str) -> Result<Option<StackInfo>, Error> {
    match cf.describe_stacks().stack_name(name_or_id).send().await {
        Ok(out) => Ok(out
            .stacks()
            .first()
            .map(|s| StackInfo::from_sdk(s, name_or_id))),
        Err(err) if is_missing_stack(&err) => Ok(None),
        Err(err) => Err(Error::aws(format!("reading stack {name_or_id}"), err)),
    }
}

/// The stack's current parameter values (none when it does not exist).
pub async fn parameters(
    cf: &Client,
    stack_id: &str,
) -> Result<std::collections::HashMap<String, String>, Error> {
    let out = match cf.describe_stacks().stack_name(stack_id).send().await {
        Ok(out) => out,
        Err(err) if is_missing_stack(&err) => return Ok(Default::default()),
        Err(err) => return Err(Error::aws(format!("reading stack {stack_id}"), err)),
    };
    Ok(out
        .stacks()
        .first()
        .map(|s| s.parameters())
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            Some((
                p.parameter_key()?.to_string(),
                p.parameter_value().unwrap_or_default().to_string(),
            ))
        })
        .collect())
}

/// Like [`describe`], but a throttling answer is `Ok(Err(()))` so polling loops can wait and retry.
pub(crate) async fn poll(
    cf: &Client,
    name_or_id: &str,
) -> Result<Result<Option<StackInfo>, Throttled>, Error> {
    match cf.describe_stacks().stack_name(name_or_id).send().await {
        Ok(out) => Ok(Ok(out
            .stacks()
            .first()
            .map(|s| StackInfo::from_sdk(s, name_or_id)))),
        Err(err) if is_missing_stack(&err) => Ok(Ok(None)),
        Err(err) if crate::error::is_throttling(&err) => Ok(Err(Throttled)),
        Err(err) => Err(Error::aws(format!("reading stack {name_or_id}"), err)),
    }
}

/// AWS asked us to slow down; try again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled;

fn is_missing_stack<E: aws_smithy_types::error::metadata::ProvideErrorMetadata>(err: &E) -> bool {
    err.code() == Some("ValidationError")
        && err.message().is_some_and(|m| m.contains("does not exist"))
}

/// What starts the ClientRequestToken of a deletion docker ecs asks for; `command` follows
/// ("docker-ecs-down-..."). CloudFormation copies the token onto the deletion's stack events, which
/// is how a run watching the stack tells who deleted it.
pub const DELETE_TOKEN_PREFIX: &str = "docker-ecs-";

/// Start deleting a stack (by id, so its deletion stays visible as DELETE_COMPLETE) on behalf of
/// `command` ("up", "down"), which the deletion's events then name.
pub async fn delete(cf: &Client, stack_id: &str, command: &str) -> Result<(), Error> {
    cf.delete_stack()
        .stack_name(stack_id)
        .client_request_token(format!(
            "{DELETE_TOKEN_PREFIX}{command}-{}",
            unique_suffix()
        ))
        .send()
        .await
        .with_context(|| format!("deleting stack {stack_id}"))?;
    Ok(())
}

/// Ask CloudFormation to stop an update and roll back to the previous state.
pub async fn cancel_update(cf: &Client, stack_id: &str) -> Result<(), Error> {
    cf.cancel_update_stack()
        .stack_name(stack_id)
        .send()
        .await
        .with_context(|| format!("cancelling the update of stack {stack_id}"))?;
    Ok(())
}

/// The stack's resources that exist (not deleted, with a physical id), as (type, physical id).
pub async fn live_resources(cf: &Client, stack: &str) -> Result<Vec<(String, String)>, Error> {
    Ok(existing_resources(cf, stack)
        .await?
        .into_iter()
        .map(|(_, kind, id)| (kind, id))
        .collect())
}

/// The physical id of each of the stack's existing resources, by logical id.
pub async fn physical_ids(
    cf: &Client,
    stack: &str,
) -> Result<std::collections::BTreeMap<String, String>, Error> {
    Ok(existing_resources(cf, stack)
        .await?
        .into_iter()
        .map(|(logical, _, id)| (logical, id))
        .collect())
}

/// (logical id, type, physical id) of the resources that exist.
async fn existing_resources(
    cf: &Client,
    stack: &str,
) -> Result<Vec<(String, String, String)>, Error> {
    let mut resources = Vec::new();
    let mut pages = cf
        .list_stack_resources()
        .stack_name(stack)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.with_context(|| format!("listing the resources of stack {stack}"))?;
        for summary in page.stack_resource_summaries() {
            if summary
                .resource_status()
                .is_some_and(|s| s.as_str() == DELETE_COMPLETE)
            {
                continue;
            }
            if let (Some(logical), Some(kind), Some(id)) = (
                summary.logical_resource_id(),
                summary.resource_type(),
                summary.physical_resource_id().filter(|id| !id.is_empty()),
            ) {
                resources.push((logical.to_string(), kind.to_string(), id.to_string()));
            }
        }
    }
    Ok(resources)
}

/// Physical ids of the stack's resources of one type (e.g. its EFS file systems).
pub async fn physical_ids_of_type(
    cf: &Client,
    stack: &str,
    resource_type: &str,
) -> Result<Vec<String>, Error> {
    Ok(live_resources(cf, stack)
        .await?
        .into_iter()
        .filter(|(kind, _)| kind == resource_type)
        .map(|(_, id)| id)
        .collect())
}

/// The application's URLs from the stack outputs: values that are URLs (http://, tcp://, ...); when
/// there are none, load balancer DNS names as http:// addresses.
pub fn urls(outputs: &[(String, String)]) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for (_, value) in outputs {
        let is_url = value.split_once("://").is_some_and(|(scheme, rest)| {
            !scheme.is_empty()
                && scheme.chars().all(|c| c.is_ascii_alphanumeric())
                && !rest.is_empty()
        });
        if is_url && !urls.contains(value) {
            urls.push(value.clone());
        }
    }
    if urls.is_empty() {
        for (key, value) in outputs {
            let url = format!("http://{value}");
            if key.to_ascii_lowercase().ends_with("dnsname")
                && !value.is_empty()
                && !urls.contains(&url)
            {
                urls.push(url);
            }
        }
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names_follow_cloudformation_rules() {
        assert!(check_name("web-redis").is_ok());
        assert!(check_name("App2").is_ok());
        let err = check_name("my_app").unwrap_err().to_string();
        assert!(err.contains("\"my_app\"") && err.contains("-p"), "{err}");
        assert!(check_name("1app").is_err());
        assert!(check_name("").is_err());
        assert!(check_name(&"a".repeat(129)).is_err());
    }

    #[test]
    fn phases() {
        assert_eq!(Phase::of("CREATE_IN_PROGRESS"), Phase::InProgress);
        assert_eq!(Phase::of("REVIEW_IN_PROGRESS"), Phase::InProgress);
        assert_eq!(
            Phase::of("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
            Phase::InProgress
        );
        assert_eq!(Phase::of("CREATE_COMPLETE"), Phase::Succeeded);
        assert_eq!(Phase::of("UPDATE_COMPLETE"), Phase::Succeeded);
        assert_eq!(Phase::of("DELETE_COMPLETE"), Phase::Deleted);
        assert_eq!(Phase::of("ROLLBACK_COMPLETE"), Phase::Failed);
        assert_eq!(Phase::of("UPDATE_ROLLBACK_COMPLETE"), Phase::Failed);
        assert_eq!(Phase::of("DELETE_FAILED"), Phase::Failed);
    }

    fn found(status: &str, managed: bool) -> Option<StackInfo> {
        Some(StackInfo {
            id: "arn:aws:cloudformation:us-east-1:1:stack/app/1".into(),
            name: "app".into(),
            status: status.into(),
            status_reason: None,
            outputs: Vec::new(),
            parameters: Vec::new(),
            managed,
        })
    }

    fn refusal(status: &str, managed: bool) -> String {
        match deploy_target("app", found(status, managed), "run up again") {
            Err(err) => err.to_string(),
            Ok(target) => panic!("{status} (managed: {managed}) was accepted as {target:?}"),
        }
    }

    #[test]
    fn deploy_target_from_the_stack_found() {
        let target = |status: &str| deploy_target("app", found(status, true), "run up again");
        assert!(matches!(
            deploy_target("app", None, "run up again"),
            Ok(DeployTarget::Create)
        ));
        assert!(matches!(
            target("ROLLBACK_COMPLETE"),
            Ok(DeployTarget::Recreate(s)) if s.status == "ROLLBACK_COMPLETE"
        ));
        assert!(matches!(
            target("REVIEW_IN_PROGRESS"),
            Ok(DeployTarget::Review(id)) if id == "arn:aws:cloudformation:us-east-1:1:stack/app/1"
        ));
        // A finished update that rolled back is updated like a successful one.
        for status in [
            "CREATE_COMPLETE",
            "UPDATE_COMPLETE",
            "UPDATE_ROLLBACK_COMPLETE",
        ] {
            assert!(
                matches!(target(status), Ok(DeployTarget::Update(s)) if s.status == status),
                "{status}"
            );
        }
    }

    #[test]
    fn deploy_target_refuses_foreign_stuck_and_busy_stacks() {
        // Not ours, whatever its state: even a failed create is not deleted and recreated.
        for status in ["CREATE_COMPLETE", "ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS"] {
            let err = refusal(status, false);
            assert!(err.contains("not deployed by docker ecs"), "{err}");
        }
        let err = refusal("UPDATE_ROLLBACK_FAILED", true);
        assert!(
            err.contains("UPDATE_ROLLBACK_FAILED") && err.contains("continue-update-rollback"),
            "{err}"
        );
        let err = refusal("DELETE_FAILED", true);
        assert!(
            err.contains("DELETE_FAILED") && err.contains("docker ecs down -p app"),
            "{err}"
        );
        for status in [
            "UPDATE_IN_PROGRESS",
            "DELETE_IN_PROGRESS",
            "CREATE_IN_PROGRESS",
        ] {
            let err = refusal(status, true);
            assert!(
                err.contains(&format!("busy ({status})")) && err.contains("run up again"),
                "{err}"
            );
        }
    }

    #[test]
    fn only_a_validation_error_saying_does_not_exist_means_no_stack() {
        use aws_smithy_types::error::ErrorMetadata;
        let error = |code: &str, message: &str| {
            ErrorMetadata::builder().code(code).message(message).build()
        };
        assert!(is_missing_stack(&error(
            "ValidationError",
            "Stack with id app does not exist"
        )));
        // Any other validation error (a bad name, a bad token) is an error, not a missing stack.
        assert!(!is_missing_stack(&error(
            "ValidationError",
            "1 validation error detected: Value 'a_b' at 'stackName' failed to satisfy constraint"
        )));
        assert!(!is_missing_stack(&error(
            "AccessDenied",
            "Stack app does not exist or you may not read it"
        )));
    }

    #[test]
    fn urls_from_outputs() {
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        let dns = pair("LoadBalancerDNSName", "lb-1.elb.amazonaws.com");
        let outputs = vec![
            dns.clone(),
            pair("BrokerTCP1883URL", "tcp://lb-1.elb.amazonaws.com:1883"),
            pair("WebHTTP8080URL", "http://lb-1.elb.amazonaws.com:8080"),
            pair("ClusterArn", "arn:aws:ecs:us-east-1:1:cluster/app"),
        ];
        // URL outputs win; the bare DNS name would claim an HTTP listener on port 80.
        assert_eq!(
            urls(&outputs),
            [
                "tcp://lb-1.elb.amazonaws.com:1883",
                "http://lb-1.elb.amazonaws.com:8080"
            ]
        );
        assert_eq!(urls(&[dns]), ["http://lb-1.elb.amazonaws.com"]);
        assert!(urls(&[pair("ClusterArn", "arn:aws:ecs:us-east-1:1:cluster/app")]).is_empty());
    }
}
