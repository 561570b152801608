//! Fixture projects under tests/fixtures/<case>/, each loaded like `docker ecs config` would and
//! compared with what it must give:
//! - `expected.json`: the `config --format json` serialisation of the project;
//! - `expected-error.txt`: the exact error message (file, path, line) for invalid projects;
//! - `expected-warnings.txt` (optional): the loader's warnings, one per line.
//!
//! `options.json` (optional) sets the load options: `files`, `env` (the whole process environment:
//! fixtures never see the real one), `env_files`, `profiles`, `project_name`, `project_directory`,
//! `interpolate`, `working_dir` (relative to the case directory). The case directory appears as
//! `<dir>` in expected files. `UPDATE_EXPECT=1 cargo test -p compose-model --test integration
//! fixtures` rewrites them; review the diff by eye.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use compose_model::{load, LoadOptions};
use serde_json::Value;

fn options_for(dir: &Path) -> LoadOptions {
    let raw: Value = fs::read_to_string(dir.join("options.json"))
        .ok()
        .map(|s| serde_json::from_str(&s).expect("options.json is valid JSON"))
        .unwrap_or(Value::Null);
    let strings = |key: &str| -> Vec<String> {
        raw.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut environment: BTreeMap<String, String> =
        [("HOME".to_string(), "/home/user".to_string())].into();
    if let Some(env) = raw.get("env").and_then(Value::as_object) {
        for (k, v) in env {
            environment.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
    }
    let working_dir = match raw.get("working_dir").and_then(Value::as_str) {
        Some(w) => dir.join(w),
        None => dir.to_path_buf(),
    };
    LoadOptions {
        files: strings("files").into_iter().map(PathBuf::from).collect(),
        project_name: raw
            .get("project_name")
            .and_then(Value::as_str)
            .map(String::from),
        project_directory: raw
            .get("project_directory")
            .and_then(Value::as_str)
            .map(|p| dir.join(p)),
        env_files: strings("env_files")
            .into_iter()
            .map(PathBuf::from)
            .collect(),
        profiles: strings("profiles"),
        environment,
        interpolate: raw
            .get("interpolate")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        working_dir,
    }
}

fn placeholder(text: &str, dir: &Path) -> String {
    text.replace(&dir.display().to_string(), "<dir>")
}

fn check(dir: &Path, file: &str, actual: &str, update: bool, failures: &mut Vec<String>) {
    let path = dir.join(file);
    if update {
        fs::write(&path, actual).expect("write expected file");
        return;
    }
    match fs::read_to_string(&path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{}:\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        )),
        Err(_) => failures.push(format!("{} is missing; actual:\n{actual}", path.display())),
    }
}

#[test]
fn fixtures_match_their_expected_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut cases: Vec<PathBuf> = fs::read_dir(&root)
        .expect("tests/fixtures exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 10,
        "expected the fixture cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for dir in &cases {
        let options = options_for(dir);
        let expects_error = dir.join("expected-error.txt").exists()
            || dir
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("err-"));
        match load(&options) {
            Ok(loaded) => {
                if expects_error {
                    failures.push(format!(
                        "{}: loaded but an error was expected",
                        dir.display()
                    ));
                    continue;
                }
                let json = serde_json::to_string_pretty(&loaded.project).expect("serialise") + "\n";
                check(
                    dir,
                    "expected.json",
                    &placeholder(&json, dir),
                    update,
                    &mut failures,
                );
                let warnings: String = loaded.warnings.iter().map(|w| format!("{w}\n")).collect();
                if !warnings.is_empty() || dir.join("expected-warnings.txt").exists() {
                    check(
                        dir,
                        "expected-warnings.txt",
                        &placeholder(&warnings, dir),
                        update,
                        &mut failures,
                    );
                }
            }
            Err(err) => {
                if !expects_error {
                    failures.push(format!("{}: unexpected error: {err}", dir.display()));
                    continue;
                }
                let message = format!("{err}\n");
                check(
                    dir,
                    "expected-error.txt",
                    &placeholder(&message, dir),
                    update,
                    &mut failures,
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
