//! IAM: per service a task execution role (pull the image, write logs, read this service's secrets,
//! SSM parameters and pull credentials, and decrypt them with their customer managed KMS keys, by
//! ARN) and, only when needed, a task role for the application
//! (`x-aws-policies` managed policies, `x-aws-role` inline policy, EFS access through its access
//! points, ECS Exec sessions).

use compose_model::Service;
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::template::{get_att, managed_policy, Resource};
use crate::{Error, Precondition};

fn assume_role_policy(principal: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": principal },
            "Action": "sts:AssumeRole"
        }]
    })
}

/// An `x-aws-role` document IAM would refuse at deploy time, refused now: a document with
/// statements, each with an Effect of Allow or Deny, an Action (or NotAction) and a Resource (or
/// NotResource), as an identity policy needs.
fn check_policy_document(name: &str, document: &Value) -> Result<(), Error> {
    let refuse = |attribute: String, message: String| Error {
        service: Some(name.to_string()),
        attribute,
        message,
    };
    let Some(document) = document.as_object() else {
        return Err(refuse(
            "x-aws-role".into(),
            "expected an IAM policy document ({Version, Statement: [...]})".into(),
        ));
    };
    let statements = match document.get("Statement") {
        Some(Value::Array(statements)) if !statements.is_empty() => statements.clone(),
        Some(statement @ Value::Object(_)) => vec![statement.clone()],
        _ => {
            return Err(refuse(
                "x-aws-role.Statement".into(),
                "expected a statement or a list of statements: a policy without one grants nothing and IAM refuses it".into(),
            ))
        }
    };
    for (index, statement) in statements.iter().enumerate() {
        let at = |key: &str| format!("x-aws-role.Statement[{index}]{key}");
        let Some(statement) = statement.as_object() else {
            return Err(refuse(
                at(""),
                "expected a mapping {Effect, Action, Resource}".into(),
            ));
        };
        match statement.get("Effect").and_then(Value::as_str) {
            Some("Allow" | "Deny") => {}
            _ => {
                return Err(refuse(
                    at(".Effect"),
                    "expected Effect: Allow or Effect: Deny".into(),
                ))
            }
        }
        if !statement.contains_key("Action") && !statement.contains_key("NotAction") {
            return Err(refuse(
                at(""),
                "has no Action: name what it allows, e.g. Action: [\"s3:GetObject\"]".into(),
            ));
        }
        if !statement.contains_key("Resource") && !statement.contains_key("NotResource") {
            return Err(refuse(
                at(""),
                "has no Resource: name what it applies to (an ARN, or \"*\")".into(),
            ));
        }
    }
    Ok(())
}

pub fn execution_role_id(ctx: &Ctx, service: &str) -> String {
    format!("{}TaskExecutionRole", ctx.names.service(service))
}

pub fn task_role_id(ctx: &Ctx, service: &str) -> String {
    format!("{}TaskRole", ctx.names.service(service))
}

/// What a service's execution role may read to start its tasks, each list by ARN and without
/// duplicates.
#[derive(Debug, Default)]
pub struct ReadAccess {
    /// Secrets Manager secrets (the service's secrets, its pull credentials).
    pub secrets: Vec<Value>,
    /// SSM Parameter Store parameters.
    pub parameters: Vec<Value>,
    /// Customer managed KMS keys the secrets or parameters are encrypted with.
    pub keys: Vec<Value>,
}

impl ReadAccess {
    pub fn add_secret(&mut self, arn: Value) {
        push_unique(&mut self.secrets, arn);
    }
    pub fn add_parameter(&mut self, arn: Value) {
        push_unique(&mut self.parameters, arn);
    }
    pub fn add_key(&mut self, arn: Value) {
        push_unique(&mut self.keys, arn);
    }
}

fn push_unique(list: &mut Vec<Value>, value: Value) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// The execution role; `read` is what it may read besides the image and the log group.
pub fn add_execution_role(ctx: &mut Ctx, service: &str, read: ReadAccess) -> Value {
    let id = execution_role_id(ctx, service);
    let mut role = Resource::new("AWS::IAM::Role")
        .prop(
            "AssumeRolePolicyDocument",
            assume_role_policy("ecs-tasks.amazonaws.com"),
        )
        .prop(
            "ManagedPolicyArns",
            json!([managed_policy(
                "service-role/AmazonECSTaskExecutionRolePolicy"
            )]),
        );
    let statements: Vec<Value> = [
        ("secretsmanager:GetSecretValue", read.secrets),
        ("ssm:GetParameters", read.parameters),
        ("kms:Decrypt", read.keys),
    ]
    .into_iter()
    .filter(|(_, resources)| !resources.is_empty())
    .map(|(action, resources)| {
        json!({ "Effect": "Allow", "Action": [action], "Resource": resources })
    })
    .collect();
    if !statements.is_empty() {
        role = role.prop(
            "Policies",
            json!([{
                "PolicyName": "ReadServiceSecrets",
                "PolicyDocument": { "Version": "2012-10-17", "Statement": statements }
            }]),
        );
    }
    role = role.prop("Tags", ctx.service_tags(service));
    ctx.template.add(id.clone(), role);
    get_att(&id, "Arn")
}

