//! Pushing for real: the digest returned is the one the registry serves; credentials reach a
//! registry that wants them without touching the user's docker config or any command line; the
//! temporary config is gone afterwards.

use std::path::{Path, PathBuf};

use image_build::{BuildEvent, Docker, Error, LocalImage, RegistryAuth};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::support::{
    build, context, environment, local_docker, registry_digest, snapshot, spec, AuthRegistry,
    REGISTRY_PASSWORD, REGISTRY_USER,
};

fn drain(received: &mut UnboundedReceiver<BuildEvent>) -> Vec<BuildEvent> {
    let mut events = Vec::new();
    while let Ok(event) = received.try_recv() {
        events.push(event);
    }
    events
}

/// One small image, built by `docker` for `project`.
async fn built(docker: &Docker, project: &str) -> LocalImage {
    let source = context(&[(
        "Dockerfile",
        &format!("FROM busybox:1.36\nRUN echo {project} > /project\n"),
    )]);
    let (events, _received) = tokio::sync::mpsc::unbounded_channel();
    let mut images = docker
        .build_all(project, &[build(spec("web", source.path()))], &events)
        .await
        .expect("build the image to push");
    images.remove(0)
}

#[tokio::test]
async fn the_digest_returned_is_the_one_the_registry_serves_and_a_second_push_returns_it_again() {
    let daemon = local_docker();
    let home = tempfile::tempdir().unwrap();
    let docker = Docker::connect_with(environment(
        home.path(),
        &[("DOCKER_HOST", &daemon.docker_host)],
    ))
    .await
    .unwrap();
    let image = built(&docker, "push-digest").await;
    // This registry wants no credentials; they are written all the same.
    let auth = RegistryAuth {
        registry: daemon.registry.clone(),
        username: "AWS".into(),
        password: "not-checked-here".into(),
    };
    let reference = format!("{}/push-digest/web:1", daemon.registry);
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    let digest = docker
        .push(&image, &reference, &auth, &events)
        .await
        .unwrap();
    assert_eq!(
        digest,
        registry_digest(&daemon.registry, "push-digest/web", "1", None)
    );
    let size: u64 = daemon
        .run(&["image", "inspect", "--format", "{{.Size}}", &image.id])
        .parse()
        .unwrap();
    assert_eq!(
        drain(&mut received),
        [
            BuildEvent::Pushing {
                service: "web".into(),
                reference: reference.clone(),
                bytes: Some(size),
            },
            BuildEvent::Pushed {
                service: "web".into(),
                reference: reference.clone(),
                digest: digest.clone(),
            },
        ]
    );

    let again = docker
        .push(&image, &reference, &auth, &events)
        .await
        .unwrap();
    assert_eq!(again, digest);

    // No tag: latest, as docker reads it.
    let untagged = format!("{}/push-digest/web", daemon.registry);
    let latest = docker
        .push(&image, &untagged, &auth, &events)
        .await
        .unwrap();
    assert_eq!(
        latest,
        registry_digest(&daemon.registry, "push-digest/web", "latest", None)
    );
    assert_eq!(latest, digest, "the same image has the same manifest");
}

