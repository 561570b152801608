//! Checks that what the Compose file names in the account exists before anything is deployed:
//! `x-aws-cluster`, `x-aws-loadbalancer` (and its type), `x-aws-vpc`, external security groups and
//! file systems, `x-aws-policies`, `x-aws-certificate`, `x-aws-hosted_zone`. Every failed check is reported, each
//! naming its attribute.

use crate::error::AwsContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use template_builder::{LoadBalancerType, Precondition};

use crate::{Clients, Error};

/// Run every check; one error listing each problem, or Ok.
pub async fn check(clients: &Clients, preconditions: &[Precondition]) -> Result<(), Error> {
    let mut problems = Vec::new();
    for precondition in preconditions {
        if let Some(problem) = check_one(clients, precondition).await? {
            problems.push(problem);
        }
    }
    match problems.len() {
        0 => Ok(()),
        1 => Err(Error::Precondition(problems.remove(0))),
        _ => Err(Error::Precondition(format!(
            "the compose file refers to resources that are not usable:\n  - {}",
            problems.join("\n  - ")
        ))),
    }
}

/// `Ok(Some(problem))` when the check fails, `Err` when AWS could not be asked.
async fn check_one(
    clients: &Clients,
    precondition: &Precondition,
) -> Result<Option<String>, Error> {
    let region = &clients.region;
    match precondition {
        Precondition::ClusterExists { name } => {
            let out = clients
                .ecs
                .describe_clusters()
                .clusters(name)
                .send()
                .await
                .with_context(|| format!("x-aws-cluster: looking up cluster {name}"))?;
            let active = out.clusters().iter().any(|c| c.status() == Some("ACTIVE"));
            Ok((!active).then(|| {
                format!("x-aws-cluster: ECS cluster {name:?} does not exist (or is not active) in region {region}")
            }))
        }
        Precondition::LoadBalancer {
            name_or_arn,
            expected,
        } => {
            let mut call = clients.elbv2.describe_load_balancers();
            call = if name_or_arn.starts_with("arn:") {
                call.load_balancer_arns(name_or_arn)
            } else {
                call.names(name_or_arn)
            };
            let out = match call.send().await {
                Ok(out) => out,
                Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_load_balancer_not_found_exception()) =>
 {
                    return Ok(Some(format!(
                        "x-aws-loadbalancer: load balancer {name_or_arn:?} does not exist in region {region}"
                    )))
                }
                Err(err) => {
                    return Err(Error::aws(
                        format!("x-aws-loadbalancer: looking up load balancer {name_or_arn}"),
                        err,
                    ))
                }
            };
            let Some(lb) = out.load_balancers().first() else {
                return Ok(Some(format!(
                    "x-aws-loadbalancer: load balancer {name_or_arn:?} does not exist in region {region}"
                )));
            };
            let actual = lb.r#type().map(|t| t.as_str()).unwrap_or("unknown");
            let (wanted, why) = match expected {
                LoadBalancerType::Application => (
                    "application",
                    "every published port is HTTP, so the services need an application load balancer",
                ),
                LoadBalancerType::Network => (
                    "network",
                    "some published ports are not HTTP, so the services need a network load balancer",
                ),
            };
            Ok((actual != wanted).then(|| {
                format!(
                    "x-aws-loadbalancer: {name_or_arn:?} is a {actual} load balancer, but {why}"
                )
            }))
        }
        Precondition::VpcExists { id } => {
            match clients.ec2.describe_vpcs().vpc_ids(id).send().await {
                Ok(out) if !out.vpcs().is_empty() => Ok(None),
                Ok(_) => Ok(Some(missing_vpc(id, region))),
                Err(err) if err.code().is_some_and(|c| c.starts_with("InvalidVpcID")) => {
                    Ok(Some(missing_vpc(id, region)))
                }
                Err(err) => Err(Error::aws(format!("x-aws-vpc: looking up VPC {id}"), err)),
            }
        }
        Precondition::SecurityGroupExists { id } => {
            match clients
                .ec2
                .describe_security_groups()
                .group_ids(id)
                .send()
                .await
            {
                Ok(out) if !out.security_groups().is_empty() => Ok(None),
                Ok(_) => Ok(Some(missing_group(id, region))),
                Err(err) if err.code().is_some_and(|c| c.starts_with("InvalidGroup")) => {
                    Ok(Some(missing_group(id, region)))
                }
                Err(err) => Err(Error::aws(
                    format!("networks: looking up security group {id}"),
                    err,
                )),
            }
        }
        Precondition::FileSystemExists { id } => {
            match clients
                .efs
                .describe_file_systems()
                .file_system_id(id)
                .send()
                .await
            {
                Ok(out) if !out.file_systems().is_empty() => Ok(None),
                Ok(_) => Ok(Some(missing_file_system(id, region))),
                Err(err) if err.code() == Some("FileSystemNotFound") => {
                    Ok(Some(missing_file_system(id, region)))
                }
                Err(err) => Err(Error::aws(
                    format!("volumes: looking up EFS file system {id}"),
                    err,
                )),
            }
        }
        // Checked against the VPC when the subnet parameters are resolved.
        Precondition::Subnets { .. } => Ok(None),
        Precondition::CertificateIssued { arn } => certificate_problem(clients, arn).await,
        Precondition::HostedZone { id, domain } => {
            super::hosted_zones::named_zone_problem(&clients.route53, id, domain).await
        }
        Precondition::ManagedPolicyExists { arn } => {
            match clients.iam.get_policy().policy_arn(arn).send().await {
                Ok(_) => Ok(None),
                Err(err) if err.code() == Some("NoSuchEntity") => Ok(Some(format!(
                    "x-aws-policies: managed policy {arn:?} does not exist"
                ))),
                Err(err) => Err(Error::aws(
                    format!("x-aws-policies: looking up policy {arn}"),
                    err,
                )),
            }
        }
    }
}

