//! Calls that fail without a usable AWS answer name the service, the operation and the endpoint,
//! and say what came back: no answer at all (a timeout, a refused or dropped connection: the SDK
//! alone says "dispatch failure" or "operation timeout occurred after 60s"), or an answer that is not
//! AWS's (a proxy's HTML page, an empty or foreign body: the SDK says "error parsing XML: no root
//! element"). Credentials AWS rejects are named by where the SDK's chain found them, with what to do.
//! One interceptor on every client ([`NameFailedCalls`]) rewrites those errors once, so every path
//! from an SDK error to ours ([`crate::Error::aws`]) shows them.

use std::sync::Arc;

use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{Metadata, OrchestratorError};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::endpoint::Endpoint;

/// Where the credentials of this run came from, said when AWS rejects them, with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CredentialSource(String);

impl CredentialSource {
    /// The source the SDK's chain took `credentials` from (the features its providers record);
    /// `profile` is the profile the chain read.
    pub(crate) fn of(credentials: &aws_credential_types::Credentials, profile: &str) -> Self {
        let features = credentials
            .get_property::<Vec<AwsCredentialFeature>>()
            .map(Vec::as_slice)
            .unwrap_or_default();
        Self::from_features(features, profile)
    }

    pub(crate) fn from_features(features: &[AwsCredentialFeature], profile: &str) -> Self {
        use AwsCredentialFeature as F;
        let has = |wanted: &[F]| features.iter().any(|f| wanted.contains(f));
        let text = if has(&[F::CredentialsEnvVars]) {
            "the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN): check or \
             renew them, or unset them to use a profile"
                .to_string()
        } else if has(&[
            F::CredentialsEnvVarsStsWebIdToken,
            F::CredentialsProfileStsWebIdToken,
        ]) || has(&[F::CredentialsStsAssumeRoleWebId])
        {
            "a web identity token (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE or the profile's \
             web_identity_token_file): check the role and that the token is current"
                .to_string()
        } else if has(&[F::CredentialsProfileSso, F::CredentialsSso]) {
            format!(
                "profile {profile} (IAM Identity Center): sign in again with `aws sso login --profile {profile}`"
            )
        } else if has(&[F::CredentialsProfileLogin, F::CredentialsLogin]) {
            format!(
                "profile {profile} (aws login): sign in again with `aws login --profile {profile}`"
            )
        } else if has(&[F::CredentialsProfileProcess, F::CredentialsProcess]) {
            format!("profile {profile} (its credential_process): check what that command prints")
        } else if has(&[
            F::CredentialsStsAssumeRole,
            F::CredentialsProfileSourceProfile,
        ]) {
            format!(
                "profile {profile}, which assumes a role (role_arn): check the role and the credentials of its \
                 source_profile or credential_source"
            )
        } else if has(&[F::CredentialsProfile, F::CredentialsProfileNamedProvider]) {
            format!(
                "profile {profile} (~/.aws/credentials or ~/.aws/config): check or replace its keys \
                 (`aws configure --profile {profile}`), or choose another with --aws-profile"
            )
        } else if has(&[F::CredentialsImds]) {
            "the EC2 instance metadata service (IMDS), i.e. this instance's role: attach a role that \
             may deploy, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                .to_string()
        } else if has(&[F::CredentialsHttp]) {
            "the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI), i.e. \
             the task's role: check that role"
                .to_string()
        } else {
            "the default credential chain (environment, profile, web identity, container, instance \
             metadata)"
                .to_string()
        };
        CredentialSource(text)
    }
}

/// Error codes with which AWS rejects the credentials themselves (not what they may do).
const REJECTED_CREDENTIALS: &[&str] = &[
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidAccessKeyId",
    "InvalidToken",
    "AuthFailure",
];

/// A call that failed without an AWS answer names the service, the operation and the endpoint, and
/// says what came back: no answer at all (a timeout, a connection that failed; the SDK alone says
/// only "operation timeout occurred after 60s" or "dispatch failure"), or an answer that is not
/// AWS's (an HTML page of a proxy, an empty or foreign body; the SDK says "error parsing XML: no
/// root element"). Rejected credentials name where they came from.
#[derive(Debug, Clone, Default)]
pub(crate) struct NameFailedCalls {
    credentials: Option<Arc<CredentialSource>>,
}

impl NameFailedCalls {
    pub(crate) fn new(credentials: Option<CredentialSource>) -> Self {
        NameFailedCalls {
            credentials: credentials.map(Arc::new),
        }
    }
}

