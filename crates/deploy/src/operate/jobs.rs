//! The jobs of a deployed project, for `ps`: scheduled jobs (`x-aws-schedule`), each schedule as
//! the deployed template declares it, and one-off jobs (`x-aws-job`, run by `up`), whose ECS
//! service the template tags; each with its most recent run among the cluster's tasks (a schedule
//! starts them in the task group `scheduled:<service>`, `up` in `job:<service>`).

use aws_sdk_ecs::types::{DesiredStatus, Task};
use serde_json::Value;

use crate::error::AwsContext;
use crate::operate::stack_info::{self, AppStack};
use crate::{stack, table, Clients, Error};

/// The task group a schedule starts a service's tasks in.
const GROUP_PREFIX: &str = "scheduled:";
/// What the SCHEDULE column says of a one-off job.
pub const ONE_OFF: &str = "each up";
/// Tasks looked at for last runs, per desired status (ECS keeps stopped tasks about an hour).
const MAX_TASKS: usize = 100;

/// A job and how it last ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledJob {
    /// The Compose service (its ECS container name).
    pub service: String,
    /// `cron(0 3 * * ? *)`, `rate(1 hour)`..., or [`ONE_OFF`].
    pub schedule: String,
    /// `ENABLED` or `DISABLED` (a one-off job: `ENABLED`).
    pub state: String,
    pub last_run: Option<LastRun>,
}

impl ScheduledJob {
    /// Run by `up`, not on a schedule.
    pub fn is_one_off(&self) -> bool {
        self.schedule == ONE_OFF
    }

    /// The task group its runs are started in.
    fn group(&self) -> String {
        if self.is_one_off() {
            format!("{}{}", template_builder::jobs::GROUP_PREFIX, self.service)
        } else {
            format!("{GROUP_PREFIX}{}", self.service)
        }
    }
}

/// The most recent task of a job that ECS still lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastRun {
    pub task: String,
    /// `running`, `exited (0)`, `stopped: <reason>`...
    pub status: String,
    /// When it was created, RFC 3339.
    pub created: Option<String>,
}

/// The jobs a template declares: (service, schedule expression or [`ONE_OFF`], state).
pub fn declared(template: &Value) -> Vec<(String, String, String)> {
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut jobs: Vec<(String, String, String)> = resources
        .values()
        .filter(|r| r.get("Type").and_then(Value::as_str) == Some("AWS::Scheduler::Schedule"))
        .filter_map(|r| {
            let properties = r.get("Properties")?;
            let group = properties
                .pointer("/Target/EcsParameters/Group")
                .and_then(Value::as_str)?;
            Some((
                group.strip_prefix(GROUP_PREFIX)?.to_string(),
                properties
                    .get("ScheduleExpression")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                properties
                    .get("State")
                    .and_then(Value::as_str)
                    .unwrap_or("ENABLED")
                    .to_string(),
            ))
        })
        .collect();
    jobs.extend(
        resources
            .values()
            .filter(|r| r.get("Type").and_then(Value::as_str) == Some("AWS::ECS::Service"))
            .filter_map(|r| {
                let tags = r.pointer("/Properties/Tags")?.as_array()?;
                let tag = |key: &str| {
                    tags.iter()
                        .find(|t| t.get("Key").and_then(Value::as_str) == Some(key))
                        .and_then(|t| t.get("Value").and_then(Value::as_str))
                };
                tag(template_builder::jobs::TAG)?;
                Some((
                    tag(stack_info::SERVICE_TAG)?.to_string(),
                    ONE_OFF.to_string(),
                    "ENABLED".to_string(),
                ))
            }),
    );
    jobs.sort();
    jobs
}

/// The project's scheduled jobs with their last runs; none when the stack has none (or its
/// template cannot be read: `ps` shows the services all the same).
pub async fn load(clients: &Clients, app: &AppStack) -> Result<Vec<ScheduledJob>, Error> {
    let Some(template) = stack::deployed_template(&clients.cloudformation, &app.stack_id).await
    else {
        return Ok(Vec::new());
    };
    let declared = declared(&template);
    if declared.is_empty() {
        return Ok(Vec::new());
    }
    let tasks = match &app.cluster {
        Some(cluster) => cluster_tasks(clients, cluster).await?,
        None => Vec::new(),
    };
    Ok(declared
        .into_iter()
        .map(|(service, schedule, state)| {
            let mut job = ScheduledJob {
                service,
                schedule,
                state,
                last_run: None,
            };
            job.last_run = last_run(&tasks, &job.group(), &job.service);
            job
        })
        .collect())
}

/// Running and stopped tasks of the cluster (the most recent ones ECS lists).
async fn cluster_tasks(clients: &Clients, cluster: &str) -> Result<Vec<Task>, Error> {
    let ecs = &clients.ecs;
    let mut arns = Vec::new();
    for status in [DesiredStatus::Running, DesiredStatus::Stopped] {
        let listed = ecs
            .list_tasks()
            .cluster(cluster)
            .desired_status(status)
            .max_results(MAX_TASKS as i32)
            .send()
            .await
            .with_context(|| format!("listing the tasks of cluster {cluster}"))?;
        arns.extend(listed.task_arns().iter().cloned());
    }
    let mut tasks = Vec::new();
    for batch in arns.chunks(MAX_TASKS) {
        let described = ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(batch.to_vec()))
            .send()
            .await
            .with_context(|| format!("describing the tasks of cluster {cluster}"))?;
        tasks.extend(described.tasks().iter().cloned());
    }
    Ok(tasks)
}