/// A load balancer listener takes an ACM certificate of its own region, once issued.
async fn certificate_problem(clients: &Clients, arn: &str) -> Result<Option<String>, Error> {
    let region = &clients.region;
    // arn:<partition>:acm:<region>:<account>:certificate/<id>; the builder checked the shape.
    let certificate_region = arn.split(':').nth(3).unwrap_or_default();
    if certificate_region != region {
        return Ok(Some(format!(
            "x-aws-certificate: certificate {arn} is in region {certificate_region}, but the app is \
             deployed to {region}; a load balancer uses certificates of its own region: request or \
             import one in {region}"
        )));
    }
    let out = match clients
        .acm
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
    {
        Ok(out) => out,
        Err(err) if err.code() == Some("ResourceNotFoundException") => {
            return Ok(Some(format!(
                "x-aws-certificate: ACM certificate {arn} does not exist in region {region}"
            )))
        }
        Err(err) => {
            return Err(Error::aws(
                format!("x-aws-certificate: looking up certificate {arn}"),
                err,
            ))
        }
    };
    let status = out
        .certificate()
        .and_then(|c| c.status())
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|| "of unknown status".into());
    Ok((status != "ISSUED").then(|| {
        let hint = if status == "PENDING_VALIDATION" {
            ": finish its DNS or email validation in ACM first"
        } else {
            ": use an issued certificate"
        };
        format!("x-aws-certificate: ACM certificate {arn} is {status}, not ISSUED{hint}")
    }))
}

fn missing_vpc(id: &str, region: &str) -> String {
    format!("x-aws-vpc: VPC {id:?} does not exist in region {region}")
}

fn missing_group(id: &str, region: &str) -> String {
    format!("networks: external security group {id:?} does not exist in region {region}")
}

fn missing_file_system(id: &str, region: &str) -> String {
    format!("volumes: external EFS file system {id:?} does not exist in region {region}")
}
