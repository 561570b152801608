//! `ps`: the project's tasks (one row per task, or per service with no task) and services, read
//! from ECS, with the ports their load balancer publishes. Fetching and rendering are separate:
//! [`tasks`] asks AWS, [`task_rows`]/[`service_rows`] shape rows, `render_*` print them.
//!
//! JSON field names are stable. A task row: `ID` (task id, empty for a service without task),
//! `Name` (`<service>-<first 8 characters of the task id>`, or the service name), `Service`, `State`
//! (lowercase ECS last status, empty without task), `Health` (`healthy`, `unhealthy` or empty),
//! `Status` (what the table shows), `Ports` (list of `<lb dns>:<published> -> <target>/<protocol>`),
//! `TaskArn`. A service row (`--services`): `Name`, `Status`, `Desired`, `Running`, `Pending`, `Ports`.

use crate::error::AwsContext;
use std::collections::BTreeSet;

use aws_sdk_ecs::types::{DesiredStatus, Task};
use aws_sdk_ecs::Client as Ecs;
use serde::Serialize;

use crate::operate::ports::PortMap;
use crate::operate::stack_info::AppService;
use crate::{table, Error};

/// DescribeTasks accepts at most this many tasks per call.
const DESCRIBE_TASKS_BATCH: usize = 100;

/// ECS task last statuses, lowercase: the values `--status` accepts.
pub const TASK_STATES: &[&str] = &[
    "provisioning",
    "pending",
    "activating",
    "running",
    "deactivating",
    "stopping",
    "deprovisioning",
    "stopped",
    "deleted",
];

/// States of tasks ECS is stopping or has stopped (their desired status is STOPPED).
const STOPPING_STATES: &[&str] = &[
    "deactivating",
    "stopping",
    "deprovisioning",
    "stopped",
    "deleted",
];

/// One task of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    /// Compose service name.
    pub service: String,
    pub arn: String,
    /// Lowercase last status.
    pub state: String,
    /// Lowercase health when ECS knows it (`healthy`, `unhealthy`).
    pub health: Option<String>,
    /// Why ECS stopped the task (`Essential container in task exited`, ...).
    pub stopped_reason: Option<String>,
}

impl TaskInfo {
    pub fn id(&self) -> &str {
        self.arn.rsplit('/').next().unwrap_or(&self.arn)
    }
}

/// Check `--status` values; lowercase them.
pub fn parse_status_filter(values: &[String]) -> Result<Vec<String>, Error> {
    let mut states = Vec::new();
    for value in values {
        for state in value.split(',').map(|s| s.trim().to_ascii_lowercase()) {
            if state.is_empty() {
                continue;
            }
            if !TASK_STATES.contains(&state.as_str()) {
                return Err(Error::InvalidArgument(format!(
                    "invalid --status value {state:?}: expected one of {}",
                    TASK_STATES.join(", ")
                )));
            }
            if !states.contains(&state) {
                states.push(state);
            }
        }
    }
    Ok(states)
}

/// The tasks of the services, filtered by `states` (lowercase last statuses; empty = tasks ECS
/// wants running, whatever their state). Stopped tasks are only listed when a stopping state is asked.
pub async fn tasks(
    ecs: &Ecs,
    services: &[AppService],
    states: &[String],
) -> Result<Vec<TaskInfo>, Error> {
    let mut desired = vec![DesiredStatus::Running];
    if states.iter().any(|s| STOPPING_STATES.contains(&s.as_str())) {
        desired.push(DesiredStatus::Stopped);
    }
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for service in services {
        for task in &service_tasks(ecs, service, &desired).await? {
            // ECS starts a service's tasks in group `service:<name>`; anything else in a shared
            // cluster is not ours.
            if task.group() != Some(format!("service:{}", service.ecs_name).as_str()) {
                continue;
            }
            let info = task_info(task, &service.name);
            if !states.is_empty() && !states.contains(&info.state) {
                continue;
            }
            if seen.insert(info.arn.clone()) {
                found.push(info);
            }
        }
    }
    Ok(found)
}

