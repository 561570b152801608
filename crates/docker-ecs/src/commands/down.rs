use std::process::ExitCode;

use crate::cli::{AwsArgs, DownArgs, ProjectArgs};

pub fn run(_project: &ProjectArgs, _aws: &AwsArgs, _args: &DownArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`down` is not implemented yet")
}
