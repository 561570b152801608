//! Amazon ECR, where `up` pushes the images of `build:` services: the deploy account's registry and
//! its login, the repositories (created when missing, reused afterwards), and what a repository
//! already holds.
//!
//! Repositories live outside the stack: an image must be in its repository before the stack's
//! service that runs it is created, and `down` must not take the images of the next `up` with it.
//! The tool tags the repositories it creates (`com.docker.compose.project`, `docker-ecs=true`), so
//! `down --rmi all` removes those and only those.

use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageIdentifier, ImageScanningConfiguration, Tag,
};
use aws_sdk_ecr::Client as Ecr;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::AwsContext;
use crate::stack::{MANAGED_TAG, MANAGED_TAG_VALUE, PROJECT_TAG};
use crate::Error;

/// Images kept per repository: older ones expire. A deployed image is far younger than this many
/// pushes unless several projects share the repository.
pub const KEPT_IMAGES: u32 = 50;

/// The deploy account's registry, and a login to it valid for 12 hours.
#[derive(Clone, PartialEq, Eq)]
pub struct Registry {
    /// `<account>.dkr.ecr.<region>.amazonaws.com` (or the local registry in tests).
    pub host: String,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("host", &self.host)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// GetAuthorizationToken: the registry's host and the user name and password `docker push` needs.
pub async fn login(ecr: &Ecr) -> Result<Registry, Error> {
    const ACTION: &str = "logging in to Amazon ECR";
    let out = ecr.get_authorization_token().send().await.context(ACTION)?;
    let data = out
        .authorization_data()
        .first()
        .ok_or_else(|| Error::aws_answer(ACTION, "GetAuthorizationToken returned no token"))?;
    let token = data
        .authorization_token()
        .ok_or_else(|| Error::aws_answer(ACTION, "GetAuthorizationToken returned no token"))?;
    let endpoint = data.proxy_endpoint().ok_or_else(|| {
        Error::aws_answer(ACTION, "GetAuthorizationToken returned no registry address")
    })?;
    let decoded = aws_smithy_types::base64::decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| Error::aws_answer(ACTION, "the authorization token is not base64 text"))?;
    let (username, password) = decoded
        .split_once(':')
        .ok_or_else(|| Error::aws_answer(ACTION, "the authorization token is not user:password"))?;
    Ok(Registry {
        host: endpoint
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string(),
        username: username.to_string(),
        password: password.to_string(),
    })
}

/// A repository in the deploy account's registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub name: String,
    /// `host/name`, what `docker push` and the task definition refer to.
    pub uri: String,
    /// This run created it.
    pub created: bool,
}

/// The repository `name`, created when missing: encrypted, scanned on push, keeping the last
/// [`KEPT_IMAGES`] images, tagged with the project. An existing one is used as it is.
pub async fn ensure_repository(ecr: &Ecr, project: &str, name: &str) -> Result<Repository, Error> {
    if let Some(uri) = repository_uri(ecr, name).await? {
        return Ok(Repository {
            name: name.to_string(),
            uri,
            created: false,
        });
    }
    let encryption = EncryptionConfiguration::builder()
        .encryption_type(EncryptionType::Aes256)
        .build()
        .map_err(|e| Error::aws_request("building the repository encryption settings", e))?;
    let tags = [(PROJECT_TAG, project), (MANAGED_TAG, MANAGED_TAG_VALUE)]
        .into_iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::aws_request("building the repository tags", e))?;
    let created = ecr
        .create_repository()
        .repository_name(name)
        .encryption_configuration(encryption)
        .image_scanning_configuration(
            ImageScanningConfiguration::builder()
                .scan_on_push(true)
                .build(),
        )
        .set_tags(Some(tags))
        .send()
        .await;
    let uri = match created {
        Ok(out) => out
            .repository()
            .and_then(|r| r.repository_uri())
            .map(str::to_string)
            .ok_or_else(|| {
                Error::aws_answer(
                    format!("creating repository {name}"),
                    "CreateRepository returned no repository URI",
                )
            })?,
        // Another run created it in the meantime: use it.
        Err(err) if err.code() == Some("RepositoryAlreadyExistsException") => {
            return Ok(Repository {
                name: name.to_string(),
                uri: repository_uri(ecr, name).await?.ok_or_else(|| {
                    Error::aws_answer(
                        format!("reading repository {name}"),
                        "it exists but DescribeRepositories does not list it",
                    )
                })?,
                created: false,
            });
        }
        Err(err) => {
            return Err(Error::aws(
                format!("creating Amazon ECR repository {name}"),
                err,
            ))
        }
    };
    ecr.put_lifecycle_policy()
        .repository_name(name)
        .lifecycle_policy_text(lifecycle_policy())
        .send()
        .await
        .with_context(|| format!("setting the image expiry of repository {name}"))?;
    Ok(Repository {
        name: name.to_string(),
        uri,
        created: true,
    })
}

