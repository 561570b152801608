//! ECS service rollouts while the stack deploys: CloudFormation waits for a service to stabilise,
//! and meanwhile we show its desired/running/pending/failed tasks, why tasks stopped and the last
//! lines the first stopped task logged (read at once: the rollback of a first create deletes the
//! log group). Display only: an error reading ECS or CloudWatch Logs never fails the deployment.
//! `up --force-new-deployment` watches the deployments it started the same way
//! ([`Rollouts::track`]) and reads how each ended ([`Rollouts::rollout`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use aws_sdk_ecs::types::DesiredStatus;

use crate::lifecycle::events::Event;
use crate::lifecycle::progress::{Progress, ProgressEvent};
use crate::operate::logs::log_destinations;
use crate::Clients;

/// Log lines shown for a stopped task.
const LOG_LINES: i32 = 10;

#[derive(Debug, Clone)]
struct Tracked {
    description: String,
    /// The Compose service, for the `docker ecs logs` hint.
    service: Option<String>,
    cluster: String,
    name: String,
    active: bool,
    last_counts: Option<(i32, i32, i32, i32)>,
    failed_seen: i32,
    rollout: Option<RolloutState>,
}

/// The PRIMARY deployment of a service, as last polled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutState {
    pub deployment: String,
    /// ECS's rolloutState (`IN_PROGRESS`, `COMPLETED`, `FAILED`), when it gives one.
    pub state: Option<String>,
    pub reason: Option<String>,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    /// How many deployments the service has (more than one while tasks are replaced).
    pub deployments: usize,
}

impl RolloutState {
    /// Finished well: ECS says COMPLETED or, without a rollout state, the primary deployment runs
    /// all its tasks and is the only one.
    pub fn completed(&self) -> bool {
        match self.state.as_deref() {
            Some(state) => state == "COMPLETED",
            None => self.deployments == 1 && self.running == self.desired && self.pending == 0,
        }
    }

    pub fn failed(&self) -> bool {
        self.state.as_deref() == Some("FAILED")
    }
}

/// Services of the stack being deployed, by ARN.
#[derive(Debug, Default)]
pub struct Rollouts {
    services: BTreeMap<String, Tracked>,
    reported_tasks: HashSet<String>,
    /// Service description -> why its most recent stopped task stopped.
    last_stopped: BTreeMap<String, String>,
    /// Service description -> the last log lines of its first stopped task.
    logs: BTreeMap<String, TaskLogs>,
    /// Task definition ARN -> where its containers log (group, stream prefix), by container.
    log_config: HashMap<String, HashMap<String, (String, String)>>,
    /// Why the last poll could not read the services, when it could not.
    poll_error: Option<String>,
}

/// What a stopped task logged last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskLogs {
    pub task: String,
    pub container: String,
    pub lines: Vec<String>,
    /// The Compose service: `docker ecs logs <service>` shows more.
    pub service: Option<String>,
}

impl Rollouts {
    /// Follow the stack's events: an ECS service is watched while CloudFormation works on it.
    pub fn observe(&mut self, event: &Event, description: &str, service: Option<&str>) {
        if event.resource_type != "AWS::ECS::Service" {
            return;
        }
        let Some(arn) = event.physical_id.as_deref() else {
            return;
        };
        let Some((cluster, name)) = cluster_and_name(arn) else {
            return;
        };
        let active = matches!(
            event.status.as_str(),
            "CREATE_IN_PROGRESS" | "UPDATE_IN_PROGRESS"
        );
        let tracked = self
            .services
            .entry(arn.to_string())
            .or_insert_with(|| Tracked {
                description: description.to_string(),
                service: service.map(str::to_string),
                cluster,
                name,
                active,
                last_counts: None,
                failed_seen: 0,
                rollout: None,
            });
        tracked.active = active;
    }

    /// Watch a service whose deployment runs outside CloudFormation (a forced new deployment).
    /// A service ARN that does not name its cluster cannot be followed: `false`.
    pub fn track(&mut self, arn: &str, description: &str) -> bool {
        let Some((cluster, name)) = cluster_and_name(arn) else {
            return false;
        };
        self.services.insert(
            arn.to_string(),
            Tracked {
                description: description.to_string(),
                service: None,
                cluster,
                name,
                active: true,
                last_counts: None,
                failed_seen: 0,
                rollout: None,
            },
        );
        true
    }

    /// Stop polling a tracked service (its rollout ended).
    pub fn finish(&mut self, arn: &str) {
        if let Some(tracked) = self.services.get_mut(arn) {
            tracked.active = false;
        }
    }

