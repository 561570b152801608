//! Errors of the AWS side, each saying what was being done and what AWS answered, and the one path
//! from an SDK error to ours ([`AwsContext`]).

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::error::operation::BuildError;
use aws_smithy_types::error::ErrorMetadata;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No region in flags, environment or profile.
    #[error(
        "no AWS region found: pass --region, set AWS_REGION, or set a region in your AWS profile"
    )]
    NoRegion,
    /// No credentials anywhere in the default chain; `profile` is the profile it read, `tried`
    /// what each of its providers said, one per line.
    #[error(
        "no AWS credentials found (profile {profile}); what was tried:\n{tried}\nSet AWS_ACCESS_KEY_ID and \
         AWS_SECRET_ACCESS_KEY, run `aws configure` or `aws sso login`, or pass --aws-profile NAME"
    )]
    NoCredentials { profile: String, tried: String },
    /// An AWS call failed, or answered without what we need; `action` says what we were doing and
    /// `message` what AWS said. The SDK's own error, when there is one, is the source.
    #[error("{action}: {message}")]
    Aws {
        action: String,
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// Anything the user must fix before we call AWS (missing stack, wrong load balancer type, ...).
    #[error("{0}")]
    Precondition(String),
    /// The deployment itself failed; the message names the resource and the first real cause.
    #[error("{0}")]
    DeployFailed(String),
    /// Another deployment of the project holds its stack (created it meanwhile, is executing its
    /// change set, or prepares one on the stack this run's change set made); `what` shows it.
    #[error("another deployment of stack {project} is in progress ({what}): this run changed nothing and removed only its own change set; wait for the other one to end (`docker ecs ls`), then run `docker ecs up` again")]
    AnotherDeployment { project: String, what: String },
    /// `ps`/`logs` on a project that has no stack in this region.
    #[error("no application named \"{project}\" is deployed in {region} (no CloudFormation stack \"{project}\"): run `docker ecs up` first, or check --project-name and --region")]
    NoStack { project: String, region: String },
    /// Building or pushing an image with the user's docker failed (its own message says how).
    #[error(transparent)]
    Image(#[from] image_build::Error),
    /// A command-line value we cannot use (a bad --since, an unknown service, a label without `=`).
    #[error("{0}")]
    InvalidArgument(String),
    /// Displayed as the context alone: the I/O error is its source, printed once as the cause.
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The one way an SDK error becomes ours: what we were doing, then AWS's "Code: message" when
    /// the service answered, otherwise the deepest cause (connection refused, timeout...), never the
    /// error's debug dump. The SDK error stays the source.
    pub(crate) fn aws<E>(action: impl Into<String>, err: E) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let message = match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_string(),
            (None, Some(message)) => message.to_string(),
            (None, None) => deepest_cause(&err),
        };
        Error::Aws {
            action: action.into(),
            message,
            source: Some(Box::new(err)),
        }
    }

    /// A request the SDK refused to build (a required field left out): no AWS answer to quote.
    pub(crate) fn aws_request(action: impl Into<String>, err: BuildError) -> Self {
        Error::Aws {
            action: action.into(),
            message: deepest_cause(&err),
            source: Some(Box::new(err)),
        }
    }

    /// AWS answered, but without what the call is for (no session, no account...).
    pub(crate) fn aws_answer(action: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Aws {
            action: action.into(),
            message: message.into(),
            source: None,
        }
    }
}

/// `.context("what we were doing")?` on an SDK call's result, as [`Error::aws`] words it.
pub(crate) trait AwsContext<T> {
    fn context(self, action: impl Into<String>) -> Result<T, Error>;
    /// For an action worth formatting only when the call failed.
    fn with_context(self, action: impl FnOnce() -> String) -> Result<T, Error>;
}

