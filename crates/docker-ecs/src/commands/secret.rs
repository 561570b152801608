use std::process::ExitCode;

use crate::cli::{AwsArgs, SecretCommand};

pub fn run(_aws: &AwsArgs, _cmd: SecretCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`secret` is not implemented yet")
}
