//! `docker ecs down`: delete the project's stack and follow the deletion. EFS file systems survive
//! (DeletionPolicy Retain) and the next `up` reuses them: say so. A Ctrl-C before DeleteStack is sent
//! deletes nothing; after, it only stops the waiting.
//!
//! `down --volumes` also deletes the project's file systems, once the stack is gone (the command asks
//! first: [`project_file_systems`] lists them, [`DownOptions::delete_file_systems`] holds the ones
//! confirmed): their mount targets first, then the file system, waiting while EFS still counts it in
//! use.

use std::time::Duration;

use crate::error::AwsContext;
use crate::interrupt::Interrupts;
use crate::lifecycle::events::EventFeed;
use crate::lifecycle::progress::{Progress, ProgressEvent};
use crate::lifecycle::resource_names::ResourceNames;
use crate::lifecycle::watch::{Ended, Watcher};
use crate::lifecycle::{parameters, registry};
use crate::stack::{self, Phase};
use crate::{Clients, Error};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

#[derive(Debug, Clone)]
pub struct DownOptions {
    /// Return once the deletion has started.
    pub detach: bool,
    pub poll_interval: Duration,
    /// `--rmi all`: once the stack is gone, also delete the Amazon ECR repositories `up` created
    /// for the project's `build:` services, images included.
    pub remove_images: bool,
    /// `--volumes`: once the stack is gone, delete these EFS file systems (the project's, as
    /// [`project_file_systems`] listed them and the user confirmed), data included.
    pub delete_file_systems: Vec<String>,
}

impl Default for DownOptions {
    fn default() -> Self {
        DownOptions {
            detach: false,
            poll_interval: Duration::from_secs(5),
            remove_images: false,
            delete_file_systems: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownOutcome {
    /// No stack by that name.
    NothingToRemove,
    /// Deleted; these EFS file systems were kept with their data, these deleted (`--volumes`),
    /// these repositories removed.
    Removed {
        retained_file_systems: Vec<String>,
        deleted_file_systems: Vec<String>,
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
        // File systems an earlier `down` retained outlive their stack: `--volumes` still goes for them.
        delete_file_systems(clients, &options.delete_file_systems, options, progress).await?;
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
            let file_systems = kept_file_systems(clients, project, &existing.id).await?;
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
    let file_systems: Vec<String> = file_systems
        .into_iter()
        .filter(|id| !options.delete_file_systems.contains(id))
        .collect();
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
            let deleted_file_systems =
                delete_file_systems(clients, &options.delete_file_systems, options, progress)
                    .await?;
            let removed_repositories = if options.remove_images {
                remove_repositories(clients, project, progress).await?
            } else {
                Vec::new()
            };
            Ok(DownOutcome::Removed {
                retained_file_systems: file_systems,
                deleted_file_systems,
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
         them (`docker ecs down -v` deletes them with their data when no longer needed)",
        file_systems.join(", ")
    )));
}

/// The EFS file systems whose data outlives the stack: those it created, and those an earlier
/// `down` retained that it reuses (found by the project's tag; listing them is best effort).
async fn kept_file_systems(
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

/// A file system of the project, as `down --volumes` lists it before asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFileSystem {
    pub id: String,
    /// The Compose volume it holds (its `com.docker.compose.volume` tag).
    pub volume: Option<String>,
}

impl std::fmt::Display for ProjectFileSystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.volume {
            Some(volume) => write!(f, "{} (volume {volume})", self.id),
            None => f.write_str(&self.id),
        }
    }
}

/// Every EFS file system `down --volumes` would delete: the stack's own and those tagged with the
/// project (retained by an earlier `down`), never one the stack only mounts (`external` volumes).
pub async fn project_file_systems(
    clients: &Clients,
    project: &str,
) -> Result<Vec<ProjectFileSystem>, Error> {
    stack::check_name(project)?;
    let owned = match stack::describe(&clients.cloudformation, project).await? {
        Some(found) if found.managed => {
            stack::physical_ids_of_type(&clients.cloudformation, &found.id, "AWS::EFS::FileSystem")
                .await?
        }
        _ => Vec::new(),
    };
    let mut found = Vec::new();
    let mut pages = clients.efs.describe_file_systems().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.with_context(|| format!("listing the EFS file systems of {project}"))?;
        for fs in page.file_systems() {
            let tag = |key: &str| {
                fs.tags()
                    .iter()
                    .find(|t| t.key() == key)
                    .map(|t| t.value().to_string())
            };
            let ours = owned.iter().any(|id| id == fs.file_system_id())
                || tag(stack::PROJECT_TAG).as_deref() == Some(project);
            if ours && !matches!(fs.life_cycle_state().as_str(), "deleting" | "deleted") {
                found.push(ProjectFileSystem {
                    id: fs.file_system_id().to_string(),
                    volume: tag(VOLUME_TAG),
                });
            }
        }
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(found)
}

/// The tag naming the Compose volume a file system holds.
const VOLUME_TAG: &str = "com.docker.compose.volume";
/// How many times a file system EFS still counts in use (its mount targets going away) is tried.
const DELETE_ATTEMPTS: u32 = 60;

/// `--volumes`: delete each file system, its mount targets first. Every one is tried; those that
/// could not be deleted are named in one error.
async fn delete_file_systems(
    clients: &Clients,
    ids: &[String],
    options: &DownOptions,
    progress: &mut dyn Progress,
) -> Result<Vec<String>, Error> {
    let mut deleted = Vec::new();
    let mut failures = Vec::new();
    for id in ids {
        match delete_file_system(clients, id, options.poll_interval).await {
            Ok(()) => {
                progress.report(ProgressEvent::Info(format!(
                    "Deleted EFS file system {id} and its data"
                )));
                deleted.push(id.clone());
            }
            Err(err) => failures.push(err.to_string()),
        }
    }
    if !failures.is_empty() {
        return Err(Error::DeployFailed(format!(
            "could not delete {} EFS file system(s) ({} deleted):\n  - {}",
            failures.len(),
            deleted.len(),
            failures.join("\n  - ")
        )));
    }
    Ok(deleted)
}

async fn delete_file_system(clients: &Clients, id: &str, poll: Duration) -> Result<(), Error> {
    let efs = &clients.efs;
    let targets = efs.describe_mount_targets().file_system_id(id).send().await;
    let targets = match targets {
        Ok(out) => out,
        // Already gone: nothing left to delete.
        Err(err) if err.code() == Some("FileSystemNotFound") => return Ok(()),
        Err(err) => {
            return Err(Error::aws(
                format!("listing the mount targets of EFS file system {id}"),
                err,
            ))
        }
    };
    for target in targets.mount_targets() {
        efs.delete_mount_target()
            .mount_target_id(target.mount_target_id())
            .send()
            .await
            .with_context(|| {
                format!(
                    "deleting mount target {} of EFS file system {id}",
                    target.mount_target_id()
                )
            })?;
    }
    let mut attempts = 0;
    loop {
        attempts += 1;
        match efs.delete_file_system().file_system_id(id).send().await {
            Ok(_) => return Ok(()),
            Err(err) if err.code() == Some("FileSystemNotFound") => return Ok(()),
            // Mount targets take a while to go (the stack's, or the ones just deleted).
            Err(err) if err.code() == Some("FileSystemInUse") && attempts < DELETE_ATTEMPTS => {
                tokio::time::sleep(poll).await;
            }
            Err(err) => return Err(Error::aws(format!("deleting EFS file system {id}"), err)),
        }
    }
}
