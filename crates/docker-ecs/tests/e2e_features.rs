//! End to end for the service extensions: the real binary deploys examples/secure-web to the moto launcher and
//! the test reads back, through the AWS APIs, what each extension became:
//! - HTTPS (`x-aws-certificate`): a 443 HTTPS listener with the ACM certificate and the TLS policy, forwarding to
//!   the service's target group, and an HTTP :80 listener redirecting to HTTPS 443 with a 301;
//! - `x-aws-healthcheck`: the target group's health check path, matcher and interval, its 30 s deregistration
//!   delay, and the ECS service's health check grace period;
//! - `platform: linux/arm64` and `x-aws-spot`: the worker's task definition on ARM64 and its service on a
//!   FARGATE_SPOT capacity provider strategy (the cluster offering FARGATE_SPOT);
//! - `x-aws-exec`: ECS Exec enabled on that service only, with the Session Manager channels on its task role.
//!
//! Then `up` again (nothing to update) and `down` (the stack and what it made are gone); a changed health check
//! (updated in place) and a changed container port (a new target group the listener and service move to).
//!
//! moto 5.2.5's CloudFormation drops the target group attributes and the service's grace period, never updates
//! a target group and never deletes one; e2e/moto_ext/features.py makes it do what AWS does, so all of this is
//! checked on what the APIs report, not on the template.

use std::path::PathBuf;

use crate::common::{copy_dir, examples_dir, log_tail, str_at, Moto, Run};
use serde_json::{json, Value};

/// The stack (and Compose project) name: the directory the example is copied into.
const PROJECT: &str = "secure-web";

/// The TLS policy the HTTPS listener is given (TLS 1.2 and 1.3 only; README "HTTPS").
const SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// A writable copy of examples/secure-web in `<tmp>/secure-web`.
struct Project {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Project {
    fn secure_web() -> Project {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let dir = tmp.path().join(PROJECT);
        copy_dir(&examples_dir().join("secure-web"), &dir);
        Project { _tmp: tmp, dir }
    }
}

/// The one physical id of a stack resource type.
fn only_resource(moto: &Moto, resource_type: &str) -> String {
    let found = moto.stack_resources(PROJECT, resource_type);
    assert_eq!(
        found.len(),
        1,
        "one {resource_type} in the stack: {found:?}"
    );
    found[0].clone()
}

fn service<'a>(services: &'a [(String, Value)], name: &str) -> &'a Value {
    services
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("no ECS service for compose service {name}"))
}

fn listener_on(listeners: &Value, port: i64) -> &Value {
    listeners["Listeners"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["Port"] == port)
        .unwrap_or_else(|| panic!("no listener on port {port}: {listeners}"))
}

#[track_caller]
fn assert_stack(moto: &Moto, run: &Run, status: &str) {
    run.assert_success();
    assert_eq!(
        moto.stack_status(PROJECT).as_deref(),
        Some(status),
        "stack status after {}\n--- moto log (end)\n{}",
        run.describe(),
        log_tail(&moto.log(), 40)
    );
}

