//! `docker ecs config`: validate the Compose project and print its normalised model (like
//! `docker compose config`), or one of its name lists.

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{ConfigArgs, Format, ProjectArgs};
use crate::commands::{load_project, write_stdout};

pub fn run(project_args: &ProjectArgs, args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let project = load_project(project_args, !args.no_interpolate)?;
    if args.quiet {
        return Ok(ExitCode::SUCCESS);
    }
    let output = render(&project, args)?;
    match &args.output {
        Some(path) => std::fs::write(path, output)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => write_stdout(&output)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// What `config` prints for these flags.
fn render(project: &compose_model::Project, args: &ConfigArgs) -> anyhow::Result<String> {
    let list = if args.services {
        Some(project.services.keys().cloned().collect())
    } else if args.volumes {
        Some(project.volumes.keys().cloned().collect())
    } else if args.profiles {
        Some(project.all_profiles.clone())
    } else if args.images {
        Some(images(project))
    } else {
        None
    };
    if let Some(names) = list {
        return Ok(names.iter().map(|n: &String| format!("{n}\n")).collect());
    }
    Ok(match args.format {
        // The template's emitter: strings a YAML 1.1 reader would retype (`yes`, `33:33`) are quoted.
        Format::Yaml => template_builder::to_yaml(&serde_json::to_value(project)?),
        Format::Json => serde_json::to_string_pretty(project)? + "\n",
    })
}

/// The image of each service (`<project>-<service>` for build-only services, as compose names
/// them), sorted and without duplicates.
fn images(project: &compose_model::Project) -> Vec<String> {
    let mut images: Vec<String> = project
        .services
        .iter()
        .map(|(name, service)| {
            service
                .image
                .clone()
                .unwrap_or_else(|| format!("{}-{name}", project.name))
        })
        .collect();
    images.sort();
    images.dedup();
    images
}
