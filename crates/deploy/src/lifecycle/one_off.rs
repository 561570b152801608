//! Running a deployment's one-off jobs (template-builder's jobs.rs), between the two stack updates
//! of `up`: each job once, in order, as `docker ecs run JOB` runs it, its log printed as it comes.
//! The first job that fails stops `up`: the services that wait for it stay as they are.

use std::time::Duration;

use template_builder::jobs::{self, Job};

use crate::interrupt::Interrupts;
use crate::lifecycle::progress::{Progress, ProgressEvent};
use crate::lifecycle::up::{HeldBack, UpOutcome};
use crate::operate::run::{self, Ended, RunRequest};
use crate::{Clients, Error};

/// `startedBy` of the tasks `up` runs jobs in.
pub const STARTED_BY: &str = "docker-ecs-up";

/// Run every job to its end. `Ok(None)`: all exited with 0; `Ok(Some(_))`: a Ctrl-C stopped one.
pub async fn run_all(
    clients: &Clients,
    project: &str,
    jobs: &[Job],
    held: &HeldBack,
    poll_interval: Duration,
    progress: &mut dyn Progress,
    interrupts: &mut Interrupts,
) -> Result<Option<UpOutcome>, Error> {
    for job in jobs {
        let request = RunRequest {
            service: job.service.clone(),
            name: Some(STARTED_BY.into()),
            group: Some(format!("{}{}", jobs::GROUP_PREFIX, job.service)),
            ..RunRequest::default()
        };
        let started = match interrupts
            .unless_interrupted(run::start(clients, project, &request))
            .await
        {
            Some(started) => started.map_err(|err| {
                Error::DeployFailed(format!(
                    "job {}: {err}; {}",
                    job.service,
                    consequence(&job.service, held)
                ))
            })?,
            None => return Ok(Some(interrupted(project, &job.service, held, progress))),
        };
        progress.report(ProgressEvent::Info(format!(
            "Job {}: task {} started",
            job.service,
            started.task_id()
        )));
        let service = job.service.clone();
        let mut print = |line: &str| {
            progress.report(ProgressEvent::Info(format!("{service} | {line}")));
        };
        let ended = run::follow(clients, &started, poll_interval, interrupts, &mut print).await?;
        match ended {
            Ended::Exited(0) => progress.report(ProgressEvent::Info(format!(
                "Job {}: exited with 0",
                job.service
            ))),
            Ended::Exited(code) => {
                return Err(Error::DeployFailed(format!(
                    "job {} exited with {code} (task {}; its log: `docker ecs logs {}`); {}",
                    job.service,
                    started.task_id(),
                    job.service,
                    consequence(&job.service, held)
                )))
            }
            Ended::Failed(why) => {
                return Err(Error::DeployFailed(format!(
                    "job {} did not run to its end: {why}; {}",
                    job.service,
                    consequence(&job.service, held)
                )))
            }
            Ended::Interrupted => {
                return Ok(Some(interrupted(project, &job.service, held, progress)))
            }
        }
    }
    Ok(None)
}

/// What a failed or stopped job leaves, and what to do.
fn consequence(job: &str, held: &HeldBack) -> String {
    let kept = held.phrases("still run", "still runs", "the previous version");
    let kept = if kept.is_empty() {
        "the stack is deployed (no service waited for a new version)".to_string()
    } else {
        format!("the rest of the stack is deployed, {}", kept.join(", "))
    };
    format!(
        "{kept}; fix the job and run `docker ecs up` again (`docker ecs run {job}` runs it alone)"
    )
}

fn interrupted(
    project: &str,
    job: &str,
    held: &HeldBack,
    progress: &mut dyn Progress,
) -> UpOutcome {
    progress.report(ProgressEvent::Info(format!(
        "Interrupted: job {job} was stopped; {}",
        consequence(job, held)
    )));
    UpOutcome::Cancelled {
        status: format!("job {job} of {project} stopped"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_job_says_what_it_left_and_what_to_do() {
        let held = HeldBack {
            held: vec!["web".into(), "worker".into()],
            deferred: vec!["api".into()],
        };
        assert_eq!(
            consequence("migrate", &held),
            "the rest of the stack is deployed, web, worker still run the previous version, \
             api is not created; fix the job and run `docker ecs up` again (`docker ecs run \
             migrate` runs it alone)"
        );
        assert!(consequence("migrate", &HeldBack::default())
            .starts_with("the stack is deployed (no service waited for a new version)"));
    }
}
