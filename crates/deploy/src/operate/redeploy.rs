//! `up --force-new-deployment`: start a new deployment of every ECS service of the project's stack,
//! so tasks are replaced and pull their image again. A rebuilt `:latest` (same tag, so the same
//! template and no change for CloudFormation) rolls out this way. [`wait_for_rollouts`] then follows
//! the deployments as `up` follows a service's rollout (task counts, why tasks stopped) until ECS
//! says each completed, and fails naming every service whose rollout failed and why.

use std::time::{Duration, Instant};

use crate::interrupt::Interrupts;
use crate::lifecycle::progress::{Progress, ProgressEvent};
use crate::lifecycle::rollouts::Rollouts;
use crate::operate::stack_info;
use crate::{Clients, Error};

/// A service whose new deployment ECS accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeployed {
    /// The Compose service name.
    pub service: String,
    /// The ECS deployment that replaces the tasks (`ecs-svc/...`), when ECS reported it.
    pub deployment: Option<String>,
    /// The ECS service ARN.
    pub arn: String,
}

/// Polls in a row that could not read the services before waiting gives up.
const FAILED_POLLS: u32 = 3;

/// How waiting for the rollouts ended, when no rollout failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutsEnded {
    Completed,
    /// Ctrl-C: ECS goes on replacing the tasks.
    Interrupted,
}

/// Force a new deployment of each service of the project. Every service is tried; the services that
/// could not be redeployed are named in one error.
pub async fn force_new_deployment(
    clients: &Clients,
    project: &str,
) -> Result<Vec<Redeployed>, Error> {
    force_new_deployment_of(clients, project, &[]).await
}

/// [`force_new_deployment`] of the Compose services named in `only` (all when empty): `restart`.
/// A name that is no service of the project is refused before anything is redeployed.
pub async fn force_new_deployment_of(
    clients: &Clients,
    project: &str,
    only: &[String],
) -> Result<Vec<Redeployed>, Error> {
    let app = stack_info::load(
        &clients.cloudformation,
        &clients.ecs,
        project,
        &clients.region,
    )
    .await?;
    let names = app.service_names();
    let unknown: Vec<&str> = only
        .iter()
        .filter(|s| !names.contains(s))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "no such service in project {project}: {} (services: {})",
            unknown.join(", "),
            names.join(", ")
        )));
    }
    let mut done = Vec::new();
    let mut failures = Vec::new();
    for service in app
        .services
        .iter()
        .filter(|s| only.is_empty() || only.contains(&s.name))
    {
        let target = if service.arn.is_empty() {
            &service.ecs_name
        } else {
            &service.arn
        };
        match clients
            .ecs
            .update_service()
            .cluster(&service.cluster)
            .service(target)
            .force_new_deployment(true)
            .send()
            .await
        {
            Ok(out) => {
                // The PRIMARY deployment is the one just started.
                let deployment = out.service().and_then(|s| {
                    s.deployments()
                        .iter()
                        .find(|d| d.status() == Some("PRIMARY"))
                        .and_then(|d| d.id())
                        .map(str::to_string)
                });
                done.push(Redeployed {
                    service: service.name.clone(),
                    deployment,
                    arn: target.clone(),
                });
            }
            Err(err) => failures.push(format!(
                "{}: {}",
                service.name,
                Error::aws("UpdateService", err)
            )),
        }
    }
    if !failures.is_empty() {
        return Err(Error::DeployFailed(format!(
            "could not force a new deployment of {} service(s) of {project} ({} started):\n  - {}",
            failures.len(),
            done.len(),
            failures.join("\n  - ")
        )));
    }
    Ok(done)
}

