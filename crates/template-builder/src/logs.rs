//! Logs: one CloudWatch log group per project, `/docker-compose/<project>`; every container logs to it
//! with the awslogs driver and stream prefix `<project>`, so streams are
//! `<project>/<container>/<task-id>`.

use std::collections::BTreeMap;

use compose_model::Service;
use serde_json::{json, Value};

use crate::attributes;
use crate::context::Ctx;
use crate::naming::LOG_GROUP;
use crate::template::{r#ref, Resource};
use crate::Error;

/// The retention periods CloudWatch Logs accepts, in days.
const RETENTION_DAYS: &[u64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

pub fn log_group_name(project: &str) -> String {
    format!("/docker-compose/{project}")
}

pub fn add(ctx: &mut Ctx) -> Result<(), Error> {
    let retention = match ctx.project.extensions.get("x-aws-logs_retention") {
        None => None,
        Some(value) => {
            let days = value
                .as_u64()
                .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()));
            match days {
                Some(days) if RETENTION_DAYS.contains(&days) => Some(days),
                _ => {
                    return Err(Error {
                        service: None,
                        attribute: "x-aws-logs_retention".into(),
                        message: format!(
                            "{value} is not a retention CloudWatch Logs accepts; use one of {RETENTION_DAYS:?} (days)"
                        ),
                    })
                }
            }
        }
    };
    let group = Resource::new("AWS::Logs::LogGroup")
        .prop("LogGroupName", log_group_name(ctx.project_name()))
        .prop_opt("RetentionInDays", retention)
        .prop("Tags", ctx.project_tags());
    ctx.template.add(LOG_GROUP, group);
    Ok(())
}

/// Options that say where logs go. They stay ours: the log group is created by the stack in its
/// region (a task logging to another group or region fails to start when that group does not
/// exist there), and `docker ecs logs` reads the streams `<project>/<container>/<task-id>` of it.
const MANAGED_OPTIONS: [&str; 4] = [
    "awslogs-group",
    "awslogs-region",
    "awslogs-stream-prefix",
    "awslogs-create-group",
];

/// The other options ECS accepts for the awslogs driver (Amazon ECS Developer Guide, "Send Amazon ECS
/// logs to CloudWatch"): passed through. Docker's driver has more (`awslogs-endpoint`,
/// `awslogs-stream`, `awslogs-format`, ...), which ECS refuses when the task definition is
/// registered: those are an error at convert (`service.logging.options.unsupported`).
const PASSED_OPTIONS: [&str; 4] = [
    "awslogs-datetime-format",
    "awslogs-multiline-pattern",
    "mode",
    "max-buffer-size",
];

/// How the `json-file` and `local` drivers rotate files on the host: nothing to do in CloudWatch
/// Logs, which keeps logs as long as the log group's retention says, so nothing is lost
/// (`service.logging.options.rotation` in the attribute table).
const ROTATION_OPTIONS: [&str; 3] = ["max-size", "max-file", "compress"];

/// The awslogs configuration of the stack: its log group, region and stream prefix (what the init
/// containers use, and what every service's configuration starts from).
pub fn log_configuration(ctx: &Ctx) -> Value {
    json!({ "LogDriver": "awslogs", "Options": default_options(ctx) })
}

