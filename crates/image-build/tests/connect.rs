//! Finding docker and its daemon, and refusing what this daemon cannot build before building.

use std::time::{Duration, Instant};

use image_build::{BuildEvent, Docker, Error};

use crate::support::{build, context, environment, local_docker, spec};

#[tokio::test]
async fn a_dead_socket_is_reported_at_once_with_where_docker_looked() {
    let home = tempfile::tempdir().unwrap();
    let socket = home.path().join("no-daemon.sock");
    let host = format!("unix://{}", socket.display());
    let started = Instant::now();
    let error = Docker::connect_with(environment(home.path(), &[("DOCKER_HOST", &host)]))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let Error::DaemonUnreachable { endpoint, detail } = &error else {
        panic!("expected DaemonUnreachable, got {error:?}");
    };
    assert_eq!(endpoint, &format!("DOCKER_HOST={host}"));
    assert!(
        detail.contains("Cannot connect to the Docker daemon"),
        "{detail}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "the Docker daemon is not reachable: is the Docker daemon running? DOCKER_HOST={host}\n"
        )),
        "{message}"
    );
}

#[tokio::test]
async fn an_unknown_context_is_unreachable_and_named() {
    let home = tempfile::tempdir().unwrap();
    let error = Docker::connect_with(environment(
        home.path(),
        &[("DOCKER_CONTEXT", "no-such-context")],
    ))
    .await
    .unwrap_err();
    let Error::DaemonUnreachable { endpoint, detail } = &error else {
        panic!("expected DaemonUnreachable, got {error:?}");
    };
    assert_eq!(endpoint, "DOCKER_CONTEXT=no-such-context");
    assert!(detail.contains("no-such-context"), "{detail}");
}

#[tokio::test]
async fn a_missing_docker_program_is_docker_not_found() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("bin/docker");
    let error = Docker::connect_with(environment(
        home.path(),
        &[("DOCKER_ECS_DOCKER_CLI", missing.to_str().unwrap())],
    ))
    .await
    .unwrap_err();
    match &error {
        Error::DockerNotFound { program } => assert_eq!(program, missing.to_str().unwrap()),
        other => panic!("expected DockerNotFound, got {other:?}"),
    }
    assert!(
        error.to_string().contains("DOCKER_ECS_DOCKER_CLI"),
        "{error}"
    );
}

#[tokio::test]
async fn the_daemon_platform_and_buildx_are_detected() {
    let daemon = local_docker();
    let home = tempfile::tempdir().unwrap();
    let docker = Docker::connect_with(environment(
        home.path(),
        &[("DOCKER_HOST", &daemon.docker_host)],
    ))
    .await
    .unwrap();
    let expected = daemon.run(&["version", "--format", "{{.Server.Os}}/{{.Server.Arch}}"]);
    assert_eq!(docker.platform(), expected);
    // These machines have no buildx: `docker buildx version` fails.
    assert!(!docker.has_buildx());
}

#[tokio::test]
async fn an_arm64_build_on_this_daemon_is_refused_before_anything_is_built() {
    let daemon = local_docker();
    let home = tempfile::tempdir().unwrap();
    let docker = Docker::connect_with(environment(
        home.path(),
        &[("DOCKER_HOST", &daemon.docker_host)],
    ))
    .await
    .unwrap();
    assert_eq!(
        docker.platform(),
        "linux/amd64",
        "the test assumes an amd64 daemon"
    );
    assert!(!docker.has_buildx(), "the test assumes no buildx");
    let source = context(&[("Dockerfile", "FROM busybox:1.36\nRUN echo built > /built\n")]);
    let native = spec("web", source.path());
    let mut arm = spec("api", source.path());
    arm.platform = "linux/arm64".into();
    let builds = [build(native), build(arm)];

    let error = docker.check(&builds).unwrap_err();
    let Error::Unsupported(problems) = &error else {
        panic!("expected Unsupported, got {error:?}");
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (problems[0].service.as_str(), problems[0].attribute.as_str()),
        ("api", "platform")
    );
    assert!(
        problems[0]
            .message
            .contains("cross-platform build without buildx"),
        "{}",
        problems[0].message
    );

    // build_all checks first: nothing starts, nothing is tagged.
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel::<BuildEvent>();
    let error = docker
        .build_all("connect-arm", &builds, &events)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unsupported(_)), "{error:?}");
    drop(events);
    assert_eq!(received.recv().await, None);
    let images = daemon.run(&["image", "ls", "--format", "{{.Repository}}"]);
    assert!(
        !images.contains("docker-ecs.local/connect-arm/"),
        "{images}"
    );
}
