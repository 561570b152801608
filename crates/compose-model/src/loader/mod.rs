//! The loading pipeline, in compose-go's order:
//! 1. discovery of the files and the project directory ([`discovery`]);
//! 2. the project environment: `.env` / `--env-file` under the process environment ([`dotenv`]);
//! 3. per file: YAML parse with anchors and `<<` merge keys ([`document`]), interpolation
//!    ([`interpolate`]), short to long syntax ([`canonical`]), relative paths ([`paths`]),
//!    `include` ([`include`]) and `extends` ([`extends`]); each entry of a service's appended
//!    lists is tagged with the file and index it was written at ([`origins`]), so errors about
//!    it found after merging still point there;
//! 4. the files merged with the spec's rules ([`merge`]);
//! 5. normalisation into the model ([`normalize`]), project name ([`project_name`]), profiles
//!    ([`profiles`]), the implicit `default` network, reference checks and the dropping of
//!    resources no enabled service uses ([`validate`]).

mod canonical;
mod discovery;
mod document;
mod dotenv;
mod extends;
mod include;
mod interpolate;
mod limits;
mod locate;
mod merge;
pub(crate) mod normalize;
mod origins;
mod paths;
mod positions;
mod profiles;
pub(crate) mod project_name;
pub mod suggest;
mod template;
mod validate;
mod value;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use crate::{Error, LoadOptions, Loaded};
use document::Loader;
pub use locate::Locator;
use normalize::fields::Cx;

pub(crate) fn load(options: &LoadOptions) -> Result<Loaded, Error> {
    // One environment for the whole load, read before the files are known (COMPOSE_FILE may be
    // in it), from where compose reads it.
    let env = project_environment(options, &dotenv_dir(options))?;
    let discover_from = match &options.project_directory {
        Some(dir) => discovery::absolute(&options.working_dir, dir),
        None => options.working_dir.clone(),
    };
    let files =
        discovery::compose_files(&options.files, &env, &options.working_dir, &discover_from)?;
    let first = files.first().ok_or_else(|| Error::NotFound {
        searched: discover_from.clone(),
    })?;
    let project_dir = match &options.project_directory {
        Some(dir) => discovery::absolute(&options.working_dir, dir),
        None if discovery::is_stdin(first) => options.working_dir.clone(),
        None => first
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| options.working_dir.clone()),
    };

    let mut loader = Loader::new(options);
    let mut merged: Option<Value> = None;
    for file in &files {
        let doc = loader.main_document(file, &env, &project_dir, &mut Vec::new())?;
        merged = Some(match merged {
            None => doc,
            Some(base) => merge::merge(base, doc, ""),
        });
    }
    let mut doc = merged.unwrap_or(Value::Null);
    let written_at = origins::collect(&mut doc);
    loader.locator.set_origins(written_at);
    value::strip_tags(&mut doc);
    if let Value::Mapping(top) = &doc {
        if top.contains_key("version") {
            loader.warn("the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion".to_string());
        }
    }

    let cx = Cx {
        locator: &loader.locator,
        env: &env,
        project_dir: &project_dir,
        ports: Default::default(),
    };
    let mut project = normalize::project(&cx, &doc)?;
    project.name = project_name::resolve(options, &env, &doc, &project_dir, &cx)?;
    project.working_dir = project_dir.clone();
    project.interpolated = options.interpolate;
    project.compose_files = files
        .iter()
        .filter(|f| !discovery::is_stdin(f))
        .cloned()
        .collect();

    let active = profiles::active(options, &env);
    profiles::apply(&mut project, &active, &cx)?;
    validate::default_network(&mut project);
    validate::references(&mut project, &cx)?;
    validate::dependency_cycles(&project, &cx)?;
    validate::unused_resources(&mut project);

    let mut warnings = loader.unset.warnings.clone();
    warnings.extend(loader.warnings.iter().cloned());
    Ok(Loaded {
        project,
        warnings,
        locator: loader.locator,
    })
}

