//! The docker CLI we run and what its daemon can do. We never talk to the daemon ourselves: every
//! command goes through the user's own `docker`, so DOCKER_HOST, DOCKER_CONTEXT, the current
//! context, TLS settings and credential helpers all work as they do in the user's shell.
//!
//! The environment the CLI runs in is a value ([`Docker::connect_with`]), not the process's: tests
//! give each daemon its own, and build secrets read from `env=` are checked in the same one.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::process::Command;

use crate::Error;

/// Names the docker program instead of `docker` on PATH.
pub const DOCKER_CLI_VARIABLE: &str = "DOCKER_ECS_DOCKER_CLI";

/// How long `docker version` may take before the daemon counts as unreachable (a TCP endpoint
/// that drops packets would otherwise hang `up`).
const DAEMON_TIMEOUT: Duration = Duration::from_secs(30);

/// The docker CLI we run, and what the daemon behind it can do.
#[derive(Clone)]
pub struct Docker {
    pub(crate) program: OsString,
    /// The whole environment every docker command runs in.
    pub(crate) environment: BTreeMap<OsString, OsString>,
    pub(crate) buildx: bool,
    /// `os/arch` of the daemon, e.g. `linux/amd64`.
    pub(crate) platform: String,
    /// How many builds run at once.
    pub(crate) parallelism: usize,
}

impl fmt::Debug for Docker {
    /// Without the environment's values: it may hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Docker")
            .field("program", &self.program)
            .field("buildx", &self.buildx)
            .field("platform", &self.platform)
            .field("parallelism", &self.parallelism)
            .finish_non_exhaustive()
    }
}

impl Docker {
    /// Find `docker` (env DOCKER_ECS_DOCKER_CLI overrides the program, else "docker" on PATH), check
    /// the daemon answers (`docker version`, honouring DOCKER_HOST / DOCKER_CONTEXT / the current
    /// context as the CLI does: we just run the CLI), detect buildx (`docker buildx version` exit 0)
    /// and the daemon's platform (os/arch, e.g. linux/amd64).
    pub async fn connect() -> Result<Docker, Error> {
        Docker::connect_with(std::env::vars_os().collect()).await
    }

    /// [`Docker::connect`] for a docker CLI running in `environment` (the whole environment of
    /// every docker command; DOCKER_ECS_DOCKER_CLI and PATH in it find the program).
    pub async fn connect_with(environment: BTreeMap<OsString, OsString>) -> Result<Docker, Error> {
        let program = environment
            .get(OsStr::new(DOCKER_CLI_VARIABLE))
            .filter(|program| !program.is_empty())
            .cloned()
            .unwrap_or_else(|| "docker".into());
        let mut docker = Docker {
            program,
            environment,
            buildx: false,
            platform: String::new(),
            parallelism: std::thread::available_parallelism().map_or(4, NonZeroUsize::get),
        };
        let version = docker.command(["version", "--format", "{{.Server.Os}}/{{.Server.Arch}}"]);
        let buildx = docker.command(["buildx", "version"]);
        let (version, buildx) = tokio::join!(
            tokio::time::timeout(DAEMON_TIMEOUT, docker.output(version)),
            docker.output(buildx)
        );
        let version = match version {
            Ok(result) => result?,
            Err(_) => {
                return Err(Error::DaemonUnreachable {
                    endpoint: docker.endpoint(),
                    detail: format!(
                        "`docker version` did not answer within {}s",
                        DAEMON_TIMEOUT.as_secs()
                    ),
                })
            }
        };
        if !version.status.success() {
            return Err(Error::DaemonUnreachable {
                endpoint: docker.endpoint(),
                detail: said(&version),
            });
        }
        docker.platform = normalise_platform(String::from_utf8_lossy(&version.stdout).trim())
            .ok_or_else(|| Error::Docker {
                command: "version".into(),
                detail: format!(
                    "no daemon platform in its answer {:?}",
                    String::from_utf8_lossy(&version.stdout).trim()
                ),
            })?;
        docker.buildx = buildx.is_ok_and(|out| out.status.success());
        Ok(docker)
    }

    /// Whether `docker buildx` (BuildKit) is installed.
    pub fn has_buildx(&self) -> bool {
        self.buildx
    }

    /// The daemon's `os/arch`, e.g. `linux/amd64`.
    pub fn platform(&self) -> &str {
        &self.platform
    }

    /// How many images [`Docker::build_all`] builds at once.
    pub fn parallelism(&self) -> usize {
        self.parallelism
    }

    /// Build at most `builds` images at once (at least 1); the default is
    /// `std::thread::available_parallelism()`, or 4 when that is unknown.
    pub fn with_parallelism(mut self, builds: usize) -> Docker {
        self.parallelism = builds.max(1);
        self
    }

    /// A docker command in our environment, killed when dropped, output piped, no input.
    pub(crate) fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new(&self.program);
        command
            .args(args)
            .env_clear()
            .envs(&self.environment)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// Run to the end and collect the output.
    pub(crate) async fn output(&self, mut command: Command) -> Result<Output, Error> {
        command
            .output()
            .await
            .map_err(|error| self.spawn_error(error))
    }

