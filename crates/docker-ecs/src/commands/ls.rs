use std::process::ExitCode;

use crate::cli::{AwsArgs, LsArgs};

pub fn run(_aws: &AwsArgs, _args: &LsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ls` is not implemented yet")
}
