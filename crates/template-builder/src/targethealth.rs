//! `x-aws-healthcheck` on a service: how the load balancer checks the service's targets, and how
//! long ECS ignores failed checks of a new task (`HealthCheckGracePeriodSeconds`).
//!
//! Everything is optional; what is not given keeps the defaults (ALB: HTTP GET / expecting
//! 200-399; NLB: a TCP connection; every 10 s, 5 s timeout, 3 checks either way). Values ELB or
//! ECS would refuse are errors here, naming the service and the key, instead of a failed stack.

use compose_model::Service;
use serde_json::Value;

use crate::Error;

pub const ATTRIBUTE: &str = "x-aws-healthcheck";

pub const DEFAULT_PATH: &str = "/";
pub const DEFAULT_MATCHER: &str = "200-399";
pub const DEFAULT_INTERVAL_SECONDS: u64 = 10;
/// Below the interval, as ELB requires (its TCP default, 10 s, would equal it).
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 5;
pub const DEFAULT_THRESHOLD: u64 = 3;

const KEYS: &[&str] = &[
    "path",
    "matcher",
    "interval",
    "timeout",
    "healthy_threshold",
    "unhealthy_threshold",
    "grace_period",
];

/// The target group health check settings of one service, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHealth {
    /// `None`: not given (HTTP targets check `/`; TCP targets cannot take one).
    pub path: Option<String>,
    pub matcher: Option<String>,
    pub interval: u64,
    pub timeout: u64,
    pub healthy_threshold: u64,
    pub unhealthy_threshold: u64,
    /// `HealthCheckGracePeriodSeconds`, when given.
    pub grace_period: Option<u64>,
}

impl Default for TargetHealth {
    fn default() -> Self {
        TargetHealth {
            path: None,
            matcher: None,
            interval: DEFAULT_INTERVAL_SECONDS,
            timeout: DEFAULT_TIMEOUT_SECONDS,
            healthy_threshold: DEFAULT_THRESHOLD,
            unhealthy_threshold: DEFAULT_THRESHOLD,
            grace_period: None,
        }
    }
}

impl TargetHealth {
    /// Whether the settings only make sense for an HTTP health check.
    pub fn is_http_only(&self) -> bool {
        self.path.is_some() || self.matcher.is_some()
    }
}

fn error(name: &str, key: &str, message: String) -> Error {
    Error {
        service: Some(name.to_string()),
        attribute: if key.is_empty() {
            ATTRIBUTE.to_string()
        } else {
            format!("{ATTRIBUTE}.{key}")
        },
        message,
    }
}

/// Seconds from a number or a Compose duration (`30s`, `1m30s`).
fn seconds(name: &str, key: &str, value: &Value) -> Result<u64, Error> {
    let parsed = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(text) => text.trim().parse::<u64>().ok().or_else(|| {
            text.parse::<compose_model::Duration>()
                .ok()
                .filter(|d| d.0.subsec_nanos() == 0)
                .map(|d| d.as_secs())
        }),
        _ => None,
    };
    parsed.ok_or_else(|| {
        error(
            name,
            key,
            format!("expected whole seconds (30 or \"30s\"), got {value}"),
        )
    })
}

fn in_range(
    name: &str,
    key: &str,
    value: u64,
    low: u64,
    high: u64,
    unit: &str,
) -> Result<u64, Error> {
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(error(
            name,
            key,
            format!("{value}{unit} is outside what the load balancer accepts ({low}-{high}{unit})"),
        ))
    }
}

/// The path the service's own `healthcheck` requests from the container port `target`
/// (`curl -f http://localhost:8000/health/` -> `/health/`): the load balancer's HTTP check asks
/// the same, rather than `/`, which many APIs answer with 404 (failing every deployment). `None`
/// when the health check requests nothing over HTTP on that port, or only `/`.
pub fn path_from_healthcheck(service: &Service, target: u16) -> Option<String> {
    let check = service.healthcheck.as_ref().filter(|c| !c.disable)?;
    check
        .test
        .iter()
        .skip(1)
        .flat_map(|arg| arg.split_whitespace())
        .map(|word| word.trim_matches(['"', '\'']))
        .find_map(|word| {
            let rest = word.strip_prefix("http://")?;
            let (authority, path) = match rest.find('/') {
                Some(slash) => rest.split_at(slash),
                None => (rest, "/"),
            };
            let (host, port) = match authority.rsplit_once(':') {
                Some((host, port)) => (host, port.parse::<u16>().ok()?),
                None => (authority, 80),
            };
            let local = matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]");
            (local && port == target).then_some(path)
        })
        .filter(|path| {
            *path != DEFAULT_PATH
                && path.len() <= 1024
                && path.chars().all(|c| c.is_ascii_graphic() && c != '?')
        })
        .map(str::to_string)
}

