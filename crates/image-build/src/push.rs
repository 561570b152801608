//! Pushing a built image with credentials we were given (an ECR token, say), without touching the
//! user's docker configuration and without the password on any command line: `docker push` runs
//! with a temporary DOCKER_CONFIG whose config.json holds only those credentials. That directory
//! also carries the user's current context and links their `contexts/`, so the push reaches the
//! same daemon the build used; it is removed when the push ends, however it ends.
//!
//! The digest returned is the registry's manifest digest, read from docker's own
//! `<tag>: digest: sha256:... size: N` line (or the image's RepoDigests when that line is missing).

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use tokio::process::Command;
use tokio::sync::mpsc::UnboundedSender;

use crate::docker::{current_context, said};
use crate::{BuildEvent, Docker, Error, LocalImage};

/// How many of docker's last lines a push error keeps.
const DETAIL_LINES: usize = 10;

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistryAuth {
    /// `host[:port]`, as the image reference names it.
    pub registry: String,
    /// The user name (`AWS` for an ECR token).
    pub username: String,
    /// The password or token: never printed, never on a command line.
    pub password: String,
}

impl fmt::Debug for RegistryAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryAuth")
            .field("registry", &self.registry)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl RegistryAuth {
    /// The `auth` value of a docker config.json: base64 of `user:password`.
    fn encoded(&self) -> String {
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.username, self.password))
    }

    /// `text` without the password or its encoded form.
    fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in [self.password.clone(), self.encoded()] {
            if !secret.is_empty() {
                text = text.replace(&secret, "<redacted>");
            }
        }
        text
    }
}

/// `host/repository:tag`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    host: String,
    repository: String,
    tag: String,
}

impl Target {
    /// A reference with a registry host; no tag means `latest`; a digest is refused.
    fn parse(reference: &str) -> Option<Target> {
        if reference.contains('@') {
            return None;
        }
        let (host, rest) = reference.split_once('/')?;
        if !(host.contains('.') || host.contains(':') || host == "localhost") {
            return None;
        }
        let (repository, tag) = match rest.rsplit_once(':') {
            Some((repository, tag)) if !tag.contains('/') => (repository, tag),
            _ => (rest, "latest"),
        };
        (!repository.is_empty() && !tag.is_empty()).then(|| Target {
            host: host.into(),
            repository: repository.into(),
            tag: tag.into(),
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}:{}", self.host, self.repository, self.tag)
    }
}

impl Docker {
    /// Tag `image` as `reference` (`host/repo:tag`) and `docker push` it with `auth`, without
    /// touching the user's docker configuration and without the password on any command line (a
    /// temporary DOCKER_CONFIG, removed afterwards). Returns the pushed manifest digest,
    /// `sha256:...`. Events: [`BuildEvent::Pushing`] (with the image size), [`BuildEvent::Pushed`].
    pub async fn push(
        &self,
        image: &LocalImage,
        reference: &str,
        auth: &RegistryAuth,
        events: &UnboundedSender<BuildEvent>,
    ) -> Result<String, Error> {
        let failed = |detail: &str| Error::PushFailed {
            reference: reference.into(),
            detail: auth.redact(detail),
        };
        let target = Target::parse(reference)
            .ok_or_else(|| failed("expected registry-host/repository:tag (without a digest)"))?;
        if target.host != auth.registry {
            return Err(failed(&format!(
                "the credentials are for the registry {}, not {}",
                auth.registry, target.host
            )));
        }
        let reference = target.to_string();
        let failed = |detail: &str| Error::PushFailed {
            reference: reference.clone(),
            detail: auth.redact(detail),
        };
        let send = |event: BuildEvent| {
            let _ = events.send(event);
        };

        send(BuildEvent::Pushing {
            service: image.service.clone(),
            reference: reference.clone(),
            bytes: self.image_size(&image.id).await,
        });
        let tagged = self
            .output(self.command(["tag", image.id.as_str(), reference.as_str()]))
            .await?;
        if !tagged.status.success() {
            return Err(failed(&format!(
                "tagging image {} of service {:?}: {}",
                image.id,
                image.service,
                said(&tagged)
            )));
        }

        let config = PushConfig::create(self, auth)?;
        let pushed = self
            .output(self.push_command(&reference, config.path()))
            .await?;
        if !pushed.status.success() {
            return Err(failed(&last_lines(&said(&pushed), DETAIL_LINES)));
        }
        let digest = match pushed_digest(&String::from_utf8_lossy(&pushed.stdout), &target.tag) {
            Some(digest) => digest,
            None => self.repo_digest(&image.id, &target).await.ok_or_else(|| {
                failed(&format!(
                    "docker pushed, but neither its output nor the image's RepoDigests name the \
                     digest in {}/{}; docker said:\n{}",
                    target.host,
                    target.repository,
                    last_lines(&String::from_utf8_lossy(&pushed.stdout), DETAIL_LINES)
                ))
            })?,
        };
        config.remove()?;
        send(BuildEvent::Pushed {
            service: image.service.clone(),
            reference: reference.clone(),
            digest: digest.clone(),
        });
        Ok(digest)
    }

