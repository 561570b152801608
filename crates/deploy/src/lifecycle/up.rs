//! `docker ecs up`: check the account, resolve parameters, create or update the project's stack
//! through a change set, and follow it to the end (or detach). A Ctrl-C before the change set runs
//! removes what this run made; after, it undoes a create or rolls an update back.
//!
//! A stack another run is updating is not refused: `up` follows that update to its end (a Ctrl-C
//! only stops watching it: it is not this run's to cancel), says how it ended, then deploys its own
//! compose file; `up -d` returns at once. A create or delete in progress is still refused.

use std::time::Duration;

use template_builder::Built;

use crate::interrupt::Interrupts;
use crate::lifecycle::changeset::{self, ChangeSetRequest, Prepared};
use crate::lifecycle::cleanup::{self, Leftovers};
use crate::lifecycle::contention::{self, EmptyStack};
use crate::lifecycle::events::EventFeed;
use crate::lifecycle::parameters::{self, PushedImages};
use crate::lifecycle::progress::{Progress, ProgressEvent};
use crate::lifecycle::resource_names::ResourceNames;
use crate::lifecycle::watch::{Ended, Watcher};
use crate::lifecycle::{hold_back, one_off, preconditions, upload};
use crate::stack::{self, DeployTarget, Phase, StackInfo};
use crate::{Clients, Error};

#[derive(Debug, Clone)]
pub struct UpOptions {
    /// Return once the change set is executing.
    pub detach: bool,
    /// Time between two looks at the stack.
    pub poll_interval: Duration,
    /// What was pushed for the services with `build:`.
    pub images: PushedImages,
    /// Say the ids of what is used (VPC, subnets), not only how many.
    pub verbose: bool,
}

impl Default for UpOptions {
    fn default() -> Self {
        UpOptions {
            detach: false,
            poll_interval: Duration::from_secs(5),
            images: PushedImages::new(),
            verbose: false,
        }
    }
}

/// How `up` ended, when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpOutcome {
    /// The stack was created or updated; its final status and the app's URLs.
    Deployed {
        created: bool,
        status: String,
        urls: Vec<String>,
    },
    /// The deployed stack already matches.
    NoChanges,
    /// `--detach`: the change set is executing.
    Detached { stack_id: String },
    /// Ctrl-C: a create was undone (stack deleted), an update rolled back; `status` is the final one.
    Cancelled { status: String },
    /// A second Ctrl-C: CloudFormation carries on without us watching.
    LeftRunning { stack_id: String },
}

/// What to do with the stack that exists under the project's name.
enum Plan {
    Create { existing_id: Option<String> },
    Update(StackInfo),
}

/// Which of a deployment's stack updates this is. A project with one-off jobs deploys in two:
/// everything but the new versions of the services that wait for a job (hold_back.rs), then,
/// once the jobs have run and succeeded, the whole template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// The only update (no jobs).
    Whole,
    /// Before the jobs run: followed to its end even with `--detach`, and not the deployment's end.
    BeforeJobs,
    /// After the jobs: the whole template.
    AfterJobs,
}

/// What the first of two updates held back (empty: it deployed the whole template).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeldBack {
    /// Running services kept on their running version.
    pub held: Vec<String>,
    /// Services not created yet.
    pub deferred: Vec<String>,
}

impl HeldBack {
    fn is_empty(&self) -> bool {
        self.held.is_empty() && self.deferred.is_empty()
    }

    /// What is held back, one phrase per kind: the running services with what they do (`keep`
    /// and `keeps` the verb's plural and singular forms, followed by `rest`), and the services not
    /// created.
    pub(crate) fn phrases(&self, plural: &str, singular: &str, rest: &str) -> Vec<String> {
        let mut parts = Vec::new();
        if !self.held.is_empty() {
            let verb = if self.held.len() == 1 {
                singular
            } else {
                plural
            };
            parts.push(format!("{} {verb} {rest}", self.held.join(", ")));
        }
        if !self.deferred.is_empty() {
            let be = if self.deferred.len() == 1 {
                "is"
            } else {
                "are"
            };
            parts.push(format!("{} {be} not created", self.deferred.join(", ")));
        }
        parts
    }
}

