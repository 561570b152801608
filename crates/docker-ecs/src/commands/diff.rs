//! `docker ecs diff` (also `up --dry-run`): what `up` would change in the project's stack, read from a
//! change set that is deleted again. Nothing is deployed.

use std::process::ExitCode;

use crate::cli::{AwsArgs, ProjectArgs};
use crate::commands::{aws_options, build_project, poll_interval, write_stdout, INTERRUPTED};

pub fn run(project_args: &ProjectArgs, aws: &AwsArgs) -> anyhow::Result<ExitCode> {
    let (project, built) = build_project(project_args)?;
    let plan = super::runtime()?.block_on(async {
        let clients = ecs_deploy::Clients::load(&aws_options(aws)).await?;
        let mut interrupts = ecs_deploy::Interrupts::ctrl_c();
        ecs_deploy::dryrun::dry_run(
            &clients,
            &project.name,
            &built,
            &Default::default(),
            poll_interval(),
            &mut interrupts,
        )
        .await
    })?;
    let status = match plan {
        ecs_deploy::dryrun::Plan::Interrupted { .. } => ExitCode::from(INTERRUPTED),
        _ => ExitCode::SUCCESS,
    };
    write_stdout(&ecs_deploy::dryrun::render(&project.name, &plan))?;
    Ok(status)
}