/// Keep the newest [`KEPT_IMAGES`] images, whatever their tags.
fn lifecycle_policy() -> String {
    serde_json::json!({
        "rules": [{
            "rulePriority": 1,
            "description": format!("docker ecs: keep the last {KEPT_IMAGES} images"),
            "selection": {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": KEPT_IMAGES
            },
            "action": {"type": "expire"}
        }]
    })
    .to_string()
}

/// The URI of repository `name`, or None when there is no such repository.
pub async fn repository_uri(ecr: &Ecr, name: &str) -> Result<Option<String>, Error> {
    match ecr
        .describe_repositories()
        .repository_names(name)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .repositories()
            .iter()
            .find(|r| r.repository_name() == Some(name))
            .and_then(|r| r.repository_uri())
            .map(str::to_string)),
        Err(err) if err.code() == Some("RepositoryNotFoundException") => Ok(None),
        Err(err) => Err(Error::aws(
            format!("looking up Amazon ECR repository {name}"),
            err,
        )),
    }
}

/// The digest of the image tagged `tag` in repository `name`, or None when the repository or the
/// tag does not exist.
pub async fn image_digest(ecr: &Ecr, name: &str, tag: &str) -> Result<Option<String>, Error> {
    match ecr
        .describe_images()
        .repository_name(name)
        .image_ids(ImageIdentifier::builder().image_tag(tag).build())
        .send()
        .await
    {
        Ok(out) => Ok(out
            .image_details()
            .iter()
            .find_map(|image| image.image_digest())
            .map(str::to_string)),
        Err(err)
            if matches!(
                err.code(),
                Some("ImageNotFoundException" | "RepositoryNotFoundException")
            ) =>
        {
            Ok(None)
        }
        Err(err) => Err(Error::aws(
            format!("looking up image {name}:{tag} in Amazon ECR"),
            err,
        )),
    }
}

