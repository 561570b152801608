//! Following a stack operation until it ends: stack events become progress lines, ECS services show
//! their rollouts, the first real failure is reported in full. Throttling only slows the polling down.

use std::time::Duration;

use crate::interrupt::Interrupts;
use crate::lifecycle::events::{first_cause, Event, EventFeed};
use crate::lifecycle::progress::{Progress, ProgressEvent};
use crate::lifecycle::resource_names::ResourceNames;
use crate::lifecycle::rollouts::Rollouts;
use crate::stack::{self, Phase, StackInfo};
use crate::{Clients, Error};

/// Consecutive failed polls tolerated before giving up on watching.
const MAX_FAILED_POLLS: u32 = 3;

/// Why a poll did not give an answer.
enum Poll {
    Throttled,
    Failed(Error),
}

/// How a watch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The stack reached a final status (`None`: it no longer exists, i.e. it was deleted).
    Finished(Option<StackInfo>),
    /// The user pressed Ctrl-C; CloudFormation is still working.
    Interrupted,
}

/// Follows one stack through one or more operations (an update, then its cancellation).
pub struct Watcher<'a> {
    clients: &'a Clients,
    stack_id: String,
    feed: EventFeed,
    names: ResourceNames,
    interval: Duration,
    rollouts: Rollouts,
    history: Vec<Event>,
    failure_reported: bool,
}

impl<'a> Watcher<'a> {
    pub fn new(
        clients: &'a Clients,
        stack_id: impl Into<String>,
        feed: EventFeed,
        names: ResourceNames,
        interval: Duration,
    ) -> Self {
        Watcher {
            clients,
            stack_id: stack_id.into(),
            feed,
            names,
            interval,
            rollouts: Rollouts::default(),
            history: Vec::new(),
            failure_reported: false,
        }
    }

