//! `ls` against mocked CloudFormation: our stacks among others, over several pages.

use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
use aws_sdk_cloudformation::types::{Stack, StackStatus, Tag};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::DateTime;
use ecs_deploy::ls;

fn stack(name: &str, status: StackStatus, tags: &[(&str, &str)], updated: Option<i64>) -> Stack {
    let mut builder = Stack::builder()
        .stack_name(name)
        .stack_id(format!(
            "arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/1"
        ))
        .stack_status(status)
        .creation_time(DateTime::from_secs(1_764_000_000))
        .set_last_updated_time(updated.map(DateTime::from_secs));
    for (key, value) in tags {
        builder = builder.tags(Tag::builder().key(*key).value(*value).build());
    }
    builder.build()
}

const OURS: &[(&str, &str)] = &[("docker-ecs", "true")];

#[tokio::test]
async fn lists_our_stacks_from_every_page() {
    let page_1 = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name().is_none() && r.next_token().is_none())
        .then_output(|| {
            DescribeStacksOutput::builder()
                .stacks(stack(
                    "webapp",
                    StackStatus::UpdateComplete,
                    &[
                        ("docker-ecs", "true"),
                        ("com.docker.compose.project", "webapp"),
                    ],
                    Some(1_764_062_523),
                ))
                .stacks(stack(
                    "network",
                    StackStatus::CreateComplete,
                    &[("team", "infra")],
                    None,
                ))
                .next_token("page-2")
                .build()
        });
    let page_2 = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.next_token() == Some("page-2"))
        .then_output(|| {
            DescribeStacksOutput::builder()
                .stacks(stack("api", StackStatus::CreateInProgress, OURS, None))
                .build()
        });
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [&page_1, &page_2]
    );
    let deployments = ls::list(&cf).await.unwrap();
    assert_eq!(
        ls::render_table(&deployments),
        "NAME     STATUS               LAST UPDATED\n\
         api      CREATE_IN_PROGRESS   2025-11-24T16:00:00Z\n\
         webapp   UPDATE_COMPLETE      2025-11-25T09:22:03Z\n"
    );
    assert_eq!(
        ecs_deploy::render_json(&deployments[..1]),
        r#"[
  {
    "Name": "api",
    "Status": "CREATE_IN_PROGRESS",
    "LastUpdated": "2025-11-24T16:00:00Z",
    "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/api/1"
  }
]
"#
    );
}

#[tokio::test]
async fn no_stacks_gives_the_header_only() {
    let empty = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .then_output(|| DescribeStacksOutput::builder().build());
    let cf = mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, [&empty]);
    let deployments = ls::list(&cf).await.unwrap();
    assert_eq!(
        ls::render_table(&deployments),
        "NAME   STATUS   LAST UPDATED\n"
    );
    assert_eq!(ecs_deploy::render_json(&deployments), "[]\n");
}
