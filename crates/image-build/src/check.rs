//! Everything that would stop a build, found before anything is built and reported all at once: a
//! user who fixes one problem should not meet the next one only after ten minutes of building.
//! Remote (git / HTTP) contexts are left to docker: they cannot be checked without fetching them.

use std::ffi::OsStr;
use std::path::Path;

use template_builder::{BuildSecretSource, BuildSpec, ImageBuild};

use crate::docker::same_platform;
use crate::{Docker, Error, Problem};

impl Docker {
    /// Everything that would stop a build, found BEFORE anything is built, ALL of them in one
    /// error ([`Error::Unsupported`]), each naming the service and the attribute: a missing local
    /// context directory or Dockerfile; a platform other than the daemon's without buildx; ssh,
    /// secrets, cache_to, additional_contexts without buildx; a build secret whose file is missing
    /// or whose environment variable is unset (in the environment docker runs in).
    pub fn check(&self, builds: &[ImageBuild]) -> Result<(), Error> {
        let problems: Vec<Problem> = builds
            .iter()
            .flat_map(|build| self.problems(&build.spec))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Unsupported(problems))
        }
    }

    fn problems(&self, spec: &BuildSpec) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |attribute: &str, message: String| {
            problems.push(Problem {
                service: spec.service.clone(),
                attribute: attribute.to_string(),
                message,
            })
        };
        let local = !is_remote(&spec.context);
        let context = Path::new(&spec.context);
        let context_exists = context.is_dir();
        if local && !context_exists {
            problem(
                "build.context",
                if context.exists() {
                    format!("{} is not a directory", spec.context)
                } else {
                    format!("the directory {} does not exist", spec.context)
                },
            );
        }
        if local && spec.dockerfile_inline.is_none() {
            match &spec.dockerfile {
                Some(file) if !Path::new(file).is_file() => problem(
                    "build.dockerfile",
                    format!("the Dockerfile {file} does not exist"),
                ),
                Some(_) => {}
                None if context_exists
                    && !context.join("Dockerfile").is_file()
                    && !context.join("dockerfile").is_file() =>
                {
                    problem(
                        "build.dockerfile",
                        format!(
                            "there is no Dockerfile in {}: add one, or name it with build.dockerfile",
                            spec.context
                        ),
                    )
                }
                None => {}
            }
        }
        if !self.buildx && !same_platform(&spec.platform, &self.platform) {
            problem(
                "platform",
                format!(
                    "the task runs on {}, but the Docker daemon builds for {} and a cross-platform build \
                     without buildx is not possible: install docker buildx (with QEMU emulation for {}), \
                     or build on a {} machine",
                    spec.platform, self.platform, spec.platform, spec.platform
                ),
            );
        }
        if !self.buildx {
            for (attribute, used) in [
                ("build.ssh", !spec.ssh.is_empty()),
                ("build.secrets", !spec.secrets.is_empty()),
                ("build.cache_to", !spec.cache_to.is_empty()),
                (
                    "build.additional_contexts",
                    !spec.additional_contexts.is_empty(),
                ),
            ] {
                if used {
                    problem(
                        attribute,
                        "needs BuildKit (docker buildx), which is not installed".into(),
                    );
                }
            }
        }
        for (index, secret) in spec.secrets.iter().enumerate() {
            let attribute = format!("build.secrets[{index}]");
            match &secret.source {
                BuildSecretSource::File(file) if !Path::new(file).is_file() => problem(
                    &attribute,
                    format!("secret {:?} reads the file {file}, which does not exist", secret.id),
                ),
                BuildSecretSource::Environment(variable)
                    if !self.environment.contains_key(OsStr::new(variable)) =>
                {
                    problem(
                        &attribute,
                        format!(
                            "secret {:?} reads the environment variable {variable}, which is not set",
                            secret.id
                        ),
                    )
                }
                _ => {}
            }
        }
        problems
    }
}

