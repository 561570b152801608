//! `docker ecs up`: convert the project (as `convert` does), build and push the images of services
//! with `build:`, and deploy it as the project's CloudFormation stack, following the deployment live.

use std::process::ExitCode;

use ecs_deploy::images;
use ecs_deploy::up::{UpOptions, UpOutcome};
use ecs_deploy::{progress, Clients};

use crate::cli::{AwsArgs, ProjectArgs, UpArgs};
use crate::commands::{
    aws_options, build_project, locate_image_problems, poll_interval, INTERRUPTED,
};

pub fn run(project_args: &ProjectArgs, aws: &AwsArgs, args: &UpArgs) -> anyhow::Result<ExitCode> {
    if args.dry_run {
        return super::diff::run(project_args, aws, &Default::default());
    }
    let (project, built) = build_project(project_args)?;
    let images = images::ImagePlan::of(&built);
    let outcome = super::runtime()?
        .block_on(async {
            // Since the command started: a Ctrl-C while it starts stops it before any change.
            let mut interrupts = super::interrupts();
            // The docker daemon and every build are checked before AWS is asked anything.
            let docker = match (images.is_empty(), args.no_build) {
                (false, false) => match interrupts
                    .unless_interrupted(images::prepare(&images))
                    .await
                {
                    Some(docker) => Some(docker?),
                    None => return Ok(None),
                },
                _ => None,
            };
            let Some(clients) = interrupts
                .unless_interrupted(Clients::load(&aws_options(aws)))
                .await
            else {
                return Ok(None);
            };
            let clients = clients?;
            let mut progress = progress::for_stderr();
            let pushed = match &docker {
                Some(docker) => {
                    let Some(local) = images::build(
                        docker,
                        &project.name,
                        &images,
                        progress.as_mut(),
                        &mut interrupts,
                    )
                    .await?
                    else {
                        return Ok(None);
                    };
                    images::push(
                        &clients,
                        &project.name,
                        docker,
                        &images,
                        &local,
                        progress.as_mut(),
                        &mut interrupts,
                    )
                    .await?
                }
                None => Some(images::last_pushed(&clients, &images, progress.as_mut()).await?),
            };
            let Some(pushed) = pushed else {
                return Ok(None);
            };
            let options = UpOptions {
                detach: args.detach,
                poll_interval: poll_interval(),
                images: pushed,
                verbose: args.verbose,
            };
            ecs_deploy::up::up(
                &clients,
                &project.name,
                &built,
                &options,
                progress.as_mut(),
                &mut interrupts,
            )
            .await
            .map(Some)
        })
        .map_err(|err| locate_image_problems(err.into(), project_args))?;
    let Some(outcome) = outcome else {
        eprintln!("Interrupted before deploying: nothing was changed in the stack");
        return Ok(ExitCode::from(INTERRUPTED));
    };
    if args.force_new_deployment
        && matches!(outcome, UpOutcome::Deployed { .. } | UpOutcome::NoChanges)
    {
        return super::redeploy::run(aws, &project.name);
    }
    Ok(match outcome {
        UpOutcome::Deployed { .. } | UpOutcome::NoChanges | UpOutcome::Detached { .. } => {
            ExitCode::SUCCESS
        }
        UpOutcome::Cancelled { .. } | UpOutcome::LeftRunning { .. } => ExitCode::from(INTERRUPTED),
    })
}
