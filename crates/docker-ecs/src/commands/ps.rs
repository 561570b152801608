//! `docker ecs ps`: the project's tasks (or services) from ECS. Needs only the project name, so
//! `-p`/COMPOSE_PROJECT_NAME work without the Compose file.

use std::process::ExitCode;

use anyhow::Context;
use ecs_deploy::{ports, ps, stack_info, Clients};

use crate::cli::{AwsArgs, ProjectArgs, PsArgs, TableFormat};

pub fn run(project: &ProjectArgs, aws: &AwsArgs, args: &PsArgs) -> anyhow::Result<ExitCode> {
    let name = project_name(project)?;
    let states = ps::parse_status_filter(&args.status)?;
    if args.services && !states.is_empty() {
        anyhow::bail!("--status filters tasks: it cannot be combined with --services");
    }
    let output = super::runtime()?.block_on(async {
        let clients = Clients::load(&super::up::aws_options(aws)).await?;
        let app = stack_info::load(
            &clients.cloudformation,
            &clients.ecs,
            &name,
            &clients.region,
        )
        .await?;
        let targets: Vec<_> = app
            .services
            .iter()
            .flat_map(|s| s.targets.clone())
            .collect();
        let port_map = ports::load(&clients.elbv2, &targets).await?;
        if args.services {
            let rows = ps::service_rows(&app.services, &port_map);
            return Ok::<_, ecs_deploy::Error>(match (args.quiet, args.format) {
                (true, _) => ps::render_service_names(&rows),
                (false, TableFormat::Json) => ecs_deploy::table::render_json(&rows),
                (false, TableFormat::Table) => ps::render_services_table(&rows),
            });
        }
        let tasks = ps::tasks(&clients.ecs, &app.services, &states).await?;
        let rows = ps::task_rows(&app.services, &tasks, &port_map, !states.is_empty());
        Ok(match (args.quiet, args.format) {
            (true, _) => ps::render_task_ids(&rows),
            (false, TableFormat::Json) => ecs_deploy::table::render_json(&rows),
            (false, TableFormat::Table) => ps::render_tasks_table(&rows),
        })
    })?;
    write_stdout(&output)?;
    Ok(ExitCode::SUCCESS)
}

/// Print command output; a reader that closed the pipe early (`| head`) is not an error.
pub(super) fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(err).context("writing to standard output"))
        }
        _ => Ok(()),
    }
}

/// The project name: `-p`, else COMPOSE_PROJECT_NAME, else the Compose project's own name.
pub(super) fn project_name(project: &ProjectArgs) -> anyhow::Result<String> {
    let given = project.project_name.clone().or_else(|| {
        std::env::var("COMPOSE_PROJECT_NAME")
            .ok()
            .filter(|n| !n.is_empty())
    });
    match given {
        Some(name) => {
            check_project_name(&name)?;
            Ok(name)
        }
        None => Ok(super::load_project(project, true)
            .context("finding the project name (pass -p NAME to skip reading the Compose file)")?
            .name),
    }
}

/// Compose project names are lowercase letters, digits, `_` and `-`, starting with a letter or digit.
fn check_project_name(name: &str) -> anyhow::Result<()> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !valid {
        anyhow::bail!(
            "invalid project name {name:?}: use lowercase letters, digits, '_' and '-', starting with a letter or digit"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_follow_compose_rules() {
        assert!(check_project_name("demo_app-2").is_ok());
        assert!(check_project_name("2demo").is_ok());
        for bad in ["Demo", "-demo", "", "de mo", "demo.app"] {
            assert!(check_project_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_flag_wins_and_skips_the_compose_file() {
        let args = ProjectArgs {
            project_name: Some("flagged".into()),
            files: vec!["/nonexistent/compose.yaml".into()],
            ..Default::default()
        };
        assert_eq!(project_name(&args).unwrap(), "flagged");
    }
}
