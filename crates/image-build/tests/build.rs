//! Building for real: each build attribute reaches the image (read back with `docker run` and
//! `docker image inspect`), builds run at once, and a failure ends with its output and stops the rest.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use image_build::{BuildEvent, Docker, Error, LocalImage};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::support::{build, context, environment, local_docker, spec, LocalDocker};

async fn connect(daemon: &LocalDocker, home: &std::path::Path) -> Docker {
    Docker::connect_with(environment(home, &[("DOCKER_HOST", &daemon.docker_host)]))
        .await
        .expect("connect to the test daemon")
}

fn drain(received: &mut UnboundedReceiver<BuildEvent>) -> Vec<BuildEvent> {
    let mut events = Vec::new();
    while let Ok(event) = received.try_recv() {
        events.push(event);
    }
    events
}

/// A free port in 20000-29999, below Linux's ephemeral range (32768-60999), so that no server
/// another test starts on port 0 can be given it; each call of this process takes the next one.
fn free_port_below_ephemeral() -> u16 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let start = std::process::id() % 10000;
    (0..10000u16)
        .map(|_| {
            let offset = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            20000 + ((start + offset) % 10000) as u16
        })
        .find(|port| TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free port in 20000-29999")
}

#[tokio::test]
async fn every_classic_build_attribute_reaches_the_image() {
    let daemon = local_docker();
    let home = tempfile::tempdir().unwrap();
    let docker = connect(&daemon, home.path()).await;
    let source = context(&[
        (
            "Dockerfile",
            "FROM busybox:1.36 AS base\nARG GREETING=default\nRUN echo \"$GREETING\" > /greeting\n\
             FROM base AS final\nRUN echo final > /stage\n",
        ),
        ("greeting.txt", "from the context\n"),
        (
            "docker/Dockerfile.worker",
            "FROM busybox:1.36\nRUN grep db.internal /etc/hosts > /hosts; ulimit -n > /nofile; \
             df -k /dev/shm | tail -n 1 > /shm\n",
        ),
    ]);
    // web: args, a target stage and labels.
    let mut web = spec("web", source.path());
    web.args = BTreeMap::from([("GREETING".into(), "hello from args".into())]);
    web.target = Some("base".into());
    web.labels = BTreeMap::from([
        ("team".into(), "shop".into()),
        ("tier".into(), String::new()),
    ]);
    // api: an inline Dockerfile, with the same context.
    let mut api = spec("api", source.path());
    api.dockerfile_inline =
        Some("FROM busybox:1.36\nCOPY greeting.txt /copied\nRUN echo inline > /inline\n".into());
    // worker: a named Dockerfile, and what its RUN steps see.
    let mut worker = spec("worker", source.path());
    worker.dockerfile = Some(
        source
            .path()
            .join("docker/Dockerfile.worker")
            .to_str()
            .unwrap()
            .into(),
    );
    worker.extra_hosts = vec!["db.internal:10.1.2.3".into()];
    worker.ulimits = vec!["nofile=1024:2048".into()];
    worker.shm_size = Some(64 << 20);
    worker.cache_from = vec!["busybox:1.36".into()];
    worker.no_cache = true;

    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    let images = docker
        .build_all(
            "build-fields",
            &[build(web), build(api), build(worker)],
            &events,
        )
        .await
        .unwrap();
    let services: Vec<&str> = images.iter().map(|i| i.service.as_str()).collect();
    assert_eq!(services, ["web", "api", "worker"]);
    for image in &images {
        assert!(
            image.id.starts_with("sha256:") && image.id.len() == 71,
            "{image:?}"
        );
        assert_eq!(
            image.local_tag,
            format!("docker-ecs.local/build-fields/{}:latest", image.service)
        );
        // The local tag names exactly the built image.
        assert_eq!(
            daemon.run(&["image", "inspect", "--format", "{{.Id}}", &image.local_tag]),
            image.id
        );
    }
    let run = |image: &LocalImage, command: &str| {
        daemon.run(&["run", "--rm", &image.id, "sh", "-c", command])
    };
    let [web, api, worker] = &images[..] else {
        unreachable!()
    };
    assert_eq!(run(web, "cat /greeting"), "hello from args");
    assert_eq!(
        run(web, "test -e /stage && echo final || echo base"),
        "base"
    );
    assert_eq!(
        daemon.run(&[
            "image",
            "inspect",
            "--format",
            "{{json .Config.Labels}}",
            &web.id
        ]),
        r#"{"team":"shop","tier":""}"#
    );
    assert_eq!(run(api, "cat /copied /inline"), "from the context\ninline");
    assert_eq!(run(worker, "cat /hosts"), "10.1.2.3\tdb.internal");
    assert_eq!(run(worker, "cat /nofile"), "1024");
    let shm = run(worker, "cat /shm");
    assert_eq!(shm.split_whitespace().nth(1), Some("65536"), "{shm}");

    // Each build: Building, its output as Log lines, then Built with the id.
    drop(events);
    let events = drain(&mut received);
    for image in &images {
        let own: Vec<&BuildEvent> = events
            .iter()
            .filter(|event| match event {
                BuildEvent::Building { service }
                | BuildEvent::Log { service, .. }
                | BuildEvent::Built { service, .. } => *service == image.service,
                _ => panic!("unexpected {event:?}"),
            })
            .collect();
        assert_eq!(
            own.first(),
            Some(&&BuildEvent::Building {
                service: image.service.clone()
            })
        );
        assert_eq!(
            own.last(),
            Some(&&BuildEvent::Built {
                service: image.service.clone(),
                id: image.id.clone()
            })
        );
        assert!(
            own.iter().any(|event| matches!(event,
                BuildEvent::Log { line, .. } if line.starts_with("Step 1/"))),
            "{own:#?}"
        );
    }
}

