//! YAML bombs of several shapes, each refused by `load` with the file, line and path of the alias
//! that crosses the expansion limit, before serde_yaml expands anything (unbounded, these took
//! tens of seconds and gigabytes); and the ordinary uses of anchors and merge keys they resemble,
//! which still load. The shapes are built by functions the no-panic fuzz test reuses.

use std::fs;

use compose_model::{load, LoadOptions};

const SERVICE: &str = "services:\n  web:\n    image: nginx\n";

/// Levels of anchors, each naming the one below ten times: 10^levels copies of the first. `pad`
/// scalars make the file large enough that serde_yaml's own limit on aliases (100 per event of
/// the file) lets the expansion run for minutes.
pub fn laughs(levels: usize, pad: usize) -> String {
    let mut s = String::from("x-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..levels {
        s.push_str(&format!(
            "x-l{i}: &l{i} [{}]\n",
            refs(&format!("l{}", i - 1), 10)
        ));
    }
    if pad > 0 {
        s.push_str(&format!("x-pad: [{}]\n", vec!["p"; pad].join(",")));
    }
    s + SERVICE
}

/// The same growth through `<<` merge keys: each level merges the one below ten times (the
/// copies exist before merging collapses them) and keeps one more under a key.
pub fn merge_laughs(levels: usize) -> String {
    let mut s = String::from("x-m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}\n");
    for i in 1..levels {
        let below = format!("m{}", i - 1);
        s.push_str(&format!(
            "x-m{i}: &m{i}\n  <<: [{}]\n  k{i}: *{below}\n",
            refs(&below, 10)
        ));
    }
    s + SERVICE
}

/// Anchors defined inside the anchors that use them: `&n3 [&n2 [&n1 [...], *n1...], *n2...]`.
pub fn nested_anchors(levels: usize) -> String {
    let mut s = String::from("[lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]");
    for i in 0..levels {
        s = format!("[&n{i} {s}, {}]", refs(&format!("n{i}"), 9));
    }
    format!("x-n: {s}\n{SERVICE}")
}

/// One anchor of `width` scalars named `uses` times: no nesting, width x uses values.
pub fn wide(width: usize, uses: usize) -> String {
    format!(
        "x-w: &w [{}]\nx-u: [{}]\n{SERVICE}",
        vec!["a"; width].join(","),
        refs("w", uses)
    )
}

/// Services that each merge one large mapping of defaults: `<<: *defaults` is a full copy.
pub fn merged_defaults(keys: usize, services: usize) -> String {
    let labels: Vec<String> = (0..keys).map(|i| format!("l{i}: v")).collect();
    let mut s = format!(
        "x-defaults: &defaults\n  image: nginx\n  labels: {{{}}}\nservices:\n",
        labels.join(", ")
    );
    for i in 0..services {
        s.push_str(&format!("  s{i}:\n    <<: *defaults\n"));
    }
    s
}

/// One long string named many times.
pub fn long_string(len: usize, uses: usize) -> String {
    format!(
        "x-s: &s {}\nx-u: [{}]\n{SERVICE}",
        "a".repeat(len),
        refs("s", uses)
    )
}

fn refs(anchor: &str, n: usize) -> String {
    vec![format!("*{anchor}"); n].join(", ")
}

fn load_files(files: &[(&str, &str)]) -> Result<usize, String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let options = LoadOptions {
        working_dir: dir.path().to_path_buf(),
        interpolate: true,
        project_name: Some("bombs".into()),
        ..Default::default()
    };
    let shown = |e: compose_model::Error| {
        let prefix = format!("{}{}", dir.path().display(), std::path::MAIN_SEPARATOR);
        e.to_string().replace(&prefix, "")
    };
    load(&options)
        .map(|loaded| loaded.project.services.len())
        .map_err(shown)
}

fn refused(text: &str) -> String {
    load_files(&[("compose.yaml", text)]).unwrap_err()
}

const PAST: &str = "invalid YAML: the document expands past 200000 values";