impl<T, E> AwsContext<T> for Result<T, E>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn context(self, action: impl Into<String>) -> Result<T, Error> {
        self.map_err(|err| Error::aws(action, err))
    }

    fn with_context(self, action: impl FnOnce() -> String) -> Result<T, Error> {
        self.map_err(|err| Error::aws(action(), err))
    }
}

/// Rate limiting: the call can be repeated later, so a polling loop waits and tries again.
pub(crate) fn is_throttling<E: ProvideErrorMetadata>(err: &E) -> bool {
    matches!(
        err.code(),
        Some(
            "Throttling"
                | "ThrottlingException"
                | "ThrottledException"
                | "RequestLimitExceeded"
                | "TooManyRequestsException"
                | "RequestThrottled"
                | "RequestThrottledException"
        )
    )
}

/// The most useful text of an error the service did not answer: an error code and message met on
/// the way down (an SDK error type without a model ends in its metadata, whose Display is a debug
/// dump, `Error { aws_request_id: ... }`, never shown), otherwise the deepest source.
pub(crate) fn deepest_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = None;
    let mut current = Some(err);
    while let Some(error) = current {
        if let Some(meta) = error.downcast_ref::<ErrorMetadata>() {
            match (meta.code(), meta.message()) {
                (Some(code), Some(message)) => return format!("{code}: {message}"),
                (Some(only), None) | (None, Some(only)) => return only.to_string(),
                (None, None) => {
                    let id = meta
                        .extra("aws_request_id")
                        .map(|id| format!(" (request id {id})"))
                        .unwrap_or_default();
                    return format!("AWS answered with an error without a code or message{id}");
                }
            }
        }
        let text = error.to_string();
        if !text.is_empty() {
            deepest = Some(text);
        }
        current = error.source();
    }
    deepest.unwrap_or_else(|| "an error without a message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service_error(code: Option<&str>, message: Option<&str>) -> ErrorMetadata {
        let mut meta = ErrorMetadata::builder();
        if let Some(code) = code {
            meta = meta.code(code);
        }
        if let Some(message) = message {
            meta = meta.message(message);
        }
        meta.build()
    }

    #[test]
    fn an_aws_answer_reads_code_then_message_and_keeps_the_sdk_error_as_source() {
        let err = Error::aws(
            "creating secret db",
            service_error(Some("AccessDenied"), Some("not allowed")),
        );
        assert_eq!(
            err.to_string(),
            "creating secret db: AccessDenied: not allowed"
        );
        let source = std::error::Error::source(&err).expect("the SDK error is the source");
        assert!(source.downcast_ref::<ErrorMetadata>().is_some());
    }

    #[test]
    fn a_code_or_a_message_alone_is_said_as_is() {
        let code_only = Error::aws("a", service_error(Some("Throttling"), None));
        assert_eq!(code_only.to_string(), "a: Throttling");
        let message_only = Error::aws("a", service_error(None, Some("slow down")));
        assert_eq!(message_only.to_string(), "a: slow down");
    }

    #[test]
    fn without_an_answer_the_deepest_cause_is_said() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("dispatch failure")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let refused =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        assert_eq!(deepest_cause(&Outer(refused)), "connection refused");
    }

    #[test]
    fn an_error_without_code_or_message_is_never_shown_as_its_debug_dump() {
        let meta = ErrorMetadata::builder()
            .custom("aws_request_id", "4ad2-17")
            .build();
        assert!(meta.to_string().starts_with("Error {"), "{meta}");
        let err = Error::aws("reading stack app", meta);
        assert_eq!(
            err.to_string(),
            "reading stack app: AWS answered with an error without a code or message (request id 4ad2-17)"
        );
    }

    #[test]
    fn throttling_codes_are_recognised() {
        assert!(is_throttling(&service_error(Some("Throttling"), None)));
        assert!(is_throttling(&service_error(
            Some("RequestLimitExceeded"),
            None
        )));
        assert!(!is_throttling(&service_error(
            Some("ValidationError"),
            None
        )));
    }
}
