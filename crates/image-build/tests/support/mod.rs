//! A real Docker daemon and registry for the tests (e2e/local_docker.sh), shared by the tests that
//! run at the same time and stopped when the last of them ends; a registry that wants a password;
//! the environment each test runs docker in; and reading back what the registry serves.
//!
//! Nothing started here outlives the test run, even when the run is killed: each daemon has a
//! watchdog shell that waits on a pipe from this process and stops the daemon when the pipe closes
//! (the guard's Drop closes it and waits; the kernel closes it when the process dies).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use base64::Engine as _;
use template_builder::{BuildSpec, ImageBuild};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A process tree stopped by a shell that waits for this process: `script` runs once our pipe to
/// it closes (when dropped, or when the test process dies however it dies).
struct Watchdog {
    child: Child,
}

impl Watchdog {
    /// `sh -c script args...`; the script waits with `read _` (its only read of stdin), ignoring
    /// the signals a terminal sends, then stops what it started.
    fn start(script: &str, args: &[&Path]) -> Watchdog {
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start a watchdog shell");
        Watchdog { child }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// A daemon (`DOCKER_HOST`) and a registry without authentication (`registry`, 127.0.0.1:PORT),
/// both under one temporary directory; `busybox:1.36` is in the daemon.
pub struct LocalDocker {
    pub docker_host: String,
    pub registry: String,
    _watchdog: Watchdog,
}

static SHARED: Mutex<Weak<LocalDocker>> = Mutex::new(Weak::new());

/// The daemon of the tests running now, started if none is.
pub fn local_docker() -> Arc<LocalDocker> {
    let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(docker) = shared.upgrade() {
        return docker;
    }
    let docker = Arc::new(LocalDocker::start());
    *shared = Arc::downgrade(&docker);
    docker
}

impl LocalDocker {
    fn start() -> LocalDocker {
        let script = workspace_root().join("e2e/local_docker.sh");
        let dir = tempfile::Builder::new()
            .prefix("image-build-docker-")
            .tempdir()
            .expect("a temporary directory")
            .keep();
        // Started first, so a failed start is cleaned up too.
        let watchdog = Watchdog::start(
            r#"trap '' INT TERM HUP; read _; bash "$0" stop "$1" >/dev/null 2>&1; rm -rf "$1""#,
            &[&script, &dir],
        );
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(&dir)
            .output()
            .expect("run e2e/local_docker.sh");
        assert!(
            out.status.success(),
            "e2e/local_docker.sh start failed (it needs root and Debian's docker.io, docker-registry and \
             busybox-static): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let value = |name: &str| {
            stdout
                .lines()
                .find_map(|line| line.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("no {name}= in local_docker.sh's output: {stdout}"))
                .to_string()
        };
        LocalDocker {
            docker_host: value("DOCKER_HOST"),
            registry: value("DOCKER_ECS_E2E_REGISTRY"),
            _watchdog: watchdog,
        }
    }

    /// Run the docker CLI against this daemon (with a throwaway config dir); panics on failure.
    pub fn run(&self, args: &[&str]) -> String {
        let config = tempfile::tempdir().unwrap();
        let out = Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", &self.docker_host)
            .env("DOCKER_CONFIG", config.path())
            .output()
            .expect("run docker");
        assert!(
            out.status.success(),
            "docker {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

/// The user name and password of [`AuthRegistry`].
pub const REGISTRY_USER: &str = "tester";
pub const REGISTRY_PASSWORD: &str = "s3cret-Registry-pw";
/// bcrypt (cost 4) of REGISTRY_PASSWORD, as the registry's htpasswd file wants it.
const REGISTRY_PASSWORD_BCRYPT: &str =
    "$2b$04$oiGrTPGDirFmFngAx6OzHOXJF25jnVHWrt.DQWi9i4x6GmN6esWgW";

/// A registry (Debian's docker-registry) that wants REGISTRY_USER / REGISTRY_PASSWORD.
pub struct AuthRegistry {
    pub address: String,
    _watchdog: Watchdog,
}

impl AuthRegistry {
    pub fn start() -> AuthRegistry {
        let dir = tempfile::Builder::new()
            .prefix("image-build-registry-")
            .tempdir()
            .unwrap()
            .keep();
        let path = dir.as_path();
        std::fs::write(
            path.join("htpasswd"),
            format!("{REGISTRY_USER}:{REGISTRY_PASSWORD_BCRYPT}\n"),
        )
        .unwrap();
        std::fs::write(
            path.join("registry.yml"),
            format!(
                "version: 0.1\nlog: {{level: info}}\nstorage: {{filesystem: {{rootdirectory: {0}/data}}}}\n\
                 http: {{addr: \"127.0.0.1:0\"}}\nauth: {{htpasswd: {{realm: test, path: {0}/htpasswd}}}}\n",
                path.display()
            ),
        )
        .unwrap();
        let log = path.join("registry.log");
        // The registry is the watchdog's child: killed when the pipe closes, its directory removed.
        let watchdog = Watchdog::start(
            r#"docker-registry serve "$0/registry.yml" >"$0/registry.log" 2>&1 & pid=$!
               trap '' INT TERM HUP; read _; kill -KILL "$pid"; wait "$pid"; rm -rf "$0""#,
            &[path],
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        let address = loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(at) = text.find("listening on 127.0.0.1:") {
                let rest = &text[at + "listening on ".len()..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ':'))
                    .unwrap_or(rest.len());
                break rest[..end].to_string();
            }
            assert!(
                Instant::now() < deadline,
                "the registry did not start: {text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        AuthRegistry {
            address,
            _watchdog: watchdog,
        }
    }
}

/// The environment docker runs in for a test: PATH, a HOME and DOCKER_CONFIG of its own (so the
/// user's ~/.docker is never read or written), TMPDIR, and `extra`.
pub fn environment(home: &Path, extra: &[(&str, &str)]) -> BTreeMap<OsString, OsString> {
    let mut environment = BTreeMap::new();
    environment.insert(
        "PATH".into(),
        std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into()),
    );
    environment.insert("HOME".into(), home.into());
    let config = home.join(".docker");
    std::fs::create_dir_all(&config).unwrap();
    environment.insert("DOCKER_CONFIG".into(), config.into());
    let tmp = home.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    environment.insert("TMPDIR".into(), tmp.into());
    for (name, value) in extra {
        environment.insert(name.into(), value.into());
    }
    environment
}

/// A build context with these files.
pub fn context(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

/// The smallest build of `context` for linux/amd64.
pub fn spec(service: &str, context: &Path) -> BuildSpec {
    BuildSpec {
        service: service.into(),
        context: context.to_str().unwrap().into(),
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

pub fn build(spec: BuildSpec) -> ImageBuild {
    ImageBuild {
        spec,
        targets: vec![],
        base_of: vec![],
    }
}

/// The `Docker-Content-Digest` the registry answers for `repository:tag`, asked for the manifest
/// types docker pushes.
pub fn registry_digest(
    registry: &str,
    repository: &str,
    tag: &str,
    credentials: Option<(&str, &str)>,
) -> String {
    let mut stream = TcpStream::connect(registry).expect("connect to the registry");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let authorization = credentials
        .map(|(user, password)| {
            format!(
                "Authorization: Basic {}\r\n",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )
        })
        .unwrap_or_default();
    write!(
        stream,
        "GET /v2/{repository}/manifests/{tag} HTTP/1.0\r\nHost: {registry}\r\n\
         Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json\r\n\
         {authorization}\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, _) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    assert!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "GET {repository}:{tag}: {head}"
    );
    head.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("Docker-Content-Digest")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no Docker-Content-Digest in {head}"))
}

/// Every file and link under `dir`, with its contents, for a before / after comparison.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
            let relative = path.strip_prefix(dir).unwrap().to_path_buf();
            if kind.is_dir() {
                files.insert(relative, b"<dir>".to_vec());
                pending.push(path);
            } else if kind.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                files.insert(relative, target.to_string_lossy().as_bytes().to_vec());
            } else {
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}
