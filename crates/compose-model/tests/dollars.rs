//! `$$` in what `config` prints. Interpolation turns `$$` into a literal `$`; `docker compose
//! config` then writes every `$` of its output as `$$` again (2.40.3: `A: $$HOME and $${TAG}`,
//! `command: [echo, $$HOME]`, `x-top: $$top`), so that the printed project, loaded again, means the
//! same. With `--no-interpolate` nothing was unescaped and values are printed as written.

use std::path::Path;

use compose_model::{load, LoadOptions, Project};
use serde_json::{json, Value};

const COMPOSE: &str = r#"
services:
  web:
    image: "nginx:$${TAG}"
    command: ["echo", "$$HOME", "a$$b", "${GREETING}"]
    environment:
      A: "$$HOME and $${TAG}"
      C: "$$$$"
    labels:
      price: "$$5"
    healthcheck:
      test: "echo $$X"
    x-note: "$$bar"
x-top: "$$top"
"#;

fn load_in(dir: &Path, text: &str, interpolate: bool) -> Project {
    std::fs::write(dir.join("compose.yaml"), text).expect("write compose.yaml");
    let options = LoadOptions {
        project_name: Some("dollars".into()),
        environment: [("GREETING".to_string(), "hi $USER".to_string())].into(),
        interpolate,
        working_dir: dir.to_path_buf(),
        ..Default::default()
    };
    load(&options).expect("the project loads").project
}

#[test]
fn each_literal_dollar_is_printed_as_compose_prints_it() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let project = load_in(dir.path(), COMPOSE, true);
    // The model holds the values themselves...
    let web = &project.services["web"];
    assert_eq!(web.environment["A"].as_deref(), Some("$HOME and ${TAG}"));
    // ...and config prints them escaped, as docker compose config does.
    let printed = serde_json::to_value(&project).expect("serialise");
    let web = &printed["services"]["web"];
    assert_eq!(web["image"], "nginx:$${TAG}");
    assert_eq!(
        web["command"],
        json!(["echo", "$$HOME", "a$$b", "hi $$USER"])
    );
    assert_eq!(web["environment"]["A"], "$$HOME and $${TAG}");
    assert_eq!(web["environment"]["C"], "$$$$");
    assert_eq!(web["labels"]["price"], "$$5");
    assert_eq!(web["healthcheck"]["test"], json!(["CMD-SHELL", "echo $$X"]));
    assert_eq!(web["x-note"], "$$bar");
    assert_eq!(printed["x-top"], "$$top");
}

#[test]
fn a_dollar_in_a_key_is_printed_doubled_as_compose_prints_it() {
    // Keys are not interpolated: a `$` in one is kept as written, and config doubles it like
    // every other `$` of its output.
    let dir = tempfile::tempdir().expect("temporary directory");
    let project = load_in(
        dir.path(),
        "services:\n  web:\n    image: nginx\n    labels:\n      cost$: \"5\"\n",
        true,
    );
    assert_eq!(project.services["web"].labels["cost$"], "5");
    let printed = serde_json::to_value(&project).expect("serialise");
    assert_eq!(printed["services"]["web"]["labels"], json!({"cost$$": "5"}));
}

#[test]
fn printed_output_loads_again_to_the_same_project() {
    let first = tempfile::tempdir().expect("temporary directory");
    let project = load_in(first.path(), COMPOSE, true);
    let printed = serde_json::to_string_pretty(&project).expect("serialise");
    let second = tempfile::tempdir().expect("temporary directory");
    // JSON is YAML: the printed project is a compose file.
    let again = load_in(second.path(), &printed, true);
    assert_eq!(again.services, project.services);
    assert_eq!(again.extensions, project.extensions);
}

#[test]
fn without_interpolation_values_are_printed_as_written() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let project = load_in(dir.path(), COMPOSE, false);
    let printed: Value = serde_json::to_value(&project).expect("serialise");
    let web = &printed["services"]["web"];
    assert_eq!(web["environment"]["A"], "$$HOME and $${TAG}");
    assert_eq!(web["command"][3], "${GREETING}");
    assert_eq!(printed["x-top"], "$$top");
}