    pub(crate) fn spawn_error(&self, error: std::io::Error) -> Error {
        if error.kind() == std::io::ErrorKind::NotFound {
            Error::DockerNotFound {
                program: self.program.to_string_lossy().into_owned(),
            }
        } else {
            Error::Io {
                context: format!("running {}", self.program.to_string_lossy()),
                error,
            }
        }
    }

    /// A variable of the CLI's environment, when set and not empty.
    pub(crate) fn var(&self, name: &str) -> Option<&OsStr> {
        self.environment
            .get(OsStr::new(name))
            .map(OsString::as_os_str)
            .filter(|value| !value.is_empty())
    }

    /// The user's docker configuration directory: DOCKER_CONFIG, else ~/.docker.
    pub(crate) fn config_dir(&self) -> PathBuf {
        if let Some(dir) = self.var("DOCKER_CONFIG") {
            return PathBuf::from(dir);
        }
        let home = self.var("HOME").or_else(|| self.var("USERPROFILE"));
        home.map(PathBuf::from).unwrap_or_default().join(".docker")
    }

    /// Where temporary files go: TMPDIR of the CLI's environment, else the system's.
    pub(crate) fn temp_dir(&self) -> PathBuf {
        self.var("TMPDIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
    }

    /// Where the CLI looks for the daemon, as a user would check it.
    fn endpoint(&self) -> String {
        if let Some(host) = self.var("DOCKER_HOST") {
            return format!("DOCKER_HOST={}", host.to_string_lossy());
        }
        if let Some(context) = self.var("DOCKER_CONTEXT") {
            return format!("DOCKER_CONTEXT={}", context.to_string_lossy());
        }
        match current_context(&self.config_dir()) {
            Some(context) if context != "default" => format!(
                "docker context {context:?} (the current context in {})",
                self.config_dir().join("config.json").display()
            ),
            _ => "(DOCKER_HOST is not set: the default socket, unix:///var/run/docker.sock)".into(),
        }
    }
}

/// `currentContext` of the user's config.json, when one is set.
pub(crate) fn current_context(config_dir: &Path) -> Option<String> {
    let text = std::fs::read(config_dir.join("config.json")).ok()?;
    let config: serde_json::Value = serde_json::from_slice(&text).ok()?;
    config
        .get("currentContext")
        .and_then(serde_json::Value::as_str)
        .filter(|context| !context.is_empty())
        .map(str::to_string)
}

/// What a failed command printed: stderr, else stdout.
pub(crate) fn said(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    if stderr.is_empty() {
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    } else {
        stderr
    }
}

/// `linux/amd64` from `docker version`'s `Os/Arch` (GOOS/GOARCH; uname names accepted too).
fn normalise_platform(text: &str) -> Option<String> {
    let (os, arch) = text.split_once('/')?;
    if os.is_empty() || arch.is_empty() || arch.contains('/') {
        return None;
    }
    let arch = match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    Some(format!("{os}/{arch}"))
}

/// Whether a build for `wanted` runs natively on a daemon of `daemon` (os and architecture; a
/// variant such as `/v8` is left to the daemon).
pub(crate) fn same_platform(wanted: &str, daemon: &str) -> bool {
    let os_arch = |platform: &str| {
        let mut parts = platform.splitn(3, '/');
        let os = parts.next().unwrap_or_default().to_ascii_lowercase();
        let arch = parts.next().unwrap_or_default().to_ascii_lowercase();
        let arch = match arch.as_str() {
            "x86_64" => "amd64".to_string(),
            "aarch64" => "arm64".to_string(),
            _ => arch,
        };
        (os, arch)
    };
    os_arch(wanted) == os_arch(daemon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_daemon_platform_is_os_slash_goarch() {
        assert_eq!(
            normalise_platform("linux/amd64").as_deref(),
            Some("linux/amd64")
        );
        assert_eq!(
            normalise_platform("linux/aarch64").as_deref(),
            Some("linux/arm64")
        );
        assert_eq!(normalise_platform("/"), None);
        assert_eq!(normalise_platform(""), None);
    }

    #[test]
    fn debug_output_holds_no_environment_value() {
        let docker = Docker {
            program: "docker".into(),
            environment: BTreeMap::from([("AWS_SECRET_ACCESS_KEY".into(), "shh-secret".into())]),
            buildx: false,
            platform: "linux/amd64".into(),
            parallelism: 1,
        };
        let debug = format!("{docker:?}");
        assert!(!debug.contains("shh-secret"), "{debug}");
        assert!(debug.contains("linux/amd64"), "{debug}");
    }

    #[test]
    fn a_variant_is_the_same_platform() {
        assert!(same_platform("linux/arm64/v8", "linux/arm64"));
        assert!(same_platform("linux/amd64", "linux/amd64"));
        assert!(!same_platform("linux/arm64", "linux/amd64"));
        assert!(!same_platform("windows/amd64", "linux/amd64"));
    }
}