/// Where the default `.env` is (compose-go's order): `--project-directory`, else the directory of
/// the first `-f` file, else the working directory.
fn dotenv_dir(options: &LoadOptions) -> PathBuf {
    if let Some(dir) = &options.project_directory {
        return discovery::absolute(&options.working_dir, dir);
    }
    options
        .files
        .iter()
        .find(|f| !discovery::is_stdin(f))
        .and_then(|f| {
            discovery::absolute(&options.working_dir, f)
                .parent()
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| options.working_dir.clone())
}

/// `.env` (or the `--env-file`s) under the process environment, which wins.
fn project_environment(
    options: &LoadOptions,
    project_dir: &Path,
) -> Result<BTreeMap<String, String>, Error> {
    let mut files: Vec<(PathBuf, bool)> = options
        .env_files
        .iter()
        .map(|f| (discovery::absolute(&options.working_dir, f), true))
        .collect();
    if files.is_empty() {
        files.push((project_dir.join(".env"), false));
    }
    let mut env = dotenv::read_files(&files, &options.environment)?;
    for (k, v) in &options.environment {
        env.insert(k.clone(), v.clone());
    }
    Ok(env)
}

/// Write `files` into a temporary directory and load the project there.
#[cfg(test)]
pub(crate) fn load_temp(
    files: &[(&str, &str)],
    configure: impl FnOnce(&mut LoadOptions),
) -> (tempfile::TempDir, Result<Loaded, Error>) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(path, text).expect("write file");
    }
    let mut options = LoadOptions {
        working_dir: dir.path().to_path_buf(),
        interpolate: true,
        project_name: Some("t".into()),
        ..Default::default()
    };
    configure(&mut options);
    let result = load(&options);
    (dir, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_environment_wins_over_dotenv() {
        let (_d, r) = load_temp(
            &[
                (".env", "TAG=dotenv\nOTHER=dotenv\n"),
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:${TAG}-${OTHER}\n",
                ),
            ],
            |o| {
                o.environment.insert("TAG".into(), "process".into());
            },
        );
        let project = r.unwrap().project;
        assert_eq!(
            project.services["a"].image.as_deref(),
            Some("x:process-dotenv")
        );
    }

    #[test]
    fn env_file_flag_replaces_dotenv() {
        let (_d, r) = load_temp(
            &[
                (".env", "TAG=dotenv\n"),
                ("custom.env", "TAG=custom\n"),
                ("compose.yaml", "services:\n  a:\n    image: x:${TAG}\n"),
            ],
            |o| o.env_files = vec!["custom.env".into()],
        );
        assert_eq!(
            r.unwrap().project.services["a"].image.as_deref(),
            Some("x:custom")
        );
    }

    #[test]
    fn dotenv_is_read_beside_the_first_file_given() {
        let (_d, r) = load_temp(
            &[
                (".env", "TAG=working-dir\n"),
                ("app/.env", "TAG=app\n"),
                ("app/compose.yaml", "services:\n  a:\n    image: x:${TAG}\n"),
            ],
            |o| o.files = vec!["app/compose.yaml".into()],
        );
        assert_eq!(
            r.unwrap().project.services["a"].image.as_deref(),
            Some("x:app")
        );
    }

    #[test]
    fn an_entry_of_the_first_file_is_located_there_after_merging() {
        let (d, r) = load_temp(
            &[
                (
                    "compose.yaml",
                    "services:\n  web:\n    image: x\n    devices:\n      - /dev/a\n      - /dev/b\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  web:\n    devices: [/dev/c, /dev/d]\n",
                ),
            ],
            |_| {},
        );
        // What convert's errors about the loaded project are located with.
        let locator = r.unwrap().locator;
        let first = locator.location("services.web.devices[1]");
        assert_eq!(
            first.to_string(),
            format!(
                "{}:6: services.web.devices[1]",
                d.path().join("compose.yaml").display()
            )
        );
        let last = locator.location("services.web.devices[3]");
        assert_eq!(
            last.to_string(),
            format!(
                "{}:3: services.web.devices[1]",
                d.path().join("compose.override.yaml").display()
            )
        );
    }

    #[test]
    fn number_and_boolean_keys_are_read_as_their_text() {
        let (_d, r) = load_temp(
            &[(
                "compose.yaml",
                "services:\n  8080:\n    image: x\n    labels: {1: a, true: b}\n",
            )],
            |_| {},
        );
        let project = r.unwrap().project;
        let labels = &project.services["8080"].labels;
        assert_eq!(labels["1"], "a");
        assert_eq!(labels["true"], "b");
    }

    #[test]
    fn service_volume_and_secret_attributes_are_read() {
        let (_d, r) = load_temp(
            &[(
                "compose.yaml",
                "services:\n  web:\n    image: x\n    privileged: true\n    container_name: the-web\n    volumes: [data:/d]\n    secrets: [s]\nvolumes:\n  data:\n    driver: local\n    driver_opts: {type: tmpfs}\n    labels: {team: core}\nsecrets:\n  s:\n    file: ./s.txt\n    labels: {team: core}\n",
            )],
            |_| {},
        );
        let project = r.unwrap().project;
        let web = &project.services["web"];
        assert_eq!(web.name, "web");
        assert_eq!(web.privileged, Some(true));
        assert_eq!(web.container_name.as_deref(), Some("the-web"));
        let team = BTreeMap::from([("team".to_string(), "core".to_string())]);
        let data = &project.volumes["data"];
        assert_eq!(data.driver.as_deref(), Some("local"));
        assert_eq!(data.driver_opts["type"], "tmpfs");
        assert_eq!(data.labels, team);
        assert_eq!(project.secrets["s"].labels, team);
    }

    #[test]
    fn missing_env_file_flag_is_an_error() {
        let (_d, r) = load_temp(
            &[("compose.yaml", "services:\n  a:\n    image: x\n")],
            |o| o.env_files = vec!["nope.env".into()],
        );
        assert!(r.unwrap_err().to_string().contains("nope.env"));
    }

    #[test]
    fn an_unreadable_file_and_its_os_error_are_one_message() {
        let (_d, r) = load_temp(&[], |o| o.files = vec!["missing.yaml".into()]);
        let err = r.unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("missing.yaml: "), "{message}");
        assert!(message.contains("(os error 2)"), "{message}");
        // Printed with its causes (as docker-ecs does), the OS error appears once.
        assert!(std::error::Error::source(&err).is_none(), "{message}");
    }

    #[test]
    fn project_name_sources_in_order() {
        let files = [(
            "compose.yaml",
            "name: from-file\nservices:\n  a:\n    image: x\n",
        )];
        let (_d, r) = load_temp(&files, |_| {});
        assert_eq!(r.unwrap().project.name, "t");
        let (_d, r) = load_temp(&files, |o| {
            o.project_name = None;
            o.environment
                .insert("COMPOSE_PROJECT_NAME".into(), "from-env".into());
        });
        assert_eq!(r.unwrap().project.name, "from-env");
        let (_d, r) = load_temp(&files, |o| o.project_name = None);
        assert_eq!(r.unwrap().project.name, "from-file");
        let (_d, r) = load_temp(&files, |o| o.project_name = Some("Bad Name".into()));
        assert!(r
            .unwrap_err()
            .to_string()
            .contains("invalid project name \"Bad Name\""));
    }

    #[test]
    fn resources_no_enabled_service_uses_are_dropped() {
        let (_d, r) = load_temp(
            &[(
                "compose.yaml",
                concat!(
                    "services:\n",
                    "  a: {image: x, networks: [front], volumes: [data:/d], secrets: [s], configs: [c]}\n",
                    "  b: {image: x, build: {context: ., secrets: [built]}}\n",
                    "  off: {image: x, profiles: [debug], networks: [debug], volumes: [logs:/l]}\n",
                    "networks: {front: {}, debug: {}, spare: {}}\n",
                    "volumes: {data: {}, logs: {}, spare: {}}\n",
                    "secrets: {s: {environment: S}, built: {environment: B}, spare: {environment: X}}\n",
                    "configs: {c: {content: c}, spare: {content: x}}\n",
                ),
            )],
            |_| {},
        );
        let p = r.unwrap().project;
        let names = |m: Vec<&String>| m.into_iter().cloned().collect::<Vec<_>>();
        assert_eq!(names(p.networks.keys().collect()), ["default", "front"]);
        assert_eq!(names(p.volumes.keys().collect()), ["data"]);
        assert_eq!(names(p.secrets.keys().collect()), ["built", "s"]);
        assert_eq!(names(p.configs.keys().collect()), ["c"]);
    }

    #[test]
    fn x_keys_are_refused_where_compose_refuses_them_and_ignored_where_it_ignores_them() {
        let (_d, r) = load_temp(
            &[
                (
                    "compose.yaml",
                    concat!(
                        "include: [{path: other.yaml, x-note: 1}]\n",
                        "services:\n",
                        "  base: {image: x}\n",
                        "  a: {extends: {service: base, x-note: [1]}}\n",
                    ),
                ),
                ("other.yaml", "services:\n  b: {image: y}\n"),
            ],
            |_| {},
        );
        let p = r.unwrap().project;
        assert_eq!(p.services["a"].image.as_deref(), Some("x"));
        assert!(p.services.contains_key("b"));
        for (service, error) in [
            (
                "{image: x, env_file: [{path: e.env, x-note: 1}]}",
                "compose.yaml:2: services.a.env_file[0].x-note: additional property \"x-note\" is not allowed",
            ),
            (
                "{image: x, blkio_config: {weight: 10, x-note: 1}}",
                "compose.yaml:2: services.a.blkio_config.x-note: additional property \"x-note\" is not allowed",
            ),
            (
                "{image: x, blkio_config: {weight_device: [{path: /dev/sda, weight: 1, x-note: 1}]}}",
                "compose.yaml:2: services.a.blkio_config.weight_device[0].x-note: additional property \"x-note\" is not allowed",
            ),
        ] {
            let (_d, r) = load_temp(
                &[
                    ("compose.yaml", &format!("services:\n  a: {service}\n")),
                    ("e.env", "A=1\n"),
                ],
                |_| {},
            );
            let err = r.unwrap_err().to_string();
            assert!(err.contains(error), "{err}");
        }
    }

    #[test]
    fn version_attribute_warns() {
        let (_d, r) = load_temp(
            &[(
                "compose.yaml",
                "version: '3.8'\nservices:\n  a:\n    image: x\n",
            )],
            |_| {},
        );
        assert!(r.unwrap().warnings[0].contains("`version` is obsolete"));
    }

    #[test]
    fn compose_files_are_recorded_and_working_dir_set() {
        let (d, r) = load_temp(
            &[("compose.yaml", "services:\n  a:\n    image: x\n")],
            |_| {},
        );
        let p = r.unwrap().project;
        assert_eq!(p.working_dir, d.path());
        assert_eq!(p.compose_files, vec![d.path().join("compose.yaml")]);
    }
}