    /// Why the last poll could not read the services (display only while the stack deploys; a
    /// forced deployment has nothing else to follow).
    pub fn poll_error(&self) -> Option<&str> {
        self.poll_error.as_deref()
    }

    /// The service's primary deployment as the last poll saw it.
    pub fn rollout(&self, arn: &str) -> Option<&RolloutState> {
        self.services.get(arn)?.rollout.as_ref()
    }

    /// Why the last reported task of this service stopped: often the real reason a service failed
    /// to stabilise, where CloudFormation only says the circuit breaker tripped.
    pub fn last_stopped_reason(&self, service_description: &str) -> Option<&str> {
        self.last_stopped
            .get(service_description)
            .map(String::as_str)
    }

    /// What the first stopped task of this service logged last.
    pub fn stopped_task_logs(&self, service_description: &str) -> Option<&TaskLogs> {
        self.logs.get(service_description)
    }

    pub fn any_active(&self) -> bool {
        self.services.values().any(|s| s.active)
    }

    /// Report rollout counts that changed and tasks that stopped since the last poll.
    pub async fn poll(&mut self, clients: &Clients, progress: &mut dyn Progress) {
        self.poll_services(clients, progress, false).await;
    }

    /// Once the operation ended: every service's task counts as they are now (after a rollback,
    /// those of the version that is back, not those of the one that failed).
    pub async fn settle(&mut self, clients: &Clients, progress: &mut dyn Progress) {
        self.poll_services(clients, progress, true).await;
    }

    async fn poll_services(&mut self, clients: &Clients, progress: &mut dyn Progress, all: bool) {
        let ecs = &clients.ecs;
        let mut by_cluster: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (arn, tracked) in &self.services {
            if tracked.active || all {
                by_cluster
                    .entry(tracked.cluster.clone())
                    .or_default()
                    .push(arn.clone());
            }
        }
        for (cluster, arns) in by_cluster {
            // DescribeServices takes at most 10 services per call.
            for chunk in arns.chunks(10) {
                let out = match ecs
                    .describe_services()
                    .cluster(&cluster)
                    .set_services(Some(chunk.to_vec()))
                    .send()
                    .await
                {
                    Ok(out) => {
                        self.poll_error = None;
                        out
                    }
                    Err(err) => {
                        self.poll_error = Some(
                            crate::Error::aws(
                                format!("describing the ECS services of cluster {cluster}"),
                                err,
                            )
                            .to_string(),
                        );
                        continue;
                    }
                };
                for service in out.services() {
                    let Some(arn) = service.service_arn() else {
                        continue;
                    };
                    let Some(primary) = service
                        .deployments()
                        .iter()
                        .find(|d| d.status() == Some("PRIMARY"))
                    else {
                        continue;
                    };
                    let counts = (
                        primary.desired_count(),
                        primary.running_count(),
                        primary.pending_count(),
                        primary.failed_tasks(),
                    );
                    let deployment = primary.id().unwrap_or_default().to_string();
                    let Some(tracked) = self.services.get_mut(arn) else {
                        continue;
                    };
                    tracked.rollout = Some(RolloutState {
                        deployment: deployment.clone(),
                        state: primary.rollout_state().map(|s| s.as_str().to_string()),
                        reason: primary
                            .rollout_state_reason()
                            .filter(|r| !r.is_empty())
                            .map(str::to_string),
                        desired: counts.0,
                        running: counts.1,
                        pending: counts.2,
                        deployments: service.deployments().len(),
                    });
                    if tracked.last_counts != Some(counts) {
                        tracked.last_counts = Some(counts);
                        progress.report(ProgressEvent::Rollout {
                            service: tracked.description.clone(),
                            desired: counts.0,
                            running: counts.1,
                            pending: counts.2,
                            failed: counts.3,
                        });
                    }
                    if counts.3 > tracked.failed_seen {
                        tracked.failed_seen = counts.3;
                        let (cluster, name, description) = (
                            tracked.cluster.clone(),
                            tracked.name.clone(),
                            tracked.description.clone(),
                        );
                        self.report_stopped_tasks(
                            clients,
                            &cluster,
                            &name,
                            &deployment,
                            &description,
                            progress,
                        )
                        .await;
                    }
                }
            }
        }
    }

