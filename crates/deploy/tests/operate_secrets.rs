//! `secret` against mocked Secrets Manager: what create sends, listing over pages, inspect and rm.

use aws_sdk_secretsmanager::operation::create_secret::{CreateSecretError, CreateSecretOutput};
use aws_sdk_secretsmanager::operation::delete_secret::DeleteSecretOutput;
use aws_sdk_secretsmanager::operation::describe_secret::{
    DescribeSecretError, DescribeSecretOutput,
};
use aws_sdk_secretsmanager::operation::list_secrets::ListSecretsOutput;
use aws_sdk_secretsmanager::types::error::{ResourceExistsException, ResourceNotFoundException};
use aws_sdk_secretsmanager::types::{SecretListEntry, Tag};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::DateTime;
use ecs_deploy::secrets::{self, NewSecret, SecretValue};

const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:";

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

#[tokio::test]
async fn create_sends_the_value_the_description_and_our_tag() {
    let create = mock!(aws_sdk_secretsmanager::Client::create_secret)
        .match_requests(|r| {
            let tags: Vec<(String, String)> = r
                .tags()
                .iter()
                .map(|t| (t.key().unwrap_or("").into(), t.value().unwrap_or("").into()))
                .collect();
            r.name() == Some("registry")
                && r.description() == Some("pull credentials")
                && r.secret_string() == Some(r#"{"username":"bob","password":"hunter2"}"#)
                && r.secret_binary().is_none()
                && tags
                    == [
                        ("team".to_string(), "web".to_string()),
                        ("docker-ecs".to_string(), "true".to_string()),
                    ]
        })
        .then_output(|| {
            CreateSecretOutput::builder()
                .arn(format!("{ARN}registry-AbCdEf"))
                .name("registry")
                .build()
        });
    let binary = mock!(aws_sdk_secretsmanager::Client::create_secret)
        .match_requests(|r| {
            r.name() == Some("blob")
                && r.secret_string().is_none()
                && r.secret_binary().map(|b| b.as_ref()) == Some(&[0xff, 0x00][..])
        })
        .then_output(|| {
            CreateSecretOutput::builder()
                .arn(format!("{ARN}blob-1"))
                .build()
        });
    let exists = mock!(aws_sdk_secretsmanager::Client::create_secret)
        .match_requests(|r| r.name() == Some("taken"))
        .then_error(|| {
            CreateSecretError::ResourceExistsException(
                ResourceExistsException::builder()
                    .message("already exists")
                    .meta(
                        aws_smithy_types::error::ErrorMetadata::builder()
                            .code("ResourceExistsException")
                            .build(),
                    )
                    .build(),
            )
        });
    let live = mock!(aws_sdk_secretsmanager::Client::describe_secret)
        .match_requests(|r| r.secret_id() == Some("taken"))
        .then_output(|| DescribeSecretOutput::builder().name("taken").build());
    let client = mock_client!(
        aws_sdk_secretsmanager,
        RuleMode::MatchAny,
        [&create, &binary, &exists, &live]
    );

    let arn = secrets::create(
        &client,
        &NewSecret {
            name: "registry".into(),
            description: Some("pull credentials".into()),
            labels: secrets::parse_labels(&["team=web".into()]).unwrap(),
            value: SecretValue::Text(secrets::registry_credentials("bob", "hunter2")),
        },
    )
    .await
    .unwrap();
    assert_eq!(arn, format!("{ARN}registry-AbCdEf"));

    let arn = secrets::create(
        &client,
        &NewSecret {
            name: "blob".into(),
            description: None,
            labels: vec![],
            value: SecretValue::from_bytes(vec![0xff, 0x00]),
        },
    )
    .await
    .unwrap();
    assert_eq!(arn, format!("{ARN}blob-1"));

    let err = secrets::create(
        &client,
        &NewSecret {
            name: "taken".into(),
            description: None,
            labels: vec![],
            value: SecretValue::Text("x".into()),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "secret taken already exists: remove it with `docker ecs secret rm taken` or choose another name"
    );
}

#[tokio::test]
async fn ls_reads_every_page_and_prints_metadata_only() {
    let page_1 = mock!(aws_sdk_secretsmanager::Client::list_secrets)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| {
            ListSecretsOutput::builder()
                .secret_list(
                    SecretListEntry::builder()
                        .name("registry")
                        .arn(format!("{ARN}registry-AbCdEf"))
                        .description("pull credentials")
                        .tags(tag("docker-ecs", "true"))
                        .tags(tag("team", "web"))
                        .created_date(DateTime::from_secs(1_764_062_523))
                        .build(),
                )
                .next_token("page-2")
                .build()
        });
    let page_2 = mock!(aws_sdk_secretsmanager::Client::list_secrets)
        .match_requests(|r| r.next_token() == Some("page-2"))
        .then_output(|| {
            ListSecretsOutput::builder()
                .secret_list(
                    SecretListEntry::builder()
                        .name("db-password")
                        .arn(format!("{ARN}db-password-123456"))
                        .build(),
                )
                .build()
        });
    let client = mock_client!(
        aws_sdk_secretsmanager,
        RuleMode::MatchAny,
        [&page_1, &page_2]
    );
    let list = secrets::list(&client).await.unwrap();
    assert_eq!(
        secrets::render_table(&list),
        "NAME          ARN                                                                       DESCRIPTION        LABELS\n\
         db-password   arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password-123456\n\
         registry      arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-AbCdEf      pull credentials   docker-ecs=true,team=web\n"
    );
    assert_eq!(
        ecs_deploy::render_json(&list[1..]),
        r#"[
  {
    "Name": "registry",
    "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-AbCdEf",
    "Description": "pull credentials",
    "Labels": {
      "docker-ecs": "true",
      "team": "web"
    },
    "CreatedDate": "2025-11-25T09:22:03Z",
    "LastChangedDate": null,
    "DeletedDate": null
  }
]
"#
    );
}

