//! `ps`: the project's tasks (one row per task, or per service with no task) and services, read
//! from ECS, with the ports their load balancer publishes. Fetching and rendering are separate:
//! [`tasks`] asks AWS, [`task_rows`]/[`service_rows`] shape rows, `render_*` print them.
//!
//! Tasks are named like compose's containers, `<service>-<n>`: a service's tasks are numbered from 1
//! in the order ECS started them (created time, then task id), the tasks ECS wants running first and
//! the stopped ones (`-a`) after them, so a running task has the same number with or without `-a` or
//! `--status`, and `logs` prefixes its lines with the same name ([`replica_numbers`]).
//!
//! The table opens with a line naming the stack and its status and, when the project has one load
//! balancer, its DNS name, which the PORTS column then leaves out (`:443->80/https`).
//!
//! JSON field names are stable. A task row: `ID` (task id, empty for a service without task),
//! `Name` (`<service>-<n>`, or the service name), `Service`, `State` (lowercase ECS last status,
//! empty without task), `Health` (`healthy`, `unhealthy` or empty), `Status` (the state with the
//! health or why ECS stopped the task, as compose's `Status`), `Ports` (list of
//! `<lb dns>:<published> -> <target>/<protocol>`, the protocol clients use: `https` behind an HTTPS
//! listener), `TaskArn`, `Image` (the image of the service's container, empty when unknown),
//! `CPUPercent` and `MemPercent` (the service's average CPU and memory use, see `metrics`, on the
//! rows of running tasks; `null` on other rows and when CloudWatch has no datapoint). A service row
//! (`--services`): `Name`, `Status`, `Desired`, `Running`, `Pending`, `Ports`, `Image`,
//! `CPUPercent`, `MemPercent`. The table shows them as `CPU %` and `MEM %` (`12.50%`, `-` for none),
//! the names `docker stats` gives them.

use crate::error::AwsContext;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_ecs::types::{DesiredStatus, Task};
use aws_sdk_ecs::Client as Ecs;
use serde::Serialize;

use crate::operate::logs::container_name;
use crate::operate::metrics::{ServiceUsage, Usage};
use crate::operate::ports::{PortMap, PublishedPort};
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
    /// ECS wants it stopped (listed under desired status STOPPED).
    pub stopping: bool,
    /// When ECS created it (milliseconds since the epoch), when it says.
    pub created_ms: Option<i64>,
    /// The image of the service's own container.
    pub image: Option<String>,
    /// Position among its service's tasks (from 1); 0 until [`number_replicas`] ran.
    pub number: usize,
}

impl TaskInfo {
    pub fn id(&self) -> &str {
        self.arn.rsplit('/').next().unwrap_or(&self.arn)
    }

    /// `<service>-<n>`, as compose names a service's containers.
    pub fn name(&self) -> String {
        format!("{}-{}", self.service, self.number)
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

/// The tasks of the services, numbered, filtered by `states` (lowercase last statuses; empty = any).
/// Tasks ECS wants running are always read; stopped ones too with `all` (`-a`) or when a stopping
/// state is asked for.
pub async fn tasks(
    ecs: &Ecs,
    services: &[AppService],
    states: &[String],
    all: bool,
) -> Result<Vec<TaskInfo>, Error> {
    let mut desired = vec![DesiredStatus::Running];
    if all || states.iter().any(|s| STOPPING_STATES.contains(&s.as_str())) {
        desired.push(DesiredStatus::Stopped);
    }
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    let mut images = TaskDefinitionImages::default();
    for service in services {
        for (task, stopping) in &service_tasks_by_desire(ecs, service, &desired).await? {
            // ECS starts a service's tasks in group `service:<name>`; anything else in a shared
            // cluster is not ours.
            if task.group() != Some(format!("service:{}", service.ecs_name).as_str()) {
                continue;
            }
            let mut info = task_info(task, &service.name, *stopping);
            if info.image.is_none() {
                if let Some(definition) = task.task_definition_arn() {
                    info.image = images.image(ecs, definition, &service.name).await?;
                }
            }
            if seen.insert(info.arn.clone()) {
                found.push(info);
            }
        }
    }
    number_replicas(&mut found);
    found.retain(|t| states.is_empty() || states.contains(&t.state));
    Ok(found)
}

/// Number each service's tasks from 1: the ones ECS wants running first, each group in the order
/// ECS created them (then by task id, for tasks without a created time).
pub fn number_replicas(tasks: &mut [TaskInfo]) {
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&tasks[a], &tasks[b]);
        a.service
            .cmp(&b.service)
            .then(a.stopping.cmp(&b.stopping))
            .then(a.created_ms.cmp(&b.created_ms))
            .then_with(|| a.id().cmp(b.id()))
    });
    let mut next: HashMap<String, usize> = HashMap::new();
    for index in order {
        let number = next.entry(tasks[index].service.clone()).or_insert(0);
        *number += 1;
        tasks[index].number = *number;
    }
}

