//! What a user reads when AWS cannot be reached, when something else answers in its place, and
//! when AWS rejects the credentials: the real binary, pointed by `AWS_ENDPOINT_URL` at a closed
//! port or at a small local server, names the call, the endpoint and the credentials' source, and
//! prints no debug structure of the SDK.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

/// `docker-ecs ARGS` with only the variables given (no host AWS configuration), one attempt per
/// call and short timeouts.
fn docker_ecs(args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().expect("temporary home");
    Command::new(env!("CARGO_BIN_EXE_docker-ecs"))
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("DOCKER_ECS_AWS_CONNECT_TIMEOUT", "2")
        .env("DOCKER_ECS_AWS_READ_TIMEOUT", "2")
        .envs(env.iter().copied())
        .output()
        .expect("run docker-ecs")
}

const TEST_KEYS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "secret"),
];

/// A server on 127.0.0.1 that answers every request with `response`, in a thread.
fn answering(response: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for mut socket in listener.incoming().flatten() {
            let mut seen = Vec::new();
            let mut buffer = [0u8; 8192];
            // The head, then the body its Content-Length announces.
            while let Ok(n) = socket.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&seen).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if seen.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let _ = socket.write_all(response.as_bytes());
        }
    });
    format!("http://{address}")
}

fn http(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn stderr_of(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for raw in [
        "Error {",
        "Some(",
        "DispatchFailure",
        "dispatch failure",
        "error parsing XML",
    ] {
        assert!(!stderr.contains(raw), "{raw} in:\n{stderr}");
    }
    stderr
}

#[test]
fn an_unreachable_endpoint_is_named_with_the_call() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut env = TEST_KEYS.to_vec();
    env.push(("AWS_ENDPOINT_URL", &endpoint));
    let stderr = stderr_of(&docker_ecs(&["ls"], &env));
    assert!(
        stderr.contains(&format!(
            "CloudFormation DescribeStacks at {endpoint} got no answer: "
        )),
        "{stderr}"
    );
    assert!(
        stderr.to_lowercase().contains("connection refused"),
        "{stderr}"
    );
}

#[test]
fn a_proxy_page_instead_of_aws_is_said_to_be_one() {
    let page =
        "<html><head><title>403 Forbidden</title></head><body>Blocked by proxy</body></html>";
    let endpoint = answering(http("403 Forbidden", "text/html", page));
    let mut env = TEST_KEYS.to_vec();
    env.push(("AWS_ENDPOINT_URL", &endpoint));
    let stderr = stderr_of(&docker_ecs(&["ls"], &env));
    assert!(
        stderr.contains(&format!(
            "CloudFormation DescribeStacks at {endpoint} answered with something that is not an AWS response \
             (HTTP 403, text/html: an HTML page titled \"403 Forbidden\")"
        )),
        "{stderr}"
    );
}

#[test]
fn rejected_keys_from_the_environment_are_said_to_come_from_there() {
    let body = "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The \
                security token included in the request is invalid.</Message></Error></ErrorResponse>";
    let endpoint = answering(http("403 Forbidden", "text/xml", body));
    let mut env = TEST_KEYS.to_vec();
    env.push(("AWS_ENDPOINT_URL", &endpoint));
    let stderr = stderr_of(&docker_ecs(&["ls"], &env));
    assert!(
        stderr.contains("rejected the credentials (InvalidClientTokenId: The security token included in the request is invalid.); they came from the environment (AWS_ACCESS_KEY_ID"),
        "{stderr}"
    );
}

#[test]
fn rejected_keys_of_a_profile_name_the_profile() {
    let body = "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we \
                calculated does not match the signature you provided.</Message></Error></ErrorResponse>";
    let endpoint = answering(http("403 Forbidden", "text/xml", body));
    let home = tempfile::tempdir().expect("temporary home");
    let credentials = home.path().join("credentials");
    std::fs::write(
        &credentials,
        "[staging]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = wrong\n",
    )
    .unwrap();
    let credentials = credentials.to_string_lossy().into_owned();
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_str()),
    ];
    let stderr = stderr_of(&docker_ecs(&["--aws-profile", "staging", "ls"], &env));
    assert!(
        stderr.contains("rejected the credentials (SignatureDoesNotMatch: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("they came from profile staging (~/.aws/credentials or ~/.aws/config)"),
        "{stderr}"
    );
}

#[test]
fn no_credentials_at_all_says_where_it_looked() {
    let stderr = stderr_of(&docker_ecs(
        &["ls"],
        &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")],
    ));
    assert!(
        stderr.starts_with(
            "error: no AWS credentials found (profile default); what was tried:\n  Environment: "
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "\n  Ec2InstanceMetadata: the credential provider was not enabled: IMDS disabled"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("\nSet AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run `aws configure` or `aws sso login`, or pass --aws-profile NAME"),
        "{stderr}"
    );
}
