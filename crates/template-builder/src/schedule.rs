//! Scheduled jobs: a service with `x-aws-schedule: "cron(0 3 * * ? *)"` (or `rate(1 hour)`,
//! `at(2027-01-01T00:00:00)`) gets no ECS service. An EventBridge Scheduler schedule runs its task
//! definition as a task on that schedule, in the service's subnets and security groups, through a
//! role that may run that task definition and pass its two roles, and nothing else.

use compose_model::Service;
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::loadbalancer::Plan;
use crate::naming::{self, ecs_name};
use crate::template::{get_att, r#ref, sub, Resource};
use crate::Error;

pub const ATTRIBUTE: &str = "x-aws-schedule";

/// The service's schedule expression, checked, when it has one.
pub fn expression(name: &str, service: &Service) -> Result<Option<String>, Error> {
    let Some(value) = service.extensions.get(ATTRIBUTE) else {
        return Ok(None);
    };
    let error = |message: String| Error {
        service: Some(name.to_string()),
        attribute: ATTRIBUTE.into(),
        message,
    };
    let Some(text) = value.as_str().map(str::trim) else {
        return Err(error(format!(
            "{value} is not a schedule: write \"cron(0 3 * * ? *)\", \"rate(1 hour)\" or \"at(2027-01-01T00:00:00)\""
        )));
    };
    let inner = |prefix: &str| {
        text.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(')'))
            .map(str::trim)
    };
    if let Some(fields) = inner("cron(") {
        let count = fields.split_whitespace().count();
        if count != 6 {
            return Err(error(format!(
                "cron({fields}) has {count} fields; EventBridge Scheduler takes 6: minutes hours \
                 day-of-month month day-of-week year, e.g. cron(0 3 * * ? *) (one of the two day \
                 fields must be ?)"
            )));
        }
        let day_fields: Vec<&str> = fields
            .split_whitespace()
            .skip(2)
            .step_by(2)
            .take(2)
            .collect();
        if !day_fields.contains(&"?") {
            return Err(error(format!(
                "cron({fields}): day-of-month or day-of-week must be ?, e.g. cron(0 3 * * ? *)"
            )));
        }
    } else if let Some(rate) = inner("rate(") {
        check_rate(rate).map_err(|why| error(format!("rate({rate}): {why}")))?;
    } else if inner("at(").is_none() {
        return Err(error(format!(
            "{text:?} is not a schedule: write \"cron(0 3 * * ? *)\", \"rate(1 hour)\" or \"at(2027-01-01T00:00:00)\""
        )));
    }
    Ok(Some(text.to_string()))
}

/// `1 hour`, `5 minutes`: a positive whole number and a unit, singular for 1 as AWS wants it.
fn check_rate(rate: &str) -> Result<(), String> {
    let mut parts = rate.split_whitespace();
    let (Some(count), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err("write a number and a unit, e.g. rate(1 hour) or rate(15 minutes)".into());
    };
    let count: u64 = count
        .parse()
        .ok()
        .filter(|c| *c > 0)
        .ok_or_else(|| format!("{count:?} is not a positive whole number"))?;
    let singular = ["minute", "hour", "day"];
    let plural = ["minutes", "hours", "days"];
    match (count, unit) {
        (1, u) if singular.contains(&u) => Ok(()),
        (1, u) if plural.contains(&u) => Err(format!("write rate(1 {})", u.trim_end_matches('s'))),
        (_, u) if plural.contains(&u) => Ok(()),
        (_, u) if singular.contains(&u) => Err(format!("write rate({count} {u}s)")),
        (_, u) => Err(format!("{u:?} is not a unit: minutes, hours or days")),
    }
}

