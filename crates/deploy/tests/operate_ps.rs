//! `ps` against mocked AWS: stack resources and tasks over several pages, ports from listeners,
//! an existing cluster named by the service ARN, a missing stack.

use aws_sdk_cloudformation::operation::describe_stacks::{
    DescribeStacksError, DescribeStacksOutput,
};
use aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesOutput;
use aws_sdk_cloudformation::types::{ResourceStatus, Stack, StackResourceSummary, StackStatus};
use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
use aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput;
use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
use aws_sdk_ecs::operation::list_tasks::ListTasksOutput;
use aws_sdk_ecs::types::{
    ContainerDefinition, HealthStatus, LoadBalancer, Service, Tag as EcsTag, Task, TaskDefinition,
};
use aws_sdk_elasticloadbalancingv2::operation::describe_listeners::DescribeListenersOutput;
use aws_sdk_elasticloadbalancingv2::operation::describe_load_balancers::DescribeLoadBalancersOutput;
use aws_sdk_elasticloadbalancingv2::operation::describe_target_groups::DescribeTargetGroupsOutput;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, Listener, LoadBalancer as Lb, ProtocolEnum,
    TargetGroup, TargetGroupTuple,
};
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use ecs_deploy::{metrics, ports, ps, stack_info, Error};

const ACCOUNT: &str = "arn:aws:ecs:us-east-1:123456789012";
const TG_WEB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1";
const LB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/demo/1";

fn stack_found() -> Rule {
    mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name() == Some("demo"))
        .then_output(|| {
            DescribeStacksOutput::builder()
                .stacks(
                    Stack::builder()
                        .stack_name("demo")
                        .stack_status(StackStatus::CreateComplete)
                        .set_tags(Some(crate::support::stack_tags("demo")))
                        .build(),
                )
                .build()
        })
}

fn resource(kind: &str, physical_id: &str) -> StackResourceSummary {
    StackResourceSummary::builder()
        .resource_type(kind)
        .logical_resource_id(kind.rsplit(':').next().unwrap_or(kind))
        .physical_resource_id(physical_id)
        .resource_status(ResourceStatus::CreateComplete)
        .build()
}

fn service(ecs_name: &str, cluster: &str, tag: &str, desired: i32, running: i32) -> Service {
    let mut builder = Service::builder()
        .service_name(ecs_name)
        .service_arn(format!("{ACCOUNT}:service/{cluster}/{ecs_name}"))
        .status("ACTIVE")
        .desired_count(desired)
        .running_count(running)
        .pending_count(desired - running)
        .tags(
            EcsTag::builder()
                .key("com.docker.compose.service")
                .value(tag)
                .build(),
        );
    if tag == "web" {
        builder = builder.load_balancers(
            LoadBalancer::builder()
                .target_group_arn(TG_WEB)
                .container_name("web")
                .container_port(80)
                .build(),
        );
    }
    builder.build()
}

fn task(cluster: &str, id: &str, group: &str, status: &str, health: Option<HealthStatus>) -> Task {
    task_builder(cluster, id, group, status, health).build()
}

fn task_builder(
    cluster: &str,
    id: &str,
    group: &str,
    status: &str,
    health: Option<HealthStatus>,
) -> aws_sdk_ecs::types::builders::TaskBuilder {
    Task::builder()
        .task_arn(format!("{ACCOUNT}:task/{cluster}/{id}"))
        .group(group)
        .last_status(status)
        .desired_status("RUNNING")
        .set_health_status(health)
}

