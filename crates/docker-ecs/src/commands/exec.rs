//! `docker ecs exec SERVICE COMMAND...`: a command in a running task, through ECS Exec and the AWS
//! Session Manager plugin (the same plugin and arguments `aws ecs execute-command` uses).

use std::process::ExitCode;

use anyhow::Context;
use ecs_deploy::exec::{self, ExecRequest};
use ecs_deploy::Clients;

use crate::cli::{AwsArgs, ExecArgs, ProjectArgs};

pub fn run(project: &ProjectArgs, aws: &AwsArgs, args: &ExecArgs) -> anyhow::Result<ExitCode> {
    // Before any AWS call: without the plugin the session could not be used.
    let plugin = exec::find_plugin(std::env::var_os("PATH").as_deref())?;
    let name = super::project_name(project)?;
    let request = ExecRequest {
        service: args.service.clone(),
        task: args.task.clone(),
        container: args.container.clone(),
        command: args.command.clone(),
        profile: aws.aws_profile.clone(),
    };
    let runtime = super::runtime()?;
    let session = runtime.block_on(async {
        let clients = Clients::load(&super::aws_options(aws)).await?;
        exec::open(&clients, &name, &request).await
    })?;
    let status = runtime
        .block_on(exec::run_plugin(&plugin, &session))
        .with_context(|| format!("cannot run {}", plugin.display()))?;
    // The plugin exits with the session's status; a signal death is a failure.
    Ok(ExitCode::from(
        status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .unwrap_or(1),
    ))
}