    /// `docker push reference` reading its credentials from `config_dir`.
    fn push_command(&self, reference: &str, config_dir: &Path) -> Command {
        let mut command = self.command(["push", reference]);
        command.env("DOCKER_CONFIG", config_dir);
        // With TLS to the daemon from the environment, the CLI's default certificate directory is
        // DOCKER_CONFIG: keep it the user's.
        let tls = self.var("DOCKER_TLS_VERIFY").is_some() || self.var("DOCKER_TLS").is_some();
        if tls && self.var("DOCKER_CERT_PATH").is_none() {
            command.env("DOCKER_CERT_PATH", self.config_dir());
        }
        command
    }

    /// The image's size in bytes, when docker says.
    async fn image_size(&self, image: &str) -> Option<u64> {
        let out = self
            .output(self.command(["image", "inspect", "--format", "{{.Size}}", image]))
            .await
            .ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    }

    /// The digest among the image's RepoDigests that is in the target repository.
    async fn repo_digest(&self, image: &str, target: &Target) -> Option<String> {
        let out = self
            .output(self.command([
                "image",
                "inspect",
                "--format",
                "{{json .RepoDigests}}",
                image,
            ]))
            .await
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let digests: Vec<String> = serde_json::from_slice(&out.stdout).ok()?;
        let prefix = format!("{}/{}@", target.host, target.repository);
        digests
            .iter()
            .filter_map(|entry| entry.strip_prefix(&prefix))
            .find(|digest| is_digest(digest))
            .map(str::to_string)
    }
}

/// The temporary DOCKER_CONFIG of one push.
struct PushConfig {
    dir: tempfile::TempDir,
}

impl PushConfig {
    /// A 0700 directory with a 0600 config.json holding `auth` and the user's current context, and
    /// a link to the user's `contexts/`.
    fn create(docker: &Docker, auth: &RegistryAuth) -> Result<PushConfig, Error> {
        let io = |what: &str| Error::io(format!("{what} (the temporary docker configuration)"));
        let dir = tempfile::Builder::new()
            .prefix("docker-ecs-push-")
            .tempdir_in(docker.temp_dir())
            .map_err(io("creating a directory"))?;
        let user = docker.config_dir();
        let mut config = serde_json::json!({
            "auths": { auth.registry.as_str(): { "auth": auth.encoded() } }
        });
        if let Some(context) = current_context(&user) {
            config["currentContext"] = context.into();
        }
        let file = dir.path().join("config.json");
        write_private(&file, config.to_string().as_bytes()).map_err(io("writing config.json"))?;
        let contexts = user.join("contexts");
        if contexts.is_dir() {
            link_dir(&contexts, &dir.path().join("contexts")).map_err(io("linking contexts"))?;
        }
        Ok(PushConfig { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Remove it now, saying so if that fails (dropping it removes it too, silently).
    fn remove(self) -> Result<(), Error> {
        let path: PathBuf = self.dir.path().into();
        self.dir.close().map_err(Error::io(format!(
            "removing the temporary docker configuration {}",
            path.display()
        )))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    // The directory is 0700 already (tempfile); say so rather than rely on it.
    if let Some(parent) = path.parent() {
        std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o700))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    // The directory is the user's own temporary directory.
    std::fs::write(path, contents)
}

#[cfg(unix)]
fn link_dir(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn link_dir(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_dir(target, link)
}

#[cfg(not(any(unix, windows)))]
fn link_dir(_target: &Path, _link: &Path) -> std::io::Result<()> {
    Ok(())
}

/// The digest in docker push's `<tag>: digest: sha256:<64 hex> size: <n>` line (the last one).
pub(crate) fn pushed_digest(output: &str, tag: &str) -> Option<String> {
    let prefix = format!("{tag}: digest: ");
    output.lines().rev().find_map(|line| {
        let line = crate::output::clean(line.as_bytes());
        let digest = line
            .trim()
            .strip_prefix(&prefix)?
            .split_whitespace()
            .next()?;
        is_digest(digest).then(|| digest.to_string())
    })
}

/// `sha256:` and 64 lowercase hex digits.
fn is_digest(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::ffi::OsString;

    use super::*;

    const DIGEST: &str = "sha256:9a09bc93af71adb26679d19dbf9eb8f2a03ed72d3c76b0eb793a21628732cde6";

    /// docker 28.2 pushing to a local distribution 2.8 registry, first push.
    const FIRST_PUSH: &str = "The push refers to repository [127.0.0.1:33371/p/web]
c306218f02f7: Preparing
d2e517ac21b8: Preparing
c306218f02f7: Pushed
d2e517ac21b8: Pushed
1: digest: sha256:9a09bc93af71adb26679d19dbf9eb8f2a03ed72d3c76b0eb793a21628732cde6 size: 735
";

    /// The same image pushed again.
    const SECOND_PUSH: &str = "The push refers to repository [127.0.0.1:33371/p/web]
c306218f02f7: Preparing
d2e517ac21b8: Preparing
c306218f02f7: Layer already exists
d2e517ac21b8: Layer already exists
1: digest: sha256:9a09bc93af71adb26679d19dbf9eb8f2a03ed72d3c76b0eb793a21628732cde6 size: 735
";

    /// docker pushing to Amazon ECR (tag latest), with a layer mounted from another repository.
    const ECR_PUSH: &str =
        "The push refers to repository [123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web]
5f70bf18a086: Preparing
a1b2c3d4e5f6: Preparing
5f70bf18a086: Mounted from shop/base
a1b2c3d4e5f6: Pushed
latest: digest: sha256:0175556c059a502eed70c707874251127a9cdfc233e85e66fe567de564131e16 size: 1153
";

    fn docker(environment: &[(&str, &str)]) -> Docker {
        Docker {
            program: "docker".into(),
            environment: environment
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v)))
                .collect::<BTreeMap<_, _>>(),
            buildx: false,
            platform: "linux/amd64".into(),
            parallelism: 1,
        }
    }

    #[test]
    fn the_digest_comes_from_the_line_of_the_tag() {
        assert_eq!(pushed_digest(FIRST_PUSH, "1").as_deref(), Some(DIGEST));
        assert_eq!(pushed_digest(SECOND_PUSH, "1").as_deref(), Some(DIGEST));
        assert_eq!(
            pushed_digest(ECR_PUSH, "latest").as_deref(),
            Some("sha256:0175556c059a502eed70c707874251127a9cdfc233e85e66fe567de564131e16")
        );
        // Another tag's line, a truncated digest, or no line at all: no digest.
        assert_eq!(pushed_digest(FIRST_PUSH, "2"), None);
        assert_eq!(pushed_digest(FIRST_PUSH, ""), None);
        assert_eq!(
            pushed_digest("1: digest: sha256:9a09bc93 size: 735\n", "1"),
            None
        );
        assert_eq!(
            pushed_digest("The push refers to repository [x/y]\n", "1"),
            None
        );
    }

    #[test]
    fn references_need_a_registry_host() {
        let target = Target::parse("127.0.0.1:5000/shop/web:1.2").unwrap();
        assert_eq!(
            (
                target.host.as_str(),
                target.repository.as_str(),
                target.tag.as_str()
            ),
            ("127.0.0.1:5000", "shop/web", "1.2")
        );
        assert_eq!(
            Target::parse("localhost/web").unwrap().to_string(),
            "localhost/web:latest"
        );
        assert_eq!(
            Target::parse("123456789012.dkr.ecr.us-east-1.amazonaws.com/web")
                .unwrap()
                .tag,
            "latest"
        );
        for invalid in [
            "shop/web:1",
            "web",
            "ghcr.io/",
            "ghcr.io/a@sha256:00",
            "ghcr.io/a:",
        ] {
            assert_eq!(Target::parse(invalid), None, "{invalid}");
        }
    }

    #[test]
    fn the_password_is_on_no_command_line_and_in_no_variable() {
        let auth = RegistryAuth {
            registry: "127.0.0.1:5000".into(),
            username: "AWS".into(),
            password: "pa55-w0rd-token".into(),
        };
        let user = tempfile::tempdir().unwrap();
        let temp = tempfile::tempdir().unwrap();
        let docker = docker(&[
            ("DOCKER_CONFIG", user.path().to_str().unwrap()),
            ("TMPDIR", temp.path().to_str().unwrap()),
            ("DOCKER_TLS_VERIFY", "1"),
        ]);
        let config = PushConfig::create(&docker, &auth).unwrap();
        let command = docker.push_command("127.0.0.1:5000/shop/web:1", config.path());
        let command = command.as_std();
        let mut seen: Vec<String> = command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        assert_eq!(seen, ["push", "127.0.0.1:5000/shop/web:1"]);
        for (name, value) in command.get_envs() {
            seen.push(name.to_string_lossy().into_owned());
            seen.extend(value.map(|v| v.to_string_lossy().into_owned()));
        }
        assert!(seen.iter().any(|s| s == "DOCKER_CONFIG"), "{seen:?}");
        let user_dir = user.path().to_string_lossy();
        assert!(
            seen.iter().any(|s| *s == user_dir),
            "DOCKER_CERT_PATH: {seen:?}"
        );
        for text in &seen {
            assert!(!text.contains(&auth.password), "{text}");
            assert!(!text.contains(&auth.encoded()), "{text}");
        }
        // The credentials are in the file only, which only we can read.
        let written = std::fs::read_to_string(config.path().join("config.json")).unwrap();
        let written: serde_json::Value = serde_json::from_str(&written).unwrap();
        assert_eq!(
            written,
            serde_json::json!({"auths": {"127.0.0.1:5000": {"auth": auth.encoded()}}})
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(config.path()), 0o700);
            assert_eq!(mode(&config.path().join("config.json")), 0o600);
        }
        assert!(!format!("{auth:?}").contains(&auth.password));
        let path = config.path().to_path_buf();
        config.remove().unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn the_user_context_is_carried_and_linked() {
        let auth = RegistryAuth {
            registry: "r:1".into(),
            username: "u".into(),
            password: "p".into(),
        };
        let user = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(user.path().join("contexts/meta")).unwrap();
        std::fs::write(
            user.path().join("config.json"),
            r#"{"currentContext": "remote", "credsStore": "desktop", "auths": {"r:1": {}}}"#,
        )
        .unwrap();
        let docker = docker(&[("DOCKER_CONFIG", user.path().to_str().unwrap())]);
        let config = PushConfig::create(&docker, &auth).unwrap();
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(config.path().join("config.json")).unwrap())
                .unwrap();
        assert_eq!(written["currentContext"], "remote");
        assert_eq!(written.get("credsStore"), None);
        assert!(config.path().join("contexts/meta").is_dir());
        let command = docker.push_command("r:1/x:1", config.path());
        assert!(
            !command
                .as_std()
                .get_envs()
                .any(|(name, _)| name == "DOCKER_CERT_PATH"),
            "no TLS from the environment: the CLI's default is left alone"
        );
        config.remove().unwrap();
        assert!(user.path().join("contexts/meta").is_dir());
    }

    #[test]
    fn errors_never_show_the_password() {
        let auth = RegistryAuth {
            registry: "r:1".into(),
            username: "AWS".into(),
            password: "hunter2".into(),
        };
        let text = format!("denied for hunter2 and {}", auth.encoded());
        assert_eq!(auth.redact(&text), "denied for <redacted> and <redacted>");
    }
}