/// The ELBv2 side: one target group behind two listeners, listed over two pages.
fn elbv2_rules() -> Vec<Rule> {
    vec![
        mock!(aws_sdk_elasticloadbalancingv2::Client::describe_target_groups)
            .match_requests(|r| r.target_group_arns() == [TG_WEB.to_string()])
            .then_output(|| {
                DescribeTargetGroupsOutput::builder()
                    .target_groups(
                        TargetGroup::builder()
                            .target_group_arn(TG_WEB)
                            .port(80)
                            .protocol(ProtocolEnum::Tcp)
                            .load_balancer_arns(LB)
                            .build(),
                    )
                    .build()
            }),
        mock!(aws_sdk_elasticloadbalancingv2::Client::describe_load_balancers).then_output(|| {
            DescribeLoadBalancersOutput::builder()
                .load_balancers(
                    Lb::builder()
                        .load_balancer_arn(LB)
                        .dns_name("demo-lb-1.elb.us-east-1.amazonaws.com")
                        .build(),
                )
                .build()
        }),
        mock!(aws_sdk_elasticloadbalancingv2::Client::describe_listeners)
            .match_requests(|r| r.load_balancer_arn() == Some(LB) && r.marker().is_none())
            .then_output(|| {
                DescribeListenersOutput::builder()
                    .listeners(
                        Listener::builder()
                            .port(8080)
                            .protocol(ProtocolEnum::Tls)
                            .default_actions(
                                Action::builder()
                                    .r#type(ActionTypeEnum::Forward)
                                    .forward_config(
                                        ForwardActionConfig::builder()
                                            .target_groups(
                                                TargetGroupTuple::builder()
                                                    .target_group_arn(TG_WEB)
                                                    .build(),
                                            )
                                            .build(),
                                    )
                                    .build(),
                            )
                            .build(),
                    )
                    .next_marker("page-2")
                    .build()
            }),
        mock!(aws_sdk_elasticloadbalancingv2::Client::describe_listeners)
            .match_requests(|r| r.marker() == Some("page-2"))
            .then_output(|| {
                DescribeListenersOutput::builder()
                    .listeners(
                        Listener::builder()
                            .port(80)
                            .default_actions(
                                Action::builder()
                                    .r#type(ActionTypeEnum::Forward)
                                    .target_group_arn(TG_WEB)
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            }),
    ]
}

#[tokio::test]
async fn tasks_over_several_pages_with_published_ports() {
    let resources_page_1 = mock!(aws_sdk_cloudformation::Client::list_stack_resources)
        .match_requests(|r| r.stack_name() == Some("demo") && r.next_token().is_none())
        .then_output(|| {
            ListStackResourcesOutput::builder()
                .stack_resource_summaries(resource("AWS::ECS::Cluster", "demo-Cluster-X"))
                .stack_resource_summaries(resource("AWS::Logs::LogGroup", "/docker-compose/demo"))
                .next_token("resources-2")
                .build()
        });
    let resources_page_2 = mock!(aws_sdk_cloudformation::Client::list_stack_resources)
        .match_requests(|r| r.next_token() == Some("resources-2"))
        .then_output(|| {
            ListStackResourcesOutput::builder()
                .stack_resource_summaries(resource(
                    "AWS::ECS::Service",
                    &format!("{ACCOUNT}:service/demo-Cluster-X/web"),
                ))
                // The old ARN form does not name the cluster: the stack's cluster is used.
                .stack_resource_summaries(resource(
                    "AWS::ECS::Service",
                    &format!("{ACCOUNT}:service/demo-db-Svc"),
                ))
                .build()
        });
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [&stack_found(), &resources_page_1, &resources_page_2]
    );

    let describe_services = mock!(aws_sdk_ecs::Client::describe_services)
        .match_requests(|r| {
            r.cluster() == Some("demo-Cluster-X")
                && r.services().len() == 2
                && r.include().iter().any(|f| f.as_str() == "TAGS")
        })
        .then_output(|| {
            DescribeServicesOutput::builder()
                .services(service("web", "demo-Cluster-X", "web", 2, 1))
                .services(service("demo-db-Svc", "demo-Cluster-X", "db", 1, 0))
                .build()
        });
    let web_tasks_1 = mock!(aws_sdk_ecs::Client::list_tasks)
        .match_requests(|r| r.service_name() == Some("web") && r.next_token().is_none())
        .then_output(|| {
            ListTasksOutput::builder()
                .task_arns(format!("{ACCOUNT}:task/demo-Cluster-X/0123456789abcdef"))
                .next_token("tasks-2")
                .build()
        });
    let web_tasks_2 = mock!(aws_sdk_ecs::Client::list_tasks)
        .match_requests(|r| r.service_name() == Some("web") && r.next_token() == Some("tasks-2"))
        .then_output(|| {
            ListTasksOutput::builder()
                .task_arns(format!("{ACCOUNT}:task/demo-Cluster-X/fedcba9876543210"))
                .task_arns(format!("{ACCOUNT}:task/demo-Cluster-X/aaaaaaaa00000000"))
                .build()
        });
    let db_tasks = mock!(aws_sdk_ecs::Client::list_tasks)
        .match_requests(|r| r.service_name() == Some("demo-db-Svc"))
        .then_output(|| ListTasksOutput::builder().build());
    let describe_tasks = mock!(aws_sdk_ecs::Client::describe_tasks)
        .match_requests(|r| r.tasks().len() == 3)
        .then_output(|| {
            DescribeTasksOutput::builder()
                .tasks(task(
                    "demo-Cluster-X",
                    "fedcba9876543210",
                    "service:web",
                    "PENDING",
                    Some(HealthStatus::from("UNKNOWN")),
                ))
                .tasks(task(
                    "demo-Cluster-X",
                    "0123456789abcdef",
                    "service:web",
                    "RUNNING",
                    Some(HealthStatus::Healthy),
                ))
                // Started by hand in the same cluster: not the service's.
                .tasks(task(
                    "demo-Cluster-X",
                    "aaaaaaaa00000000",
                    "family:web",
                    "RUNNING",
                    None,
                ))
                .build()
        });
    let ecs = mock_client!(
        aws_sdk_ecs,
        RuleMode::MatchAny,
        [
            &describe_services,
            &web_tasks_1,
            &web_tasks_2,
            &db_tasks,
            &describe_tasks
        ]
    );
    let elbv2_rules = elbv2_rules();
    let elbv2 = mock_client!(
        aws_sdk_elasticloadbalancingv2,
        RuleMode::MatchAny,
        &elbv2_rules
    );

    let app = stack_info::load(&cf, &ecs, "demo", "us-east-1")
        .await
        .unwrap();
    assert_eq!(app.service_names(), ["db", "web"]);
    assert_eq!(app.services[0].ecs_name, "demo-db-Svc");
    assert_eq!(app.services[0].cluster, "demo-Cluster-X");
    let targets: Vec<_> = app
        .services
        .iter()
        .flat_map(|s| s.targets.clone())
        .collect();
    let port_map = ports::load(&elbv2, &targets).await.unwrap();
    let tasks = ps::tasks(&ecs, &app.services, &[], false).await.unwrap();
    assert_eq!(web_tasks_2.num_calls(), 1, "second page of tasks read");

    let rows = ps::task_rows(&app.services, &tasks, &port_map, false);
    let load_balancer = ps::named_load_balancer(&app.services, &port_map);
    assert_eq!(
        load_balancer.as_deref(),
        Some("demo-lb-1.elb.us-east-1.amazonaws.com")
    );
    assert_eq!(
        ps::render_header("demo", &app.stack_status, load_balancer.as_deref()),
        "Stack demo: CREATE_COMPLETE, load balancer demo-lb-1.elb.us-east-1.amazonaws.com\n"
    );
    assert_eq!(
        ps::render_tasks_table(&rows, load_balancer.as_deref()),
        "NAME    IMAGE   SERVICE   STATUS                  HEALTH    CPU %   MEM %   PORTS\n\
         db              db        no task (0/1 running)             -       -\n\
         web-1           web       running                 healthy   -       -       :80->80/tcp, :8080->80/tls\n\
         web-2           web       pending                           -       -       :80->80/tcp, :8080->80/tls\n"
    );
    assert_eq!(
        ps::render_task_ids(&rows),
        "0123456789abcdef\nfedcba9876543210\n"
    );
    assert_eq!(
        ecs_deploy::render_json(&rows[..2]),
        r#"[
  {
    "ID": "",
    "Name": "db",
    "Service": "db",
    "State": "",
    "Health": "",
    "Status": "no task (0/1 running)",
    "Ports": [],
    "TaskArn": "",
    "Image": "",
    "CPUPercent": null,
    "MemPercent": null
  },
  {
    "ID": "0123456789abcdef",
    "Name": "web-1",
    "Service": "web",
    "State": "running",
    "Health": "healthy",
    "Status": "running (healthy)",
    "Ports": [
      "demo-lb-1.elb.us-east-1.amazonaws.com:80 -> 80/tcp",
      "demo-lb-1.elb.us-east-1.amazonaws.com:8080 -> 80/tls"
    ],
    "TaskArn": "arn:aws:ecs:us-east-1:123456789012:task/demo-Cluster-X/0123456789abcdef",
    "Image": "",
    "CPUPercent": null,
    "MemPercent": null
  }
]
"#
    );
    // Without a load balancer named above the table, each port names its own.
    let services = ps::service_rows(&app.services, &port_map);
    assert_eq!(
        ps::render_services_table(&services, None),
        "SERVICE   IMAGE   STATUS   DESIRED   RUNNING   CPU %   MEM %   PORTS\n\
         db                active   1         0         -       -\n\
         web               active   2         1         -       -       demo-lb-1.elb.us-east-1.amazonaws.com:80->80/tcp, demo-lb-1.elb.us-east-1.amazonaws.com:8080->80/tls\n"
    );

    // --status pending keeps only the pending task.
    let pending = ps::tasks(&ecs, &app.services, &["pending".to_string()], false)
        .await
        .unwrap();
    let rows = ps::task_rows(&app.services, &pending, &port_map, true);
    assert_eq!(ps::render_task_ids(&rows), "fedcba9876543210\n");
    // Numbered among all the service's tasks, as without the filter.
    assert_eq!(rows[0].name, "web-2");
}