pub async fn up(
    clients: &Clients,
    project: &str,
    built: &Built,
    options: &UpOptions,
    progress: &mut dyn Progress,
    interrupts: &mut Interrupts,
) -> Result<UpOutcome, Error> {
    if built.jobs.is_empty() {
        let mut nothing_held = HeldBack::default();
        return deploy(
            clients,
            project,
            built,
            options,
            progress,
            interrupts,
            Stage::Whole,
            &mut nothing_held,
        )
        .await;
    }
    let mut held = HeldBack::default();
    let first = deploy(
        clients,
        project,
        built,
        options,
        progress,
        interrupts,
        Stage::BeforeJobs,
        &mut held,
    )
    .await?;
    let (status, urls) = match &first {
        UpOutcome::Deployed { status, urls, .. } => (status.clone(), urls.clone()),
        UpOutcome::NoChanges if !held.is_empty() => (String::new(), Vec::new()),
        UpOutcome::NoChanges => {
            progress.report(ProgressEvent::Info(format!(
                "Nothing to update: stack {project} already matches the compose file, so no job \
                 ran (`docker ecs run SERVICE` runs one)"
            )));
            return Ok(first);
        }
        _ => return Ok(first),
    };
    if let Some(stopped) = one_off::run_all(
        clients,
        project,
        &built.jobs,
        &held,
        options.poll_interval,
        progress,
        interrupts,
    )
    .await?
    {
        return Ok(stopped);
    }
    if held.is_empty() {
        // The first update was the whole deployment: it ends with the jobs.
        progress.report(ProgressEvent::Finished {
            stack: project.to_string(),
            status,
            urls,
        });
        return Ok(first);
    }
    let mut nothing_held = HeldBack::default();
    let second = deploy(
        clients,
        project,
        built,
        options,
        progress,
        interrupts,
        Stage::AfterJobs,
        &mut nothing_held,
    )
    .await?;
    Ok(match (second, first) {
        // The second update is what made the new services exist.
        (UpOutcome::Deployed { status, urls, .. }, UpOutcome::Deployed { created, .. }) => {
            UpOutcome::Deployed {
                created,
                status,
                urls,
            }
        }
        (second, _) => second,
    })
}

