//! Credentials, region and one client per AWS service, from the standard AWS chain (environment,
//! profiles, SSO, `--region`); `--aws-profile` takes the credentials from that profile only.
//! `AWS_ENDPOINT_URL` is honoured by the SDK itself, which is how the end-to-end tests point us at a
//! local AWS API. Every call is bounded ([`Limits`]): an endpoint that stops answering is an error
//! naming the service, the operation and the endpoint, not a silent wait; so is an answer that is
//! not AWS's (a proxy's HTML page), and rejected credentials say where they came from.

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::BehaviorVersion;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use crate::failed_calls::{CredentialSource, NameFailedCalls};
use crate::{Error, Limits};

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
    /// CloudWatch metrics (`ps`'s CPU and memory use).
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub efs: aws_sdk_efs::Client,
    pub sts: aws_sdk_sts::Client,
    pub acm: aws_sdk_acm::Client,
    /// Route 53 (global): the hosted zones of custom domains.
    pub route53: aws_sdk_route53::Client,
    /// How long calls, and waits for CloudFormation, may take.
    pub limits: Limits,
}

impl Clients {
    /// Load configuration and check that a region and credentials exist, so a missing one is one
    /// clear message instead of a failure deep inside the first call.
    pub async fn load(options: &AwsOptions) -> Result<Self, Error> {
        let limits = Limits::from_env()?;
        let http = https_client();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http.clone())
            .timeout_config(limits.timeouts())
            .retry_config(limits.retries());
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
        // The profile the chain reads, as the SDK chooses it: --aws-profile, AWS_PROFILE, `default`.
        let profile = options
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
            .unwrap_or_else(|| "default".to_string());
        let credentials = match config.credentials_provider() {
            Some(provider) => {
                use aws_credential_types::provider::ProvideCredentials;
                provider.provide_credentials().await.map_err(|e| {
                    let reason = crate::error::deepest_cause(&e);
                    match &options.profile {
                        Some(profile) => {
                            Error::Precondition(profile_without_credentials(profile, &e, reason))
                        }
                        None => Error::NoCredentials {
                            profile: profile.clone(),
                            tried: providers_tried(&reason),
                        },
                    }
                })?
            }
            None => {
                return Err(Error::NoCredentials {
                    profile,
                    tried: "  no credentials provider is configured".into(),
                })
            }
        };
        let source = CredentialSource::of(&credentials, &profile);
        Ok(Self::build(&config, region, limits, Some(source)))
    }

    /// Clients from a configuration made elsewhere; one without an HTTP client gets ours. Every call
    /// gets the timeouts and attempts of `limits`.
    pub fn from_config(config: &aws_types::SdkConfig, region: String, limits: Limits) -> Self {
        Self::build(config, region, limits, None)
    }

    /// [`Clients::from_config`], saying where the credentials came from when AWS rejects them.
    pub(crate) fn build(
        config: &aws_types::SdkConfig,
        region: String,
        limits: Limits,
        credentials: Option<CredentialSource>,
    ) -> Self {
        let named = NameFailedCalls::new(credentials);
        let mut builder = config
            .to_builder()
            .timeout_config(limits.timeouts())
            .retry_config(limits.retries());
        if config.http_client().is_none() {
            builder = builder.http_client(https_client());
        }
        let config = &builder.build();
        /// A client of `$krate` on `config`, whose failed calls name themselves.
        macro_rules! client {
            ($krate:ident) => {
                $krate::Client::from_conf(
                    $krate::config::Builder::from(config)
                        .interceptor(named.clone())
                        .build(),
                )
            };
        }
        // S3 through a local endpoint needs path-style addressing (no bucket subdomains on 127.0.0.1).
        let s3_config = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .interceptor(named.clone())
            .build();
        Clients {
            region,
            cloudformation: client!(aws_sdk_cloudformation),
            ecs: client!(aws_sdk_ecs),
            ecr: client!(aws_sdk_ecr),
            ec2: client!(aws_sdk_ec2),
            elbv2: client!(aws_sdk_elasticloadbalancingv2),
            logs: client!(aws_sdk_cloudwatchlogs),
            cloudwatch: client!(aws_sdk_cloudwatch),
            secrets: client!(aws_sdk_secretsmanager),
            iam: client!(aws_sdk_iam),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            efs: client!(aws_sdk_efs),
            sts: client!(aws_sdk_sts),
            acm: client!(aws_sdk_acm),
            route53: client!(aws_sdk_route53),
            limits,
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

/// The providers the default chain tried and what each said, one indented line each: the chain's
/// own list ("no credentials found in chain. Attempted:" and a line per provider) without its
/// heading, or its one-line reason.
fn providers_tried(reason: &str) -> String {
    let list = match reason.split_once("Attempted:") {
        Some((_, list)) => list,
        None => reason,
    };
    list.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// An endpoint that accepts connections and never answers, as a stopped process does.
    async fn silent_endpoint() -> (String, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        (format!("http://{address}"), server)
    }

    #[test]
    fn the_providers_the_chain_tried_are_listed_one_a_line() {
        let reason = "no credentials found in chain. Attempted:\n  Environment: the credential provider was \
                      not enabled: environment variable not set\n  Profile: the credential provider was not enabled";
        assert_eq!(
            providers_tried(reason),
            "  Environment: the credential provider was not enabled: environment variable not set\n  \
             Profile: the credential provider was not enabled"
        );
        assert_eq!(providers_tried("IMDS timed out"), "  IMDS timed out");
    }

    #[tokio::test]
    async fn a_call_to_an_endpoint_that_never_answers_fails_in_bounded_time_naming_itself() {
        let (endpoint, server) = silent_endpoint().await;
        let config = aws_types::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("test", "test", None, None, "test"),
            ))
            .build();
        let limits = Limits {
            connect: Duration::from_millis(500),
            read: Duration::from_millis(500),
            attempt: Duration::from_secs(1),
            call: Duration::from_secs(3),
            max_attempts: 2,
            ..Limits::default()
        };
        let clients = Clients::from_config(&config, "us-east-1".into(), limits);
        let started = Instant::now();
        let answer = tokio::time::timeout(
            Duration::from_secs(10),
            crate::stack::describe(&clients.cloudformation, "app"),
        )
        .await
        .expect("the call gives up by itself, within its limits");
        let err = answer.unwrap_err().to_string();
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        assert!(
            err.starts_with("reading stack app: ")
                && err.contains("CloudFormation DescribeStacks")
                && err.contains(&endpoint),
            "{err}"
        );
        server.abort();
    }
}