/// A path the target group accepts: absolute, printable ASCII, at most 1024 characters.
fn check_path(name: &str, path: &str) -> Result<(), Error> {
    if !path.starts_with('/') || path.len() > 1024 || !path.chars().all(|c| c.is_ascii_graphic()) {
        return Err(error(
            name,
            "path",
            format!("{path:?} is not a health check path: it starts with / and has at most 1024 printable characters, no spaces"),
        ));
    }
    Ok(())
}

/// `200`, `200-299` or `200,204,301`: HTTP codes 200-499, ranges low to high.
fn check_matcher(name: &str, matcher: &str) -> Result<(), Error> {
    let invalid = || {
        error(
            name,
            "matcher",
            format!("{matcher:?} is not a list of HTTP codes 200-499 (\"200\", \"200-299\" or \"200,302\")"),
        )
    };
    let code = |text: &str| -> Result<u16, Error> {
        text.trim()
            .parse::<u16>()
            .ok()
            .filter(|c| (200..=499).contains(c))
            .ok_or_else(invalid)
    };
    if matcher.trim().is_empty() {
        return Err(invalid());
    }
    for part in matcher.split(',') {
        match part.split_once('-') {
            Some((low, high)) => {
                if code(low)? > code(high)? {
                    return Err(invalid());
                }
            }
            None => {
                code(part)?;
            }
        }
    }
    Ok(())
}