/// The newest task started in the job's group.
fn last_run(tasks: &[Task], group: &str, service: &str) -> Option<LastRun> {
    let task = tasks
        .iter()
        .filter(|t| t.group() == Some(group))
        .max_by_key(|t| t.created_at().map(|c| (c.secs(), c.subsec_nanos())))?;
    let arn = task.task_arn().unwrap_or_default();
    let main = task
        .containers()
        .iter()
        .find(|c| c.name() == Some(service))
        .or_else(|| task.containers().first());
    let status = match task.last_status().map(str::to_ascii_lowercase).as_deref() {
        Some("stopped") => match main.and_then(|c| c.exit_code()) {
            Some(code) => format!("exited ({code})"),
            None => format!(
                "stopped: {}",
                task.stopped_reason().unwrap_or("no reason given")
            ),
        },
        Some(other) => other.to_string(),
        None => "unknown".into(),
    };
    Some(LastRun {
        task: arn.rsplit('/').next().unwrap_or(arn).to_string(),
        status,
        created: task
            .created_at()
            .and_then(|c| c.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
    })
}

/// `JOB  SCHEDULE  STATE  LAST RUN`.
pub fn render_table(jobs: &[ScheduledJob]) -> String {
    let rows: Vec<Vec<String>> = jobs
        .iter()
        .map(|job| {
            let last = match &job.last_run {
                Some(run) => match &run.created {
                    Some(at) => format!("{} (task {}, started {at})", run.status, run.task),
                    None => format!("{} (task {})", run.status, run.task),
                },
                None => "no run listed".into(),
            };
            vec![
                job.service.clone(),
                job.schedule.clone(),
                job.state.to_ascii_lowercase(),
                last,
            ]
        })
        .collect();
    table::render(&["JOB", "SCHEDULE", "STATE", "LAST RUN"], &rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::Container;
    use aws_smithy_types::DateTime;
    use serde_json::json;

    #[test]
    fn jobs_are_read_from_the_template_schedules_and_tagged_services() {
        let template = json!({"Resources": {
            "ReportSchedule": {"Type": "AWS::Scheduler::Schedule", "Properties": {
                "ScheduleExpression": "cron(0 3 * * ? *)", "State": "ENABLED",
                "Target": {"EcsParameters": {"Group": "scheduled:report"}}}},
            "CleanupSchedule": {"Type": "AWS::Scheduler::Schedule", "Properties": {
                "ScheduleExpression": "rate(1 hour)",
                "Target": {"EcsParameters": {"Group": "scheduled:cleanup"}}}},
            "Other": {"Type": "AWS::Scheduler::Schedule", "Properties": {"Target": {}}},
            "WebService": {"Type": "AWS::ECS::Service", "Properties": {"Tags": [
                {"Key": "com.docker.compose.service", "Value": "web"}]}},
            "MigrateService": {"Type": "AWS::ECS::Service", "Properties": {"Tags": [
                {"Key": "com.docker.compose.service", "Value": "migrate"},
                {"Key": "docker-ecs:job", "Value": "one-off"}]}}
        }});
        assert_eq!(
            declared(&template),
            [
                ("cleanup".into(), "rate(1 hour)".into(), "ENABLED".into()),
                ("migrate".into(), "each up".into(), "ENABLED".into()),
                (
                    "report".into(),
                    "cron(0 3 * * ? *)".into(),
                    "ENABLED".into()
                ),
            ]
        );
    }

    /// `up` starts a one-off job's runs in `job:<service>`, a schedule in `scheduled:<service>`.
    #[test]
    fn each_kind_of_job_is_looked_for_in_its_own_task_group() {
        let job = |schedule: &str| ScheduledJob {
            service: "migrate".into(),
            schedule: schedule.into(),
            state: "ENABLED".into(),
            last_run: None,
        };
        let one_off = job(ONE_OFF);
        assert!(one_off.is_one_off());
        assert_eq!(one_off.group(), "job:migrate");
        let scheduled = job("rate(1 hour)");
        assert!(!scheduled.is_one_off());
        assert_eq!(scheduled.group(), "scheduled:migrate");
    }

    fn task(id: &str, group: &str, created: i64, status: &str, exit: Option<i32>) -> Task {
        Task::builder()
            .task_arn(format!("arn:aws:ecs:us-east-1:1:task/app/{id}"))
            .group(group)
            .created_at(DateTime::from_secs(created))
            .last_status(status)
            .stopped_reason("Essential container in task exited")
            .containers(
                Container::builder()
                    .name("report")
                    .set_exit_code(exit)
                    .build(),
            )
            .build()
    }

    #[test]
    fn the_last_run_is_the_newest_task_of_the_jobs_group() {
        let tasks = [
            task("old", "scheduled:report", 1_000, "STOPPED", Some(0)),
            task("new", "scheduled:report", 2_000, "STOPPED", Some(3)),
            task("web", "service:app-web", 3_000, "RUNNING", None),
        ];
        let run = last_run(&tasks, "scheduled:report", "report").unwrap();
        assert_eq!(run.task, "new");
        assert_eq!(run.status, "exited (3)");
        assert_eq!(run.created.as_deref(), Some("1970-01-01T00:33:20Z"));
        assert_eq!(last_run(&tasks, "scheduled:cleanup", "cleanup"), None);
        let never_ran = [task("t", "scheduled:report", 1, "STOPPED", None)];
        assert_eq!(
            last_run(&never_ran, "scheduled:report", "report")
                .unwrap()
                .status,
            "stopped: Essential container in task exited"
        );
        let table = render_table(&[ScheduledJob {
            service: "report".into(),
            schedule: "cron(0 3 * * ? *)".into(),
            state: "ENABLED".into(),
            last_run: Some(run),
        }]);
        assert!(table.starts_with("JOB "), "{table}");
        assert!(
            table.contains("exited (3) (task new, started 1970-01-01T00:33:20Z)"),
            "{table}"
        );
    }
}
