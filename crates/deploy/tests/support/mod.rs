//! Mocked AWS clients and CloudFormation fixtures for the up/down tests.

use aws_sdk_cloudformation::operation::create_change_set::{
    CreateChangeSetError, CreateChangeSetInput, CreateChangeSetOutput,
};
use aws_sdk_cloudformation::operation::delete_change_set::DeleteChangeSetOutput;
use aws_sdk_cloudformation::operation::delete_stack::DeleteStackOutput;
use aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput;
use aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsOutput;
use aws_sdk_cloudformation::operation::describe_stacks::{
    DescribeStacksError, DescribeStacksOutput,
};
use aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetOutput;
use aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesOutput;
use aws_sdk_cloudformation::types::{
    Capability, Change, ChangeSetStatus, ChangeSetType, Output, ResourceStatus, Stack, StackEvent,
    StackResourceSummary, StackStatus, Tag,
};
use aws_sdk_cloudformation::Client as Cf;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::DateTime;
use ecs_deploy::Clients;
use serde_json::json;
use template_builder::Built;
use tokio::sync::mpsc::UnboundedSender;

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
    pub ecr: Vec<Rule>,
    pub ec2: Vec<Rule>,
    pub elbv2: Vec<Rule>,
    pub iam: Vec<Rule>,
    pub s3: Vec<Rule>,
    pub efs: Vec<Rule>,
    pub sts: Vec<Rule>,
    pub acm: Vec<Rule>,
    pub route53: Vec<Rule>,
    pub logs: Vec<Rule>,
}

