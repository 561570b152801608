use std::process::ExitCode;

use crate::cli::{AwsArgs, ProjectArgs, PsArgs};

pub fn run(_project: &ProjectArgs, _aws: &AwsArgs, _args: &PsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ps` is not implemented yet")
}
