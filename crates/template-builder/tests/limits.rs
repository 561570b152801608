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

/// A template within every limit CloudFormation sets: the problems found, none when deployable.
fn over_the_limits(template: &serde_json::Value) -> Vec<String> {
    let bytes = serde_json::to_string(template)
        .map(|s| s.len())
        .unwrap_or(usize::MAX);
    [
        ("Resources", count(template, "Resources"), MAX_RESOURCES),
        ("Outputs", count(template, "Outputs"), MAX_OUTPUTS),
        ("Parameters", count(template, "Parameters"), MAX_PARAMETERS),
        ("bytes of JSON", bytes, MAX_TEMPLATE_BYTES),
    ]
    .into_iter()
    .filter(|(_, n, max)| n > max)
    .map(|(what, n, max)| format!("{n} {what} (CloudFormation allows {max})"))
    .collect()
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
    let problems = over_the_limits(&built.template);
    assert!(problems.is_empty(), "3 services: {}", problems.join(", "));
}

/// With a port and a volume on every service, each service takes 16 resources: 30 services make
/// 487 and fit, 31 make 503 and must be refused by `build`, naming the resource limit, rather than
/// turned into a template that fails at deploy time.
#[test]
fn thirty_services_fit_and_thirty_one_are_refused_for_the_resource_limit() {
    let built = convert(30).unwrap_or_else(|e| panic!("30 services must fit in one stack: {e}"));
    assert_eq!(count(&built.template, "Resources"), 487);
    let problems = over_the_limits(&built.template);
    assert!(problems.is_empty(), "30 services: {}", problems.join(", "));

    for services in [31, 40, 100] {
        let err = match convert(services) {
            Ok(built) => panic!(
                "{services} services built into a template of {} resources instead of being refused",
                count(&built.template, "Resources")
            ),
            Err(e) => e,
        };
        assert!(
            err.message.contains("resources, over CloudFormation's limit of 500 per stack"),
            "{services} services were refused, but the error does not name the resource limit: {err}"
        );
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
