//! The `docker build` command line of a [`BuildSpec`], for BuildKit (`docker buildx build`) and the
//! classic builder (`docker build`). Pure, so each Compose attribute's flag is unit-tested; which
//! attributes the classic builder cannot take is check.rs's business, not this file's.

use std::ffi::OsString;
use std::path::Path;

use template_builder::{BuildSecretSource, BuildSpec};

/// One build: the arguments after the program, its extra environment, and what goes on stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuildCommand {
    pub args: Vec<OsString>,
    pub env: Vec<(&'static str, &'static str)>,
    /// The inline Dockerfile, read by docker through `--file -`.
    pub stdin: Option<String>,
}

/// `docker [buildx] build ... CONTEXT` for `spec`, tagged `tag`, the image id written to `iidfile`.
pub(crate) fn build_command(
    spec: &BuildSpec,
    buildx: bool,
    tag: &str,
    iidfile: &Path,
) -> BuildCommand {
    let (mut args, env): (Vec<OsString>, _) = if buildx {
        // --load: into the daemon's image store, where `docker push` (and `docker run`) find it.
        // Plain progress: line by line, as the classic builder prints.
        let args = ["buildx", "build", "--load", "--progress", "plain"];
        (args.map(OsString::from).into(), vec![])
    } else {
        // A DOCKER_BUILDKIT=1 left in the user's shell would make `docker build` look for buildx.
        (
            vec![OsString::from("build")],
            vec![("DOCKER_BUILDKIT", "0")],
        )
    };
    let mut flag = |name: &str, value: &str| {
        args.push(name.into());
        args.push(value.into());
    };
    flag("--platform", &spec.platform);
    flag("--tag", tag);
    let stdin = match (&spec.dockerfile_inline, &spec.dockerfile) {
        (Some(inline), _) => {
            flag("--file", "-");
            Some(inline.clone())
        }
        (None, Some(file)) => {
            flag("--file", file);
            None
        }
        (None, None) => None,
    };
    for (name, value) in &spec.args {
        flag("--build-arg", &format!("{name}={value}"));
    }
    if let Some(target) = &spec.target {
        flag("--target", target);
    }
    for (name, value) in &spec.labels {
        flag("--label", &format!("{name}={value}"));
    }
    for source in &spec.cache_from {
        flag("--cache-from", source);
    }
    for destination in &spec.cache_to {
        flag("--cache-to", destination);
    }
    for host in &spec.extra_hosts {
        flag("--add-host", host);
    }
    if let Some(network) = &spec.network {
        flag("--network", network);
    }
    if let Some(bytes) = spec.shm_size {
        flag("--shm-size", &bytes.to_string());
    }
    for limit in &spec.ulimits {
        flag("--ulimit", limit);
    }
    for agent in &spec.ssh {
        flag("--ssh", agent);
    }
    for secret in &spec.secrets {
        let source = match &secret.source {
            BuildSecretSource::File(file) => csv_field(&format!("src={file}")),
            BuildSecretSource::Environment(variable) => csv_field(&format!("env={variable}")),
        };
        flag(
            "--secret",
            &format!("{},{source}", csv_field(&format!("id={}", secret.id))),
        );
    }
    for context in &spec.additional_contexts {
        flag("--build-context", context);
    }
    if spec.no_cache {
        args.push("--no-cache".into());
    }
    if spec.pull {
        args.push("--pull".into());
    }
    args.push("--iidfile".into());
    args.push(iidfile.as_os_str().to_owned());
    args.push(spec.context.clone().into());
    BuildCommand { args, env, stdin }
}