#[tokio::test]
async fn stopped_tasks_are_listed_with_all_or_when_asked() {
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &stack_found(),
            &mock!(aws_sdk_cloudformation::Client::list_stack_resources).then_output(|| {
                ListStackResourcesOutput::builder()
                    .stack_resource_summaries(resource(
                        "AWS::ECS::Service",
                        &format!("{ACCOUNT}:service/demo/web"),
                    ))
                    .build()
            })
        ]
    );
    let running = mock!(aws_sdk_ecs::Client::list_tasks)
        .match_requests(|r| r.desired_status().map(|s| s.as_str()) == Some("RUNNING"))
        .then_output(|| {
            ListTasksOutput::builder()
                .task_arns(format!("{ACCOUNT}:task/demo/9999999999999999"))
                .build()
        });
    let stopped = mock!(aws_sdk_ecs::Client::list_tasks)
        .match_requests(|r| r.desired_status().map(|s| s.as_str()) == Some("STOPPED"))
        .then_output(|| {
            ListTasksOutput::builder()
                .task_arns(format!("{ACCOUNT}:task/demo/5555555555555555"))
                .build()
        });
    // The running task names its own container's image; the stopped one only its task definition,
    // whose service container (not the init container listed first) gives the image.
    let describe_running = mock!(aws_sdk_ecs::Client::describe_tasks)
        .match_requests(|r| r.tasks().iter().all(|t| t.ends_with("9999999999999999")))
        .then_output(|| {
            DescribeTasksOutput::builder()
                .tasks(
                    task_builder("demo", "9999999999999999", "service:web", "RUNNING", None)
                        .created_at(aws_smithy_types::DateTime::from_secs(2_000))
                        .containers(
                            aws_sdk_ecs::types::Container::builder()
                                .name("web")
                                .image("nginx:1.28")
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
    let describe_both = mock!(aws_sdk_ecs::Client::describe_tasks)
        .match_requests(|r| r.tasks().len() == 2)
        .then_output(|| {
            DescribeTasksOutput::builder()
                .tasks(
                    task_builder("demo", "9999999999999999", "service:web", "RUNNING", None)
                        .created_at(aws_smithy_types::DateTime::from_secs(2_000))
                        .containers(
                            aws_sdk_ecs::types::Container::builder()
                                .name("web")
                                .image("nginx:1.28")
                                .build(),
                        )
                        .build(),
                )
                .tasks(
                    task_builder("demo", "5555555555555555", "service:web", "STOPPED", None)
                        .created_at(aws_smithy_types::DateTime::from_secs(1_000))
                        .task_definition_arn("web-td:1")
                        .stopped_reason("Scaling activity initiated by deployment")
                        .build(),
                )
                .build()
        });
    let task_definition = mock!(aws_sdk_ecs::Client::describe_task_definition)
        .match_requests(|r| r.task_definition() == Some("web-td:1"))
        .then_output(|| {
            DescribeTaskDefinitionOutput::builder()
                .task_definition(
                    TaskDefinition::builder()
                        .container_definitions(
                            ContainerDefinition::builder()
                                .name("web_Secrets_InitContainer")
                                .image("busybox")
                                .build(),
                        )
                        .container_definitions(
                            ContainerDefinition::builder()
                                .name("web")
                                .image("nginx:1.27")
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
    let ecs = mock_client!(
        aws_sdk_ecs,
        RuleMode::MatchAny,
        [
            &mock!(aws_sdk_ecs::Client::describe_services).then_output(|| {
                DescribeServicesOutput::builder()
                    .services(service("web", "demo", "web", 1, 1))
                    .build()
            }),
            &running,
            &stopped,
            &describe_running,
            &describe_both,
            &task_definition
        ]
    );
    let app = stack_info::load(&cf, &ecs, "demo", "us-east-1")
        .await
        .unwrap();
    let default = ps::tasks(&ecs, &app.services, &[], false).await.unwrap();
    assert_eq!(stopped.num_calls(), 0);
    let rows = ps::task_rows(&app.services, &default, &ports::PortMap::default(), false);
    assert_eq!(
        ps::render_tasks_table(&rows, None),
        "NAME    IMAGE        SERVICE   STATUS    HEALTH   CPU %   MEM %   PORTS\n\
         web-1   nginx:1.28   web       running            -       -\n"
    );
    assert_eq!(task_definition.num_calls(), 0);

    // -a: the stopped task too, numbered after the running one although ECS created it first.
    let all = ps::tasks(&ecs, &app.services, &[], true).await.unwrap();
    assert_eq!(stopped.num_calls(), 1);
    let rows = ps::task_rows(&app.services, &all, &ports::PortMap::default(), false);
    assert_eq!(
        ps::render_tasks_table(&rows, None),
        "NAME    IMAGE        SERVICE   STATUS                                               HEALTH   CPU %   MEM %   PORTS\n\
         web-1   nginx:1.28   web       running                                                       -       -\n\
         web-2   nginx:1.27   web       stopped (Scaling activity initiated by deployment)            -       -\n"
    );
    assert_eq!(task_definition.num_calls(), 1);

    let only_stopped = ps::tasks(&ecs, &app.services, &["stopped".to_string()], false)
        .await
        .unwrap();
    assert_eq!(stopped.num_calls(), 2);
    let rows = ps::task_rows(
        &app.services,
        &only_stopped,
        &ports::PortMap::default(),
        true,
    );
    assert_eq!(ps::render_task_ids(&rows), "5555555555555555\n");
    assert_eq!(rows[0].name, "web-2");
}

#[tokio::test]
async fn an_existing_cluster_is_taken_from_the_service_arn() {
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &stack_found(),
            &mock!(aws_sdk_cloudformation::Client::list_stack_resources).then_output(|| {
                ListStackResourcesOutput::builder()
                    .stack_resource_summaries(resource(
                        "AWS::ECS::Service",
                        &format!("{ACCOUNT}:service/shared-cluster/web"),
                    ))
                    .build()
            })
        ]
    );
    let describe = mock!(aws_sdk_ecs::Client::describe_services)
        .match_requests(|r| r.cluster() == Some("shared-cluster"))
        .then_output(|| {
            DescribeServicesOutput::builder()
                .services(service("web", "shared-cluster", "web", 1, 1))
                .build()
        });
    let ecs = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, [&describe]);
    let app = stack_info::load(&cf, &ecs, "demo", "us-east-1")
        .await
        .unwrap();
    assert_eq!(describe.num_calls(), 1);
    assert_eq!(app.services.len(), 1);
    assert_eq!(app.services[0].cluster, "shared-cluster");
}

#[tokio::test]
async fn a_missing_stack_says_so() {
    let missing = mock!(aws_sdk_cloudformation::Client::describe_stacks).then_error(|| {
        DescribeStacksError::generic(
            ErrorMetadata::builder()
                .code("ValidationError")
                .message("Stack with id demo does not exist")
                .build(),
        )
    });
    let cf = mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, [&missing]);
    let ecs = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, Vec::<&Rule>::new());
    let err = stack_info::load(&cf, &ecs, "demo", "eu-west-3")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoStack { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "no application named \"demo\" is deployed in eu-west-3 (no CloudFormation stack \"demo\"): run `docker ecs up` first, or check --project-name and --region"
    );

    // Any other failure keeps AWS's words.
    let denied = mock!(aws_sdk_cloudformation::Client::describe_stacks).then_error(|| {
        DescribeStacksError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("User is not authorized to perform cloudformation:DescribeStacks")
                .build(),
        )
    });
    let cf = mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, [&denied]);
    let err = stack_info::load(&cf, &ecs, "demo", "eu-west-3")
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("reading stack demo: "), "{err}");
}

