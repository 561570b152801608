//! `docker ecs down`: delete the project's stack and follow the deletion. Needs only the project
//! name, so `-p`/COMPOSE_PROJECT_NAME work without the Compose file.

use std::process::ExitCode;

use ecs_deploy::down::{DownOptions, DownOutcome};
use ecs_deploy::{progress, Clients};

use crate::cli::{AwsArgs, DownArgs, ProjectArgs, RemoveImages};
use crate::commands::{aws_options, poll_interval, project_name, INTERRUPTED};

pub fn run(project_args: &ProjectArgs, aws: &AwsArgs, args: &DownArgs) -> anyhow::Result<ExitCode> {
    let name = project_name(project_args)?;
    let options = DownOptions {
        detach: args.detach,
        poll_interval: poll_interval(),
        remove_images: args.rmi == Some(RemoveImages::All),
    };
    let outcome = super::runtime()?.block_on(async {
        let clients = Clients::load(&aws_options(aws)).await?;
        let mut interrupts = super::interrupts();
        let mut progress = progress::for_stderr();
        ecs_deploy::down::down(
            &clients,
            &name,
            &options,
            progress.as_mut(),
            &mut interrupts,
        )
        .await
    })?;
    Ok(match outcome {
        DownOutcome::NothingToRemove | DownOutcome::Removed { .. } | DownOutcome::Detached => {
            ExitCode::SUCCESS
        }
        DownOutcome::StoppedWaiting | DownOutcome::Cancelled => ExitCode::from(INTERRUPTED),
    })
}
