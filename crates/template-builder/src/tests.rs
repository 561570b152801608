//! Whole-template tests: build projects and check the resources they produce.

use std::collections::BTreeMap;

use compose_model::*;
use serde_json::{json, Value};

use crate::*;

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

fn web_redis() -> Project {
    let mut web = service("nginx");
    web.ports.push(port(80, Some(80)));
    web.depends_on.insert("redis".into(), DependsOn::default());
    project(vec![("web", web), ("redis", service("redis:7"))])
}

#[test]
fn web_and_redis_core_resources() {
    let built = build(&web_redis()).unwrap();
    let kinds = kinds(&built);
    for (id, kind) in [
        ("Cluster", "AWS::ECS::Cluster"),
        ("LogGroup", "AWS::Logs::LogGroup"),
        ("LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer"),
        ("LoadBalancerSecurityGroup", "AWS::EC2::SecurityGroup"),
        ("DefaultNetwork", "AWS::EC2::SecurityGroup"),
        ("CloudMap", "AWS::ServiceDiscovery::PrivateDnsNamespace"),
        ("WebService", "AWS::ECS::Service"),
        ("WebTaskDefinition", "AWS::ECS::TaskDefinition"),
        (
            "WebTCP80TargetGroup",
            "AWS::ElasticLoadBalancingV2::TargetGroup",
        ),
        ("WebTCP80Listener", "AWS::ElasticLoadBalancingV2::Listener"),
        ("WebServiceDiscoveryEntry", "AWS::ServiceDiscovery::Service"),
        ("WebTaskExecutionRole", "AWS::IAM::Role"),
        ("RedisService", "AWS::ECS::Service"),
    ] {
        assert_eq!(kinds.get(id).map(String::as_str), Some(kind), "{id}");
    }
    assert!(
        !kinds.contains_key("WebTaskRole"),
        "no task role unless needed"
    );
    let lb = &built.template["Resources"]["LoadBalancer"]["Properties"];
    assert_eq!(lb["Type"], "application");
    let web = &built.template["Resources"]["WebService"];
    assert_eq!(
        web["DependsOn"],
        json!(["WebTCP80Listener", "RedisService"])
    );
    assert_eq!(
        web["Properties"]["DeploymentConfiguration"]["DeploymentCircuitBreaker"],
        json!({"Enable": true, "Rollback": true})
    );
    let names: Vec<_> = built.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "VpcId",
            "PublicSubnetIds",
            "PrivateSubnetIds",
            "LoadBalancerScheme",
            "AssignPublicIp"
        ]
    );
}

#[test]
fn output_is_deterministic() {
    let a = to_json(&build(&web_redis()).unwrap().template);
    let b = to_json(&build(&web_redis()).unwrap().template);
    assert_eq!(a, b);
}

#[test]
fn task_definition_has_sized_main_container_and_resolv_conf_init() {
    let built = build(&web_redis()).unwrap();
    let td = &built.template["Resources"]["WebTaskDefinition"]["Properties"];
    assert_eq!(td["Family"], "demo-web");
    assert_eq!(td["Cpu"], "256");
    assert_eq!(td["Memory"], "512");
    assert_eq!(td["NetworkMode"], "awsvpc");
    let containers = td["ContainerDefinitions"].as_array().unwrap();
    assert_eq!(containers.len(), 2);
    assert_eq!(containers[0]["Name"], "web_ResolvConf_InitContainer");
    assert!(containers[0]["Command"][2]
        .as_str()
        .unwrap()
        .contains("search demo.local"));
    let main = &containers[1];
    assert_eq!(main["Name"], "web");
    assert_eq!(
        main["PortMappings"],
        json!([{"ContainerPort": 80, "Protocol": "tcp"}])
    );
    assert_eq!(
        main["DependsOn"],
        json!([{"ContainerName": "web_ResolvConf_InitContainer", "Condition": "SUCCESS"}])
    );
    assert_eq!(
        main["LogConfiguration"]["Options"]["awslogs-stream-prefix"],
        "demo"
    );
}

#[test]
fn tasks_accept_only_the_load_balancer_on_the_target_port() {
    let mut web = service("app");
    web.ports.push(port(8080, Some(80)));
    let built = build(&project(vec![("web", web)])).unwrap();
    let r = &built.template["Resources"];
    assert_eq!(r["WebTCP80Listener"]["Properties"]["Port"], 80);
    assert_eq!(r["WebTCP80TargetGroup"]["Properties"]["Port"], 8080);
    let ingress = &r["WebTCP8080Ingress"]["Properties"];
    assert_eq!(ingress["FromPort"], 8080);
    assert_eq!(
        ingress["SourceSecurityGroupId"],
        json!({"Ref": "LoadBalancerSecurityGroup"})
    );
    let lb_ingress = &r["LoadBalancerSecurityGroup"]["Properties"]["SecurityGroupIngress"];
    assert_eq!(lb_ingress.as_array().unwrap().len(), 1);
    assert_eq!(lb_ingress[0]["FromPort"], 80);
    // Nothing else is open to the internet.
    let text = to_json(&built.template);
    assert_eq!(text.matches("0.0.0.0/0").count(), 1);

    // Publishing on another port keeps the task rule as it is: a renamed copy of the same rule
    // would be refused by EC2 as a duplicate during the update.
    let mut moved = service("app");
    moved.ports.push(port(8080, Some(8081)));
    let again = build(&project(vec![("web", moved)])).unwrap();
    assert_eq!(
        again.template["Resources"]["WebTCP8080Ingress"],
        r["WebTCP8080Ingress"]
    );
}

#[test]
fn a_non_http_port_makes_a_network_load_balancer() {
    let mut db = service("postgres");
    db.ports.push(port(5432, None));
    let mut web = service("nginx");
    web.ports.push(port(80, None));
    let built = build(&project(vec![("db", db), ("web", web)])).unwrap();
    let r = &built.template["Resources"];
    assert_eq!(r["LoadBalancer"]["Properties"]["Type"], "network");
    assert_eq!(
        r["DbTCP5432TargetGroup"]["Properties"]["HealthCheckProtocol"],
        "TCP"
    );
    assert_eq!(r["WebTCP80Listener"]["Properties"]["Protocol"], "TCP");
}

#[test]
fn published_port_clash_is_an_error() {
    let mut a = service("a");
    a.ports.push(port(80, Some(8080)));
    let mut b = service("b");
    b.ports.push(port(81, Some(8080)));
    let err = build(&project(vec![("a", a), ("b", b)])).unwrap_err();
    assert_eq!(err.service.as_deref(), Some("b"));
    assert!(err.message.contains("\"a\""), "{err}");
}

#[test]
fn build_only_service_is_an_error() {
    let s = Service {
        build: Some(Build::default()),
        ..Default::default()
    };
    let err = build(&project(vec![("app", s)])).unwrap_err();
    assert_eq!(err.service.as_deref(), Some("app"));
    assert_eq!(err.attribute, "build");
}

#[test]
fn cap_add_other_than_sys_ptrace_is_an_error() {
    let mut s = service("app");
    s.cap_add = vec!["SYS_PTRACE".into()];
    assert!(build(&project(vec![("app", s.clone())])).is_ok());
    s.cap_add.push("NET_ADMIN".into());
    let err = build(&project(vec![("app", s)])).unwrap_err();
    assert_eq!(err.attribute, "cap_add[1]");
    assert!(err.message.contains("NET_ADMIN"));
}

