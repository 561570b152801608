//! What real apps mount, end to end with real parts: examples/static-site (a bind-mounted folder and
//! script, configs from a file and from text, an anonymous volume) goes up against the local AWS
//! API with a Docker daemon and registry of the test's own. The deployed task definitions run
//! derived images whose files are the project's (read back by running the pushed image), the
//! anonymous volume is storage of the task's own, an unchanged project pushes nothing, and a
//! changed file rolls out. Bad sources stop before anything exists in the account.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::{copy_dir, examples_dir, str_at, LocalDocker, Moto, Run};

const PROJECT: &str = "static-site";

fn example() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join(PROJECT);
    copy_dir(&examples_dir().join(PROJECT), &dir);
    (tmp, dir)
}

fn task_definition(moto: &Moto, family: &str) -> Value {
    moto.aws_ok(
        "ecs",
        "describe_task_definition",
        json!({"taskDefinition": family}),
    )["taskDefinition"]
        .clone()
}

fn container<'a>(definition: &'a Value, name: &str) -> &'a Value {
    definition["containerDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}: {definition}"))
}

/// Run `command` in a pushed image, through the test's daemon (which pulls it from the registry).
fn run_in(docker: &LocalDocker, image: &str, command: &str) -> String {
    let run = docker.docker(&["run", "--rm", image, "sh", "-c", command]);
    run.assert_success();
    run.stdout()
}

fn repositories(moto: &Moto) -> usize {
    moto.aws_ok("ecr", "describe_repositories", json!({}))["repositories"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn mounted_files_and_configs_reach_the_task_and_roll_out_on_change() {
    let docker = LocalDocker::start();
    let moto = Moto::start_with_docker(&docker);
    let (_tmp, dir) = example();

    moto.docker_ecs(&dir, &["up"]).assert_success();
    let web_definition = task_definition(&moto, "static-site-web");
    let web = str_at(container(&web_definition, "web"), "/image").to_string();
    let status_definition = task_definition(&moto, "static-site-status");
    let status = str_at(container(&status_definition, "status"), "/image").to_string();
    assert!(
        web.starts_with(&format!("{}/static-site/web@sha256:", docker.registry)),
        "{web}"
    );
    assert!(
        status.starts_with(&format!("{}/static-site/status@sha256:", docker.registry)),
        "{status}"
    );

    // The files in the deployed images are the project's.
    let read = |path: &str| std::fs::read_to_string(dir.join(path)).expect("read the project file");
    assert_eq!(
        run_in(&docker, &web, "cat /www/index.html"),
        read("site/index.html")
    );
    assert_eq!(
        run_in(&docker, &web, "cat /etc/httpd.conf"),
        read("httpd.conf")
    );
    assert_eq!(
        run_in(&docker, &status, "cat /usr/local/bin/status.sh"),
        read("status.sh")
    );
    // A config from text, with its owner and mode; a config file with the default mode 0444.
    assert_eq!(
        run_in(
            &docker,
            &status,
            "cat /etc/banner; echo; stat -c '%a %u %g' /etc/banner"
        ),
        "static-site first edition\n440 65534 65534\n"
    );
    assert_eq!(run_in(&docker, &web, "stat -c %a /etc/httpd.conf"), "444\n");
    // The script keeps its mode (executable), as a bind mount shows it.
    assert_eq!(
        run_in(&docker, &status, "stat -c %a /usr/local/bin/status.sh"),
        "755\n"
    );

    // The anonymous volume is the task's own storage: a volume without a host or file system.
    let volumes = web_definition["volumes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(volumes.len(), 1, "{web_definition}");
    assert!(volumes[0].get("efsVolumeConfiguration").is_none());
    let mount = &container(&web_definition, "web")["mountPoints"][0];
    assert_eq!(mount["containerPath"], "/var/cache/site");
    assert_eq!(mount["sourceVolume"], volumes[0]["name"]);

    // Nothing changed: nothing pushed, nothing updated.
    let again = moto.docker_ecs(&dir, &["up"]);
    again.assert_success();
    assert!(!again.stderr().contains("Pushing"), "{}", again.describe());
    assert!(
        again.stderr().contains("Nothing to update"),
        "{}",
        again.describe()
    );

    // A changed file of the project: web's image changes and rolls out, status's does not.
    std::fs::write(dir.join("site/index.html"), "<p>second edition</p>\n")
        .expect("change the site");
    moto.docker_ecs(&dir, &["up"]).assert_success();
    let new_web = str_at(
        container(&task_definition(&moto, "static-site-web"), "web"),
        "/image",
    )
    .to_string();
    assert_ne!(new_web, web);
    assert_eq!(
        run_in(&docker, &new_web, "cat /www/index.html"),
        "<p>second edition</p>\n"
    );
    assert_eq!(
        str_at(
            container(&task_definition(&moto, "static-site-status"), "status"),
            "/image"
        ),
        status
    );
}

fn write_project(dir: &Path, compose: &str) {
    std::fs::create_dir_all(dir).expect("project directory");
    std::fs::write(dir.join("compose.yaml"), compose).expect("compose.yaml");
}

fn refused(moto: &Moto, dir: &Path, says: &[&str]) -> Run {
    let up = moto.docker_ecs(dir, &["up"]);
    assert_eq!(up.code(), Some(1), "{}", up.describe());
    for part in says {
        assert!(
            up.stderr().contains(part),
            "expected {part:?}: {}",
            up.describe()
        );
    }
    up
}

#[test]
fn bad_sources_stop_before_anything_is_created() {
    let docker = LocalDocker::start();
    let moto = Moto::start_with_docker(&docker);
    let tmp = tempfile::tempdir().expect("temporary directory");

    // A source that does not exist (a bind mount would have made an empty folder).
    let missing = tmp.path().join("missing");
    write_project(
        &missing,
        "services:\n  web:\n    image: busybox:1.36\n    volumes:\n      - ./nginx.conf:/etc/nginx.conf:ro\n",
    );
    refused(
        &moto,
        &missing,
        &[
            "compose.yaml:5: service \"web\": volumes[0]",
            "nginx.conf",
            "does not exist",
        ],
    );

    // A socket of this machine.
    let socket = tmp.path().join("socket");
    write_project(
        &socket,
        "services:\n  web:\n    image: busybox:1.36\n    volumes:\n      - ./agent.sock:/run/agent.sock\n",
    );
    let _listener = std::os::unix::net::UnixListener::bind(socket.join("agent.sock"))
        .expect("bind a unix socket");
    refused(
        &moto,
        &socket,
        &["web", "volumes[0]", "neither a file nor a folder"],
    );

    // A folder where the image has a file.
    let folder = tmp.path().join("folder");
    write_project(
        &folder,
        "services:\n  web:\n    image: busybox:1.36\n    volumes:\n      - ./passwd:/etc/passwd:ro\n",
    );
    std::fs::create_dir(folder.join("passwd")).expect("a folder");
    std::fs::write(folder.join("passwd/users"), "ann\n").expect("a file in it");
    refused(
        &moto,
        &folder,
        &["web", "volumes[0]", "/etc/passwd is a file in image"],
    );

    assert_eq!(repositories(&moto), 0);
    for project in ["missing", "socket", "folder"] {
        assert!(moto
            .aws(
                "cloudformation",
                "describe_stacks",
                json!({"StackName": project})
            )
            .is_err());
    }
}
