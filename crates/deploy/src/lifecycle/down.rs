//! `docker ecs down`: delete the project's stack and follow the deletion. EFS file systems survive
//! (DeletionPolicy Retain) and the next `up` reuses them: say so. A Ctrl-C before DeleteStack is sent
//! deletes nothing; after, it only stops the waiting.

use std::time::Duration;

use crate::interrupt::Interrupts;
use crate::lifecycle::events::EventFeed;
use crate::lifecycle::progress::{Progress, ProgressEvent};
use crate::lifecycle::resource_names::ResourceNames;
use crate::lifecycle::watch::{Ended, Watcher};
use crate::lifecycle::{parameters, registry};
use crate::stack::{self, Phase};
use crate::{Clients, Error};

#[derive(Debug, Clone)]
pub struct DownOptions {
    /// Return once the deletion has started.
    pub detach: bool,
    pub poll_interval: Duration,
    /// `--rmi all`: once the stack is gone, also delete the Amazon ECR repositories `up` created
    /// for the project's `build:` services, images included.
    pub remove_images: bool,
}

impl Default for DownOptions {
    fn default() -> Self {
        DownOptions {
            detach: false,
            poll_interval: Duration::from_secs(5),
            remove_images: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownOutcome {
    /// No stack by that name.
    NothingToRemove,
    /// Deleted; these EFS file systems were kept with their data, these repositories removed.
    Removed {
        retained_file_systems: Vec<String>,
        removed_repositories: Vec<String>,
    },
    /// `--detach`: deletion started.
    Detached,
    /// Ctrl-C: CloudFormation goes on deleting without us.
    StoppedWaiting,
    /// Ctrl-C before the deletion was asked for: the stack is untouched.
    Cancelled,
}

pub async fn down(
    clients: &Clients,
    project: &str,
    options: &DownOptions,
    progress: &mut dyn Progress,
    interrupts: &mut Interrupts,
) -> Result<DownOutcome, Error> {
    stack::check_name(project)?;
    let cf = &clients.cloudformation;
    // Reads only, up to DeleteStack: a Ctrl-C meanwhile stops them with nothing deleted.
    let Some(found) = interrupts
        .unless_interrupted(stack::describe(cf, project))
        .await
    else {
        return Ok(cancelled(project, progress));
    };
    let Some(existing) = found? else {
        progress.report(ProgressEvent::Info(format!(
            "Nothing to remove: there is no stack {project} in region {}",
            clients.region
        )));
        if options.remove_images {
            remove_repositories(clients, project, progress).await?;
        }
        return Ok(DownOutcome::NothingToRemove);
    };
    if !existing.managed {
        return Err(Error::Precondition(format!(
            "stack {project} was not deployed by docker ecs (it has no {} tag): not deleting it",
            stack::PROJECT_TAG
        )));
    }
    let read = interrupts
        .unless_interrupted(async {
            let file_systems = project_file_systems(clients, project, &existing.id).await?;
            let names = deployed_names(clients, &existing.id).await;
            let feed = EventFeed::after_current(cf, &existing.id).await?;
            Ok::<_, Error>((file_systems, names, feed))
        })
        .await;
    let Some(read) = read else {
        return Ok(cancelled(project, progress));
    };
    let (file_systems, names, feed) = read?;
    if interrupts.take_pending() {
        return Ok(cancelled(project, progress));
    }
    if existing.status != "DELETE_IN_PROGRESS" {
        if existing.phase() == Phase::InProgress && existing.status != stack::REVIEW_IN_PROGRESS {
            // CloudFormation refuses to delete a stack in the middle of another operation.
            return Err(Error::Precondition(format!(
                "stack {project} is busy ({}): wait for CloudFormation to finish, then run down again",
                existing.status
            )));
        }
        stack::delete(cf, &existing.id, "down").await?;
    }
    progress.report(ProgressEvent::Info(format!("Deleting stack {project}")));
    progress.report(ProgressEvent::Operation {
        verb: "Deleting".into(),
        total: (!names.is_empty()).then(|| names.len()),
    });
    if options.detach {
        report_retained(&file_systems, progress);
        return Ok(DownOutcome::Detached);
    }
    let mut watcher = Watcher::new(
        clients,
        existing.id.clone(),
        feed,
        names,
        options.poll_interval,
    );
    match watcher.until_done(progress, interrupts).await? {
        Ended::Interrupted => {
            progress.report(ProgressEvent::Info(format!(
                "Stopped waiting: CloudFormation goes on deleting stack {project}"
            )));
            Ok(DownOutcome::StoppedWaiting)
        }
        Ended::Finished(info) => {
            let status = info
                .as_ref()
                .map(|i| i.status.clone())
                .unwrap_or_else(|| stack::DELETE_COMPLETE.to_string());
            if status != stack::DELETE_COMPLETE {
                let error = match &info {
                    Some(info) => watcher.failure(info, progress),
                    None => Error::DeployFailed(format!("stack {project} was not deleted")),
                };
                progress.report(ProgressEvent::Finished {
                    stack: project.to_string(),
                    status,
                    urls: Vec::new(),
                });
                return Err(error);
            }
            progress.report(ProgressEvent::Finished {
                stack: project.to_string(),
                status,
                urls: Vec::new(),
            });
            report_retained(&file_systems, progress);
            let removed_repositories = if options.remove_images {
                remove_repositories(clients, project, progress).await?
            } else {
                Vec::new()
            };
            Ok(DownOutcome::Removed {
                retained_file_systems: file_systems,
                removed_repositories,
            })
        }
    }
}

/// `--rmi all`: the project's repositories, once nothing runs their images any more.
async fn remove_repositories(
    clients: &Clients,
    project: &str,
    progress: &mut dyn Progress,
) -> Result<Vec<String>, Error> {
    let removed = registry::remove_repositories(&clients.ecr, project).await?;
    progress.report(ProgressEvent::Info(if removed.is_empty() {
        format!("No Amazon ECR repository of project {project} to remove")
    } else {
        format!(
            "Removed Amazon ECR repositories (with their images): {}",
            removed.join(", ")
        )
    }));
    Ok(removed)
}

/// Ctrl-C before DeleteStack was sent.
fn cancelled(project: &str, progress: &mut dyn Progress) -> DownOutcome {
    progress.report(ProgressEvent::Info(format!(
        "Interrupted before deleting anything: stack {project} is as it was"
    )));
    DownOutcome::Cancelled
}

fn report_retained(file_systems: &[String], progress: &mut dyn Progress) {
    if file_systems.is_empty() {
        return;
    }
    progress.report(ProgressEvent::Info(format!(
        "EFS file system(s) {} are retained with their data; the next `docker ecs up` of this project reuses \
         them (delete them with `aws efs delete-file-system --file-system-id ...` when no longer needed)",
        file_systems.join(", ")
    )));
}

/// The EFS file systems whose data outlives the stack: those it created, and those an earlier
/// `down` retained that it reuses (found by the project's tag; listing them is best effort).
async fn project_file_systems(
    clients: &Clients,
    project: &str,
    stack_id: &str,
) -> Result<Vec<String>, Error> {
    let mut ids =
        stack::physical_ids_of_type(&clients.cloudformation, stack_id, "AWS::EFS::FileSystem")
            .await?;
    if let Ok(retained) = parameters::retained_file_systems(clients, project, None).await {
        for fs in retained.into_values().flatten() {
            if !ids.contains(&fs.id) {
                ids.push(fs.id);
            }
        }
    }
    Ok(ids)
}

/// Resource descriptions from the deployed template; plain type labels when it cannot be read.
async fn deployed_names(clients: &Clients, stack_id: &str) -> ResourceNames {
    stack::deployed_template(&clients.cloudformation, stack_id)
        .await
        .map(|template| ResourceNames::from_template(&template))
        .unwrap_or_default()
}