fn default_options(ctx: &Ctx) -> BTreeMap<String, Value> {
    let mut options: BTreeMap<String, Value> = BTreeMap::new();
    options.insert("awslogs-group".into(), r#ref(LOG_GROUP));
    options.insert("awslogs-region".into(), r#ref("AWS::Region"));
    options.insert(
        "awslogs-stream-prefix".into(),
        Value::String(ctx.project_name().to_string()),
    );
    options
}

/// The awslogs configuration of a service's container: the stack's, with the service's
/// `logging.options` that ECS accepts ([`PASSED_OPTIONS`]); [`MANAGED_OPTIONS`] stay ours (with a
/// warning), another `awslogs-*` option is an error naming the nearest one ECS accepts, and options
/// of other drivers are ignored with a warning.
pub fn service_log_configuration(ctx: &mut Ctx, service: &Service) -> Result<Value, Error> {
    let mut options = default_options(ctx);
    if let Some(logging) = &service.logging {
        if logging
            .driver
            .as_deref()
            .is_some_and(|d| !matches!(d, "awslogs" | "json-file" | "local"))
        {
            ctx.warn(
                "service.logging.driver",
                Some(&service.name),
                "logging.driver",
            );
        }
        let local_driver = matches!(logging.driver.as_deref(), Some("json-file" | "local"));
        for (key, value) in &logging.options {
            let shown = format!("logging.options.{key}");
            if local_driver && ROTATION_OPTIONS.contains(&key.as_str()) {
                continue;
            }
            if MANAGED_OPTIONS.contains(&key.as_str()) {
                ctx.warn(
                    "service.logging.options.managed",
                    Some(&service.name),
                    &shown,
                );
            } else if PASSED_OPTIONS.contains(&key.as_str()) {
                options.insert(key.clone(), Value::String(value.clone()));
            } else if key.starts_with("awslogs-") {
                return Err(unsupported_option(&service.name, key, shown));
            } else {
                ctx.warn("service.logging.options", Some(&service.name), &shown);
            }
        }
    }
    Ok(json!({ "LogDriver": "awslogs", "Options": options }))
}

fn unsupported_option(service: &str, key: &str, shown: String) -> Error {
    let accepted: Vec<&str> = PASSED_OPTIONS
        .iter()
        .chain(&MANAGED_OPTIONS)
        .copied()
        .collect();
    let nearest = compose_model::suggest::nearest(key, &accepted).unwrap_or(PASSED_OPTIONS[0]);
    let mut error = attributes::error("service.logging.options.unsupported", Some(service), &shown);
    error.message = format!(
        "ECS does not accept this awslogs option and would refuse the task definition at deploy time: did you mean {nearest}? (ECS takes {}; docker ecs sets {}.) Remove it or use the one you meant",
        PASSED_OPTIONS.join(", "),
        MANAGED_OPTIONS.join(", ")
    );
    error
}

#[cfg(test)]
mod tests {
    use compose_model::Logging;
    use serde_json::json;

    use crate::build;
    use crate::test_support::{project, service};

    fn with_options(options: &[(&str, &str)]) -> crate::Project {
        let mut api = service("app");
        api.logging = Some(Logging {
            driver: Some("awslogs".into()),
            options: options
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        });
        project(vec![("api", api)])
    }

    #[test]
    fn an_awslogs_option_ecs_refuses_is_an_error_naming_the_nearest() {
        let err = build(&with_options(&[("awslogs-datetime-pattern", "%Y")])).unwrap_err();
        assert_eq!(err.service.as_deref(), Some("api"));
        assert_eq!(err.attribute, "logging.options.awslogs-datetime-pattern");
        assert!(
            err.message
                .contains("did you mean awslogs-datetime-format?"),
            "{err}"
        );
        // Docker's own awslogs options that ECS does not take.
        for (option, nearest) in [
            ("awslogs-max-buffer-size", "max-buffer-size"),
            ("awslogs-endpoint", "awslogs-"),
            ("awslogs-stream", "awslogs-stream-prefix"),
        ] {
            let err = build(&with_options(&[(option, "x")])).unwrap_err();
            assert_eq!(err.attribute, format!("logging.options.{option}"));
            assert!(
                err.message.contains(&format!("did you mean {nearest}")),
                "{err}"
            );
        }
    }

    #[test]
    fn the_delivery_mode_and_buffer_size_are_passed_through() {
        let built = build(&with_options(&[
            ("mode", "non-blocking"),
            ("max-buffer-size", "25m"),
            ("awslogs-multiline-pattern", "^INFO"),
        ]))
        .unwrap();
        let options = &built.template["Resources"]["ApiTaskDefinition"]["Properties"]
            ["ContainerDefinitions"][1]["LogConfiguration"]["Options"];
        assert_eq!(options["mode"], "non-blocking");
        assert_eq!(options["max-buffer-size"], "25m");
        assert_eq!(options["awslogs-multiline-pattern"], "^INFO");
        assert!(built.warnings.is_empty(), "{:?}", built.warnings);
    }

    #[test]
    fn where_logs_go_stays_the_stack_log_group_whatever_the_service_says() {
        let mut api = service("app");
        api.logging = Some(Logging {
            driver: Some("awslogs".into()),
            options: [
                ("awslogs-region", "eu-west-1"),
                ("awslogs-group", "/custom/group"),
                ("awslogs-stream-prefix", "app"),
                ("awslogs-datetime-format", "%Y-%m-%d"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            ..Default::default()
        });
        let built = build(&project(vec![("api", api)])).unwrap();
        let td = &built.template["Resources"]["ApiTaskDefinition"]["Properties"];
        let options = &td["ContainerDefinitions"][1]["LogConfiguration"]["Options"];
        assert_eq!(options["awslogs-region"], json!({"Ref": "AWS::Region"}));
        assert_eq!(options["awslogs-group"], json!({"Ref": "LogGroup"}));
        assert_eq!(options["awslogs-stream-prefix"], "demo");
        assert_eq!(options["awslogs-datetime-format"], "%Y-%m-%d");
        let warned: Vec<&str> = built
            .warnings
            .iter()
            .map(|w| w.attribute.as_str())
            .collect();
        assert_eq!(
            warned,
            [
                "logging.options.awslogs-group",
                "logging.options.awslogs-region",
                "logging.options.awslogs-stream-prefix"
            ]
        );
    }
}
