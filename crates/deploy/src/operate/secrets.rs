//! `secret`: Secrets Manager secrets for external Compose secrets and `x-aws-pull_credentials`.
//! Values go in and never come out: `ls` and `inspect` show metadata only.
//!
//! JSON field names (`secret ls --format json`, `secret inspect`): `Name`, `ARN`, `Description`,
//! `Labels` (tag map), `CreatedDate`, `LastChangedDate`, `DeletedDate` (RFC 3339 or null).

use crate::error::AwsContext;
use std::collections::BTreeMap;

use aws_sdk_secretsmanager::primitives::Blob;
use aws_sdk_secretsmanager::types::Tag;
use aws_sdk_secretsmanager::Client as SecretsManager;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::Serialize;

use crate::operate::time_args::format_aws_datetime;
use crate::stack::{MANAGED_TAG, MANAGED_TAG_VALUE};
use crate::{table, Error};

/// The value of a new secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretValue {
    Text(String),
    Binary(Vec<u8>),
}

impl SecretValue {
    /// Text when the bytes are UTF-8 (what ECS injects into containers), binary otherwise.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(text) => SecretValue::Text(text),
            Err(err) => SecretValue::Binary(err.into_bytes()),
        }
    }
}

/// A secret to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSecret {
    pub name: String,
    pub description: Option<String>,
    pub labels: Vec<(String, String)>,
    pub value: SecretValue,
}

/// `--label key=value` flags as pairs; a flag without `=` or with an empty key is an error.
pub fn parse_labels(flags: &[String]) -> Result<Vec<(String, String)>, Error> {
    flags
        .iter()
        .map(|flag| match flag.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                Ok((key.trim().to_string(), value.to_string()))
            }
            _ => Err(Error::InvalidArgument(format!(
                "invalid --label {flag:?}: expected KEY=VALUE"
            ))),
        })
        .collect()
}

/// The JSON ECS repository credentials read: `{"username":"...","password":"..."}`.
pub fn registry_credentials(username: &str, password: &str) -> String {
    serde_json::json!({ "username": username, "password": password }).to_string()
}

/// A password read from standard input, without its final line ending.
pub fn password_from_stdin_text(text: &str) -> Result<String, Error> {
    let password = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(text);
    if password.is_empty() {
        return Err(Error::InvalidArgument(
            "--password-stdin: standard input is empty".into(),
        ));
    }
    Ok(password.to_string())
}

/// Create the secret, tagged `docker-ecs=true`; returns its ARN.
pub async fn create(client: &SecretsManager, secret: &NewSecret) -> Result<String, Error> {
    let mut tags: Vec<Tag> = secret
        .labels
        .iter()
        .filter(|(k, _)| k != MANAGED_TAG)
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    tags.push(
        Tag::builder()
            .key(MANAGED_TAG)
            .value(MANAGED_TAG_VALUE)
            .build(),
    );
    let mut request = client
        .create_secret()
        .name(&secret.name)
        .set_description(secret.description.clone())
        .set_tags(Some(tags));
    request = match &secret.value {
        SecretValue::Text(text) => request.secret_string(text),
        SecretValue::Binary(bytes) => request.secret_binary(Blob::new(bytes.clone())),
    };
    let err = match request.send().await {
        Ok(out) => return Ok(out.arn().unwrap_or(&secret.name).to_string()),
        Err(err) => err,
    };
    let name = &secret.name;
    if matches!(
        err.code(),
        Some("ResourceExistsException" | "InvalidRequestException")
    ) {
        // A name in its recovery window is taken although `secret ls` does not show it.
        if let Some(deleted) = scheduled_deletion(client, name).await {
            return Err(Error::InvalidArgument(format!(
                "secret {name} is scheduled for deletion on {deleted} (removed with --recover): \
                 delete it now with `docker ecs secret rm {name}`, then create it again"
            )));
        }
    }
    if err.code() == Some("ResourceExistsException") {
        return Err(Error::InvalidArgument(format!(
            "secret {name} already exists: remove it with `docker ecs secret rm {name}` or choose another name"
        )));
    }
    Err(Error::aws(format!("creating secret {name}"), err))
}

/// When the secret is scheduled for deletion (best effort): the date it goes.
async fn scheduled_deletion(client: &SecretsManager, name: &str) -> Option<String> {
    let out = client.describe_secret().secret_id(name).send().await.ok()?;
    out.deleted_date().map(format_aws_datetime)
}

/// A secret's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretInfo {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "ARN")]
    pub arn: String,
    #[serde(rename = "Description")]
    pub description: String,
    #[serde(rename = "Labels")]
    pub labels: BTreeMap<String, String>,
    #[serde(rename = "CreatedDate")]
    pub created: Option<String>,
    #[serde(rename = "LastChangedDate")]
    pub last_changed: Option<String>,
    #[serde(rename = "DeletedDate")]
    pub deleted: Option<String>,
}

