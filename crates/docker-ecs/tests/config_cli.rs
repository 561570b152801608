//! `docker ecs config` through the real binary: YAML and JSON output, name lists, and an invalid
//! file giving a non-zero exit and a message naming the file and the path.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const COMPOSE: &str = r#"name: clitest
services:
  web:
    image: nginx:${TAG:-1.27}
    ports: ["8080:80"]
    environment: {FLAG: "yes"}
    depends_on: [db]
  db:
    image: postgres
    volumes: ["data:/var/lib/postgresql/data"]
  debug:
    image: busybox
    profiles: [tools]
volumes:
  data:
"#;

fn run(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docker-ecs"));
    cmd.current_dir(dir).args(args);
    for var in [
        "COMPOSE_FILE",
        "COMPOSE_PROJECT_NAME",
        "COMPOSE_PROFILES",
        "TAG",
    ] {
        cmd.env_remove(var);
    }
    cmd.output().expect("run docker-ecs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("compose.yaml"), COMPOSE).unwrap();
    dir
}

#[test]
fn prints_yaml_by_default() {
    let dir = project();
    let out = run(dir.path(), &["config"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_yaml::Value = serde_yaml::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["name"], serde_yaml::Value::from("clitest"));
    assert_eq!(
        doc["services"]["web"]["image"],
        serde_yaml::Value::from("nginx:1.27")
    );
    assert_eq!(
        doc["services"]["web"]["ports"][0]["published"],
        serde_yaml::Value::from("8080")
    );
    // A YAML 1.1 reader would take a bare `yes` for a boolean.
    assert!(stdout(&out).contains("FLAG: \"yes\""), "{}", stdout(&out));
    assert!(
        doc["services"].get("debug").is_none(),
        "profiled service must be left out"
    );
}

#[test]
fn prints_json_with_format_json_and_via_the_plugin_entry() {
    let dir = project();
    let out = run(dir.path(), &["ecs", "config", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["services"]["db"]["volumes"][0]["source"], "data");
    assert_eq!(
        doc["services"]["web"]["depends_on"]["db"]["condition"],
        "service_started"
    );
    assert_eq!(doc["networks"]["default"], serde_json::json!({}));
}

#[test]
fn lists_services_volumes_profiles_and_images() {
    let dir = project();
    let services = run(dir.path(), &["config", "--services"]);
    assert_eq!(stdout(&services), "db\nweb\n");
    let with_profile = run(dir.path(), &["--profile", "tools", "config", "--services"]);
    assert_eq!(stdout(&with_profile), "db\ndebug\nweb\n");
    assert_eq!(stdout(&run(dir.path(), &["config", "--volumes"])), "data\n");
    assert_eq!(
        stdout(&run(dir.path(), &["config", "--profiles"])),
        "tools\n"
    );
    assert_eq!(
        stdout(&run(dir.path(), &["config", "--images"])),
        "nginx:1.27\npostgres\n"
    );
}

#[test]
fn no_interpolate_quiet_and_output_file() {
    let dir = project();
    let raw = run(
        dir.path(),
        &["config", "--no-interpolate", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&raw)).unwrap();
    assert_eq!(doc["services"]["web"]["image"], "nginx:${TAG:-1.27}");

    let quiet = run(dir.path(), &["config", "-q"]);
    assert!(quiet.status.success());
    assert!(stdout(&quiet).is_empty());

    let target = dir.path().join("out.json");
    let written = run(
        dir.path(),
        &["config", "--format", "json", "-o", target.to_str().unwrap()],
    );
    assert!(written.status.success(), "{}", stderr(&written));
    assert!(stdout(&written).is_empty());
    let doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(doc["name"], "clitest");
}

#[test]
fn invalid_file_exits_non_zero_naming_file_path_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yaml");
    fs::write(
        &file,
        "services:\n  web:\n    image: nginx\n    ports:\n      - \"80\"\n      - \"80:http\"\n",
    )
    .unwrap();
    let out = run(dir.path(), &["-f", "broken.yaml", "config"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}:6: services.web.ports[1]", file.display())),
        "{err}"
    );
    assert!(err.contains("invalid port \"80:http\""), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unset_variable_warning_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  a:\n    image: x:${NOPE_UNSET}\n  b:\n    image: y:${NOPE_UNSET}\n",
    )
    .unwrap();
    let out = run(dir.path(), &["-p", "warn", "config", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(
        err.matches("\"NOPE_UNSET\" variable is not set").count(),
        1,
        "{err}"
    );
}

#[test]
fn a_reader_that_closes_early_is_not_an_error() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    // Far more output than a pipe buffers, so config is still writing when the reader goes away.
    let dir = tempfile::tempdir().unwrap();
    let environment: String = (0..4000)
        .map(|i| format!("      VAR_{i}: \"{}\"\n", "x".repeat(60)))
        .collect();
    fs::write(
        dir.path().join("compose.yaml"),
        format!("name: pipe\nservices:\n  web:\n    image: nginx\n    environment:\n{environment}"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_docker-ecs"))
        .current_dir(dir.path())
        .arg("config")
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_PROFILES")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run docker-ecs");
    // `| head -1`: read one line, then close the pipe.
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "name: pipe\n");
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}: {}", out.status, stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn engine_only_options_are_printed_as_written() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("token.txt"), "s3cret").unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n    networks:\n      front:\n        mac_address: \"02:42:ac:11:65:43\"\n        link_local_ips: [169.254.8.8]\n    secrets: [token]\nnetworks:\n  front:\nsecrets:\n  token:\n    file: ./token.txt\n    driver: vault\n    driver_opts: {ttl: 60}\n    template_driver: golang\n",
    )
    .unwrap();
    let out = run(dir.path(), &["-p", "engine", "config", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        doc["services"]["web"]["networks"]["front"],
        serde_json::json!({"mac_address": "02:42:ac:11:65:43", "link_local_ips": ["169.254.8.8"]})
    );
    let token = &doc["secrets"]["token"];
    assert_eq!(token["driver"], "vault");
    assert_eq!(token["driver_opts"], serde_json::json!({"ttl": "60"}));
    assert_eq!(token["template_driver"], "golang");
}