/// The numbers [`number_replicas`] gives, by task id: what `logs` names each task's lines after.
pub fn replica_numbers(tasks: &[TaskInfo]) -> BTreeMap<String, (String, usize)> {
    tasks
        .iter()
        .map(|t| (t.id().to_string(), (t.service.clone(), t.number)))
        .collect()
}

/// The tasks of `service` ECS lists under any of the `desired` statuses, described.
pub(crate) async fn service_tasks(
    ecs: &Ecs,
    service: &AppService,
    desired: &[DesiredStatus],
) -> Result<Vec<Task>, Error> {
    Ok(service_tasks_by_desire(ecs, service, desired)
        .await?
        .into_iter()
        .map(|(task, _)| task)
        .collect())
}

/// [`service_tasks`], each with whether it was listed as desired STOPPED.
async fn service_tasks_by_desire(
    ecs: &Ecs,
    service: &AppService,
    desired: &[DesiredStatus],
) -> Result<Vec<(Task, bool)>, Error> {
    let mut arns = Vec::new();
    for status in desired {
        let stopping = *status == DesiredStatus::Stopped;
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
            arns.extend(page.task_arns().iter().map(|arn| (arn.clone(), stopping)));
        }
    }
    let stopping: HashMap<String, bool> = arns.iter().cloned().collect();
    let arns: Vec<String> = arns.into_iter().map(|(arn, _)| arn).collect();
    let mut tasks = Vec::new();
    for batch in arns.chunks(DESCRIBE_TASKS_BATCH) {
        let out = ecs
            .describe_tasks()
            .cluster(&service.cluster)
            .set_tasks(Some(batch.to_vec()))
            .send()
            .await
            .with_context(|| format!("describing the tasks of service {}", service.name))?;
        for task in out.tasks() {
            let listed_stopping = task
                .task_arn()
                .and_then(|arn| stopping.get(arn).copied())
                .unwrap_or(false);
            tasks.push((task.clone(), listed_stopping));
        }
    }
    Ok(tasks)
}

fn task_info(task: &Task, service: &str, stopping: bool) -> TaskInfo {
    let health = task
        .health_status()
        .map(|h| h.as_str().to_ascii_lowercase())
        .filter(|h| h == "healthy" || h == "unhealthy");
    let own_container = container_name(service);
    TaskInfo {
        service: service.to_string(),
        arn: task.task_arn().unwrap_or_default().to_string(),
        state: task.last_status().unwrap_or_default().to_ascii_lowercase(),
        health,
        stopped_reason: task
            .stopped_reason()
            .filter(|r| !r.is_empty())
            .map(str::to_string),
        stopping,
        created_ms: task.created_at().and_then(|t| t.to_millis().ok()),
        image: task
            .containers()
            .iter()
            .find(|c| c.name() == Some(own_container.as_str()))
            .and_then(|c| c.image())
            .filter(|i| !i.is_empty())
            .map(str::to_string),
        number: 0,
    }
}

/// The images of task definitions' containers, each definition described once.
#[derive(Debug, Default)]
struct TaskDefinitionImages {
    /// Task definition ARN -> (container name, image).
    read: HashMap<String, Vec<(String, String)>>,
}