/// The error a failed call ends with: what was called, where, and what happened.
#[derive(Debug)]
struct FailedCall(String);

impl std::fmt::Display for FailedCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FailedCall {}

/// What an HTTP answer says about who sent it.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// An AWS error: its code and message, when they can be read.
    Aws {
        code: Option<String>,
        message: Option<String>,
    },
    /// Not an AWS response: a short description of what came instead.
    Foreign(String),
}

/// Who sent an answer: AWS errors are XML with a `<Code>`, JSON objects (`__type`, `code`) or CBOR
/// maps (`application/cbor`: Smithy RPC v2, which CloudWatch speaks), or carry `x-amzn-ErrorType`;
/// anything else (HTML, plain text, nothing) came from somewhere else.
fn classify(
    status: u16,
    content_type: Option<&str>,
    error_type: Option<&str>,
    body: &[u8],
) -> Answer {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let described = |what: String| {
        let kind = content_type
            .map(|t| format!(", {}", t.split(';').next().unwrap_or(t).trim()))
            .unwrap_or_default();
        Answer::Foreign(format!("HTTP {status}{kind}: {what}"))
    };
    if text.is_empty() {
        return match error_type {
            Some(code) => Answer::Aws {
                code: Some(code.split(':').next().unwrap_or(code).to_string()),
                message: None,
            },
            None => described("an empty body".into()),
        };
    }
    if content_type.is_some_and(|t| t.trim_start().starts_with("application/cbor")) {
        let (code, message) = cbor_error(body);
        return Answer::Aws {
            code: error_type
                .map(str::to_string)
                .or(code)
                .map(|c| error_code(&c)),
            message,
        };
    }
    if lower.starts_with("<!doctype html") || lower.contains("<html") {
        let title = between(text, &lower, "<title>", "</title>")
            .map(|t| format!("an HTML page titled \"{}\"", collapse(&t, 80)))
            .unwrap_or_else(|| "an HTML page".to_string());
        return described(title);
    }
    if text.starts_with('{') {
        if let Ok(serde_json::Value::Object(fields)) =
            serde_json::from_str::<serde_json::Value>(text)
        {
            let field = |names: &[&str]| {
                names
                    .iter()
                    .find_map(|n| fields.get(*n).and_then(|v| v.as_str()).map(str::to_string))
            };
            let code = error_type
                .map(str::to_string)
                .or_else(|| field(&["__type", "code", "Code"]))
                .map(|c| error_code(&c));
            return Answer::Aws {
                code,
                message: field(&["message", "Message", "errorMessage"]),
            };
        }
    }
    if text.starts_with('<') && text.contains("<Code>") {
        return Answer::Aws {
            code: between(text, text, "<Code>", "</Code>"),
            message: between(text, text, "<Message>", "</Message>"),
        };
    }
    described(format!("\"{}\"", collapse(text, 80)))
}

/// An error type as AWS writes it (`aws.protocols#AccessDeniedException:http://...`) reduced to its
/// code (`AccessDeniedException`).
fn error_code(written: &str) -> String {
    let code = written.split(':').next().unwrap_or(written);
    code.rsplit('#').next().unwrap_or(code).to_string()
}

/// The `__type` and `message` of a CBOR error body (a map with text keys), as far as it can be read.
fn cbor_error(body: &[u8]) -> (Option<String>, Option<String>) {
    use aws_smithy_cbor::data::Type;
    let mut decoder = aws_smithy_cbor::Decoder::new(body);
    let (mut code, mut message) = (None, None);
    let Ok(mut left) = decoder.map() else {
        return (None, None);
    };
    loop {
        match left {
            Some(0) => break,
            Some(n) => left = Some(n - 1),
            // An indefinite map ends with a break.
            None if !matches!(decoder.datatype(), Ok(Type::String)) => break,
            None => {}
        }
        let Ok(key) = decoder.str() else {
            break;
        };
        let value = match decoder.datatype() {
            Ok(Type::String) => decoder.str().ok().map(|v| v.into_owned()),
            _ if decoder.skip().is_ok() => None,
            _ => break,
        };
        match key.as_ref() {
            "__type" => code = value,
            "message" | "Message" | "errorMessage" => message = value,
            _ => {}
        }
    }
    (code, message)
}

/// The text of `text` between the first `start` and the next `end`, found in `haystack` (the same
/// text, perhaps lowercased).
fn between(text: &str, haystack: &str, start: &str, end: &str) -> Option<String> {
    let from = haystack.find(start)? + start.len();
    let to = from + haystack[from..].find(end)?;
    Some(text.get(from..to)?.trim().to_string())
}

