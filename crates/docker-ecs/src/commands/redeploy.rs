//! `up --force-new-deployment`: after a successful `up`, replace the tasks of every service so a
//! rebuilt image behind an unchanged tag (`:latest`) is pulled and rolled out, and wait for the
//! rollouts as `up` waits for its own: a failed rollout fails the command, naming the service and why.

use std::process::ExitCode;

use ecs_deploy::redeploy::{self, RolloutsEnded};
use ecs_deploy::{progress, Clients};

use crate::cli::AwsArgs;
use crate::commands::{aws_options, poll_interval, INTERRUPTED};

pub fn run(aws: &AwsArgs, project: &str) -> anyhow::Result<ExitCode> {
    let ended = super::runtime()?.block_on(async {
        let clients = Clients::load(&aws_options(aws)).await?;
        let redeployed = redeploy::force_new_deployment(&clients, project).await?;
        eprint!("{}", redeploy::render(&redeployed));
        let mut interrupts = super::interrupts();
        let mut progress = progress::for_stderr();
        redeploy::wait_for_rollouts(
            &clients,
            &redeployed,
            poll_interval(),
            clients.limits.wait,
            progress.as_mut(),
            &mut interrupts,
        )
        .await
    })?;
    Ok(match ended {
        RolloutsEnded::Completed => ExitCode::SUCCESS,
        RolloutsEnded::Interrupted => ExitCode::from(INTERRUPTED),
    })
}
