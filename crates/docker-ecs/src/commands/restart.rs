//! `docker ecs restart [SERVICE...]`: a new ECS deployment of the services (all when none), which
//! replaces their tasks, waited for as `up --force-new-deployment` does. Nothing of the stack
//! changes, so nothing drifts from the template.
//!
//! `stop`, `start` and `scale` are refused with what to do instead: a service's number of tasks is
//! the stack's (`deploy.replicas`), and changing it behind CloudFormation's back would leave the
//! stack saying one thing while ECS runs another, which the next `up` would not see.

use std::process::ExitCode;

use ecs_deploy::redeploy::{self, RolloutsEnded};
use ecs_deploy::{progress, Clients};

use crate::cli::{AwsArgs, ProjectArgs, RestartArgs};
use crate::commands::{aws_options, poll_interval, project_name, INTERRUPTED};

pub fn run(project: &ProjectArgs, aws: &AwsArgs, args: &RestartArgs) -> anyhow::Result<ExitCode> {
    let name = project_name(project)?;
    let ended = super::runtime()?.block_on(async {
        let clients = Clients::load(&aws_options(aws)).await?;
        let redeployed = redeploy::force_new_deployment_of(&clients, &name, &args.services).await?;
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

/// Why `command` is not offered, and what does the job.
pub fn unsupported(command: &str) -> anyhow::Result<ExitCode> {
    anyhow::bail!("{}", explanation(command))
}

fn explanation(command: &str) -> String {
    let why = "a service's number of tasks is its stack's (`deploy.replicas` in the compose file): \
               changing it here, behind CloudFormation, would drift from the template, and the next \
               `docker ecs up` would not see it";
    let instead = match command {
        "stop" => {
            "to stop a service, set `deploy.replicas: 0` and run `docker ecs up`; to remove the \
             app, `docker ecs down` (EFS data is kept)"
        }
        "start" => {
            "`docker ecs up` runs every service with its `deploy.replicas`; `docker ecs restart` \
             replaces running tasks"
        }
        _ => "set `deploy.replicas` (or `x-aws-autoscaling`) in the compose file and run `docker ecs up`",
    };
    format!("docker ecs {command} is not supported: {why}; {instead}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_says_why_and_what_to_do_instead() {
        let stop = explanation("stop");
        assert!(
            stop.starts_with("docker ecs stop is not supported: a service's number of tasks")
                && stop.contains("drift")
                && stop.ends_with("`docker ecs down` (EFS data is kept)"),
            "{stop}"
        );
        assert!(explanation("start").contains("`docker ecs restart`"));
        assert!(explanation("scale").contains("set `deploy.replicas`"));
    }
}