/// One stack update; `held` gets what a `BeforeJobs` update held back.
#[allow(clippy::too_many_arguments)]
async fn deploy(
    clients: &Clients,
    project: &str,
    built: &Built,
    options: &UpOptions,
    progress: &mut dyn Progress,
    interrupts: &mut Interrupts,
    stage: Stage,
    held: &mut HeldBack,
) -> Result<UpOutcome, Error> {
    let cf = &clients.cloudformation;
    stack::check_name(project)?;
    let names = ResourceNames::from_template(&built.template);
    // Reads only, up to the change set: a Ctrl-C stops them with nothing to undo.
    let found = interrupts
        .unless_interrupted(async {
            preconditions::check(clients, &built.preconditions).await?;
            stack::describe(cf, project).await
        })
        .await;
    let Some(found) = found else {
        return Ok(stopped_before_any_change(project, progress));
    };
    let mut found = found?;
    if let Some(busy) = found
        .as_ref()
        .filter(|s| s.managed && stack::is_update_in_progress(&s.status))
        .cloned()
    {
        if let Some(outcome) = attach(clients, &busy, &names, options, progress, interrupts).await?
        {
            return Ok(outcome);
        }
        found = stack::describe(cf, project).await?;
    }

    let plan = match stack::deploy_target(project, found, "run up again")? {
        DeployTarget::Create => Plan::Create { existing_id: None },
        DeployTarget::Recreate(existing) => {
            progress.report(ProgressEvent::Info(format!(
                "Stack {project} is in ROLLBACK_COMPLETE after a failed create and cannot be updated: deleting it first"
            )));
            match delete_and_wait(
                clients,
                &existing,
                options.poll_interval,
                progress,
                interrupts,
            )
            .await?
            {
                Some(outcome) => return Ok(outcome),
                None => Plan::Create { existing_id: None },
            }
        }
        // A stack created by a change set that never ran: CloudFormation wants a CREATE change set.
        DeployTarget::Review(id) => Plan::Create {
            existing_id: Some(id),
        },
        DeployTarget::Update(existing) => Plan::Update(existing),
    };

    let existing_id = match &plan {
        Plan::Create { existing_id } => existing_id.clone(),
        Plan::Update(info) => Some(info.id.clone()),
    };
    let resolved = interrupts
        .unless_interrupted(parameters::resolve(
            clients,
            project,
            built,
            existing_id.as_deref(),
            &options.images,
        ))
        .await;
    let Some(parameters) = resolved else {
        return Ok(stopped_before_any_change(project, progress));
    };
    let parameters = parameters?;
    // Said once per deployment: the update after the jobs uses the same network.
    let summary = (stage != Stage::AfterJobs)
        .then(|| network_summary(built, &parameters, options.verbose))
        .flatten();
    if let Some(summary) = summary {
        progress.report(ProgressEvent::Info(summary));
    }
    let first_template;
    let template = if stage == Stage::BeforeJobs {
        // What the stack runs now: its template, parameters and resources (none for a new stack).
        let running = match &plan {
            Plan::Update(info) => Some((
                info,
                stack::deployed_template(cf, &info.id).await,
                stack::physical_ids(cf, &info.id).await?,
            )),
            Plan::Create { .. } => None,
        };
        let deployed = running.as_ref().and_then(|(info, template, physical_ids)| {
            Some(hold_back::Deployed {
                template: template.as_ref()?,
                parameters: &info.parameters,
                physical_ids,
            })
        });
        let first =
            hold_back::first_phase(&built.template, &parameters, &built.jobs, deployed.as_ref());
        held.held = first.held;
        held.deferred = first.deferred;
        first_template = first.template;
        &first_template
    } else {
        &built.template
    };
    if !held.is_empty() {
        progress.report(ProgressEvent::Info(held_back_text(held)));
    }
    let body = serde_json::to_string(template)
        .map_err(|e| Error::Precondition(format!("the template cannot be serialised: {e}")))?;
    let (template, interrupted) = interrupts
        .run_to_end(upload::prepare(clients, project, body), || {})
        .await;
    let template = template?;
    let mut leftovers = Leftovers::new(project, template.uploaded());
    if interrupted {
        return undo_before_execution(clients, &leftovers, options, progress, interrupts).await;
    }
    let create = matches!(plan, Plan::Create { .. });
    let request = ChangeSetRequest {
        stack_name: project.to_string(),
        project: project.to_string(),
        create,
        template,
        parameters,
    };

    // Once sent, the request is allowed to finish: only its answer names the change set (and the
    // stack) it made, which a Ctrl-C must then remove.
    let (created, interrupted) = interrupts
        .run_to_end(changeset::create(cf, &request), || {
            progress.report(ProgressEvent::Info(
                "Interrupted: waiting for CloudFormation to answer the change set request, then removing what it made"
                    .into(),
            ))
        })
        .await;
    let created = match created {
        Ok(created) => created,
        Err(err) => {
            cleanup::forget_upload(clients, leftovers.upload.as_ref()).await;
            // For a new project, a stack there now is another run's: whatever the refusal says
            // (a local API may answer it with an unreadable body), that is the story.
            if existing_id.is_none() && !matches!(err, Error::AnotherDeployment { .. }) {
                if let Ok(Some(seen)) = contention::other_activity(cf, project, None).await {
                    return Err(contention::explain(project, err, Some(seen)));
                }
            }
            return Err(err);
        }
    };
    // Only a stack this change set brought into being is ours to delete.
    let made_stack = create && existing_id.is_none();
    let change_set = match created {
        Prepared::Ready(change_set) => change_set,
        Prepared::NoChanges if interrupted => {
            return undo_before_execution(clients, &leftovers, options, progress, interrupts).await
        }
        Prepared::NoChanges => {
            cleanup::forget_upload(clients, leftovers.upload.as_ref()).await;
            report_unchanged(project, &plan, stage, progress);
            return Ok(UpOutcome::NoChanges);
        }
    };
    leftovers.add_change_set(&change_set, made_stack);
    if interrupted {
        return undo_before_execution(clients, &leftovers, options, progress, interrupts).await;
    }
    let ready = interrupts
        .unless_interrupted(changeset::wait_until_ready(
            cf,
            &change_set,
            options.poll_interval,
            clients.limits.wait,
        ))
        .await;
    let Some(ready) = ready else {
        return undo_before_execution(clients, &leftovers, options, progress, interrupts).await;
    };
    let ready = match ready {
        Ok(ready) => ready,
        Err(err) => {
            // A rejected change set of a new stack leaves an empty REVIEW_IN_PROGRESS stack; on an
            // existing stack it would linger in the console's change set list.
            let err = abandon(cf, project, &change_set, made_stack, err).await;
            cleanup::forget_upload(clients, leftovers.upload.as_ref()).await;
            return Err(err);
        }
    };
    let change_set = match ready {
        Prepared::NoChanges => {
            // wait_until_ready deleted the empty change set.
            cleanup::forget_upload(clients, leftovers.upload.as_ref()).await;
            report_unchanged(project, &plan, stage, progress);
            return Ok(UpOutcome::NoChanges);
        }
        Prepared::Ready(change_set) => change_set,
    };

    // Events of earlier operations are not this one's: remember where the history stands.
    let feed = match &existing_id {
        Some(id) => EventFeed::after_current(cf, id).await?,
        None => EventFeed::all(change_set.stack_id.clone()),
    };
    // Last moment where a Ctrl-C costs nothing: the change set has not run.
    if interrupts.take_pending() {
        return undo_before_execution(clients, &leftovers, options, progress, interrupts).await;
    }
    let verb = if create { "Creating" } else { "Updating" };
    progress.report(ProgressEvent::Info(format!("{verb} stack {project}")));
    progress.report(ProgressEvent::Operation {
        verb: verb.into(),
        total: change_set.changes,
    });
    if let Err(err) = changeset::execute(cf, &change_set).await {
        // The empty REVIEW_IN_PROGRESS stack the change set made holds nothing of the user's: do
        // not leave it behind for the next `up` to trip over, unless another run's change set
        // (maybe executing now) shares it.
        let err = abandon(cf, project, &change_set, made_stack, err).await;
        cleanup::forget_upload(clients, leftovers.upload.as_ref()).await;
        return Err(err);
    }
    // A Ctrl-C during ExecuteChangeSet is the watcher's to handle (undo the create, roll back the
    // update), even with --detach.
    // The jobs need the first update done: only the last one can be left to run.
    if options.detach && stage != Stage::BeforeJobs && !interrupts.pending() {
        progress.report(ProgressEvent::Info(format!(
            "Change set executing; follow it with `docker ecs ls` (the stack's status) and \
             `docker ecs ps` (the tasks), or in the CloudFormation console (stack {project})"
        )));
        return Ok(UpOutcome::Detached {
            stack_id: change_set.stack_id,
        });
    }

    let mut watcher = Watcher::new(
        clients,
        change_set.stack_id.clone(),
        feed,
        names,
        options.poll_interval,
    );
    // Only the end of this run's own operation is a deployment: a stack deleted meanwhile (by
    // `down` in another terminal...) or carried on by someone else's operation is not.
    let completed = if create {
        "CREATE_COMPLETE"
    } else {
        "UPDATE_COMPLETE"
    };
    let ended = watcher.until_done(progress, interrupts).await?;
    if let Ended::Finished(info) = &ended {
        // A Ctrl-C that came while the last look found the stack finished has nothing left to
        // stop: say so rather than drop it.
        if interrupts.take_pending() {
            let status = info
                .as_ref()
                .map_or(stack::DELETE_COMPLETE, |i| i.status.as_str());
            progress.report(ProgressEvent::Info(format!(
                "Interrupted, but stack {project} had already finished ({status}) before anything \
                 could be stopped: nothing was undone"
            )));
        }
    }
    match ended {
        Ended::Finished(Some(info)) if info.status == completed => {
            // Tasks read their secrets when they start: a new value reaches only new tasks.
            for secret in watcher.updated("AWS::SecretsManager::Secret") {
                progress.report(ProgressEvent::Info(format!(
                    "{secret} has a new value; running tasks read secrets when they start: \
                     `docker ecs up --force-new-deployment` restarts them with it"
                )));
            }
            let urls = stack::urls(&info.outputs);
            if stage == Stage::BeforeJobs {
                progress.report(ProgressEvent::Info(format!(
                    "Stack {}: {}; running the jobs",
                    info.name, info.status
                )));
            } else {
                progress.report(ProgressEvent::Finished {
                    stack: info.name.clone(),
                    status: info.status.clone(),
                    urls: urls.clone(),
                });
            }
            Ok(UpOutcome::Deployed {
                created: create,
                status: info.status,
                urls,
            })
        }
        Ended::Finished(Some(info)) if info.phase() == Phase::Deleted => {
            progress.report(ProgressEvent::Finished {
                stack: info.name.clone(),
                status: info.status.clone(),
                urls: Vec::new(),
            });
            Err(deleted_meanwhile(project, &info.status, &watcher))
        }
        Ended::Finished(None) => Err(deleted_meanwhile(project, "gone", &watcher)),
        Ended::Finished(Some(info)) if info.phase() == Phase::Succeeded => {
            progress.report(ProgressEvent::Finished {
                stack: info.name.clone(),
                status: info.status.clone(),
                urls: Vec::new(),
            });
            Err(Error::DeployFailed(format!(
                "stack {project} ended in {}, not {completed}: another operation ran on it while \
                 this deployment did, so whether this deployment's changes are in place is not \
                 known; see the stack's events, then run `docker ecs up` again",
                info.status
            )))
        }
        Ended::Finished(Some(info)) => {
            let error = watcher.failure(&info, progress);
            progress.report(ProgressEvent::Finished {
                stack: info.name.clone(),
                status: info.status.clone(),
                urls: Vec::new(),
            });
            Err(error)
        }
        Ended::Interrupted => {
            cancel(clients, project, create, &change_set.stack_id, progress).await?;
            match watcher.until_done(progress, interrupts).await? {
                Ended::Interrupted => {
                    progress.report(ProgressEvent::Info(format!(
                        "Stopped waiting: CloudFormation goes on with stack {project}"
                    )));
                    Ok(UpOutcome::LeftRunning {
                        stack_id: change_set.stack_id,
                    })
                }
                Ended::Finished(info) => {
                    let status = info
                        .as_ref()
                        .map(|i| i.status.clone())
                        .unwrap_or_else(|| stack::DELETE_COMPLETE.to_string());
                    progress.report(ProgressEvent::Finished {
                        stack: project.to_string(),
                        status: status.clone(),
                        urls: Vec::new(),
                    });
                    Ok(UpOutcome::Cancelled { status })
                }
            }
        }
    }
}

