//! Random Compose projects for property tests and for linting templates of projects nobody wrote by
//! hand. `valid_project` makes projects a user could deploy (unique published ports, Fargate sizes that
//! exist, an acyclic depends_on, declared networks/volumes/secrets); `wild_project` makes anything the
//! model can hold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use compose_model::{
    DependsOn, DependsOnCondition, Deploy, DeviceCount, DeviceRequest, Duration, FileReference,
    Healthcheck, Logging, Network, Port, Project, ResourceSpec, Secret, Service, ServiceNetwork,
    ServiceVolume, Ulimit, Volume, VolumeType,
};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::json;

const SERVICE_NAMES: [&str; 8] = [
    "web",
    "api",
    "db",
    "redis",
    "worker",
    "my-app",
    "cache_2",
    "db.primary",
];
const NETWORK_NAMES: [&str; 3] = ["default", "front-end", "back_end"];
const VOLUME_NAMES: [&str; 3] = ["data", "logs", "shared-files"];

/// Valid Fargate (vCPU, GiB) pairs, a few per size class.
const FARGATE_SIZES: [(f64, u64); 10] = [
    (0.25, 1),
    (0.25, 2),
    (0.5, 4),
    (1.0, 2),
    (1.0, 8),
    (2.0, 16),
    (4.0, 30),
    (8.0, 60),
    (16.0, 120),
    (0.75, 3),
];

const LOG_RETENTIONS: [i64; 5] = [1, 7, 14, 30, 365];
const HTTP_PORTS: [u16; 2] = [80, 443];
const OTHER_PORTS: [u16; 6] = [53, 1883, 3000, 5432, 8080, 9000];
const CERTIFICATE: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";

