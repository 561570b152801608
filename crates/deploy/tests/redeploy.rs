//! `up --force-new-deployment` against mocked AWS APIs: every service of the stack gets a new
//! deployment; a failure names the service and the others are still redeployed.

use crate::support::*;
use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
use aws_sdk_ecs::operation::update_service::{UpdateServiceError, UpdateServiceOutput};
use aws_sdk_ecs::types::{Deployment, Service, Tag};
use aws_sdk_ecs::Client as Ecs;
use aws_smithy_mocks::{mock, Rule};
use ecs_deploy::redeploy::{force_new_deployment, Redeployed};

const REDIS_ARN: &str = "arn:aws:ecs:us-east-1:123456789012:service/app-cluster/app-redis";

/// The stack's cluster and its two services.
const RESOURCES: &[(&str, &str)] = &[
    ("AWS::ECS::Cluster", "app-cluster"),
    ("AWS::ECS::Service", SERVICE_ARN),
    ("AWS::ECS::Service", REDIS_ARN),
];

fn described() -> Rule {
    mock!(Ecs::describe_services)
        .match_requests(|r| r.cluster() == Some("app-cluster"))
        .then_output(|| {
            let service = |arn: &str, name: &str, compose: &str| {
                Service::builder()
                    .service_arn(arn)
                    .service_name(name)
                    .tags(
                        Tag::builder()
                            .key("com.docker.compose.service")
                            .value(compose)
                            .build(),
                    )
                    .build()
            };
            DescribeServicesOutput::builder()
                .services(service(SERVICE_ARN, "app-web", "web"))
                .services(service(REDIS_ARN, "app-redis", "redis"))
                .build()
        })
}

fn updated(arn: &'static str, deployment: &'static str) -> Rule {
    mock!(Ecs::update_service)
        .match_requests(move |r| {
            r.cluster() == Some("app-cluster")
                && r.service() == Some(arn)
                && r.force_new_deployment() == Some(true)
                // Nothing else of the service changes.
                && r.task_definition().is_none()
                && r.desired_count().is_none()
        })
        .then_output(move || {
            UpdateServiceOutput::builder()
                .service(
                    Service::builder()
                        .service_arn(arn)
                        .deployments(
                            Deployment::builder()
                                .id("ecs-svc/old")
                                .status("ACTIVE")
                                .build(),
                        )
                        .deployments(
                            Deployment::builder()
                                .id(deployment)
                                .status("PRIMARY")
                                .build(),
                        )
                        .build(),
                )
                .build()
        })
}

#[tokio::test]
async fn every_service_gets_a_new_deployment() {
    let web = updated(SERVICE_ARN, "ecs-svc/2");
    let redis = updated(REDIS_ARN, "ecs-svc/3");
    let clients = Mocks {
        cf: deployed_stack("UPDATE_COMPLETE", RESOURCES),
        ecs: vec![described(), web.clone(), redis.clone()],
        ..Default::default()
    }
    .clients();
    let done = force_new_deployment(&clients, "app").await.unwrap();
    assert_eq!(
        done,
        [
            Redeployed {
                service: "redis".into(),
                deployment: Some("ecs-svc/3".into())
            },
            Redeployed {
                service: "web".into(),
                deployment: Some("ecs-svc/2".into())
            },
        ]
    );
    assert_eq!((web.num_calls(), redis.num_calls()), (1, 1));
}

#[tokio::test]
async fn a_refused_service_is_named_and_the_others_still_roll_out() {
    let redis = updated(REDIS_ARN, "ecs-svc/3");
    let clients = Mocks {
        cf: deployed_stack("UPDATE_COMPLETE", RESOURCES),
        ecs: vec![
            described(),
            redis.clone(),
            mock!(Ecs::update_service)
                .match_requests(|r| r.service() == Some(SERVICE_ARN))
                .then_error(|| {
                    UpdateServiceError::generic(error(
                        "ServiceNotActiveException",
                        "Service was not ACTIVE.",
                    ))
                }),
        ],
        ..Default::default()
    }
    .clients();
    let err = force_new_deployment(&clients, "app")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 service(s) of app (1 started)"), "{err}");
    assert!(
        err.contains("web: UpdateService: ServiceNotActiveException: Service was not ACTIVE."),
        "{err}"
    );
    assert_eq!(redis.num_calls(), 1);
}

#[tokio::test]
async fn no_stack_is_the_usual_clear_error() {
    let clients = Mocks {
        cf: vec![missing_stack()],
        ..Default::default()
    }
    .clients();
    let err = force_new_deployment(&clients, "app")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no application named \"app\""), "{err}");
}
