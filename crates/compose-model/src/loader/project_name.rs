//! The project name: `-p`, else COMPOSE_PROJECT_NAME, else top-level `name:`, else the project
//! directory's name. A name given on the command line or in the environment must already be valid;
//! the top-level `name:` and the directory name are normalised (lowercase, only `[a-z0-9_-]`,
//! starting with a letter or digit), as compose-go does (`name: My Project` is `myproject`).

use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml::Value;

use super::normalize::fields::Cx;
use super::value::scalar_string;
use crate::{Error, LoadOptions};

pub(crate) fn resolve(
    options: &LoadOptions,
    env: &BTreeMap<String, String>,
    doc: &Value,
    project_dir: &Path,
    cx: &Cx,
) -> Result<String, Error> {
    if let Some(name) = options.project_name.as_deref().filter(|n| !n.is_empty()) {
        return explicit(name, "-p / --project-name").map_err(Error::Project);
    }
    if let Some(name) = env.get("COMPOSE_PROJECT_NAME").filter(|n| !n.is_empty()) {
        return explicit(name, "COMPOSE_PROJECT_NAME").map_err(Error::Project);
    }
    if let Some(v) = doc.get("name").filter(|v| !v.is_null()) {
        let name = scalar_string(v).ok_or_else(|| cx.error("name", "must be a string"))?;
        if !name.is_empty() {
            let normalized = normalize(&name);
            if normalized.is_empty() {
                return Err(cx.error(
                    "name",
                    format!("project name {name:?} has no letter or digit: the project name must not be empty"),
                ));
            }
            return Ok(normalized);
        }
    }
    let base = project_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = normalize(&base);
    if name.is_empty() {
        return Err(Error::Project(format!(
            "cannot derive a project name from the directory {:?}: use -p or a top-level `name:`",
            project_dir.display().to_string()
        )));
    }
    Ok(name)
}

/// Compose's rule for project names: lowercase letters, digits, `_` and `-`, starting with a letter or
/// digit.
pub fn is_valid(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn explicit(name: &str, source: &str) -> Result<String, String> {
    if is_valid(name) {
        Ok(name.to_string())
    } else {
        Err(format!(
            "invalid project name {name:?} (from {source}): must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
        ))
    }
}

/// Lowercase, drop characters outside `[a-z0-9_-]`, drop leading `_`/`-`.
pub(crate) fn normalize(name: &str) -> String {
    let lowered: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    lowered.trim_start_matches(['_', '-']).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_directory_names() {
        assert_eq!(normalize("My App.v2"), "myappv2");
        assert_eq!(normalize("__x-Y_"), "x-y_");
        assert_eq!(normalize("..."), "");
    }

    #[test]
    fn a_name_in_the_file_is_normalised_and_must_keep_a_character() {
        use crate::loader::load_temp;
        let file = |name: &str| {
            [(
                "compose.yaml",
                format!("name: {name}\nservices:\n  a:\n    image: x\n"),
            )]
        };
        let load = |name: &str| {
            let files = file(name);
            let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
            load_temp(&files, |o| o.project_name = None).1
        };
        assert_eq!(load("\"_Foo Bar\"").unwrap().project.name, "foobar");
        let err = load("\"...\"").unwrap_err().to_string();
        assert!(err.contains("compose.yaml:1: name: "), "{err}");
        assert!(err.contains("must not be empty"), "{err}");
    }

    #[test]
    fn explicit_names_must_be_valid() {
        assert!(explicit("my-app_1", "-p").is_ok());
        assert!(explicit("MyApp", "-p").is_err());
        assert!(explicit("-app", "-p").is_err());
        assert!(explicit("a.b", "-p").is_err());
    }
}
