//! `docker ecs convert`: the CloudFormation template of the project, offline (no AWS credentials,
//! no network), byte-for-byte the same for the same input.

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{ConvertArgs, ConvertFormat, ProjectArgs};
use crate::commands::{build_project, write_stdout};

pub fn run(project_args: &ProjectArgs, args: &ConvertArgs) -> anyhow::Result<ExitCode> {
    let (project, built) = build_project(project_args)?;
    let text = match args.format {
        ConvertFormat::Yaml => template_builder::to_yaml(&built.template),
        ConvertFormat::Json => template_builder::to_json(&built.template),
        ConvertFormat::Dot => template_builder::graph::to_dot(&built.template, &project),
        ConvertFormat::Mermaid => template_builder::graph::to_mermaid(&built.template, &project),
    };
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write the template to {}", path.display()))?,
        None => write_stdout(&text)?,
    }
    // The process ends here: freeing the project, the template and its text one allocation at
    // a time would cost a fifth of `convert`'s time for a large project, for nothing.
    std::mem::forget((project, built, text));
    Ok(ExitCode::SUCCESS)
}
