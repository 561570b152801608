//! Change sets: create one for the stack, wait until CloudFormation has computed it, and recognise
//! "nothing to change" whichever way the API says it.

use crate::error::AwsContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::time::Duration;

use aws_sdk_cloudformation::types::{ChangeSetType, Parameter};
use aws_sdk_cloudformation::Client;

use crate::lifecycle::contention;
use crate::lifecycle::upload::TemplateSource;
use crate::{stack, Error};

/// Everything a change set is made of.
#[derive(Debug, Clone)]
pub struct ChangeSetRequest {
    pub stack_name: String,
    pub project: String,
    /// CREATE for a new stack (or one in REVIEW_IN_PROGRESS), UPDATE otherwise.
    pub create: bool,
    pub template: TemplateSource,
    /// Parameter name and value.
    pub parameters: Vec<(String, String)>,
}

/// A change set CloudFormation accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSet {
    pub id: String,
    pub stack_id: String,
    /// How many resources it changes, once CloudFormation has computed it (all on one page).
    pub changes: Option<usize>,
}

/// What came of asking for a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    Ready(ChangeSet),
    /// The template and parameters match what is deployed.
    NoChanges,
}

/// A FAILED change set's reason, or a ValidationError's message, that means "no changes".
pub fn means_no_changes(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

/// Create the change set. A stack with nothing to change may be refused right here.
pub async fn create(cf: &Client, request: &ChangeSetRequest) -> Result<Prepared, Error> {
    let name = format!("docker-ecs-{}", stack::unique_suffix());
    let mut call = cf
        .create_change_set()
        .stack_name(&request.stack_name)
        .change_set_name(&name)
        .change_set_type(if request.create {
            ChangeSetType::Create
        } else {
            ChangeSetType::Update
        })
        .set_capabilities(Some(stack::capabilities()))
        .set_tags(Some(stack::tags(&request.project)))
        .description(format!("docker ecs up for project {}", request.project));
    call = match &request.template {
        TemplateSource::Body(body) => call.template_body(body),
        TemplateSource::Uploaded(uploaded) => call.template_url(&uploaded.url),
    };
    for (key, value) in &request.parameters {
        call = call.parameters(
            Parameter::builder()
                .parameter_key(key)
                .parameter_value(value)
                .build(),
        );
    }
    match call.send().await {
        Ok(out) => Ok(Prepared::Ready(ChangeSet {
            id: out.id().unwrap_or(&name).to_string(),
            stack_id: out.stack_id().unwrap_or(&request.stack_name).to_string(),
            changes: None,
        })),
        Err(err)
            if err.code() == Some("ValidationError")
                && err.message().is_some_and(means_no_changes) =>
        {
            Ok(Prepared::NoChanges)
        }
        Err(err) if contention::is_conflict(&err) => Err(contention::another_deployment(
            &request.stack_name,
            contention::refusal("CreateChangeSet", err),
        )),
        Err(err) => Err(Error::aws(
            format!("creating a change set for stack {}", request.stack_name),
            err,
        )),
    }
}

/// Wait until the change set can be executed; a FAILED one without changes is [`Prepared::NoChanges`]
/// (and is deleted, so they do not pile up). Gives up after `limit`.
pub async fn wait_until_ready(
    cf: &Client,
    change_set: &ChangeSet,
    interval: Duration,
    limit: Duration,
) -> Result<Prepared, Error> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut delay = interval;
    loop {
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::DeployFailed(format!(
                "CloudFormation was still computing change set {} after {} (the limit of {}): \
                 nothing was deployed",
                change_set.id,
                crate::limits::duration_text(limit),
                crate::limits::WAIT_TIMEOUT_VAR
            )));
        }
        let out = match cf
            .describe_change_set()
            .change_set_name(&change_set.id)
            .stack_name(&change_set.stack_id)
            .send()
            .await
        {
            Ok(out) => out,
            Err(err) if crate::error::is_throttling(&err) => {
                delay = (delay * 2).min(interval * 8);
                tokio::time::sleep(delay).await;
                continue;
            }
            // Executing another run's change set removes every other change set of the stack.
            Err(err) if contention::is_conflict(&err) => {
                return Err(contention::another_deployment(
                    stack::name_of(&change_set.stack_id),
                    contention::refusal("DescribeChangeSet", err),
                ))
            }
            Err(err) => return Err(Error::aws("reading the change set", err)),
        };
        let status = out.status().map(|s| s.as_str()).unwrap_or_default();
        let reason = out.status_reason().unwrap_or_default();
        match status {
            "CREATE_COMPLETE" => {
                let changes = out.next_token().is_none().then(|| out.changes().len());
                return Ok(Prepared::Ready(ChangeSet {
                    changes,
                    ..change_set.clone()
                }));
            }
            "FAILED" if means_no_changes(reason) => {
                // Best effort: an empty change set left behind does no harm.
                let _ = discard(cf, change_set).await;
                return Ok(Prepared::NoChanges);
            }
            "FAILED" => {
                return Err(Error::DeployFailed(format!(
                    "CloudFormation rejected the change set: {reason}"
                )))
            }
            "CREATE_PENDING" | "CREATE_IN_PROGRESS" | "" => {}
            other if other.starts_with("DELETE") => {
                return Err(Error::DeployFailed(format!(
                    "the change set was deleted while being prepared ({other})"
                )))
            }
            _ => {}
        }
        delay = interval;
        tokio::time::sleep(delay).await;
    }
}

/// Start applying the change set.
pub async fn execute(cf: &Client, change_set: &ChangeSet) -> Result<(), Error> {
    match cf
        .execute_change_set()
        .change_set_name(&change_set.id)
        .stack_name(&change_set.stack_id)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err) if contention::is_conflict(&err) => Err(contention::another_deployment(
            stack::name_of(&change_set.stack_id),
            contention::refusal("ExecuteChangeSet", err),
        )),
        Err(err) => Err(Error::aws("executing the change set", err)),
    }
}

/// Remove a change set that will not be executed (the user interrupted before execution).
pub async fn discard(cf: &Client, change_set: &ChangeSet) -> Result<(), Error> {
    cf.delete_change_set()
        .change_set_name(&change_set.id)
        .stack_name(&change_set.stack_id)
        .send()
        .await
        .context("deleting the change set")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_no_change_messages_are_recognised() {
        assert!(means_no_changes("The submitted information didn't contain changes. Submit different information to create a change set."));
        assert!(means_no_changes("No updates are to be performed."));
        assert!(!means_no_changes(
            "Template format error: Unresolved resource dependencies"
        ));
    }
}