impl TaskDefinitionImages {
    /// The image of the service's own container in `definition`.
    async fn image(
        &mut self,
        ecs: &Ecs,
        definition: &str,
        service: &str,
    ) -> Result<Option<String>, Error> {
        if !self.read.contains_key(definition) {
            let out = ecs
                .describe_task_definition()
                .task_definition(definition)
                .send()
                .await
                .with_context(|| {
                    format!("describing task definition {definition} of service {service}")
                })?;
            let containers = out
                .task_definition()
                .map(|d| d.container_definitions())
                .unwrap_or_default()
                .iter()
                .filter_map(|c| Some((c.name()?.to_string(), c.image()?.to_string())))
                .collect();
            self.read.insert(definition.to_string(), containers);
        }
        let own = container_name(service);
        Ok(self.read[definition]
            .iter()
            .find(|(name, _)| *name == own)
            .map(|(_, image)| image.clone()))
    }
}

/// Fill each service's `image` from the task definition it runs.
pub async fn service_images(ecs: &Ecs, services: &mut [AppService]) -> Result<(), Error> {
    let mut images = TaskDefinitionImages::default();
    for service in services.iter_mut() {
        if let Some(definition) = service.task_definition.clone() {
            service.image = images.image(ecs, &definition, &service.name).await?;
        }
    }
    Ok(())
}

/// A row of `ps`.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    pub image: String,
    /// The service's average CPU use, in percent, on a running task's row ([`add_task_usage`]).
    #[serde(rename = "CPUPercent")]
    pub cpu_percent: Option<f64>,
    /// The service's average memory use, in percent, on a running task's row.
    #[serde(rename = "MemPercent")]
    pub mem_percent: Option<f64>,
    /// The ports, for the table's shorter form.
    #[serde(skip)]
    pub published: Vec<PublishedPort>,
    /// What the table's STATUS column shows: the state, and why ECS stopped the task.
    #[serde(skip)]
    pub table_status: String,
}

/// A row of `ps --services`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceRow {
    pub name: String,
    pub status: String,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub ports: Vec<String>,
    pub image: String,
    /// The service's average CPU use, in percent ([`add_service_usage`]).
    #[serde(rename = "CPUPercent")]
    pub cpu_percent: Option<f64>,
    #[serde(rename = "MemPercent")]
    pub mem_percent: Option<f64>,
    #[serde(skip)]
    pub published: Vec<PublishedPort>,
}

/// One row per task, sorted by service then number; a service without task gets one row saying
/// so, unless tasks are filtered by state (then only matching tasks are shown).
pub fn task_rows(
    services: &[AppService],
    tasks: &[TaskInfo],
    ports: &PortMap,
    filtered: bool,
) -> Vec<TaskRow> {
    let mut rows = Vec::new();
    for service in services {
        let published = ports.ports_of(&service.targets);
        let shown: Vec<String> = published.iter().map(PublishedPort::display).collect();
        let mut own: Vec<&TaskInfo> = tasks.iter().filter(|t| t.service == service.name).collect();
        own.sort_by(|a, b| a.number.cmp(&b.number).then_with(|| a.id().cmp(b.id())));
        if own.is_empty() && !filtered {
            let status = format!("no task ({}/{} running)", service.running, service.desired);
            rows.push(TaskRow {
                id: String::new(),
                name: service.name.clone(),
                service: service.name.clone(),
                state: String::new(),
                health: String::new(),
                status: status.clone(),
                ports: shown.clone(),
                task_arn: String::new(),
                image: service.image.clone().unwrap_or_default(),
                cpu_percent: None,
                mem_percent: None,
                published: published.clone(),
                table_status: status,
            });
        }
        for task in own {
            let health = task.health.clone().unwrap_or_default();
            let table_status = match &task.stopped_reason {
                Some(reason) => format!("{} ({reason})", task.state),
                None => task.state.clone(),
            };
            // As compose's Status: the health, or why the task stopped.
            let status = match (health.is_empty(), &task.stopped_reason) {
                (_, Some(_)) | (true, None) => table_status.clone(),
                (false, None) => format!("{} ({health})", task.state),
            };
            rows.push(TaskRow {
                name: task.name(),
                id: task.id().to_string(),
                service: service.name.clone(),
                state: task.state.clone(),
                health,
                status,
                ports: shown.clone(),
                task_arn: task.arn.clone(),
                image: task
                    .image
                    .clone()
                    .or_else(|| service.image.clone())
                    .unwrap_or_default(),
                cpu_percent: None,
                mem_percent: None,
                published: published.clone(),
                table_status,
            });
        }
    }
    rows
}