#[tokio::test]
async fn builds_run_at_the_same_time() {
    let daemon = local_docker();
    let home = tempfile::tempdir().unwrap();
    let docker = connect(&daemon, home.path()).await.with_parallelism(2);
    // Each RUN waits for the other over the host network: one build at a time would never end.
    // The port is outside the ephemeral range the other tests' servers get theirs from (bind to
    // port 0): one of them taking it meanwhile made the listener hear an empty greeting.
    let port = free_port_below_ephemeral();
    let listener = context(&[(
        "Dockerfile",
        &format!("FROM busybox:1.36\nRUN nc -l -p {port} > /heard && cat /heard\n"),
    )]);
    let talker = context(&[(
        "Dockerfile",
        &format!(
            "FROM busybox:1.36\nRUN until echo hello-{port} | nc 127.0.0.1 {port}; do sleep 0.2; done\n"
        ),
    )]);
    let mut listen = spec("listener", listener.path());
    listen.network = Some("host".into());
    let mut talk = spec("talker", talker.path());
    talk.network = Some("host".into());

    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    let images = tokio::time::timeout(
        Duration::from_secs(120),
        docker.build_all("build-parallel", &[build(listen), build(talk)], &events),
    )
    .await
    .expect("the two builds must run at once: each waits for the other")
    .unwrap();
    assert_eq!(images.len(), 2);
    let heard = daemon.run(&["run", "--rm", &images[0].id, "cat", "/heard"]);
    assert_eq!(heard, format!("hello-{port}"));
    // The listener's RUN printed what it heard: Log lines carry the build output.
    let events = drain(&mut received);
    assert!(
        events.contains(&BuildEvent::Log {
            service: "listener".into(),
            line: format!("hello-{port}")
        }),
        "{events:#?}"
    );
}

#[tokio::test]
async fn a_failing_run_step_ends_with_its_output_and_stops_the_other_builds() {
    let daemon = local_docker();
    let home = tempfile::tempdir().unwrap();
    let docker = connect(&daemon, home.path()).await.with_parallelism(2);
    let port = free_port_below_ephemeral();
    let marker = format!("still-building-{port}");
    // slow is running its long RUN step when broken fails (broken waits for it over the network).
    let slow = context(&[(
        "Dockerfile",
        &format!(
            "FROM busybox:1.36\nRUN echo ready | nc -l -p {port}; sleep 600 && echo {marker}\n"
        ),
    )]);
    let broken = context(&[(
        "Dockerfile",
        &format!(
            "FROM busybox:1.36\nRUN until nc 127.0.0.1 {port} </dev/null; do sleep 0.2; done; \
             echo about to fail; ls /no-such-directory\n"
        ),
    )]);
    let mut slow_spec = spec("slow", slow.path());
    slow_spec.network = Some("host".into());
    let mut broken_spec = spec("broken", broken.path());
    broken_spec.network = Some("host".into());

    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let error = tokio::time::timeout(
        Duration::from_secs(120),
        docker.build_all(
            "build-failure",
            &[build(slow_spec), build(broken_spec)],
            &events,
        ),
    )
    .await
    .expect("a failure ends build_all without waiting for the other builds")
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(100));
    let Error::BuildFailed { service, tail } = &error else {
        panic!("expected BuildFailed, got {error:?}");
    };
    assert_eq!(service, "broken");
    assert!(tail.len() <= image_build::TAIL_LINES, "{tail:#?}");
    assert!(tail.iter().any(|l| l == "about to fail"), "{tail:#?}");
    assert!(
        tail.iter()
            .any(|l| l == "ls: /no-such-directory: No such file or directory"),
        "the failing command's output, without colour codes: {tail:#?}"
    );
    assert!(
        tail.iter()
            .any(|l| l.contains("returned a non-zero code: 1")),
        "{tail:#?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with("building the image of service \"broken\" failed"),
        "{message}"
    );
    drop(events);
    let events = drain(&mut received);
    assert!(
        events.contains(&BuildEvent::Failed {
            service: "broken".into(),
            tail: tail.clone()
        }),
        "{events:#?}"
    );
    assert!(!events.iter().any(|e| matches!(e, BuildEvent::Built { .. })));

    // The slow build was stopped: its docker process was killed, and the daemon cancelled the build.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let running = daemon.run(&["ps", "--no-trunc", "--format", "{{.Command}}"]);
        if !running.contains(&marker) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the slow build still runs: {running}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