/// Another run's update of the stack: follow it to its end and say how it ended (`None`: go on and
/// deploy), or with `--detach` return at once. A Ctrl-C stops watching; the update is not ours to
/// cancel.
async fn attach(
    clients: &Clients,
    busy: &StackInfo,
    names: &ResourceNames,
    options: &UpOptions,
    progress: &mut dyn Progress,
    interrupts: &mut Interrupts,
) -> Result<Option<UpOutcome>, Error> {
    let project = &busy.name;
    if options.detach {
        progress.report(ProgressEvent::Info(format!(
            "Stack {project} is being updated by another deployment ({}): not waiting (--detach); \
             this compose file is not deployed yet: run `docker ecs up` once that update has ended",
            busy.status
        )));
        return Ok(Some(UpOutcome::Detached {
            stack_id: busy.id.clone(),
        }));
    }
    progress.report(ProgressEvent::Info(format!(
        "Stack {project} is being updated by another deployment ({}): following it to its end, \
         then deploying this compose file",
        busy.status
    )));
    let feed = EventFeed::after_current(&clients.cloudformation, &busy.id).await?;
    let mut watcher = Watcher::new(
        clients,
        busy.id.clone(),
        feed,
        names.clone(),
        options.poll_interval,
    );
    match watcher.until_done(progress, interrupts).await? {
        Ended::Interrupted => {
            progress.report(ProgressEvent::Info(format!(
                "Stopped watching: the other deployment of stack {project} goes on; nothing of \
                 this run was deployed"
            )));
            Ok(Some(UpOutcome::LeftRunning {
                stack_id: busy.id.clone(),
            }))
        }
        Ended::Finished(Some(info))
            if matches!(info.phase(), Phase::Succeeded | Phase::Deleted) =>
        {
            progress.report(ProgressEvent::Info(format!(
                "The other deployment of stack {project} ended ({})",
                info.status
            )));
            Ok(None)
        }
        Ended::Finished(Some(info)) => {
            let failure = watcher.failure(&info, progress);
            progress.report(ProgressEvent::Info(format!(
                "The other deployment of stack {project} failed: {failure}"
            )));
            Ok(None)
        }
        // Gone: the next look finds no stack, and this run creates it.
        Ended::Finished(None) => Ok(None),
    }
}