/// A docker program that logs each command line, and for `push` its whole environment and the
/// temporary config directory it was given, then runs the real docker.
fn recording_docker(dir: &Path) -> (PathBuf, PathBuf) {
    let real = std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("docker"))
                .find(|candidate| candidate.is_file())
        })
        .expect("docker on PATH");
    let log = dir.join("docker.log");
    let script = dir.join("docker");
    std::fs::write(
        &script,
        format!(
            r#"#!/bin/sh
log='{log}'
{{ printf 'argv:'; for arg in "$@"; do printf ' [%s]' "$arg"; done; printf '\n'; }} >>"$log"
if [ "$1" = push ]; then
    printf 'config-dir: %s\n' "$DOCKER_CONFIG" >>"$log"
    printf 'modes: %s %s\n' "$(stat -c %a "$DOCKER_CONFIG")" "$(stat -c %a "$DOCKER_CONFIG/config.json")" >>"$log"
    printf 'contexts: %s\n' "$(readlink "$DOCKER_CONFIG/contexts")" >>"$log"
    env | sed 's/^/env: /' >>"$log"
fi
exec '{real}' "$@"
"#,
            log = log.display(),
            real = real.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (script, log)
}

#[tokio::test]
async fn credentials_reach_the_registry_without_touching_the_users_config_or_any_command_line() {
    let daemon = local_docker();
    let registry = AuthRegistry::start();
    let home = tempfile::tempdir().unwrap();
    let tools = tempfile::tempdir().unwrap();
    let (program, log) = recording_docker(tools.path());
    // The user reaches the daemon through their current context (no DOCKER_HOST), and has
    // credentials of their own for another registry.
    let mut env = environment(
        home.path(),
        &[("DOCKER_ECS_DOCKER_CLI", program.to_str().unwrap())],
    );
    let user_config = PathBuf::from(&env[std::ffi::OsStr::new("DOCKER_CONFIG")]);
    let created = std::process::Command::new("docker")
        .args(["context", "create", "image-build-test", "--docker"])
        .arg(format!("host={}", daemon.docker_host))
        .env("DOCKER_CONFIG", &user_config)
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    std::fs::write(
        user_config.join("config.json"),
        r#"{"auths": {"registry.example.com": {"auth": "dXNlcjpwYXNz"}}, "currentContext": "image-build-test"}"#,
    )
    .unwrap();
    let before = snapshot(&user_config);
    assert!(
        before.keys().any(|p| p.starts_with("contexts/meta")),
        "{before:?}"
    );

    let docker = Docker::connect_with(env.clone()).await.unwrap();
    let image = built(&docker, "push-auth").await;
    let auth = RegistryAuth {
        registry: registry.address.clone(),
        username: REGISTRY_USER.into(),
        password: REGISTRY_PASSWORD.into(),
    };
    let reference = format!("{}/push-auth/web:2", registry.address);
    let (events, _received) = tokio::sync::mpsc::unbounded_channel();
    let digest = docker
        .push(&image, &reference, &auth, &events)
        .await
        .unwrap();
    assert_eq!(
        digest,
        registry_digest(
            &registry.address,
            "push-auth/web",
            "2",
            Some((REGISTRY_USER, REGISTRY_PASSWORD))
        )
    );

    // The user's configuration is byte for byte what it was.
    assert_eq!(snapshot(&user_config), before);
    // docker ran with a private temporary config, in our TMPDIR, linked to the user's contexts;
    // it is gone, and nothing else is left in TMPDIR.
    let log = std::fs::read_to_string(&log).unwrap();
    let value = |name: &str| {
        log.lines()
            .find_map(|line| line.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {log}"))
    };
    let temporary = PathBuf::from(value("config-dir: "));
    let tmp = PathBuf::from(env.remove(std::ffi::OsStr::new("TMPDIR")).unwrap());
    assert!(temporary.starts_with(&tmp), "{}", temporary.display());
    assert_eq!(value("modes: "), "700 600");
    assert_eq!(
        PathBuf::from(value("contexts: ")),
        user_config.join("contexts")
    );
    assert!(
        !temporary.exists(),
        "{} is still there",
        temporary.display()
    );
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "TMPDIR is not empty"
    );
    // The password (or its encoded form) was on no command line and in no variable.
    let encoded = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .encode(format!("{REGISTRY_USER}:{REGISTRY_PASSWORD}"))
    };
    assert!(log.contains("argv: [push]"), "{log}");
    assert!(!log.contains(REGISTRY_PASSWORD), "{log}");
    assert!(!log.contains(&encoded), "{log}");
}

#[tokio::test]
async fn a_refused_push_says_why_without_the_password() {
    let daemon = local_docker();
    let registry = AuthRegistry::start();
    let home = tempfile::tempdir().unwrap();
    let docker = Docker::connect_with(environment(
        home.path(),
        &[("DOCKER_HOST", &daemon.docker_host)],
    ))
    .await
    .unwrap();
    let image = built(&docker, "push-refused").await;
    let wrong = "wrong-Password-123";
    let auth = RegistryAuth {
        registry: registry.address.clone(),
        username: REGISTRY_USER.into(),
        password: wrong.into(),
    };
    let reference = format!("{}/push-refused/web:1", registry.address);
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    let error = docker
        .push(&image, &reference, &auth, &events)
        .await
        .unwrap_err();
    let Error::PushFailed {
        reference: failed,
        detail,
    } = &error
    else {
        panic!("expected PushFailed, got {error:?}");
    };
    assert_eq!(failed, &reference);
    assert!(
        detail.contains("unauthorized") || detail.contains("authentication required"),
        "{detail}"
    );
    assert!(!error.to_string().contains(wrong), "{error}");
    assert!(!format!("{error:?}").contains(wrong), "{error:?}");
    assert!(!drain(&mut received)
        .iter()
        .any(|e| matches!(e, BuildEvent::Pushed { .. })));

    // Credentials for another registry are refused before docker runs.
    let error = docker
        .push(
            &image,
            &format!("{}/push-refused/web:1", daemon.registry),
            &auth,
            &events,
        )
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains(&format!(
            "the credentials are for the registry {}",
            registry.address
        )),
        "{error}"
    );
}
