//! Reading what AWS said in an SDK error: its error code, and whether it only asks us to slow down.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// The service's error code (`ValidationError`, `Throttling`, ...), when it sent one.
pub fn code<E: ProvideErrorMetadata>(err: &E) -> Option<&str> {
    err.code()
}

/// The service's error message, when it sent one.
pub fn message<E: ProvideErrorMetadata>(err: &E) -> Option<&str> {
    err.message()
}

/// Rate limiting: the call can be repeated later, so a polling loop waits and tries again.
pub fn is_throttling<E: ProvideErrorMetadata>(err: &E) -> bool {
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

/// An SDK error as "what we were doing: Code: message" when the service answered, otherwise the
/// deepest cause (connection refused, timeout...), never the error's debug dump.
pub fn failed<E>(action: impl Into<String>, err: E) -> crate::Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let message = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        (None, Some(message)) => message.to_string(),
        (None, None) => crate::error::describe_sdk_error(&err),
    };
    crate::Error::Aws {
        action: action.into(),
        message,
    }
}