    async fn report_stopped_tasks(
        &mut self,
        clients: &Clients,
        cluster: &str,
        service: &str,
        deployment: &str,
        description: &str,
        progress: &mut dyn Progress,
    ) {
        let ecs = &clients.ecs;
        let Ok(list) = ecs
            .list_tasks()
            .cluster(cluster)
            .service_name(service)
            .desired_status(DesiredStatus::Stopped)
            .send()
            .await
        else {
            return;
        };
        let new: Vec<String> = list
            .task_arns()
            .iter()
            .filter(|arn| !self.reported_tasks.contains(*arn))
            .take(100)
            .cloned()
            .collect();
        if new.is_empty() {
            return;
        }
        let Ok(described) = ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(new))
            .send()
            .await
        else {
            return;
        };
        for task in described.tasks() {
            let Some(arn) = task.task_arn() else { continue };
            // Only this deployment's tasks: older ones stopped for older reasons.
            if !deployment.is_empty() && task.started_by().is_some_and(|s| s != deployment) {
                continue;
            }
            if !self.reported_tasks.insert(arn.to_string()) {
                continue;
            }
            let reason = stopped_reason(task);
            self.last_stopped
                .insert(description.to_string(), reason.clone());
            let task_id = arn.rsplit('/').next().unwrap_or(arn).to_string();
            progress.report(ProgressEvent::TaskStopped {
                service: description.to_string(),
                task: task_id.clone(),
                reason,
            });
            if self.logs.contains_key(description) {
                continue;
            }
            if let Some(logs) = self.read_logs(clients, task, &task_id).await {
                progress.report(ProgressEvent::TaskLogs {
                    service: description.to_string(),
                    task: task_id.clone(),
                    lines: logs.lines.clone(),
                });
                let service = self
                    .services
                    .values()
                    .find(|t| t.description == description)
                    .and_then(|t| t.service.clone());
                self.logs
                    .insert(description.to_string(), TaskLogs { service, ..logs });
            }
        }
    }

    /// The last lines the container that failed (else the first) logged, when it logs to
    /// CloudWatch Logs and logged anything.
    async fn read_logs(
        &mut self,
        clients: &Clients,
        task: &aws_sdk_ecs::types::Task,
        task_id: &str,
    ) -> Option<TaskLogs> {
        let definition = task.task_definition_arn()?;
        if !self.log_config.contains_key(definition) {
            let described = clients
                .ecs
                .describe_task_definition()
                .task_definition(definition)
                .send()
                .await
                .ok()?;
            let config = described
                .task_definition()
                .map(|d| log_destinations(d.container_definitions()))
                .unwrap_or_default();
            self.log_config.insert(definition.to_string(), config);
        }
        let destinations = &self.log_config[definition];
        let containers = task.containers();
        let failed = containers
            .iter()
            .find(|c| c.exit_code().is_some_and(|code| code != 0) || c.reason().is_some())
            .or_else(|| containers.first())?;
        let container = failed.name()?;
        let (group, prefix) = destinations.get(container)?;
        let out = clients
            .logs
            .get_log_events()
            .log_group_name(group)
            .log_stream_name(format!("{prefix}/{container}/{task_id}"))
            .limit(LOG_LINES)
            .start_from_head(false)
            .send()
            .await
            .ok()?;
        let lines: Vec<String> = out
            .events()
            .iter()
            .filter_map(|e| e.message())
            .map(|m| m.trim_end().to_string())
            .collect();
        (!lines.is_empty()).then(|| TaskLogs {
            task: task_id.to_string(),
            container: container.to_string(),
            lines,
            service: None,
        })
    }
}

/// The task's stop reason with each container's own reason or exit code.
fn stopped_reason(task: &aws_sdk_ecs::types::Task) -> String {
    let mut reason = task.stopped_reason().unwrap_or("stopped").to_string();
    for container in task.containers() {
        let name = container.name().unwrap_or("container");
        if let Some(why) = container.reason() {
            reason.push_str(&format!("; {name}: {why}"));
        } else if let Some(code) = container.exit_code().filter(|c| *c != 0) {
            reason.push_str(&format!("; {name}: exit code {code}"));
        }
    }
    reason
}

/// Cluster and service name from a service ARN `arn:aws:ecs:region:account:service/cluster/name`
/// (old-style ARNs without the cluster are not followed).
fn cluster_and_name(arn: &str) -> Option<(String, String)> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let mut parts = resource.split('/');
    let (kind, cluster, name) = (parts.next()?, parts.next()?, parts.next()?);
    (kind == "service").then(|| (cluster.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_from_service_arn() {
        assert_eq!(
            cluster_and_name("arn:aws:ecs:us-east-1:123456789012:service/app-cluster/app-web"),
            Some(("app-cluster".into(), "app-web".into()))
        );
        assert_eq!(
            cluster_and_name("arn:aws:ecs:us-east-1:123456789012:service/app-web"),
            None
        );
    }
}
