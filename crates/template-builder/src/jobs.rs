//! One-off jobs: a migration, a seeder, any service that runs to its end. ECS restarts a service's
//! tasks forever, so a job is not run as one: its ECS service is held at zero tasks (it carries the
//! job's task definition, network and capacity, so `docker ecs run`, `logs` and `ps -a` find it as
//! any service), and `up` runs it once per deployment, before the services that wait for it get
//! their new version.
//!
//! A service is a job when it says `x-aws-job: true`, or when it does not restart
//! (`restart: "no"` or `on-failure`) and another service waits for it with
//! `condition: service_completed_successfully`, as compose runs it. `x-aws-job: false` keeps such
//! a service a service.

use compose_model::{DependsOnCondition, Project, Service};
use serde_json::Value;

use crate::context::Ctx;
use crate::loadbalancer::Plan;
use crate::{schedule, Error};

pub const ATTRIBUTE: &str = "x-aws-job";
/// The tag that marks a job's ECS service (value `one-off`), for `ps` to tell it from a service.
pub const TAG: &str = "docker-ecs:job";
/// The task group of the runs `up` starts: `job:<service>`.
pub const GROUP_PREFIX: &str = "job:";

/// A job of the project and the services that wait for it, with their resources' logical ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The Compose service.
    pub service: String,
    /// Its `AWS::ECS::Service` (zero tasks).
    pub service_id: String,
    /// The services that depend on it: `up` gives them their new version once it has succeeded.
    pub waiting: Vec<Waiting>,
}

/// A service that waits for a job, as its resources are named in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub service: String,
    pub service_id: String,
    pub task_definition_id: String,
}

/// `x-aws-job` as written: `Some(true|false)`, or an error naming the value.
fn declared(name: &str, service: &Service) -> Result<Option<bool>, Error> {
    match service.extensions.get(ATTRIBUTE) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(Error {
            service: Some(name.to_string()),
            attribute: ATTRIBUTE.into(),
            message: format!("{other} is not true or false"),
        }),
    }
}

/// Whether a restart policy lets the container end for good (compose: `no`, `on-failure[:N]`).
fn runs_to_its_end(service: &Service) -> bool {
    service
        .restart
        .as_deref()
        .is_some_and(|r| r == "no" || r.starts_with("on-failure"))
}

/// Whether the service is a one-off job (an invalid `x-aws-job` counts as not: `check` refuses it).
pub fn is_job(project: &Project, name: &str) -> bool {
    let Some(service) = project.services.get(name) else {
        return false;
    };
    match declared(name, service) {
        Ok(Some(declared)) => declared,
        Err(_) => false,
        Ok(None) => {
            runs_to_its_end(service)
                && project.services.values().any(|other| {
                    other.depends_on.get(name).is_some_and(|d| {
                        d.condition == DependsOnCondition::ServiceCompletedSuccessfully
                    })
                })
        }
    }
}

/// What a job cannot have: an invalid `x-aws-job`, published ports (no load balancer sends a job
/// traffic), autoscaling (nothing to scale), a schedule (a scheduled job is another kind), several
/// replicas (it runs once).
pub fn check(project: &Project, name: &str, service: &Service, plan: &Plan) -> Vec<Error> {
    let error = |attribute: &str, message: &str| Error {
        service: Some(name.to_string()),
        attribute: attribute.into(),
        message: message.into(),
    };
    if let Err(invalid) = declared(name, service) {
        return vec![invalid];
    }
    if !is_job(project, name) {
        return Vec::new();
    }
    let mut errors = Vec::new();
    if plan.for_service(name).next().is_some() {
        errors.push(error(
            "ports",
            "a one-off job gets no load balancer traffic: remove its published ports (expose: keeps them for the other services)",
        ));
    }
    if crate::autoscaling::max_capacity(service).is_some() {
        errors.push(error(
            "x-aws-autoscaling",
            "a one-off job runs once per deployment and has nothing to scale: remove x-aws-autoscaling",
        ));
    }
    if schedule::is_scheduled(service) {
        errors.push(error(
            schedule::ATTRIBUTE,
            "a service is a one-off job (run by up) or a scheduled job (run on its schedule), not both: remove x-aws-job or x-aws-schedule",
        ));
    }
    if crate::deployment::desired_count(service) > 1 {
        errors.push(error(
            "deploy.replicas",
            "a one-off job runs one task per deployment: remove deploy.replicas (or scale)",
        ));
    }
    errors
}

