//! Templates over CloudFormation's TemplateBody limit go through S3: a bucket this tool owns per
//! account and region (`docker-ecs-templates-<account>-<region>`), created private and encrypted on
//! first use, with uploads expiring after a week.

use crate::error::AwsContext;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketLocationConstraint, CreateBucketConfiguration,
    ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};

use crate::{Clients, Error};

/// Uploaded templates are deleted by S3 after this many days.
pub const TEMPLATE_RETENTION_DAYS: i32 = 7;

/// CloudFormation's limit on TemplateBody, in bytes.
pub const TEMPLATE_BODY_LIMIT: usize = 51_200;

/// How the template reaches CloudFormation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSource {
    Body(String),
    /// Too large for a body: uploaded to the tool's bucket.
    Uploaded(UploadedTemplate),
}

impl TemplateSource {
    /// The S3 object holding the template, when it was uploaded.
    pub fn uploaded(&self) -> Option<&UploadedTemplate> {
        match self {
            TemplateSource::Body(_) => None,
            TemplateSource::Uploaded(uploaded) => Some(uploaded),
        }
    }
}

/// A template object in the tool's bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedTemplate {
    pub bucket: String,
    pub key: String,
    /// The account owning the bucket: every call on it says so, so a bucket of the same name
    /// owned by someone else is never touched.
    pub account: String,
    /// What CloudFormation reads (TemplateURL).
    pub url: String,
}

impl UploadedTemplate {
    /// `s3://bucket/key`, for messages.
    pub fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// Delete an uploaded template. CloudFormation only reads it while creating the change set, so
/// once that is done (or will never happen) the object is clutter.
pub async fn remove(clients: &Clients, uploaded: &UploadedTemplate) -> Result<(), Error> {
    clients
        .s3
        .delete_object()
        .bucket(&uploaded.bucket)
        .key(&uploaded.key)
        .expected_bucket_owner(&uploaded.account)
        .send()
        .await
        .with_context(|| format!("deleting {}", uploaded.location()))?;
    Ok(())
}

/// The template inline when it fits, else uploaded to the tool's bucket.
pub async fn prepare(
    clients: &Clients,
    project: &str,
    body: String,
) -> Result<TemplateSource, Error> {
    if body.len() <= TEMPLATE_BODY_LIMIT {
        return Ok(TemplateSource::Body(body));
    }
    let account = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .context("finding the AWS account id")?
        .account()
        .map(str::to_string)
        .ok_or_else(|| {
            Error::aws_answer(
                "finding the AWS account id",
                "GetCallerIdentity returned no account",
            )
        })?;
    let bucket = bucket_name(&account, &clients.region);
    ensure_bucket(clients, &bucket, &account).await?;
    let key = format!("{project}/{}.json", crate::stack::unique_suffix());
    clients
        .s3
        .put_object()
        .bucket(&bucket)
        .key(&key)
        .expected_bucket_owner(&account)
        .content_type("application/json")
        .server_side_encryption(ServerSideEncryption::Aes256)
        .body(ByteStream::from(body.into_bytes()))
        .send()
        .await
        .with_context(|| format!("uploading the template to s3://{bucket}/{key}"))?;
    let url = format!("https://{bucket}.s3.{}.amazonaws.com/{key}", clients.region);
    Ok(TemplateSource::Uploaded(UploadedTemplate {
        bucket,
        key,
        account,
        url,
    }))
}

pub fn bucket_name(account: &str, region: &str) -> String {
    format!("docker-ecs-templates-{account}-{region}")
}

/// Create the bucket unless it exists and is ours; one that belongs to another account is an error
/// (we never upload into a bucket we do not own).
async fn ensure_bucket(clients: &Clients, bucket: &str, account: &str) -> Result<(), Error> {
    let s3 = &clients.s3;
    match s3
        .head_bucket()
        .bucket(bucket)
        .expected_bucket_owner(account)
        .send()
        .await
    {
        Ok(_) => return Ok(()),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => {}
        Err(err) if err.raw_response().is_some_and(|r| r.status().as_u16() == 404) => {}
        Err(err) if err.raw_response().is_some_and(|r| r.status().as_u16() == 403) => {
            return Err(Error::Precondition(format!(
                "the template is over {TEMPLATE_BODY_LIMIT} bytes and must go through S3, but bucket \
                 {bucket} exists and does not belong to account {account}"
            )))
        }
        Err(err) => return Err(Error::aws(format!("checking bucket {bucket}"), err)),
    }
    let mut create = s3.create_bucket().bucket(bucket);
    // us-east-1 is the default location and must not be named.
    if clients.region != "us-east-1" {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(clients.region.as_str()))
                .build(),
        );
    }
    create
        .send()
        .await
        .with_context(|| format!("creating bucket {bucket} for large templates"))?;
    s3.put_public_access_block()
        .bucket(bucket)
        .expected_bucket_owner(account)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .with_context(|| format!("blocking public access to bucket {bucket}"))?;
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()
        .map_err(|e| Error::aws_request("building the bucket encryption settings", e))?;
    let encryption = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(by_default)
                .build(),
        )
        .build()
        .map_err(|e| Error::aws_request("building the bucket encryption settings", e))?;
    s3.put_bucket_encryption()
        .bucket(bucket)
        .expected_bucket_owner(account)
        .server_side_encryption_configuration(encryption)
        .send()
        .await
        .with_context(|| format!("enabling encryption on bucket {bucket}"))?;
    // CloudFormation reads a template once, when the change set is created: old uploads are clutter.
    let expire = LifecycleRule::builder()
        .id("expire-uploaded-templates")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .expiration(
            LifecycleExpiration::builder()
                .days(TEMPLATE_RETENTION_DAYS)
                .build(),
        )
        .build()
        .map_err(|e| Error::aws_request("building the bucket lifecycle rule", e))?;
    let lifecycle = BucketLifecycleConfiguration::builder()
        .rules(expire)
        .build()
        .map_err(|e| Error::aws_request("building the bucket lifecycle rule", e))?;
    s3.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .expected_bucket_owner(account)
        .lifecycle_configuration(lifecycle)
        .send()
        .await
        .with_context(|| format!("setting the expiry of templates in bucket {bucket}"))?;
    Ok(())
}
