//! Loading the Compose project from the command-line flags: shared by every project command.

use anyhow::Context;

use crate::cli::ProjectArgs;

/// Load the project the flags describe; print loader warnings once each on stderr.
pub fn load_project(
    args: &ProjectArgs,
    interpolate: bool,
) -> anyhow::Result<compose_model::Project> {
    Ok(load(args, interpolate)?.project)
}

/// [`load_project`], keeping where each attribute was written.
fn load(args: &ProjectArgs, interpolate: bool) -> anyhow::Result<compose_model::Loaded> {
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
    Ok(loaded)
}

/// Load the project and build its template, as `convert`, `up` and `diff` all start; build warnings
/// are printed once each on stderr. A project that cannot be deployed is an error listing every
/// refusal, one per line, each after the file and line it is about (or the project's files).
pub fn build_project(
    args: &ProjectArgs,
) -> anyhow::Result<(compose_model::Project, template_builder::Built)> {
    let compose_model::Loaded {
        project, locator, ..
    } = load(args, true)?;
    let built = template_builder::build_all(&project).map_err(|errors| {
        anyhow::anyhow!(
            "{}",
            refusals_text(&errors.0, |err| error_location(&project, &locator, err))
        )
    })?;
    for warning in &built.warnings {
        eprintln!("WARN {warning}");
    }
    Ok((project, built))
}

/// Every refusal on a line of its own, as `error: ` starts the first (a compiler's layout), with a
/// count after several.
fn refusals_text(
    errors: &[template_builder::Error],
    location: impl Fn(&template_builder::Error) -> String,
) -> String {
    let lines: Vec<String> = errors
        .iter()
        .map(|err| format!("{}: {err}", location(err)))
        .collect();
    let mut text = lines.join("\nerror: ");
    if lines.len() > 1 {
        text.push_str(&format!(
            "\nerror: the project cannot be deployed as written: {} problems above",
            lines.len()
        ));
    }
    text
}

/// Where the attribute a build error is about was written (`compose.yaml:12`); the project's
/// files when that is not known.
fn error_location(
    project: &compose_model::Project,
    locator: &compose_model::Locator,
    err: &template_builder::Error,
) -> String {
    attribute_location(project, locator, err.service.as_deref(), &err.attribute)
}

/// Where a service's attribute (`volumes[0]`, `build.context`) or a project attribute was written.
fn attribute_location(
    project: &compose_model::Project,
    locator: &compose_model::Locator,
    service: Option<&str>,
    attribute: &str,
) -> String {
    let path = match service {
        Some(service) => format!("services.{service}.{attribute}"),
        None => attribute.to_string(),
    };
    let location = locator.location(&path);
    match location.line {
        Some(line) if !location.file.as_os_str().is_empty() => {
            format!("{}:{line}", location.file.display())
        }
        _ => compose_files(project),
    }
}

/// What stops the images from being built, found before anything was (a missing context or
/// source, an unset variable...), each problem with the file and line of its attribute. Other
/// errors pass unchanged.
pub fn locate_image_problems(err: anyhow::Error, args: &ProjectArgs) -> anyhow::Error {
    let Some(ecs_deploy::Error::Image(image_build::Error::Unsupported(problems))) =
        err.downcast_ref::<ecs_deploy::Error>()
    else {
        return err;
    };
    let Ok(compose_model::Loaded {
        project, locator, ..
    }) = load(args, true)
    else {
        return err;
    };
    let lines: Vec<String> = problems
        .iter()
        .map(|problem| {
            let at = attribute_location(
                &project,
                &locator,
                Some(&problem.service),
                &problem.attribute,
            );
            format!("  {at}: {problem}")
        })
        .collect();
    anyhow::anyhow!("the images cannot be built:\n{}", lines.join("\n"))
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

/// The project name: `-p`, else COMPOSE_PROJECT_NAME, else the Compose project's own name. For the
/// commands that need only the name (`down`, `ps`, `logs`, `exec`), so they work without the file.
pub fn project_name(project: &ProjectArgs) -> anyhow::Result<String> {
    let given = project.project_name.clone().or_else(|| {
        std::env::var("COMPOSE_PROJECT_NAME")
            .ok()
            .filter(|n| !n.is_empty())
    });
    match given {
        Some(name) => {
            if !compose_model::is_valid_project_name(&name) {
                anyhow::bail!(
                    "invalid project name {name:?}: use lowercase letters, digits, '_' and '-', starting with a letter or digit"
                );
            }
            Ok(name)
        }
        None => Ok(load_project(project, true)
            .context("finding the project name (pass -p NAME to skip reading the Compose file)")?
            .name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_given_project_names_are_refused() {
        for bad in ["Demo", "-demo", "de mo", "demo.app"] {
            let args = ProjectArgs {
                project_name: Some(bad.into()),
                ..Default::default()
            };
            assert!(project_name(&args).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_flag_wins_and_skips_the_compose_file() {
        let args = ProjectArgs {
            project_name: Some("flagged".into()),
            files: vec!["/nonexistent/compose.yaml".into()],
            ..Default::default()
        };
        assert_eq!(project_name(&args).unwrap(), "flagged");
    }
}