/// What a scheduled job cannot have: published ports (no load balancer sends it traffic),
/// autoscaling (there is no service to scale), a GPU (EC2 capacity that waits for a service).
pub fn check(name: &str, service: &Service, plan: &Plan) -> Vec<Error> {
    if !service.extensions.contains_key(ATTRIBUTE) {
        return Vec::new();
    }
    let error = |attribute: &str, message: &str| Error {
        service: Some(name.to_string()),
        attribute: attribute.into(),
        message: message.into(),
    };
    let mut errors = Vec::new();
    if plan.for_service(name).next().is_some() {
        errors.push(error(
            "ports",
            "a scheduled job (x-aws-schedule) gets no load balancer traffic: remove its published ports (expose: keeps them for the other services)",
        ));
    }
    if crate::autoscaling::max_capacity(service).is_some() {
        errors.push(error(
            "x-aws-autoscaling",
            "a scheduled job (x-aws-schedule) has no ECS service to scale: its tasks run on the schedule; remove x-aws-autoscaling",
        ));
    }
    errors
}

/// Whether a Compose service runs on a schedule (it then has no ECS service).
pub fn is_scheduled(service: &Service) -> bool {
    service.extensions.contains_key(ATTRIBUTE)
}

/// Everything a scheduled task is started with.
pub struct Job {
    pub expression: String,
    pub task_count: u64,
    /// The task's `AwsvpcConfiguration` (subnets, security groups, public IP), as a service's.
    pub awsvpc: Value,
    /// `LaunchType` or `CapacityProviderStrategy`, as the service would have had.
    pub capacity: (String, Value),
    pub execution_role: Value,
    pub task_role: Option<Value>,
    /// Resources the task needs first (EFS mount targets).
    pub depends_on: Vec<String>,
}

/// The schedule and the role it runs the task with.
pub fn add(ctx: &mut Ctx, name: &str, job: Job) {
    let task_definition = crate::taskdef::task_definition_id(ctx, name);
    let base = ctx.names.service(name).to_string();
    let role_id = format!("{base}ScheduleRole");
    let mut pass = vec![job.execution_role];
    pass.extend(job.task_role);
    let role = Resource::new("AWS::IAM::Role")
        .prop(
            "AssumeRolePolicyDocument",
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": { "Service": "scheduler.amazonaws.com" },
                    "Action": "sts:AssumeRole",
                    "Condition": { "StringEquals": { "aws:SourceAccount": r#ref("AWS::AccountId") } }
                }]
            }),
        )
        .prop(
            "Policies",
            json!([{
                "PolicyName": "RunScheduledTask",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "ecs:RunTask",
                            "Resource": r#ref(&task_definition),
                            "Condition": { "ArnEquals": { "ecs:cluster": cluster_arn(ctx) } }
                        },
                        { "Effect": "Allow", "Action": "ecs:TagResource", "Resource": "*",
                          "Condition": { "StringEquals": { "ecs:CreateAction": "RunTask" } } },
                        {
                            "Effect": "Allow",
                            "Action": "iam:PassRole",
                            "Resource": pass,
                            "Condition": { "StringLike": { "iam:PassedToService": "ecs-tasks.amazonaws.com" } }
                        }
                    ]
                }
            }]),
        )
        .prop("Tags", ctx.service_tags(name));
    ctx.template.add(role_id.clone(), role);

    let mut ecs = serde_json::Map::new();
    ecs.insert("TaskDefinitionArn".into(), r#ref(&task_definition));
    ecs.insert("TaskCount".into(), json!(job.task_count));
    ecs.insert(job.capacity.0, job.capacity.1);
    ecs.insert(
        "NetworkConfiguration".into(),
        json!({ "AwsvpcConfiguration": job.awsvpc }),
    );
    ecs.insert("EnableECSManagedTags".into(), json!(true));
    ecs.insert("PropagateTags".into(), json!("TASK_DEFINITION"));
    ecs.insert(
        "Group".into(),
        json!(format!("scheduled:{}", ecs_name(name))),
    );
    let mut schedule = Resource::new("AWS::Scheduler::Schedule");
    for id in job.depends_on {
        schedule = schedule.depends_on(id);
    }
    let schedule = schedule
        .prop(
            "Description",
            format!(
                "{} {name}: {}",
                ctx.project_name(),
                job.expression.replace(['(', ')'], " ").trim()
            ),
        )
        .prop("ScheduleExpression", job.expression)
        .prop("State", "ENABLED")
        .prop("FlexibleTimeWindow", json!({ "Mode": "OFF" }))
        .prop(
            "Target",
            json!({
                "Arn": cluster_arn(ctx),
                "RoleArn": get_att(&role_id, "Arn"),
                "EcsParameters": Value::Object(ecs),
                // A job that failed to start waits for its next run rather than running late.
                "RetryPolicy": { "MaximumRetryAttempts": 0 }
            }),
        );
    ctx.template.add(format!("{base}Schedule"), schedule);
}

