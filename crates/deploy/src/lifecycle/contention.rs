//! Two deployments of one project at once. On a new project both runs' CREATE change sets land on
//! the same REVIEW_IN_PROGRESS stack (one stack id for both); the first to be executed wins, and
//! CloudFormation then deletes the other change sets. A run that loses says so, removes only its own
//! change set, and never deletes the stack: it may be the winner's, being created. A run deletes the
//! empty stack its change set made only while that stack is still REVIEW_IN_PROGRESS and holds no
//! change set but its own.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use aws_sdk_cloudformation::Client;

use crate::error::AwsContext;
use crate::lifecycle::changeset::ChangeSet;
use crate::{stack, Error};

/// CloudFormation's answers to CreateChangeSet, DescribeChangeSet or ExecuteChangeSet that mean
/// another operation has the stack: it exists already (created meanwhile), it is busy, our change set
/// is obsolete or was removed because another one was executed.
pub fn is_conflict<E: ProvideErrorMetadata>(err: &E) -> bool {
    match err.code() {
        Some(
            "AlreadyExistsException"
            | "InvalidChangeSetStatus"
            | "InvalidChangeSetStatusException"
            | "ChangeSetNotFound"
            | "ChangeSetNotFoundException"
            | "OperationInProgressException"
            | "OperationIdAlreadyExistsException",
        ) => true,
        Some("ValidationError") => err
            .message()
            .is_some_and(|m| m.contains("_IN_PROGRESS state") || m.contains("in progress")),
        _ => false,
    }
}

/// The error of a run that lost to another deployment of the project; `what` is what showed it.
pub fn another_deployment(project: &str, what: impl Into<String>) -> Error {
    Error::AnotherDeployment {
        project: project.to_string(),
        what: what.into(),
    }
}

/// A refusal of `call` as CloudFormation worded it ("ExecuteChangeSet: InvalidChangeSetStatus: ...").
pub fn refusal<E>(call: &str, err: E) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    Error::aws(call, err).to_string()
}

/// `err`, told as the work of another deployment when `activity` (what else is at work on the stack)
/// shows one.
pub fn explain(project: &str, err: Error, activity: Option<String>) -> Error {
    match (activity, err) {
        (None, err) => err,
        (Some(seen), Error::AnotherDeployment { project, what }) => Error::AnotherDeployment {
            project,
            what: format!("{seen}; {what}"),
        },
        (Some(seen), err) => another_deployment(project, format!("{seen}; {err}")),
    }
}

/// What else is at work on the stack (by name or id) besides `ours`: `None` when nothing is, i.e.
/// the stack is missing or REVIEW_IN_PROGRESS with no other change set.
pub async fn other_activity(
    cf: &Client,
    stack_name_or_id: &str,
    ours: Option<&ChangeSet>,
) -> Result<Option<String>, Error> {
    let Some(info) = stack::describe(cf, stack_name_or_id).await? else {
        return Ok(None);
    };
    if info.status != stack::REVIEW_IN_PROGRESS {
        return Ok(Some(format!("stack {} is {}", info.name, info.status)));
    }
    let mut others = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let page = cf
            .list_change_sets()
            .stack_name(&info.id)
            .set_next_token(next_token.clone())
            .send()
            .await
            .with_context(|| format!("listing the change sets of stack {}", info.name))?;
        for summary in page.summaries() {
            let id = summary.change_set_id().unwrap_or_default();
            let name = summary.change_set_name().unwrap_or_default();
            let mine = ours.is_some_and(|o| o.id == id || o.id == name);
            if !mine {
                others.push(if name.is_empty() { id } else { name }.to_string());
            }
        }
        next_token = page.next_token().map(str::to_string);
        if next_token.is_none() {
            break;
        }
    }
    Ok(match others.as_slice() {
        [] => None,
        [one] => Some(format!(
            "change set {one} of another run waits on stack {}",
            info.name
        )),
        many => Some(format!(
            "change sets {} of other runs wait on stack {}",
            many.join(", "),
            info.name
        )),
    })
}

/// How removing the empty stack our change set made went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmptyStack {
    Deleted,
    /// Not deleted: something else is at work on it (the text says what).
    InUse(String),
}

/// Delete the REVIEW_IN_PROGRESS stack our change set `ours` brought into being, unless another run
/// uses it. Call once our own change set is gone (or failed), so that only others' remain to be seen.
pub async fn delete_empty_stack(
    cf: &Client,
    stack_id: &str,
    ours: Option<&ChangeSet>,
) -> Result<EmptyStack, Error> {
    if let Some(what) = other_activity(cf, stack_id, ours).await? {
        return Ok(EmptyStack::InUse(what));
    }
    stack::delete(cf, stack_id, "up").await?;
    Ok(EmptyStack::Deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::error::ErrorMetadata;

    fn answer(code: &str, message: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message(message).build()
    }

    #[test]
    fn conflicts_are_told_from_other_refusals() {
        assert!(is_conflict(&answer(
            "AlreadyExistsException",
            "Stack [app] already exists and cannot be created again with the changeSet [docker-ecs-2]."
        )));
        assert!(is_conflict(&answer(
            "InvalidChangeSetStatus",
            "ChangeSet [arn] cannot be executed in its current status of [OBSOLETE]"
        )));
        assert!(is_conflict(&answer(
            "ChangeSetNotFound",
            "ChangeSet [cs-2] does not exist"
        )));
        assert!(is_conflict(&answer(
            "ValidationError",
            "Stack:arn:aws:cloudformation:us-east-1:1:stack/app/1 is in CREATE_IN_PROGRESS state and can not be updated."
        )));
        assert!(!is_conflict(&answer(
            "ValidationError",
            "Template error: instance of Fn::GetAtt references undefined resource WebDiscovery"
        )));
        assert!(!is_conflict(&answer(
            "InsufficientCapabilitiesException",
            "Requires capabilities"
        )));
    }
}
