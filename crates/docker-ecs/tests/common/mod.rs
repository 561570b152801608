//! Shared by the end-to-end tests: a local AWS API (moto, through e2e/moto_launcher.py) that lives as long
//! as the value that started it, the real `docker-ecs` binary run against it, and AWS calls (boto3, through
//! e2e/aws_call.py) to check what exists.
//!
//! The Python tools come from the venv at `ECS_TEST_VENV` (default `<workspace>/.venv`, made by `make venv`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long moto gets to answer after being started (it imports all of its services first).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

pub fn e2e_dir() -> PathBuf {
    workspace_root().join("e2e")
}

pub fn examples_dir() -> PathBuf {
    workspace_root().join("examples")
}

/// The plugin binary cargo built for these tests.
pub fn plugin_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_docker-ecs"))
}

/// The venv's python, checked to have the pinned moto; fails the test with the fix when it does not.
pub fn venv_python() -> PathBuf {
    let venv = std::env::var_os("ECS_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv"));
    let python = venv.join("bin").join("python");
    let probe = Command::new(&python)
        .args(["-c", "import moto, boto3; print(moto.__version__)"])
        .output();
    match probe {
        Ok(out) if out.status.success() => python,
        Ok(out) => panic!(
            "{} cannot import moto ({}): run `make venv`",
            python.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(err) => panic!(
            "no Python venv at {} ({err}): run `make venv` (or set ECS_TEST_VENV)",
            venv.display()
        ),
    }
}

/// A free TCP port on 127.0.0.1 (the OS picks it; released just before moto binds it).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port on 127.0.0.1");
    listener.local_addr().expect("local address").port()
}

fn path_text(path: &Path) -> String {
    path.to_str().expect("a UTF-8 temporary path").to_string()
}

/// A moto server on 127.0.0.1, stopped when dropped (also when the test panics).
pub struct Moto {
    child: Child,
    pub port: u16,
    pub endpoint: String,
    python: PathBuf,
    /// Holds the server log and the HOME / DOCKER_CONFIG given to the binary.
    scratch: tempfile::TempDir,
    /// Served over TLS ([`Moto::start_tls`]): the certificate the binary is told to trust.
    certificate: Option<PathBuf>,
    /// [`Moto::start_with_docker`]: the daemon the binary builds with.
    docker_host: Option<String>,
}

/// How a test wants its local AWS API.
#[derive(Default, Clone)]
struct Setup {
    tls: bool,
    /// ECR repositories live in this registry, and the binary builds with this daemon.
    docker: Option<(String, String)>,
    /// ECS services report one running task (moto's MOTO_ECS_SERVICE_RUNNING), so their
    /// deployments complete: moto's services start no tasks otherwise.
    services_running: bool,
}

impl Moto {
    pub fn start() -> Moto {
        Moto::start_with(Setup::default())
    }

    /// The same server behind HTTPS (`https://localhost:PORT`), with a self-signed certificate the
    /// binary trusts through SSL_CERT_FILE, as a system would trust a corporate CA.
    pub fn start_tls() -> Moto {
        Moto::start_with(Setup {
            tls: true,
            ..Setup::default()
        })
    }

    /// A server whose Amazon ECR keeps its images in `docker`'s registry (repository URIs and the
    /// login point there), and a binary that builds with `docker`'s daemon.
    pub fn start_with_docker(docker: &LocalDocker) -> Moto {
        Moto::start_with(Setup {
            docker: Some((docker.registry.clone(), docker.host.clone())),
            ..Setup::default()
        })
    }

    /// A server whose ECS services report a running task and a completed deployment.
    pub fn start_with_running_services() -> Moto {
        Moto::start_with(Setup {
            services_running: true,
            ..Setup::default()
        })
    }

    fn start_with(setup: Setup) -> Moto {
        // The port is free when picked but could be taken before moto binds it: try another then.
        let mut attempts = 3;
        loop {
            match Moto::start_once(&setup) {
                Ok(moto) => return moto,
                Err(log) if attempts > 1 && log.contains("Address already in use") => attempts -= 1,
                Err(log) => panic!("the moto launcher exited {log}"),
            }
        }
    }