    /// Poll until the stack's status is final, or until interrupted.
    pub async fn until_done(
        &mut self,
        progress: &mut dyn Progress,
        interrupts: &mut Interrupts,
    ) -> Result<Ended, Error> {
        let mut delay = self.interval;
        let mut failed_polls = 0;
        let limit = self.clients.limits.wait;
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::DeployFailed(format!(
                    "stopped waiting after {} (the limit of {}): CloudFormation goes on with \
                     stack {}; follow it with `docker ecs ls` or in the CloudFormation console",
                    crate::limits::duration_text(limit),
                    crate::limits::WAIT_TIMEOUT_VAR,
                    self.stack_id
                )));
            }
            let slow_down = match self.poll_once(progress).await {
                Ok(Some(ended)) => return Ok(ended),
                Ok(None) => {
                    failed_polls = 0;
                    false
                }
                Err(Poll::Throttled) => true,
                // The deployment goes on in AWS whatever happens to one poll: a network blip that
                // outlasted the SDK's own retries is worth a few more tries before giving up.
                Err(Poll::Failed(error)) => {
                    failed_polls += 1;
                    if failed_polls > MAX_FAILED_POLLS {
                        return Err(error);
                    }
                    progress.report(ProgressEvent::Info(format!("{error}; trying again")));
                    true
                }
            };
            // Back off while AWS throttles us, up to 8 intervals; back to normal once it stops.
            delay = if slow_down {
                (delay * 2).min(self.interval * 8)
            } else {
                self.interval
            };
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = interrupts.next() => return Ok(Ended::Interrupted),
            }
        }
    }

    /// One look at events, rollouts and the stack status; `Some` once the stack's status is final.
    async fn poll_once(&mut self, progress: &mut dyn Progress) -> Result<Option<Ended>, Poll> {
        let throttled = self.poll_events(progress).await.map_err(Poll::Failed)?;
        if self.rollouts.any_active() {
            self.rollouts.poll(self.clients, progress).await;
        }
        if throttled {
            return Err(Poll::Throttled);
        }
        let ended = match stack::poll(&self.clients.cloudformation, &self.stack_id)
            .await
            .map_err(Poll::Failed)?
        {
            Ok(Some(info)) if info.phase() != Phase::InProgress => Ended::Finished(Some(info)),
            Ok(None) => Ended::Finished(None),
            Ok(Some(_)) => return Ok(None),
            Err(stack::Throttled) => return Err(Poll::Throttled),
        };
        self.drain_events(progress).await.map_err(Poll::Failed)?;
        self.rollouts.settle(self.clients, progress).await;
        Ok(Some(ended))
    }

    /// The events that explain a failure: the first real cause seen so far.
    pub fn first_cause(&self) -> Option<&Event> {
        first_cause(&self.history)
    }

    /// The resources of `resource_type` this watch saw updated, as the user reads them.
    pub fn updated(&self, resource_type: &str) -> Vec<String> {
        let mut found: Vec<String> = self
            .history
            .iter()
            .filter(|e| e.resource_type == resource_type && e.status == "UPDATE_COMPLETE")
            .map(|e| self.describe(e))
            .collect();
        found.dedup();
        found
    }

    /// Who deleted the stack, as far as its deletion's events tell: docker ecs names the command in
    /// the request token of the deletions it asks for; any other deletion names nobody (CloudTrail's
    /// DeleteStack entry does).
    pub fn deleted_by(&self) -> String {
        let deletion = self
            .history
            .iter()
            .find(|e| e.is_stack() && e.status == "DELETE_IN_PROGRESS");
        let command = deletion
            .and_then(|e| e.token.as_deref())
            .and_then(|t| t.strip_prefix(stack::DELETE_TOKEN_PREFIX))
            .and_then(|t| t.split('-').next());
        match (deletion, command) {
            (_, Some(command)) => format!("by `docker ecs {command}`"),
            (Some(_), None) => "not by docker ecs (CloudTrail's DeleteStack entry says who)".into(),
            (None, None) => "by someone else (CloudTrail's DeleteStack entry says who)".into(),
        }
    }

    pub fn describe(&self, event: &Event) -> String {
        self.names.describe(&event.logical_id, &event.resource_type)
    }

    /// True when throttled.
    async fn poll_events(&mut self, progress: &mut dyn Progress) -> Result<bool, Error> {
        match self.feed.poll(&self.clients.cloudformation).await? {
            Ok(events) => {
                for event in events {
                    self.handle(event, progress);
                }
                Ok(false)
            }
            Err(stack::Throttled) => Ok(true),
        }
    }

    /// The last events of a finished operation, retried a few times through throttling: they hold
    /// the failure reasons.
    async fn drain_events(&mut self, progress: &mut dyn Progress) -> Result<(), Error> {
        let mut delay = self.interval;
        for _ in 0..4 {
            if !self.poll_events(progress).await? {
                return Ok(());
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        Ok(())
    }

    fn handle(&mut self, event: Event, progress: &mut dyn Progress) {
        let description = self.describe(&event);
        progress.report(ProgressEvent::Resource {
            logical_id: event.logical_id.clone(),
            description: description.clone(),
            resource_type: event.resource_type.clone(),
            group: self.names.service(&event.logical_id).map(str::to_string),
            status: event.status.clone(),
            reason: event.reason.clone(),
        });
        self.rollouts
            .observe(&event, &description, self.names.service(&event.logical_id));
        if !self.failure_reported && event.is_root_cause() {
            self.failure_reported = true;
            progress.report(ProgressEvent::Failure {
                resource: description,
                reason: event.reason.clone().unwrap_or_default(),
            });
        }
        self.history.push(event);
    }

    /// After a failed operation: the error naming the failing resource and its reason (reporting it
    /// now if no event had shown it yet).
    pub fn failure(&mut self, info: &StackInfo, progress: &mut dyn Progress) -> Error {
        let cause = self.first_cause().map(|e| {
            (
                self.describe(e),
                e.logical_id.clone(),
                e.reason.clone().unwrap_or_default(),
            )
        });
        let what = match cause {
            Some((description, logical_id, reason)) => {
                if !self.failure_reported {
                    self.failure_reported = true;
                    progress.report(ProgressEvent::Failure {
                        resource: description.clone(),
                        reason: reason.clone(),
                    });
                }
                // Descriptions of resources the template does not know already end in the logical id.
                let mut what = if description.contains(&format!("({logical_id})")) {
                    format!("{description} failed: {reason}")
                } else {
                    format!("{description} ({logical_id}) failed: {reason}")
                };
                if let Some(stopped) = self.rollouts.last_stopped_reason(&description) {
                    what.push_str(&format!("\nlast stopped task: {stopped}"));
                }
                if let Some(logs) = self.rollouts.stopped_task_logs(&description) {
                    what.push_str(&format!(
                        "\nlast log lines of task {} ({}):",
                        logs.task, logs.container
                    ));
                    for line in &logs.lines {
                        what.push_str(&format!("\n  {line}"));
                    }
                    if let Some(service) = &logs.service {
                        what.push_str(&format!("\nmore: docker ecs logs {service}"));
                    }
                }
                what
            }
            None => match &info.status_reason {
                Some(reason) => format!("stack {} failed: {reason}", info.name),
                None => format!("stack {} failed", info.name),
            },
        };
        let hint = match info.status.as_str() {
            stack::ROLLBACK_COMPLETE => {
                "; the next `docker ecs up` deletes it before creating it again"
            }
            "UPDATE_ROLLBACK_COMPLETE" => "; the previous version of the app is back in service",
            _ => "",
        };
        Error::DeployFailed(format!(
            "{what}\nstack {} ended in {}{hint}",
            info.name, info.status
        ))
    }
}
