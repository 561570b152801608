//! The YAML `convert` prints says exactly what the JSON says, whatever the strings in the compose file:
//! environment values, labels, commands and healthchecks with quotes, colons, `#`, newlines, tabs,
//! leading or trailing spaces, unicode, or words YAML 1.1 would retype.

use compose_model::{Healthcheck, Project, Service, ServiceNetwork};
use proptest::prelude::*;

use crate::common;

/// Strings that stress a YAML emitter, plus arbitrary unicode.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            " ",
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "~",
            "null",
            "true",
            "1:30",
            "1_000",
            "0x1F",
            "0o17",
            "1e3",
            ".inf",
            "-.5",
            "2012-10-17",
            "- item",
            "key: value",
            "# comment",
            "a #b",
            "&anchor",
            "*alias",
            "!tag",
            "%directive",
            "@at",
            "`tick",
            "|",
            ">",
            "'single'",
            "\"double\"",
            "back\\slash",
            "tab\there",
            "line\nbreak",
            "trailing\n",
            " leading",
            "trailing ",
            "{a: 1}",
            "[1, 2]",
            "?",
            ":",
            "---",
            "...",
            "=",
            "<<",
            "é ü ß",
            "日本語",
            "emoji 🚀",
            "\u{85}next-line",
            "\u{feff}bom",
        ])
        .prop_map(str::to_string),
        any::<String>(),
        "[ -~]{0,20}",
    ]
}

fn project(
    environment: Vec<(String, String)>,
    labels: Vec<(String, String)>,
    command: Vec<String>,
    test: String,
) -> Project {
    let mut service = Service {
        name: "app".into(),
        image: Some("public.ecr.aws/docker/library/busybox:1.36".into()),
        command: Some(command),
        healthcheck: Some(Healthcheck {
            test: vec!["CMD-SHELL".into(), test],
            ..Default::default()
        }),
        ..Default::default()
    };
    for (i, (_, value)) in environment.into_iter().enumerate() {
        service.environment.insert(format!("VAR_{i}"), Some(value));
    }
    for (key, value) in labels {
        if !key.is_empty() {
            service.labels.insert(key, value);
        }
    }
    service
        .networks
        .insert("default".into(), ServiceNetwork::default());
    let mut project = Project {
        name: "yaml".into(),
        ..Default::default()
    };
    project.services.insert("app".into(), service);
    project
        .networks
        .insert("default".into(), Default::default());
    project
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: common::regressions_next_to_the_test(),
        ..ProptestConfig::default()
    })]

    #[test]
    fn yaml_output_parses_back_to_the_json_template(
        environment in prop::collection::vec((Just(String::new()), tricky_string()), 0..6),
        labels in prop::collection::vec((tricky_string(), tricky_string()), 0..4),
        command in prop::collection::vec(tricky_string(), 0..4),
        test in tricky_string(),
    ) {
        let project = project(environment, labels, command, test);
        // Some strings are rightly refused (e.g. a label key ECS does not accept): that is fine here.
        if let Ok(built) = template_builder::build(&project) {
            let yaml = template_builder::to_yaml(&built.template);
            let parsed: Result<serde_json::Value, _> = serde_yaml::from_str(&yaml);
            prop_assert!(parsed.is_ok(), "the YAML output does not parse: {:?}\n{yaml}", parsed.err());
            if let Ok(parsed) = parsed {
                let difference = first_difference(&parsed, &built.template, String::new());
                prop_assert!(
                    difference.is_none(),
                    "the YAML output reads back differently: {}",
                    difference.unwrap_or_default()
                );
            }
        }
    }
}

/// The path of the first place where two JSON values differ, with both sides.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let here = format!("{at}.{key}");
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = first_difference(p, q, here) {
                            return Some(d);
                        }
                    }
                    _ => return Some(format!("{here}: present on one side only")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{at}: YAML gives {a}, JSON has {b}")),
    }
}
