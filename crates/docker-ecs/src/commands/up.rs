//! `docker ecs up`: convert the project (as `convert` does) and deploy it as the project's
//! CloudFormation stack, following the deployment live.

use std::process::ExitCode;

use ecs_deploy::up::{UpOptions, UpOutcome};
use ecs_deploy::Interrupts;
use ecs_deploy::{progress, Clients};

use crate::cli::{AwsArgs, ProjectArgs, UpArgs};
use crate::commands::{aws_options, build_project, poll_interval, INTERRUPTED};

pub fn run(project_args: &ProjectArgs, aws: &AwsArgs, args: &UpArgs) -> anyhow::Result<ExitCode> {
    if args.dry_run {
        return super::diff::run(project_args, aws);
    }
    let (project, built) = build_project(project_args)?;
    let options = UpOptions {
        detach: args.detach,
        poll_interval: poll_interval(),
        ..UpOptions::default()
    };
    let outcome = super::runtime()?.block_on(async {
        let clients = Clients::load(&aws_options(aws)).await?;
        let mut interrupts = Interrupts::ctrl_c();
        let mut progress = progress::for_stderr();
        ecs_deploy::up::up(
            &clients,
            &project.name,
            &built,
            &options,
            progress.as_mut(),
            &mut interrupts,
        )
        .await
    })?;
    if args.force_new_deployment
        && matches!(outcome, UpOutcome::Deployed { .. } | UpOutcome::NoChanges)
    {
        super::redeploy::run(aws, &project.name)?;
    }
    Ok(match outcome {
        UpOutcome::Deployed { .. } | UpOutcome::NoChanges | UpOutcome::Detached { .. } => {
            ExitCode::SUCCESS
        }
        UpOutcome::Cancelled { .. } | UpOutcome::LeftRunning { .. } => ExitCode::from(INTERRUPTED),
    })
}