/// Our change set will not run (`err` says why): remove it, and the empty stack it made
/// (`made_stack`) unless another run uses that stack, in which case that is what `err` becomes.
/// Removal is best effort, so the refusal stays the error the user sees.
async fn abandon(
    cf: &aws_sdk_cloudformation::Client,
    project: &str,
    change_set: &changeset::ChangeSet,
    made_stack: bool,
    err: Error,
) -> Error {
    // Gone already when another run's change set was executed.
    let _ = changeset::discard(cf, change_set).await;
    if !made_stack {
        return err;
    }
    match contention::delete_empty_stack(cf, &change_set.stack_id, Some(change_set)).await {
        Ok(EmptyStack::InUse(seen)) => contention::explain(project, err, Some(seen)),
        Ok(EmptyStack::Deleted) | Err(_) => err,
    }
}

/// The stack of this deployment was deleted before the deployment ended.
fn deleted_meanwhile(project: &str, status: &str, watcher: &Watcher) -> Error {
    Error::DeployFailed(format!(
        "the stack was deleted while this deployment ran ({}): stack {project} is {status} and the \
         app is not deployed; run `docker ecs up` again to deploy it",
        watcher.deleted_by()
    ))
}

/// The stack already matches: say so, and where the app is, as a deployment would.
fn report_unchanged(project: &str, plan: &Plan, stage: Stage, progress: &mut dyn Progress) {
    // Before the jobs, `up` says what it does next itself.
    if stage == Stage::BeforeJobs {
        return;
    }
    progress.report(ProgressEvent::Info(format!(
        "Nothing to update: stack {project} already matches the compose file"
    )));
    if let Plan::Update(info) = plan {
        progress.report(ProgressEvent::Finished {
            stack: info.name.clone(),
            status: info.status.clone(),
            urls: stack::urls(&info.outputs),
        });
    }
}

