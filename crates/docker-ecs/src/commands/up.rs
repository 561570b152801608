use std::process::ExitCode;

use crate::cli::{AwsArgs, ProjectArgs, UpArgs};

pub fn run(_project: &ProjectArgs, _aws: &AwsArgs, _args: &UpArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`up` is not implemented yet")
}
