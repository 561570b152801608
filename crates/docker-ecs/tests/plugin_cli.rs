//! The plugin as the real `docker` CLI sees it: installed in a temporary DOCKER_CONFIG/cli-plugins, listed by
//! `docker help`, run as `docker ecs ...` with its exit codes passed through. No Docker daemon is involved.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{plugin_binary, Run};

/// A DOCKER_CONFIG with the freshly built plugin in cli-plugins, the way `make install` lays it out.
struct DockerConfig {
    dir: tempfile::TempDir,
}

impl DockerConfig {
    fn with_plugin() -> DockerConfig {
        let dir = tempfile::tempdir().expect("temporary directory");
        let plugins = dir.path().join("cli-plugins");
        std::fs::create_dir_all(&plugins).expect("create cli-plugins");
        let installed = plugins.join("docker-ecs");
        std::fs::copy(plugin_binary(), &installed).expect("copy the plugin binary");
        make_executable(&installed);
        DockerConfig { dir }
    }

    /// `docker ARGS...` with this configuration, run in `cwd`.
    fn docker_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let mut cmd = Command::new(docker());
        cmd.args(args)
            .current_dir(cwd)
            .env("DOCKER_CONFIG", self.dir.path())
            .env("HOME", self.dir.path())
            .env("DOCKER_CLI_HINTS", "false")
            .env("NO_COLOR", "1")
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT")
            .env_remove("COMPOSE_FILE");
        Run::of(&format!("docker {}", args.join(" ")), cmd)
    }

    fn docker(&self, args: &[&str]) -> Run {
        self.docker_in(self.dir.path(), args)
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .expect("make the plugin executable");
}

/// The docker CLI on PATH; the test fails (it is part of what `make test` checks) when it is missing.
fn docker() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("docker"))
            .find(|candidate| candidate.is_file())
    });
    found.expect("the docker CLI is not on PATH: install it (the client alone is enough)")
}

fn metadata() -> serde_json::Value {
    let text = include_str!("../../../docker-cli-plugin-metadata.json");
    serde_json::from_str(text).expect("docker-cli-plugin-metadata.json is valid JSON")
}

#[test]
fn docker_help_lists_the_plugin_with_its_short_description() {
    let config = DockerConfig::with_plugin();
    let run = config.docker(&["help"]);
    run.assert_success();
    let description = metadata()["ShortDescription"]
        .as_str()
        .expect("ShortDescription")
        .to_owned();
    let line = run
        .stdout()
        .lines()
        .find(|l| l.trim_start().starts_with("ecs*"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no `ecs*` line in docker help:\n{}", run.describe()));
    assert!(
        line.ends_with(&description),
        "the ecs line should end with {description:?}: {line:?}"
    );
}

#[test]
fn docker_ecs_version_prints_our_version() {
    let config = DockerConfig::with_plugin();
    let run = config.docker(&["ecs", "version"]);
    run.assert_success();
    assert_eq!(
        run.stdout().trim(),
        format!("Docker ECS plugin {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn docker_ecs_help_and_docker_help_ecs_show_our_commands() {
    let config = DockerConfig::with_plugin();
    // `docker ecs` alone, like `docker compose` alone, prints the help and exits 0.
    for args in [&["ecs", "--help"][..], &["help", "ecs"][..], &["ecs"][..]] {
        let run = config.docker(args);
        run.assert_success();
        let text = run.stdout();
        assert!(
            text.contains("Usage: docker ecs"),
            "usage line: {}",
            run.describe()
        );
        for command in [
            "up", "down", "ps", "logs", "convert", "config", "secret", "ls", "version",
        ] {
            let listed = text
                .lines()
                .any(|l| l.split_whitespace().next() == Some(command));
            assert!(listed, "`{command}` missing from {}", run.describe());
        }
        assert!(text.contains("--project-name"), "{}", run.describe());
    }
}

#[test]
fn docker_help_ecs_command_shows_that_commands_flags() {
    let config = DockerConfig::with_plugin();
    let run = config.docker(&["help", "ecs", "up"]);
    run.assert_success();
    assert!(run.stdout().contains("--detach"), "{}", run.describe());
}

#[test]
fn exit_codes_and_errors_pass_through_docker() {
    let config = DockerConfig::with_plugin();

    // A usage error is clap's exit code 2, through docker unchanged.
    let run = config.docker(&["ecs", "no-such-command"]);
    assert_eq!(run.code(), Some(2), "{}", run.describe());
    assert!(
        run.stderr().contains("no-such-command"),
        "{}",
        run.describe()
    );

    // A missing Compose file is our error, naming the file, with a failure exit code.
    let run = config.docker(&["ecs", "convert", "-f", "missing.yaml"]);
    assert_eq!(run.code(), Some(1), "{}", run.describe());
    assert!(run.stderr().contains("missing.yaml"), "{}", run.describe());
    assert!(run.stdout().is_empty(), "{}", run.describe());
}

#[test]
fn docker_ecs_convert_runs_in_the_callers_directory() {
    let config = DockerConfig::with_plugin();
    let project = tempfile::tempdir().expect("temporary directory");
    std::fs::write(
        project.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"80:80\"\n",
    )
    .expect("write compose.yaml");
    let run = config.docker_in(project.path(), &["ecs", "convert", "--format", "json"]);
    run.assert_success();
    let template: serde_json::Value = serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("convert printed invalid JSON ({e}): {}", run.describe()));
    let resources = template["Resources"]
        .as_object()
        .unwrap_or_else(|| panic!("no Resources: {}", run.describe()));
    assert!(
        resources.values().any(|r| r["Type"] == "AWS::ECS::Service"),
        "no ECS service in {}",
        run.stdout()
    );
}