#[derive(Debug, Clone)]
struct PortRecipe {
    published: u16,
    target: u16,
    omit_published: bool,
    udp: bool,
    declared: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct ServiceRecipe {
    ports: Vec<PortRecipe>,
    networks: Vec<&'static str>,
    volumes: Vec<(&'static str, bool)>,
    file_secret: bool,
    external_secret: Option<Vec<&'static str>>,
    depends_on: Vec<(usize, DependsOnCondition)>,
    size: Option<(Option<f64>, Option<u64>, bool)>,
    gpus: Option<u32>,
    replicas: Option<u32>,
    healthcheck: bool,
    policies: bool,
    role: bool,
    autoscaling: Option<(u32, u32, bool)>,
    percents: Option<(u32, u32)>,
    pull_credentials: bool,
    /// Healthcheck with timings, init, SYS_PTRACE, ulimits, stop grace period, user, working dir,
    /// read-only root, labels, environment and awslogs options.
    container_options: bool,
}

#[derive(Debug, Clone)]
struct ProjectRecipe {
    name: &'static str,
    services: Vec<(&'static str, ServiceRecipe)>,
    logs_retention: Option<i64>,
    existing_cluster: bool,
    external_network: bool,
    external_volume: bool,
    overlay: bool,
}

fn port_recipe() -> impl Strategy<Value = PortRecipe> {
    (
        prop_oneof![select(HTTP_PORTS.to_vec()), select(OTHER_PORTS.to_vec())],
        prop::option::of(select(vec![80u16, 3000, 8080])),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.1),
        prop_oneof![4 => Just(None), 1 => Just(Some("http")), 1 => Just(Some("https"))],
    )
        .prop_map(
            |(published, target, omit_published, udp, declared)| PortRecipe {
                published,
                target: target.unwrap_or(published),
                omit_published,
                udp,
                declared,
            },
        )
}

fn service_recipe(valid: bool) -> impl Strategy<Value = ServiceRecipe> {
    let size = if valid {
        prop_oneof![
            Just(None),
            (select(FARGATE_SIZES.to_vec()), any::<bool>()).prop_map(
                |((cpus, gib), reservation)| Some((Some(cpus), Some(gib << 30), reservation))
            ),
        ]
        .boxed()
    } else {
        prop::option::of((
            prop::option::of(0.0f64..40.0),
            prop::option::of(0u64..(200u64 << 30)),
            any::<bool>(),
        ))
        .boxed()
    };
    let conditions = select(vec![
        DependsOnCondition::ServiceStarted,
        DependsOnCondition::ServiceHealthy,
        DependsOnCondition::ServiceCompletedSuccessfully,
    ]);
    (
        (
            prop::collection::vec(port_recipe(), 0..3),
            subsequence(NETWORK_NAMES.to_vec(), 0..=3),
            prop::collection::vec((select(VOLUME_NAMES.to_vec()), any::<bool>()), 0..3),
            prop::bool::weighted(0.3),
            prop::option::weighted(0.2, subsequence(vec!["*", "username", "password"], 1..=2)),
            prop::collection::vec((0usize..8, conditions), 0..3),
            size,
        ),
        (
            prop::option::weighted(0.15, 1u32..4),
            prop::option::of(0u32..5),
            any::<bool>(),
            prop::bool::weighted(0.3),
            prop::bool::weighted(0.3),
            prop::option::weighted(0.3, (1u32..3, 3u32..10, any::<bool>())),
            // ECS wants minimum <= 100 <= maximum with minimum < maximum.
            prop::option::weighted(0.3, (0u32..=100, 101u32..=200)),
            prop::bool::weighted(0.2),
        ),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(
                (ports, networks, volumes, file_secret, external_secret, depends_on, size),
                (
                    gpus,
                    replicas,
                    healthcheck,
                    policies,
                    role,
                    autoscaling,
                    percents,
                    pull_credentials,
                ),
                container_options,
            )| ServiceRecipe {
                ports,
                networks,
                volumes,
                file_secret,
                external_secret,
                depends_on,
                size,
                gpus,
                replicas,
                healthcheck,
                policies,
                role,
                autoscaling,
                percents,
                pull_credentials,
                container_options,
            },
        )
}

fn project_recipe(valid: bool) -> impl Strategy<Value = ProjectRecipe> {
    (
        select(vec!["app", "my-project", "shop_2"]),
        prop::collection::vec(
            (select(SERVICE_NAMES.to_vec()), service_recipe(valid)),
            1..5,
        ),
        prop::option::of(select(LOG_RETENTIONS.to_vec())),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(
                name,
                services,
                logs_retention,
                existing_cluster,
                external_network,
                external_volume,
                overlay,
            )| {
                ProjectRecipe {
                    name,
                    services,
                    logs_retention,
                    existing_cluster,
                    external_network,
                    external_volume,
                    overlay,
                }
            },
        )
}

pub fn valid_project() -> impl Strategy<Value = Project> {
    project_recipe(true).prop_map(|recipe| make_project(&recipe, true))
}

pub fn wild_project() -> impl Strategy<Value = Project> {
    project_recipe(false).prop_map(|recipe| make_project(&recipe, false))
}

/// Turn a recipe into the `Project` the loader would produce. With `valid`, the recipe is corrected
/// where compose or ECS would reject it (duplicate names and published ports, cycles, HTTPS without a
/// certificate, more GPUs than one instance holds); without it, it is kept as generated.
fn make_project(recipe: &ProjectRecipe, valid: bool) -> Project {
    let mut project = Project {
        name: recipe.name.to_string(),
        working_dir: PathBuf::from("/nonexistent/project"),
        ..Default::default()
    };
    let mut taken_ports = BTreeSet::new();
    let mut order: Vec<&str> = Vec::new();
    for (name, service_recipe) in &recipe.services {
        if valid && order.contains(name) {
            continue;
        }
        order.push(name);
        let service = make_service(name, service_recipe, &order, valid, &mut taken_ports);
        project.services.insert(name.to_string(), service);
    }

    if valid && !all_ports_http(&project) {
        // One load balancer serves the project: a non-HTTP port makes it a Network Load Balancer,
        // and HTTPS there is refused, so the valid project keeps those ports plain.
        for port in project
            .services
            .values_mut()
            .flat_map(|s| s.ports.iter_mut())
        {
            if port.extensions.get("x-aws-protocol") == Some(&json!("https")) {
                port.extensions.remove("x-aws-protocol");
                port.extensions.remove("x-aws-certificate");
            }
        }
    }

    for service in project.services.values() {
        for network in service.networks.keys() {
            let external = recipe.external_network && network == "back_end";
            project
                .networks
                .entry(network.clone())
                .or_insert_with(|| Network {
                    name: external.then(|| "sg-0123456789abcdef0".to_string()),
                    external,
                    ..Default::default()
                });
        }
        for volume in service.volumes.iter().filter_map(|v| v.source.clone()) {
            let external = recipe.external_volume && volume == "logs";
            project.volumes.entry(volume).or_insert_with(|| Volume {
                name: external.then(|| "fs-0123456789abcdef0".to_string()),
                external,
                ..Default::default()
            });
        }
        for secret in &service.secrets {
            let external = secret.source == "vault";
            let mut definition = Secret {
                external,
                ..Default::default()
            };
            if external {
                definition.name = Some(
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:vault-AbCdEf".into(),
                );
                definition
                    .extensions
                    .insert("x-aws-keys".into(), json!(secret.extensions.get("keys")));
            } else {
                definition.file = Some(PathBuf::from("/nonexistent/project/token.txt"));
            }
            project
                .secrets
                .entry(secret.source.clone())
                .or_insert(definition);
        }
    }
    // x-aws-keys travels on the top-level secret; the service reference keeps none.
    for service in project.services.values_mut() {
        for secret in &mut service.secrets {
            secret.extensions.clear();
        }
    }

    if let Some(days) = recipe.logs_retention {
        project
            .extensions
            .insert("x-aws-logs_retention".into(), json!(days));
    }
    if recipe.existing_cluster {
        project
            .extensions
            .insert("x-aws-cluster".into(), json!("existing-cluster"));
    }
    if recipe.overlay {
        project.extensions.insert(
            "x-aws-cloudformation".into(),
            json!({
                "Resources": {
                    "ExtraTopic": { "Type": "AWS::SNS::Topic", "Properties": { "TopicName": { "Fn::Sub": "${AWS::StackName}-alerts" } } },
                    "LogGroup": { "Properties": { "RetentionInDays": 60 } }
                },
                "Outputs": { "Topic": { "Value": { "Ref": "ExtraTopic" } } }
            }),
        );
    }
    project.all_profiles = Vec::new();
    project
}

/// Whether every published port would be served by an Application Load Balancer: tcp, and declared
/// http or https, or published on 80 or 443 without a declaration.
fn all_ports_http(project: &Project) -> bool {
    project
        .services
        .values()
        .flat_map(|s| &s.ports)
        .all(|port| {
            let published = port
                .published
                .as_deref()
                .and_then(|p| p.parse().ok())
                .unwrap_or(port.target);
            port.protocol == "tcp"
                && match port
                    .extensions
                    .get("x-aws-protocol")
                    .and_then(|p| p.as_str())
                {
                    Some(declared) => declared == "http" || declared == "https",
                    None => matches!(published, 80 | 443),
                }
        })
}

fn make_service(
    name: &str,
    recipe: &ServiceRecipe,
    order: &[&str],
    valid: bool,
    taken_ports: &mut BTreeSet<u16>,
) -> Service {
    let mut service = Service {
        name: name.to_string(),
        image: Some(format!(
            "public.ecr.aws/docker/library/{}:1",
            name.replace(['.', '_'], "-")
        )),
        ..Default::default()
    };

    for port in &recipe.ports {
        // Without `published`, the load balancer listens on the container port.
        let listens_on = if port.omit_published {
            port.target
        } else {
            port.published
        };
        if valid && !taken_ports.insert(listens_on) {
            continue;
        }
        let mut p = Port {
            target: port.target,
            published: (!port.omit_published).then(|| port.published.to_string()),
            protocol: if port.udp { "udp" } else { "tcp" }.into(),
            mode: "ingress".into(),
            ..Default::default()
        };
        let declared = if valid && port.udp {
            None
        } else {
            port.declared
        };
        if let Some(protocol) = declared {
            p.extensions
                .insert("x-aws-protocol".into(), json!(protocol));
            if protocol == "https" && (valid || port.published % 2 == 0) {
                p.extensions
                    .insert("x-aws-certificate".into(), json!(CERTIFICATE));
            }
        }
        service.ports.push(p);
    }

    let networks: Vec<&str> = if recipe.networks.is_empty() {
        vec!["default"]
    } else {
        recipe.networks.clone()
    };
    for network in networks {
        service
            .networks
            .insert(network.into(), ServiceNetwork::default());
    }

    let mut mounted = BTreeSet::new();
    for (i, (volume, read_only)) in recipe.volumes.iter().enumerate() {
        if valid && !mounted.insert(*volume) {
            continue;
        }
        service.volumes.push(ServiceVolume {
            kind: VolumeType::Volume,
            source: Some(volume.to_string()),
            target: format!("/mnt/{volume}{i}"),
            read_only: *read_only,
            volume: None,
            tmpfs: None,
            other: BTreeMap::new(),
        });
    }

    if recipe.file_secret {
        service.secrets.push(FileReference {
            source: "token".into(),
            target: "token".into(),
            ..Default::default()
        });
    }
    if let Some(keys) = &recipe.external_secret {
        let mut reference = FileReference {
            source: "vault".into(),
            target: "vault".into(),
            ..Default::default()
        };
        // Carried to the top-level secret by make_project.
        reference.extensions.insert("keys".into(), json!(keys));
        service.secrets.push(reference);
    }

    for (index, condition) in &recipe.depends_on {
        let target = if valid {
            // Only services defined before this one: no cycles, no self-dependency.
            match order.len().checked_sub(1).filter(|n| *n > 0) {
                Some(n) => order[index % n],
                None => continue,
            }
        } else {
            SERVICE_NAMES[index % SERVICE_NAMES.len()]
        };
        service.depends_on.insert(
            target.to_string(),
            DependsOn {
                condition: *condition,
                restart: false,
                required: true,
                ..Default::default()
            },
        );
    }

    let mut deploy = Deploy {
        replicas: recipe.replicas,
        ..Default::default()
    };
    if let Some((cpus, memory, as_reservation)) = recipe.size {
        let spec = ResourceSpec {
            cpus,
            memory,
            ..Default::default()
        };
        if as_reservation {
            deploy.resources.reservations = Some(spec);
        } else {
            deploy.resources.limits = Some(spec);
        }
    }
    if let Some(gpus) = recipe.gpus {
        let reservations = deploy
            .resources
            .reservations
            .get_or_insert_with(ResourceSpec::default);
        reservations.devices.push(DeviceRequest {
            capabilities: vec!["gpu".into()],
            driver: Some("nvidia".into()),
            count: Some(DeviceCount::Count(gpus)),
            ..Default::default()
        });
    }
    if deploy != Deploy::default() {
        service.deploy = Some(deploy);
    }

    if recipe.healthcheck {
        service.healthcheck = Some(Healthcheck {
            test: vec!["CMD-SHELL".into(), "true".into()],
            ..Default::default()
        });
    }
    if recipe.policies {
        service.extensions.insert(
            "x-aws-policies".into(),
            json!(["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]),
        );
    }
    if recipe.role {
        service.extensions.insert(
            "x-aws-role".into(),
            json!({
                "Version": "2012-10-17",
                "Statement": [{ "Effect": "Allow", "Action": ["sqs:ReceiveMessage"], "Resource": "*" }]
            }),
        );
    }
    if let Some((min, max, on_cpu)) = recipe.autoscaling {
        let metric = if on_cpu { "cpu" } else { "memory" };
        service.extensions.insert(
            "x-aws-autoscaling".into(),
            json!({ "min": min, "max": max, metric: 70 }),
        );
    }
    if let Some((min, max)) = recipe.percents {
        service
            .extensions
            .insert("x-aws-min_percent".into(), json!(min));
        service
            .extensions
            .insert("x-aws-max_percent".into(), json!(max));
    }
    if recipe.container_options {
        set_container_options(&mut service);
    }
    if recipe.pull_credentials {
        service.extensions.insert(
            "x-aws-pull_credentials".into(),
            json!("arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-AbCdEf"),
        );
    }
    service
}

/// `count` valid projects, the same ones on every run (a fixed seed).
pub fn fixed_valid_projects(count: usize) -> Vec<Project> {
    fixed_projects(valid_project(), count)
}

/// `count` wild projects (many of which `build` refuses), the same ones on every run.
pub fn fixed_wild_projects(count: usize) -> Vec<Project> {
    fixed_projects(wild_project(), count)
}

fn fixed_projects(strategy: impl Strategy<Value = Project>, count: usize) -> Vec<Project> {
    let mut runner = TestRunner::deterministic();
    (0..count)
        .filter_map(|_| {
            strategy
                .new_tree(&mut runner)
                .ok()
                .map(|tree| tree.current())
        })
        .collect()
}

fn set_container_options(service: &mut Service) {
    service.healthcheck = Some(Healthcheck {
        test: vec![
            "CMD".into(),
            "wget".into(),
            "-q".into(),
            "-O-".into(),
            "http://localhost/".into(),
        ],
        interval: Some(Duration::from_secs(15)),
        timeout: Some(Duration::from_secs(3)),
        retries: Some(4),
        start_period: Some(Duration::from_secs(30)),
        ..Default::default()
    });
    service.init = Some(true);
    service.cap_add = vec!["SYS_PTRACE".into()];
    service.cap_drop = vec!["NET_RAW".into()];
    service.ulimits.insert(
        "nofile".into(),
        Ulimit {
            soft: 4096,
            hard: 8192,
        },
    );
    service.stop_grace_period = Some(Duration::from_secs(40));
    service.user = Some("1000:1000".into());
    service.working_dir = Some("/srv".into());
    service.read_only = Some(true);
    service.entrypoint = Some(vec!["/bin/sh".into(), "-c".into()]);
    service.command = Some(vec!["exec httpd -f -p 80".into()]);
    service
        .labels
        .insert("com.example.team".into(), "yes".into());
    service.environment.insert("MODE".into(), Some("on".into()));
    service
        .environment
        .insert("EMPTY".into(), Some(String::new()));
    service.logging = Some(Logging {
        driver: Some("awslogs".into()),
        options: [(
            "awslogs-datetime-format".to_string(),
            "%Y-%m-%d".to_string(),
        )]
        .into(),
        ..Default::default()
    });
}
