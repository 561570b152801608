//! What `up` reads from the account before deploying: parameter values (VPC, subnets, secrets,
//! retained file systems), preconditions, and the S3 path for large templates.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::*;
use aws_sdk_acm::operation::describe_certificate::{
    DescribeCertificateError, DescribeCertificateOutput,
};
use aws_sdk_acm::types::{CertificateDetail, CertificateStatus};
use aws_sdk_acm::Client as Acm;
use aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetError;
use aws_sdk_cloudformation::Client as Cf;
use aws_sdk_ec2::operation::describe_route_tables::DescribeRouteTablesOutput;
use aws_sdk_ec2::operation::describe_subnets::DescribeSubnetsOutput;
use aws_sdk_ec2::operation::describe_vpcs::DescribeVpcsOutput;
use aws_sdk_ec2::types::{Route, RouteTable, RouteTableAssociation, Subnet, Vpc};
use aws_sdk_ec2::Client as Ec2;
use aws_sdk_ecs::operation::describe_clusters::DescribeClustersOutput;
use aws_sdk_ecs::types::Failure;
use aws_sdk_ecs::Client as Ecs;
use aws_sdk_efs::operation::describe_file_systems::DescribeFileSystemsOutput;
use aws_sdk_efs::types::{FileSystemDescription, FileSystemSize, LifeCycleState, PerformanceMode};
use aws_sdk_efs::Client as Efs;
use aws_sdk_elasticloadbalancingv2::operation::describe_load_balancers::DescribeLoadBalancersOutput;
use aws_sdk_elasticloadbalancingv2::types::{LoadBalancer, LoadBalancerTypeEnum};
use aws_sdk_elasticloadbalancingv2::Client as Elbv2;
use aws_sdk_s3::operation::create_bucket::CreateBucketOutput;
use aws_sdk_s3::operation::head_bucket::HeadBucketError;
use aws_sdk_s3::operation::put_bucket_encryption::PutBucketEncryptionOutput;
use aws_sdk_s3::operation::put_object::PutObjectOutput;
use aws_sdk_s3::operation::put_public_access_block::PutPublicAccessBlockOutput;
use aws_sdk_s3::types::ServerSideEncryption;
use aws_sdk_s3::Client as S3;
use aws_smithy_mocks::mock;
use aws_smithy_types::DateTime;
use ecs_deploy::progress::Recorder;
use ecs_deploy::up::{up, UpOptions, UpOutcome};
use ecs_deploy::Interrupts;
use ecs_deploy::{parameters, preconditions, Error};
use template_builder::{
    LoadBalancerType, ParameterInput, ParameterSource, Precondition, SecretValueSource,
};

fn network_mocks() -> Vec<aws_smithy_mocks::Rule> {
    vec![
        mock!(Ec2::describe_vpcs)
            .match_requests(|r| {
                r.filters()
                    .iter()
                    .any(|f| f.name() == Some("isDefault") && f.values() == ["true"])
            })
            .then_output(|| {
                DescribeVpcsOutput::builder()
                    .vpcs(Vpc::builder().vpc_id("vpc-default").build())
                    .build()
            }),
        mock!(Ec2::describe_subnets)
            .match_requests(|r| {
                r.filters()
                    .iter()
                    .any(|f| f.name() == Some("vpc-id") && f.values() == ["vpc-default"])
            })
            .then_output(|| {
                DescribeSubnetsOutput::builder()
                    .subnets(
                        Subnet::builder()
                            .subnet_id("subnet-pub1")
                            .map_public_ip_on_launch(true)
                            .build(),
                    )
                    .subnets(
                        Subnet::builder()
                            .subnet_id("subnet-priv1")
                            .map_public_ip_on_launch(false)
                            .build(),
                    )
                    .subnets(
                        Subnet::builder()
                            .subnet_id("subnet-pub2")
                            .map_public_ip_on_launch(false)
                            .build(),
                    )
                    .build()
            }),
        mock!(Ec2::describe_route_tables).then_output(|| {
            DescribeRouteTablesOutput::builder()
                .route_tables(
                    RouteTable::builder()
                        .associations(RouteTableAssociation::builder().main(true).build())
                        .routes(Route::builder().nat_gateway_id("nat-1").build())
                        .build(),
                )
                .route_tables(
                    RouteTable::builder()
                        .associations(
                            RouteTableAssociation::builder()
                                .subnet_id("subnet-pub2")
                                .build(),
                        )
                        .routes(Route::builder().gateway_id("igw-1").build())
                        .build(),
                )
                .build()
        }),
    ]
}