impl Mocks {
    pub fn clients(&self) -> Clients {
        Clients {
            region: "us-east-1".into(),
            cloudformation: mocked!(aws_sdk_cloudformation, &self.cf),
            ecs: mocked!(aws_sdk_ecs, &self.ecs),
            ecr: mocked!(aws_sdk_ecr, &self.ecr),
            ec2: mocked!(aws_sdk_ec2, &self.ec2),
            elbv2: mocked!(aws_sdk_elasticloadbalancingv2, &self.elbv2),
            logs: mocked!(aws_sdk_cloudwatchlogs, &self.logs),
            cloudwatch: mocked!(aws_sdk_cloudwatch, &Vec::<Rule>::new()),
            secrets: mocked!(aws_sdk_secretsmanager, &Vec::<Rule>::new()),
            iam: mocked!(aws_sdk_iam, &self.iam),
            s3: mocked!(aws_sdk_s3, &self.s3),
            efs: mocked!(aws_sdk_efs, &self.efs),
            sts: mocked!(aws_sdk_sts, &self.sts),
            acm: mocked!(aws_sdk_acm, &self.acm),
            route53: mocked!(aws_sdk_route53, &self.route53),
            limits: ecs_deploy::Limits::default(),
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
        images: Vec::new(),
        derived: Vec::new(),
        jobs: Vec::new(),
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

/// DescribeStacks by id: each status once (with the load balancer URL output), the last for good.
pub fn stack_statuses(statuses: &'static [&'static str]) -> Rule {
    let mut seq = mock!(Cf::describe_stacks)
        .match_requests(|r| r.stack_name() == Some(STACK_ID))
        .sequence();
    for status in statuses {
        seq = seq.output(move || {
            DescribeStacksOutput::builder()
                .stacks(stack_with_url(STACK_ID, status))
                .build()
        });
    }
    seq.repeatedly().build()
}

/// A deployed stack in `status` (found by any name) and its resources, as (type, physical id)
/// pairs, for the commands that operate the running app.
pub fn deployed_stack(status: &'static str, resources: &[(&str, &str)]) -> Vec<Rule> {
    let summaries: Vec<StackResourceSummary> = resources
        .iter()
        .map(|(kind, id)| {
            StackResourceSummary::builder()
                .resource_type(*kind)
                .physical_resource_id(*id)
                .logical_resource_id(*id)
                .build()
        })
        .collect();
    vec![
        mock!(Cf::describe_stacks).then_output(move || {
            DescribeStacksOutput::builder()
                .stacks(stack(STACK_ID, status))
                .build()
        }),
        mock!(Cf::list_stack_resources).then_output(move || {
            ListStackResourcesOutput::builder()
                .set_stack_resource_summaries(Some(summaries.clone()))
                .build()
        }),
    ]
}

/// DescribeStackEvents: each list once (give them oldest first), the last for good.
pub fn event_pages(pages: Vec<Vec<StackEvent>>) -> Rule {
    let mut seq = mock!(Cf::describe_stack_events).sequence();
    for page in pages {
        let page = newest_first(&page);
        seq = seq.output(move || {
            DescribeStackEventsOutput::builder()
                .set_stack_events(Some(page.clone()))
                .build()
        });
    }
    seq.repeatedly().build()
}

/// The id CloudFormation gives the change set in these tests.
pub const CHANGE_SET_ID: &str = "cs-1";

/// CreateChangeSet of `kind` for the project `app`, as `up` and the dry run send it: both IAM
/// capabilities, the project and managed tags, the template inline. Answers cs-1 of STACK_ID.
pub fn change_set_created(kind: ChangeSetType) -> Rule {
    mock!(Cf::create_change_set)
        .match_requests(move |r| {
            r.stack_name() == Some("app")
                && r.change_set_type() == Some(&kind)
                && r.capabilities() == [Capability::CapabilityIam, Capability::CapabilityNamedIam]
                && r.tags().iter().any(|t| {
                    t.key() == Some("com.docker.compose.project") && t.value() == Some("app")
                })
                && r.tags()
                    .iter()
                    .any(|t| t.key() == Some("docker-ecs") && t.value() == Some("true"))
                && r.template_body()
                    .is_some_and(|b| b.contains("AWS::ECS::Service"))
        })
        .then_output(change_set_answer)
}

/// CreateChangeSet's answer: cs-1 of STACK_ID.
pub fn change_set_answer() -> CreateChangeSetOutput {
    CreateChangeSetOutput::builder()
        .id(CHANGE_SET_ID)
        .stack_id(STACK_ID)
        .build()
}

/// Answers cs-1 of STACK_ID after the user pressed Ctrl-C `presses` times while the call was in
/// flight (for `then_compute_output`).
pub fn ctrl_c_then_answer(
    sender: UnboundedSender<()>,
    presses: usize,
) -> impl Fn(&CreateChangeSetInput) -> CreateChangeSetOutput + Send + Sync + 'static {
    move |_| {
        for _ in 0..presses {
            let _ = sender.send(());
        }
        change_set_answer()
    }
}

/// Any CreateChangeSet, during which the user presses Ctrl-C `presses` times.
pub fn change_set_created_during_ctrl_c(sender: UnboundedSender<()>, presses: usize) -> Rule {
    mock!(Cf::create_change_set).then_compute_output(ctrl_c_then_answer(sender, presses))
}

/// CreateChangeSet from a template uploaded to the tool's bucket: cs-1 of STACK_ID.
pub fn change_set_created_from_upload() -> Rule {
    mock!(Cf::create_change_set)
        .match_requests(reads_uploaded_template)
        .then_output(change_set_answer)
}

/// CreateChangeSet's way of saying the stack already matches.
pub fn no_updates() -> CreateChangeSetError {
    CreateChangeSetError::generic(error("ValidationError", "No updates are to be performed."))
}

/// Any CreateChangeSet is refused with "No updates are to be performed".
pub fn change_set_refused_no_updates() -> Rule {
    mock!(Cf::create_change_set).then_error(no_updates)
}

/// DescribeChangeSet: pending, then complete (without changes listed).
pub fn change_set_ready() -> Rule {
    mock!(Cf::describe_change_set)
        .sequence()
        .output(|| {
            DescribeChangeSetOutput::builder()
                .status(ChangeSetStatus::CreatePending)
                .build()
        })
        .output(|| {
            DescribeChangeSetOutput::builder()
                .status(ChangeSetStatus::CreateComplete)
                .build()
        })
        .build()
}

/// DescribeChangeSet of cs-1: pending, then complete with its changes in two pages.
pub fn change_set_pages(first_page: Vec<Change>, second_page: Vec<Change>) -> Vec<Rule> {
    vec![
        mock!(Cf::describe_change_set)
            .match_requests(|r| r.next_token() == Some("page-2"))
            .then_output(move || {
                DescribeChangeSetOutput::builder()
                    .status(ChangeSetStatus::CreateComplete)
                    .set_changes(Some(second_page.clone()))
                    .build()
            }),
        mock!(Cf::describe_change_set)
            .match_requests(|r| {
                r.change_set_name() == Some(CHANGE_SET_ID) && r.stack_name() == Some(STACK_ID)
            })
            .sequence()
            .output(|| {
                DescribeChangeSetOutput::builder()
                    .status(ChangeSetStatus::CreatePending)
                    .build()
            })
            .output(move || {
                DescribeChangeSetOutput::builder()
                    .status(ChangeSetStatus::CreateComplete)
                    .set_changes(Some(first_page.clone()))
                    .next_token("page-2")
                    .build()
            })
            .repeatedly()
            .build(),
    ]
}

/// DescribeChangeSet: still being computed, for ever.
pub fn change_set_pending() -> Rule {
    mock!(Cf::describe_change_set).then_output(|| {
        DescribeChangeSetOutput::builder()
            .status(ChangeSetStatus::CreatePending)
            .build()
    })
}

/// DescribeChangeSet: FAILED for `reason`.
pub fn change_set_failed(reason: &'static str) -> Rule {
    mock!(Cf::describe_change_set).then_output(move || {
        DescribeChangeSetOutput::builder()
            .status(ChangeSetStatus::Failed)
            .status_reason(reason)
            .build()
    })
}

/// The reason of a FAILED change set that only means "no changes".
pub const NO_CHANGES_REASON: &str = "The submitted information didn't contain changes. Submit different information to create a change set.";

/// DeleteChangeSet of cs-1 in STACK_ID.
pub fn change_set_deleted() -> Rule {
    mock!(Cf::delete_change_set)
        .match_requests(|r| {
            r.change_set_name() == Some(CHANGE_SET_ID) && r.stack_name() == Some(STACK_ID)
        })
        .then_output(|| DeleteChangeSetOutput::builder().build())
}

/// ExecuteChangeSet of cs-1.
pub fn executed() -> Rule {
    mock!(Cf::execute_change_set)
        .match_requests(|r| r.change_set_name() == Some(CHANGE_SET_ID))
        .then_output(|| ExecuteChangeSetOutput::builder().build())
}

/// DeleteStack of STACK_ID.
pub fn stack_deleted() -> Rule {
    mock!(Cf::delete_stack)
        .match_requests(|r| r.stack_name() == Some(STACK_ID))
        .then_output(|| DeleteStackOutput::builder().build())
}

/// The account the mocked credentials belong to, and the template bucket `up` uses there.
pub const ACCOUNT: &str = "123456789012";
pub const TEMPLATE_BUCKET: &str = "docker-ecs-templates-123456789012-us-east-1";

/// GetCallerIdentity: ACCOUNT.
pub fn caller_account() -> Rule {
    use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
    mock!(aws_sdk_sts::Client::get_caller_identity)
        .then_output(|| GetCallerIdentityOutput::builder().account(ACCOUNT).build())
}

/// [`small_built`] with a description that takes it over CloudFormation's TemplateBody limit.
pub fn large_built() -> Built {
    let mut built = small_built();
    built.template["Description"] = serde_json::Value::String("x".repeat(60_000));
    built
}

/// A CreateChangeSet request that points at a template uploaded to the tool's bucket.
pub fn reads_uploaded_template(r: &CreateChangeSetInput) -> bool {
    r.template_body().is_none()
        && r.template_url().is_some_and(|u| {
            u.starts_with(&format!(
                "https://{TEMPLATE_BUCKET}.s3.us-east-1.amazonaws.com/app/"
            ))
        })
}

/// S3 for a template upload to the bucket, which already exists: the uploaded keys are recorded in
/// `keys`. Returns (HeadBucket, PutObject) rules.
pub fn template_upload(keys: std::sync::Arc<std::sync::Mutex<Vec<String>>>) -> Vec<Rule> {
    use aws_sdk_s3::operation::head_bucket::HeadBucketOutput;
    use aws_sdk_s3::operation::put_object::PutObjectOutput;
    use aws_sdk_s3::Client as S3;
    vec![
        mock!(S3::head_bucket)
            .match_requests(|r| {
                r.bucket() == Some(TEMPLATE_BUCKET) && r.expected_bucket_owner() == Some(ACCOUNT)
            })
            .then_output(|| HeadBucketOutput::builder().build()),
        mock!(S3::put_object)
            .match_requests(move |r| {
                let ours = r.bucket() == Some(TEMPLATE_BUCKET)
                    && r.expected_bucket_owner() == Some(ACCOUNT);
                if let (true, Some(key)) = (ours, r.key()) {
                    if let Ok(mut keys) = keys.lock() {
                        keys.push(key.to_string());
                    }
                }
                ours
            })
            .then_output(|| PutObjectOutput::builder().build()),
    ]
}

/// DeleteObject of one of `keys` (the uploaded ones) in the bucket, as its owner.
pub fn template_deleted(keys: std::sync::Arc<std::sync::Mutex<Vec<String>>>) -> Rule {
    use aws_sdk_s3::operation::delete_object::DeleteObjectOutput;
    mock!(aws_sdk_s3::Client::delete_object)
        .match_requests(move |r| {
            r.bucket() == Some(TEMPLATE_BUCKET)
                && r.expected_bucket_owner() == Some(ACCOUNT)
                && r.key().is_some_and(|key| {
                    keys.lock()
                        .map(|keys| keys.iter().any(|k| k == key))
                        .unwrap_or(false)
                })
        })
        .then_output(|| DeleteObjectOutput::builder().build())
}

/// Mocks for a template over the TemplateBody limit, uploaded to the existing bucket, for a stack
/// that does not exist yet.
pub struct LargeTemplate {
    pub mocks: Mocks,
    /// DeleteObject of an uploaded key (any other key fails the test).
    pub deleted: Rule,
    /// The keys uploaded.
    pub keys: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// [`LargeTemplate`] mocks; `cf` adds the change set's own rules.
pub fn large_template_mocks(cf: Vec<Rule>) -> LargeTemplate {
    let keys = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let deleted = template_deleted(keys.clone());
    let mut all = vec![missing_stack()];
    all.extend(cf);
    let mut s3 = template_upload(keys.clone());
    s3.push(deleted.clone());
    LargeTemplate {
        mocks: Mocks {
            cf: all,
            s3,
            sts: vec![caller_account()],
            ..Default::default()
        },
        deleted,
        keys,
    }
}

/// The tags `up` puts on every stack of ours, spelt out: a stack carrying them is one we deployed.
pub fn stack_tags(project: &str) -> Vec<Tag> {
    vec![
        Tag::builder()
            .key("com.docker.compose.project")
            .value(project)
            .build(),
        Tag::builder().key("docker-ecs").value("true").build(),
    ]
}

/// The CloudFormation side of one `up` that makes and executes a change set, in the order the
/// calls come: the stack as found (missing, or in a status), the change set (CREATE or UPDATE),
/// computed, executed, then the statuses polled and the event pages read. A test swaps the parts
/// its story changes (`execute`) and adds the calls it expects on top (`with`).
pub struct Deployment {
    found: Rule,
    kind: ChangeSetType,
    polled: &'static [&'static str],
    execute: Rule,
    events: Option<Rule>,
    extra: Vec<Rule>,
}

impl Deployment {
    /// A new app: no stack yet, a CREATE change set.
    pub fn create() -> Self {
        Self::new(missing_stack(), ChangeSetType::Create)
    }

