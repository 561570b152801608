//! CloudFormation's hard limits (500 resources, 200 outputs, 200 parameters, 1 MB template body via S3):
//! a project too big for one stack must be refused by `build` with a clear error, never turned into a
//! template that only fails at deploy time.

use crate::common;

const MAX_RESOURCES: usize = 500;
const MAX_OUTPUTS: usize = 200;
const MAX_PARAMETERS: usize = 200;
const MAX_TEMPLATE_BYTES: usize = 1024 * 1024;

fn convert(services: usize) -> Result<template_builder::Built, template_builder::Error> {
    let (_dir, project) = common::load_text(&common::large_compose_file(services, 1, 1));
    let project = project
        .unwrap_or_else(|e| panic!("the generated {services}-service project does not load: {e}"));
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

/// The largest project the cfn-lint run checks fits: 100 services are possible in one stack.
#[test]
fn a_hundred_services_fit_when_few_publish_ports() {
    let (_dir, project) = common::load_text(&common::large_compose_file(100, 10, 50));
    let project = project.unwrap_or_else(|e| panic!("100 services: {e}"));
    let built = template_builder::build(&project).unwrap_or_else(|e| panic!("100 services: {e}"));
    assert!(count(&built.template, "Resources") <= MAX_RESOURCES);
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

/// A published range expands to one port per number; ECS allows five behind a service, so a range
/// of thousands is refused as soon as the service's ports are read, not after a listener, target
/// group and rule was built for each (which took time quadratic in the range: 66 s for 8,000).
#[test]
fn a_range_of_thousands_of_published_ports_is_refused_at_once() {
    let compose = "services:\n  web:\n    image: nginx\n    ports: [\"1-20000:1-20000\"]\n";
    let (_dir, project) = common::load_text(compose);
    let project = project.unwrap_or_else(|e| panic!("the range does not load: {e}"));
    let started = std::time::Instant::now();
    let err = template_builder::build(&project).unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.attribute, "ports");
    assert!(
        err.message
            .contains("at most 5 load balancer ports; this service publishes 20000"),
        "{err}"
    );
    assert!(took.as_secs_f64() < 2.0, "refusing the range took {took:?}");
}