#[test]
fn bind_mounts_are_an_error() {
    let mut s = service("app");
    s.volumes.push(ServiceVolume {
        kind: VolumeType::Bind,
        source: Some("/data".into()),
        target: "/data".into(),
        read_only: false,
        volume: None,
        tmpfs: None,
        other: Default::default(),
    });
    let err = build(&project(vec![("app", s)])).unwrap_err();
    assert_eq!(err.attribute, "volumes[0]");
    assert!(err.message.contains("bind"), "{err}");
}

#[test]
fn existing_cluster_has_no_cluster_resource() {
    let mut p = web_redis();
    p.extensions.insert("x-aws-cluster".into(), json!("shared"));
    let built = build(&p).unwrap();
    assert!(!kinds(&built).contains_key("Cluster"));
    assert_eq!(
        built.template["Resources"]["WebService"]["Properties"]["Cluster"],
        "shared"
    );
    assert!(built.preconditions.contains(&Precondition::ClusterExists {
        name: "shared".into()
    }));
}

#[test]
fn warnings_are_sorted_and_unique() {
    let mut a = service("a");
    a.hostname = Some("x".into());
    a.other.insert("dns".into(), json!("1.1.1.1"));
    let mut b = service("b");
    b.hostname = Some("y".into());
    let built = build(&project(vec![("b", b), ("a", a)])).unwrap();
    let shown: Vec<String> = built.warnings.iter().map(|w| w.to_string()).collect();
    let mut sorted = shown.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(shown, sorted);
    assert_eq!(shown.len(), 3);
}

fn named_volume(source: &str, target: &str, read_only: bool) -> ServiceVolume {
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

fn secret_ref(source: &str) -> FileReference {
    FileReference {
        source: source.into(),
        target: source.into(),
        ..Default::default()
    }
}

/// WordPress + MySQL: a secret from a file, an EFS volume with access point options.
fn wordpress() -> Project {
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

fn gpu_project() -> Project {
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
        },
        ..Default::default()
    });
    model.extensions.insert(
        "x-aws-autoscaling".into(),
        json!({"min": 1, "max": 3, "cpu": 70}),
    );
    project(vec![("model", model)])
}