#[test]
fn https_healthcheck_arm_spot_and_exec_are_deployed_as_asked() {
    let moto = Moto::start();
    let project = Project::secure_web();
    let certificate = moto.request_certificate("photos.example.com");

    let run = moto.up_with_certificate(&project.dir, &certificate);
    assert_stack(&moto, &run, "CREATE_COMPLETE");

    // HTTPS: 443 with the certificate and the TLS policy, forwarding to web's target group; 80 redirects.
    let load_balancer = only_resource(&moto, "AWS::ElasticLoadBalancingV2::LoadBalancer");
    let target_group = only_resource(&moto, "AWS::ElasticLoadBalancingV2::TargetGroup");
    let listeners = moto.aws_ok(
        "elbv2",
        "describe_listeners",
        json!({ "LoadBalancerArn": load_balancer }),
    );
    assert_eq!(
        listeners["Listeners"].as_array().map(Vec::len),
        Some(2),
        "HTTPS 443 and the HTTP 80 redirect only: {listeners}"
    );
    let https = listener_on(&listeners, 443);
    assert_eq!(https["Protocol"], "HTTPS", "{https}");
    assert_eq!(
        https["Certificates"],
        json!([{ "CertificateArn": certificate }]),
        "{https}"
    );
    assert_eq!(https["SslPolicy"], SSL_POLICY, "{https}");
    assert_eq!(
        https["DefaultActions"],
        json!([{ "Type": "forward", "TargetGroupArn": target_group }]),
        "{https}"
    );
    let http = listener_on(&listeners, 80);
    assert_eq!(http["Protocol"], "HTTP", "{http}");
    assert_eq!(
        http["DefaultActions"],
        json!([{
            "Type": "redirect",
            "RedirectConfig": { "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301" }
        }]),
        "{http}"
    );
    assert!(
        run.all_output().contains("https://"),
        "up names the app's HTTPS URL: {}",
        run.describe()
    );

    // x-aws-healthcheck: the target group checks /healthz every 15 s and wants 200; targets drain for 30 s.
    let groups = moto.aws_ok(
        "elbv2",
        "describe_target_groups",
        json!({ "TargetGroupArns": [target_group] }),
    );
    let group = &groups["TargetGroups"][0];
    assert_eq!(group["Protocol"], "HTTP", "{group}");
    assert_eq!(
        group["Port"], 8080,
        "443 is translated to the container port: {group}"
    );
    assert_eq!(group["TargetType"], "ip", "{group}");
    assert_eq!(group["HealthCheckPath"], "/healthz", "{group}");
    assert_eq!(group["Matcher"], json!({ "HttpCode": "200" }), "{group}");
    assert_eq!(group["HealthCheckIntervalSeconds"], 15, "{group}");
    let attributes = moto.aws_ok(
        "elbv2",
        "describe_target_group_attributes",
        json!({ "TargetGroupArn": target_group }),
    );
    let delay = attributes["Attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["Key"] == "deregistration_delay.timeout_seconds");
    assert_eq!(
        delay.map(|a| &a["Value"]),
        Some(&json!("30")),
        "deregistration delay 30 s, not AWS's 300 s: {attributes}"
    );

    // The services: web behind the target group with its grace period and ECS Exec; the worker on Spot.
    let cluster = only_resource(&moto, "AWS::ECS::Cluster");
    let services = moto.compose_services(PROJECT, &cluster);
    let web = service(&services, "web");
    assert_eq!(
        web["loadBalancers"],
        json!([{ "targetGroupArn": target_group, "containerName": "web", "containerPort": 8080 }]),
        "{web}"
    );
    assert_eq!(web["healthCheckGracePeriodSeconds"], 90, "{web}");
    assert_eq!(web["enableExecuteCommand"], true, "{web}");
    let worker = service(&services, "worker");
    assert_eq!(
        worker["capacityProviderStrategy"],
        json!([{ "capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0 }]),
        "{worker}"
    );
    // A capacity provider strategy replaces the launch type: ECS reports none.
    assert_eq!(
        worker.get("launchType"),
        None,
        "Spot replaces the launch type: {worker}"
    );
    assert_eq!(worker["desiredCount"], 2, "{worker}");
    for name in ["worker", "redis"] {
        let other = service(&services, name);
        assert_eq!(
            other["enableExecuteCommand"], false,
            "ECS Exec only where x-aws-exec asks: {other}"
        );
    }
    // ECS refuses a FARGATE_SPOT strategy in a cluster without that capacity provider.
    let clusters = moto.aws_ok("ecs", "describe_clusters", json!({ "clusters": [cluster] }));
    let providers = &clusters["clusters"][0]["capacityProviders"];
    assert!(
        providers
            .as_array()
            .is_some_and(|p| p.contains(&json!("FARGATE_SPOT"))),
        "the cluster offers FARGATE_SPOT: {clusters}"
    );

    // platform: linux/arm64 -> the worker's task runs on Graviton; web keeps the default (x86_64).
    let task_definition = |service: &Value| {
        let arn = str_at(service, "/taskDefinition");
        moto.aws_ok(
            "ecs",
            "describe_task_definition",
            json!({ "taskDefinition": arn }),
        )["taskDefinition"]
            .clone()
    };
    let worker_task = task_definition(worker);
    assert_eq!(
        worker_task["runtimePlatform"],
        json!({ "cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX" }),
        "{worker_task}"
    );
    let web_task = task_definition(web);
    assert_ne!(
        web_task["runtimePlatform"]["cpuArchitecture"], "ARM64",
        "{web_task}"
    );

    // x-aws-exec: the task role may open the Session Manager channels ECS Exec uses.
    let role_arn = str_at(&web_task, "/taskRoleArn");
    let role = role_arn.rsplit('/').next().unwrap_or(role_arn);
    let policies = moto.aws_ok("iam", "list_role_policies", json!({ "RoleName": role }));
    let mut actions = Vec::new();
    for policy in policies["PolicyNames"].as_array().into_iter().flatten() {
        let document = moto.aws_ok(
            "iam",
            "get_role_policy",
            json!({ "RoleName": role, "PolicyName": policy }),
        );
        let text = document["PolicyDocument"].to_string();
        actions.extend(
            [
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ]
            .into_iter()
            .filter(|action| text.contains(action)),
        );
    }
    actions.sort_unstable();
    actions.dedup();
    assert_eq!(
        actions.len(),
        4,
        "web's task role {role} allows the four ssmmessages channels, found {actions:?} in {policies}"
    );

    // up again with nothing changed: nothing to update, the stack untouched.
    let run = moto.up_with_certificate(&project.dir, &certificate);
    assert_stack(&moto, &run, "CREATE_COMPLETE");
    let said = run.all_output().to_lowercase();
    assert!(
        said.contains("nothing to update") || said.contains("no changes"),
        "a second up has nothing to update: {}",
        run.describe()
    );

    // down: the stack is gone, and with it the load balancer, its target group and the services.
    let run = moto.docker_ecs(&project.dir, &["down"]);
    run.assert_success();
    assert_eq!(
        moto.stack_status(PROJECT),
        None,
        "stack gone after {}",
        run.describe()
    );
    let remaining = moto.aws(
        "elbv2",
        "describe_load_balancers",
        json!({ "LoadBalancerArns": [load_balancer] }),
    );
    assert!(
        remaining.is_err(),
        "the load balancer is deleted: {remaining:?}"
    );
    let remaining = moto.aws(
        "elbv2",
        "describe_target_groups",
        json!({ "TargetGroupArns": [target_group] }),
    );
    assert!(
        remaining.is_err(),
        "the target group is deleted: {remaining:?}"
    );
    let remaining = moto.aws("ecs", "list_services", json!({ "cluster": cluster }));
    assert!(
        remaining
            .as_ref()
            .map_or(true, |r| r["serviceArns"] == json!([])),
        "no service left: {remaining:?}"
    );
}

/// Rewrite the project's compose.yaml, as a user edits it; panics when `from` is not in it.
fn edit_compose(project: &Project, from: &str, to: &str) {
    let path = project.dir.join("compose.yaml");
    let text = std::fs::read_to_string(&path).expect("read compose.yaml");
    assert!(text.contains(from), "{from:?} not in compose.yaml");
    std::fs::write(&path, text.replace(from, to)).expect("write compose.yaml");
}

fn target_group(moto: &Moto, arn: &str) -> Value {
    let groups = moto.aws_ok(
        "elbv2",
        "describe_target_groups",
        json!({ "TargetGroupArns": [arn] }),
    );
    groups["TargetGroups"][0].clone()
}

#[test]
fn a_changed_healthcheck_is_updated_in_place_and_a_new_container_port_replaces_the_target_group() {
    let moto = Moto::start();
    let project = Project::secure_web();
    let certificate = moto.request_certificate("photos.example.com");
    assert_stack(
        &moto,
        &moto.up_with_certificate(&project.dir, &certificate),
        "CREATE_COMPLETE",
    );
    let first = only_resource(&moto, "AWS::ElasticLoadBalancingV2::TargetGroup");

    // New health check settings: the same target group, checked differently; the service waits longer.
    edit_compose(&project, "path: /healthz", "path: /ready");
    edit_compose(&project, "matcher: \"200\"", "matcher: \"200-299\"");
    edit_compose(&project, "interval: 15s", "interval: 30s");
    edit_compose(&project, "grace_period: 90s", "grace_period: 2m");
    assert_stack(
        &moto,
        &moto.up_with_certificate(&project.dir, &certificate),
        "UPDATE_COMPLETE",
    );
    assert_eq!(
        only_resource(&moto, "AWS::ElasticLoadBalancingV2::TargetGroup"),
        first,
        "a health check change updates the target group in place"
    );
    let group = target_group(&moto, &first);
    assert_eq!(group["HealthCheckPath"], "/ready", "{group}");
    assert_eq!(
        group["Matcher"],
        json!({ "HttpCode": "200-299" }),
        "{group}"
    );
    assert_eq!(group["HealthCheckIntervalSeconds"], 30, "{group}");
    let cluster = only_resource(&moto, "AWS::ECS::Cluster");
    let services = moto.compose_services(PROJECT, &cluster);
    let web = service(&services, "web");
    assert_eq!(web["healthCheckGracePeriodSeconds"], 120, "{web}");

    // A new container port: CloudFormation replaces the target group; the listener and the service follow.
    edit_compose(&project, "443:8080", "443:9000");
    edit_compose(&project, "port=8080", "port=9000");
    assert_stack(
        &moto,
        &moto.up_with_certificate(&project.dir, &certificate),
        "UPDATE_COMPLETE",
    );
    let second = only_resource(&moto, "AWS::ElasticLoadBalancingV2::TargetGroup");
    assert_ne!(second, first, "a new port is a new target group");
    let group = target_group(&moto, &second);
    assert_eq!(group["Port"], 9000, "{group}");
    assert_eq!(group["HealthCheckPath"], "/ready", "{group}");
    let old = moto.aws(
        "elbv2",
        "describe_target_groups",
        json!({ "TargetGroupArns": [first] }),
    );
    assert!(
        old.is_err(),
        "the replaced target group is deleted: {old:?}"
    );
    let load_balancer = only_resource(&moto, "AWS::ElasticLoadBalancingV2::LoadBalancer");
    let listeners = moto.aws_ok(
        "elbv2",
        "describe_listeners",
        json!({ "LoadBalancerArn": load_balancer }),
    );
    let https = listener_on(&listeners, 443);
    assert_eq!(
        https["DefaultActions"],
        json!([{ "Type": "forward", "TargetGroupArn": second }]),
        "{https}"
    );
    let services = moto.compose_services(PROJECT, &cluster);
    let web = service(&services, "web");
    assert_eq!(
        web["loadBalancers"],
        json!([{ "targetGroupArn": second, "containerName": "web", "containerPort": 9000 }]),
        "{web}"
    );

    moto.docker_ecs(&project.dir, &["down"]).assert_success();
    assert_eq!(moto.stack_status(PROJECT), None);
    let left = moto.aws(
        "elbv2",
        "describe_target_groups",
        json!({ "TargetGroupArns": [second] }),
    );
    assert!(left.is_err(), "down deletes the target group: {left:?}");
}

#[test]
fn a_certificate_acm_does_not_hold_stops_up_before_anything_is_created() {
    let moto = Moto::start();
    let project = Project::secure_web();
    // The example's placeholder ARN (no CERTIFICATE_ARN): ACM has no such certificate.
    let run = moto.docker_ecs(&project.dir, &["up"]);
    run.assert_failure();
    assert!(
        run.stderr().contains(
            "x-aws-certificate: ACM certificate arn:aws:acm:us-east-1:123456789012:certificate/\
             0a1b2c3d-4e5f-6789-abcd-ef0123456789 does not exist in region us-east-1"
        ),
        "the error names the attribute and the certificate: {}",
        run.describe()
    );
    assert_eq!(moto.stack_status(PROJECT), None, "no stack created");
}
