//! Mocked AWS clients and CloudFormation fixtures for the up/down tests.
#![allow(dead_code)]

use aws_sdk_cloudformation::operation::describe_stacks::{
    DescribeStacksError, DescribeStacksOutput,
};
use aws_sdk_cloudformation::types::{Output, ResourceStatus, Stack, StackEvent, StackStatus, Tag};
use aws_sdk_cloudformation::Client as Cf;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::DateTime;
use ecs_deploy::Clients;
use serde_json::json;
use template_builder::Built;

pub const STACK_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/app/1111";
pub const OLD_STACK_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/app/0000";
pub const SERVICE_ARN: &str = "arn:aws:ecs:us-east-1:123456789012:service/app-cluster/app-web";

/// A client of any SDK crate answering from `rules` (first matching rule with responses left),
/// without SDK retries so the code's own handling of throttling is what gets tested.
macro_rules! mocked {
    ($krate:ident, $rules:expr) => {{
        let mut interceptor = aws_smithy_mocks::MockResponseInterceptor::new()
            .rule_mode(aws_smithy_mocks::RuleMode::MatchAny);
        for rule in $rules {
            interceptor = interceptor.with_rule(rule);
        }
        $krate::Client::from_conf(
            $krate::Config::builder()
                .behavior_version($krate::config::BehaviorVersion::latest())
                .region($krate::config::Region::new("us-east-1"))
                .credentials_provider($krate::config::Credentials::new(
                    "test", "test", None, None, "test",
                ))
                .retry_config($krate::config::retry::RetryConfig::disabled())
                .http_client(aws_smithy_mocks::create_mock_http_client())
                .interceptor(interceptor)
                .build(),
        )
    }};
}

/// Rules per service; anything not mocked fails the test.
#[derive(Default)]
pub struct Mocks {
    pub cf: Vec<Rule>,
    pub ecs: Vec<Rule>,
    pub ec2: Vec<Rule>,
    pub elbv2: Vec<Rule>,
    pub iam: Vec<Rule>,
    pub s3: Vec<Rule>,
    pub efs: Vec<Rule>,
    pub sts: Vec<Rule>,
}

impl Mocks {
    pub fn clients(&self) -> Clients {
        Clients {
            region: "us-east-1".into(),
            cloudformation: mocked!(aws_sdk_cloudformation, &self.cf),
            ecs: mocked!(aws_sdk_ecs, &self.ecs),
            ec2: mocked!(aws_sdk_ec2, &self.ec2),
            elbv2: mocked!(aws_sdk_elasticloadbalancingv2, &self.elbv2),
            logs: mocked!(aws_sdk_cloudwatchlogs, &Vec::<Rule>::new()),
            secrets: mocked!(aws_sdk_secretsmanager, &Vec::<Rule>::new()),
            iam: mocked!(aws_sdk_iam, &self.iam),
            s3: mocked!(aws_sdk_s3, &self.s3),
            efs: mocked!(aws_sdk_efs, &self.efs),
            sts: mocked!(aws_sdk_sts, &self.sts),
        }
    }
}

pub fn error(code: &str, message: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(message).build()
}

pub fn throttling() -> ErrorMetadata {
    error("Throttling", "Rate exceeded")
}

/// A stack of ours (tagged) in `status`.
pub fn stack(id: &str, status: &str) -> Stack {
    Stack::builder()
        .stack_id(id)
        .stack_name("app")
        .stack_status(StackStatus::from(status))
        .tags(
            Tag::builder()
                .key("com.docker.compose.project")
                .value("app")
                .build(),
        )
        .tags(Tag::builder().key("docker-ecs").value("true").build())
        .build()
}

pub fn stack_with_url(id: &str, status: &str) -> Stack {
    let mut stack = stack(id, status);
    stack.outputs = Some(vec![Output::builder()
        .output_key("LoadBalancerDNSName")
        .output_value("app-lb-1.us-east-1.elb.amazonaws.com")
        .build()]);
    stack
}

pub fn event(
    id: &str,
    logical: &str,
    resource_type: &str,
    status: &str,
    reason: Option<&str>,
    secs: i64,
) -> StackEvent {
    StackEvent::builder()
        .event_id(id)
        .stack_id(STACK_ID)
        .stack_name("app")
        .logical_resource_id(logical)
        .resource_type(resource_type)
        .resource_status(ResourceStatus::from(status))
        .set_resource_status_reason(reason.map(str::to_string))
        .timestamp(DateTime::from_secs(secs))
        .build()
}

pub fn stack_event(id: &str, status: &str, reason: Option<&str>, secs: i64) -> StackEvent {
    let mut e = event(
        id,
        "app",
        "AWS::CloudFormation::Stack",
        status,
        reason,
        secs,
    );
    e.physical_resource_id = Some(STACK_ID.into());
    e
}

pub fn with_physical_id(mut event: StackEvent, id: &str) -> StackEvent {
    event.physical_resource_id = Some(id.into());
    event
}

/// DescribeStackEvents answers newest first: give the events oldest first.
pub fn newest_first(events: &[StackEvent]) -> Vec<StackEvent> {
    events.iter().rev().cloned().collect()
}

/// A small hand-written build result: a load balancer and one service, no parameters.
pub fn small_built() -> Built {
    Built {
        template: json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {
                "LoadBalancer": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {}},
                "WebService": {"Type": "AWS::ECS::Service", "Properties": {"Tags": [
                    {"Key": "com.docker.compose.project", "Value": "app"},
                    {"Key": "com.docker.compose.service", "Value": "web"}]}}
            },
            "Outputs": {"LoadBalancerDNSName": {"Value": {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}}}
        }),
        warnings: Vec::new(),
        parameters: Vec::new(),
        preconditions: Vec::new(),
    }
}

/// DescribeStacks for the project `app`: no such stack.
pub fn missing_stack() -> Rule {
    mock!(Cf::describe_stacks)
        .match_requests(|r| r.stack_name() == Some("app"))
        .then_error(|| {
            DescribeStacksError::generic(error(
                "ValidationError",
                "Stack with id app does not exist",
            ))
        })
}

/// DescribeStacks for the project `app`: one stack in `status`.
pub fn existing_stack(status: &'static str) -> Rule {
    mock!(Cf::describe_stacks)
        .match_requests(|r| r.stack_name() == Some("app"))
        .then_output(move || {
            DescribeStacksOutput::builder()
                .stacks(stack(STACK_ID, status))
                .build()
        })
}