/// Follow the new deployments until ECS says each completed (or failed), reporting task counts
/// and stopped tasks as `up` does. Fails naming each service whose rollout failed, with ECS's
/// reason and why its last task stopped; gives up after `limit`, saying ECS goes on.
pub async fn wait_for_rollouts(
    clients: &Clients,
    redeployed: &[Redeployed],
    interval: Duration,
    limit: Duration,
    progress: &mut dyn Progress,
    interrupts: &mut Interrupts,
) -> Result<RolloutsEnded, Error> {
    let mut rollouts = Rollouts::default();
    let mut waiting: Vec<&Redeployed> = Vec::new();
    for service in redeployed {
        if rollouts.track(&service.arn, &description(service)) {
            waiting.push(service);
        } else {
            progress.report(ProgressEvent::Info(format!(
                "Not following the rollout of service {}: its ARN ({}) does not name its cluster",
                service.service, service.arn
            )));
        }
    }
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut failed_polls = 0;
    while !waiting.is_empty() {
        rollouts.poll(clients, progress).await;
        match rollouts.poll_error() {
            Some(err) if failed_polls + 1 >= FAILED_POLLS => {
                return Err(Error::DeployFailed(format!(
                    "cannot follow the new deployments ({err}); ECS goes on replacing the tasks: \
                     see `docker ecs ps`"
                )));
            }
            Some(_) => failed_polls += 1,
            None => failed_polls = 0,
        }
        let mut still = Vec::new();
        for service in waiting {
            match rollouts.rollout(&service.arn).cloned() {
                Some(state) if state.failed() => {
                    rollouts.finish(&service.arn);
                    let mut why = format!(
                        "{}: {}",
                        service.service,
                        state.reason.as_deref().unwrap_or("the rollout failed")
                    );
                    if let Some(stopped) = rollouts.last_stopped_reason(&description(service)) {
                        why.push_str(&format!("; last stopped task: {stopped}"));
                    }
                    progress.report(ProgressEvent::Failure {
                        resource: description(service),
                        reason: why.clone(),
                    });
                    failures.push(why);
                }
                Some(state) if state.completed() => {
                    rollouts.finish(&service.arn);
                    progress.report(ProgressEvent::Info(format!(
                        "Service {} rolled out ({})",
                        service.service, state.deployment
                    )));
                }
                _ => still.push(service),
            }
        }
        waiting = still;
        if waiting.is_empty() {
            break;
        }
        if started.elapsed() >= limit {
            let names: Vec<&str> = waiting.iter().map(|s| s.service.as_str()).collect();
            return Err(Error::DeployFailed(format!(
                "the new deployment of service(s) {} did not finish within {} s; ECS goes on \
                 replacing their tasks: see `docker ecs ps`",
                names.join(", "),
                limit.as_secs()
            )));
        }
        if interrupts
            .unless_interrupted(tokio::time::sleep(interval))
            .await
            .is_none()
        {
            progress.report(ProgressEvent::Info(
                "Stopped waiting: ECS goes on replacing the tasks".into(),
            ));
            return Ok(RolloutsEnded::Interrupted);
        }
    }
    if !failures.is_empty() {
        return Err(Error::DeployFailed(format!(
            "the new deployment of {} service(s) failed (ECS rolled back to the previous tasks \
             where the deployment circuit breaker is on):\n  - {}",
            failures.len(),
            failures.join("\n  - ")
        )));
    }
    Ok(RolloutsEnded::Completed)
}

fn description(service: &Redeployed) -> String {
    format!("{} service", service.service)
}

/// One line per service, for the terminal.
pub fn render(redeployed: &[Redeployed]) -> String {
    if redeployed.is_empty() {
        return "No ECS services to redeploy\n".to_string();
    }
    redeployed
        .iter()
        .map(|r| match &r.deployment {
            Some(id) => format!("Forced a new deployment of service {} ({id})\n", r.service),
            None => format!("Forced a new deployment of service {}\n", r.service),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_names_each_service_and_its_deployment() {
        assert_eq!(
            render(&[
                Redeployed {
                    service: "redis".into(),
                    deployment: None,
                    arn: String::new(),
                },
                Redeployed {
                    service: "web".into(),
                    deployment: Some("ecs-svc/42".into()),
                    arn: String::new(),
                },
            ]),
            "Forced a new deployment of service redis\nForced a new deployment of service web (ecs-svc/42)\n"
        );
        assert_eq!(render(&[]), "No ECS services to redeploy\n");
    }
}