/// What the first of two updates leaves for after the jobs.
fn held_back_text(held: &HeldBack) -> String {
    let parts = held.phrases("keep", "keeps", "the running version");
    format!(
        "Jobs first: {} until the jobs have succeeded",
        parts.join(", ")
    )
}

/// Ctrl-C before anything was created.
fn stopped_before_any_change(project: &str, progress: &mut dyn Progress) -> UpOutcome {
    progress.report(ProgressEvent::Info(format!(
        "Interrupted before anything was created: stack {project} is as it was"
    )));
    UpOutcome::Cancelled {
        status: "nothing created".into(),
    }
}

/// Ctrl-C once something exists but before the change set ran: remove the change set, the empty
/// stack it made and the uploaded template, and say so.
async fn undo_before_execution(
    clients: &Clients,
    leftovers: &Leftovers,
    options: &UpOptions,
    progress: &mut dyn Progress,
    interrupts: &mut Interrupts,
) -> Result<UpOutcome, Error> {
    let cleanup::Removed { removed, kept } =
        cleanup::remove(clients, leftovers, options.poll_interval, interrupts).await?;
    if removed.is_empty() && kept.is_none() {
        return Ok(stopped_before_any_change(&leftovers.stack_name, progress));
    }
    let mut said = format!(
        "Interrupted before any change was made: removed {}",
        cleanup::join(&removed)
    );
    if let Some(kept) = kept {
        said.push_str(&format!("; {kept}"));
    }
    progress.report(ProgressEvent::Info(said));
    Ok(UpOutcome::Cancelled {
        status: if leftovers.change_set.is_some() {
            "change set discarded".into()
        } else {
            "nothing created".into()
        },
    })
}