/// The task role, if the service needs one. `statements` are extra policy statements from other
/// concerns (EFS access); `exec` adds the ECS Exec session permissions.
pub fn add_task_role(
    ctx: &mut Ctx,
    name: &str,
    service: &Service,
    statements: Vec<Value>,
    exec: bool,
) -> Result<Option<Value>, Error> {
    let managed = managed_policies(name, service)?;
    let inline = service.extensions.get("x-aws-role").cloned();
    if let Some(document) = &inline {
        check_policy_document(name, document)?;
    }
    if managed.is_empty() && inline.is_none() && statements.is_empty() && !exec {
        return Ok(None);
    }
    for arn in &managed {
        ctx.add_precondition(Precondition::ManagedPolicyExists { arn: arn.clone() });
    }
    let mut policies = Vec::new();
    if let Some(document) = inline {
        policies.push(json!({ "PolicyName": "ServicePolicy", "PolicyDocument": document }));
    }
    if !statements.is_empty() {
        policies.push(json!({
            "PolicyName": "VolumeAccess",
            "PolicyDocument": { "Version": "2012-10-17", "Statement": statements }
        }));
    }
    if exec {
        policies.push(json!({
            "PolicyName": "ExecuteCommand",
            "PolicyDocument": { "Version": "2012-10-17", "Statement": [crate::exec::statement()] }
        }));
    }
    let id = task_role_id(ctx, name);
    let role = Resource::new("AWS::IAM::Role")
        .prop(
            "AssumeRolePolicyDocument",
            assume_role_policy("ecs-tasks.amazonaws.com"),
        )
        .prop_opt(
            "ManagedPolicyArns",
            (!managed.is_empty()).then(|| json!(managed)),
        )
        .prop_opt(
            "Policies",
            (!policies.is_empty()).then(|| Value::Array(policies)),
        )
        .prop("Tags", ctx.service_tags(name));
    ctx.template.add(id.clone(), role);
    Ok(Some(get_att(&id, "Arn")))
}

fn managed_policies(name: &str, service: &Service) -> Result<Vec<String>, Error> {
    let Some(value) = service.extensions.get("x-aws-policies") else {
        return Ok(Vec::new());
    };
    let invalid = || Error {
        service: Some(name.to_string()),
        attribute: "x-aws-policies".into(),
        message: "expected a list of managed policy ARNs (arn:aws:iam::...:policy/...)".into(),
    };
    let items = value.as_array().ok_or_else(invalid)?;
    let mut arns = Vec::new();
    for item in items {
        match item.as_str() {
            Some(arn) if arn.starts_with("arn:") => {
                if !arns.iter().any(|a: &String| a == arn) {
                    arns.push(arn.to_string());
                }
            }
            _ => return Err(invalid()),
        }
    }
    Ok(arns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_policies_are_attached_once_each_and_must_be_arns() {
        let policies = |list: Value| {
            let mut web = crate::test_support::service("nginx");
            web.extensions.insert("x-aws-policies".into(), list);
            crate::build(&crate::test_support::project(vec![("web", web)]))
        };
        let s3 = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
        let sqs = "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess";
        let built = policies(json!([s3, sqs, s3])).unwrap();
        assert_eq!(
            built.template["Resources"]["WebTaskRole"]["Properties"]["ManagedPolicyArns"],
            json!([s3, sqs])
        );
        // A policy's name is not enough: IAM attaches policies by ARN.
        let err = policies(json!([s3, "AmazonSQSReadOnlyAccess"])).unwrap_err();
        assert!(
            err.to_string()
                .contains("x-aws-policies: expected a list of managed policy ARNs"),
            "{err}"
        );
    }

    #[test]
    fn a_role_document_iam_would_refuse_is_refused_with_its_statement() {
        let ok = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"},
            {"Effect": "Deny", "NotAction": "s3:*", "NotResource": "arn:aws:s3:::b"}]});
        check_policy_document("web", &ok).unwrap();
        let single = json!({"Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}});
        check_policy_document("web", &single).unwrap();
        for (document, attribute, says) in [
            (json!(["s3:GetObject"]), "x-aws-role", "policy document"),
            (
                json!({"Version": "2012-10-17"}),
                "x-aws-role.Statement",
                "statement",
            ),
            (
                json!({"Version": "2012-10-17", "Statement": []}),
                "x-aws-role.Statement",
                "statement",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Resource": "*"}]}),
                "x-aws-role.Statement[0]",
                "has no Action",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}),
                "x-aws-role.Statement[0]",
                "has no Resource",
            ),
            (
                json!({"Statement": [{"Effect": "allow", "Action": "s3:*", "Resource": "*"}]}),
                "x-aws-role.Statement[0].Effect",
                "Allow or Effect: Deny",
            ),
        ] {
            let err = check_policy_document("web", &document).unwrap_err();
            assert_eq!(err.attribute, attribute, "{document}");
            assert!(err.message.contains(says), "{err}");
        }
    }
}
