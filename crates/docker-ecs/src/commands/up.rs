//! `docker ecs up`: convert the project (as `convert` does) and deploy it as the project's
//! CloudFormation stack, following the deployment live.

use std::process::ExitCode;
use std::time::Duration;

use ecs_deploy::interrupt::Interrupts;
use ecs_deploy::up::{UpOptions, UpOutcome};
use ecs_deploy::{progress, AwsOptions, Clients};

use crate::cli::{AwsArgs, ProjectArgs, UpArgs};
use crate::commands::load_project;

/// Exit status after Ctrl-C, as shells report a SIGINT death.
pub const INTERRUPTED: u8 = 130;

pub fn run(project_args: &ProjectArgs, aws: &AwsArgs, args: &UpArgs) -> anyhow::Result<ExitCode> {
    if args.dry_run {
        return super::diff::run(project_args, aws);
    }
    let project = load_project(project_args, true)?;
    let built = template_builder::build(&project)
        .map_err(|err| anyhow::anyhow!("cannot deploy project {:?}: {err}", project.name))?;
    for warning in &built.warnings {
        eprintln!("WARN {warning}");
    }
    let options = UpOptions {
        detach: args.detach,
        poll_interval: poll_interval(),
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

pub fn aws_options(aws: &AwsArgs) -> AwsOptions {
    AwsOptions {
        region: aws.region.clone(),
        profile: aws.aws_profile.clone(),
    }
}

/// Time between two looks at the stack: DOCKER_ECS_POLL_INTERVAL_MS (tests against a local API use
/// a short one), else 5 seconds.
pub fn poll_interval() -> Duration {
    std::env::var("DOCKER_ECS_POLL_INTERVAL_MS")
        .ok()
        .and_then(|ms| ms.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(5))
}