/// The project's jobs in the order `up` runs them (a job that depends on another runs after it),
/// each with the services that wait for it.
pub fn plan(ctx: &Ctx) -> Vec<Job> {
    let project = ctx.project;
    let jobs: Vec<&String> = project
        .services
        .keys()
        .filter(|name| is_job(project, name))
        .collect();
    let mut ordered: Vec<&String> = Vec::new();
    // Rounds until one places no job: all are placed then (dependency cycles were refused before).
    loop {
        let before = ordered.len();
        for job in &jobs {
            if ordered.contains(job) {
                continue;
            }
            let ready = project.services[job.as_str()]
                .depends_on
                .keys()
                .all(|dependency| !jobs.contains(&dependency) || ordered.contains(&dependency));
            if ready {
                ordered.push(job);
            }
        }
        if ordered.len() == before {
            break;
        }
    }
    ordered
        .into_iter()
        .map(|job| Job {
            service: job.clone(),
            service_id: ctx.names.service_id(job),
            waiting: project
                .services
                .iter()
                .filter(|(name, other)| {
                    other.depends_on.contains_key(job.as_str()) && !jobs.contains(name)
                })
                .map(|(name, _)| Waiting {
                    service: name.clone(),
                    service_id: ctx.names.service_id(name),
                    task_definition_id: crate::taskdef::task_definition_id(ctx, name),
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build_all;
    use crate::test_support::{load_yaml, resources};

    const MIGRATIONS: &str = r#"
services:
  web:
    image: nginx:1.27
    ports: ["80:80"]
    depends_on:
      migrate: { condition: service_completed_successfully }
      db: { condition: service_started }
  worker:
    image: busybox:1.36
    depends_on: [migrate]
  db:
    image: postgres:16
  migrate:
    image: busybox:1.36
    command: ["sh", "-c", "echo migrated"]
    restart: "no"
    depends_on: [db]
"#;

    fn messages(errors: &[Error]) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_service_others_wait_to_complete_is_a_job_held_at_zero_tasks() {
        let project = load_yaml(MIGRATIONS);
        assert!(is_job(&project, "migrate"));
        assert!(!is_job(&project, "web") && !is_job(&project, "db"));
        let built = build_all(&project).unwrap();
        let resources = resources(&built);
        assert_eq!(
            resources["MigrateService"]["Properties"]["DesiredCount"], 0,
            "the job's service never starts a task itself"
        );
        assert_eq!(resources["WebService"]["Properties"]["DesiredCount"], 1);
        let tagged = |id: &str| {
            resources[id]["Properties"]["Tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["Key"] == TAG && t["Value"] == "one-off")
        };
        assert!(tagged("MigrateService") && !tagged("WebService"));
        // Nobody reaches a job by name.
        assert!(!resources
            .keys()
            .any(|id| id.starts_with("MigrateServiceDiscovery")));
        assert!(resources["MigrateService"]["Properties"]
            .get("ServiceRegistries")
            .is_none());
        // Both services that depend on it wait for it, whatever their condition.
        let waiting = |built: &crate::Built| -> Vec<(String, Vec<String>)> {
            built
                .jobs
                .iter()
                .map(|j| {
                    (
                        j.service.clone(),
                        j.waiting.iter().map(|w| w.service.clone()).collect(),
                    )
                })
                .collect()
        };
        assert_eq!(
            waiting(&built),
            [(
                "migrate".to_string(),
                vec!["web".to_string(), "worker".to_string()]
            )]
        );
        assert_eq!(
            built.jobs[0].waiting[0],
            Waiting {
                service: "web".into(),
                service_id: "WebService".into(),
                task_definition_id: "WebTaskDefinition".into(),
            }
        );
        assert_eq!(built.jobs[0].service_id, "MigrateService");
        // The job's own restart policy is what makes it a job: no warning about it, nor about the
        // condition up now honours.
        let warnings: Vec<String> = built.warnings.iter().map(ToString::to_string).collect();
        assert!(
            !warnings
                .iter()
                .any(|w| w.contains("restart") || w.contains("depends_on.migrate")),
            "{warnings:?}"
        );
    }

    #[test]
    fn x_aws_job_makes_a_job_or_keeps_a_service_a_service() {
        let marked = load_yaml(
            "services:\n  seed:\n    image: busybox:1.36\n    x-aws-job: true\n  web:\n    image: nginx:1.27\n",
        );
        assert!(is_job(&marked, "seed"));
        let built = build_all(&marked).unwrap();
        assert_eq!(built.jobs.len(), 1);
        assert!(built.jobs[0].waiting.is_empty());

        let kept = load_yaml(&MIGRATIONS.replace(
            "    restart: \"no\"\n",
            "    restart: \"no\"\n    x-aws-job: false\n",
        ));
        assert!(!is_job(&kept, "migrate"));
        let built = build_all(&kept).unwrap();
        assert!(built.jobs.is_empty());
        let warnings: Vec<String> = built.warnings.iter().map(ToString::to_string).collect();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("\"migrate\": restart: ignored")
                    && w.contains("x-aws-job: true")),
            "{warnings:?}"
        );
        // Restarted on failure only: a job too; always restarted, or nobody waiting: a service.
        let on_failure = load_yaml(&MIGRATIONS.replace("restart: \"no\"", "restart: on-failure:3"));
        assert!(is_job(&on_failure, "migrate"));
        let always = load_yaml(&MIGRATIONS.replace("restart: \"no\"", "restart: always"));
        assert!(!is_job(&always, "migrate"));
        let started_only = load_yaml(&MIGRATIONS.replace(
            "migrate: { condition: service_completed_successfully }",
            "migrate: { condition: service_started }",
        ));
        assert!(!is_job(&started_only, "migrate"));
    }

    #[test]
    fn what_a_job_cannot_have_is_refused_all_at_once() {
        let project = load_yaml(
            "services:\n  seed:\n    image: busybox:1.36\n    x-aws-job: true\n    ports: [\"80:80\"]\n    \
             deploy:\n      replicas: 2\n    x-aws-autoscaling: { max: 4, cpu: 70 }\n",
        );
        let errors = build_all(&project).unwrap_err().0;
        let shown = messages(&errors);
        for (attribute, says) in [
            ("ports", "no load balancer traffic"),
            ("x-aws-autoscaling", "nothing to scale"),
            ("deploy.replicas", "one task per deployment"),
        ] {
            assert!(
                errors.iter().any(|e| e.attribute == attribute
                    && e.message.contains(says)
                    && e.service.as_deref() == Some("seed")),
                "{attribute}: {shown:?}"
            );
        }
        let scheduled = load_yaml(
            "services:\n  seed:\n    image: busybox:1.36\n    x-aws-job: true\n    x-aws-schedule: \"rate(1 hour)\"\n",
        );
        let errors = build_all(&scheduled).unwrap_err().0;
        assert!(
            errors
                .iter()
                .any(|e| e.attribute == "x-aws-schedule" && e.message.contains("not both")),
            "{:?}",
            messages(&errors)
        );
        let invalid =
            load_yaml("services:\n  seed:\n    image: busybox:1.36\n    x-aws-job: \"yes\"\n");
        let errors = build_all(&invalid).unwrap_err().0;
        assert_eq!(errors[0].attribute, ATTRIBUTE);
        assert!(
            errors[0].message.contains("not true or false"),
            "{:?}",
            messages(&errors)
        );
    }

    #[test]
    fn jobs_run_after_the_jobs_they_depend_on() {
        // Named so that the project's order (by name) is not the order they run in.
        let project = load_yaml(
            "services:\n  \
               assets:\n    image: busybox:1.36\n    x-aws-job: true\n    depends_on: [seed]\n  \
               seed:\n    image: busybox:1.36\n    x-aws-job: true\n    depends_on: [migrate]\n  \
               web:\n    image: nginx:1.27\n    depends_on: [seed]\n  \
               migrate:\n    image: busybox:1.36\n    x-aws-job: true\n",
        );
        let built = build_all(&project).unwrap();
        let order: Vec<&str> = built.jobs.iter().map(|j| j.service.as_str()).collect();
        assert_eq!(order, ["migrate", "seed", "assets"]);
        // A job is run by up, not held back as a service waiting for another job.
        assert!(built.jobs[0].waiting.is_empty(), "{:?}", built.jobs);
        assert_eq!(built.jobs[1].waiting[0].service, "web");
        assert!(built.jobs[2].waiting.is_empty());
    }
}