    /// Start the launcher and wait for it; Err(status and log) when it exits before answering.
    fn start_once(setup: &Setup) -> Result<Moto, String> {
        let python = venv_python();
        let scratch = tempfile::tempdir().expect("temporary directory");
        let log_path = scratch.path().join("moto.log");
        let log = std::fs::File::create(&log_path).expect("create the moto log");
        let port = free_port();
        let mut args = vec![
            "-H".to_string(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
        ];
        let certificate = setup.tls.then(|| {
            let (cert, key) = (
                scratch.path().join("cert.pem"),
                scratch.path().join("key.pem"),
            );
            let made = Command::new(&python)
                .arg(e2e_dir().join("self_signed_cert.py"))
                .args([&cert, &key])
                .status()
                .expect("run self_signed_cert.py");
            assert!(made.success(), "self_signed_cert.py failed");
            args.extend(["-c".into(), path_text(&cert), "-k".into(), path_text(&key)]);
            cert
        });
        let mut launcher = Command::new(&python);
        if let Some((registry, _)) = &setup.docker {
            launcher.env("DOCKER_ECS_E2E_REGISTRY", registry);
        }
        if setup.services_running {
            launcher.env("MOTO_ECS_SERVICE_RUNNING", "1");
        }
        let child = launcher
            .arg(e2e_dir().join("moto_launcher.py"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", python.display()));
        let endpoint = match &certificate {
            Some(_) => format!("https://localhost:{port}"),
            None => format!("http://127.0.0.1:{port}"),
        };
        let mut moto = Moto {
            child,
            port,
            endpoint,
            python,
            scratch,
            certificate,
            docker_host: setup.docker.as_ref().map(|(_, host)| host.clone()),
        };
        std::fs::create_dir_all(moto.home().join(".docker")).expect("create the test HOME");
        moto.wait_ready()?;
        Ok(moto)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("({status}):\n{}", self.log()));
            }
            let ready = match self.certificate {
                // Plain HTTP is all the probe speaks: over TLS, wait for the server's own word.
                Some(_) => self.log().contains("Running on https://"),
                None => matches!(http(self.port, "GET", "/moto-api/", None), Ok((200, _))),
            };
            if ready {
                return Ok(());
            }
            if started.elapsed() > STARTUP_TIMEOUT {
                panic!(
                    "moto did not answer GET /moto-api/ on port {} within {STARTUP_TIMEOUT:?}:\n{}",
                    self.port,
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The server's output so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.scratch.path().join("moto.log")).unwrap_or_default()
    }

    /// The HOME given to the binary: empty, so no ~/.aws or ~/.docker of the machine leaks in.
    pub fn home(&self) -> PathBuf {
        self.scratch.path().join("home")
    }

    /// `POST /moto-api/reset`: forget every resource.
    pub fn reset(&self) {
        self.moto_api("/moto-api/reset", "");
    }

    /// Keep ECS tasks RUNNING (moto otherwise moves them along on every describe call).
    pub fn keep_tasks_running(&self) {
        self.moto_api(
            "/moto-api/state-manager/set-transition",
            r#"{"model_name":"ecs::task","transition":{"progression":"manual","times":1000}}"#,
        );
    }

    /// POST to moto's own API; panics unless it answers 2xx.
    pub fn moto_api(&self, path: &str, body: &str) -> String {
        match http(self.port, "POST", path, Some(body)) {
            Ok((200..=299, text)) => text,
            Ok((status, text)) => panic!("POST {path}: HTTP {status}: {text}"),
            Err(err) => panic!("POST {path}: {err}"),
        }
    }

    /// The variables that point an AWS client at this server, with test credentials.
    pub fn aws_env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ];
        if let Some(certificate) = &self.certificate {
            env.push(("SSL_CERT_FILE", path_text(certificate)));
            env.push(("AWS_CA_BUNDLE", path_text(certificate)));
        }
        env
    }

    /// Run the real `docker-ecs` binary in `dir` against this server, as the docker CLI would in CI.
    pub fn docker_ecs(&self, dir: &Path, args: &[&str]) -> Run {
        Run::of(
            &format!("docker-ecs {}", args.join(" ")),
            self.docker_ecs_command(dir, args),
        )
    }

    /// The command [`Moto::docker_ecs`] runs, for tests that spawn it (e.g. `logs --follow`).
    pub fn docker_ecs_command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(plugin_binary());
        cmd.args(args).current_dir(dir);
        self.hermetic(&mut cmd);
        cmd
    }

