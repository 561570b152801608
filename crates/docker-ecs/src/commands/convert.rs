//! `docker ecs convert`: the CloudFormation template of the project, offline (no AWS credentials,
//! no network), byte-for-byte the same for the same input.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{ConvertArgs, ConvertFormat, ProjectArgs};
use crate::commands::load_project;

pub fn run(project_args: &ProjectArgs, args: &ConvertArgs) -> anyhow::Result<ExitCode> {
    let project = load_project(project_args, true)?;
    let built = template_builder::build(&project)
        .map_err(|err| anyhow::anyhow!("{}: {err}", compose_files(&project)))?;
    for warning in &built.warnings {
        eprintln!("WARN {warning}");
    }
    let text = match args.format {
        ConvertFormat::Yaml => template_builder::to_yaml(&built.template),
        ConvertFormat::Json => template_builder::to_json(&built.template),
        ConvertFormat::Dot => template_builder::graph::to_dot(&built.template, &project),
        ConvertFormat::Mermaid => template_builder::graph::to_mermaid(&built.template, &project),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write the template to {}", path.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => {}
                // `docker ecs convert | head` is not an error.
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(err) => return Err(err).context("cannot write the template"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The compose files an error is about, as the user named them.
fn compose_files(project: &compose_model::Project) -> String {
    if project.compose_files.is_empty() {
        return format!("project {:?}", project.name);
    }
    project
        .compose_files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