fn not_found_describe() -> DescribeSecretError {
    DescribeSecretError::ResourceNotFoundException(
        ResourceNotFoundException::builder()
            .message("Secrets Manager can't find the specified secret.")
            .meta(
                aws_smithy_types::error::ErrorMetadata::builder()
                    .code("ResourceNotFoundException")
                    .build(),
            )
            .build(),
    )
}

#[tokio::test]
async fn inspect_names_the_missing_secret() {
    let found = mock!(aws_sdk_secretsmanager::Client::describe_secret)
        .match_requests(|r| r.secret_id() == Some("registry"))
        .then_output(|| {
            DescribeSecretOutput::builder()
                .name("registry")
                .arn(format!("{ARN}registry-AbCdEf"))
                .tags(tag("docker-ecs", "true"))
                .build()
        });
    let missing = mock!(aws_sdk_secretsmanager::Client::describe_secret)
        .match_requests(|r| r.secret_id() == Some("nope"))
        .then_error(not_found_describe);
    let client = mock_client!(
        aws_sdk_secretsmanager,
        RuleMode::MatchAny,
        [&found, &missing]
    );
    let details = secrets::inspect(&client, &["registry".into()])
        .await
        .unwrap();
    assert_eq!(details[0].arn, format!("{ARN}registry-AbCdEf"));
    assert_eq!(
        details[0].labels.get("docker-ecs").map(String::as_str),
        Some("true")
    );
    let err = secrets::inspect(&client, &["registry".into(), "nope".into()])
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "no such secret: nope");
}

#[tokio::test]
async fn rm_deletes_at_once_unless_asked_to_keep_the_recovery_window() {
    let force = mock!(aws_sdk_secretsmanager::Client::delete_secret)
        .match_requests(|r| {
            r.secret_id() == Some("now")
                && r.force_delete_without_recovery() == Some(true)
                && r.recovery_window_in_days().is_none()
        })
        .then_output(|| DeleteSecretOutput::builder().name("now").build());
    let recover = mock!(aws_sdk_secretsmanager::Client::delete_secret)
        .match_requests(|r| {
            r.secret_id() == Some("later")
                && r.force_delete_without_recovery().is_none()
                && r.recovery_window_in_days() == Some(30)
        })
        .then_output(|| DeleteSecretOutput::builder().name("later").build());
    // Secrets Manager accepts a forced delete of a secret that does not exist: the lookup before
    // it is what makes a typo an error.
    let exists = mock!(aws_sdk_secretsmanager::Client::describe_secret)
        .match_requests(|r| r.secret_id() != Some("gone"))
        .then_output(|| DescribeSecretOutput::builder().build());
    let missing = mock!(aws_sdk_secretsmanager::Client::describe_secret)
        .match_requests(|r| r.secret_id() == Some("gone"))
        .then_error(not_found_describe);
    let never = mock!(aws_sdk_secretsmanager::Client::delete_secret)
        .match_requests(|r| r.secret_id() == Some("gone"))
        .then_output(|| DeleteSecretOutput::builder().name("gone").build());
    let client = mock_client!(
        aws_sdk_secretsmanager,
        RuleMode::MatchAny,
        [&force, &recover, &exists, &missing, &never]
    );
    secrets::remove(&client, "now", false).await.unwrap();
    secrets::remove(&client, "later", true).await.unwrap();
    assert_eq!((force.num_calls(), recover.num_calls()), (1, 1));
    assert_eq!(
        secrets::remove(&client, "gone", false)
            .await
            .unwrap_err()
            .to_string(),
        "no such secret: gone"
    );
    assert_eq!(never.num_calls(), 0);
}

/// A name kept in its recovery window (`secret rm --recover`) cannot be reused, and ListSecrets does
/// not show it: the error says so and how to free the name, not just "already exists".
#[tokio::test]
async fn create_over_a_secret_scheduled_for_deletion_says_how_to_free_the_name() {
    use aws_sdk_secretsmanager::types::error::InvalidRequestException;
    let refused = mock!(aws_sdk_secretsmanager::Client::create_secret).then_error(|| {
        CreateSecretError::InvalidRequestException(
            InvalidRequestException::builder()
                .message(
                    "You can't create this secret because a secret with this name is already \
                     scheduled for deletion.",
                )
                .meta(
                    aws_smithy_types::error::ErrorMetadata::builder()
                        .code("InvalidRequestException")
                        .build(),
                )
                .build(),
        )
    });
    let scheduled = mock!(aws_sdk_secretsmanager::Client::describe_secret)
        .match_requests(|r| r.secret_id() == Some("pending"))
        .then_output(|| {
            DescribeSecretOutput::builder()
                .name("pending")
                .arn(format!("{ARN}pending-1"))
                .deleted_date(DateTime::from_secs(1_798_200_000))
                .build()
        });
    let client = mock_client!(
        aws_sdk_secretsmanager,
        RuleMode::MatchAny,
        [&refused, &scheduled]
    );
    let err = secrets::create(
        &client,
        &NewSecret {
            name: "pending".into(),
            description: None,
            labels: vec![],
            value: SecretValue::Text("x".into()),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "secret pending is scheduled for deletion on 2026-12-25T12:00:00Z (removed with --recover): \
         delete it now with `docker ecs secret rm pending`, then create it again"
    );
}