/// Whitespace runs as one space, at most `max` characters.
fn collapse(text: &str, max: usize) -> String {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match words.char_indices().nth(max) {
        Some((cut, _)) => format!("{}...", &words[..cut]),
        None => words,
    }
}

impl Intercept for NameFailedCalls {
    fn name(&self) -> &'static str {
        "NameFailedCalls"
    }

    fn modify_before_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(Err(err)) = context.output_or_error() else {
            return Ok(());
        };
        let call = match cfg.load::<Metadata>() {
            Some(metadata) => format!("{} {}", metadata.service(), metadata.name()),
            None => "the call".to_string(),
        };
        let endpoint = cfg
            .load::<Endpoint>()
            .map(|e| format!(" at {}", e.url()))
            .unwrap_or_default();
        if err.is_timeout_error() || err.as_connector_error().is_some() {
            let named: BoxError = Box::new(FailedCall(format!(
                "{call}{endpoint} got no answer: {}",
                crate::error::deepest_cause(err)
            )));
            let replaced = match err.as_connector_error() {
                None => OrchestratorError::timeout(named),
                Some(c) if c.is_timeout() => {
                    OrchestratorError::connector(ConnectorError::timeout(named))
                }
                Some(c) if c.is_io() => OrchestratorError::connector(ConnectorError::io(named)),
                Some(c) if c.is_user() => OrchestratorError::connector(ConnectorError::user(named)),
                Some(_) => OrchestratorError::connector(ConnectorError::other(named, None)),
            };
            return replace(context, replaced);
        }
        if err.is_interceptor_error() {
            return Ok(());
        }
        // Not an error AWS modelled: an answer the SDK could not read (a response or "other" error).
        let unreadable = !err.is_operation_error();
        // A HEAD answer has no body: S3 says "not found" or "forbidden" with the status alone.
        if context.request().is_some_and(|r| r.method() == "HEAD") {
            return Ok(());
        }
        let Some(response) = context.response() else {
            return Ok(());
        };
        let headers = response.headers();
        let answer = classify(
            response.status().as_u16(),
            headers.get("content-type"),
            headers.get("x-amzn-errortype"),
            response.body().bytes().unwrap_or_default(),
        );
        let text = match answer {
            Answer::Foreign(what) => format!(
                "{call}{endpoint} answered with something that is not an AWS response ({what}): check \
                 AWS_ENDPOINT_URL, the region, and any proxy (HTTPS_PROXY) between here and AWS"
            ),
            Answer::Aws {
                code: Some(code),
                message,
            } if REJECTED_CREDENTIALS.contains(&code.as_str()) => {
                let Some(source) = &self.credentials else {
                    return Ok(());
                };
                let said = match message {
                    Some(message) => format!("{code}: {message}"),
                    None => code,
                };
                format!(
                    "{call}{endpoint} rejected the credentials ({said}); they came from {}",
                    source.0
                )
            }
            Answer::Aws { .. } if unreadable => format!(
                "{call}{endpoint} answered with a response that cannot be read: {}",
                crate::error::deepest_cause(err)
            ),
            Answer::Aws { .. } => return Ok(()),
        };
        replace(
            context,
            OrchestratorError::response(Box::new(FailedCall(text))),
        )
    }
}

