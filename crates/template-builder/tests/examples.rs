//! Every app under examples/ loads, builds, and produces the reviewed template (insta snapshots under
//! tests/snapshots/), the same bytes every time, with no secret content in it.
//!
//! Re-record after an intended change with `INSTA_UPDATE=always cargo test -p template-builder --test
//! integration examples::`, then review the diff of tests/snapshots/ against docs/MAPPING.md before committing.

use crate::common;

use std::path::Path;

use template_builder::{to_json, to_yaml};

fn check_example(name: &str) {
    let dir = common::workspace_root().join("examples").join(name);
    let (yaml, plan) = common::snapshot_outputs(&format!("examples/{name}"), &dir);
    // Named examples__<name>.snap, as when this file was a test binary of its own: in the one
    // integration binary the module path would put `integration__` in front.
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("examples__{name}"), yaml);
        insta::assert_snapshot!(format!("examples__{name}.plan"), plan);
    });
}

macro_rules! examples {
    ($($test:ident => $dir:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_example($dir);
            }
        )*

        /// A new example directory must get a test above (and a snapshot).
        #[test]
        fn every_example_has_a_snapshot_test() {
            let tested: Vec<&str> = vec![$($dir),*];
            let found: Vec<String> = common::examples().into_iter().map(|(name, _)| name).collect();
            assert_eq!(found, tested, "examples/ and the list in tests/examples.rs differ");
        }
    };
}

examples! {
    app_settings => "app-settings",
    aws_extensions => "aws-extensions",
    build_web => "build-web",
    container_options => "container-options",
    custom_domain => "custom-domain",
    existing_infra => "existing-infra",
    gpu_inference => "gpu-inference",
    jobs => "jobs",
    multi_network => "multi-network",
    secure_web => "secure-web",
    static_site => "static-site",
    tcp_nlb => "tcp-nlb",
    web_redis => "web-redis",
    wordpress_mysql => "wordpress-mysql",
}

