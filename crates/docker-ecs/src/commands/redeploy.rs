//! `up --force-new-deployment`: after a successful `up`, replace the tasks of every service so a
//! rebuilt image behind an unchanged tag (`:latest`) is pulled and rolled out.

use ecs_deploy::Clients;

use crate::cli::AwsArgs;
use crate::commands::aws_options;

pub fn run(aws: &AwsArgs, project: &str) -> anyhow::Result<()> {
    let redeployed = super::runtime()?.block_on(async {
        let clients = Clients::load(&aws_options(aws)).await?;
        ecs_deploy::redeploy::force_new_deployment(&clients, project).await
    })?;
    eprint!("{}", ecs_deploy::redeploy::render(&redeployed));
    Ok(())
}
