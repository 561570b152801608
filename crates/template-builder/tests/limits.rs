//! CloudFormation's hard limits (500 resources, 200 outputs, 200 parameters, 1 MB template body via S3):
//! a project too big for one stack must be refused by `build` with a clear error, never turned into a
//! template that only fails at deploy time.

use std::collections::BTreeMap;
use std::fmt::Write as _;

const MAX_RESOURCES: usize = 500;
const MAX_OUTPUTS: usize = 200;
const MAX_PARAMETERS: usize = 200;
const MAX_TEMPLATE_BYTES: usize = 1024 * 1024;

/// `services` services, each publishing its own HTTP port and mounting its own volume.
fn compose_file(services: usize) -> String {
    let mut out = String::from("name: big\nservices:\n");
    for i in 0..services {
        let _ = write!(
            out,
            "  svc{i:03}:\n    image: public.ecr.aws/docker/library/busybox:1.36\n    ports:\n      - target: 8080\n        published: \"{}\"\n        x-aws-protocol: http\n    volumes:\n      - data{i}:/data\n",
            10000 + i
        );
    }
    out.push_str("volumes:\n");
    for i in 0..services {
        let _ = writeln!(out, "  data{i}: {{}}");
    }
    out
}

fn convert(services: usize) -> Result<template_builder::Built, template_builder::Error> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("compose.yaml"), compose_file(services))
        .expect("writing compose.yaml");
    let options = compose_model::LoadOptions {
        environment: BTreeMap::new(),
        interpolate: true,
        working_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    let project = compose_model::load(&options)
        .unwrap_or_else(|e| panic!("the generated {services}-service project does not load: {e}"))
        .project;
    template_builder::build(&project)
}

fn count(template: &serde_json::Value, section: &str) -> usize {
    template[section].as_object().map_or(0, |m| m.len())
}

/// Whatever the size, the result is either a template within every limit or an error that says why.
fn assert_deployable_or_refused(services: usize) {
    match convert(services) {
        Ok(built) => {
            let template = &built.template;
            let bytes = serde_json::to_string(template)
                .map(|s| s.len())
                .unwrap_or(usize::MAX);
            let problems: Vec<String> = [
                ("Resources", count(template, "Resources"), MAX_RESOURCES),
                ("Outputs", count(template, "Outputs"), MAX_OUTPUTS),
                ("Parameters", count(template, "Parameters"), MAX_PARAMETERS),
                ("bytes of JSON", bytes, MAX_TEMPLATE_BYTES),
            ]
            .into_iter()
            .filter(|(_, n, max)| n > max)
            .map(|(what, n, max)| format!("{n} {what} (CloudFormation allows {max})"))
            .collect();
            assert!(
                problems.is_empty(),
                "{services} services built into a template CloudFormation refuses: {}",
                problems.join(", ")
            );
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains("500") || message.contains("limit"),
                "{services} services were refused, but the error does not say which limit: {message}"
            );
        }
    }
}

#[test]
fn a_small_project_is_within_the_limits() {
    let built = convert(3).unwrap_or_else(|e| panic!("3 services: {e}"));
    assert!(count(&built.template, "Resources") < MAX_RESOURCES);
}

#[test]
fn a_project_too_big_for_one_stack_is_refused_clearly() {
    for services in [40, 100] {
        assert_deployable_or_refused(services);
    }
}
