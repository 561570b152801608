//! `x-aws-exec: true` on a service: ECS Exec (`docker ecs exec`, `aws ecs execute-command`). The
//! service enables `EnableExecuteCommand` and its task role may open the Session Manager channels
//! the SSM agent in the task uses.

use compose_model::Service;
use serde_json::{json, Value};

use crate::{attributes, Error};

pub const ATTRIBUTE: &str = "x-aws-exec";

/// What the SSM agent inside the task calls to carry an exec session.
const ACTIONS: &[&str] = &[
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// Whether the service enables ECS Exec (`true`/`false`, also as strings).
pub fn requested(name: &str, service: &Service) -> Result<bool, Error> {
    let enabled = attributes::service_flag(name, service, ATTRIBUTE)?;
    // The SSM agent writes to the container's file system to start.
    if enabled && service.read_only == Some(true) {
        return Err(Error {
            service: Some(name.to_string()),
            attribute: ATTRIBUTE.into(),
            message:
                "ECS Exec needs a writable root file system: remove read_only: true or x-aws-exec"
                    .into(),
        });
    }
    Ok(enabled)
}

/// The task role statement ECS Exec needs.
pub fn statement() -> Value {
    json!({ "Effect": "Allow", "Action": ACTIONS, "Resource": "*" })
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    use crate::build;
    use crate::test_support::{kinds, project, service};

    fn with(value: Value) -> Service {
        let mut service = Service::default();
        service.extensions.insert(ATTRIBUTE.into(), value);
        service
    }

    /// Spellings are the shared reader's (attributes::service_flag); this is its attribute.
    #[test]
    fn reads_x_aws_exec() {
        assert!(!requested("w", &Service::default()).unwrap());
        assert!(requested("w", &with(json!(true))).unwrap());
        let err = requested("w", &with(json!(1))).unwrap_err();
        assert_eq!(err.attribute, "x-aws-exec");
    }

    #[test]
    fn a_read_only_root_file_system_is_refused() {
        let mut service = with(json!(true));
        service.read_only = Some(true);
        let err = requested("w", &service).unwrap_err();
        assert!(err.message.contains("read_only"), "{err}");
        service.read_only = Some(false);
        assert!(requested("w", &service).unwrap());
    }

    #[test]
    fn the_statement_allows_the_four_session_channels() {
        let statement = statement();
        assert_eq!(statement["Action"].as_array().unwrap().len(), 4);
        assert_eq!(statement["Resource"], "*");
    }

    #[test]
    fn x_aws_exec_enables_execute_command_and_the_session_permissions() {
        let mut web = service("nginx");
        web.extensions.insert("x-aws-exec".into(), json!(true));
        let mut api = service("api");
        api.extensions.insert("x-aws-exec".into(), json!(true));
        api.extensions.insert(
            "x-aws-policies".into(),
            json!(["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]),
        );
        let plain = service("redis");
        let built = build(&project(vec![("api", api), ("plain", plain), ("web", web)])).unwrap();
        let r = &built.template["Resources"];
        assert_eq!(r["WebService"]["Properties"]["EnableExecuteCommand"], true);
        // A task role is created for exec alone, and points the task definition at it.
        let policies = &r["WebTaskRole"]["Properties"]["Policies"];
        assert_eq!(policies.as_array().unwrap().len(), 1);
        assert_eq!(policies[0]["PolicyName"], "ExecuteCommand");
        let actions = &policies[0]["PolicyDocument"]["Statement"][0]["Action"];
        for action in [
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        ] {
            assert!(
                actions.as_array().unwrap().contains(&json!(action)),
                "{action}"
            );
        }
        assert_eq!(
            r["WebTaskDefinition"]["Properties"]["TaskRoleArn"],
            json!({ "Fn::GetAtt": ["WebTaskRole", "Arn"] })
        );
        // An existing task role keeps its managed policies and gains the exec policy.
        let api_role = &r["ApiTaskRole"]["Properties"];
        assert_eq!(api_role["ManagedPolicyArns"].as_array().unwrap().len(), 1);
        assert_eq!(api_role["Policies"][0]["PolicyName"], "ExecuteCommand");
        // Services without x-aws-exec get neither.
        assert!(r["PlainService"]["Properties"]
            .get("EnableExecuteCommand")
            .is_none());
        assert!(!kinds(&built).contains_key("PlainTaskRole"));
    }
}