    /// Same, with the given text on standard input.
    pub fn docker_ecs_stdin(&self, dir: &Path, args: &[&str], stdin: &str) -> Run {
        let mut cmd = Command::new(plugin_binary());
        cmd.args(args).current_dir(dir);
        self.hermetic(&mut cmd);
        Run::with_stdin(&format!("docker-ecs {}", args.join(" ")), cmd, stdin)
    }

    fn hermetic(&self, cmd: &mut Command) {
        for var in HOST_VARIABLES {
            cmd.env_remove(var);
        }
        cmd.envs(self.aws_env())
            .env("HOME", self.home())
            .env("DOCKER_CONFIG", self.home().join(".docker"))
            .env("CI", "true")
            .env("NO_COLOR", "1")
            // The local API answers at once: poll it often instead of every 5 s as against AWS.
            .env("DOCKER_ECS_POLL_INTERVAL_MS", "200");
        if let Some(host) = &self.docker_host {
            cmd.env("DOCKER_HOST", host);
        }
    }

    /// One AWS call through boto3 (e2e/aws_call.py): the response as JSON, or `CODE: message`.
    pub fn aws(&self, service: &str, operation: &str, params: Value) -> Result<Value, String> {
        let out = Command::new(&self.python)
            .arg(e2e_dir().join("aws_call.py"))
            .args([service, operation, &params.to_string()])
            .envs(self.aws_env())
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap_or_else(|e| panic!("run aws_call.py: {e}"));
        if out.status.success() {
            serde_json::from_slice(&out.stdout)
                .map_err(|e| format!("aws_call.py printed invalid JSON ({e})"))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    /// Like [`Moto::aws`], failing the test on an error.
    pub fn aws_ok(&self, service: &str, operation: &str, params: Value) -> Value {
        self.aws(service, operation, params.clone())
            .unwrap_or_else(|e| {
                panic!(
                    "{service} {operation} {params}: {e}\n--- moto log (end)\n{}",
                    log_tail(&self.log(), 30)
                )
            })
    }

    /// The physical ids of a stack's resources of one type (`AWS::ECS::Service`...).
    pub fn stack_resources(&self, stack: &str, resource_type: &str) -> Vec<String> {
        let listed = self.aws_ok(
            "cloudformation",
            "describe_stack_resources",
            serde_json::json!({ "StackName": stack }),
        );
        listed["StackResources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["ResourceType"] == resource_type)
            .filter_map(|r| r["PhysicalResourceId"].as_str().map(str::to_owned))
            .collect()
    }

    /// A certificate in the local ACM, issued at once (see e2e/moto_launcher.py). ELBv2 refuses a
    /// listener whose certificate ACM does not hold (CertificateNotFound), in moto as on AWS.
    pub fn request_certificate(&self, domain: &str) -> String {
        let requested = self.aws_ok(
            "acm",
            "request_certificate",
            serde_json::json!({ "DomainName": domain, "ValidationMethod": "DNS" }),
        );
        str_at(&requested, "/CertificateArn").to_owned()
    }

    /// `docker-ecs up` with the certificate given as examples/secure-web's README says:
    /// CERTIFICATE_ARN (unused by projects without HTTPS).
    pub fn up_with_certificate(&self, dir: &Path, certificate: &str) -> Run {
        let mut cmd = self.docker_ecs_command(dir, &["up"]);
        cmd.env("CERTIFICATE_ARN", certificate);
        Run::of("docker-ecs up (CERTIFICATE_ARN set)", cmd)
    }

    /// The ECS services of `stack` in `cluster` as DescribeServices reports them, each with the
    /// compose service it runs (its `com.docker.compose.service` tag, which every one must have).
    pub fn compose_services(&self, stack: &str, cluster: &str) -> Vec<(String, Value)> {
        let arns = self.stack_resources(stack, "AWS::ECS::Service");
        assert!(!arns.is_empty(), "the stack {stack} has no ECS service");
        let described = self.aws_ok(
            "ecs",
            "describe_services",
            serde_json::json!({ "cluster": cluster, "services": arns, "include": ["TAGS"] }),
        );
        described["services"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|service| {
                let name = service["tags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|tag| tag["key"] == "com.docker.compose.service")
                    .and_then(|tag| tag["value"].as_str())
                    .unwrap_or_else(|| panic!("service without a compose service tag: {service}"));
                (name.to_owned(), service.clone())
            })
            .collect()
    }

    /// The stack's status, or None when it does not exist.
    pub fn stack_status(&self, stack: &str) -> Option<String> {
        let described = self
            .aws(
                "cloudformation",
                "describe_stacks",
                serde_json::json!({ "StackName": stack }),
            )
            .ok()?;
        let status = described["Stacks"][0]["StackStatus"].as_str()?.to_owned();
        (status != "DELETE_COMPLETE").then_some(status)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Variables of the machine running the tests that would change what the binary does.
const HOST_VARIABLES: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "COMPOSE_FILE",
    "COMPOSE_PROJECT_NAME",
    "COMPOSE_PROFILES",
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
];

/// A running command whose standard output lines arrive on a channel; killed when dropped.
pub struct Spawned {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Spawned {
    /// Standard output, line by line.
    pub fn start(cmd: std::process::Command) -> Spawned {
        Spawned::reading(cmd, false)
    }

    /// Standard error (where progress goes), line by line.
    pub fn start_reading_stderr(cmd: std::process::Command) -> Spawned {
        Spawned::reading(cmd, true)
    }

    fn reading(mut cmd: std::process::Command, stderr: bool) -> Spawned {
        let (out, err) = if stderr {
            (std::process::Stdio::null(), std::process::Stdio::piped())
        } else {
            (std::process::Stdio::piped(), std::process::Stdio::null())
        };
        let mut child = cmd
            .stdin(std::process::Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn docker-ecs");
        let stream: Box<dyn std::io::Read + Send> = match child.stderr.take() {
            Some(stderr) => Box::new(stderr),
            None => Box::new(child.stdout.take().expect("piped stdout")),
        };
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stream)
                .lines()
                .map_while(Result::ok)
            {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Spawned { child, lines }
    }

    /// Lines until one ends with `message`; None when it does not come within `timeout`.
    pub fn wait_for(&self, message: &str, timeout: std::time::Duration) -> Option<Vec<String>> {
        let deadline = std::time::Instant::now() + timeout;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let done = line.ends_with(message);
                    seen.push(line);
                    if done {
                        return Some(seen);
                    }
                }
                Err(_) => return None,
            }
        }
        None
    }
}

impl Spawned {
    /// Ctrl-C as a terminal sends it (SIGINT), then the exit code, waiting at most `timeout`.
    pub fn interrupt(&mut self, timeout: std::time::Duration) -> Option<i32> {
        let sent = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -INT failed");
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Docker daemon and a registry of our own (e2e/local_docker.sh), stopped when dropped: builds
/// and pushes go through real parts.
pub struct LocalDocker {
    dir: tempfile::TempDir,
    /// `unix://.../docker.sock`
    pub host: String,
    /// `127.0.0.1:PORT`
    pub registry: String,
}

impl LocalDocker {
    pub fn start() -> LocalDocker {
        let dir = tempfile::tempdir().expect("temporary directory");
        let run = Run::of("local_docker.sh start", {
            let mut cmd = Command::new(e2e_dir().join("local_docker.sh"));
            cmd.arg("start").arg(dir.path());
            cmd
        });
        let mut docker = LocalDocker {
            dir,
            host: String::new(),
            registry: String::new(),
        };
        assert!(run.output.status.success(), "{}", run.describe());
        for line in run.stdout().lines() {
            match line.split_once('=') {
                Some(("DOCKER_HOST", host)) => docker.host = host.to_string(),
                Some(("DOCKER_ECS_E2E_REGISTRY", registry)) => {
                    docker.registry = registry.to_string()
                }
                _ => {}
            }
        }
        assert!(
            !docker.host.is_empty() && !docker.registry.is_empty(),
            "local_docker.sh printed no addresses: {}",
            run.describe()
        );
        docker
    }

    /// The docker CLI pointed at this daemon.
    pub fn docker(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new("docker");
        cmd.args(args)
            .env("DOCKER_HOST", &self.host)
            .env("DOCKER_CONFIG", self.dir.path().join("cli"));
        Run::of(&format!("docker {}", args.join(" ")), cmd)
    }

    /// GET from the registry's API: (status, body, Docker-Content-Digest header).
    pub fn registry_get(&self, path: &str) -> (u16, String, Option<String>) {
        registry_request(&self.registry, path)
    }
}

impl Drop for LocalDocker {
    fn drop(&mut self) {
        let _ = Command::new(e2e_dir().join("local_docker.sh"))
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

/// A registry API GET asking for docker v2 / OCI manifests (a registry answers an older schema, with
/// another digest, otherwise).
fn registry_request(registry: &str, path: &str) -> (u16, String, Option<String>) {
    let mut stream = TcpStream::connect(registry).expect("connect to the registry");
    let request = format!(
        "GET {path} HTTP/1.0\r\nHost: {registry}\r\nAccept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .expect("write the request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let digest = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("docker-content-digest")
            .then(|| value.trim().to_string())
    });
    (status, body.to_string(), digest)
}

/// A finished run of a command, with what it printed.
pub struct Run {
    pub what: String,
    pub output: Output,
}

impl Run {
    pub fn of(what: &str, mut cmd: Command) -> Run {
        let output = cmd
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run {what}: {e}"));
        Run {
            what: what.to_owned(),
            output,
        }
    }

    pub fn with_stdin(what: &str, mut cmd: Command, stdin: &str) -> Run {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("run {what}: {e}"));
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(stdin.as_bytes())
                .unwrap_or_else(|e| panic!("write to {what}: {e}"));
        }
        let output = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("wait for {what}: {e}"));
        Run {
            what: what.to_owned(),
            output,
        }
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    /// Both streams, for assertions that do not care where a message went.
    pub fn all_output(&self) -> String {
        format!("{}{}", self.stdout(), self.stderr())
    }

    pub fn describe(&self) -> String {
        format!(
            "`{}` exited with {:?}\n--- stdout\n{}--- stderr\n{}",
            self.what,
            self.code(),
            self.stdout(),
            self.stderr()
        )
    }

    #[track_caller]
    pub fn assert_success(&self) -> &Run {
        assert!(self.output.status.success(), "{}", self.describe());
        self
    }

    #[track_caller]
    pub fn assert_failure(&self) -> &Run {
        assert!(
            !self.output.status.success() && self.code().is_some(),
            "expected a failure exit code: {}",
            self.describe()
        );
        self
    }
}

/// A minimal HTTP/1.1 exchange with moto's own API (no client library needed for three calls).
fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {response:.80}")))?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// The string at the JSON `pointer` of `value`; a missing one fails the test, naming it.
pub fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {value}"))
}

/// The last `lines` lines of a log.
pub fn log_tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Copy an example (or any directory) into a fresh temporary directory the test may modify.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}