/// Put `replaced` where the call's error was.
fn replace(
    context: &mut FinalizerInterceptorContextMut<'_>,
    replaced: OrchestratorError<aws_smithy_runtime_api::client::interceptors::context::Error>,
) -> Result<(), BoxError> {
    if let Some(Err(err)) = context.output_or_error_mut() {
        *err = replaced;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AwsContext;
    use crate::{Clients, Limits};
    use aws_config::BehaviorVersion;
    use aws_credential_types::provider::SharedCredentialsProvider;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A local HTTP server that answers every request with `response` (a whole HTTP/1.1 answer,
    /// or nothing: the connection is closed once the request is read).
    async fn answering(response: impl Into<Vec<u8>>) -> (String, tokio::task::JoinHandle<()>) {
        let response: Vec<u8> = response.into();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let response = response.clone();
                tokio::spawn(async move {
                    read_request(&mut socket).await;
                    let _ = socket.write_all(&response).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        (format!("http://{address}"), server)
    }

    /// Read one request: its head, then as many bytes as its Content-Length says.
    async fn read_request(socket: &mut tokio::net::TcpStream) {
        let mut seen = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let Ok(n) = socket.read(&mut buffer).await else {
                return;
            };
            if n == 0 {
                return;
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
                    return;
                }
            }
        }
    }

    fn http(status: &str, content_type: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    }

    /// Clients of `endpoint` with one attempt per call and short timeouts.
    fn clients(endpoint: &str, credentials: Option<CredentialSource>) -> Clients {
        let config = aws_types::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("test", "test", None, None, "test"),
            ))
            .build();
        let limits = Limits {
            connect: Duration::from_secs(2),
            read: Duration::from_secs(2),
            attempt: Duration::from_secs(3),
            call: Duration::from_secs(5),
            max_attempts: 1,
            ..Limits::default()
        };
        Clients::build(&config, "us-east-1".into(), limits, credentials)
    }

    fn from_environment() -> Option<CredentialSource> {
        Some(CredentialSource::from_features(
            &[AwsCredentialFeature::CredentialsEnvVars],
            "default",
        ))
    }

    /// What a user reads of a failed DescribeStacks (XML protocol).
    async fn describe_stacks_error(endpoint: &str) -> String {
        crate::stack::describe(&clients(endpoint, from_environment()).cloudformation, "app")
            .await
            .expect_err("the call fails")
            .to_string()
    }

    /// What a user reads of a failed ListClusters (JSON protocol).
    async fn list_clusters_error(endpoint: &str, credentials: Option<CredentialSource>) -> String {
        clients(endpoint, credentials)
            .ecs
            .list_clusters()
            .send()
            .await
            .context("listing clusters")
            .expect_err("the call fails")
            .to_string()
    }

    fn assert_no_debug_dump(err: &str) {
        for raw in [
            "Error {",
            "Some(",
            "DispatchFailure",
            "ResponseError",
            "error parsing XML",
            "unhandled error",
        ] {
            assert!(!err.contains(raw), "{raw} in {err}");
        }
    }

    #[tokio::test]
    async fn a_proxy_s_html_page_is_not_taken_for_aws_and_the_endpoint_is_named() {
        let page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad \
                    Gateway</h1></body></html>";
        let (endpoint, server) =
            answering(http("502 Bad Gateway", "text/html; charset=utf-8", page)).await;
        let err = describe_stacks_error(&endpoint).await;
        assert!(
            err.starts_with("reading stack app: CloudFormation DescribeStacks at "),
            "{err}"
        );
        assert!(err.contains(&endpoint), "{err}");
        assert!(
            err.contains("not an AWS response (HTTP 502, text/html: an HTML page titled \"502 Bad Gateway\")"),
            "{err}"
        );
        assert!(err.contains("AWS_ENDPOINT_URL"), "{err}");
        assert_no_debug_dump(&err);
        server.abort();
    }

    #[tokio::test]
    async fn a_login_page_answering_200_is_not_taken_for_aws() {
        let page = "<html><title>Sign in to the guest network</title></html>";
        let (endpoint, server) = answering(http("200 OK", "text/html", page)).await;
        let err = list_clusters_error(&endpoint, from_environment()).await;
        assert!(
            err.starts_with("listing clusters: ECS ListClusters at "),
            "{err}"
        );
        assert!(
            err.contains("not an AWS response (HTTP 200, text/html: an HTML page titled \"Sign in to the guest network\")"),
            "{err}"
        );
        assert_no_debug_dump(&err);
        server.abort();
    }

    #[tokio::test]
    async fn an_empty_answer_is_said_to_be_empty_not_bad_xml() {
        let (endpoint, server) =
            answering(http("500 Internal Server Error", "text/plain", "")).await;
        let err = describe_stacks_error(&endpoint).await;
        assert!(
            err.contains("not an AWS response (HTTP 500, text/plain: an empty body)"),
            "{err}"
        );
        assert!(err.contains(&endpoint), "{err}");
        assert_no_debug_dump(&err);
        server.abort();
    }

    #[tokio::test]
    async fn foreign_text_is_quoted_shortly() {
        let (endpoint, server) = answering(http(
            "403 Forbidden",
            "text/plain",
            "Access denied by corporate policy\n",
        ))
        .await;
        let err = describe_stacks_error(&endpoint).await;
        assert!(
            err.contains("(HTTP 403, text/plain: \"Access denied by corporate policy\")"),
            "{err}"
        );
        server.abort();
    }

    #[tokio::test]
    async fn a_connection_closed_without_an_answer_names_the_call_and_endpoint() {
        let (endpoint, server) = answering(String::new()).await;
        let err = describe_stacks_error(&endpoint).await;
        assert!(
            err.starts_with(&format!(
                "reading stack app: CloudFormation DescribeStacks at {endpoint} got no answer: "
            )),
            "{err}"
        );
        assert_no_debug_dump(&err);
        server.abort();
    }

    #[tokio::test]
    async fn a_refused_connection_names_the_call_and_endpoint() {
        // Bound, then dropped: nothing listens on that port any more.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let endpoint = format!("http://127.0.0.1:{port}");
        let err = list_clusters_error(&endpoint, from_environment()).await;
        assert!(
            err.starts_with(&format!(
                "listing clusters: ECS ListClusters at {endpoint} got no answer: "
            )),
            "{err}"
        );
        assert!(err.to_lowercase().contains("refused"), "{err}");
        assert_no_debug_dump(&err);
    }

    #[tokio::test]
    async fn rejected_credentials_say_where_they_came_from() {
        let body = "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error>\
                    <Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token \
                    included in the request is invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>";
        let (endpoint, server) = answering(http("403 Forbidden", "text/xml", body)).await;
        let err = describe_stacks_error(&endpoint).await;
        assert!(
            err.contains(&format!(
                "CloudFormation DescribeStacks at {endpoint} rejected the credentials (InvalidClientTokenId: \
                 The security token included in the request is invalid.); they came from the environment \
                 (AWS_ACCESS_KEY_ID"
            )),
            "{err}"
        );
        assert!(err.contains("unset them to use a profile"), "{err}");
        server.abort();
    }

    #[tokio::test]
    async fn rejected_profile_credentials_name_the_profile() {
        let body = r#"{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}"#;
        let (endpoint, server) =
            answering(http("400 Bad Request", "application/x-amz-json-1.1", body)).await;
        let source =
            CredentialSource::from_features(&[AwsCredentialFeature::CredentialsProfile], "staging");
        let err = list_clusters_error(&endpoint, Some(source)).await;
        assert!(
            err.contains("rejected the credentials (UnrecognizedClientException: The security token included in the request is invalid.); they came from profile staging"),
            "{err}"
        );
        assert!(err.contains("aws configure --profile staging"), "{err}");
        server.abort();
    }

    #[tokio::test]
    async fn other_aws_errors_keep_their_code_and_message() {
        let body = r#"{"__type":"ClusterNotFoundException","message":"Cluster not found."}"#;
        let (endpoint, server) =
            answering(http("400 Bad Request", "application/x-amz-json-1.1", body)).await;
        let clients = clients(&endpoint, from_environment());
        let err = clients.ecs.list_clusters().send().await.unwrap_err();
        use aws_smithy_types::error::metadata::ProvideErrorMetadata;
        assert_eq!(err.code(), Some("ClusterNotFoundException"));
        let said = Err::<(), _>(err)
            .context("listing clusters")
            .unwrap_err()
            .to_string();
        assert_eq!(
            said,
            "listing clusters: ClusterNotFoundException: Cluster not found."
        );
        server.abort();
    }

    #[test]
    fn answers_are_told_apart() {
        assert_eq!(
            classify(400, Some("text/xml"), None, b"<ErrorResponse><Error><Code>ValidationError</Code><Message>bad</Message></Error></ErrorResponse>"),
            Answer::Aws { code: Some("ValidationError".into()), message: Some("bad".into()) }
        );
        assert_eq!(
            classify(
                400,
                None,
                None,
                br#"{"__type":"com.amazonaws.ecs#AccessDeniedException","Message":"no"}"#
            ),
            Answer::Aws {
                code: Some("AccessDeniedException".into()),
                message: Some("no".into())
            }
        );
        assert_eq!(
            classify(
                400,
                None,
                Some("ExpiredTokenException:http://internal"),
                b""
            ),
            Answer::Aws {
                code: Some("ExpiredTokenException".into()),
                message: None
            }
        );
        assert_eq!(
            classify(
                503,
                None,
                None,
                b"<?xml version=\"1.0\"?><status>down</status>"
            ),
            Answer::Foreign("HTTP 503: \"<?xml version=\"1.0\"?><status>down</status>\"".into())
        );
        let long = "x".repeat(200);
        match classify(500, None, None, long.as_bytes()) {
            Answer::Foreign(what) => {
                assert_eq!(what, format!("HTTP 500: \"{}...\"", "x".repeat(80)))
            }
            other => panic!("{other:?}"),
        }
    }

    /// CloudWatch answers in CBOR (Smithy RPC v2): its errors are AWS's, not a foreign body, so a
    /// missing permission keeps its code and rejected credentials are told as such.
    #[test]
    fn cbor_errors_are_aws_answers() {
        let mut body = aws_smithy_cbor::Encoder::new(Vec::new());
        body.map(3)
            .str("__type")
            .str("com.amazonaws.cloudwatch#AccessDeniedException")
            .str("retryable")
            .boolean(false)
            .str("message")
            .str("User: arn:aws:iam::1:user/dev is not authorized to perform: cloudwatch:GetMetricData");
        assert_eq!(
            classify(400, Some("application/cbor"), None, &body.into_writer()),
            Answer::Aws {
                code: Some("AccessDeniedException".into()),
                message: Some(
                    "User: arn:aws:iam::1:user/dev is not authorized to perform: cloudwatch:GetMetricData"
                        .into()
                )
            }
        );
        // An indefinite map, as other encoders write it.
        let mut body = aws_smithy_cbor::Encoder::new(Vec::new());
        body.begin_map()
            .str("__type")
            .str("ExpiredTokenException")
            .end();
        assert_eq!(
            classify(400, Some("application/cbor"), None, &body.into_writer()),
            Answer::Aws {
                code: Some("ExpiredTokenException".into()),
                message: None
            }
        );
        // Unreadable CBOR still came from AWS: the SDK says what it could not read.
        assert_eq!(
            classify(500, Some("application/cbor"), None, &[0xff, 0x00]),
            Answer::Aws {
                code: None,
                message: None
            }
        );
    }

    /// What `ps` says when CloudWatch refuses GetMetricData over the wire, in CBOR as AWS answers
    /// (with and without the query-compatible code header): the permission, and AWS's words.
    #[tokio::test]
    async fn a_cbor_access_denied_reaches_ps_as_the_missing_permission() {
        let message = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: \
                       cloudwatch:GetMetricData";
        let mut body = aws_smithy_cbor::Encoder::new(Vec::new());
        body.map(2)
            .str("__type")
            .str("com.amazonaws.cloudwatch#AccessDeniedException")
            .str("message")
            .str(message);
        let body = body.into_writer();
        let service = crate::operate::stack_info::AppService {
            name: "web".into(),
            ecs_name: "web".into(),
            arn: String::new(),
            cluster: "app".into(),
            status: "active".into(),
            desired: 1,
            running: 1,
            pending: 0,
            targets: vec![],
            task_definition: None,
            image: None,
        };
        for (query_error, code) in [
            ("", "AccessDeniedException"),
            (
                "x-amzn-query-error: AccessDenied;Sender\r\n",
                "AccessDenied",
            ),
        ] {
            let mut response = format!(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/cbor\r\n\
                 smithy-protocol: rpc-v2-cbor\r\n{query_error}Content-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            response.extend_from_slice(&body);
            let (endpoint, server) = answering(response).await;
            let loaded = crate::operate::metrics::load_at(
                &clients(&endpoint, from_environment()).cloudwatch,
                std::slice::from_ref(&service),
                1_796_470_830,
            )
            .await;
            assert_eq!(
                loaded.warning,
                Some(format!(
                    "CPU % and MEM % are not shown: these credentials may not call \
                     cloudwatch:GetMetricData ({code}: {message}); add it to your docker-ecs \
                     policy (docs/iam-policy.json)"
                ))
            );
            server.abort();
        }
    }

    #[test]
    fn each_credential_source_says_what_to_do() {
        use AwsCredentialFeature as F;
        let said = |features: &[F]| CredentialSource::from_features(features, "dev").0;
        assert!(said(&[
            F::CredentialsProfile,
            F::CredentialsProfileSso,
            F::CredentialsSso
        ])
        .contains("`aws sso login --profile dev`"));
        assert!(
            said(&[F::CredentialsProfile, F::CredentialsStsAssumeRole]).contains("assumes a role")
        );
        assert!(said(&[F::CredentialsProfile]).starts_with("profile dev (~/.aws/credentials"));
        assert!(said(&[F::CredentialsImds]).contains("instance metadata service (IMDS)"));
        assert!(said(&[F::CredentialsHttp]).contains("container credentials endpoint"));
        assert!(said(&[F::CredentialsEnvVars]).starts_with("the environment (AWS_ACCESS_KEY_ID"));
        assert!(said(&[F::CredentialsStsAssumeRoleWebId]).contains("web identity token"));
        assert!(said(&[]).contains("default credential chain"));
    }
}