/// The tasks of `service` ECS lists under any of the `desired` statuses, described.
pub(crate) async fn service_tasks(
    ecs: &Ecs,
    service: &AppService,
    desired: &[DesiredStatus],
) -> Result<Vec<Task>, Error> {
    let mut arns = Vec::new();
    for status in desired {
        let mut pages = ecs
            .list_tasks()
            .cluster(&service.cluster)
            .service_name(&service.ecs_name)
            .desired_status(status.clone())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.with_context(|| format!("listing the tasks of service {}", service.name))?;
            arns.extend(page.task_arns().iter().cloned());
        }
    }
    let mut tasks = Vec::new();
    for batch in arns.chunks(DESCRIBE_TASKS_BATCH) {
        let out = ecs
            .describe_tasks()
            .cluster(&service.cluster)
            .set_tasks(Some(batch.to_vec()))
            .send()
            .await
            .with_context(|| format!("describing the tasks of service {}", service.name))?;
        tasks.extend(out.tasks().iter().cloned());
    }
    Ok(tasks)
}

fn task_info(task: &Task, service: &str) -> TaskInfo {
    let health = task
        .health_status()
        .map(|h| h.as_str().to_ascii_lowercase())
        .filter(|h| h == "healthy" || h == "unhealthy");
    TaskInfo {
        service: service.to_string(),
        arn: task.task_arn().unwrap_or_default().to_string(),
        state: task.last_status().unwrap_or_default().to_ascii_lowercase(),
        health,
        stopped_reason: task
            .stopped_reason()
            .filter(|r| !r.is_empty())
            .map(str::to_string),
    }
}

/// A row of `ps`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskRow {
    #[serde(rename = "ID")]
    pub id: String,
    pub name: String,
    pub service: String,
    pub state: String,
    pub health: String,
    pub status: String,
    pub ports: Vec<String>,
    pub task_arn: String,
}

/// A row of `ps --services`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceRow {
    pub name: String,
    pub status: String,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub ports: Vec<String>,
}

fn ports_of(service: &AppService, ports: &PortMap) -> Vec<String> {
    ports
        .ports_of(&service.targets)
        .iter()
        .map(|p| p.display())
        .collect()
}

/// One row per task, sorted by service then task id; a service without task gets one row saying
/// so, unless tasks are filtered by state (then only matching tasks are shown).
pub fn task_rows(
    services: &[AppService],
    tasks: &[TaskInfo],
    ports: &PortMap,
    filtered: bool,
) -> Vec<TaskRow> {
    let mut rows = Vec::new();
    for service in services {
        let published = ports_of(service, ports);
        let mut own: Vec<&TaskInfo> = tasks.iter().filter(|t| t.service == service.name).collect();
        own.sort_by(|a, b| a.id().cmp(b.id()));
        if own.is_empty() && !filtered {
            rows.push(TaskRow {
                id: String::new(),
                name: service.name.clone(),
                service: service.name.clone(),
                state: String::new(),
                health: String::new(),
                status: format!("no task ({}/{} running)", service.running, service.desired),
                ports: published.clone(),
                task_arn: String::new(),
            });
        }
        for task in own {
            let id = task.id().to_string();
            let short: String = id.chars().take(8).collect();
            let health = task.health.clone().unwrap_or_default();
            // Like health, why a task stopped is what a user looks at ps for.
            let status = match (health.is_empty(), &task.stopped_reason) {
                (_, Some(reason)) => format!("{} ({reason})", task.state),
                (true, None) => task.state.clone(),
                (false, None) => format!("{} ({health})", task.state),
            };
            rows.push(TaskRow {
                name: format!("{}-{short}", service.name),
                id,
                service: service.name.clone(),
                state: task.state.clone(),
                health,
                status,
                ports: published.clone(),
                task_arn: task.arn.clone(),
            });
        }
    }
    rows
}

pub fn service_rows(services: &[AppService], ports: &PortMap) -> Vec<ServiceRow> {
    services
        .iter()
        .map(|service| ServiceRow {
            name: service.name.clone(),
            status: service.status.clone(),
            desired: service.desired,
            running: service.running,
            pending: service.pending,
            ports: ports_of(service, ports),
        })
        .collect()
}

pub fn render_tasks_table(rows: &[TaskRow]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.service.clone(),
                r.status.clone(),
                r.ports.join(", "),
            ]
        })
        .collect();
    table::render(&["NAME", "SERVICE", "STATUS", "PORTS"], &cells)
}

/// `-q`: task ids, one per line.
pub fn render_task_ids(rows: &[TaskRow]) -> String {
    rows.iter()
        .filter(|r| !r.id.is_empty())
        .map(|r| format!("{}\n", r.id))
        .collect()
}

pub fn render_services_table(rows: &[ServiceRow]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.status.clone(),
                r.desired.to_string(),
                r.running.to_string(),
                r.ports.join(", "),
            ]
        })
        .collect();
    table::render(
        &["SERVICE", "STATUS", "DESIRED", "RUNNING", "PORTS"],
        &cells,
    )
}

