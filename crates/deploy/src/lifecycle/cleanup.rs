//! Removing what a change set that will not be executed leaves behind: the change set, the empty
//! REVIEW_IN_PROGRESS stack a CREATE change set brought into being, and the template uploaded for
//! it. Used when the user interrupts `up` or a dry run before anything is deployed, and by the dry
//! run once it has read its change set.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::time::Duration;

use crate::interrupt::Interrupts;
use crate::lifecycle::changeset::ChangeSet;
use crate::lifecycle::contention::{self, EmptyStack};
use crate::lifecycle::upload::{self, UploadedTemplate};
use crate::{Clients, Error};

/// DeleteChangeSet is refused while CloudFormation still computes the change set: tries before
/// giving up on waiting for it.
const MAX_DELETE_TRIES: u32 = 60;

/// What is ours to remove. Only what this run made goes in here: never a stack that existed before.
#[derive(Debug, Clone, Default)]
pub struct Leftovers {
    /// The stack's name, for messages.
    pub stack_name: String,
    pub change_set: Option<ChangeSet>,
    /// Id of the stack the change set created (a CREATE change set for a stack that did not exist).
    pub made_stack: Option<String>,
    pub upload: Option<UploadedTemplate>,
}

impl Leftovers {
    pub fn new(stack_name: &str, upload: Option<&UploadedTemplate>) -> Self {
        Leftovers {
            stack_name: stack_name.to_string(),
            upload: upload.cloned(),
            ..Leftovers::default()
        }
    }

    /// Remember the change set, and the stack it created when `made_stack`.
    pub fn add_change_set(&mut self, change_set: &ChangeSet, made_stack: bool) {
        self.change_set = Some(change_set.clone());
        if made_stack {
            self.made_stack = Some(change_set.stack_id.clone());
        }
    }
}

/// What [`remove`] did, as the user reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    /// "change set ...", "the empty stack ...", "the uploaded template ...".
    pub removed: Vec<String>,
    /// Why the stack the change set made was kept: another run prepares or runs its own change set
    /// on it (both runs' CREATE change sets share the stack).
    pub kept: Option<String>,
}

/// Remove everything in `leftovers`: each removal is attempted, the first failure is reported with
/// what was left. The stack the change set made is deleted only while no other run uses it.
///
/// A change set CloudFormation is still computing cannot be deleted yet: we wait for it (every
/// `interval`); a Ctrl-C meanwhile stops waiting and says what is left.
pub async fn remove(
    clients: &Clients,
    leftovers: &Leftovers,
    interval: Duration,
    interrupts: &mut Interrupts,
) -> Result<Removed, Error> {
    let mut removed = Vec::new();
    let mut kept = None;
    let mut first_error = None;
    if let Some(change_set) = &leftovers.change_set {
        match discard_when_possible(clients, change_set, interval, interrupts).await {
            Ok(()) => removed.push(format!("change set {}", change_set.id)),
            Err(err) => {
                first_error.get_or_insert(Error::DeployFailed(format!(
                    "docker ecs could not delete its change set {} ({err}); it changes nothing until \
                     executed and can be deleted in the CloudFormation console",
                    change_set.id
                )));
            }
        }
    }
    if let Some(stack_id) = &leftovers.made_stack {
        let ours = leftovers.change_set.as_ref();
        match contention::delete_empty_stack(&clients.cloudformation, stack_id, ours).await {
            Ok(EmptyStack::Deleted) => removed.push(format!(
                "the empty stack {} (REVIEW_IN_PROGRESS) the change set created",
                leftovers.stack_name
            )),
            Ok(EmptyStack::InUse(what)) => {
                kept = Some(format!(
                    "kept stack {}, which another deployment uses: {what}",
                    leftovers.stack_name
                ))
            }
            Err(err) => {
                first_error.get_or_insert(Error::DeployFailed(format!(
                    "docker ecs could not delete the empty stack {stack_id} (REVIEW_IN_PROGRESS) its change \
                     set created ({err}); `docker ecs up` reuses it, `docker ecs down` removes it"
                )));
            }
        }
    }
    if let Some(uploaded) = &leftovers.upload {
        match upload::remove(clients, uploaded).await {
            Ok(()) => removed.push(format!("the uploaded template {}", uploaded.location())),
            Err(err) => {
                first_error.get_or_insert(Error::DeployFailed(format!(
                    "docker ecs could not delete the template it uploaded ({err}); S3 removes it after {} days",
                    upload::TEMPLATE_RETENTION_DAYS
                )));
            }
        }
    }
    match first_error {
        Some(err) => Err(err),
        None => Ok(Removed { removed, kept }),
    }
}

/// Remove an uploaded template nobody will read again; a failure only leaves it to the bucket's
/// expiry rule, so it is not worth failing (or hiding the real error of) the command for.
pub async fn forget_upload(clients: &Clients, upload: Option<&UploadedTemplate>) {
    if let Some(uploaded) = upload {
        let _ = upload::remove(clients, uploaded).await;
    }
}

/// "a, b and c", for the list of removed things.
pub fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Delete the change set, waiting while CloudFormation refuses because it is still computing it
/// (or throttles us).
async fn discard_when_possible(
    clients: &Clients,
    change_set: &ChangeSet,
    interval: Duration,
    interrupts: &mut Interrupts,
) -> Result<(), Error> {
    let cf = &clients.cloudformation;
    let mut tries = 0;
    loop {
        tries += 1;
        let err = match cf
            .delete_change_set()
            .change_set_name(&change_set.id)
            .stack_name(&change_set.stack_id)
            .send()
            .await
        {
            Ok(_) => return Ok(()),
            // Gone already: executing another run's change set removes the stack's others.
            Err(err)
                if matches!(
                    err.code(),
                    Some("ChangeSetNotFound" | "ChangeSetNotFoundException")
                ) =>
            {
                return Ok(())
            }
            Err(err) => err,
        };
        let busy =
            err.code() == Some("InvalidChangeSetStatus") || crate::error::is_throttling(&err);
        if !busy || tries >= MAX_DELETE_TRIES {
            return Err(Error::aws("deleting the change set", err));
        }
        let waited = interrupts
            .unless_interrupted(tokio::time::sleep(interval))
            .await;
        if waited.is_none() {
            return Err(Error::DeployFailed(
                "interrupted again while CloudFormation was still computing it".into(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_things_read_as_a_list() {
        let items = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(join(&[]), "");
        assert_eq!(join(&items(&["change set cs-1"])), "change set cs-1");
        assert_eq!(
            join(&items(&["change set cs-1", "the stack", "the template"])),
            "change set cs-1, the stack and the template"
        );
    }
}