/// The examples are realistic enough to exercise the main mappings; a change that makes one of them
/// lose its point (e.g. tcp-nlb getting an ALB) shows here, not only in a long snapshot diff.
#[test]
fn examples_cover_the_features_they_are_named_after() {
    let expectations: [(&str, &[&str]); 6] = [
        (
            "web-redis",
            &[
                "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "AWS::ServiceDiscovery::Service",
            ],
        ),
        (
            "wordpress-mysql",
            &[
                "AWS::SecretsManager::Secret",
                "AWS::EFS::FileSystem",
                "AWS::EFS::AccessPoint",
            ],
        ),
        ("tcp-nlb", &["AWS::ElasticLoadBalancingV2::Listener"]),
        (
            "gpu-inference",
            &[
                "AWS::ECS::CapacityProvider",
                "AWS::AutoScaling::AutoScalingGroup",
                "AWS::EC2::LaunchTemplate",
            ],
        ),
        (
            "aws-extensions",
            &[
                "AWS::ApplicationAutoScaling::ScalableTarget",
                "AWS::ApplicationAutoScaling::ScalingPolicy",
                "AWS::SQS::Queue",
            ],
        ),
        ("multi-network", &["AWS::EC2::SecurityGroup"]),
    ];
    for (name, types) in expectations {
        let dir = common::workspace_root().join("examples").join(name);
        let (_, built) = common::convert(&dir).unwrap_or_else(|e| panic!("examples/{name}: {e}"));
        let present = resource_types(&built.template);
        for wanted in types {
            assert!(
                present.contains(&wanted.to_string()),
                "examples/{name}: no {wanted} resource"
            );
        }
    }

    let lb_type = |name: &str| {
        let dir = common::workspace_root().join("examples").join(name);
        let (_, built) = common::convert(&dir).unwrap_or_else(|e| panic!("examples/{name}: {e}"));
        resources(&built.template)
            .filter(|(_, r)| r["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer")
            .map(|(_, r)| {
                r["Properties"]["Type"]
                    .as_str()
                    .unwrap_or("application")
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        lb_type("tcp-nlb"),
        ["network"],
        "an MQTT broker needs a Network Load Balancer"
    );
    assert_eq!(
        lb_type("web-redis"),
        ["application"],
        "HTTP on port 80 gets an Application Load Balancer"
    );

    let dir = common::workspace_root().join("examples/multi-network");
    let (_, built) =
        common::convert(&dir).unwrap_or_else(|e| panic!("examples/multi-network: {e}"));
    let network_groups = resources(&built.template)
        .filter(|(id, r)| r["Type"] == "AWS::EC2::SecurityGroup" && id.ends_with("Network"))
        .count();
    assert_eq!(
        network_groups, 2,
        "frontend and backend each get a security group"
    );
}

fn resources(template: &serde_json::Value) -> impl Iterator<Item = (&String, &serde_json::Value)> {
    template["Resources"].as_object().into_iter().flatten()
}

fn resource_types(template: &serde_json::Value) -> Vec<String> {
    resources(template)
        .filter_map(|(_, r)| r["Type"].as_str().map(str::to_string))
        .collect()
}

/// Profiles: the `debug` service of app-settings is left out unless its profile is active.
#[test]
fn inactive_profiles_are_not_deployed() {
    let dir = common::workspace_root().join("examples/app-settings");
    let (_, built) = common::convert(&dir).unwrap_or_else(|e| panic!("examples/app-settings: {e}"));
    let ids: Vec<&String> = resources(&built.template).map(|(id, _)| id).collect();
    assert!(ids.iter().any(|id| id.starts_with("Storefront")), "{ids:?}");
    assert!(
        !ids.iter().any(|id| id.starts_with("DebugShell")),
        "{ids:?}"
    );

    let options = compose_model::LoadOptions {
        interpolate: true,
        working_dir: dir.clone(),
        profiles: vec!["debug".into()],
        ..Default::default()
    };
    let project = compose_model::load(&options)
        .unwrap_or_else(|e| panic!("examples/app-settings with --profile debug: {e}"))
        .project;
    let built = template_builder::build(&project)
        .unwrap_or_else(|e| panic!("examples/app-settings with --profile debug: {e}"));
    assert!(resources(&built.template).any(|(id, _)| id == "DebugShellService"));
}

/// Secrets of every example are checked above; this guards the check itself against a fixture change
/// that would make it vacuous.
#[test]
fn the_secret_check_has_something_to_check() {
    let dir = common::workspace_root().join("examples/wordpress-mysql");
    let project = common::load(&dir).unwrap_or_else(|e| panic!("examples/wordpress-mysql: {e}"));
    assert_eq!(common::secret_contents(&project).len(), 1);
    assert!(Path::new(&dir.join("db_password.txt")).is_file());
}

/// MAPPING.md's promises (circuit breaker, awslogs with the project prefix, encrypted retained EFS,
/// secrets only through NoEcho parameters, only the load balancer open to the internet, the project
/// tag everywhere) hold for every example and feature project.
#[test]
fn every_template_keeps_the_mapping_invariants() {
    let mut found = Vec::new();
    for (kind, projects) in [
        ("examples", common::examples()),
        ("projects", common::test_projects()),
    ] {
        for (name, dir) in projects {
            let Ok((project, built)) = common::convert(&dir) else {
                continue; // reported by the example tests and cfn_lint.rs
            };
            for violation in common::invariants::mapping_violations(&project, &built.template) {
                found.push(format!("{kind}/{name}: {violation}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// CloudFormation reads YAML 1.1, where an unquoted `yes`, `no`, `on`, `off`, `y`, `n` is a boolean,
/// `1:30` a base-60 number and `1_000` an integer. A string with such a value must be quoted in the
/// YAML `convert` prints, or the deployed stack gets `true` / `90` instead of what the compose file said.
#[test]
fn yaml_output_keeps_strings_strings_for_yaml_1_1_readers() {
    let mut found = Vec::new();
    for (kind, projects) in [
        ("examples", common::examples()),
        ("projects", common::test_projects()),
    ] {
        for (name, dir) in projects {
            let Ok((_, built)) = common::convert(&dir) else {
                continue; // reported by the tests of each example and by cfn_lint.rs
            };
            let yaml = to_yaml(&built.template);
            for (number, line) in yaml.lines().enumerate() {
                for scalar in plain_scalars(line) {
                    if yaml_1_1_reads_as_non_string(scalar) {
                        found.push(format!(
                            "{kind}/{name}: line {}: {}",
                            number + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "unquoted scalars a YAML 1.1 reader takes for booleans or numbers:\n{}",
        found.join("\n")
    );
}

/// The unquoted key and value of a block-style YAML line (`- key: value`, `key: value`, `- value`).
fn plain_scalars(line: &str) -> Vec<&str> {
    let mut rest = line.trim_start();
    while let Some(item) = rest.strip_prefix("- ") {
        rest = item.trim_start();
    }
    if rest == "-" {
        return Vec::new();
    }
    let mut out = Vec::new();
    let (key, value) = match rest.split_once(": ") {
        Some((key, value)) => (Some(key), Some(value)),
        None => match rest.strip_suffix(':') {
            Some(key) => (Some(key), None),
            None => (None, Some(rest)),
        },
    };
    for scalar in [key, value].into_iter().flatten() {
        let scalar = scalar.trim();
        let quoted = scalar.starts_with('\'') || scalar.starts_with('"');
        let block = scalar.starts_with('|') || scalar.starts_with('>');
        if !scalar.is_empty() && !quoted && !block {
            out.push(scalar);
        }
    }
    out
}

/// YAML 1.1 implicit types that YAML 1.2 (and so serde_yaml) treats as plain strings.
fn yaml_1_1_reads_as_non_string(scalar: &str) -> bool {
    const BOOLEANS: [&str; 18] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF", "~", "Null",
    ];
    if BOOLEANS.contains(&scalar) {
        return true;
    }
    let unsigned = scalar.trim_start_matches(['-', '+']);
    // Base 60 (`1:30`, `190:20:30`): digits, then groups of one or two digits below 60.
    let mut parts = unsigned.split(':');
    let head = parts.next().unwrap_or_default();
    let groups: Vec<&str> = parts.collect();
    let sexagesimal = !groups.is_empty()
        && !head.is_empty()
        && head.chars().all(|c| c.is_ascii_digit() || c == '_')
        && !head.starts_with('0')
        && groups.iter().all(|g| {
            let g = g.split('.').next().unwrap_or_default();
            (1..=2).contains(&g.len())
                && g.chars().all(|c| c.is_ascii_digit())
                && g.parse::<u32>().is_ok_and(|n| n < 60)
        });
    // Underscored integers (`1_000`).
    let underscored = unsigned.contains('_')
        && unsigned.chars().all(|c| c.is_ascii_digit() || c == '_')
        && unsigned.starts_with(|c: char| c.is_ascii_digit());
    sexagesimal || underscored
}

#[test]
fn the_yaml_1_1_check_recognises_lookalikes() {
    for risky in [
        "yes",
        "No",
        "on",
        "OFF",
        "y",
        "1:30",
        "190:20:30",
        "1_000",
        "-1:30",
    ] {
        assert!(yaml_1_1_reads_as_non_string(risky), "{risky}");
    }
    for fine in [
        "yesterday",
        "1000:1000",
        "a:b",
        "10:60",
        "web",
        "0:30",
        "arn:aws:s3:::x",
        "2012-10-17",
    ] {
        assert!(!yaml_1_1_reads_as_non_string(fine), "{fine}");
    }
    assert_eq!(plain_scalars("      - Name: VERBOSE"), ["Name", "VERBOSE"]);
    assert_eq!(plain_scalars("        Value: yes"), ["Value", "yes"]);
    assert_eq!(plain_scalars("        Value: 'yes'"), ["Value"]);
    assert_eq!(plain_scalars("  on:"), ["on"]);
    assert_eq!(plain_scalars("    - off"), ["off"]);
}

/// The same secret-content check as for the examples, on the feature projects under tests/projects/
/// (file secrets next to punctuated names, several targets of one secret, ...).
#[test]
fn no_template_of_a_test_project_carries_secret_content() {
    let mut checked = 0;
    for (name, dir) in common::test_projects() {
        let Ok((project, built)) = common::convert(&dir) else {
            continue; // cfn_lint.rs reports projects that do not build
        };
        let yaml = to_yaml(&built.template);
        let json = to_json(&built.template);
        for (secret, content) in common::secret_contents(&project) {
            checked += 1;
            assert!(
                !yaml.contains(&content) && !json.contains(&content),
                "projects/{name}: the content of secret {secret:?} appears in the template"
            );
        }
    }
    assert!(
        checked >= 2,
        "expected file secrets in tests/projects, found {checked}"
    );
}

/// EC2 refuses a security group rule that already exists, so two identical rules make `up` fail even
/// though the template is valid (e.g. two published ports forwarding to the same container port).
#[test]
fn no_security_group_rule_is_declared_twice() {
    let mut found = Vec::new();
    for (kind, projects) in [
        ("examples", common::examples()),
        ("projects", common::test_projects()),
    ] {
        for (name, dir) in projects {
            let Ok((_, built)) = common::convert(&dir) else {
                continue; // reported by the example tests and cfn_lint.rs
            };
            for duplicate in common::invariants::duplicate_ingress_rules(&built.template) {
                found.push(format!("{kind}/{name}: {duplicate}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "duplicate security group rules:\n{}",
        found.join("\n")
    );
}

/// Each unsupported attribute is reported once (MAPPING.md: "Warnings go to stderr once each"), and the
/// feature project made of ignored attributes does report them.
#[test]
fn warnings_are_reported_once_each() {
    let mut repeated = Vec::new();
    for (kind, projects) in [
        ("examples", common::examples()),
        ("projects", common::test_projects()),
    ] {
        for (name, dir) in projects {
            let Ok((_, built)) = common::convert(&dir) else {
                continue;
            };
            let mut seen = std::collections::BTreeSet::new();
            for warning in &built.warnings {
                if !seen.insert(warning.to_string()) {
                    repeated.push(format!("{kind}/{name}: {warning}"));
                }
            }
        }
    }
    assert!(
        repeated.is_empty(),
        "warnings repeated:\n{}",
        repeated.join("\n")
    );

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects/ignored-attributes");
    let (_, built) = common::convert(&dir).unwrap_or_else(|e| panic!("ignored-attributes: {e}"));
    let attributes: Vec<&str> = built
        .warnings
        .iter()
        .map(|w| w.attribute.as_str())
        .collect();
    for expected in [
        "container_name",
        "hostname",
        "dns",
        "extra_hosts",
        "deploy.restart_policy",
    ] {
        assert!(
            attributes.iter().any(|a| a.starts_with(expected)),
            "no warning about {expected}: {attributes:?}"
        );
    }
    assert!(built
        .warnings
        .iter()
        .all(|w| w.service.as_deref() == Some("legacy")));
}