/// Where the app goes, from the resolved network parameters, in one line: how many subnets of
/// which kind serve the load balancer and the tasks; the ids (VPC, subnets) only when `verbose`.
fn network_summary(built: &Built, values: &[(String, String)], verbose: bool) -> Option<String> {
    use template_builder::ParameterSource;
    let value_of = |wanted: &ParameterSource| {
        let input = built.parameters.iter().find(|p| &p.source == wanted)?;
        values
            .iter()
            .find(|(name, _)| *name == input.name)
            .map(|(_, value)| value.clone())
    };
    let vpc = value_of(&ParameterSource::VpcId)?;
    // "2 public subnets", or with -v "public subnets subnet-a, subnet-b"; `kind` may be "".
    let subnets = |kind: &str, list: &str| {
        let ids: Vec<&str> = list.split(',').filter(|id| !id.is_empty()).collect();
        let noun = if ids.len() == 1 && !verbose {
            "subnet"
        } else {
            "subnets"
        };
        let kind = if kind.is_empty() {
            String::new()
        } else {
            format!("{kind} ")
        };
        match verbose {
            true => format!("{kind}{noun} {}", ids.join(", ")),
            false => format!("{} {kind}{noun}", ids.len()),
        }
    };
    let internal = value_of(&ParameterSource::LoadBalancerScheme).as_deref() == Some("internal");
    let mut parts = Vec::new();
    if verbose {
        parts.push(format!("VPC {vpc}"));
    }
    if internal {
        parts.push(
            "internal load balancer, reachable from inside the VPC only (the VPC has no public \
             subnet; x-aws-loadbalancer_scheme chooses)"
                .into(),
        );
    } else if let Some(public) = value_of(&ParameterSource::PublicSubnetIds) {
        parts.push(format!("load balancer in {}", subnets("public", &public)));
    }
    let public_ips = value_of(&ParameterSource::AssignPublicIp);
    if let Some(tasks) = value_of(&ParameterSource::PrivateSubnetIds) {
        parts.push(match public_ips.as_deref() {
            Some("DISABLED") => {
                format!("tasks in {} without public IPs", subnets("private", &tasks))
            }
            // No private subnet: the tasks run in the public ones, where they need a public IP.
            Some(_) => format!("tasks in {} with public IPs", subnets("public", &tasks)),
            None => format!("tasks in {}", subnets("", &tasks)),
        });
    }
    let hint = if verbose { "" } else { " (-v for ids)" };
    Some(format!("Network: {}{hint}", parts.join(", ")))
}

/// First Ctrl-C: undo a create by deleting the partial stack; roll an update back. An existing
/// application is never deleted.
async fn cancel(
    clients: &Clients,
    project: &str,
    create: bool,
    stack_id: &str,
    progress: &mut dyn Progress,
) -> Result<(), Error> {
    let cf = &clients.cloudformation;
    if create {
        progress.report(ProgressEvent::Info(format!(
            "Interrupted: deleting the partially created stack {project} (press Ctrl-C again to stop waiting)"
        )));
        stack::delete(cf, stack_id, "up").await
    } else {
        progress.report(ProgressEvent::Info(format!(
            "Interrupted: cancelling the update; CloudFormation rolls stack {project} back to its previous state \
             (press Ctrl-C again to stop waiting)"
        )));
        if let Err(err) = stack::cancel_update(cf, stack_id).await {
            // Too late to cancel (e.g. already cleaning up): the update finishes on its own.
            progress.report(ProgressEvent::Info(format!(
                "Cannot cancel now ({err}); waiting for the update to end"
            )));
        }
        Ok(())
    }
}

/// Delete a stack left by a failed create and wait for it; `Some(outcome)` when interrupted.
async fn delete_and_wait(
    clients: &Clients,
    existing: &StackInfo,
    interval: Duration,
    progress: &mut dyn Progress,
    interrupts: &mut Interrupts,
) -> Result<Option<UpOutcome>, Error> {
    let cf = &clients.cloudformation;
    let feed = EventFeed::after_current(cf, &existing.id).await?;
    stack::delete(cf, &existing.id, "up").await?;
    let mut watcher = Watcher::new(
        clients,
        existing.id.clone(),
        feed,
        ResourceNames::default(),
        interval,
    );
    match watcher.until_done(progress, interrupts).await? {
        Ended::Interrupted => Ok(Some(UpOutcome::LeftRunning {
            stack_id: existing.id.clone(),
        })),
        Ended::Finished(None) => Ok(None),
        Ended::Finished(Some(info)) if info.status == stack::DELETE_COMPLETE => Ok(None),
        Ended::Finished(Some(info)) => Err(watcher.failure(&info, progress)),
    }
}
