//! `ls`: the projects deployed in the account and region, i.e. the stacks tagged `docker-ecs=true`.
//!
//! JSON field names: `Name` (the Compose project), `Status` (stack status), `LastUpdated`
//! (RFC 3339 UTC; the creation time when never updated), `StackId`.

use crate::error::AwsContext;
use aws_sdk_cloudformation::types::Stack;
use aws_sdk_cloudformation::Client as CloudFormation;
use serde::Serialize;

use crate::operate::time_args::format_aws_datetime;
use crate::stack::{MANAGED_TAG, MANAGED_TAG_VALUE, PROJECT_TAG};
use crate::{table, Error};

/// A deployed project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Deployment {
    pub name: String,
    pub status: String,
    pub last_updated: String,
    pub stack_id: String,
}

/// Every stack of ours (deleted stacks excluded: DescribeStacks does not list them), by name.
pub async fn list(cf: &CloudFormation) -> Result<Vec<Deployment>, Error> {
    let mut found = Vec::new();
    let mut pages = cf.describe_stacks().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.context("listing CloudFormation stacks")?;
        found.extend(page.stacks().iter().filter_map(deployment));
    }
    found.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.stack_id.cmp(&b.stack_id))
    });
    Ok(found)
}

fn deployment(stack: &Stack) -> Option<Deployment> {
    let tag = |key: &str| {
        stack
            .tags()
            .iter()
            .find(|t| t.key() == Some(key))
            .and_then(|t| t.value())
    };
    if tag(MANAGED_TAG) != Some(MANAGED_TAG_VALUE) {
        return None;
    }
    let status = stack
        .stack_status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    if status == "DELETE_COMPLETE" {
        return None;
    }
    let name = tag(PROJECT_TAG).or(stack.stack_name()).unwrap_or_default();
    Some(Deployment {
        name: name.to_string(),
        status,
        last_updated: stack
            .last_updated_time()
            .or(stack.creation_time())
            .map(format_aws_datetime)
            .unwrap_or_default(),
        stack_id: stack.stack_id().unwrap_or_default().to_string(),
    })
}

pub fn render_table(deployments: &[Deployment]) -> String {
    let rows: Vec<Vec<String>> = deployments
        .iter()
        .map(|d| vec![d.name.clone(), d.status.clone(), d.last_updated.clone()])
        .collect();
    table::render(&["NAME", "STATUS", "LAST UPDATED"], &rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudformation::types::{StackStatus, Tag};
    use aws_smithy_types::DateTime;

    fn stack(name: &str, tags: &[(&str, &str)], updated: Option<i64>) -> Stack {
        let mut builder = Stack::builder()
            .stack_name(name)
            .stack_id(format!(
                "arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/1"
            ))
            .stack_status(StackStatus::CreateComplete)
            .creation_time(DateTime::from_secs(1_764_000_000))
            .set_last_updated_time(updated.map(DateTime::from_secs));
        for (k, v) in tags {
            builder = builder.tags(Tag::builder().key(*k).value(*v).build());
        }
        builder.build()
    }

    #[test]
    fn only_stacks_tagged_by_us_named_after_their_project() {
        assert_eq!(deployment(&stack("other", &[("team", "x")], None)), None);
        assert_eq!(
            deployment(&stack("other", &[("docker-ecs", "false")], None)),
            None
        );
        let ours = deployment(&stack(
            "demo-stack",
            &[
                ("docker-ecs", "true"),
                ("com.docker.compose.project", "demo"),
            ],
            Some(1_764_062_523),
        ))
        .unwrap();
        assert_eq!(ours.name, "demo");
        assert_eq!(ours.last_updated, "2025-11-25T09:22:03Z");
        // Never updated: the creation time.
        let fresh = deployment(&stack("plain", &[("docker-ecs", "true")], None)).unwrap();
        assert_eq!(fresh.name, "plain");
        assert_eq!(fresh.last_updated, "2025-11-24T16:00:00Z");
    }

    #[test]
    fn table_and_json() {
        let rows = vec![Deployment {
            name: "demo".into(),
            status: "CREATE_COMPLETE".into(),
            last_updated: "2025-11-25T09:22:03Z".into(),
            stack_id: "arn:aws:cloudformation:us-east-1:123456789012:stack/demo/1".into(),
        }];
        assert_eq!(
            render_table(&rows),
            "NAME   STATUS            LAST UPDATED\n\
             demo   CREATE_COMPLETE   2025-11-25T09:22:03Z\n"
        );
        assert_eq!(
            serde_json::to_string(&rows).unwrap(),
            r#"[{"Name":"demo","Status":"CREATE_COMPLETE","LastUpdated":"2025-11-25T09:22:03Z","StackId":"arn:aws:cloudformation:us-east-1:123456789012:stack/demo/1"}]"#
        );
    }
}
