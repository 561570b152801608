//! How long AWS may take: every call has connect, read and per-attempt timeouts, a bounded number of
//! attempts and an overall limit; a wait for CloudFormation (a change set being computed, a stack
//! being deployed or deleted) has its own, longer one. Defaults suit AWS's own endpoints; each can be
//! changed through the environment (seconds), as the README says.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;

use crate::Error;

/// Connecting to an AWS endpoint (`DOCKER_ECS_AWS_CONNECT_TIMEOUT`).
pub const CONNECT_TIMEOUT_VAR: &str = "DOCKER_ECS_AWS_CONNECT_TIMEOUT";
/// Waiting for an answer once the request is sent (`DOCKER_ECS_AWS_READ_TIMEOUT`).
pub const READ_TIMEOUT_VAR: &str = "DOCKER_ECS_AWS_READ_TIMEOUT";
/// One call, all its attempts included (`DOCKER_ECS_AWS_CALL_TIMEOUT`).
pub const CALL_TIMEOUT_VAR: &str = "DOCKER_ECS_AWS_CALL_TIMEOUT";
/// Attempts per call, as for every AWS SDK and the AWS CLI.
pub const MAX_ATTEMPTS_VAR: &str = "AWS_MAX_ATTEMPTS";
/// Following CloudFormation: a change set being computed, a stack operation to its end.
pub const WAIT_TIMEOUT_VAR: &str = "DOCKER_ECS_WAIT_TIMEOUT";

/// The limits of talking to AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub connect: Duration,
    pub read: Duration,
    /// One attempt of a call, from sending the request to reading the whole answer.
    pub attempt: Duration,
    /// A whole call, retries and their back-off included.
    pub call: Duration,
    pub max_attempts: u32,
    /// Waiting for CloudFormation to finish something: it goes on without us afterwards.
    pub wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect: Duration::from_secs(5),
            read: Duration::from_secs(20),
            attempt: Duration::from_secs(30),
            call: Duration::from_secs(60),
            max_attempts: 3,
            // ECS gives a service three hours to become stable inside CloudFormation.
            wait: Duration::from_secs(3 * 60 * 60),
        }
    }
}

impl Limits {
    /// The defaults, with what the environment changes.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let mut limits = Limits::default();
        let seconds = |name: &str, default: Duration| -> Result<Duration, Error> {
            match lookup(name) {
                None => Ok(default),
                Some(text) => match text.trim().parse::<f64>() {
                    Ok(value) if value > 0.0 && value.is_finite() => {
                        Ok(Duration::from_secs_f64(value))
                    }
                    _ => Err(Error::InvalidArgument(format!(
                        "{name}={text:?}: expected a number of seconds greater than 0"
                    ))),
                },
            }
        };
        limits.connect = seconds(CONNECT_TIMEOUT_VAR, limits.connect)?;
        limits.read = seconds(READ_TIMEOUT_VAR, limits.read)?;
        limits.call = seconds(CALL_TIMEOUT_VAR, limits.call)?;
        limits.wait = seconds(WAIT_TIMEOUT_VAR, limits.wait)?;
        // An attempt may read for as long as the read timeout allows, after connecting.
        limits.attempt = (limits.connect + limits.read + Duration::from_secs(5)).min(limits.call);
        if let Some(text) = lookup(MAX_ATTEMPTS_VAR) {
            limits.max_attempts = match text.trim().parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(Error::InvalidArgument(format!(
                    "{MAX_ATTEMPTS_VAR}={text:?}: expected a whole number of attempts, at least 1"
                )))
                }
            };
        }
        Ok(limits)
    }

    pub fn timeouts(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .read_timeout(self.read)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.call)
            .build()
    }

    pub fn retries(&self) -> RetryConfig {
        RetryConfig::standard().with_max_attempts(self.max_attempts)
    }
}

/// "3h", "90s", "1m30s": a limit as the user set it.
pub(crate) fn duration_text(limit: Duration) -> String {
    let total = limit.as_secs();
    let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60);
    let mut text = String::new();
    if hours > 0 {
        text.push_str(&format!("{hours}h"));
    }
    if minutes > 0 {
        text.push_str(&format!("{minutes}m"));
    }
    if seconds > 0 || text.is_empty() {
        text.push_str(&format!("{seconds}s"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<Limits, Error> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Limits::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn every_call_is_bounded_and_the_wait_for_cloudformation_is_longer() {
        let limits = from(&[]).unwrap();
        assert_eq!(limits, Limits::default());
        assert!(limits.connect < limits.attempt && limits.read < limits.attempt);
        assert!(limits.attempt <= limits.call && limits.call < limits.wait);
        let timeouts = limits.timeouts();
        assert_eq!(timeouts.connect_timeout(), Some(limits.connect));
        assert_eq!(timeouts.read_timeout(), Some(limits.read));
        assert_eq!(timeouts.operation_timeout(), Some(limits.call));
        assert_eq!(limits.retries().max_attempts(), 3);
    }

    #[test]
    fn the_environment_changes_them_and_nonsense_is_refused() {
        let limits = from(&[
            (READ_TIMEOUT_VAR, "2.5"),
            (CALL_TIMEOUT_VAR, "120"),
            (MAX_ATTEMPTS_VAR, "5"),
            (WAIT_TIMEOUT_VAR, "600"),
        ])
        .unwrap();
        assert_eq!(limits.read, Duration::from_millis(2500));
        assert_eq!(limits.call, Duration::from_secs(120));
        assert_eq!(limits.max_attempts, 5);
        assert_eq!(limits.wait, Duration::from_secs(600));
        let err = from(&[(CONNECT_TIMEOUT_VAR, "soon")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(CONNECT_TIMEOUT_VAR) && err.contains("soon"),
            "{err}"
        );
        assert!(from(&[(MAX_ATTEMPTS_VAR, "0")]).is_err());
        assert!(from(&[(READ_TIMEOUT_VAR, "0")]).is_err());
    }
}
