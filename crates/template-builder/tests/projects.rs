//! Every feature project under tests/projects/ loads, builds, and produces the reviewed template and
//! plan (insta snapshots tests/snapshots/projects__*.snap), the same bytes every time, with no secret
//! content and no local path in it. cfn_lint.rs lints the same projects; these snapshots are what a
//! reviewer reads to check each feature against docs/MAPPING.md and docs/ATTRIBUTES.md.
//!
//! Re-record after an intended change with `INSTA_UPDATE=always cargo test -p template-builder --test
//! integration projects::`, then review the diff of tests/snapshots/ before committing.

use crate::common;

fn check_project(name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/projects")
        .join(name);
    let (yaml, plan) = common::snapshot_outputs(&format!("projects/{name}"), &dir);
    // Named projects__<name>.snap, as when this file was a test binary of its own: in the one
    // integration binary the module path would put `integration__` in front.
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("projects__{name}"), yaml);
        insta::assert_snapshot!(format!("projects__{name}.plan"), plan);
    });
}

macro_rules! projects {
    ($($test:ident => $dir:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_project($dir);
            }
        )*

        /// A new project directory must get a test above (and a snapshot), or it would only be linted.
        #[test]
        fn every_project_has_a_snapshot_test() {
            let tested: Vec<&str> = vec![$($dir),*];
            let found: Vec<String> =
                common::test_projects().into_iter().map(|(name, _)| name).collect();
            assert_eq!(found, tested, "tests/projects/ and the list in tests/projects.rs differ");
        }
    };
}

projects! {
    arm_spot => "arm-spot",
    built_images => "built-images",
    depends_conditions => "depends-conditions",
    domain_zone_certificate => "domain-zone-certificate",
    domains_share_443 => "domains-share-443",
    ecs_exec => "ecs-exec",
    explicit_subnets => "explicit-subnets",
    fargate_sizes => "fargate-sizes",
    gpu_existing_cluster => "gpu-existing-cluster",
    gpu_placement => "gpu-placement",
    https_certificate => "https-certificate",
    https_redirect => "https-redirect",
    ignored_attributes => "ignored-attributes",
    internal_explicit_subnets => "internal-explicit-subnets",
    internal_loadbalancer => "internal-loadbalancer",
    local_dev_habits => "local-dev-habits",
    many_services_one_port => "many-services-one-port",
    minimal => "minimal",
    mixed_http_tcp => "mixed-http-tcp",
    nlb_healthcheck => "nlb-healthcheck",
    overlay_replace => "overlay-replace",
    port_range => "port-range",
    punctuated_names => "punctuated-names",
    scheduled_jobs => "scheduled-jobs",
    secrets_keys => "secrets-keys",
    spot_existing_cluster => "spot-existing-cluster",
    target_healthcheck => "target-healthcheck",
    udp_port => "udp-port",
    volumes_efs => "volumes-efs",
    yaml_lookalikes => "yaml-lookalikes",
}