    /// An app deployed before, its stack in `status`: an UPDATE change set.
    pub fn update(status: &'static str) -> Self {
        Self::new(existing_stack(status), ChangeSetType::Update)
    }

    fn new(found: Rule, kind: ChangeSetType) -> Self {
        Deployment {
            found,
            kind,
            polled: &[],
            execute: executed(),
            events: None,
            extra: Vec::new(),
        }
    }

    /// The stack as found by name, answered by a rule of the test's own (a status that changes...).
    pub fn found(mut self, rule: Rule) -> Self {
        self.found = rule;
        self
    }

    /// What DescribeStacks says after the change set runs, each once, the last for good.
    pub fn polled(mut self, statuses: &'static [&'static str]) -> Self {
        self.polled = statuses;
        self
    }

    /// DescribeStackEvents pages (each oldest first), the last for good.
    pub fn events(self, pages: Vec<Vec<StackEvent>>) -> Self {
        self.events_rule(event_pages(pages))
    }

    /// DescribeStackEvents answered by a rule of the test's own.
    pub fn events_rule(mut self, rule: Rule) -> Self {
        self.events = Some(rule);
        self
    }

    /// ExecuteChangeSet answered by a rule of the test's own (a Ctrl-C during the call...).
    pub fn execute(mut self, rule: Rule) -> Self {
        self.execute = rule;
        self
    }