pub fn service_rows(services: &[AppService], ports: &PortMap) -> Vec<ServiceRow> {
    services
        .iter()
        .map(|service| {
            let published = ports.ports_of(&service.targets);
            ServiceRow {
                name: service.name.clone(),
                status: service.status.clone(),
                desired: service.desired,
                running: service.running,
                pending: service.pending,
                ports: published.iter().map(PublishedPort::display).collect(),
                image: service.image.clone().unwrap_or_default(),
                cpu_percent: None,
                mem_percent: None,
                published,
            }
        })
        .collect()
}

/// Put each service's CPU and memory use on the rows of its running tasks: the metrics are the
/// service's, and a task that is not running uses nothing now.
pub fn add_task_usage(rows: &mut [TaskRow], usage: &ServiceUsage) {
    for row in rows.iter_mut().filter(|r| r.state == "running") {
        let Usage { cpu, memory } = usage.of(&row.service);
        row.cpu_percent = cpu.map(hundredths);
        row.mem_percent = memory.map(hundredths);
    }
}

/// Put each service's CPU and memory use on its `--services` row, when the service runs a task.
pub fn add_service_usage(rows: &mut [ServiceRow], usage: &ServiceUsage) {
    for row in rows.iter_mut().filter(|r| r.running > 0) {
        let Usage { cpu, memory } = usage.of(&row.name);
        row.cpu_percent = cpu.map(hundredths);
        row.mem_percent = memory.map(hundredths);
    }
}

/// A percentage to two decimals, as the table shows it and JSON gives it.
fn hundredths(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// `12.50%`, or `-` without a value (as `docker stats` shows a container it has no figure for).
fn percent(value: Option<f64>) -> String {
    match value {
        Some(value) => format!("{value:.2}%"),
        None => "-".to_string(),
    }
}

/// The load balancer the table names once: the project's only one, when it has exactly one.
pub fn named_load_balancer(services: &[AppService], ports: &PortMap) -> Option<String> {
    let targets: Vec<_> = services.iter().flat_map(|s| s.targets.clone()).collect();
    match ports.dns_names(&targets).as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The table's first line: the stack, its status, and the load balancer the PORTS column is on.
pub fn render_header(project: &str, stack_status: &str, load_balancer: Option<&str>) -> String {
    match load_balancer {
        Some(dns) => format!("Stack {project}: {stack_status}, load balancer {dns}\n"),
        None => format!("Stack {project}: {stack_status}\n"),
    }
}

fn short_ports(published: &[PublishedPort], load_balancer: Option<&str>) -> String {
    published
        .iter()
        .map(|p| p.display_short(load_balancer))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The task table; `load_balancer` is the one [`render_header`] named, left out of PORTS.
pub fn render_tasks_table(rows: &[TaskRow], load_balancer: Option<&str>) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                short_image(&r.image),
                r.service.clone(),
                r.table_status.clone(),
                r.health.clone(),
                percent(r.cpu_percent),
                percent(r.mem_percent),
                short_ports(&r.published, load_balancer),
            ]
        })
        .collect();
    table::render(
        &[
            "NAME", "IMAGE", "SERVICE", "STATUS", "HEALTH", "CPU %", "MEM %", "PORTS",
        ],
        &cells,
    )
}

/// An image pinned by digest, as the table shows it: `repo@sha256:0123456789ab` (the first 12
/// hex digits tell builds apart; `--format json` has the whole reference).
fn short_image(image: &str) -> String {
    match image.split_once("@sha256:") {
        Some((repo, hex)) if hex.len() > 12 => format!("{repo}@sha256:{}", &hex[..12]),
        _ => image.to_string(),
    }
}

/// `-q`: task ids, one per line.
pub fn render_task_ids(rows: &[TaskRow]) -> String {
    rows.iter()
        .filter(|r| !r.id.is_empty())
        .map(|r| format!("{}\n", r.id))
        .collect()
}