fn extensions_project() -> Project {
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

fn networks_project() -> Project {
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
pub fn representative_projects() -> Vec<(&'static str, Project)> {
    vec![
        ("web-redis", web_redis()),
        ("wordpress", wordpress()),
        ("gpu", gpu_project()),
        ("extensions", extensions_project()),
        ("networks", networks_project()),
    ]
}

#[test]
fn secret_content_never_appears_and_is_a_noecho_parameter() {
    let built = build(&wordpress()).unwrap();
    let param = &built.template["Parameters"]["DbPasswordSecretValue"];
    assert_eq!(param["NoEcho"], true);
    assert!(built.parameters.contains(&ParameterInput {
        name: "DbPasswordSecretValue".into(),
        source: ParameterSource::SecretValue {
            secret: "db_password".into(),
            from: SecretValueSource::File("/project/db_password.txt".into()),
        },
    }));
    let secret = &built.template["Resources"]["DbPasswordSecret"]["Properties"];
    assert_eq!(
        secret["SecretString"],
        json!({"Ref": "DbPasswordSecretValue"})
    );
    let td = &built.template["Resources"]["DbTaskDefinition"]["Properties"];
    let init = &td["ContainerDefinitions"][1];
    assert_eq!(init["Name"], "db_Secrets_InitContainer");
    assert_eq!(
        init["Secrets"][0]["ValueFrom"],
        json!({"Ref": "DbPasswordSecret"})
    );
    let script = init["Command"][2].as_str().unwrap();
    assert!(script.contains("> '/run/secrets/db_password'"), "{script}");
    assert!(
        script.contains("chmod 400 /run/secrets/db_password"),
        "{script}"
    );
    assert!(script.contains("chown 999:999"), "{script}");
    let main = &td["ContainerDefinitions"][2];
    assert_eq!(
        main["MountPoints"][0],
        json!({"SourceVolume": "_secrets", "ContainerPath": "/run/secrets", "ReadOnly": true})
    );
    let role = &built.template["Resources"]["DbTaskExecutionRole"]["Properties"];
    assert_eq!(
        role["Policies"][0]["PolicyDocument"]["Statement"][0]["Resource"],
        json!([{"Ref": "DbPasswordSecret"}])
    );
}

#[test]
fn volumes_are_retained_efs_with_reuse_parameter() {
    let built = build(&wordpress()).unwrap();
    let r = &built.template["Resources"];
    let fs = &r["DbDataFileSystem"];
    assert_eq!(fs["DeletionPolicy"], "Retain");
    assert_eq!(fs["Condition"], "DbDataCreateFileSystem");
    assert_eq!(fs["Properties"]["Encrypted"], true);
    assert!(built.parameters.contains(&ParameterInput {
        name: "DbDataFileSystemId".into(),
        source: ParameterSource::RetainedFileSystem {
            volume: "db_data".into()
        },
    }));
    let ap = &r["DbDataAccessPoint"]["Properties"];
    assert_eq!(ap["PosixUser"], json!({"Uid": "999", "Gid": "999"}));
    assert_eq!(ap["RootDirectory"]["CreationInfo"]["Permissions"], "0750");
    assert_eq!(r["DbDataMountTarget1"]["Condition"], "HasPrivateSubnet1");
    let nfs = &r["DbDataNFSSecurityGroup"]["Properties"]["SecurityGroupIngress"];
    assert_eq!(
        nfs[0]["SourceSecurityGroupId"],
        json!({"Ref": "DbSecurityGroup"})
    );
    let role = &r["DbTaskRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0];
    assert_eq!(
        role["Condition"]["StringEquals"]["elasticfilesystem:AccessPointArn"],
        json!({"Fn::GetAtt": ["DbDataAccessPoint", "Arn"]})
    );
    assert!(r["DbService"]["DependsOn"]
        .as_array()
        .unwrap()
        .contains(&json!("DbDataMountTargets")));
    // depends_on with a condition is kept as ordering, with a warning.
    assert!(built
        .warnings
        .iter()
        .any(|w| w.attribute == "depends_on.db.condition"));
}

#[test]
fn gpu_service_runs_on_an_ec2_capacity_provider() {
    let built = build(&gpu_project()).unwrap();
    let r = &built.template["Resources"];
    let lt = &r["ModelLaunchTemplate"]["Properties"]["LaunchTemplateData"];
    assert_eq!(lt["InstanceType"], "g4dn.xlarge");
    assert_eq!(lt["ImageId"], json!({"Ref": "GpuAmiId"}));
    // x-aws-autoscaling max 3, and room for 200% during a deployment.
    assert_eq!(r["ModelAutoScalingGroup"]["Properties"]["MaxSize"], "6");
    let service = &r["ModelService"]["Properties"];
    assert!(service.get("LaunchType").is_none());
    assert_eq!(
        service["CapacityProviderStrategy"][0]["CapacityProvider"],
        json!({"Ref": "ModelCapacityProvider"})
    );
    let td = &r["ModelTaskDefinition"]["Properties"];
    assert_eq!(td["RequiresCompatibilities"], json!(["EC2"]));
    assert_eq!(
        td["ContainerDefinitions"][1]["ResourceRequirements"],
        json!([{"Type": "GPU", "Value": "1"}])
    );
    assert!(!to_json(&built.template).contains("LaunchConfiguration"));
}

#[test]
fn extensions_map() {
    let built = build(&extensions_project()).unwrap();
    let r = &built.template["Resources"];
    assert_eq!(r["LogGroup"]["Properties"]["RetentionInDays"], 14);
    assert_eq!(
        r["ApiService"]["Properties"]["DesiredCount"], 2,
        "overlay applied"
    );
    assert_eq!(
        r["ApiService"]["Properties"]["DeploymentConfiguration"]["MinimumHealthyPercent"],
        50
    );
    let main = &r["ApiTaskDefinition"]["Properties"]["ContainerDefinitions"][2];
    assert_eq!(main["StopTimeout"], 120);
    assert!(main["RepositoryCredentials"]["CredentialsParameter"]
        .as_str()
        .unwrap()
        .contains("registry"));
    let init = &r["ApiTaskDefinition"]["Properties"]["ContainerDefinitions"][1];
    assert_eq!(
        init["Secrets"][1]["ValueFrom"],
        json!({"Fn::Join": ["", ["arn:aws:secretsmanager:us-east-1:123456789012:secret:api-keys-XyZ123", ":stripe::"]]})
    );
    assert_eq!(
        r["ApiScalingPolicy"]["Properties"]["TargetTrackingScalingPolicyConfiguration"]
            ["PredefinedMetricSpecification"]["PredefinedMetricType"],
        "ECSServiceAverageMemoryUtilization"
    );
    assert!(r["ApiTaskRole"]["Properties"]["ManagedPolicyArns"].is_array());
    assert!(built.preconditions.contains(&Precondition::VpcExists {
        id: "vpc-0123456789abcdef0".into()
    }));
    assert!(built
        .warnings
        .iter()
        .any(|w| w.attribute == "stop_grace_period"));
}

#[test]
fn more_than_five_published_ports_on_one_service_is_an_error() {
    let mut s = service("app");
    for p in 8000..8006 {
        s.ports.push(port(p, Some(p)));
    }
    let err = build(&project(vec![("app", s)])).unwrap_err();
    assert_eq!(err.attribute, "ports");
    assert!(err.message.contains("at most 5"), "{err}");
}

fn main_container(built: &Built, service: &str) -> Value {
    let id = format!("{}TaskDefinition", crate::naming::pascal(service));
    let containers = built.template["Resources"][&id]["Properties"]["ContainerDefinitions"]
        .as_array()
        .unwrap()
        .clone();
    containers.last().unwrap().clone()
}

#[test]
fn container_attributes_map() {
    let mut s = service("app");
    s.command = Some(vec!["serve".into(), "--port=80".into()]);
    s.entrypoint = Some(vec!["/init".into()]);
    s.environment.insert("B".into(), Some("2".into()));
    s.environment.insert("A".into(), Some("1".into()));
    s.environment.insert("UNSET".into(), None);
    s.working_dir = Some("/srv".into());
    s.user = Some("1000:1000".into());
    s.labels.insert("team".into(), "web".into());
    s.init = Some(true);
    s.cap_drop = vec!["NET_RAW".into()];
    s.read_only = Some(true);
    s.ulimits
        .insert("nofile".into(), Ulimit { soft: 10, hard: 20 });
    s.ulimits
        .insert("nproc".into(), Ulimit { soft: 1, hard: 2 });
    s.other.insert("tty".into(), json!(true));
    s.other
        .insert("sysctls".into(), json!(["net.core.somaxconn=1024"]));
    s.healthcheck = Some(Healthcheck {
        test: vec!["CMD".into(), "true".into()],
        interval: Some(Duration::from_secs(1)),
        timeout: Some(Duration::from_secs(5)),
        retries: Some(30),
        start_period: Some(Duration::from_secs(10)),
        ..Default::default()
    });
    let built = build(&project(vec![("app", s)])).unwrap();
    let c = main_container(&built, "app");
    assert_eq!(c["Command"], json!(["serve", "--port=80"]));
    assert_eq!(c["EntryPoint"], json!(["/init"]));
    assert_eq!(
        c["Environment"],
        json!([{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}]),
        "sorted, unset variables left out"
    );
    assert_eq!(c["WorkingDirectory"], "/srv");
    assert_eq!(c["User"], "1000:1000");
    assert_eq!(c["DockerLabels"], json!({"team": "web"}));
    assert_eq!(c["LinuxParameters"]["InitProcessEnabled"], true);
    assert_eq!(
        c["LinuxParameters"]["Capabilities"]["Drop"],
        json!(["NET_RAW"])
    );
    assert_eq!(c["ReadonlyRootFilesystem"], true);
    assert_eq!(
        c["Ulimits"],
        json!([{"Name": "nofile", "SoftLimit": 10, "HardLimit": 20}])
    );
    assert_eq!(c["PseudoTerminal"], true);
    assert_eq!(
        c["SystemControls"],
        json!([{"Namespace": "net.core.somaxconn", "Value": "1024"}])
    );
    assert_eq!(
        c["HealthCheck"],
        json!({"Command": ["CMD", "true"], "Interval": 5, "Timeout": 5, "Retries": 10, "StartPeriod": 10})
    );
    let warned: Vec<&str> = built
        .warnings
        .iter()
        .map(|w| w.attribute.as_str())
        .collect();
    for attribute in [
        "environment.UNSET",
        "healthcheck.interval",
        "healthcheck.retries",
        "ulimits.nproc",
    ] {
        assert!(warned.contains(&attribute), "{attribute} not in {warned:?}");
    }
}

#[test]
fn refused_inputs_name_service_and_attribute() {
    type Change = Box<dyn Fn(&mut Project)>;
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "tmpfs",
            Box::new(|p: &mut Project| {
                p.services.get_mut("app").unwrap().tmpfs = vec!["/tmp".into()];
            }),
            "tmpfs",
        ),
        (
            "anonymous volume",
            Box::new(|p: &mut Project| {
                let mut v = named_volume("x", "/data", false);
                v.source = None;
                p.services.get_mut("app").unwrap().volumes.push(v);
            }),
            "volumes[0]",
        ),
        (
            "configs",
            Box::new(|p: &mut Project| {
                p.services
                    .get_mut("app")
                    .unwrap()
                    .configs
                    .push(secret_ref("conf"));
            }),
            "configs",
        ),
        (
            "https without certificate",
            Box::new(|p: &mut Project| {
                let mut https = port(443, Some(443));
                https
                    .extensions
                    .insert("x-aws-protocol".into(), json!("https"));
                p.services.get_mut("app").unwrap().ports.push(https);
            }),
            "ports[0].x-aws-certificate",
        ),
        (
            "unknown platform",
            Box::new(|p: &mut Project| {
                p.services.get_mut("app").unwrap().platform = Some("windows/amd64".into());
            }),
            "platform",
        ),
        (
            "too many networks",
            Box::new(|p: &mut Project| {
                for i in 0..6 {
                    let name = format!("n{i}");
                    p.networks.insert(name.clone(), Network::default());
                    p.services
                        .get_mut("app")
                        .unwrap()
                        .networks
                        .insert(name, ServiceNetwork::default());
                }
            }),
            "networks",
        ),
    ];
    for (what, change, attribute) in cases {
        let mut p = project(vec![("app", service("app"))]);
        change(&mut p);
        let err = build(&p).expect_err(what);
        assert_eq!(err.service.as_deref(), Some("app"), "{what}: {err}");
        assert_eq!(err.attribute, attribute, "{what}: {err}");
    }
}

#[test]
fn refused_project_settings_name_the_attribute() {
    let mut p = web_redis();
    p.extensions
        .insert("x-aws-loadbalancer".into(), json!("my-alb"));
    assert_eq!(build(&p).unwrap_err().attribute, "x-aws-loadbalancer");

    let mut p = web_redis();
    p.extensions
        .insert("x-aws-logs_retention".into(), json!(10));
    assert_eq!(build(&p).unwrap_err().attribute, "x-aws-logs_retention");

    let mut p = web_redis();
    p.networks.insert(
        "default".into(),
        Network {
            external: true,
            name: Some("shared".into()),
            ..Default::default()
        },
    );
    assert_eq!(build(&p).unwrap_err().attribute, "networks.default.name");
}

#[test]
fn existing_load_balancer_gets_listeners_and_a_type_precondition() {
    let mut p = web_redis();
    let arn = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/1";
    p.extensions.insert("x-aws-loadbalancer".into(), json!(arn));
    let built = build(&p).unwrap();
    let kinds = kinds(&built);
    assert!(!kinds.contains_key("LoadBalancer"));
    assert_eq!(
        built.template["Resources"]["WebTCP80Listener"]["Properties"]["LoadBalancerArn"],
        arn
    );
    assert!(built.preconditions.contains(&Precondition::LoadBalancer {
        name_or_arn: arn.into(),
        expected: LoadBalancerType::Application,
    }));
    assert!(!to_json(&built.template).contains("0.0.0.0/0"));
}

#[test]
fn udp_ports_get_an_nlb_and_a_tcp_health_check_rule() {
    let built = build(&networks_project()).unwrap();
    let r = &built.template["Resources"];
    assert_eq!(r["LoadBalancer"]["Properties"]["Type"], "network");
    assert_eq!(r["DbUDP5000TargetGroup"]["Properties"]["Protocol"], "UDP");
    assert_eq!(r["DbUDP5000Listener"]["Properties"]["Protocol"], "UDP");
    assert_eq!(r["DbUDP5000Ingress"]["Properties"]["IpProtocol"], "udp");
    assert_eq!(r["DbTCP5000Ingress"]["Properties"]["IpProtocol"], "tcp");
    assert!(built
        .warnings
        .iter()
        .any(|w| w.service.as_deref() == Some("db") && w.message.contains("over TCP")));
    // app is on both networks, proxy on front only.
    let groups = &r["AppService"]["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
        ["SecurityGroups"];
    assert_eq!(
        groups,
        &json!([{"Ref": "BackNetwork"}, {"Ref": "FrontNetwork"}])
    );
}

#[test]
fn autoscaling_uses_the_name_of_an_existing_cluster_arn() {
    let mut p = extensions_project();
    p.extensions.insert(
        "x-aws-cluster".into(),
        json!("arn:aws:ecs:us-east-1:123456789012:cluster/shared"),
    );
    let built = build(&p).unwrap();
    let id = &built.template["Resources"]["ApiScalableTarget"]["Properties"]["ResourceId"];
    assert_eq!(id["Fn::Join"][1][1], "shared");
}

#[test]
fn two_listeners_on_one_container_port_open_it_once() {
    let mut web = service("app");
    web.ports.push(port(3000, Some(80)));
    web.ports.push(port(3000, Some(8080)));
    let built = build(&project(vec![("web", web)])).unwrap();
    let kinds = kinds(&built);
    assert!(kinds.contains_key("WebTCP3000Ingress"));
    let task_rules: Vec<&String> = kinds
        .keys()
        .filter(|id| id.starts_with("Web") && id.ends_with("Ingress"))
        .collect();
    assert_eq!(task_rules, ["WebTCP3000Ingress"]);
    assert!(kinds.contains_key("WebTCP80Listener"));
    assert!(kinds.contains_key("WebTCP8080Listener"));
}

#[test]
fn services_with_volumes_run_only_where_mount_targets_are() {
    let built = build(&wordpress()).unwrap();
    let r = &built.template["Resources"];
    let subnets =
        &r["DbService"]["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"];
    let list = subnets.as_array().expect("an explicit subnet list");
    assert_eq!(list.len(), crate::parameters::MAX_SUBNETS);
    assert_eq!(list[1]["Fn::If"][0], "HasPrivateSubnet1");
    assert_eq!(list[1]["Fn::If"][2], json!({"Ref": "AWS::NoValue"}));
    for index in 0..crate::parameters::MAX_SUBNETS {
        assert!(r.get(format!("DbDataMountTarget{index}")).is_some());
    }
    // A service without volumes uses the whole list.
    let wp = &r["WordpressService"]["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"];
    assert_eq!(wp["Subnets"], json!({"Ref": "PrivateSubnetIds"}));
}

#[test]
fn external_volume_mounts_an_existing_file_system() {
    let mut p = wordpress();
    p.volumes.insert(
        "db_data".into(),
        Volume {
            external: true,
            name: Some("fs-0abc".into()),
            ..Default::default()
        },
    );
    let built = build(&p).unwrap();
    let kinds = kinds(&built);
    assert!(!kinds.contains_key("DbDataFileSystem"));
    assert!(!kinds.contains_key("DbDataMountTarget0"));
    assert_eq!(
        built.template["Resources"]["DbDataAccessPoint"]["Properties"]["FileSystemId"],
        "fs-0abc"
    );
    assert!(built
        .preconditions
        .contains(&Precondition::FileSystemExists {
            id: "fs-0abc".into()
        }));
    assert!(!built
        .parameters
        .iter()
        .any(|p| matches!(p.source, ParameterSource::RetainedFileSystem { .. })));
}

#[test]
fn gpu_service_in_an_existing_cluster_leaves_its_capacity_providers_alone() {
    let mut p = gpu_project();
    p.extensions
        .insert("x-aws-cluster".into(), json!("ml-cluster"));
    let built = build(&p).unwrap();
    let kinds = kinds(&built);
    assert!(!kinds
        .values()
        .any(|k| k == "AWS::ECS::ClusterCapacityProviderAssociations"
            || k == "AWS::ECS::CapacityProvider"
            || k == "AWS::ECS::Cluster"));
    let r = &built.template["Resources"];
    let service = &r["ModelService"];
    assert_eq!(service["Properties"]["LaunchType"], "EC2");
    assert_eq!(
        service["Properties"]["PlacementConstraints"][0]["Expression"],
        "attribute:com.docker.compose.project == demo and attribute:com.docker.compose.service == model"
    );
    assert!(service
        .get("DependsOn")
        .is_none_or(|d| !d.to_string().contains("ClusterCapacityProviders")));
    let user_data = r["ModelLaunchTemplate"]["Properties"]["LaunchTemplateData"]["UserData"]
        ["Fn::Base64"]["Fn::Sub"][0]
        .as_str()
        .unwrap();
    assert!(user_data.contains(r#"ECS_INSTANCE_ATTRIBUTES={"com.docker.compose.project":"demo","com.docker.compose.service":"model"}"#), "{user_data}");
    let asg = &r["ModelAutoScalingGroup"]["Properties"];
    assert_eq!(asg["MinSize"], asg["MaxSize"]);
    assert_eq!(asg["DesiredCapacity"], asg["MaxSize"]);
    assert!(built
        .warnings
        .iter()
        .any(|w| w.message.contains("does not scale GPU instances")));
}

#[test]
fn x_aws_healthcheck_sets_the_target_group_check_and_the_grace_period() {
    let mut web = service("app");
    web.ports.push(port(8080, Some(80)));
    web.extensions.insert(
        "x-aws-healthcheck".into(),
        json!({
            "path": "/healthz",
            "matcher": "200-299",
            "interval": "20s",
            "timeout": 4,
            "healthy_threshold": 2,
            "unhealthy_threshold": 4,
            "grace_period": 90
        }),
    );
    let mut other = service("app");
    let mut http = port(80, Some(8081));
    http.extensions
        .insert("x-aws-protocol".into(), json!("http"));
    other.ports.push(http);
    let built = build(&project(vec![("other", other), ("web", web)])).unwrap();
    let r = &built.template["Resources"];
    let group = &r["WebTCP80TargetGroup"]["Properties"];
    assert_eq!(group["HealthCheckPath"], "/healthz");
    assert_eq!(group["Matcher"], json!({"HttpCode": "200-299"}));
    assert_eq!(group["HealthCheckIntervalSeconds"], 20);
    assert_eq!(group["HealthCheckTimeoutSeconds"], 4);
    assert_eq!(group["HealthyThresholdCount"], 2);
    assert_eq!(group["UnhealthyThresholdCount"], 4);
    assert_eq!(
        r["WebService"]["Properties"]["HealthCheckGracePeriodSeconds"],
        90
    );
    // The defaults stay for a service without the extension.
    let group = &r["OtherTCP8081TargetGroup"]["Properties"];
    assert_eq!(group["HealthCheckPath"], "/");
    assert_eq!(group["Matcher"], json!({"HttpCode": "200-399"}));
    assert_eq!(group["HealthCheckIntervalSeconds"], 10);
    assert_eq!(group["HealthCheckTimeoutSeconds"], 5);
    assert_eq!(
        group["TargetGroupAttributes"],
        json!([{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}])
    );
    assert_eq!(
        r["OtherService"]["Properties"]["HealthCheckGracePeriodSeconds"],
        60
    );
}

#[test]
fn x_aws_healthcheck_timings_apply_to_tcp_targets_but_a_path_is_refused() {
    let mut db = service("postgres");
    db.ports.push(port(5432, None));
    db.extensions.insert(
        "x-aws-healthcheck".into(),
        json!({ "interval": 30, "unhealthy_threshold": 2 }),
    );
    let built = build(&project(vec![("db", db.clone())])).unwrap();
    let group = &built.template["Resources"]["DbTCP5432TargetGroup"]["Properties"];
    assert_eq!(group["HealthCheckProtocol"], "TCP");
    assert_eq!(group["HealthCheckIntervalSeconds"], 30);
    assert_eq!(group["UnhealthyThresholdCount"], 2);
    assert!(group.get("HealthCheckPath").is_none());

    db.extensions
        .insert("x-aws-healthcheck".into(), json!({ "path": "/ready" }));
    let err = build(&project(vec![("db", db)])).unwrap_err();
    assert_eq!(err.service.as_deref(), Some("db"));
    assert_eq!(err.attribute, "x-aws-healthcheck.path");
    assert!(err.message.contains("Network Load Balancer"), "{err}");
}

#[test]
fn x_aws_healthcheck_errors_and_warnings_at_convert_time() {
    let mut web = service("app");
    web.ports.push(port(80, None));
    web.extensions
        .insert("x-aws-healthcheck".into(), json!({ "interval": 400 }));
    let err = build(&project(vec![("web", web)])).unwrap_err();
    assert_eq!(err.service.as_deref(), Some("web"));
    assert_eq!(err.attribute, "x-aws-healthcheck.interval");

    // Without a published port nothing checks the service: a warning, not silence.
    let mut worker = service("app");
    worker
        .extensions
        .insert("x-aws-healthcheck".into(), json!({ "path": "/" }));
    let built = build(&project(vec![("worker", worker)])).unwrap();
    assert!(built
        .warnings
        .iter()
        .any(|w| w.service.as_deref() == Some("worker")
            && w.attribute == "x-aws-healthcheck"
            && w.message.contains("publishes no port")));
}

#[test]
fn x_aws_spot_runs_on_fargate_spot_in_a_cluster_that_offers_it() {
    let mut worker = service("app");
    worker.extensions.insert("x-aws-spot".into(), json!(true));
    worker.platform = Some("linux/arm64".into());
    let web = service("nginx");
    let built = build(&project(vec![("web", web), ("worker", worker)])).unwrap();
    let r = &built.template["Resources"];
    let spot = &r["WorkerService"];
    assert_eq!(
        spot["Properties"]["CapacityProviderStrategy"],
        json!([{ "CapacityProvider": "FARGATE_SPOT", "Weight": 1, "Base": 0 }])
    );
    assert!(spot["Properties"].get("LaunchType").is_none());
    assert_eq!(spot["DependsOn"], json!(["ClusterCapacityProviders"]));
    assert_eq!(
        r["WorkerTaskDefinition"]["Properties"]["RuntimePlatform"],
        json!({ "CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX" })
    );
    let association = &r["ClusterCapacityProviders"]["Properties"];
    assert_eq!(
        association["CapacityProviders"],
        json!(["FARGATE", "FARGATE_SPOT"])
    );
    assert_eq!(association["Cluster"], json!({ "Ref": "Cluster" }));
    // On-demand services keep the Fargate launch type and do not wait for the association.
    assert_eq!(r["WebService"]["Properties"]["LaunchType"], "FARGATE");
    assert!(r["WebService"].get("DependsOn").is_none());
}

#[test]
fn x_aws_spot_in_an_existing_cluster_leaves_its_providers_alone_with_a_warning() {
    let mut worker = service("app");
    worker.extensions.insert("x-aws-spot".into(), json!("true"));
    let mut p = project(vec![("worker", worker)]);
    p.extensions.insert("x-aws-cluster".into(), json!("shared"));
    let built = build(&p).unwrap();
    let kinds = kinds(&built);
    assert!(!kinds.contains_key("ClusterCapacityProviders"));
    let spot = &built.template["Resources"]["WorkerService"];
    assert_eq!(
        spot["Properties"]["CapacityProviderStrategy"][0]["CapacityProvider"],
        "FARGATE_SPOT"
    );
    assert!(spot.get("DependsOn").is_none());
    assert!(built
        .warnings
        .iter()
        .any(|w| w.attribute == "x-aws-spot" && w.message.contains("FARGATE_SPOT")));
}

#[test]
fn spot_or_arm64_with_a_gpu_is_an_error() {
    let mut p = gpu_project();
    let name = p.services.keys().next().unwrap().clone();
    p.services
        .get_mut(&name)
        .unwrap()
        .extensions
        .insert("x-aws-spot".into(), json!(true));
    let err = build(&p).unwrap_err();
    assert_eq!(err.service.as_deref(), Some(name.as_str()));
    assert_eq!(err.attribute, "x-aws-spot");
    assert!(err.message.contains("GPU"), "{err}");

    let mut p = gpu_project();
    p.services.get_mut(&name).unwrap().platform = Some("linux/arm64".into());
    let err = build(&p).unwrap_err();
    assert_eq!(err.attribute, "platform");
    assert!(err.message.contains("GPU"), "{err}");
}

#[test]
fn x_aws_exec_enables_execute_command_and_the_session_permissions() {
    let mut web = service("nginx");
    web.extensions.insert("x-aws-exec".into(), json!(true));
    let mut api = service("api");
    api.extensions.insert("x-aws-exec".into(), json!(true));
    api.extensions.insert(
        "x-aws-policies".into(),
        json!(["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]),
    );
    let plain = service("redis");
    let built = build(&project(vec![("api", api), ("plain", plain), ("web", web)])).unwrap();
    let r = &built.template["Resources"];
    assert_eq!(r["WebService"]["Properties"]["EnableExecuteCommand"], true);
    // A task role is created for exec alone, and points the task definition at it.
    let policies = &r["WebTaskRole"]["Properties"]["Policies"];
    assert_eq!(policies.as_array().unwrap().len(), 1);
    assert_eq!(policies[0]["PolicyName"], "ExecuteCommand");
    let actions = &policies[0]["PolicyDocument"]["Statement"][0]["Action"];
    for action in [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ] {
        assert!(
            actions.as_array().unwrap().contains(&json!(action)),
            "{action}"
        );
    }
    assert_eq!(
        r["WebTaskDefinition"]["Properties"]["TaskRoleArn"],
        json!({ "Fn::GetAtt": ["WebTaskRole", "Arn"] })
    );
    // An existing task role keeps its managed policies and gains the exec policy.
    let api_role = &r["ApiTaskRole"]["Properties"];
    assert_eq!(api_role["ManagedPolicyArns"].as_array().unwrap().len(), 1);
    assert_eq!(api_role["Policies"][0]["PolicyName"], "ExecuteCommand");
    // Services without x-aws-exec get neither.
    assert!(r["PlainService"]["Properties"]
        .get("EnableExecuteCommand")
        .is_none());
    assert!(!kinds(&built).contains_key("PlainTaskRole"));
}

const CERTIFICATE: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-4e5f-8a9b-0123456789ab";

fn certified(target: u16, published: u16) -> Port {
    let mut p = port(target, Some(published));
    p.extensions
        .insert("x-aws-certificate".into(), json!(CERTIFICATE));
    p
}

#[test]
fn a_port_certificate_makes_an_https_listener_and_a_redirect_from_80() {
    let mut web = service("app");
    web.ports.push(certified(8080, 443));
    let built = build(&project(vec![("web", web)])).unwrap();
    let r = &built.template["Resources"];
    assert_eq!(r["LoadBalancer"]["Properties"]["Type"], "application");
    let listener = &r["WebTCP443Listener"]["Properties"];
    assert_eq!(listener["Protocol"], "HTTPS");
    assert_eq!(listener["Port"], 443);
    assert_eq!(
        listener["Certificates"],
        json!([{ "CertificateArn": CERTIFICATE }])
    );
    assert!(listener["SslPolicy"].is_string());
    // 443 forwards to the container port.
    assert_eq!(r["WebTCP443TargetGroup"]["Properties"]["Port"], 8080);
    assert_eq!(r["WebTCP443TargetGroup"]["Properties"]["Protocol"], "HTTP");
    let redirect = &r["HttpRedirectListener"]["Properties"];
    assert_eq!(redirect["Port"], 80);
    assert_eq!(redirect["Protocol"], "HTTP");
    assert_eq!(
        redirect["DefaultActions"][0]["RedirectConfig"],
        json!({ "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301" })
    );
    let open: Vec<&Value> = r["LoadBalancerSecurityGroup"]["Properties"]["SecurityGroupIngress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| &rule["FromPort"])
        .collect();
    assert_eq!(open, [&json!(443), &json!(80)]);
    assert_eq!(
        built.template["Outputs"]["WebTCP443URL"]["Value"],
        json!({ "Fn::Sub": "https://${LoadBalancer.DNSName}" })
    );
}

#[test]
fn a_top_level_certificate_serves_443_and_80_stays_when_published() {
    let mut web = service("app");
    web.ports.push(port(8080, Some(443)));
    web.ports.push(port(8080, Some(80)));
    let mut p = project(vec![("web", web)]);
    p.extensions
        .insert("x-aws-certificate".into(), json!(CERTIFICATE));
    let built = build(&p).unwrap();
    let r = &built.template["Resources"];
    assert_eq!(r["WebTCP443Listener"]["Properties"]["Protocol"], "HTTPS");
    assert_eq!(
        r["WebTCP443Listener"]["Properties"]["Certificates"][0]["CertificateArn"],
        CERTIFICATE
    );
    assert_eq!(r["WebTCP80Listener"]["Properties"]["Protocol"], "HTTP");
    assert!(!kinds(&built).contains_key("HttpRedirectListener"));
    assert!(!built
        .warnings
        .iter()
        .any(|w| w.message.contains("plain HTTP")));

    // An unused top-level certificate is reported.
    let mut api = service("app");
    api.ports.push(port(8080, Some(80)));
    let mut p = project(vec![("api", api)]);
    p.extensions
        .insert("x-aws-certificate".into(), json!(CERTIFICATE));
    let built = build(&p).unwrap();
    assert!(built
        .warnings
        .iter()
        .any(|w| w.attribute == "x-aws-certificate" && w.message.contains("no port is HTTPS")));
}

#[test]
fn certificate_mistakes_are_refused_naming_service_and_attribute() {
    // Not an ACM ARN.
    let mut web = service("app");
    let mut bad = port(80, Some(443));
    bad.extensions
        .insert("x-aws-certificate".into(), json!("my-cert"));
    web.ports.push(bad);
    let err = build(&project(vec![("web", web)])).unwrap_err();
    assert_eq!(err.service.as_deref(), Some("web"));
    assert_eq!(err.attribute, "ports[0].x-aws-certificate");
    assert!(err.message.contains("ACM certificate ARN"), "{err}");

    // A certificate on a port declared TCP.
    let mut db = service("postgres");
    let mut tcp = certified(5432, 5432);
    tcp.extensions.insert("x-aws-protocol".into(), json!("tcp"));
    db.ports.push(tcp);
    let err = build(&project(vec![("db", db)])).unwrap_err();
    assert_eq!(err.service.as_deref(), Some("db"));
    assert_eq!(err.attribute, "ports[0].x-aws-certificate");
    assert!(err.message.contains("declared tcp"), "{err}");

    // A certificate on a UDP port.
    let mut dns = service("dns");
    let mut udp = certified(53, 53);
    udp.protocol = "udp".into();
    dns.ports.push(udp);
    let err = build(&project(vec![("dns", dns)])).unwrap_err();
    assert_eq!(err.attribute, "ports[0].x-aws-certificate");

    // A bad top-level certificate.
    let mut web = service("app");
    web.ports.push(port(80, Some(443)));
    let mut p = project(vec![("web", web)]);
    p.extensions
        .insert("x-aws-certificate".into(), json!(["arn"]));
    let err = build(&p).unwrap_err();
    assert_eq!(err.service, None);
    assert_eq!(err.attribute, "x-aws-certificate");
}

#[test]
fn https_next_to_a_tcp_port_is_refused_rather_than_served_as_tls() {
    // Another service publishes a plain TCP port: the project would get a Network Load Balancer.
    let mut web = service("app");
    web.ports.push(certified(8080, 443));
    let mut db = service("postgres");
    db.ports.push(port(5432, None));
    let err = build(&project(vec![("db", db), ("web", web)])).unwrap_err();
    assert_eq!(err.service.as_deref(), Some("web"));
    assert_eq!(err.attribute, "ports[0].x-aws-certificate");
    assert!(err.message.contains("port 443 is HTTPS"), "{err}");
    assert!(
        err.message
            .contains("service \"db\"'s port 5432 has no x-aws-protocol: http"),
        "{err}"
    );
    assert!(err.message.contains("Network Load Balancer"), "{err}");

    // The same service's UDP port, with the top-level certificate making 443 HTTPS.
    let mut web = service("app");
    web.ports.push(port(8080, Some(443)));
    let mut udp = port(5353, None);
    udp.protocol = "udp".into();
    web.ports.push(udp);
    let mut p = project(vec![("web", web)]);
    p.extensions
        .insert("x-aws-certificate".into(), json!(CERTIFICATE));
    let err = build(&p).unwrap_err();
    assert_eq!(err.service.as_deref(), Some("web"));
    assert_eq!(err.attribute, "x-aws-certificate");
    assert!(
        err.message.contains("this service's port 5353 is udp"),
        "{err}"
    );

    // A port declared tcp says so.
    let mut web = service("app");
    web.ports.push(certified(8080, 443));
    let mut raw = port(9000, None);
    raw.extensions.insert("x-aws-protocol".into(), json!("tcp"));
    web.ports.push(raw);
    let err = build(&project(vec![("web", web)])).unwrap_err();
    assert!(
        err.message
            .contains("port 9000 is declared x-aws-protocol: tcp"),
        "{err}"
    );

    // Declaring the other port HTTP puts both on an Application Load Balancer.
    let mut web = service("app");
    web.ports.push(certified(8080, 443));
    let mut admin = port(9000, None);
    admin
        .extensions
        .insert("x-aws-protocol".into(), json!("http"));
    web.ports.push(admin);
    let built = build(&project(vec![("web", web)])).unwrap();
    let r = &built.template["Resources"];
    assert_eq!(r["LoadBalancer"]["Properties"]["Type"], "application");
    assert_eq!(r["WebTCP443Listener"]["Properties"]["Protocol"], "HTTPS");
    assert_eq!(r["WebTCP9000Listener"]["Properties"]["Protocol"], "HTTP");
}

#[test]
fn an_internal_load_balancer_sits_in_the_private_subnets() {
    let mut web = service("app");
    web.ports.push(port(8080, Some(80)));
    let mut p = project(vec![("web", web)]);
    p.extensions
        .insert("x-aws-loadbalancer_scheme".into(), json!("internal"));
    let built = build(&p).unwrap();
    let lb = &built.template["Resources"]["LoadBalancer"]["Properties"];
    assert_eq!(lb["Scheme"], "internal");
    assert_eq!(lb["Subnets"], json!({ "Ref": "PrivateSubnetIds" }));
    assert!(built.template["Parameters"]
        .get("PublicSubnetIds")
        .is_none());

    p.extensions
        .insert("x-aws-loadbalancer_scheme".into(), json!("internet-facing"));
    let built = build(&p).unwrap();
    let lb = &built.template["Resources"]["LoadBalancer"]["Properties"];
    assert_eq!(lb["Scheme"], "internet-facing");
    assert_eq!(lb["Subnets"], json!({ "Ref": "PublicSubnetIds" }));

    // Unset: `up` chooses, internal when the VPC has no public subnet.
    p.extensions.remove("x-aws-loadbalancer_scheme");
    let built = build(&p).unwrap();
    let lb = &built.template["Resources"]["LoadBalancer"]["Properties"];
    assert_eq!(lb["Scheme"], json!({ "Ref": "LoadBalancerScheme" }));
    assert_eq!(
        lb["Subnets"],
        json!({ "Fn::If": ["InternalLoadBalancer", { "Ref": "PrivateSubnetIds" }, { "Ref": "PublicSubnetIds" }] })
    );
    assert_eq!(
        built.template["Conditions"]["InternalLoadBalancer"],
        json!({ "Fn::Equals": [{ "Ref": "LoadBalancerScheme" }, "internal"] })
    );
    assert_eq!(
        built.template["Parameters"]["LoadBalancerScheme"]["AllowedValues"],
        json!(["internet-facing", "internal"])
    );
    assert!(built
        .parameters
        .iter()
        .any(|p| p.source == ParameterSource::LoadBalancerScheme));

    p.extensions
        .insert("x-aws-loadbalancer_scheme".into(), json!("private"));
    let err = build(&p).unwrap_err();
    assert_eq!(err.attribute, "x-aws-loadbalancer_scheme");
    assert!(err.message.contains("internal or internet-facing"), "{err}");

    // Nothing to place: a warning, not silence.
    let mut p = project(vec![("worker", service("app"))]);
    p.extensions
        .insert("x-aws-loadbalancer_scheme".into(), json!("internal"));
    let built = build(&p).unwrap();
    assert!(built
        .warnings
        .iter()
        .any(|w| w.attribute == "x-aws-loadbalancer_scheme" && w.message.starts_with("ignored")));
}

#[test]
fn x_aws_subnets_become_a_precondition_and_bad_ids_stop_the_build() {
    let mut web = service("app");
    web.ports.push(port(8080, Some(80)));
    let mut p = project(vec![("web", web)]);
    p.extensions.insert(
        "x-aws-subnets".into(),
        json!({ "public": ["subnet-0123abcd"], "private": ["subnet-4567abcd"] }),
    );
    let built = build(&p).unwrap();
    assert!(built.preconditions.contains(&Precondition::Subnets {
        public: vec!["subnet-0123abcd".into()],
        private: vec!["subnet-4567abcd".into()],
    }));
    assert!(built
        .warnings
        .iter()
        .all(|w| w.attribute != "x-aws-subnets"));

    p.extensions.insert(
        "x-aws-subnets".into(),
        json!({ "public": ["subnet-0123abcd"], "private": [42] }),
    );
    let err = build(&p).unwrap_err();
    assert_eq!(err.attribute, "x-aws-subnets.private[0]");
}

#[test]
fn where_logs_go_stays_the_stack_log_group_whatever_the_service_says() {
    let mut api = service("app");
    api.logging = Some(Logging {
        driver: Some("awslogs".into()),
        options: [
            ("awslogs-region", "eu-west-1"),
            ("awslogs-group", "/custom/group"),
            ("awslogs-stream-prefix", "app"),
            ("awslogs-datetime-format", "%Y-%m-%d"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    });
    let built = build(&project(vec![("api", api)])).unwrap();
    let td = &built.template["Resources"]["ApiTaskDefinition"]["Properties"];
    let options = &td["ContainerDefinitions"][1]["LogConfiguration"]["Options"];
    assert_eq!(options["awslogs-region"], json!({"Ref": "AWS::Region"}));
    assert_eq!(options["awslogs-group"], json!({"Ref": "LogGroup"}));
    assert_eq!(options["awslogs-stream-prefix"], "demo");
    assert_eq!(options["awslogs-datetime-format"], "%Y-%m-%d");
    let warned: Vec<&str> = built
        .warnings
        .iter()
        .map(|w| w.attribute.as_str())
        .collect();
    assert_eq!(
        warned,
        [
            "logging.options.awslogs-group",
            "logging.options.awslogs-region",
            "logging.options.awslogs-stream-prefix"
        ]
    );
}

#[test]
fn a_clamped_health_check_duration_is_shown_as_written() {
    let mut db = service("mysql");
    db.healthcheck = Some(Healthcheck {
        test: vec!["CMD".into(), "true".into()],
        interval: Some(Duration(std::time::Duration::from_millis(500))),
        timeout: Some(Duration::from_secs(90)),
        ..Default::default()
    });
    let built = build(&project(vec![("db", db)])).unwrap();
    let check = &built.template["Resources"]["DbTaskDefinition"]["Properties"]
        ["ContainerDefinitions"][1]["HealthCheck"];
    assert_eq!(check["Interval"], 5);
    assert_eq!(check["Timeout"], 60);
    let shown: Vec<String> = built.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "service \"db\": healthcheck.interval: value outside what ECS accepts: clamped (500ms -> 5s; ECS accepts 5s to 300s)",
            "service \"db\": healthcheck.timeout: value outside what ECS accepts: clamped (1m30s -> 60s; ECS accepts 2s to 60s)",
        ]
    );
}

#[test]
fn the_host_time_zone_files_are_left_out_with_a_warning() {
    let mut git = service("gitea");
    for file in ["/etc/localtime", "/etc/timezone"] {
        git.volumes.push(ServiceVolume {
            kind: VolumeType::Bind,
            source: Some(file.into()),
            target: file.into(),
            read_only: true,
            volume: None,
            tmpfs: None,
            other: BTreeMap::new(),
        });
    }
    let built = build(&project(vec![("git", git)])).unwrap();
    let td = &built.template["Resources"]["GitTaskDefinition"]["Properties"];
    assert!(td.get("Volumes").is_none());
    assert!(td["ContainerDefinitions"][1].get("MountPoints").is_none());
    let warned: Vec<&str> = built
        .warnings
        .iter()
        .map(|w| w.attribute.as_str())
        .collect();
    assert_eq!(warned, ["volumes[0]", "volumes[1]"]);
    assert!(built.warnings[0].message.contains("TZ"));
}

#[test]
fn published_port_0_listens_on_the_container_port_and_target_0_is_refused() {
    let mut web = service("nginx");
    web.ports.push(Port {
        published: Some("0".into()),
        ..port(8080, None)
    });
    let built = build(&project(vec![("web", web.clone())])).unwrap();
    let listener = &built.template["Resources"]["WebTCP8080Listener"]["Properties"];
    assert_eq!(listener["Port"], 8080);
    web.ports[0].target = 0;
    let err = build(&project(vec![("web", web)])).unwrap_err();
    assert_eq!(err.attribute, "ports[0].target");
}

#[test]
fn an_empty_user_or_working_dir_keeps_the_image_defaults() {
    let mut app = service("app");
    app.user = Some(String::new());
    app.working_dir = Some(String::new());
    let built = build(&project(vec![("app", app)])).unwrap();
    let main =
        &built.template["Resources"]["AppTaskDefinition"]["Properties"]["ContainerDefinitions"][1];
    assert!(main.get("User").is_none());
    assert!(main.get("WorkingDirectory").is_none());
}

#[test]
fn a_health_check_without_a_command_is_refused() {
    let mut app = service("app");
    app.healthcheck = Some(Healthcheck {
        test: vec!["CMD".into()],
        ..Default::default()
    });
    let err = build(&project(vec![("app", app)])).unwrap_err();
    assert_eq!(err.attribute, "healthcheck.test");
    assert!(err.message.contains("runs nothing"), "{err}");
}

#[test]
fn nofile_above_the_fargate_ceiling_is_capped_with_a_warning() {
    let mut search = service("elasticsearch");
    search.ulimits.insert(
        "nofile".into(),
        Ulimit {
            soft: 65536,
            hard: -1,
        },
    );
    let built = build(&project(vec![("search", search)])).unwrap();
    let main = &built.template["Resources"]["SearchTaskDefinition"]["Properties"]
        ["ContainerDefinitions"][1];
    assert_eq!(
        main["Ulimits"],
        json!([{"Name": "nofile", "SoftLimit": 65536, "HardLimit": 1048576}])
    );
    let shown: Vec<String> = built.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        ["service \"search\": ulimits.nofile: 65536:-1 is above what Fargate allows: capped at 1048576"]
    );
}

#[test]
fn a_one_off_job_is_told_it_would_run_again_and_again() {
    let mut migrate = service("app");
    migrate.restart = Some("no".into());
    let mut web = service("app");
    web.restart = Some("unless-stopped".into());
    let built = build(&project(vec![("migrate", migrate), ("web", web)])).unwrap();
    let shown: Vec<String> = built.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(
        shown[0].starts_with("service \"migrate\": restart: ignored: ECS always replaces stopped tasks, so a one-off job"),
        "{shown:?}"
    );
}

#[test]
fn an_autoscaled_service_leaves_its_count_to_autoscaling() {
    let mut api = service("api");
    api.extensions.insert(
        "x-aws-autoscaling".into(),
        json!({"min": 2, "max": 6, "cpu": 60}),
    );
    api.deploy = Some(Deploy {
        replicas: Some(3),
        ..Default::default()
    });
    let built = build(&project(vec![("api", api)])).unwrap();
    let r = &built.template["Resources"];
    assert!(r["ApiService"]["Properties"].get("DesiredCount").is_none());
    assert_eq!(r["ApiScalableTarget"]["Properties"]["MinCapacity"], 2);
    let warned: Vec<&str> = built
        .warnings
        .iter()
        .map(|w| w.attribute.as_str())
        .collect();
    assert_eq!(warned, ["deploy.replicas"]);
}

#[test]
fn replicas_equal_to_the_autoscaling_min_are_not_warned_about() {
    let mut api = service("api");
    api.extensions.insert(
        "x-aws-autoscaling".into(),
        json!({"min": 3, "max": 6, "cpu": 60}),
    );
    api.deploy = Some(Deploy {
        replicas: Some(3),
        ..Default::default()
    });
    let built = build(&project(vec![("api", api)])).unwrap();
    assert!(built.warnings.is_empty(), "{:?}", built.warnings);
}

#[test]
fn links_are_warned_about_only_when_an_alias_would_be_lost() {
    let links = |list: Value| {
        let mut app = service("app");
        app.other.insert("links".into(), list);
        build(&project(vec![("app", app), ("db", service("mariadb"))]))
            .unwrap()
            .warnings
            .iter()
            .map(|w| w.attribute.clone())
            .collect::<Vec<_>>()
    };
    assert!(links(json!(["db"])).is_empty());
    assert_eq!(links(json!(["db:database"])), ["links"]);
}

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
    let mut names: Vec<String> = representative_projects()
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    names.sort();
    assert_eq!(
        exported, names,
        "tests/samples/ and the sample projects differ"
    );
    for (name, project) in representative_projects() {
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
