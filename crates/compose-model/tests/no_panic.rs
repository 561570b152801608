//! The loader returns Ok or Err on any input, never panics, and answers each input within
//! [`BOUND`]: arbitrary YAML-ish text, structurally plausible compose documents built from random
//! parts (short/long syntaxes, wrong types, variables, tags), and hostile documents of random
//! sizes (alias and merge-key bombs, port ranges, extends copies and chains, deep nesting). Case
//! counts are bounded so this runs in a few seconds.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use compose_model::{load, LoadOptions};
use proptest::prelude::*;

fn load_text(dir: &Path, text: &str) -> Result<(), String> {
    fs::write(dir.join("compose.yaml"), text).map_err(|e| e.to_string())?;
    let options = LoadOptions {
        files: vec![dir.join("compose.yaml")],
        environment: [
            ("HOME".to_string(), "/home/u".to_string()),
            ("SET".to_string(), "1".to_string()),
        ]
        .into_iter()
        .collect::<BTreeMap<_, _>>(),
        interpolate: true,
        working_dir: dir.to_path_buf(),
        project_name: Some("fuzz".into()),
        ..Default::default()
    };
    // Either outcome is fine; only a panic (which fails the test) or a slow answer is not.
    let started = cpu_time();
    let _ = load(&options);
    let took = cpu_time().saturating_sub(started);
    if took > BOUND {
        return Err(format!("took {took:?}"));
    }
    Ok(())
}

/// The CPU time of this thread where Linux reports it (so that other tests and builds on the
/// machine do not count), else the time since the first call.
fn cpu_time() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_else(|| START.get_or_init(Instant::now).elapsed())
}

/// The most CPU time the loader may spend on one input, in a debug build (a release build is five
/// to ten times faster). The largest inputs within the limits, such as a range of 65,535 ports,
/// take about 1.5 s; unbounded, the hostile shapes took from 20 s to hours.
const BOUND: Duration = Duration::from_secs(3);

/// Hostile documents: the shapes of `bombs`, with random sizes on both sides of the limits.
fn hostile() -> impl Strategy<Value = String> {
    use crate::bombs;
    prop_oneof![
        (1..12usize, 0..2_000usize).prop_map(|(levels, pad)| bombs::laughs(levels, pad)),
        (1..12usize).prop_map(bombs::merge_laughs),
        (0..10usize).prop_map(bombs::nested_anchors),
        (1..30_000usize, 1..30_000usize).prop_map(|(width, uses)| bombs::wide(width, uses)),
        (1..5_000usize, 1..1_000usize).prop_map(|(keys, n)| bombs::merged_defaults(keys, n)),
        (1..400_000usize, 1..200usize).prop_map(|(len, uses)| bombs::long_string(len, uses)),
        (1..12usize, 1..65_535usize).prop_map(|(n, len)| bombs::port_ranges(n, len)),
        (1..30_000usize, 0..500usize).prop_map(|(len, n)| bombs::extended_range(len, n)),
        (0..3_000usize).prop_map(bombs::extends_chain),
        (0..300_000usize, "(\\[|\\{|a |'|\"|#| |,|\n|x: ){0,6}").prop_map(|(depth, prefix)| {
            format!(
                "services:\n  web:\n    image: nginx\nx: {prefix}{}\n",
                "[".repeat(depth)
            )
        }),
    ]
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("80".to_string()),
        Just("\"8080:80\"".to_string()),
        Just("\"127.0.0.1:8000-8001:80-81/udp\"".to_string()),
        Just("\"[::1]:80:80\"".to_string()),
        Just("\"${SET:-x}\"".to_string()),
        Just("\"${UNSET:?boom}\"".to_string()),
        Just("\"${\"".to_string()),
        Just("\"data:/x:ro\"".to_string()),
        Just("\"./a:/b\"".to_string()),
        Just("~".to_string()),
        Just("true".to_string()),
        Just("-1".to_string()),
        Just("1.5".to_string()),
        Just("\"1m30s\"".to_string()),
        Just("\"512m\"".to_string()),
        Just("!reset []".to_string()),
        Just("!override {}".to_string()),
        "[a-z0-9:/.$-]{0,12}".prop_map(|s| format!("{s:?}")),
    ]
}

fn value() -> impl Strategy<Value = String> {
    let leaf = scalar();
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            prop::collection::vec((key(), inner), 0..4).prop_map(|pairs| {
                let body: Vec<String> = pairs
                    .into_iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect();
                format!("{{{}}}", body.join(", "))
            }),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("target".to_string()),
        Just("published".to_string()),
        Just("source".to_string()),
        Just("type".to_string()),
        Just("condition".to_string()),
        Just("required".to_string()),
        Just("soft".to_string()),
        Just("hard".to_string()),
        Just("limits".to_string()),
        Just("cpus".to_string()),
        Just("memory".to_string()),
        Just("test".to_string()),
        Just("x-aws-protocol".to_string()),
        "[a-z_]{1,8}",
    ]
}

fn service_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("image"),
        Just("build"),
        Just("command"),
        Just("entrypoint"),
        Just("environment"),
        Just("env_file"),
        Just("ports"),
        Just("volumes"),
        Just("secrets"),
        Just("configs"),
        Just("networks"),
        Just("depends_on"),
        Just("healthcheck"),
        Just("deploy"),
        Just("logging"),
        Just("ulimits"),
        Just("labels"),
        Just("profiles"),
        Just("extends"),
        Just("devices"),
        Just("stop_grace_period"),
        Just("tmpfs"),
        Just("x-aws-role"),
        Just("imgae"),
    ]
    .prop_map(String::from)
}

fn document() -> impl Strategy<Value = String> {
    let service = prop::collection::vec((service_key(), value()), 0..6);
    let services = prop::collection::vec(("[ab]", service), 0..3);
    let top = prop::collection::vec(
        (
            prop_oneof![
                Just("networks"),
                Just("volumes"),
                Just("secrets"),
                Just("configs"),
                Just("x-top"),
                Just("include"),
                Just("name")
            ],
            value(),
        ),
        0..3,
    );
    (services, top).prop_map(|(services, top)| {
        let mut doc = String::from("services:\n");
        for (name, attrs) in services {
            doc.push_str(&format!("  {name}:\n"));
            for (k, v) in attrs {
                doc.push_str(&format!("    {k}: {v}\n"));
            }
        }
        for (k, v) in top {
            doc.push_str(&format!("{k}: {v}\n"));
        }
        doc
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "[ -~\n\t]{0,200}") {
        let dir = tempfile::tempdir().unwrap();
        let outcome = load_text(dir.path(), &text);
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }

    #[test]
    fn yaml_like_text_never_panics(text in "(services:|  web:|    image: x|    ports: |- |\\[|\\]|\\{|\\}|: |&a |\\*a |<<: |!reset |\\$\\{A:-|\\}|\n|  |[a-z0-9\"']){0,60}") {
        let dir = tempfile::tempdir().unwrap();
        let outcome = load_text(dir.path(), &text);
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }

    #[test]
    fn random_compose_documents_never_panic(doc in document()) {
        let dir = tempfile::tempdir().unwrap();
        let outcome = load_text(dir.path(), &doc);
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hostile_documents_are_answered_in_bounded_time(doc in hostile()) {
        let dir = tempfile::tempdir().unwrap();
        let outcome = load_text(dir.path(), &doc);
        prop_assert!(outcome.is_ok(), "{}: {} bytes", outcome.unwrap_err(), doc.len());
    }
}
