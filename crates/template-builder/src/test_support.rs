//! Builders shared by the unit tests: a service, a port, a project around them, readers of the
//! built template, and the sample projects whole-template tests start from. The samples are also
//! written as Compose under tests/samples/, so that tests/cfn_lint.rs lints their templates.

use std::collections::BTreeMap;

use compose_model::{
    DependsOn, DependsOnCondition, Deploy, DeviceCount, DeviceRequest, Duration, FileReference,
    Healthcheck, LoadOptions, Network, Port, Project, ResourceSpec, Resources, Secret, Service,
    ServiceNetwork, ServiceVolume, Ulimit, Volume, VolumeType,
};
use serde_json::{json, Value};

use crate::{build, to_yaml, Built};

pub fn service(image: &str) -> Service {
    let mut s = Service {
        image: Some(image.into()),
        ..Default::default()
    };
    s.networks
        .insert("default".into(), ServiceNetwork::default());
    s
}

pub fn port(target: u16, published: Option<u16>) -> Port {
    Port {
        target,
        published: published.map(|p| p.to_string()),
        protocol: "tcp".into(),
        mode: "ingress".into(),
        ..Default::default()
    }
}

pub fn project(services: Vec<(&str, Service)>) -> Project {
    let mut p = Project {
        name: "demo".into(),
        ..Default::default()
    };
    for (name, mut s) in services {
        s.name = name.into();
        p.services.insert(name.into(), s);
    }
    p.networks.insert("default".into(), Network::default());
    p
}

pub fn resources(built: &Built) -> &serde_json::Map<String, Value> {
    built.template["Resources"].as_object().expect("Resources")
}

/// The ports the load balancer's security group opens (each rule's `FromPort`), in order.
pub fn load_balancer_open_ports(built: &Built) -> Vec<Value> {
    built.template["Resources"]["LoadBalancerSecurityGroup"]["Properties"]["SecurityGroupIngress"]
        .as_array()
        .expect("ingress rules")
        .iter()
        .map(|rule| rule["FromPort"].clone())
        .collect()
}