fn labels(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// Every secret of the account and region, sorted by name.
pub async fn list(client: &SecretsManager) -> Result<Vec<SecretInfo>, Error> {
    let mut secrets = Vec::new();
    let mut pages = client.list_secrets().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.context("listing secrets")?;
        for entry in page.secret_list() {
            secrets.push(SecretInfo {
                name: entry.name().unwrap_or_default().to_string(),
                arn: entry.arn().unwrap_or_default().to_string(),
                description: entry.description().unwrap_or_default().to_string(),
                labels: labels(entry.tags()),
                created: entry.created_date().map(format_aws_datetime),
                last_changed: entry.last_changed_date().map(format_aws_datetime),
                deleted: entry.deleted_date().map(format_aws_datetime),
            });
        }
    }
    secrets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(secrets)
}

/// The metadata of the named secrets (names or ARNs), in the order asked.
pub async fn inspect(client: &SecretsManager, names: &[String]) -> Result<Vec<SecretInfo>, Error> {
    let mut found = Vec::new();
    for name in names {
        let out = match client.describe_secret().secret_id(name).send().await {
            Ok(out) => out,
            Err(err) if err.code() == Some("ResourceNotFoundException") => {
                return Err(no_such_secret(name))
            }
            Err(err) => return Err(Error::aws(format!("reading secret {name}"), err)),
        };
        found.push(SecretInfo {
            name: out.name().unwrap_or(name).to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
            description: out.description().unwrap_or_default().to_string(),
            labels: labels(out.tags()),
            created: out.created_date().map(format_aws_datetime),
            last_changed: out.last_changed_date().map(format_aws_datetime),
            deleted: out.deleted_date().map(format_aws_datetime),
        });
    }
    Ok(found)
}

fn no_such_secret(name: &str) -> Error {
    Error::InvalidArgument(format!("no such secret: {name}"))
}

/// Delete a secret now, or (`recover`) schedule its deletion with the 30-day recovery window.
pub async fn remove(client: &SecretsManager, name: &str, recover: bool) -> Result<(), Error> {
    // A forced delete of a secret that does not exist succeeds silently: look it up first so a
    // typo is an error, not a no-op.
    match client.describe_secret().secret_id(name).send().await {
        Ok(_) => {}
        Err(err) if err.code() == Some("ResourceNotFoundException") => {
            return Err(no_such_secret(name))
        }
        Err(err) => return Err(Error::aws(format!("reading secret {name}"), err)),
    }
    let request = client.delete_secret().secret_id(name);
    let request = if recover {
        request.recovery_window_in_days(30)
    } else {
        request.force_delete_without_recovery(true)
    };
    match request.send().await {
        Ok(_) => Ok(()),
        Err(err) if err.code() == Some("ResourceNotFoundException") => Err(no_such_secret(name)),
        Err(err) => Err(Error::aws(format!("deleting secret {name}"), err)),
    }
}

/// `secret ls` as a table: NAME, ARN, DESCRIPTION, LABELS (`k=v` comma-separated, sorted).
pub fn render_table(secrets: &[SecretInfo]) -> String {
    let rows: Vec<Vec<String>> = secrets
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                s.arn.clone(),
                s.description.clone(),
                s.labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(","),
            ]
        })
        .collect();
    table::render(&["NAME", "ARN", "DESCRIPTION", "LABELS"], &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_need_a_key_and_an_equals_sign() {
        assert_eq!(
            parse_labels(&["team=web".into(), "note=a=b".into(), "empty=".into()]).unwrap(),
            [
                ("team".to_string(), "web".to_string()),
                ("note".to_string(), "a=b".to_string()),
                ("empty".to_string(), String::new())
            ]
        );
        assert_eq!(
            parse_labels(&["team".into()]).unwrap_err().to_string(),
            "invalid --label \"team\": expected KEY=VALUE"
        );
        assert!(parse_labels(&["=x".into()]).is_err());
    }

    #[test]
    fn registry_credentials_are_the_json_ecs_reads() {
        assert_eq!(
            registry_credentials("me", "p\"w"),
            r#"{"username":"me","password":"p\"w"}"#
        );
    }

    #[test]
    fn stdin_passwords_lose_one_line_ending_only() {
        assert_eq!(password_from_stdin_text("s3cret\n").unwrap(), "s3cret");
        assert_eq!(password_from_stdin_text("s3cret\r\n").unwrap(), "s3cret");
        assert_eq!(password_from_stdin_text("s3cret ").unwrap(), "s3cret ");
        assert!(password_from_stdin_text("\n").is_err());
        assert!(password_from_stdin_text("").is_err());
    }

    #[test]
    fn values_are_text_when_utf8() {
        assert_eq!(
            SecretValue::from_bytes(b"abc".to_vec()),
            SecretValue::Text("abc".into())
        );
        assert_eq!(
            SecretValue::from_bytes(vec![0xff, 0x00]),
            SecretValue::Binary(vec![0xff, 0x00])
        );
    }

    #[test]
    fn table_shows_labels_sorted() {
        let secret = SecretInfo {
            name: "db-password".into(),
            arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password-AbCdEf".into(),
            description: "database".into(),
            labels: [
                ("docker-ecs".to_string(), "true".to_string()),
                ("app".to_string(), "x".to_string()),
            ]
            .into(),
            created: None,
            last_changed: None,
            deleted: None,
        };
        assert_eq!(
            render_table(&[secret]),
            "NAME          ARN                                                                       DESCRIPTION   LABELS\n\
             db-password   arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password-AbCdEf   database      app=x,docker-ecs=true\n"
        );
    }
}
