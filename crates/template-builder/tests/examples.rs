//! Every app under examples/ loads, builds, and produces the reviewed template (insta snapshots under
//! tests/snapshots/), the same bytes every time, with no secret content in it.
//!
//! Re-record after an intended change with `INSTA_UPDATE=always cargo test -p template-builder --test
//! examples`, then review the diff of tests/snapshots/ against docs/MAPPING.md before committing.

mod common;

use std::path::Path;

use template_builder::{to_json, to_yaml, Built};

/// What `convert` prints besides the template: warnings, the parameters `up` fills and what it checks
/// first. Paths are shown relative to the workspace so the snapshot is the same on every machine.
fn plan(built: &Built) -> String {
    let root = common::workspace_root();
    let mut out = String::new();
    out.push_str("warnings:\n");
    for warning in &built.warnings {
        out.push_str(&format!("  - {warning}\n"));
    }
    out.push_str("parameters:\n");
    for parameter in &built.parameters {
        out.push_str(&format!("  - {}: {:?}\n", parameter.name, parameter.source));
    }
    out.push_str("preconditions:\n");
    for precondition in &built.preconditions {
        out.push_str(&format!("  - {precondition:?}\n"));
    }
    out.replace(&format!("{}/", root.display()), "<workspace>/")
}

fn check_example(name: &str) {
    let dir = common::workspace_root().join("examples").join(name);
    let (project, built) = match common::convert(&dir) {
        Ok(converted) => converted,
        Err(e) => panic!("examples/{name}: {e}"),
    };
    let yaml = to_yaml(&built.template);

    // Determinism: loading and building again gives the same bytes.
    let (_, again) = common::convert(&dir).unwrap_or_else(|e| panic!("examples/{name}: {e}"));
    assert_eq!(
        yaml,
        to_yaml(&again.template),
        "examples/{name}: two conversions of the same project differ"
    );
    assert_eq!(
        to_json(&built.template),
        to_json(&again.template),
        "examples/{name}: two conversions of the same project differ (JSON)"
    );
    assert_eq!(
        plan(&built),
        plan(&again),
        "examples/{name}: warnings/parameters differ between runs"
    );

    // The template never carries a secret's content, in either output format.
    let json = to_json(&built.template);
    for (secret, content) in common::secret_contents(&project) {
        assert!(
            !yaml.contains(&content) && !json.contains(&content),
            "examples/{name}: the content of secret {secret:?} appears in the template"
        );
    }
    // Nor the machine's paths: the template must not depend on where the project is checked out.
    let root = common::workspace_root().display().to_string();
    assert!(
        !yaml.contains(&root),
        "examples/{name}: the template contains the local path {root}"
    );

    insta::assert_snapshot!(name, yaml);
    insta::assert_snapshot!(format!("{name}.plan"), plan(&built));
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
    container_options => "container-options",
    existing_infra => "existing-infra",
    gpu_inference => "gpu-inference",
    multi_network => "multi-network",
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