#[test]
fn a_billion_laughs_in_sequences() {
    // 180 KB: serde_yaml alone allows it 9 million alias copies (minutes, gigabytes).
    let err = refused(&laughs(9, 90_000));
    assert!(
        err.starts_with(&format!("compose.yaml:6: x-l5[0]: {PAST} at the alias *l4")),
        "{err}"
    );
    assert!(err.contains("`<<` merge keys included"), "{err}");
}

#[test]
fn a_billion_laughs_through_merge_keys() {
    let err = refused(&merge_laughs(9));
    assert!(
        err.starts_with(&format!(
            "compose.yaml:12: x-m4.<<[6]: {PAST} at the alias *m3"
        )),
        "{err}"
    );
}

#[test]
fn anchors_nested_in_the_anchors_that_use_them() {
    let err = refused(&nested_anchors(8));
    assert!(
        err.starts_with(&format!(
            "compose.yaml:1: x-n[0][0][0][1]: {PAST} at the alias *n4"
        )),
        "{err}"
    );
}

#[test]
fn one_wide_anchor_used_many_times() {
    // 100 KB of YAML, 400 million values: no nesting, so serde_yaml's own limit never triggers.
    let err = refused(&wide(20_000, 20_000));
    assert!(
        err.starts_with(&format!("compose.yaml:2: x-u[8]: {PAST} at the alias *w")),
        "{err}"
    );
}

#[test]
fn services_that_merge_a_huge_mapping_of_defaults() {
    let err = refused(&merged_defaults(5_000, 1_000));
    assert!(
        err.starts_with(&format!(
            "compose.yaml:{}: services.s18.<<: {PAST} at the alias *defaults",
            4 + 2 * 18 + 2
        )),
        "{err}"
    );
}

#[test]
fn a_long_string_named_many_times() {
    let err = refused(&long_string(500_000, 100));
    assert!(
        err.starts_with(
            "compose.yaml:2: x-u[7]: invalid YAML: the document expands past 4 MiB of text at the alias *s"
        ),
        "{err}"
    );
}

#[test]
fn nesting_through_an_alias_stops_where_the_parser_would() {
    let text = format!(
        "x-deep: &deep {}{}\nx-use: {}*deep{}\n{SERVICE}",
        "[".repeat(100),
        "]".repeat(100),
        "[".repeat(30),
        "]".repeat(30)
    );
    let err = refused(&text);
    assert_eq!(
        err,
        format!(
            "compose.yaml:2: x-use{}: invalid YAML: collections nested more than 128 levels deep at the alias *deep",
            "[0]".repeat(30)
        )
    );
}

#[test]
fn the_file_that_holds_the_bomb_is_named() {
    let err = load_files(&[
        ("compose.yaml", SERVICE),
        ("compose.override.yaml", &wide(2_000, 1_000)),
    ])
    .unwrap_err();
    assert!(
        err.starts_with("compose.override.yaml:2: x-u[98]: "),
        "{err}"
    );
    let err = load_files(&[
        (
            "compose.yaml",
            "services:\n  web:\n    extends: {file: base.yaml, service: web}\n",
        ),
        ("base.yaml", &wide(2_000, 1_000)),
    ])
    .unwrap_err();
    assert!(err.starts_with("base.yaml:2: x-u[98]: "), "{err}");
}

