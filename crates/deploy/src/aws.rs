//! Credentials, region and one client per AWS service, from the standard AWS chain (environment,
//! profiles, SSO, `--region`); `--aws-profile` takes the credentials from that profile only.
//! `AWS_ENDPOINT_URL` is honoured by the SDK itself, which is how the end-to-end tests point us at a
//! local AWS API.

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::BehaviorVersion;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use crate::Error;

/// What the command line says about where to talk to AWS.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
}

/// One client per service we use, sharing one configuration.
#[derive(Debug, Clone)]
pub struct Clients {
    pub region: String,
    pub cloudformation: aws_sdk_cloudformation::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub efs: aws_sdk_efs::Client,
    pub sts: aws_sdk_sts::Client,
    pub acm: aws_sdk_acm::Client,
}

impl Clients {
    /// Load configuration and check that a region and credentials exist, so a missing one is one
    /// clear message instead of a failure deep inside the first call.
    pub async fn load(options: &AwsOptions) -> Result<Self, Error> {
        let http = https_client();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http.clone());
        if let Some(region) = &options.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        let mut config = loader.load().await;
        let region = config.region().ok_or(Error::NoRegion)?.to_string();
        if let Some(profile) = &options.profile {
            // As with `aws --profile`: the named profile's credentials, not access keys that happen
            // to be in the environment (the default chain reads those first).
            let provider_config = ProviderConfig::default()
                .with_http_client(http)
                .with_region(config.region().cloned());
            let provider = ProfileFileCredentialsProvider::builder()
                .configure(&provider_config)
                .profile_name(profile)
                .build();
            config = config
                .into_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build();
        }
        match config.credentials_provider() {
            Some(provider) => {
                use aws_credential_types::provider::ProvideCredentials;
                provider.provide_credentials().await.map_err(|e| {
                    let reason = crate::error::deepest_cause(&e);
                    match &options.profile {
                        Some(profile) => {
                            Error::Precondition(profile_without_credentials(profile, &e, reason))
                        }
                        None => Error::NoCredentials(reason),
                    }
                })?;
            }
            None => return Err(Error::NoCredentials("no credentials provider".into())),
        }
        Ok(Self::from_config(&config, region))
    }

    /// Clients from a configuration made elsewhere; one without an HTTP client gets ours.
    pub fn from_config(config: &aws_types::SdkConfig, region: String) -> Self {
        let config = &match config.http_client() {
            Some(_) => config.clone(),
            None => config.to_builder().http_client(https_client()).build(),
        };
        // S3 through a local endpoint needs path-style addressing (no bucket subdomains on 127.0.0.1).
        let s3_config = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        Clients {
            region,
            cloudformation: aws_sdk_cloudformation::Client::new(config),
            ecs: aws_sdk_ecs::Client::new(config),
            ecr: aws_sdk_ecr::Client::new(config),
            ec2: aws_sdk_ec2::Client::new(config),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(config),
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            efs: aws_sdk_efs::Client::new(config),
            sts: aws_sdk_sts::Client::new(config),
            acm: aws_sdk_acm::Client::new(config),
        }
    }
}

/// The HTTPS client of every AWS call, credential providers included: rustls on ring, with the
/// system's root certificates.
fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// Why `--aws-profile NAME` gave no credentials; a profile in no file at all reads as such (the
/// SDK only says its provider "was not enabled").
fn profile_without_credentials(
    profile: &str,
    err: &aws_credential_types::provider::error::CredentialsError,
    reason: String,
) -> String {
    use aws_credential_types::provider::error::CredentialsError;
    let reason = match err {
        CredentialsError::CredentialsNotLoaded(_) => {
            "it is not defined in ~/.aws/config or ~/.aws/credentials (or AWS_CONFIG_FILE, \
             AWS_SHARED_CREDENTIALS_FILE)"
                .to_string()
        }
        _ => reason,
    };
    format!("no AWS credentials from profile {profile} (--aws-profile): {reason}")
}