fn file_system(id: &str, project: &str, volume: &str, created: i64) -> FileSystemDescription {
    FileSystemDescription::builder()
        .owner_id("123456789012")
        .creation_token(id)
        .file_system_id(id)
        .creation_time(DateTime::from_secs(created))
        .life_cycle_state(LifeCycleState::Available)
        .number_of_mount_targets(0)
        .size_in_bytes(FileSystemSize::builder().value(0).build())
        .performance_mode(PerformanceMode::GeneralPurpose)
        .tags(
            aws_sdk_efs::types::Tag::builder()
                .key("com.docker.compose.project")
                .value(project)
                .build()
                .unwrap(),
        )
        .tags(
            aws_sdk_efs::types::Tag::builder()
                .key("com.docker.compose.volume")
                .value(volume)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

fn input(name: &str, source: ParameterSource) -> ParameterInput {
    ParameterInput {
        name: name.into(),
        source,
    }
}

#[tokio::test]
async fn parameters_default_vpc_subnets_and_retained_file_systems() {
    let mut mocks = Mocks {
        ec2: network_mocks(),
        ..Default::default()
    };
    mocks
        .efs
        .push(mock!(Efs::describe_file_systems).then_output(|| {
            DescribeFileSystemsOutput::builder()
                .file_systems(file_system("fs-new", "app", "data", 200))
                .file_systems(file_system("fs-other", "other", "data", 300))
                .build()
        }));
    let mut built = small_built();
    built.parameters = vec![
        input("VpcId", ParameterSource::VpcId),
        input("PublicSubnetIds", ParameterSource::PublicSubnetIds),
        input("PrivateSubnetIds", ParameterSource::PrivateSubnetIds),
        input("AssignPublicIp", ParameterSource::AssignPublicIp),
        input(
            "DataFileSystem",
            ParameterSource::RetainedFileSystem {
                volume: "data".into(),
            },
        ),
        input(
            "CacheFileSystem",
            ParameterSource::RetainedFileSystem {
                volume: "cache".into(),
            },
        ),
    ];
    let values = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap();
    let expected: Vec<(String, String)> = [
        ("VpcId", "vpc-default"),
        ("PublicSubnetIds", "subnet-pub1,subnet-pub2"),
        ("PrivateSubnetIds", "subnet-priv1"),
        ("AssignPublicIp", "DISABLED"),
        ("DataFileSystem", "fs-new"),
        ("CacheFileSystem", ""),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(values, expected);
}

/// A default VPC whose subnets all map public IPs: nothing private to put tasks in.
fn public_only_network_mocks() -> Vec<aws_smithy_mocks::Rule> {
    vec![
        mock!(Ec2::describe_vpcs).then_output(|| {
            DescribeVpcsOutput::builder()
                .vpcs(Vpc::builder().vpc_id("vpc-default").build())
                .build()
        }),
        mock!(Ec2::describe_subnets).then_output(|| {
            DescribeSubnetsOutput::builder()
                .subnets(
                    Subnet::builder()
                        .subnet_id("subnet-pub1")
                        .availability_zone("us-east-1a")
                        .map_public_ip_on_launch(true)
                        .build(),
                )
                .subnets(
                    Subnet::builder()
                        .subnet_id("subnet-pub2")
                        .availability_zone("us-east-1b")
                        .map_public_ip_on_launch(true)
                        .build(),
                )
                .build()
        }),
        mock!(Ec2::describe_route_tables)
            .then_output(|| DescribeRouteTablesOutput::builder().build()),
    ]
}

#[tokio::test]
async fn tasks_keep_public_ips_when_the_vpc_has_no_private_subnets() {
    let mocks = Mocks {
        ec2: public_only_network_mocks(),
        ..Default::default()
    };
    let mut built = small_built();
    built.parameters = vec![
        input("PrivateSubnetIds", ParameterSource::PrivateSubnetIds),
        input("AssignPublicIp", ParameterSource::AssignPublicIp),
    ];
    let values = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap();
    let expected: Vec<(String, String)> = [
        ("PrivateSubnetIds", "subnet-pub1,subnet-pub2"),
        ("AssignPublicIp", "ENABLED"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(values, expected);
}

#[tokio::test]
async fn file_system_the_stack_owns_is_not_passed_as_retained() {
    use aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesOutput;
    use aws_sdk_cloudformation::types::{ResourceStatus, StackResourceSummary};
    let mut mocks = Mocks::default();
    // A stack from before its template had the volume parameter.
    mocks.cf.push(stack_statuses(&["UPDATE_COMPLETE"]));
    mocks
        .cf
        .push(mock!(Cf::list_stack_resources).then_output(|| {
            ListStackResourcesOutput::builder()
                .stack_resource_summaries(
                    StackResourceSummary::builder()
                        .logical_resource_id("DataFileSystem")
                        .physical_resource_id("fs-owned")
                        .resource_type("AWS::EFS::FileSystem")
                        .resource_status(ResourceStatus::CreateComplete)
                        .build(),
                )
                .build()
        }));
    mocks
        .efs
        .push(mock!(Efs::describe_file_systems).then_output(|| {
            DescribeFileSystemsOutput::builder()
                .file_systems(file_system("fs-owned", "app", "data", 100))
                .build()
        }));
    let mut built = small_built();
    built.parameters = vec![input(
        "DataFileSystem",
        ParameterSource::RetainedFileSystem {
            volume: "data".into(),
        },
    )];
    let values = parameters::resolve(
        &mocks.clients(),
        "app",
        &built,
        Some(STACK_ID),
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(values, [("DataFileSystem".to_string(), String::new())]);
}

/// Volume `data` of project `app`, as the parameter `DataFileSystem`.
fn data_volume_built() -> template_builder::Built {
    let mut built = small_built();
    built.parameters = vec![input(
        "DataFileSystem",
        ParameterSource::RetainedFileSystem {
            volume: "data".into(),
        },
    )];
    built
}

/// The deployed stack, whose DataFileSystem parameter is `current` ("": the stack's own file
/// system), and what it owns: `owned` file systems.
fn stack_with_data_volume(
    current: &'static str,
    owned: &'static [&'static str],
) -> Vec<aws_smithy_mocks::Rule> {
    use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
    use aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesOutput;
    use aws_sdk_cloudformation::types::{Parameter, ResourceStatus, StackResourceSummary};
    vec![
        mock!(Cf::describe_stacks)
            .match_requests(|r| r.stack_name() == Some(STACK_ID))
            .then_output(move || {
                let mut deployed = stack(STACK_ID, "UPDATE_COMPLETE");
                deployed.parameters = Some(vec![Parameter::builder()
                    .parameter_key("DataFileSystem")
                    .parameter_value(current)
                    .build()]);
                DescribeStacksOutput::builder().stacks(deployed).build()
            }),
        mock!(Cf::list_stack_resources).then_output(move || {
            ListStackResourcesOutput::builder()
                .set_stack_resource_summaries(Some(
                    owned
                        .iter()
                        .map(|id| {
                            StackResourceSummary::builder()
                                .logical_resource_id("DataFileSystem")
                                .physical_resource_id(*id)
                                .resource_type("AWS::EFS::FileSystem")
                                .resource_status(ResourceStatus::CreateComplete)
                                .build()
                        })
                        .collect(),
                ))
                .build()
        }),
    ]
}

#[tokio::test]
async fn the_stacks_own_file_system_wins_over_a_retained_one() {
    let mut mocks = Mocks {
        cf: stack_with_data_volume("", &["fs-owned"]),
        ..Default::default()
    };
    mocks
        .efs
        .push(mock!(Efs::describe_file_systems).then_output(|| {
            DescribeFileSystemsOutput::builder()
                .file_systems(file_system("fs-owned", "app", "data", 100))
                .file_systems(file_system("fs-retained", "app", "data", 50))
                .build()
        }));
    let values = parameters::resolve(
        &mocks.clients(),
        "app",
        &data_volume_built(),
        Some(STACK_ID),
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(values, [("DataFileSystem".to_string(), String::new())]);
}

#[tokio::test]
async fn the_retained_file_system_the_stack_uses_stays_even_when_another_is_newer() {
    let mut mocks = Mocks {
        cf: stack_with_data_volume("fs-in-use", &[]),
        ..Default::default()
    };
    mocks
        .efs
        .push(mock!(Efs::describe_file_systems).then_output(|| {
            DescribeFileSystemsOutput::builder()
                .file_systems(file_system("fs-in-use", "app", "data", 100))
                .file_systems(file_system("fs-newer", "app", "data", 200))
                .build()
        }));
    let values = parameters::resolve(
        &mocks.clients(),
        "app",
        &data_volume_built(),
        Some(STACK_ID),
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        values,
        [("DataFileSystem".to_string(), "fs-in-use".to_string())]
    );
}

#[tokio::test]
async fn several_retained_file_systems_for_a_volume_are_listed_not_chosen() {
    let mut mocks = Mocks::default();
    mocks
        .efs
        .push(mock!(Efs::describe_file_systems).then_output(|| {
            DescribeFileSystemsOutput::builder()
                .file_systems(file_system("fs-old", "app", "data", 100))
                .file_systems(file_system("fs-new", "app", "data", 200))
                .build()
        }));
    let err = parameters::resolve(
        &mocks.clients(),
        "app",
        &data_volume_built(),
        None,
        &Default::default(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("volume \"data\"") && err.contains("fs-old") && err.contains("fs-new"),
        "{err}"
    );
}

/// A secret's NoEcho parameter carries the secret itself: the content of its file, or the value
/// of its environment variable, never the variable's name.
#[tokio::test]
async fn secret_parameters_carry_the_file_content_and_the_variable_value() {
    let dir = tempdir();
    let path = dir.join("db_password.txt");
    std::fs::write(&path, "from-the-file").unwrap();
    let variable = format!("ECS_DEPLOY_TEST_API_TOKEN_{}", std::process::id());
    std::env::set_var(&variable, "from-the-environment");
    let mut built = small_built();
    built.parameters = vec![
        input(
            "DbPasswordSecretValue",
            ParameterSource::SecretValue {
                secret: "db_password".into(),
                from: SecretValueSource::File(path),
            },
        ),
        input(
            "ApiTokenSecretValue",
            ParameterSource::SecretValue {
                secret: "api_token".into(),
                from: SecretValueSource::Environment(variable.clone()),
            },
        ),
    ];
    let values = parameters::resolve(
        &Mocks::default().clients(),
        "app",
        &built,
        None,
        &Default::default(),
    )
    .await
    .unwrap();
    std::env::remove_var(&variable);
    std::fs::remove_dir_all(dir).unwrap();
    assert_eq!(
        values,
        [
            (
                "DbPasswordSecretValue".to_string(),
                "from-the-file".to_string()
            ),
            (
                "ApiTokenSecretValue".to_string(),
                "from-the-environment".to_string()
            ),
        ]
    );
}

#[tokio::test]
async fn secret_too_large_for_a_parameter_stops_up_before_any_change() {
    let dir = tempdir();
    let path = dir.join("cert.pem");
    std::fs::write(&path, vec![b'x'; 5000]).unwrap();
    let mut built = small_built();
    built.parameters = vec![input(
        "TlsCertSecretValue",
        ParameterSource::SecretValue {
            secret: "tls_cert".into(),
            from: SecretValueSource::File(path.clone()),
        },
    )];
    let mocks = Mocks {
        cf: vec![missing_stack()],
        ..Default::default()
    };
    let err = up(
        &mocks.clients(),
        "app",
        &built,
        &UpOptions::default(),
        &mut Recorder::default(),
        &mut Interrupts::none(),
    )
    .await
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::Precondition(_)));
    assert!(
        message.contains("secret \"tls_cert\"")
            && message.contains("5000 bytes")
            && message.contains("4096"),
        "{message}"
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ecs-deploy-account-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn load_balancer_of_the_wrong_type_and_missing_cluster_are_both_reported() {
    let mocks = Mocks {
        elbv2: vec![mock!(Elbv2::describe_load_balancers)
            .match_requests(|r| r.names() == ["shared-lb"])
            .then_output(|| {
                DescribeLoadBalancersOutput::builder()
                    .load_balancers(
                        LoadBalancer::builder()
                            .load_balancer_name("shared-lb")
                            .r#type(LoadBalancerTypeEnum::Network)
                            .build(),
                    )
                    .build()
            })],
        ecs: vec![mock!(Ecs::describe_clusters).then_output(|| {
            DescribeClustersOutput::builder()
                .failures(Failure::builder().arn("prod").reason("MISSING").build())
                .build()
        })],
        ..Default::default()
    };
    let checks = [
        Precondition::LoadBalancer {
            name_or_arn: "shared-lb".into(),
            expected: LoadBalancerType::Application,
        },
        Precondition::ClusterExists {
            name: "prod".into(),
        },
    ];
    let message = preconditions::check(&mocks.clients(), &checks)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("x-aws-loadbalancer: \"shared-lb\" is a network load balancer"),
        "{message}"
    );
    assert!(
        message.contains("need an application load balancer"),
        "{message}"
    );
    assert!(
        message.contains("x-aws-cluster: ECS cluster \"prod\" does not exist"),
        "{message}"
    );
}

#[tokio::test]
async fn matching_load_balancer_passes() {
    let mocks = Mocks {
        elbv2: vec![mock!(Elbv2::describe_load_balancers)
            .match_requests(|r| r.load_balancer_arns().len() == 1)
            .then_output(|| {
                DescribeLoadBalancersOutput::builder()
                    .load_balancers(
                        LoadBalancer::builder()
                            .r#type(LoadBalancerTypeEnum::Application)
                            .build(),
                    )
                    .build()
            })],
        ..Default::default()
    };
    let checks = [Precondition::LoadBalancer {
        name_or_arn: "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/shared/1".into(),
        expected: LoadBalancerType::Application,
    }];
    preconditions::check(&mocks.clients(), &checks)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_vpc_range_is_read_from_the_vpc() {
    let mut ec2 = network_mocks();
    ec2.push(
        mock!(Ec2::describe_vpcs)
            .match_requests(|r| r.vpc_ids() == ["vpc-default"])
            .then_output(|| {
                DescribeVpcsOutput::builder()
                    .vpcs(
                        Vpc::builder()
                            .vpc_id("vpc-default")
                            .cidr_block("172.31.0.0/16")
                            .build(),
                    )
                    .build()
            }),
    );
    let mocks = Mocks {
        ec2,
        ..Default::default()
    };
    let mut built = small_built();
    built.parameters = vec![
        input("VpcId", ParameterSource::VpcId),
        input("VpcCidr", ParameterSource::VpcCidr),
    ];
    let values = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap();
    assert_eq!(
        values,
        [
            ("VpcId".to_string(), "vpc-default".to_string()),
            ("VpcCidr".to_string(), "172.31.0.0/16".to_string())
        ]
    );
}

#[tokio::test]
async fn a_load_balancer_named_in_the_compose_file_is_deployed_by_its_arn() {
    const ARN: &str = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/shared-lb/1";
    let mocks = Mocks {
        elbv2: vec![mock!(Elbv2::describe_load_balancers)
            .match_requests(|r| r.names() == ["shared-lb"])
            .then_output(|| {
                DescribeLoadBalancersOutput::builder()
                    .load_balancers(LoadBalancer::builder().load_balancer_arn(ARN).build())
                    .build()
            })],
        ..Default::default()
    };
    let mut built = small_built();
    built.parameters = vec![input(
        "ExistingLoadBalancerArn",
        ParameterSource::LoadBalancerArn {
            name: "shared-lb".into(),
        },
    )];
    let values = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap();
    assert_eq!(
        values,
        vec![("ExistingLoadBalancerArn".to_string(), ARN.to_string())]
    );

    // Gone by the time up runs: said as such, not as an AWS error.
    let mocks = Mocks {
        elbv2: vec![mock!(Elbv2::describe_load_balancers).then_error(|| {
            aws_sdk_elasticloadbalancingv2::operation::describe_load_balancers::DescribeLoadBalancersError::LoadBalancerNotFoundException(
                aws_sdk_elasticloadbalancingv2::types::error::LoadBalancerNotFoundException::builder().build(),
            )
        })],
        ..Default::default()
    };
    let message = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(
            "x-aws-loadbalancer: load balancer \"shared-lb\" does not exist in region us-east-1"
        ),
        "{message}"
    );
}

/// `resolve` for a project mounting the external file system fs-ext, with the network of
/// [`network_mocks`] (one task subnet, subnet-priv1, in us-east-1a, 10.0.1.0/24), the mount targets
/// given and a security group sg-nfs on each whose inbound rule is `rule`.
async fn external_file_system(
    targets: Vec<aws_sdk_efs::types::MountTargetDescription>,
    rule: aws_sdk_ec2::types::IpPermission,
) -> Result<Vec<(String, String)>, Error> {
    use aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput;
    use aws_sdk_efs::operation::describe_mount_target_security_groups::DescribeMountTargetSecurityGroupsOutput;
    use aws_sdk_efs::operation::describe_mount_targets::DescribeMountTargetsOutput;
    let mut ec2 = network_mocks();
    ec2.push(
        mock!(Ec2::describe_subnets)
            .match_requests(|r| r.subnet_ids() == ["subnet-priv1"])
            .then_output(|| {
                DescribeSubnetsOutput::builder()
                    .subnets(
                        Subnet::builder()
                            .subnet_id("subnet-priv1")
                            .availability_zone("us-east-1a")
                            .cidr_block("10.0.1.0/24")
                            .build(),
                    )
                    .build()
            }),
    );
    ec2.push(
        mock!(Ec2::describe_security_groups)
            .match_requests(|r| r.group_ids() == ["sg-nfs"])
            .then_output(move || {
                DescribeSecurityGroupsOutput::builder()
                    .security_groups(
                        aws_sdk_ec2::types::SecurityGroup::builder()
                            .group_id("sg-nfs")
                            .ip_permissions(rule.clone())
                            .build(),
                    )
                    .build()
            }),
    );
    let mocks = Mocks {
        ec2,
        efs: vec![
            mock!(Efs::describe_mount_targets)
                .match_requests(|r| r.file_system_id() == Some("fs-ext"))
                .then_output(move || {
                    DescribeMountTargetsOutput::builder()
                        .set_mount_targets(Some(targets.clone()))
                        .build()
                }),
            mock!(Efs::describe_mount_target_security_groups).then_output(|| {
                DescribeMountTargetSecurityGroupsOutput::builder()
                    .security_groups("sg-nfs")
                    .build()
                    .unwrap()
            }),
        ],
        ..Default::default()
    };
    let mut built = small_built();
    built.parameters = vec![
        input("VpcId", ParameterSource::VpcId),
        input("PrivateSubnetIds", ParameterSource::PrivateSubnetIds),
    ];
    built.preconditions = vec![Precondition::FileSystemExists {
        id: "fs-ext".into(),
    }];
    parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default()).await
}

fn mount_target(vpc: &str, zone: &str) -> aws_sdk_efs::types::MountTargetDescription {
    aws_sdk_efs::types::MountTargetDescription::builder()
        .mount_target_id(format!("fsmt-{zone}"))
        .file_system_id("fs-ext")
        .subnet_id("subnet-x")
        .life_cycle_state(LifeCycleState::Available)
        .vpc_id(vpc)
        .availability_zone_name(zone)
        .build()
        .unwrap()
}

fn nfs_from(cidr: &str) -> aws_sdk_ec2::types::IpPermission {
    aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(2049)
        .to_port(2049)
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip(cidr).build())
        .build()
}

#[tokio::test]
async fn an_external_file_system_the_tasks_can_reach_passes() {
    let values = external_file_system(
        vec![mount_target("vpc-default", "us-east-1a")],
        nfs_from("10.0.0.0/16"),
    )
    .await
    .unwrap();
    assert_eq!(values[0], ("VpcId".to_string(), "vpc-default".to_string()));
}

#[tokio::test]
async fn an_external_file_system_the_tasks_cannot_reach_is_said_exactly() {
    let message = external_file_system(Vec::new(), nfs_from("10.0.0.0/16"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("EFS file system fs-ext has no mount target in the tasks' VPC vpc-default: create one in each availability zone of the task subnets (subnet-priv1)"),
        "{message}"
    );

    let message = external_file_system(
        vec![mount_target("vpc-other", "us-east-1a")],
        nfs_from("10.0.0.0/16"),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        message.contains("(its mount targets are in vpc-other)"),
        "{message}"
    );

    let message = external_file_system(
        vec![mount_target("vpc-default", "us-east-1b")],
        nfs_from("10.0.0.0/16"),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        message.contains("fs-ext has no mount target in us-east-1a (task subnet subnet-priv1)"),
        "{message}"
    );

    // NFS admitted from elsewhere only.
    let message = external_file_system(
        vec![mount_target("vpc-default", "us-east-1a")],
        nfs_from("10.0.2.0/24"),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        message.contains("security groups (sg-nfs) do not admit NFS (TCP 2049) from the task subnets subnet-priv1 (10.0.1.0/24)"),
        "{message}"
    );
}

const ISSUED: &str = "arn:aws:acm:us-east-1:123456789012:certificate/issued";
const PENDING: &str = "arn:aws:acm:us-east-1:123456789012:certificate/pending";
const UNKNOWN: &str = "arn:aws:acm:us-east-1:123456789012:certificate/unknown";
const ELSEWHERE: &str = "arn:aws:acm:eu-west-1:123456789012:certificate/elsewhere";

fn certificate_in(status: CertificateStatus) -> DescribeCertificateOutput {
    DescribeCertificateOutput::builder()
        .certificate(CertificateDetail::builder().status(status).build())
        .build()
}

#[tokio::test]
async fn certificates_must_exist_in_the_region_and_be_issued() {
    let mocks = Mocks {
        acm: vec![
            mock!(Acm::describe_certificate)
                .match_requests(|r| r.certificate_arn() == Some(ISSUED))
                .then_output(|| certificate_in(CertificateStatus::Issued)),
            mock!(Acm::describe_certificate)
                .match_requests(|r| r.certificate_arn() == Some(PENDING))
                .then_output(|| certificate_in(CertificateStatus::PendingValidation)),
            mock!(Acm::describe_certificate)
                .match_requests(|r| r.certificate_arn() == Some(UNKNOWN))
                .then_error(|| {
                    DescribeCertificateError::generic(error(
                        "ResourceNotFoundException",
                        "Could not find certificate",
                    ))
                }),
        ],
        ..Default::default()
    };
    let check = |arns: &[&str]| {
        arns.iter()
            .map(|arn| Precondition::CertificateIssued {
                arn: arn.to_string(),
            })
            .collect::<Vec<_>>()
    };
    preconditions::check(&mocks.clients(), &check(&[ISSUED]))
        .await
        .unwrap();
    let message = preconditions::check(&mocks.clients(), &check(&[PENDING, UNKNOWN, ELSEWHERE]))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&format!(
            "x-aws-certificate: ACM certificate {PENDING} is PENDING_VALIDATION, not ISSUED: finish its DNS or email validation"
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "x-aws-certificate: ACM certificate {UNKNOWN} does not exist in region us-east-1"
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "x-aws-certificate: certificate {ELSEWHERE} is in region eu-west-1, but the app is deployed to us-east-1"
        )),
        "{message}"
    );
}

#[tokio::test]
async fn an_unusable_certificate_stops_up_before_any_change_set() {
    let change_set = mock!(Cf::create_change_set).then_error(|| {
        CreateChangeSetError::generic(error("ValidationError", "must not be called"))
    });
    let mocks = Mocks {
        cf: vec![missing_stack(), change_set.clone()],
        acm: vec![mock!(Acm::describe_certificate)
            .then_output(|| certificate_in(CertificateStatus::Expired))],
        ..Default::default()
    };
    let mut built = small_built();
    built.preconditions = vec![Precondition::CertificateIssued { arn: ISSUED.into() }];
    let err = up(
        &mocks.clients(),
        "app",
        &built,
        &UpOptions::default(),
        &mut Recorder::default(),
        &mut Interrupts::none(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Precondition(_)), "{err}");
    assert!(err.to_string().contains("is EXPIRED, not ISSUED"), "{err}");
    assert_eq!(change_set.num_calls(), 0);
}

#[tokio::test]
async fn large_template_goes_through_a_private_encrypted_bucket() {
    let bucket = TEMPLATE_BUCKET;
    let built = large_built();
    let keys = Arc::new(Mutex::new(Vec::new()));
    let uploaded = keys.clone();
    let put_object = mock!(S3::put_object)
        .match_requests(move |r| {
            let matches = r.bucket() == Some(bucket)
                && r.key()
                    .is_some_and(|k| k.starts_with("app/") && k.ends_with(".json"))
                && r.expected_bucket_owner() == Some(ACCOUNT)
                && r.server_side_encryption() == Some(&ServerSideEncryption::Aes256);
            if let (true, Some(key), Ok(mut keys)) = (matches, r.key(), uploaded.lock()) {
                keys.push(key.to_string());
            }
            matches
        })
        .then_output(|| PutObjectOutput::builder().build());
    // Nothing will read the upload once CloudFormation found nothing to change.
    let delete_object = template_deleted(keys.clone());
    let public_access = mock!(S3::put_public_access_block)
        .match_requests(|r| {
            r.public_access_block_configuration().is_some_and(|c| {
                c.block_public_acls() == Some(true)
                    && c.ignore_public_acls() == Some(true)
                    && c.block_public_policy() == Some(true)
                    && c.restrict_public_buckets() == Some(true)
            })
        })
        .then_output(|| PutPublicAccessBlockOutput::builder().build());
    let encryption = mock!(S3::put_bucket_encryption)
        .match_requests(|r| {
            r.server_side_encryption_configuration().is_some_and(|c| {
                c.rules().iter().any(|rule| {
                    rule.apply_server_side_encryption_by_default()
                        .is_some_and(|d| d.sse_algorithm() == &ServerSideEncryption::Aes256)
                })
            })
        })
        .then_output(|| PutBucketEncryptionOutput::builder().build());
    let lifecycle = mock!(S3::put_bucket_lifecycle_configuration)
        .match_requests(|r| {
            r.lifecycle_configuration().is_some_and(|c| {
                c.rules().iter().any(|rule| rule.expiration().and_then(|e| e.days()) == Some(7))
            })
        })
        .then_output(|| {
            aws_sdk_s3::operation::put_bucket_lifecycle_configuration::PutBucketLifecycleConfigurationOutput::builder().build()
        });
    let create_bucket = mock!(S3::create_bucket)
        .match_requests(move |r| {
            r.bucket() == Some(bucket) && r.create_bucket_configuration().is_none()
        })
        .then_output(|| CreateBucketOutput::builder().build());
    let change_set = mock!(Cf::create_change_set)
        .match_requests(reads_uploaded_template)
        .then_error(no_updates);
    let mocks = Mocks {
        cf: vec![existing_stack("UPDATE_COMPLETE"), change_set.clone()],
        sts: vec![caller_account()],
        s3: vec![
            mock!(S3::head_bucket).then_error(|| {
                HeadBucketError::NotFound(aws_sdk_s3::types::error::NotFound::builder().build())
            }),
            create_bucket.clone(),
            public_access.clone(),
            encryption.clone(),
            put_object.clone(),
            lifecycle.clone(),
            delete_object.clone(),
        ],
        ..Default::default()
    };
    let options = UpOptions {
        poll_interval: Duration::from_millis(5),
        ..UpOptions::default()
    };
    let outcome = up(
        &mocks.clients(),
        "app",
        &built,
        &options,
        &mut Recorder::default(),
        &mut Interrupts::none(),
    )
    .await
    .unwrap();
    assert_eq!(outcome, UpOutcome::NoChanges);
    for (name, rule) in [
        ("create bucket", &create_bucket),
        ("public access block", &public_access),
        ("encryption", &encryption),
        ("upload", &put_object),
        ("template expiry", &lifecycle),
        ("change set", &change_set),
        ("upload removed", &delete_object),
    ] {
        assert_eq!(rule.num_calls(), 1, "{name}");
    }
}

/// `up` of an existing stack whose template asks for `inputs`, in the account `ec2` describes:
/// asserts that CreateChangeSet got the `expected` parameter values (and was called once), and
/// returns the first thing `up` said: where it deploys.
async fn deploy_summary(
    ec2: Vec<aws_smithy_mocks::Rule>,
    inputs: &[(&str, ParameterSource)],
    expected: &'static [(&'static str, &'static str)],
    verbose: bool,
) -> ecs_deploy::progress::ProgressEvent {
    let change_set = mock!(Cf::create_change_set)
        .match_requests(move |r| {
            expected.iter().all(|(key, wanted)| {
                r.parameters()
                    .iter()
                    .find(|p| p.parameter_key() == Some(key))
                    .and_then(|p| p.parameter_value())
                    == Some(wanted)
            })
        })
        .then_error(no_updates);
    let mocks = Mocks {
        cf: vec![existing_stack("UPDATE_COMPLETE"), change_set.clone()],
        ec2,
        ..Default::default()
    };
    let mut built = small_built();
    built.parameters = inputs
        .iter()
        .map(|(name, source)| input(name, source.clone()))
        .collect();
    let mut progress = Recorder::default();
    let outcome = up(
        &mocks.clients(),
        "app",
        &built,
        &UpOptions {
            verbose,
            ..UpOptions::default()
        },
        &mut progress,
        &mut Interrupts::none(),
    )
    .await
    .unwrap();
    assert_eq!(outcome, UpOutcome::NoChanges);
    assert_eq!(
        change_set.num_calls(),
        1,
        "CreateChangeSet with {expected:?}"
    );
    progress.events[0].clone()
}

/// What `up` says of the network of [`network_mocks`], with or without `-v`.
async fn network_said(verbose: bool) -> ecs_deploy::progress::ProgressEvent {
    deploy_summary(
        network_mocks(),
        &[
            ("VpcId", ParameterSource::VpcId),
            ("PublicSubnetIds", ParameterSource::PublicSubnetIds),
            ("PrivateSubnetIds", ParameterSource::PrivateSubnetIds),
            ("AssignPublicIp", ParameterSource::AssignPublicIp),
        ],
        &[
            ("VpcId", "vpc-default"),
            ("PublicSubnetIds", "subnet-pub1,subnet-pub2"),
            ("PrivateSubnetIds", "subnet-priv1"),
            ("AssignPublicIp", "DISABLED"),
        ],
        verbose,
    )
    .await
}

#[tokio::test]
async fn up_passes_the_resolved_network_and_says_where_it_deploys_in_one_short_line() {
    assert_eq!(
        network_said(false).await,
        ecs_deploy::progress::ProgressEvent::Info(
            "Network: load balancer in 2 public subnets, tasks in 1 private subnet without public IPs \
             (-v for ids)"
                .into()
        )
    );
}

#[tokio::test]
async fn up_verbose_names_the_vpc_and_subnets() {
    assert_eq!(
        network_said(true).await,
        ecs_deploy::progress::ProgressEvent::Info(
            "Network: VPC vpc-default, load balancer in public subnets subnet-pub1, subnet-pub2, tasks in \
             private subnets subnet-priv1 without public IPs"
                .into()
        )
    );
}

/// A default VPC where DescribeSubnets answers with these (id, zone) pairs.
fn explicit_subnet_mocks(
    found: &'static [(&'static str, &'static str)],
) -> Vec<aws_smithy_mocks::Rule> {
    vec![
        mock!(Ec2::describe_vpcs).then_output(|| {
            DescribeVpcsOutput::builder()
                .vpcs(Vpc::builder().vpc_id("vpc-default").build())
                .build()
        }),
        mock!(Ec2::describe_subnets)
            .match_requests(|r| {
                r.filters()
                    .iter()
                    .any(|f| f.name() == Some("vpc-id") && f.values() == ["vpc-default"])
                    && r.filters().iter().any(|f| f.name() == Some("subnet-id"))
            })
            .then_output(move || {
                let mut out = DescribeSubnetsOutput::builder();
                for (id, zone) in found {
                    out = out.subnets(
                        Subnet::builder()
                            .subnet_id(*id)
                            .availability_zone(*zone)
                            .build(),
                    );
                }
                out.build()
            }),
    ]
}

fn explicit_subnets_built(public: &[&str], private: &[&str]) -> template_builder::Built {
    let mut built = small_built();
    built.parameters = vec![
        input("PublicSubnetIds", ParameterSource::PublicSubnetIds),
        input("PrivateSubnetIds", ParameterSource::PrivateSubnetIds),
        input("AssignPublicIp", ParameterSource::AssignPublicIp),
    ];
    built.preconditions.push(Precondition::Subnets {
        public: public.iter().map(|s| s.to_string()).collect(),
        private: private.iter().map(|s| s.to_string()).collect(),
    });
    built
}

#[tokio::test]
async fn x_aws_subnets_replace_detection() {
    let mocks = Mocks {
        ec2: explicit_subnet_mocks(&[
            ("subnet-0a", "us-east-1a"),
            ("subnet-0b", "us-east-1b"),
            ("subnet-1a", "us-east-1a"),
        ]),
        ..Default::default()
    };
    let built = explicit_subnets_built(&["subnet-0a", "subnet-0b"], &["subnet-1a"]);
    let values = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap();
    let expected: Vec<(String, String)> = [
        ("PublicSubnetIds", "subnet-0a,subnet-0b"),
        ("PrivateSubnetIds", "subnet-1a"),
        ("AssignPublicIp", "DISABLED"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(values, expected);
}

#[tokio::test]
async fn x_aws_subnets_missing_from_the_vpc_are_named() {
    let mocks = Mocks {
        ec2: explicit_subnet_mocks(&[("subnet-0a", "us-east-1a")]),
        ..Default::default()
    };
    let built = explicit_subnets_built(&["subnet-0a"], &["subnet-1a"]);
    let err = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x-aws-subnets: subnet-1a not found in VPC vpc-default"),
        "{err}"
    );
}

#[tokio::test]
async fn x_aws_subnets_in_one_zone_twice_are_refused() {
    let mocks = Mocks {
        ec2: explicit_subnet_mocks(&[("subnet-0a", "us-east-1a"), ("subnet-0c", "us-east-1a")]),
        ..Default::default()
    };
    let built = explicit_subnets_built(&["subnet-0a", "subnet-0c"], &[]);
    let err = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("subnet-0a and subnet-0c are both in availability zone us-east-1a"),
        "{err}"
    );
    let mocks = Mocks {
        ec2: explicit_subnet_mocks(&[
            ("subnet-0a", "us-east-1a"),
            ("subnet-1a", "us-east-1a"),
            ("subnet-1b", "us-east-1a"),
        ]),
        ..Default::default()
    };
    let built = explicit_subnets_built(&["subnet-0a"], &["subnet-1a", "subnet-1b"]);
    let err = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "x-aws-subnets.private: subnet-1a and subnet-1b are both in availability zone"
        ),
        "{err}"
    );
}

/// The default VPC vpc-private, whose one subnet neither maps public IPs nor routes to an internet
/// gateway.
fn private_only_vpc_mocks() -> Vec<aws_smithy_mocks::Rule> {
    vec![
        mock!(Ec2::describe_vpcs).then_output(|| {
            DescribeVpcsOutput::builder()
                .vpcs(Vpc::builder().vpc_id("vpc-private").build())
                .build()
        }),
        mock!(Ec2::describe_subnets).then_output(|| {
            DescribeSubnetsOutput::builder()
                .subnets(
                    Subnet::builder()
                        .subnet_id("subnet-priv1")
                        .map_public_ip_on_launch(false)
                        .build(),
                )
                .build()
        }),
        mock!(Ec2::describe_route_tables)
            .then_output(|| DescribeRouteTablesOutput::builder().build()),
    ]
}

#[tokio::test]
async fn without_public_subnets_the_load_balancer_is_internal_unless_the_scheme_is_fixed() {
    // The compose file leaves the scheme open: the template asks for LoadBalancerScheme.
    let inputs = [
        ("VpcId", ParameterSource::VpcId),
        ("PublicSubnetIds", ParameterSource::PublicSubnetIds),
        ("PrivateSubnetIds", ParameterSource::PrivateSubnetIds),
        ("LoadBalancerScheme", ParameterSource::LoadBalancerScheme),
    ];
    let said = deploy_summary(
        private_only_vpc_mocks(),
        &inputs,
        &[
            ("LoadBalancerScheme", "internal"),
            // Unused by an internal load balancer, but CloudFormation needs a subnet list.
            ("PublicSubnetIds", "subnet-priv1"),
            ("PrivateSubnetIds", "subnet-priv1"),
        ],
        false,
    )
    .await;
    assert_eq!(
        said,
        ecs_deploy::progress::ProgressEvent::Info(
            "Network: internal load balancer, reachable from inside the VPC only (the VPC has no public \
             subnet; x-aws-loadbalancer_scheme chooses), tasks in 1 subnet (-v for ids)"
                .into()
        )
    );
    let mut built = small_built();
    built.parameters = inputs
        .iter()
        .map(|(name, source)| input(name, source.clone()))
        .collect();

    // With public subnets the same template gets an internet-facing one.
    let mocks = Mocks {
        ec2: network_mocks(),
        ..Default::default()
    };
    let values = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap();
    assert!(values.contains(&("LoadBalancerScheme".into(), "internet-facing".into())));
    assert!(values.contains(&("PublicSubnetIds".into(), "subnet-pub1,subnet-pub2".into())));

    // x-aws-subnets without public ones: internal too.
    let mocks = Mocks {
        ec2: explicit_subnet_mocks(&[("subnet-1a", "us-east-1a")]),
        ..Default::default()
    };
    let mut built = explicit_subnets_built(&[], &["subnet-1a"]);
    built.parameters.push(input(
        "LoadBalancerScheme",
        ParameterSource::LoadBalancerScheme,
    ));
    let values = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap();
    assert!(values.contains(&("LoadBalancerScheme".into(), "internal".into())));
    assert!(values.contains(&("AssignPublicIp".into(), "DISABLED".into())));
}

#[tokio::test]
async fn internet_facing_load_balancer_without_public_subnets_stops_before_deploying() {
    let change_set = mock!(Cf::create_change_set).then_error(|| {
        CreateChangeSetError::generic(error("ValidationError", "must not be called"))
    });
    let mocks = Mocks {
        cf: vec![existing_stack("UPDATE_COMPLETE"), change_set.clone()],
        ec2: private_only_vpc_mocks(),
        ..Default::default()
    };
    let mut built = small_built();
    built.parameters = vec![
        input("VpcId", ParameterSource::VpcId),
        input("PublicSubnetIds", ParameterSource::PublicSubnetIds),
        input("PrivateSubnetIds", ParameterSource::PrivateSubnetIds),
    ];
    let err = up(
        &mocks.clients(),
        "app",
        &built,
        &UpOptions::default(),
        &mut Recorder::default(),
        &mut Interrupts::none(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("VPC vpc-private has no public subnet"),
        "{err}"
    );
    assert!(err.contains("x-aws-loadbalancer_scheme: internal"), "{err}");
    assert!(err.contains("x-aws-subnets"), "{err}");
    assert_eq!(change_set.num_calls(), 0);
}

#[tokio::test]
async fn x_aws_subnets_without_public_ones_for_an_internet_facing_load_balancer_is_refused() {
    let mocks = Mocks {
        ec2: explicit_subnet_mocks(&[("subnet-1a", "us-east-1a")]),
        ..Default::default()
    };
    let built = explicit_subnets_built(&[], &["subnet-1a"]);
    let err = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x-aws-subnets lists no public subnets"),
        "{err}"
    );
    assert!(err.contains("x-aws-loadbalancer_scheme: internal"), "{err}");
}

#[tokio::test]
async fn a_volume_back_after_an_update_dropped_it_reuses_its_retained_file_system() {
    // The stack's parameter is still empty, but the stack no longer owns a file system for the
    // volume: the one the update left behind is the volume's.
    let mut mocks = Mocks {
        cf: stack_with_data_volume("", &[]),
        ..Default::default()
    };
    mocks
        .efs
        .push(mock!(Efs::describe_file_systems).then_output(|| {
            DescribeFileSystemsOutput::builder()
                .file_systems(file_system("fs-dropped", "app", "data", 100))
                .build()
        }));
    let values = parameters::resolve(
        &mocks.clients(),
        "app",
        &data_volume_built(),
        Some(STACK_ID),
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        values,
        [("DataFileSystem".to_string(), "fs-dropped".to_string())]
    );
}
