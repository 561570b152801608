//! `build:` end to end, with real parts only: a Docker daemon and a registry of the test's own
//! (e2e/local_docker.sh), and the local AWS API whose Amazon ECR keeps its images in that registry.
//! examples/build-web (two built services and a registry image) goes up; the deployed task
//! definitions run exactly the digests the registry holds; `up` again pushes nothing and changes
//! nothing; a changed source file rolls out a new digest; `down --rmi all` leaves no repository.
//! Bad builds and an unreachable daemon stop before anything exists in the account.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{copy_dir, examples_dir, str_at, LocalDocker, Moto, Run, Spawned};

const PROJECT: &str = "build-web";

/// A writable copy of examples/build-web in `<tmp>/build-web` (the project name).
fn example() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join(PROJECT);
    copy_dir(&examples_dir().join(PROJECT), &dir);
    (tmp, dir)
}

/// The image of `container` in the latest revision of task definition family `family`.
fn deployed_image(moto: &Moto, family: &str, container: &str) -> String {
    let described = moto.aws_ok(
        "ecs",
        "describe_task_definition",
        json!({"taskDefinition": family}),
    );
    described["taskDefinition"]["containerDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == container)
        .map(|c| str_at(c, "/image").to_string())
        .unwrap_or_else(|| panic!("no container {container} in {family}: {described}"))
}

/// The digest the registry serves for `repository:tag`.
fn registry_digest(docker: &LocalDocker, repository: &str, tag: &str) -> Option<String> {
    let (status, _, digest) = docker.registry_get(&format!("/v2/{repository}/manifests/{tag}"));
    (status == 200).then(|| digest.expect("a Docker-Content-Digest header"))
}

fn tags(docker: &LocalDocker, repository: &str) -> Vec<String> {
    let (status, body, _) = docker.registry_get(&format!("/v2/{repository}/tags/list"));
    if status != 200 {
        return Vec::new();
    }
    let listed: Value = serde_json::from_str(&body).expect("a JSON tag list");
    let mut tags: Vec<String> = listed["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    tags.sort();
    tags
}

fn repositories(moto: &Moto) -> Vec<String> {
    let listed = moto.aws_ok("ecr", "describe_repositories", json!({}));
    let mut names: Vec<String> = listed["repositories"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| str_at(r, "/repositoryName").to_string())
        .collect();
    names.sort();
    names
}

fn no_stack(moto: &Moto, project: &str) -> bool {
    moto.aws(
        "cloudformation",
        "describe_stacks",
        json!({"StackName": project}),
    )
    .is_err_and(|e| e.contains("does not exist"))
}

#[test]
fn built_images_deploy_by_digest_roll_out_on_change_and_leave_with_rmi() {
    let docker = LocalDocker::start();
    let moto = Moto::start_with_docker(&docker);
    let (_tmp, dir) = example();

    let up = moto.docker_ecs(&dir, &["up"]);
    up.assert_success();
    let web = deployed_image(&moto, "build-web-web", "web");
    let worker = deployed_image(&moto, "build-web-worker", "worker");
    let web_digest = registry_digest(&docker, "build-web/web", "latest").expect("web was pushed");
    let worker_digest =
        registry_digest(&docker, "build-web/visit-counter", "1.0").expect("worker was pushed");
    assert_eq!(
        web,
        format!("{}/build-web/web@{web_digest}", docker.registry)
    );
    assert_eq!(
        worker,
        format!(
            "{}/build-web/visit-counter@{worker_digest}",
            docker.registry
        )
    );
    assert_eq!(
        deployed_image(&moto, "build-web-redis", "redis"),
        "public.ecr.aws/docker/library/redis:7-alpine"
    );
    assert_eq!(
        repositories(&moto),
        ["build-web/visit-counter", "build-web/web"]
    );
    // The image's own tag, and the one naming the build that made it.
    let web_tags = tags(&docker, "build-web/web");
    assert_eq!(web_tags.len(), 2, "{web_tags:?}");
    assert!(web_tags.contains(&"latest".to_string()), "{web_tags:?}");
    assert!(
        web_tags.iter().any(|t| t.starts_with("build-")),
        "{web_tags:?}"
    );

    // Nothing changed: nothing is pushed and the stack is left alone.
    let again = moto.docker_ecs(&dir, &["up"]);
    again.assert_success();
    assert!(
        again.stderr().contains("web image: Already in Amazon ECR"),
        "{}",
        again.describe()
    );
    assert!(
        again.stderr().contains("Nothing to update"),
        "{}",
        again.describe()
    );
    assert!(!again.stderr().contains("Pushing"), "{}", again.describe());
    assert_eq!(tags(&docker, "build-web/web"), web_tags);
    assert_eq!(deployed_image(&moto, "build-web-web", "web"), web);

    // A changed source file: a new image, a new digest, deployed.
    std::fs::write(
        dir.join("web/site/index.html"),
        "<!doctype html><title>changed</title><p>changed</p>\n",
    )
    .expect("change the site");
    let changed = moto.docker_ecs(&dir, &["up"]);
    changed.assert_success();
    let new_digest = registry_digest(&docker, "build-web/web", "latest").expect("pushed again");
    assert_ne!(new_digest, web_digest);
    assert_eq!(
        deployed_image(&moto, "build-web-web", "web"),
        format!("{}/build-web/web@{new_digest}", docker.registry)
    );
    // The worker's source did not change: same image.
    assert_eq!(deployed_image(&moto, "build-web-worker", "worker"), worker);

    let down = moto.docker_ecs(&dir, &["down", "--rmi", "all"]);
    down.assert_success();
    assert!(
        down.stderr()
            .contains("build-web/visit-counter, build-web/web"),
        "{}",
        down.describe()
    );
    assert!(repositories(&moto).is_empty());
    assert_eq!(registry_digest(&docker, "build-web/web", "latest"), None);
    assert!(no_stack(&moto, PROJECT));
}

#[test]
fn diff_and_no_build_push_nothing() {
    let docker = LocalDocker::start();
    let moto = Moto::start_with_docker(&docker);
    let (_tmp, dir) = example();

    // Before the first up: the dry run builds locally but creates no repository.
    let first = moto.docker_ecs(&dir, &["diff"]);
    first.assert_success();
    assert!(
        first.stdout().contains("New images") && first.stdout().contains("web, worker"),
        "{}",
        first.describe()
    );
    assert!(repositories(&moto).is_empty(), "{:?}", repositories(&moto));
    assert!(no_stack(&moto, PROJECT));

    moto.docker_ecs(&dir, &["up"]).assert_success();
    let web = deployed_image(&moto, "build-web-web", "web");
    let web_tags = tags(&docker, "build-web/web");

    std::fs::write(dir.join("web/site/index.html"), "<p>next</p>\n").expect("change the site");
    let diff = moto.docker_ecs(&dir, &["diff"]);
    diff.assert_success();
    assert!(
        diff.stdout().contains("New images") && diff.stdout().contains(": web\n"),
        "{}",
        diff.describe()
    );
    assert!(
        diff.stdout().contains("WebTaskDefinition"),
        "{}",
        diff.describe()
    );
    assert_eq!(tags(&docker, "build-web/web"), web_tags, "diff pushed");

    // --no-build deploys what is in ECR under the tag: the changed source is not built.
    let no_build = moto.docker_ecs(&dir, &["up", "--no-build"]);
    no_build.assert_success();
    assert!(
        !no_build.stderr().contains("Building"),
        "{}",
        no_build.describe()
    );
    assert_eq!(deployed_image(&moto, "build-web-web", "web"), web);
    assert_eq!(tags(&docker, "build-web/web"), web_tags);
}

fn write_project(dir: &Path, compose: &str) {
    std::fs::create_dir_all(dir).expect("project directory");
    std::fs::write(dir.join("compose.yaml"), compose).expect("compose.yaml");
}

#[test]
fn a_failing_build_names_the_service_and_creates_nothing() {
    let docker = LocalDocker::start();
    let moto = Moto::start_with_docker(&docker);
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("broken");
    write_project(
        &dir,
        "services:\n  api:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM busybox:1.36\n        RUN echo the-compiler-said-no && false\n",
    );
    let up = moto.docker_ecs(&dir, &["up"]);
    assert_eq!(up.code(), Some(1), "{}", up.describe());
    let stderr = up.stderr();
    assert!(stderr.contains("api"), "{}", up.describe());
    assert!(stderr.contains("the-compiler-said-no"), "{}", up.describe());
    assert!(repositories(&moto).is_empty());
    assert!(no_stack(&moto, "broken"));
}

#[test]
fn missing_context_or_unreachable_daemon_stop_before_anything_happens() {
    let docker = LocalDocker::start();
    let moto = Moto::start_with_docker(&docker);
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("missing");
    write_project(&dir, "services:\n  api:\n    build: ./nowhere\n");
    let up = moto.docker_ecs(&dir, &["up"]);
    assert_eq!(up.code(), Some(1), "{}", up.describe());
    assert!(
        up.stderr().contains("api") && up.stderr().contains("nowhere"),
        "{}",
        up.describe()
    );

    let dir = tmp.path().join("nodaemon");
    write_project(&dir, "services:\n  api:\n    build: .\n");
    std::fs::write(dir.join("Dockerfile"), "FROM busybox:1.36\n").expect("Dockerfile");
    let mut cmd = moto.docker_ecs_command(&dir, &["up"]);
    cmd.env(
        "DOCKER_HOST",
        format!("unix://{}/gone.sock", tmp.path().display()),
    );
    let up = Run::of("docker-ecs up (no daemon)", cmd);
    assert_eq!(up.code(), Some(1), "{}", up.describe());
    assert!(
        up.stderr().to_lowercase().contains("docker daemon"),
        "{}",
        up.describe()
    );
    assert!(repositories(&moto).is_empty());
    assert!(no_stack(&moto, "missing") && no_stack(&moto, "nodaemon"));
}

#[test]
fn ctrl_c_during_a_build_stops_it_and_creates_nothing() {
    let docker = LocalDocker::start();
    let moto = Moto::start_with_docker(&docker);
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("slow");
    write_project(
        &dir,
        "services:\n  api:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM busybox:1.36\n        RUN echo started-building && sleep 120\n",
    );
    let mut up = Spawned::start_reading_stderr(moto.docker_ecs_command(&dir, &["up"]));
    let seen = up.wait_for("started-building", Duration::from_secs(60));
    assert!(seen.is_some(), "the build never started");
    assert_eq!(up.interrupt(Duration::from_secs(30)), Some(130));
    assert!(repositories(&moto).is_empty());
    assert!(no_stack(&moto, "slow"));
    // The build's container is gone with it.
    let running = docker.docker(&["ps", "-q"]);
    running.assert_success();
    assert_eq!(running.stdout().trim(), "", "{}", running.describe());
}
