//! Compose files in, a normalised [`Project`] out: discovery, `.env`, interpolation, merge of several
//! files, `extends`, `include`, profiles, short/long syntax normalisation and validation, with the
//! semantics of compose-go (what `docker compose config` does).
//!
//! ```no_run
//! let loaded = compose_model::load(&compose_model::LoadOptions::from_cwd()).unwrap();
//! for (name, service) in &loaded.project.services {
//!     println!("{name}: {:?}", service.image);
//! }
//! ```

// Every dependency in Cargo.toml is used, or clippy -D warnings says which is not. (Unit-test builds
// also see the dev-dependencies, which only some targets use.)
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod duration;
mod error;
pub mod model;

pub use duration::Duration;
pub use error::{Error, Location};
pub use loader::suggest;
pub use loader::Locator;
pub use model::*;

use std::collections::BTreeMap;
use std::path::PathBuf;

/// What `docker compose` takes from its flags and environment to load a project.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `-f` files in order (`-` is standard input). Empty: COMPOSE_FILE from `environment`, else discovery
    /// of compose.yaml / compose.yml / docker-compose.yaml / docker-compose.yml (+ matching override file)
    /// in `working_dir` and its parents.
    pub files: Vec<PathBuf>,
    /// `-p`; else COMPOSE_PROJECT_NAME; else top-level `name:`; else the project directory's name.
    pub project_name: Option<String>,
    /// `--project-directory`; else the directory of the first compose file.
    pub project_directory: Option<PathBuf>,
    /// `--env-file` (repeatable). Empty: `<project dir>/.env` if it exists.
    pub env_files: Vec<PathBuf>,
    /// `--profile`; empty: COMPOSE_PROFILES from `environment`.
    pub profiles: Vec<String>,
    /// The process environment (injected, so tests need not touch the real one). It wins over `.env`.
    pub environment: BTreeMap<String, String>,
    /// `false` for `config --no-interpolate`.
    pub interpolate: bool,
    /// The current directory that relative `-f` paths and discovery start from.
    pub working_dir: PathBuf,
}

impl LoadOptions {
    /// Options for the current directory and process environment, interpolation on.
    pub fn from_cwd() -> Self {
        LoadOptions {
            environment: std::env::vars().collect(),
            interpolate: true,
            working_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            ..Default::default()
        }
    }
}

/// A loaded project and the warnings loading it produced (unset variables, ...), each printed once by
/// the caller.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub project: Project,
    pub warnings: Vec<String>,
    /// Where each path of the project was written (`locator.location("services.web.ports[1]")`),
    /// for errors found after loading.
    pub locator: Locator,
}

/// Whether `name` is a valid Compose project name (what `-p` and COMPOSE_PROJECT_NAME must be).
pub fn is_valid_project_name(name: &str) -> bool {
    loader::project_name::is_valid(name)
}

/// Load, merge, interpolate, normalise and validate a project.
pub fn load(options: &LoadOptions) -> Result<Loaded, Error> {
    loader::load(options)
}

mod loader;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_from_the_current_directory_read_this_process() {
        let options = LoadOptions::from_cwd();
        assert!(options.interpolate);
        assert_eq!(options.working_dir, std::env::current_dir().unwrap());
        assert_eq!(
            options.environment,
            std::env::vars().collect::<BTreeMap<_, _>>()
        );
        assert!(options.files.is_empty() && options.profiles.is_empty());
    }

    #[test]
    fn project_names_follow_compose_rules() {
        for valid in ["web", "my-app_2", "0day"] {
            assert!(is_valid_project_name(valid), "{valid:?}");
        }
        for invalid in ["", "My App", "-web", "web.prod"] {
            assert!(!is_valid_project_name(invalid), "{invalid:?}");
        }
    }
}
