//! Loading the Compose project from the command-line flags: shared by every project command.

use anyhow::Context;

use crate::cli::ProjectArgs;

/// Load the project the flags describe; print loader warnings once each on stderr.
pub fn load_project(
    args: &ProjectArgs,
    interpolate: bool,
) -> anyhow::Result<compose_model::Project> {
    let mut options = compose_model::LoadOptions::from_cwd();
    options.files = args.files.clone();
    options.project_name = args.project_name.clone();
    options.project_directory = args.project_directory.clone();
    options.env_files = args.env_files.clone();
    options.profiles = args.profiles.clone();
    options.interpolate = interpolate;
    let loaded = compose_model::load(&options).context("invalid compose project")?;
    for warning in &loaded.warnings {
        eprintln!("WARN {warning}");
    }
    Ok(loaded.project)
}