/// Delete the repositories this tool created for `project` (tagged with it and `docker-ecs=true`),
/// images included. Their names, in the order deleted.
pub async fn remove_repositories(ecr: &Ecr, project: &str) -> Result<Vec<String>, Error> {
    let mut ours = Vec::new();
    let mut pages = ecr.describe_repositories().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.context("listing Amazon ECR repositories")?;
        for repository in page.repositories() {
            let (Some(name), Some(arn)) =
                (repository.repository_name(), repository.repository_arn())
            else {
                continue;
            };
            let tags = ecr
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .with_context(|| format!("reading the tags of repository {name}"))?;
            let tagged = |key: &str, value: &str| {
                tags.tags()
                    .iter()
                    .any(|t| t.key() == key && t.value() == value)
            };
            if tagged(PROJECT_TAG, project) && tagged(MANAGED_TAG, MANAGED_TAG_VALUE) {
                ours.push(name.to_string());
            }
        }
    }
    ours.sort();
    for name in &ours {
        match ecr
            .delete_repository()
            .repository_name(name)
            .force(true)
            .send()
            .await
        {
            Ok(_) => {}
            Err(err) if err.code() == Some("RepositoryNotFoundException") => {}
            Err(err) => {
                return Err(Error::aws(
                    format!("deleting Amazon ECR repository {name}"),
                    err,
                ))
            }
        }
    }
    Ok(ours)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecr::operation::create_repository::{
        CreateRepositoryError, CreateRepositoryOutput,
    };
    use aws_sdk_ecr::operation::delete_repository::DeleteRepositoryOutput;
    use aws_sdk_ecr::operation::describe_images::{DescribeImagesError, DescribeImagesOutput};
    use aws_sdk_ecr::operation::describe_repositories::{
        DescribeRepositoriesError, DescribeRepositoriesOutput,
    };
    use aws_sdk_ecr::operation::get_authorization_token::GetAuthorizationTokenOutput;
    use aws_sdk_ecr::operation::list_tags_for_resource::ListTagsForResourceOutput;
    use aws_sdk_ecr::operation::put_lifecycle_policy::PutLifecyclePolicyOutput;
    use aws_sdk_ecr::types::{AuthorizationData, ImageDetail, Repository as EcrRepository};
    use aws_smithy_mocks::{mock, Rule, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;

    const HOST: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

    /// An ECR client answering from `rules` only (anything else fails the test), without retries.
    fn mocked(rules: &[Rule]) -> Ecr {
        let mut interceptor =
            aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
        for rule in rules {
            interceptor = interceptor.with_rule(rule);
        }
        Ecr::from_conf(
            aws_sdk_ecr::Config::builder()
                .behavior_version(aws_sdk_ecr::config::BehaviorVersion::latest())
                .region(aws_sdk_ecr::config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_ecr::config::Credentials::new(
                    "test", "test", None, None, "test",
                ))
                .retry_config(aws_sdk_ecr::config::retry::RetryConfig::disabled())
                .http_client(aws_smithy_mocks::create_mock_http_client())
                .interceptor(interceptor)
                .build(),
        )
    }

    fn error(code: &str, message: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message(message).build()
    }

    fn repository(name: &str) -> EcrRepository {
        EcrRepository::builder()
            .repository_name(name)
            .repository_arn(format!(
                "arn:aws:ecr:us-east-1:123456789012:repository/{name}"
            ))
            .repository_uri(format!("{HOST}/{name}"))
            .build()
    }

    fn existing(name: &'static str) -> Rule {
        mock!(Ecr::describe_repositories)
            .match_requests(move |r| r.repository_names() == [name])
            .then_output(move || {
                DescribeRepositoriesOutput::builder()
                    .repositories(repository(name))
                    .build()
            })
    }

    fn missing(name: &'static str) -> Rule {
        mock!(Ecr::describe_repositories)
            .match_requests(move |r| r.repository_names() == [name])
            .then_error(|| {
                DescribeRepositoriesError::generic(error(
                    "RepositoryNotFoundException",
                    "The repository does not exist",
                ))
            })
    }

    #[tokio::test]
    async fn login_reads_user_password_and_host_from_the_token() {
        let token = mock!(Ecr::get_authorization_token).then_output(|| {
            GetAuthorizationTokenOutput::builder()
                .authorization_data(
                    AuthorizationData::builder()
                        .authorization_token(aws_smithy_types::base64::encode("AWS:s3cr3t"))
                        .proxy_endpoint(format!("https://{HOST}"))
                        .build(),
                )
                .build()
        });
        let registry = login(&mocked(&[token])).await.unwrap();
        assert_eq!(
            registry,
            Registry {
                host: HOST.into(),
                username: "AWS".into(),
                password: "s3cr3t".into(),
            }
        );
    }

    #[tokio::test]
    async fn a_token_that_is_not_user_password_is_an_error() {
        let token = mock!(Ecr::get_authorization_token).then_output(|| {
            GetAuthorizationTokenOutput::builder()
                .authorization_data(
                    AuthorizationData::builder()
                        .authorization_token(aws_smithy_types::base64::encode("nocolon"))
                        .proxy_endpoint(format!("https://{HOST}"))
                        .build(),
                )
                .build()
        });
        let err = login(&mocked(&[token])).await.unwrap_err().to_string();
        assert!(err.contains("not user:password"), "{err}");
        assert!(!err.contains("nocolon"), "{err}");
    }

    #[tokio::test]
    async fn an_existing_repository_is_used_as_it_is() {
        let repo = ensure_repository(&mocked(&[existing("shop/web")]), "shop", "shop/web")
            .await
            .unwrap();
        assert_eq!(
            repo,
            Repository {
                name: "shop/web".into(),
                uri: format!("{HOST}/shop/web"),
                created: false,
            }
        );
    }

    #[tokio::test]
    async fn a_missing_repository_is_created_encrypted_scanned_tagged_and_expiring() {
        let create = mock!(Ecr::create_repository)
            .match_requests(|r| {
                let tags: Vec<(&str, &str)> =
                    r.tags().iter().map(|t| (t.key(), t.value())).collect();
                r.repository_name() == Some("shop/web")
                    && r.encryption_configuration().map(|e| e.encryption_type())
                        == Some(&EncryptionType::Aes256)
                    && r.image_scanning_configuration().map(|s| s.scan_on_push()) == Some(true)
                    && tags
                        == [
                            ("com.docker.compose.project", "shop"),
                            ("docker-ecs", "true"),
                        ]
            })
            .then_output(|| {
                CreateRepositoryOutput::builder()
                    .repository(repository("shop/web"))
                    .build()
            });
        let expiry = mock!(Ecr::put_lifecycle_policy)
            .match_requests(|r| {
                r.repository_name() == Some("shop/web")
                    && r.lifecycle_policy_text()
                        .is_some_and(|p| p.contains("imageCountMoreThan"))
            })
            .then_output(|| PutLifecyclePolicyOutput::builder().build());
        let repo = ensure_repository(
            &mocked(&[missing("shop/web"), create.clone(), expiry.clone()]),
            "shop",
            "shop/web",
        )
        .await
        .unwrap();
        assert!(repo.created);
        assert_eq!(repo.uri, format!("{HOST}/shop/web"));
        assert_eq!((create.num_calls(), expiry.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn a_repository_another_run_just_created_is_used() {
        let describe = mock!(Ecr::describe_repositories)
            .sequence()
            .error(|| {
                DescribeRepositoriesError::generic(error("RepositoryNotFoundException", "no"))
            })
            .output(|| {
                DescribeRepositoriesOutput::builder()
                    .repositories(repository("shop/web"))
                    .build()
            })
            .build();
        let create = mock!(Ecr::create_repository).then_error(|| {
            CreateRepositoryError::generic(error(
                "RepositoryAlreadyExistsException",
                "The repository already exists",
            ))
        });
        let repo = ensure_repository(&mocked(&[describe, create]), "shop", "shop/web")
            .await
            .unwrap();
        assert!(!repo.created);
    }

    #[tokio::test]
    async fn access_denied_names_the_repository_and_says_what_aws_said() {
        let create = mock!(Ecr::create_repository).then_error(|| {
            CreateRepositoryError::generic(error(
                "AccessDeniedException",
                "User is not authorized to perform: ecr:CreateRepository",
            ))
        });
        let err = ensure_repository(&mocked(&[missing("shop/web"), create]), "shop", "shop/web")
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "creating Amazon ECR repository shop/web: AccessDeniedException: User is not authorized to perform: ecr:CreateRepository"
        );
    }

    #[tokio::test]
    async fn an_image_digest_is_found_by_tag_or_is_none() {
        let found = mock!(Ecr::describe_images)
            .match_requests(|r| r.image_ids().first().and_then(|i| i.image_tag()) == Some("v1"))
            .then_output(|| {
                DescribeImagesOutput::builder()
                    .image_details(
                        ImageDetail::builder()
                            .image_digest("sha256:aaaa")
                            .image_tags("v1")
                            .build(),
                    )
                    .build()
            });
        let not_found = mock!(Ecr::describe_images)
            .match_requests(|r| r.image_ids().first().and_then(|i| i.image_tag()) == Some("v2"))
            .then_error(|| {
                DescribeImagesError::generic(error("ImageNotFoundException", "no such image"))
            });
        let ecr = mocked(&[found, not_found]);
        assert_eq!(
            image_digest(&ecr, "shop/web", "v1")
                .await
                .unwrap()
                .as_deref(),
            Some("sha256:aaaa")
        );
        assert_eq!(image_digest(&ecr, "shop/web", "v2").await.unwrap(), None);
    }

    #[tokio::test]
    async fn only_the_projects_own_repositories_are_removed() {
        let list = mock!(Ecr::describe_repositories).then_output(|| {
            DescribeRepositoriesOutput::builder()
                .repositories(repository("shop/web"))
                .repositories(repository("shop/handmade"))
                .repositories(repository("blog/web"))
                .build()
        });
        let tags = mock!(Ecr::list_tags_for_resource)
            .then_output(|| ListTagsForResourceOutput::builder().build());
        let ours = |name: &'static str, project: &'static str| {
            mock!(Ecr::list_tags_for_resource)
                .match_requests(move |r| r.resource_arn().is_some_and(|a| a.ends_with(name)))
                .then_output(move || {
                    ListTagsForResourceOutput::builder()
                        .tags(
                            Tag::builder()
                                .key(PROJECT_TAG)
                                .value(project)
                                .build()
                                .unwrap(),
                        )
                        .tags(
                            Tag::builder()
                                .key(MANAGED_TAG)
                                .value("true")
                                .build()
                                .unwrap(),
                        )
                        .build()
                })
        };
        let delete = mock!(Ecr::delete_repository)
            .match_requests(|r| r.repository_name() == Some("shop/web") && r.force() == Some(true))
            .then_output(|| DeleteRepositoryOutput::builder().build());
        let removed = remove_repositories(
            &mocked(&[
                list,
                ours("shop/web", "shop"),
                ours("blog/web", "blog"),
                tags,
                delete.clone(),
            ]),
            "shop",
        )
        .await
        .unwrap();
        assert_eq!(removed, ["shop/web"]);
        assert_eq!(delete.num_calls(), 1);
    }

    #[test]
    fn the_lifecycle_policy_expires_all_but_the_newest_images() {
        let policy: serde_json::Value = serde_json::from_str(&lifecycle_policy()).unwrap();
        let rule = &policy["rules"][0];
        assert_eq!(rule["selection"]["countType"], "imageCountMoreThan");
        assert_eq!(rule["selection"]["countNumber"], KEPT_IMAGES);
        assert_eq!(rule["selection"]["tagStatus"], "any");
        assert_eq!(rule["action"]["type"], "expire");
    }

    #[test]
    fn a_registry_login_never_shows_its_password() {
        let registry = Registry {
            host: "123456789012.dkr.ecr.us-east-1.amazonaws.com".into(),
            username: "AWS".into(),
            password: "hunter2".into(),
        };
        let shown = format!("{registry:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("123456789012.dkr.ecr"), "{shown}");
    }
}
