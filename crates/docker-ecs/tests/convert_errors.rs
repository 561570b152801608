//! `docker ecs convert` through the real binary on projects it must refuse: the message names the
//! file and line the refused attribute was written at (also in an override file, and for a list
//! entry after merging), the service and the attribute, and the exit status is 1. Every refusal of a
//! project is reported in the one run, each on its own line.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn convert(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docker-ecs"));
    cmd.current_dir(dir).args(args).arg("convert");
    for var in ["COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES"] {
        cmd.env_remove(var);
    }
    cmd.output().expect("run docker-ecs")
}

fn refused(dir: &Path, args: &[&str]) -> String {
    let out = convert(dir, args);
    assert_eq!(out.status.code(), Some(1), "expected a refusal");
    assert!(out.stdout.is_empty(), "no template on a refusal");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_refused_mount_names_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  grafana:\n    image: grafana/grafana\n    volumes:\n      - grafana:/var/lib/grafana\n      - /var/run/docker.sock:/var/run/docker.sock\nvolumes:\n  grafana: {}\n",
    )
    .unwrap();
    let message = refused(dir.path(), &[]);
    let file = dir.path().join("compose.yaml");
    assert!(
        message.contains(&format!(
            "{}:6: service \"grafana\": volumes[1]: /var/run/docker.sock:/var/run/docker.sock: the Docker socket",
            file.display()
        )),
        "{message}"
    );
}

#[test]
fn an_attribute_refused_in_an_override_names_the_override() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n    cap_add: [SYS_PTRACE]\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("prod.yaml"),
        "services:\n  web:\n    ports: [\"80:80\"]\n\n    privileged: true\n",
    )
    .unwrap();
    let message = refused(dir.path(), &["-f", "compose.yaml", "-f", "prod.yaml"]);
    let file = dir.path().join("prod.yaml");
    assert!(
        message.contains(&format!(
            "{}:5: service \"web\": privileged: ",
            file.display()
        )),
        "{message}"
    );
}

#[test]
fn a_refused_capability_added_by_an_override_names_its_line_there() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n    cap_add: [SYS_PTRACE]\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("compose.override.yaml"),
        "services:\n  web:\n    cap_add:\n      - NET_ADMIN\n",
    )
    .unwrap();
    let message = refused(dir.path(), &[]);
    let file = dir.path().join("compose.override.yaml");
    assert!(
        message.contains(&format!(
            "{}:4: service \"web\": cap_add[1]: Fargate only allows adding SYS_PTRACE, not NET_ADMIN",
            file.display()
        )),
        "{message}"
    );
}

#[test]
fn every_refusal_is_reported_in_one_run_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  agent:\n    image: agent\n    privileged: true\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n  net:\n    image: net\n    cap_add: [NET_ADMIN]\n  web:\n    image: nginx\n    logging:\n      options:\n        awslogs-datetime-pattern: \"%Y\"\n",
    )
    .unwrap();
    let message = refused(dir.path(), &[]);
    let file = dir.path().join("compose.yaml");
    let lines: Vec<&str> = message.lines().collect();
    let expected = [
        format!(
            "error: {}:4: service \"agent\": privileged: ",
            file.display()
        ),
        format!(
            "error: {}:6: service \"agent\": volumes[0]: ",
            file.display()
        ),
        format!("error: {}:9: service \"net\": cap_add[0]: ", file.display()),
        format!(
            "error: {}:14: service \"web\": logging.options.awslogs-datetime-pattern: ",
            file.display()
        ),
        "error: the project cannot be deployed as written: 4 problems above".to_string(),
    ];
    assert_eq!(lines.len(), expected.len(), "{message}");
    for (line, start) in lines.iter().zip(&expected) {
        assert!(
            line.starts_with(start.as_str()),
            "{line:?} should start with {start:?}\n{message}"
        );
    }
    // Each keeps its way out.
    assert!(lines[1].contains("Docker socket"), "{message}");
    assert!(
        lines[3].contains("did you mean awslogs-datetime-format?"),
        "{message}"
    );
}

#[test]
fn a_refused_domain_names_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "x-aws-domain: shop.example.com\nservices:\n  web:\n    image: nginx\n    ports:\n      - \"443:80\"\n      - target: 8080\n        published: \"8080\"\n        x-aws-protocol: http\n        x-aws-domain: https://admin.example.com\n  db:\n    image: postgres\n    ports:\n      - \"5432:5432\"\n",
    )
    .unwrap();
    let message = refused(dir.path(), &[]);
    let file = dir.path().join("compose.yaml");
    // A port's bad domain, where it was written.
    assert!(
        message.contains(&format!(
            "{}:10: service \"web\": ports[1].x-aws-domain: \"https://admin.example.com\" is not a domain name",
            file.display()
        )),
        "{message}"
    );
}

#[test]
fn a_domain_on_a_network_load_balancer_project_names_the_top_level_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n    ports:\n      - \"443:80\"\n  db:\n    image: postgres\n    ports:\n      - \"5432:5432\"\n\nx-aws-domain: shop.example.com\n",
    )
    .unwrap();
    let message = refused(dir.path(), &[]);
    let file = dir.path().join("compose.yaml");
    assert!(
        message.contains(&format!(
            "{}:11: x-aws-domain: service \"web\"'s port 443 is HTTPS",
            file.display()
        )),
        "{message}"
    );
    assert!(message.contains("Network Load Balancer"), "{message}");
    assert!(message.contains("remove x-aws-domain"), "{message}");
}
