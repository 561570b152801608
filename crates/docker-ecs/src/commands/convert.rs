use std::process::ExitCode;

use crate::cli::{ConvertArgs, ProjectArgs};

pub fn run(_project: &ProjectArgs, _args: &ConvertArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`convert` is not implemented yet")
}
