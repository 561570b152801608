//! `docker ecs ls`: the projects deployed in the account and region.

use std::process::ExitCode;

use ecs_deploy::{ls, Clients};

use crate::cli::{AwsArgs, LsArgs, TableFormat};

pub fn run(aws: &AwsArgs, args: &LsArgs) -> anyhow::Result<ExitCode> {
    let deployments = super::runtime()?.block_on(async {
        let clients = Clients::load(&super::aws_options(aws)).await?;
        ls::list(&clients.cloudformation).await
    })?;
    super::write_stdout(&match args.format {
        TableFormat::Json => ecs_deploy::render_json(&deployments),
        TableFormat::Table => ls::render_table(&deployments),
    })?;
    Ok(ExitCode::SUCCESS)
}