/// An error of a call the SDK has no model for (AccessDenied on ListStackResources) reads as AWS
/// wrote it, "Code: message", not as the SDK's debug dump of its metadata.
#[tokio::test]
async fn an_aws_error_reads_as_code_and_message() {
    use aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesError;
    let denied = mock!(aws_sdk_cloudformation::Client::list_stack_resources).then_error(|| {
        ListStackResourcesError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("User is not authorized to perform cloudformation:ListStackResources")
                .build(),
        )
    });
    let found = stack_found();
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [&found, &denied]
    );
    let ecs = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, Vec::<&Rule>::new());
    let err = stack_info::load(&cf, &ecs, "demo", "us-east-1")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "listing the resources of stack demo: AccessDenied: User is not authorized to perform \
         cloudformation:ListStackResources"
    );
}

/// A stack of that name that this tool did not deploy is not an application to list: say so rather
/// than print an empty table.
#[tokio::test]
async fn a_stack_not_deployed_by_docker_ecs_is_refused() {
    let foreign = mock!(aws_sdk_cloudformation::Client::describe_stacks).then_output(|| {
        DescribeStacksOutput::builder()
            .stacks(
                Stack::builder()
                    .stack_name("demo")
                    .stack_status(StackStatus::CreateComplete)
                    .build(),
            )
            .build()
    });
    let cf = mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, [&foreign]);
    let ecs = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, Vec::<&Rule>::new());
    let err = stack_info::load(&cf, &ecs, "demo", "us-east-1")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "stack demo was not deployed by docker ecs (it has no com.docker.compose.project tag): \
         it is not an application of this tool; check --project-name"
    );
}