    /// A call the story adds (DeleteStack, CancelUpdateStack...).
    pub fn with(mut self, rule: Rule) -> Self {
        self.extra.push(rule);
        self
    }

    pub fn rules(self) -> Vec<Rule> {
        let mut rules = vec![self.found];
        if !self.polled.is_empty() {
            rules.push(stack_statuses(self.polled));
        }
        rules.extend([
            change_set_created(self.kind),
            change_set_ready(),
            self.execute,
        ]);
        rules.extend(self.extra);
        rules.extend(self.events);
        rules
    }
}

/// ListChangeSets of STACK_ID: change sets of these names (other runs' ones; ours is deleted first).
pub fn change_sets_listed(names: &'static [&'static str]) -> Rule {
    use aws_sdk_cloudformation::operation::list_change_sets::ListChangeSetsOutput;
    use aws_sdk_cloudformation::types::ChangeSetSummary;
    mock!(Cf::list_change_sets)
        .match_requests(|r| r.stack_name() == Some(STACK_ID))
        .then_output(move || {
            ListChangeSetsOutput::builder()
                .set_summaries(Some(
                    names
                        .iter()
                        .map(|name| {
                            ChangeSetSummary::builder()
                                .change_set_name(*name)
                                .change_set_id(format!("arn:changeSet/{name}"))
                                .stack_id(STACK_ID)
                                .build()
                        })
                        .collect(),
                ))
                .build()
        })
}