#[test]
fn a_line_of_brackets_is_refused_before_any_parser_reads_it() {
    // Both YAML parsers read a flow collection ahead and spend time proportional to its nesting on
    // each token: unbounded, a line of a million `[` ran for more than ten minutes. The quote
    // inside a plain scalar starts no string, so the brackets after it count.
    let text = format!("{SERVICE}x: [a 'b{}\n", "[".repeat(500_000));
    let started = std::time::Instant::now();
    assert_eq!(
        refused(&text),
        "compose.yaml:4: invalid YAML: `[`/`{` collections nested more than 128 levels deep"
    );
    assert!(
        started.elapsed().as_secs_f64() < 2.0,
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn files_over_1_mib_are_refused_unread() {
    let big = format!("{SERVICE}x-pad: \"{}\"\n", "a".repeat(1 << 20));
    assert_eq!(
        refused(&big),
        "compose.yaml: the file is larger than 1 MiB, the limit for a compose file"
    );
}

#[test]
fn ordinary_anchors_and_merge_keys_still_load() {
    // 200 services merging 50 labels each, 1,000 copies of the first level of laughs, 100,000
    // values copied from one anchor: all below the limits.
    assert_eq!(
        load_files(&[("compose.yaml", &merged_defaults(50, 200))]),
        Ok(200)
    );
    assert_eq!(load_files(&[("compose.yaml", &laughs(3, 0))]), Ok(1));
    assert_eq!(load_files(&[("compose.yaml", &nested_anchors(3))]), Ok(1));
    assert_eq!(load_files(&[("compose.yaml", &wide(100, 1_000))]), Ok(1));
}

/// `n` short port strings, each a range of `len` ports.
pub fn port_ranges(n: usize, len: usize) -> String {
    let ranges: Vec<String> = (0..n)
        .map(|i| {
            let protocol = if i % 2 == 0 { "tcp" } else { "udp" };
            format!("\"1-{len}:1-{len}/{protocol}\"")
        })
        .collect();
    format!("{SERVICE}    ports: [{}]\n", ranges.join(", "))
}

/// A service with a range of `len` ports, extended by `services` others.
pub fn extended_range(len: usize, services: usize) -> String {
    let mut s = format!("services:\n  base:\n    image: nginx\n    ports: [\"1-{len}:1-{len}\"]\n");
    for i in 0..services {
        s.push_str(&format!("  s{i}:\n    extends: base\n"));
    }
    s
}

/// Services extending one another, `links` times.
pub fn extends_chain(links: usize) -> String {
    let mut s = String::from("services:\n  s0:\n    image: nginx\n");
    for i in 1..=links {
        s.push_str(&format!("  s{i}:\n    extends: s{}\n", i - 1));
    }
    s
}

#[test]
fn port_ranges_past_every_port_number_are_refused_unexpanded() {
    // Two ranges of 40,000 ports: 80,000 entries. Unbounded, ten full ranges took 21 s and 2 GB.
    assert_eq!(
        refused(&port_ranges(2, 40_000)),
        "compose.yaml:4: services.web.ports[1]: the file's port ranges expand to more than 65536 ports, one per port number"
    );
    assert_eq!(load_files(&[("compose.yaml", &port_ranges(2, 100))]), Ok(1));
}

#[test]
fn port_ranges_are_bounded_in_the_project_and_through_extends() {
    // Each file is within the bound, the project is not.
    let with_range = |service: &str| {
        format!("services:\n  {service}:\n    image: nginx\n    ports: [\"1-33000:1-33000\"]\n")
    };
    let err = load_files(&[
        ("compose.yaml", &with_range("web")),
        ("compose.override.yaml", &with_range("api")),
    ])
    .unwrap_err();
    assert!(
        err.contains("the project's port ranges expand to more than 65536 ports"),
        "{err}"
    );
    // Services extending one with a range are each a full copy of it: refused at the copies.
    let err = refused(&extended_range(20_000, 1_000));
    assert!(
        err.starts_with("compose.yaml:")
            && err.contains(".extends: the services that extend others expand past 200000 values"),
        "{err}"
    );
}

#[test]
fn a_project_may_publish_every_port_number_once() {
    // 33,000 + 32,536 = 65,536 ports: the bound itself, across two files.
    let with_range = |service: &str, last: u32| {
        format!("services:\n  {service}:\n    image: nginx\n    ports: [\"1-{last}:1-{last}\"]\n")
    };
    assert_eq!(
        load_files(&[
            ("compose.yaml", &with_range("web", 33_000)),
            ("compose.override.yaml", &with_range("api", 32_536)),
        ]),
        Ok(2)
    );
}

#[test]
fn extends_chains_are_bounded() {
    assert_eq!(load_files(&[("compose.yaml", &extends_chain(63))]), Ok(64));
    // Unbounded, a chain of 3,000 overflowed the stack.
    let err = refused(&extends_chain(3_000));
    assert_eq!(
        err,
        "compose.yaml:5: services.s1.extends: the extends chain from service \"s65\" is longer than 64 services"
    );
}