/// A service of the stack as `stack_info` reads it.
fn app_service(name: &str, ecs_name: &str, cluster: &str) -> stack_info::AppService {
    stack_info::AppService {
        name: name.into(),
        ecs_name: ecs_name.into(),
        arn: format!("{ACCOUNT}:service/{cluster}/{ecs_name}"),
        cluster: cluster.into(),
        status: "active".into(),
        desired: 1,
        running: 1,
        pending: 0,
        targets: vec![],
        task_definition: None,
        image: None,
    }
}

/// Half a minute past a minute: the metrics window ends at the end of that minute.
const NOW: i64 = 1_796_470_830;

fn datapoints(id: &str, points: &[(i64, f64)]) -> aws_sdk_cloudwatch::types::MetricDataResult {
    aws_sdk_cloudwatch::types::MetricDataResult::builder()
        .id(id)
        .set_timestamps(Some(
            points
                .iter()
                .map(|(at, _)| aws_smithy_types::DateTime::from_secs(*at))
                .collect(),
        ))
        .set_values(Some(points.iter().map(|(_, v)| *v).collect()))
        .build()
}

/// Every service's CPU and memory in one GetMetricData call (its pages read to the end): the
/// AWS/ECS metrics of each service by cluster and ECS name, the newest datapoint of the last ten
/// minutes; a service without datapoints has no values.
#[tokio::test]
async fn cpu_and_memory_of_every_service_in_one_call() {
    use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
    let services = [
        app_service("db", "demo-db-Svc", "demo-Cluster-X"),
        app_service("web", "web", "demo-Cluster-X"),
    ];
    let asks_for_both = |r: &aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataInput| {
        let asked: Vec<(String, String, String)> = r
            .metric_data_queries()
            .iter()
            .map(|q| {
                let metric = q.metric_stat().and_then(|s| s.metric()).unwrap();
                let service = metric
                    .dimensions()
                    .iter()
                    .find(|d| d.name() == Some("ServiceName"))
                    .and_then(|d| d.value())
                    .unwrap_or_default();
                (
                    q.id().unwrap_or_default().to_string(),
                    metric.metric_name().unwrap_or_default().to_string(),
                    service.to_string(),
                )
            })
            .collect();
        let expected = [
            ("cpu_0", "CPUUtilization", "demo-db-Svc"),
            ("mem_0", "MemoryUtilization", "demo-db-Svc"),
            ("cpu_1", "CPUUtilization", "web"),
            ("mem_1", "MemoryUtilization", "web"),
        ];
        asked
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .eq(expected)
            && r.start_time() == Some(&aws_smithy_types::DateTime::from_secs(NOW - 30 + 60 - 600))
            && r.end_time() == Some(&aws_smithy_types::DateTime::from_secs(NOW - 30 + 60))
    };
    let page_1 = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .match_requests(move |r| asks_for_both(r) && r.next_token().is_none())
        .then_output(|| {
            GetMetricDataOutput::builder()
                .metric_data_results(datapoints(
                    "cpu_1",
                    &[(NOW - 90, 12.346), (NOW - 150, 80.0)],
                ))
                .metric_data_results(datapoints("mem_1", &[(NOW - 150, 50.0)]))
                .metric_data_results(datapoints("cpu_0", &[]))
                .next_token("page-2")
                .build()
        });
    // The rest of a query's datapoints can come on the next page: the newest one wins.
    let page_2 = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .match_requests(|r| r.next_token() == Some("page-2"))
        .then_output(|| {
            GetMetricDataOutput::builder()
                .metric_data_results(datapoints("mem_1", &[(NOW - 90, 40.5)]))
                .metric_data_results(datapoints("mem_0", &[]))
                .build()
        });
    let cloudwatch = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&page_1, &page_2]);
    let loaded = metrics::load_at(&cloudwatch, &services, NOW).await;
    assert_eq!(loaded.warning, None);
    assert_eq!((page_1.num_calls(), page_2.num_calls()), (1, 1));
    assert_eq!(
        loaded.usage.of("web"),
        metrics::Usage {
            cpu: Some(12.346),
            memory: Some(40.5)
        }
    );
    assert_eq!(loaded.usage.of("db"), metrics::Usage::default());

    // On the rows: the running task gets the service's values, rounded as the table shows them.
    let mut tasks = vec![ps::TaskInfo {
        service: "web".into(),
        arn: format!("{ACCOUNT}:task/demo-Cluster-X/0123456789abcdef"),
        state: "running".into(),
        health: None,
        stopped_reason: None,
        stopping: false,
        created_ms: None,
        image: Some("nginx:1.27".into()),
        number: 0,
    }];
    ps::number_replicas(&mut tasks);
    let mut rows = ps::task_rows(&services, &tasks, &ports::PortMap::default(), false);
    ps::add_task_usage(&mut rows, &loaded.usage);
    assert_eq!(
        ps::render_tasks_table(&rows, None),
        "NAME    IMAGE        SERVICE   STATUS                  HEALTH   CPU %    MEM %    PORTS\n\
         db                   db        no task (1/1 running)            -        -\n\
         web-1   nginx:1.27   web       running                          12.35%   40.50%\n"
    );
    assert_eq!(
        (rows[1].cpu_percent, rows[1].mem_percent),
        (Some(12.35), Some(40.5))
    );
}

