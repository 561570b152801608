use std::process::ExitCode;

use crate::cli::{AwsArgs, LogsArgs, ProjectArgs};

pub fn run(_project: &ProjectArgs, _aws: &AwsArgs, _args: &LogsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`logs` is not implemented yet")
}