/// The cluster's ARN: the stack's own, or the existing one's (`x-aws-cluster`, a name or an ARN).
fn cluster_arn(ctx: &Ctx) -> Value {
    match ctx.existing_cluster() {
        Some(arn) if arn.starts_with("arn:") => Value::String(arn.to_string()),
        Some(name) => sub(&format!(
            "arn:${{AWS::Partition}}:ecs:${{AWS::Region}}:${{AWS::AccountId}}:cluster/{name}"
        )),
        None => get_att(naming::CLUSTER, "Arn"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(schedule: Value) -> Service {
        let mut service = Service::default();
        service.extensions.insert(ATTRIBUTE.into(), schedule);
        service
    }

    #[test]
    fn schedule_expressions_are_checked_before_aws_sees_them() {
        for good in [
            "cron(0 3 * * ? *)",
            "cron(15 10 ? * MON-FRI *)",
            "rate(1 hour)",
            "rate(15 minutes)",
            "at(2027-01-01T00:00:00)",
        ] {
            assert_eq!(
                expression("job", &service(json!(good))).unwrap().as_deref(),
                Some(good)
            );
        }
        for (bad, why) in [
            ("cron(0 3 * * *)", "has 5 fields"),
            ("cron(0 3 * * 1 *)", "must be ?"),
            ("rate(1 hours)", "write rate(1 hour)"),
            ("rate(5 hour)", "write rate(5 hours)"),
            ("rate(0 minutes)", "not a positive whole number"),
            ("rate(5 weeks)", "not a unit"),
            ("rate(1 fortnight)", "not a unit"),
            ("every day", "not a schedule"),
        ] {
            let err = expression("job", &service(json!(bad))).unwrap_err();
            assert_eq!(err.attribute, ATTRIBUTE);
            assert!(err.message.contains(why), "{bad}: {}", err.message);
        }
        assert!(expression("job", &service(json!(3))).is_err());
        assert_eq!(expression("job", &Service::default()).unwrap(), None);
    }

    /// The schedule targets the cluster by ARN: the stack's own, or an existing one given by
    /// name (an ARN is built) or by ARN (used as it is).
    #[test]
    fn the_schedule_targets_the_cluster_by_arn() {
        let target = |cluster: Option<&str>| {
            let mut p = crate::test_support::web_redis();
            if let Some(cluster) = cluster {
                p.extensions.insert("x-aws-cluster".into(), json!(cluster));
            }
            let redis = p.services.get_mut("redis").unwrap();
            redis
                .extensions
                .insert(ATTRIBUTE.into(), json!("rate(1 day)"));
            let built = crate::build(&p).unwrap();
            built.template["Resources"]["RedisSchedule"]["Properties"]["Target"]["Arn"].clone()
        };
        assert_eq!(target(None), json!({"Fn::GetAtt": ["Cluster", "Arn"]}));
        assert_eq!(
            target(Some("shared")),
            json!({"Fn::Sub": "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/shared"})
        );
        let arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/shared";
        assert_eq!(target(Some(arn)), json!(arn));
    }
}