/// The service's `x-aws-healthcheck`, checked, defaults filled in.
pub fn of_service(name: &str, service: &Service) -> Result<TargetHealth, Error> {
    let mut health = TargetHealth::default();
    let Some(value) = service.extensions.get(ATTRIBUTE) else {
        return Ok(health);
    };
    let Some(map) = value.as_object() else {
        return Err(error(
            name,
            "",
            format!("expected a mapping with any of {}", KEYS.join(", ")),
        ));
    };
    for (key, value) in map {
        match key.as_str() {
            "path" => {
                let path = value.as_str().ok_or_else(|| {
                    error(
                        name,
                        key,
                        format!("expected a path such as /health, got {value}"),
                    )
                })?;
                check_path(name, path)?;
                health.path = Some(path.to_string());
            }
            "matcher" => {
                let matcher = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => {
                        return Err(error(
                            name,
                            key,
                            format!("expected HTTP codes such as \"200-299\", got {value}"),
                        ))
                    }
                };
                check_matcher(name, &matcher)?;
                health.matcher = Some(matcher.replace(' ', ""));
            }
            "interval" => {
                health.interval = in_range(name, key, seconds(name, key, value)?, 5, 300, " s")?
            }
            "timeout" => {
                health.timeout = in_range(name, key, seconds(name, key, value)?, 2, 120, " s")?
            }
            "healthy_threshold" | "unhealthy_threshold" => {
                let count = value.as_u64().ok_or_else(|| {
                    error(
                        name,
                        key,
                        format!("expected a count of checks, got {value}"),
                    )
                })?;
                let count = in_range(name, key, count, 2, 10, "")?;
                if key == "healthy_threshold" {
                    health.healthy_threshold = count;
                } else {
                    health.unhealthy_threshold = count;
                }
            }
            "grace_period" => {
                let grace = seconds(name, key, value)?;
                health.grace_period = Some(in_range(name, key, grace, 0, 2_147_483_647, " s")?);
            }
            other => {
                return Err(error(
                    name,
                    other,
                    format!("unknown key; {ATTRIBUTE} takes {}", KEYS.join(", ")),
                ))
            }
        }
    }
    if health.timeout >= health.interval {
        return Err(error(
            name,
            "timeout",
            format!(
                "the timeout ({} s) must be shorter than the interval ({} s)",
                health.timeout, health.interval
            ),
        ));
    }
    Ok(health)
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    use crate::build;
    use crate::test_support::{port, project, service};

    fn with(value: Value) -> Service {
        let mut service = Service::default();
        service.extensions.insert(ATTRIBUTE.into(), value);
        service
    }

    #[test]
    fn absent_means_defaults() {
        let health = of_service("web", &Service::default()).unwrap();
        assert_eq!(health, TargetHealth::default());
        assert_eq!((health.interval, health.timeout), (10, 5));
        assert!(!health.is_http_only());
    }

    #[test]
    fn every_key_is_read() {
        let health = of_service(
            "web",
            &with(json!({
                "path": "/health",
                "matcher": "200, 204",
                "interval": "30s",
                "timeout": 10,
                "healthy_threshold": 2,
                "unhealthy_threshold": 5,
                "grace_period": "2m"
            })),
        )
        .unwrap();
        assert_eq!(
            health,
            TargetHealth {
                path: Some("/health".into()),
                matcher: Some("200,204".into()),
                interval: 30,
                timeout: 10,
                healthy_threshold: 2,
                unhealthy_threshold: 5,
                grace_period: Some(120),
            }
        );
        assert!(health.is_http_only());
    }

    #[test]
    fn invalid_values_name_the_key() {
        for (value, attribute, needle) in [
            (json!("yes"), "x-aws-healthcheck", "mapping"),
            (
                json!({"path": "health"}),
                "x-aws-healthcheck.path",
                "starts with /",
            ),
            (
                json!({"path": "/a b"}),
                "x-aws-healthcheck.path",
                "no spaces",
            ),
            (
                json!({"matcher": "100"}),
                "x-aws-healthcheck.matcher",
                "200-499",
            ),
            (
                json!({"matcher": "299-200"}),
                "x-aws-healthcheck.matcher",
                "200-499",
            ),
            (
                json!({"matcher": "ok"}),
                "x-aws-healthcheck.matcher",
                "200-499",
            ),
            (
                json!({"interval": 1}),
                "x-aws-healthcheck.interval",
                "5-300 s",
            ),
            (
                json!({"interval": "1.5s"}),
                "x-aws-healthcheck.interval",
                "whole seconds",
            ),
            (
                json!({"timeout": 121, "interval": 300}),
                "x-aws-healthcheck.timeout",
                "2-120 s",
            ),
            (
                json!({"timeout": 10}),
                "x-aws-healthcheck.timeout",
                "shorter than the interval",
            ),
            (
                json!({"healthy_threshold": 1}),
                "x-aws-healthcheck.healthy_threshold",
                "2-10",
            ),
            (
                json!({"unhealthy_threshold": "3"}),
                "x-aws-healthcheck.unhealthy_threshold",
                "count",
            ),
            (
                json!({"grace_period": -1}),
                "x-aws-healthcheck.grace_period",
                "whole seconds",
            ),
            (
                json!({"retries": 3}),
                "x-aws-healthcheck.retries",
                "unknown key",
            ),
        ] {
            let err = of_service("web", &with(value.clone())).unwrap_err();
            assert_eq!(err.service.as_deref(), Some("web"), "{value}");
            assert_eq!(err.attribute, attribute, "{value}");
            assert!(err.message.contains(needle), "{value}: {}", err.message);
        }
    }

    #[test]
    fn a_path_has_at_most_1024_characters() {
        let path = |len: usize| format!("/{}", "a".repeat(len - 1));
        check_path("web", &path(1024)).unwrap();
        let err = check_path("web", &path(1025)).unwrap_err();
        assert!(err.message.contains("at most 1024"), "{err}");
    }

    #[test]
    fn matcher_accepts_codes_ranges_and_lists() {
        for matcher in [
            "200",
            "200-299",
            "200,302",
            "200-204,301-302,404",
            "499",
            "200-200",
        ] {
            check_matcher("web", matcher).unwrap();
        }
        // A single code may be written as a number.
        let health = of_service("web", &with(json!({"matcher": 204}))).unwrap();
        assert_eq!(health.matcher.as_deref(), Some("204"));
        for matcher in ["", "500", "200-", ",200", "2OO"] {
            assert!(check_matcher("web", matcher).is_err(), "{matcher}");
        }
    }

    #[test]
    fn the_load_balancer_asks_the_path_the_container_health_check_asks() {
        let with_test = |test: &[&str]| Service {
            healthcheck: Some(compose_model::Healthcheck {
                test: test.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let django = with_test(&["CMD", "curl", "-f", "http://localhost:8000/health/"]);
        assert_eq!(
            path_from_healthcheck(&django, 8000).as_deref(),
            Some("/health/")
        );
        // Another port than the one the load balancer sends to: not this target's check.
        assert_eq!(path_from_healthcheck(&django, 80), None);
        let shell = with_test(&["CMD-SHELL", "wget -qO- 'http://127.0.0.1/up' || exit 1"]);
        assert_eq!(path_from_healthcheck(&shell, 80).as_deref(), Some("/up"));
        for nothing in [
            with_test(&["CMD", "curl", "-f", "http://localhost:3000/"]),
            with_test(&["CMD", "curl", "-f", "http://localhost:3000/ready?deep=1"]),
            with_test(&["CMD", "curl", "-f", "http://db:3000/health"]),
            with_test(&["CMD-SHELL", "pg_isready"]),
        ] {
            assert_eq!(
                path_from_healthcheck(&nothing, 3000),
                None,
                "{:?}",
                nothing.healthcheck
            );
        }
    }

    #[test]
    fn x_aws_healthcheck_sets_the_target_group_check_and_the_grace_period() {
        let mut web = service("app");
        web.ports.push(port(8080, Some(80)));
        web.extensions.insert(
            "x-aws-healthcheck".into(),
            json!({
                "path": "/healthz",
                "matcher": "200-299",
                "interval": "20s",
                "timeout": 4,
                "healthy_threshold": 2,
                "unhealthy_threshold": 4,
                "grace_period": 90
            }),
        );
        let mut other = service("app");
        let mut http = port(80, Some(8081));
        http.extensions
            .insert("x-aws-protocol".into(), json!("http"));
        other.ports.push(http);
        let built = build(&project(vec![("other", other), ("web", web)])).unwrap();
        let r = &built.template["Resources"];
        let group = &r["WebTCP80TargetGroup"]["Properties"];
        assert_eq!(group["HealthCheckPath"], "/healthz");
        assert_eq!(group["Matcher"], json!({"HttpCode": "200-299"}));
        assert_eq!(group["HealthCheckIntervalSeconds"], 20);
        assert_eq!(group["HealthCheckTimeoutSeconds"], 4);
        assert_eq!(group["HealthyThresholdCount"], 2);
        assert_eq!(group["UnhealthyThresholdCount"], 4);
        assert_eq!(
            r["WebService"]["Properties"]["HealthCheckGracePeriodSeconds"],
            90
        );
        // The defaults stay for a service without the extension.
        let group = &r["OtherTCP8081TargetGroup"]["Properties"];
        assert_eq!(group["HealthCheckPath"], "/");
        assert_eq!(group["Matcher"], json!({"HttpCode": "200-399"}));
        assert_eq!(group["HealthCheckIntervalSeconds"], 10);
        assert_eq!(group["HealthCheckTimeoutSeconds"], 5);
        assert_eq!(
            group["TargetGroupAttributes"],
            json!([{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}])
        );
        assert_eq!(
            r["OtherService"]["Properties"]["HealthCheckGracePeriodSeconds"],
            60
        );
    }

    #[test]
    fn x_aws_healthcheck_timings_apply_to_tcp_targets_but_a_path_is_refused() {
        let mut db = service("postgres");
        db.ports.push(port(5432, None));
        db.extensions.insert(
            "x-aws-healthcheck".into(),
            json!({ "interval": 30, "unhealthy_threshold": 2 }),
        );
        let built = build(&project(vec![("db", db.clone())])).unwrap();
        let group = &built.template["Resources"]["DbTCP5432TargetGroup"]["Properties"];
        assert_eq!(group["HealthCheckProtocol"], "TCP");
        assert_eq!(group["HealthCheckIntervalSeconds"], 30);
        assert_eq!(group["UnhealthyThresholdCount"], 2);
        assert!(group.get("HealthCheckPath").is_none());

        db.extensions
            .insert("x-aws-healthcheck".into(), json!({ "path": "/ready" }));
        let err = build(&project(vec![("db", db)])).unwrap_err();
        assert_eq!(err.service.as_deref(), Some("db"));
        assert_eq!(err.attribute, "x-aws-healthcheck.path");
        assert!(err.message.contains("Network Load Balancer"), "{err}");
    }

    #[test]
    fn x_aws_healthcheck_errors_and_warnings_at_convert_time() {
        let mut web = service("app");
        web.ports.push(port(80, None));
        web.extensions
            .insert("x-aws-healthcheck".into(), json!({ "interval": 400 }));
        let err = build(&project(vec![("web", web)])).unwrap_err();
        assert_eq!(err.service.as_deref(), Some("web"));
        assert_eq!(err.attribute, "x-aws-healthcheck.interval");

        // Without a published port nothing checks the service: a warning, not silence.
        let mut worker = service("app");
        worker
            .extensions
            .insert("x-aws-healthcheck".into(), json!({ "path": "/" }));
        let built = build(&project(vec![("worker", worker)])).unwrap();
        assert!(built
            .warnings
            .iter()
            .any(|w| w.service.as_deref() == Some("worker")
                && w.attribute == "x-aws-healthcheck"
                && w.message.contains("publishes no port")));
    }
}