pub fn kinds(built: &Built) -> BTreeMap<String, String> {
    resources(built)
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v["Type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn main_container(built: &Built, service: &str) -> Value {
    let id = format!("{}TaskDefinition", crate::naming::pascal(service));
    let containers = built.template["Resources"][&id]["Properties"]["ContainerDefinitions"]
        .as_array()
        .unwrap()
        .clone();
    containers.last().unwrap().clone()
}

pub fn web_redis() -> Project {
    let mut web = service("nginx");
    web.ports.push(port(80, Some(80)));
    web.depends_on.insert("redis".into(), DependsOn::default());
    project(vec![("web", web), ("redis", service("redis:7"))])
}

pub fn named_volume(source: &str, target: &str, read_only: bool) -> ServiceVolume {
    ServiceVolume {
        kind: VolumeType::Volume,
        source: Some(source.into()),
        target: target.into(),
        read_only,
        volume: None,
        tmpfs: None,
        other: Default::default(),
    }
}

pub fn secret_ref(source: &str) -> FileReference {
    FileReference {
        source: source.into(),
        target: source.into(),
        ..Default::default()
    }
}

/// WordPress + MySQL: a secret from a file, an EFS volume with access point options.
pub fn wordpress() -> Project {
    let mut wp = service("wordpress:6");
    wp.ports.push(port(80, Some(80)));
    wp.environment
        .insert("WORDPRESS_DB_HOST".into(), Some("db".into()));
    wp.environment.insert(
        "WORDPRESS_DB_PASSWORD_FILE".into(),
        Some("/run/secrets/db_password".into()),
    );
    wp.secrets.push(secret_ref("db_password"));
    wp.depends_on.insert(
        "db".into(),
        DependsOn {
            condition: DependsOnCondition::ServiceHealthy,
            required: true,
            ..Default::default()
        },
    );
    let mut db = service("mysql:8");
    db.secrets.push(FileReference {
        mode: Some(0o400),
        uid: Some("999".into()),
        gid: Some("999".into()),
        ..secret_ref("db_password")
    });
    db.volumes
        .push(named_volume("db_data", "/var/lib/mysql", false));
    db.healthcheck = Some(Healthcheck {
        test: vec!["CMD-SHELL".into(), "mysqladmin ping".into()],
        interval: Some(Duration::from_secs(1)),
        retries: Some(20),
        ..Default::default()
    });
    db.deploy = Some(Deploy {
        resources: Resources {
            limits: Some(ResourceSpec {
                cpus: Some(1.0),
                memory: Some(2 << 30),
                ..Default::default()
            }),
            reservations: None,
            ..Default::default()
        },
        ..Default::default()
    });
    let mut p = project(vec![("wordpress", wp), ("db", db)]);
    p.secrets.insert(
        "db_password".into(),
        Secret {
            file: Some("/project/db_password.txt".into()),
            ..Default::default()
        },
    );
    let mut opts = BTreeMap::new();
    for (k, v) in [
        ("uid", "999"),
        ("gid", "999"),
        ("root_directory", "/mysql"),
        ("permissions", "0750"),
        ("performance_mode", "generalPurpose"),
        ("throughput_mode", "elastic"),
        ("lifecycle_policy", "AFTER_30_DAYS"),
        ("backup_policy", "ENABLED"),
    ] {
        opts.insert(k.to_string(), v.to_string());
    }
    p.volumes.insert(
        "db_data".into(),
        Volume {
            driver_opts: opts,
            ..Default::default()
        },
    );
    p
}

pub fn gpu_project() -> Project {
    let mut model = service("example/inference:1");
    model.ports.push(port(8000, Some(80)));
    model.deploy = Some(Deploy {
        resources: Resources {
            limits: None,
            reservations: Some(ResourceSpec {
                memory: Some(8 << 30),
                devices: vec![DeviceRequest {
                    capabilities: vec!["gpu".into()],
                    count: Some(DeviceCount::Count(1)),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    });
    model.extensions.insert(
        "x-aws-autoscaling".into(),
        json!({"min": 1, "max": 3, "cpu": 70}),
    );
    project(vec![("model", model)])
}

pub fn extensions_project() -> Project {
    let mut api = service("registry.example.com/api:2");
    api.ports.push(port(8080, Some(80)));
    api.extensions.insert(
        "x-aws-pull_credentials".into(),
        json!("arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-AbCdEf"),
    );
    api.extensions.insert(
        "x-aws-policies".into(),
        json!(["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]),
    );
    api.extensions.insert(
        "x-aws-role".into(),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}),
    );
    api.extensions.insert(
        "x-aws-autoscaling".into(),
        json!({"min": 2, "max": 10, "memory": 75}),
    );
    api.extensions.insert("x-aws-min_percent".into(), json!(50));
    api.secrets.push(secret_ref("api_keys"));
    api.stop_grace_period = Some(Duration::from_secs(300));
    api.ulimits.insert(
        "nofile".into(),
        Ulimit {
            soft: 1024,
            hard: 4096,
        },
    );
    api.platform = Some("linux/arm64".into());
    let mut p = project(vec![("api", api)]);
    p.secrets.insert(
        "api_keys".into(),
        Secret {
            external: true,
            name: Some(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-keys-XyZ123".into(),
            ),
            extensions: [("x-aws-keys".to_string(), json!(["github", "stripe"]))].into(),
            ..Default::default()
        },
    );
    p.extensions
        .insert("x-aws-logs_retention".into(), json!(14));
    p.extensions
        .insert("x-aws-vpc".into(), json!("vpc-0123456789abcdef0"));
    p.extensions.insert(
        "x-aws-cloudformation".into(),
        json!({"Resources": {"ApiService": {"Properties": {"DesiredCount": 2}}}}),
    );
    p
}

pub fn networks_project() -> Project {
    let mut proxy = service("nginx");
    proxy.networks = [("front".to_string(), ServiceNetwork::default())].into();
    proxy.ports.push(port(80, None));
    let mut app = service("app");
    app.networks = [
        ("front".to_string(), ServiceNetwork::default()),
        ("back".to_string(), ServiceNetwork::default()),
    ]
    .into();
    let mut db = service("postgres:16");
    db.networks = [("back".to_string(), ServiceNetwork::default())].into();
    db.ports.push(Port {
        protocol: "udp".into(),
        ..port(5000, Some(5000))
    });
    let mut p = project(vec![("proxy", proxy), ("app", app), ("db", db)]);
    p.networks.clear();
    p.networks.insert("front".into(), Network::default());
    p.networks.insert("back".into(), Network::default());
    p
}

/// The sample projects, also written as Compose under tests/samples/ for tests/cfn_lint.rs.
pub fn sample_projects() -> Vec<(&'static str, Project)> {
    vec![
        ("web-redis", web_redis()),
        ("wordpress", wordpress()),
        ("gpu", gpu_project()),
        ("extensions", extensions_project()),
        ("networks", networks_project()),
    ]
}

mod tests {
    use super::*;

    #[test]
    fn samples_as_compose_build_the_same_templates() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples");
        let mut exported: Vec<String> = std::fs::read_dir(&root)
            .expect("tests/samples")
            .map(|entry| {
                entry
                    .expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        exported.sort();
        let mut names: Vec<String> = sample_projects()
            .iter()
            .map(|(n, _)| n.to_string())
            .collect();
        names.sort();
        assert_eq!(
            exported, names,
            "tests/samples/ and the sample projects differ"
        );
        for (name, project) in sample_projects() {
            let options = LoadOptions {
                working_dir: root.join(name),
                interpolate: true,
                ..Default::default()
            };
            let loaded = compose_model::load(&options).unwrap_or_else(|e| panic!("{name}: {e}"));
            let from_compose = build(&loaded.project).unwrap_or_else(|e| panic!("{name}: {e}"));
            let from_rust = build(&project).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                to_yaml(&from_compose.template),
                to_yaml(&from_rust.template),
                "{name}: tests/samples/{name}/compose.yaml no longer builds the template of the sample project"
            );
        }
    }
}

/// A project from Compose YAML, loaded the way `docker ecs` loads it (interpolated, in a project
/// directory `app` of its own).
pub fn load_yaml(yaml: &str) -> Project {
    let dir = tempfile::tempdir().expect("temporary directory");
    let app = dir.path().join("app");
    std::fs::create_dir(&app).expect("project directory");
    std::fs::write(app.join("compose.yaml"), yaml).expect("compose.yaml");
    let options = compose_model::LoadOptions {
        interpolate: true,
        working_dir: app,
        ..Default::default()
    };
    compose_model::load(&options)
        .expect("valid project")
        .project
}
