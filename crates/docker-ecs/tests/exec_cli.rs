//! `docker ecs exec` without the Session Manager plugin fails before any AWS call, saying how to
//! install it; its arguments parse as in `docker exec`.

use std::process::Command;

#[test]
fn a_missing_plugin_is_reported_before_aws_is_called() {
    let empty = tempfile::tempdir().expect("temporary directory");
    let out = Command::new(env!("CARGO_BIN_EXE_docker-ecs"))
        .args(["-p", "app", "exec", "-it", "web", "sh", "-c", "echo hi"])
        .env("PATH", empty.path())
        // Nothing listens there: a call to AWS would fail with a connection error instead.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .output()
        .expect("run docker-ecs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("session-manager-plugin is not on PATH"),
        "{stderr}"
    );
    assert!(stderr.contains("install"), "{stderr}");
    assert!(!stderr.contains("127.0.0.1:9"), "{stderr}");
}

#[test]
fn a_command_is_required() {
    let out = Command::new(env!("CARGO_BIN_EXE_docker-ecs"))
        .args(["exec", "web"])
        .output()
        .expect("run docker-ecs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("<COMMAND>"), "{stderr}");
}
