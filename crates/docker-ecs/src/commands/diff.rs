//! `docker ecs diff` (also `up --dry-run`): what `up` would change in the project's stack, read from a
//! change set that is deleted again. Nothing is deployed.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{AwsArgs, ProjectArgs};
use crate::commands::load_project;
use crate::commands::up::{aws_options, poll_interval};

pub fn run(project_args: &ProjectArgs, aws: &AwsArgs) -> anyhow::Result<ExitCode> {
    let project = load_project(project_args, true)?;
    let built = template_builder::build(&project)
        .map_err(|err| anyhow::anyhow!("cannot deploy project {:?}: {err}", project.name))?;
    for warning in &built.warnings {
        eprintln!("WARN {warning}");
    }
    let plan = super::runtime()?.block_on(async {
        let clients = ecs_deploy::Clients::load(&aws_options(aws)).await?;
        let mut interrupts = ecs_deploy::interrupt::Interrupts::ctrl_c();
        ecs_deploy::dryrun::dry_run(
            &clients,
            &project.name,
            &built,
            poll_interval(),
            &mut interrupts,
        )
        .await
    })?;
    let status = match plan {
        ecs_deploy::dryrun::Plan::Interrupted => ExitCode::from(super::up::INTERRUPTED),
        _ => ExitCode::SUCCESS,
    };
    let text = ecs_deploy::dryrun::render(&project.name, &plan);
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(status),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(status),
        Err(err) => Err(err).context("cannot write the dry run's result"),
    }
}