/// A user whose policy predates `ps`'s metrics: AccessDenied on GetMetricData leaves the values
/// out with one warning that names the permission; nothing fails.
#[tokio::test]
async fn denied_metrics_are_a_warning_naming_the_permission() {
    use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataError;
    let denied = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_error(|| {
        GetMetricDataError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message(
                    "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: \
                     cloudwatch:GetMetricData because no identity-based policy allows the \
                     cloudwatch:GetMetricData action",
                )
                .build(),
        )
    });
    let cloudwatch = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&denied]);
    let services = [app_service("web", "web", "demo")];
    let loaded = metrics::load_at(&cloudwatch, &services, NOW).await;
    assert_eq!(denied.num_calls(), 1);
    assert_eq!(loaded.usage, metrics::ServiceUsage::default());
    assert_eq!(
        loaded.warning.as_deref(),
        Some(
            "CPU % and MEM % are not shown: these credentials may not call cloudwatch:GetMetricData \
             (AccessDenied: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: \
             cloudwatch:GetMetricData because no identity-based policy allows the \
             cloudwatch:GetMetricData action); add it to your docker-ecs policy (docs/iam-policy.json)"
        )
    );

    // Any other failure is a warning too, with AWS's words.
    let invalid = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_error(|| {
        GetMetricDataError::generic(
            ErrorMetadata::builder()
                .code("InvalidParameterValue")
                .message("try again")
                .build(),
        )
    });
    let cloudwatch = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&invalid]);
    let loaded = metrics::load_at(&cloudwatch, &services, NOW).await;
    assert_eq!(loaded.usage, metrics::ServiceUsage::default());
    assert_eq!(
        loaded.warning.as_deref(),
        Some(
            "CPU % and MEM % are not shown: reading the services' CPU and memory use: \
             InvalidParameterValue: try again"
        )
    );
}
