//! Errors of the AWS side, each saying what was being done and what AWS answered.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No region in flags, environment or profile.
    #[error(
        "no AWS region found: pass --region, set AWS_REGION, or set a region in your AWS profile"
    )]
    NoRegion,
    /// No credentials anywhere in the default chain.
    #[error("no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run `aws sso login`, or pass --aws-profile ({0})")]
    NoCredentials(String),
    /// An AWS call failed; `action` says what we were doing.
    #[error("{action}: {message}")]
    Aws { action: String, message: String },
    /// Anything the user must fix before we call AWS (missing stack, wrong load balancer type, ...).
    #[error("{0}")]
    Precondition(String),
    /// The deployment itself failed; the message names the resource and the first real cause.
    #[error("{0}")]
    DeployFailed(String),
    /// `ps`/`logs` on a project that has no stack in this region.
    #[error("no application named \"{project}\" is deployed in {region} (no CloudFormation stack \"{project}\"): run `docker ecs up` first, or check --project-name and --region")]
    NoStack { project: String, region: String },
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
    /// Wrap any SDK error with what we were doing, keeping AWS's own message (not "service error").
    pub fn aws<E>(action: impl Into<String>, err: E) -> Self
    where
        E: std::error::Error + 'static,
    {
        Error::Aws {
            action: action.into(),
            message: describe_sdk_error(&err),
        }
    }
}

/// The most useful text of an SDK error: its error code and message when the service sent them,
/// otherwise the deepest source (connection refused, timeout, ...).
pub fn describe_sdk_error(err: &(dyn std::error::Error + 'static)) -> String {
    use aws_smithy_types::error::ErrorMetadata;
    let mut deepest = err.to_string();
    let mut current = err.source();
    while let Some(source) = current {
        // An error the SDK has no type for ends in its metadata, whose Display is a debug dump.
        if let Some(meta) = source.downcast_ref::<ErrorMetadata>() {
            match (meta.code(), meta.message()) {
                (Some(code), Some(message)) => return format!("{code}: {message}"),
                (Some(only), None) | (None, Some(only)) => return only.to_string(),
                (None, None) => {}
            }
        }
        let text = source.to_string();
        if !text.is_empty() {
            deepest = text;
        }
        current = source.source();
    }
    deepest
}