/// `-q --services`: service names, one per line.
pub fn render_service_names(rows: &[ServiceRow]) -> String {
    rows.iter().map(|r| format!("{}\n", r.name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str, running: i32, desired: i32) -> AppService {
        AppService {
            name: name.into(),
            ecs_name: name.into(),
            arn: format!("arn:aws:ecs:us-east-1:123456789012:service/demo/{name}"),
            cluster: "demo".into(),
            status: "active".into(),
            desired,
            running,
            pending: 0,
            targets: vec![],
        }
    }

    fn task(service: &str, id: &str, state: &str, health: Option<&str>) -> TaskInfo {
        TaskInfo {
            service: service.into(),
            arn: format!("arn:aws:ecs:us-east-1:123456789012:task/demo/{id}"),
            state: state.into(),
            health: health.map(str::to_string),
            stopped_reason: None,
        }
    }

    #[test]
    fn a_stopped_task_says_why() {
        let services = [service("api", 0, 1)];
        let mut stopped = task("api", "70598d3a6daf46ccb0b99368fd676af6", "stopped", None);
        stopped.stopped_reason = Some("Essential container in task exited".into());
        let rows = task_rows(&services, &[stopped], &PortMap::default(), true);
        assert_eq!(rows[0].state, "stopped");
        assert_eq!(
            rows[0].status,
            "stopped (Essential container in task exited)"
        );
    }

    #[test]
    fn status_filter_accepts_known_states_in_any_case_and_commas() {
        assert_eq!(
            parse_status_filter(&["Running,stopped".into(), "running".into()]).unwrap(),
            ["running", "stopped"]
        );
        let err = parse_status_filter(&["up".into()]).unwrap_err().to_string();
        assert!(
            err.starts_with("invalid --status value \"up\": expected one of provisioning, pending"),
            "{err}"
        );
    }

    #[test]
    fn one_row_per_task_and_one_for_a_service_without_task() {
        let services = [service("db", 0, 1), service("web", 2, 2)];
        let tasks = [
            task("web", "ffff0000111122223333444455556666", "running", None),
            task(
                "web",
                "0123456789abcdef0123456789abcdef",
                "running",
                Some("healthy"),
            ),
        ];
        let rows = task_rows(&services, &tasks, &PortMap::default(), false);
        assert_eq!(
            render_tasks_table(&rows),
            "NAME           SERVICE   STATUS                  PORTS\n\
             db             db        no task (0/1 running)\n\
             web-01234567   web       running (healthy)\n\
             web-ffff0000   web       running\n"
        );
        assert_eq!(
            render_task_ids(&rows),
            "0123456789abcdef0123456789abcdef\nffff0000111122223333444455556666\n"
        );
        // With a state filter, services without a matching task are not shown.
        let filtered = task_rows(&services, &tasks[..1], &PortMap::default(), true);
        assert_eq!(filtered.len(), 1);
        assert_eq!(filtered[0].name, "web-ffff0000");
    }

    #[test]
    fn json_field_names_are_stable() {
        let services = [service("web", 1, 1)];
        let tasks = [task(
            "web",
            "0123456789abcdef",
            "running",
            Some("unhealthy"),
        )];
        let rows = task_rows(&services, &tasks, &PortMap::default(), false);
        assert_eq!(
            table::render_json(&rows),
            r#"[
  {
    "ID": "0123456789abcdef",
    "Name": "web-01234567",
    "Service": "web",
    "State": "running",
    "Health": "unhealthy",
    "Status": "running (unhealthy)",
    "Ports": [],
    "TaskArn": "arn:aws:ecs:us-east-1:123456789012:task/demo/0123456789abcdef"
  }
]
"#
        );
        let rows = service_rows(&services, &PortMap::default());
        assert_eq!(
            table::render_json(&rows),
            r#"[
  {
    "Name": "web",
    "Status": "active",
    "Desired": 1,
    "Running": 1,
    "Pending": 0,
    "Ports": []
  }
]
"#
        );
    }

    #[test]
    fn services_table() {
        let rows = service_rows(
            &[service("db", 0, 1), service("web", 2, 2)],
            &PortMap::default(),
        );
        assert_eq!(
            render_services_table(&rows),
            "SERVICE   STATUS   DESIRED   RUNNING   PORTS\n\
             db        active   1         0\n\
             web       active   2         2\n"
        );
        assert_eq!(render_service_names(&rows), "db\nweb\n");
    }
}
