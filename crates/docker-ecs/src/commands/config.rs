use std::process::ExitCode;

use crate::cli::{ConfigArgs, ProjectArgs};

pub fn run(_project: &ProjectArgs, _args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`config` is not implemented yet")
}