/// docker reads `--secret` as one CSV record: a field with a comma or a quote is quoted.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use template_builder::BuildSecret;

    use super::*;
    use crate::check::tests::spec;

    fn args(command: &BuildCommand) -> Vec<&str> {
        command
            .args
            .iter()
            .map(|arg| arg.to_str().unwrap())
            .collect()
    }

    /// A spec with every field the classic builder takes.
    fn classic_spec() -> BuildSpec {
        let mut spec = spec("web", "/src/web");
        spec.dockerfile = Some("/src/web/docker/Dockerfile.prod".into());
        spec.args = BTreeMap::from([
            ("VERSION".into(), "1.2".into()),
            ("EMPTY".into(), String::new()),
        ]);
        spec.target = Some("runtime".into());
        spec.labels = BTreeMap::from([("team".into(), "shop".into())]);
        spec.cache_from = vec!["shop/web:cache".into()];
        spec.extra_hosts = vec!["db:10.0.0.5".into(), "v6:::1".into()];
        spec.network = Some("host".into());
        spec.shm_size = Some(64 << 20);
        spec.ulimits = vec!["nofile=1024:2048".into()];
        spec.no_cache = true;
        spec.pull = true;
        spec.platform = "linux/amd64".into();
        spec
    }

    #[test]
    fn classic_build_maps_every_field_it_supports() {
        let command = build_command(
            &classic_spec(),
            false,
            "docker-ecs.local/shop/web:latest",
            Path::new("/tmp/b/iid"),
        );
        assert_eq!(
            args(&command),
            [
                "build",
                "--platform",
                "linux/amd64",
                "--tag",
                "docker-ecs.local/shop/web:latest",
                "--file",
                "/src/web/docker/Dockerfile.prod",
                "--build-arg",
                "EMPTY=",
                "--build-arg",
                "VERSION=1.2",
                "--target",
                "runtime",
                "--label",
                "team=shop",
                "--cache-from",
                "shop/web:cache",
                "--add-host",
                "db:10.0.0.5",
                "--add-host",
                "v6:::1",
                "--network",
                "host",
                "--shm-size",
                "67108864",
                "--ulimit",
                "nofile=1024:2048",
                "--no-cache",
                "--pull",
                "--iidfile",
                "/tmp/b/iid",
                "/src/web",
            ]
        );
        assert_eq!(command.env, [("DOCKER_BUILDKIT", "0")]);
        assert_eq!(command.stdin, None);
    }

    #[test]
    fn buildx_loads_the_image_and_maps_the_buildkit_fields() {
        let mut spec = classic_spec();
        spec.platform = "linux/arm64".into();
        spec.cache_to = vec!["type=inline".into()];
        spec.ssh = vec!["default".into(), "deploy=/home/me/.ssh/id_ed25519".into()];
        spec.secrets = vec![
            BuildSecret {
                id: "npm".into(),
                source: BuildSecretSource::File("/src/npm token".into()),
            },
            BuildSecret {
                id: "api".into(),
                source: BuildSecretSource::Environment("API_TOKEN".into()),
            },
            BuildSecret {
                id: "odd".into(),
                source: BuildSecretSource::File("/src/a,b\"c".into()),
            },
        ];
        spec.additional_contexts =
            vec!["base=/src/base".into(), "img=docker-image://alpine".into()];
        let command = build_command(&spec, true, "t:latest", Path::new("/tmp/iid"));
        assert_eq!(
            args(&command),
            [
                "buildx",
                "build",
                "--load",
                "--progress",
                "plain",
                "--platform",
                "linux/arm64",
                "--tag",
                "t:latest",
                "--file",
                "/src/web/docker/Dockerfile.prod",
                "--build-arg",
                "EMPTY=",
                "--build-arg",
                "VERSION=1.2",
                "--target",
                "runtime",
                "--label",
                "team=shop",
                "--cache-from",
                "shop/web:cache",
                "--cache-to",
                "type=inline",
                "--add-host",
                "db:10.0.0.5",
                "--add-host",
                "v6:::1",
                "--network",
                "host",
                "--shm-size",
                "67108864",
                "--ulimit",
                "nofile=1024:2048",
                "--ssh",
                "default",
                "--ssh",
                "deploy=/home/me/.ssh/id_ed25519",
                "--secret",
                "id=npm,src=/src/npm token",
                "--secret",
                "id=api,env=API_TOKEN",
                "--secret",
                "id=odd,\"src=/src/a,b\"\"c\"",
                "--build-context",
                "base=/src/base",
                "--build-context",
                "img=docker-image://alpine",
                "--no-cache",
                "--pull",
                "--iidfile",
                "/tmp/iid",
                "/src/web",
            ]
        );
        assert!(command.env.is_empty());
    }

    #[test]
    fn an_inline_dockerfile_goes_on_stdin() {
        let mut spec = spec("web", "/src/web");
        spec.dockerfile_inline = Some("FROM busybox:1.36\nRUN true\n".into());
        for buildx in [false, true] {
            let command = build_command(&spec, buildx, "t", Path::new("/i"));
            let args = args(&command);
            let file = args.iter().position(|a| *a == "--file").unwrap();
            assert_eq!(args[file + 1], "-");
            assert_eq!(args.last(), Some(&"/src/web"));
            assert_eq!(
                command.stdin.as_deref(),
                Some("FROM busybox:1.36\nRUN true\n")
            );
        }
    }

    #[test]
    fn the_smallest_spec_has_only_the_fixed_flags() {
        let command = build_command(&spec("web", "/src/web"), false, "t", Path::new("/i"));
        assert_eq!(
            args(&command),
            [
                "build",
                "--platform",
                "linux/amd64",
                "--tag",
                "t",
                "--iidfile",
                "/i",
                "/src/web"
            ]
        );
    }
}