/// A git or HTTP(S) context, which docker fetches itself (as the template builder reads them).
pub(crate) fn is_remote(context: &str) -> bool {
    context.contains("://") || context.starts_with("git@") || context.starts_with("github.com/")
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;
    use std::ffi::OsString;

    use template_builder::BuildSecret;

    use super::*;

    fn docker(buildx: bool, environment: &[(&str, &str)]) -> Docker {
        Docker {
            program: "docker".into(),
            environment: environment
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v)))
                .collect::<BTreeMap<_, _>>(),
            buildx,
            platform: "linux/amd64".into(),
            parallelism: 2,
        }
    }

    pub(crate) fn spec(service: &str, context: &str) -> BuildSpec {
        BuildSpec {
            service: service.into(),
            context: context.into(),
            dockerfile: None,
            dockerfile_inline: None,
            args: BTreeMap::new(),
            target: None,
            labels: BTreeMap::new(),
            cache_from: vec![],
            cache_to: vec![],
            extra_hosts: vec![],
            network: None,
            shm_size: None,
            ssh: vec![],
            secrets: vec![],
            additional_contexts: vec![],
            ulimits: vec![],
            no_cache: false,
            pull: false,
            platform: "linux/amd64".into(),
        }
    }

    fn build(spec: BuildSpec) -> ImageBuild {
        ImageBuild {
            spec,
            targets: vec![],
            base_of: vec![],
        }
    }

    fn problems(result: Result<(), Error>) -> Vec<String> {
        match result {
            Err(Error::Unsupported(problems)) => problems.iter().map(|p| p.to_string()).collect(),
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_local_build_passes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        let spec = spec("web", dir.path().to_str().unwrap());
        docker(false, &[]).check(&[build(spec)]).unwrap();
    }

    #[test]
    fn every_problem_of_every_build_is_reported_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let context = dir.path().to_str().unwrap();
        // web: no Dockerfile in its context, arm64, BuildKit-only attributes, secrets that are missing.
        let mut web = spec("web", context);
        web.platform = "linux/arm64".into();
        web.ssh = vec!["default".into()];
        web.cache_to = vec!["type=inline".into()];
        web.additional_contexts = vec!["base=../base".into()];
        web.secrets = vec![
            BuildSecret {
                id: "npm".into(),
                source: BuildSecretSource::File(format!("{context}/missing-token")),
            },
            BuildSecret {
                id: "api".into(),
                source: BuildSecretSource::Environment("API_TOKEN".into()),
            },
        ];
        // worker: a context and a Dockerfile that do not exist.
        let mut worker = spec("worker", "/nonexistent/worker");
        worker.dockerfile = Some("/nonexistent/worker/Dockerfile.prod".into());
        // remote: not checked locally.
        let remote = spec("remote", "https://github.com/acme/app.git#main");
        let found = problems(docker(false, &[]).check(&[build(web), build(worker), build(remote)]));
        let expected = [
            format!("service \"web\": build.dockerfile: there is no Dockerfile in {context}"),
            "service \"web\": platform: the task runs on linux/arm64, but the Docker daemon builds for linux/amd64 and a cross-platform build without buildx".into(),
            "service \"web\": build.ssh: needs BuildKit (docker buildx), which is not installed".into(),
            "service \"web\": build.secrets: needs BuildKit (docker buildx), which is not installed".into(),
            "service \"web\": build.cache_to: needs BuildKit (docker buildx), which is not installed".into(),
            "service \"web\": build.additional_contexts: needs BuildKit (docker buildx), which is not installed".into(),
            format!("service \"web\": build.secrets[0]: secret \"npm\" reads the file {context}/missing-token, which does not exist"),
            "service \"web\": build.secrets[1]: secret \"api\" reads the environment variable API_TOKEN, which is not set".into(),
            "service \"worker\": build.context: the directory /nonexistent/worker does not exist".into(),
            "service \"worker\": build.dockerfile: the Dockerfile /nonexistent/worker/Dockerfile.prod does not exist".into(),
        ];
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        for (found, expected) in found.iter().zip(&expected) {
            assert!(
                found.starts_with(expected.as_str()),
                "{found}\n  expected {expected}"
            );
        }
    }

    #[test]
    fn with_buildx_only_missing_inputs_remain() {
        let dir = tempfile::tempdir().unwrap();
        let context = dir.path().to_str().unwrap();
        let token = dir.path().join("token");
        std::fs::write(&token, "s3cret").unwrap();
        let mut web = spec("web", context);
        web.dockerfile_inline = Some("FROM scratch\n".into());
        web.platform = "linux/arm64".into();
        web.ssh = vec!["default".into()];
        web.secrets = vec![
            BuildSecret {
                id: "npm".into(),
                source: BuildSecretSource::File(token.to_str().unwrap().into()),
            },
            BuildSecret {
                id: "api".into(),
                source: BuildSecretSource::Environment("API_TOKEN".into()),
            },
            BuildSecret {
                id: "empty".into(),
                source: BuildSecretSource::Environment("EMPTY".into()),
            },
            BuildSecret {
                id: "unset".into(),
                source: BuildSecretSource::Environment("UNSET".into()),
            },
        ];
        let found = problems(
            docker(true, &[("API_TOKEN", "x"), ("EMPTY", "")]).check(&[build(web.clone())]),
        );
        assert_eq!(
            found,
            ["service \"web\": build.secrets[3]: secret \"unset\" reads the environment variable UNSET, which is not set"]
        );
        // A variable set to the empty string is set: the secret is empty.
        web.secrets.pop();
        docker(true, &[("API_TOKEN", "x"), ("EMPTY", "")])
            .check(&[build(web)])
            .unwrap();
    }

    #[test]
    fn a_file_as_context_or_a_lowercase_dockerfile() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let found = problems(docker(false, &[]).check(&[build(spec("a", file.to_str().unwrap()))]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].ends_with("is not a directory"), "{}", found[0]);
        std::fs::write(dir.path().join("dockerfile"), "FROM scratch\n").unwrap();
        docker(false, &[])
            .check(&[build(spec("a", dir.path().to_str().unwrap()))])
            .unwrap();
    }
}
