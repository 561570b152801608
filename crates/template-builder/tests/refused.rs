//! Compose files that cannot be deployed as written: loading or building them fails with a message
//! that names the service and the attribute (MAPPING.md, "Attributes that cannot map"), never a
//! template that CloudFormation or ECS would reject later.

use crate::common;

/// Load and build `compose`; the error text of whichever step refused it.
fn refusal(compose: &str) -> String {
    let (_dir, project) = common::load_text(compose);
    let project = match project {
        Ok(project) => project,
        Err(e) => return format!("load: {e}"),
    };
    match template_builder::build(&project) {
        Ok(built) => panic!(
            "expected a refusal, got a template:\n{}\nfrom:\n{compose}",
            template_builder::to_yaml(&built.template)
        ),
        Err(e) => format!("build: {e}"),
    }
}

fn assert_refused(compose: &str, expected: &[&str]) {
    let message = refusal(compose);
    for part in expected {
        assert!(
            message.contains(part),
            "the error should mention {part:?}:\n  {message}\nfrom:\n{compose}"
        );
    }
}

#[test]
fn a_built_image_named_for_another_registry_is_refused() {
    assert_refused(
        "services:\n  api:\n    build: .\n    image: ghcr.io/acme/api:1\n",
        &["api", "image", "ghcr.io", "Amazon ECR", "acme/api"],
    );
}

#[test]
fn the_docker_socket_and_host_paths_cannot_be_mounted() {
    assert_refused(
        "services:\n  ui:\n    image: portainer/portainer-ce\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n",
        &["ui", "volumes[0]", "/var/run/docker.sock", "no Docker API"],
    );
    assert_refused(
        "services:\n  game:\n    image: itzg/minecraft-server\n    volumes:\n      - /root/minecraft_data:/data\n",
        &["game", "volumes[0]", "minecraft_data:/data", "home folder"],
    );
}

#[test]
fn a_volume_subpath_is_refused_rather_than_mounting_the_whole_volume() {
    assert_refused(
        "services:\n  web:\n    image: nginx\n    volumes:\n      - type: volume\n        source: data\n        target: /uploads\n        volume:\n          subpath: uploads\nvolumes:\n  data: {}\n",
        &["web", "volumes[0].volume.subpath", "volume of its own"],
    );
}

#[test]
fn tmpfs_is_refused_on_fargate() {
    assert_refused(
        "services:\n  app:\n    image: busybox\n    tmpfs:\n      - /tmp\n",
        &["app", "tmpfs", "remove it"],
    );
}

#[test]
fn a_size_fargate_does_not_offer_is_refused() {
    assert_refused(
        "services:\n  big:\n    image: busybox\n    deploy:\n      resources:\n        limits:\n          cpus: \"32\"\n          memory: 512G\n",
        &["big", "deploy.resources"],
    );
}

#[test]
fn two_services_publishing_one_port_is_refused() {
    assert_refused(
        "services:\n  a:\n    image: nginx\n    ports: [\"80:80\"]\n  b:\n    image: nginx\n    ports: [\"80:8080\"]\n",
        &["80", "ports"],
    );
}

#[test]
fn capabilities_fargate_does_not_allow_are_refused() {
    assert_refused(
        "services:\n  net:\n    image: busybox\n    cap_add: [NET_ADMIN]\n",
        &["net", "cap_add", "NET_ADMIN"],
    );
}

#[test]
fn https_without_a_certificate_is_refused() {
    assert_refused(
        "services:\n  site:\n    image: nginx\n    ports:\n      - target: 80\n        published: \"443\"\n        x-aws-protocol: https\n",
        &["site", "x-aws-certificate"],
    );
}

#[test]
fn https_on_a_project_with_a_plain_tcp_port_is_refused() {
    // One load balancer serves the project; postgres's TCP port would make it a Network Load
    // Balancer, which cannot serve the HTTPS port.
    assert_refused(
        "x-aws-certificate: arn:aws:acm:us-east-1:123456789012:certificate/abc\nservices:\n  site:\n    image: nginx\n    ports: [\"443:80\"]\n  db:\n    image: postgres\n    ports: [\"5432:5432\"]\n",
        &["site", "x-aws-certificate", "port 443 is HTTPS", "\"db\"'s port 5432", "x-aws-protocol: http"],
    );
}

#[test]
fn a_dependency_cycle_is_refused() {
    assert_refused(
        "services:\n  a:\n    image: busybox\n    depends_on: [b]\n  b:\n    image: busybox\n    depends_on: [a]\n",
        &["depends_on"],
    );
}

#[test]
fn one_port_for_tcp_and_udp_says_so() {
    assert_refused(
        "services:\n  dns:\n    image: coredns/coredns\n    ports:\n      - \"53:53/tcp\"\n      - \"53:53/udp\"\n",
        &["dns", "ports[1]", "published for tcp and for udp"],
    );
}

#[test]
fn a_scheduled_job_with_ports_autoscaling_or_a_bad_schedule_is_refused_all_at_once() {
    let compose = "services:\n  job:\n    image: alpine\n    ports:\n      - \"80:80\"\n    \
         x-aws-autoscaling: {max: 3, cpu: 50}\n    x-aws-schedule: \"cron(0 3 * * *)\"\n";
    let (_dir, project) = common::load_text(compose);
    let errors = template_builder::build_all(&project.expect("loads"))
        .expect_err("refused")
        .to_string();
    for part in [
        "service \"job\": x-aws-schedule: cron(0 3 * * *) has 5 fields",
        "service \"job\": ports: a scheduled job (x-aws-schedule) gets no load balancer traffic",
        "service \"job\": x-aws-autoscaling: a scheduled job (x-aws-schedule) has no ECS service to scale",
    ] {
        assert!(errors.contains(part), "{part:?} missing from:\n{errors}");
    }
    assert_refused(
        "services:\n  train:\n    image: pytorch/pytorch\n    x-aws-schedule: rate(1 day)\n    \
         deploy:\n      resources:\n        reservations:\n          devices:\n            \
         - capabilities: [gpu]\n",
        &["train", "x-aws-schedule", "runs on Fargate", "GPU"],
    );
}