pub fn render_services_table(rows: &[ServiceRow], load_balancer: Option<&str>) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.image.clone(),
                r.status.clone(),
                r.desired.to_string(),
                r.running.to_string(),
                percent(r.cpu_percent),
                percent(r.mem_percent),
                short_ports(&r.published, load_balancer),
            ]
        })
        .collect();
    table::render(
        &[
            "SERVICE", "IMAGE", "STATUS", "DESIRED", "RUNNING", "CPU %", "MEM %", "PORTS",
        ],
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

    #[test]
    fn the_table_shortens_digests_and_json_keeps_them() {
        let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
        assert_eq!(
            short_image(&format!(
                "123.dkr.ecr.us-east-1.amazonaws.com/app/web@{digest}"
            )),
            "123.dkr.ecr.us-east-1.amazonaws.com/app/web@sha256:0123456789ab"
        );
        assert_eq!(short_image("nginx:1.27"), "nginx:1.27");
    }

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
            task_definition: None,
            image: None,
        }
    }

    fn task(service: &str, id: &str, state: &str, health: Option<&str>) -> TaskInfo {
        TaskInfo {
            service: service.into(),
            arn: format!("arn:aws:ecs:us-east-1:123456789012:task/demo/{id}"),
            state: state.into(),
            health: health.map(str::to_string),
            stopped_reason: None,
            stopping: state == "stopped",
            created_ms: None,
            image: None,
            number: 0,
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
        assert_eq!(rows[0].table_status, rows[0].status);
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
    fn replicas_are_numbered_by_start_running_ones_first() {
        let mut old = task("web", "ffff", "running", None);
        old.created_ms = Some(1_000);
        let mut new = task("web", "0000", "running", None);
        new.created_ms = Some(2_000);
        let mut stopped = task("web", "aaaa", "stopped", None);
        stopped.created_ms = Some(500);
        let db = task("db", "bbbb", "running", None);
        let mut tasks = vec![stopped, new, db, old];
        number_replicas(&mut tasks);
        let named: Vec<(String, &str)> = tasks.iter().map(|t| (t.name(), t.id())).collect();
        assert_eq!(
            named,
            [
                ("web-3".to_string(), "aaaa"),
                ("web-2".to_string(), "0000"),
                ("db-1".to_string(), "bbbb"),
                ("web-1".to_string(), "ffff"),
            ]
        );
        // Without the stopped task (ps without -a), the running ones keep their numbers.
        let mut running: Vec<TaskInfo> = tasks.into_iter().filter(|t| !t.stopping).collect();
        number_replicas(&mut running);
        let names: Vec<String> = running.iter().map(TaskInfo::name).collect();
        assert_eq!(names, ["web-2", "db-1", "web-1"]);
        assert_eq!(replica_numbers(&running)["0000"], ("web".to_string(), 2));
    }

    #[test]
    fn one_row_per_task_and_one_for_a_service_without_task() {
        let services = [service("db", 0, 1), service("web", 2, 2)];
        let mut tasks = vec![
            task("web", "ffff0000111122223333444455556666", "running", None),
            task(
                "web",
                "0123456789abcdef0123456789abcdef",
                "running",
                Some("healthy"),
            ),
        ];
        tasks[0].image = Some("nginx:1.27".into());
        tasks[1].image = Some("nginx:1.27".into());
        number_replicas(&mut tasks);
        let rows = task_rows(&services, &tasks, &PortMap::default(), false);
        assert_eq!(
            render_tasks_table(&rows, None),
            "NAME    IMAGE        SERVICE   STATUS                  HEALTH    CPU %   MEM %   PORTS\n\
             db                   db        no task (0/1 running)             -       -\n\
             web-1   nginx:1.27   web       running                 healthy   -       -\n\
             web-2   nginx:1.27   web       running                           -       -\n"
        );
        assert_eq!(
            render_task_ids(&rows),
            "0123456789abcdef0123456789abcdef\nffff0000111122223333444455556666\n"
        );
        // With a state filter, services without a matching task are not shown.
        let filtered = task_rows(&services, &tasks[..1], &PortMap::default(), true);
        assert_eq!(filtered.len(), 1);
        assert_eq!(filtered[0].name, "web-2");
    }

    #[test]
    fn the_header_names_the_stack_and_its_one_load_balancer() {
        assert_eq!(
            render_header("demo", "UPDATE_COMPLETE", Some("demo-lb.elb.amazonaws.com")),
            "Stack demo: UPDATE_COMPLETE, load balancer demo-lb.elb.amazonaws.com\n"
        );
        assert_eq!(
            render_header("demo", "UPDATE_ROLLBACK_COMPLETE", None),
            "Stack demo: UPDATE_ROLLBACK_COMPLETE\n"
        );
    }

    #[test]
    fn json_field_names_are_stable() {
        let mut services = [service("web", 1, 1)];
        services[0].image = Some("nginx:1.27".into());
        let mut tasks = [task(
            "web",
            "0123456789abcdef",
            "running",
            Some("unhealthy"),
        )];
        number_replicas(&mut tasks);
        let rows = task_rows(&services, &tasks, &PortMap::default(), false);
        assert_eq!(
            table::render_json(&rows),
            r#"[
  {
    "ID": "0123456789abcdef",
    "Name": "web-1",
    "Service": "web",
    "State": "running",
    "Health": "unhealthy",
    "Status": "running (unhealthy)",
    "Ports": [],
    "TaskArn": "arn:aws:ecs:us-east-1:123456789012:task/demo/0123456789abcdef",
    "Image": "nginx:1.27",
    "CPUPercent": null,
    "MemPercent": null
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
    "Ports": [],
    "Image": "nginx:1.27",
    "CPUPercent": null,
    "MemPercent": null
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
            render_services_table(&rows, None),
            "SERVICE   IMAGE   STATUS   DESIRED   RUNNING   CPU %   MEM %   PORTS\n\
             db                active   1         0         -       -\n\
             web               active   2         2         -       -\n"
        );
        assert_eq!(render_service_names(&rows), "db\nweb\n");
    }

    #[test]
    fn running_tasks_show_their_services_cpu_and_memory() {
        let services = [
            service("api", 1, 1),
            service("db", 0, 1),
            service("web", 1, 2),
        ];
        let mut tasks = vec![
            task("web", "ffff", "running", None),
            task("web", "0000", "pending", None),
            task("api", "aaaa", "running", None),
        ];
        tasks[0].created_ms = Some(1_000);
        tasks[1].created_ms = Some(2_000);
        number_replicas(&mut tasks);
        let mut usage = ServiceUsage::default();
        usage.insert(
            "web",
            Usage {
                cpu: Some(12.5),
                memory: Some(40.456),
            },
        );
        // db has a datapoint from before its task stopped: no row of it runs, so none shows it.
        usage.insert(
            "db",
            Usage {
                cpu: Some(3.0),
                memory: Some(7.0),
            },
        );
        let mut rows = task_rows(&services, &tasks, &PortMap::default(), false);
        add_task_usage(&mut rows, &usage);
        // api runs but has no datapoint yet; web-2 is not running yet.
        assert_eq!(
            render_tasks_table(&rows, None),
            "NAME    IMAGE   SERVICE   STATUS                  HEALTH   CPU %    MEM %    PORTS\n\
             api-1           api       running                          -        -\n\
             db              db        no task (0/1 running)            -        -\n\
             web-1           web       running                          12.50%   40.46%\n\
             web-2           web       pending                          -        -\n"
        );
        let json: serde_json::Value = serde_json::from_str(&table::render_json(&rows)).unwrap();
        let usage_of = |name: &str| {
            let row = json
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["Name"] == name)
                .unwrap();
            (row["CPUPercent"].clone(), row["MemPercent"].clone())
        };
        assert_eq!(
            usage_of("web-1"),
            (serde_json::json!(12.5), serde_json::json!(40.46))
        );
        for name in ["web-2", "db", "api-1"] {
            assert_eq!(
                usage_of(name),
                (serde_json::Value::Null, serde_json::Value::Null),
                "{name}"
            );
        }

        // --services: the values of the services that run a task.
        let mut rows = service_rows(&services, &PortMap::default());
        add_service_usage(&mut rows, &usage);
        assert_eq!(
            render_services_table(&rows, None),
            "SERVICE   IMAGE   STATUS   DESIRED   RUNNING   CPU %    MEM %    PORTS\n\
             api               active   1         1         -        -\n\
             db                active   1         0         -        -\n\
             web               active   2         1         12.50%   40.46%\n"
        );
        assert_eq!(rows[2].mem_percent, Some(40.46));
        assert_eq!(rows[0].cpu_percent, None);
    }
}
