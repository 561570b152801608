//! Compose project in, CloudFormation template out. Pure: no I/O, no AWS SDK, no clock, so `docker ecs
//! convert` needs no credentials and prints the same bytes for the same input.
//!
//! What can only be known from the AWS account (the VPC and its subnets, secret values, retained EFS
//! file systems) becomes a template Parameter; [`Built::parameters`] tells `up` what to fill each one
//! with, and [`Built::preconditions`] what to check in the account first.
//!
//! One module per concern: `cluster`, `networks` (security groups), `loadbalancer` (listeners, target
//! groups), `https` (certificates, redirect), `domains` (`x-aws-domain`: ACM certificate, alias record), `targethealth` (`x-aws-healthcheck`), `services` (the ECS service, wiring the others together), `deployment` (rolling update
//! percents, task count), `taskdef` (containers), `images` (`build:`: what `up` builds and pushes),
//! `local_ports` (ports published on 127.0.0.1 only), `fargate` (task size), `servicediscovery`, `logs`, `iam`, `exec` (ECS Exec), `secrets`, `volumes` (EFS), `gpu`, `spot`
//! (Fargate Spot), `autoscaling`, `overlay` (`x-aws-cloudformation`), `limits`. `attributes` is the table of every
//! Compose attribute (mapped / warned / error) behind the warnings and docs/ATTRIBUTES.md; `naming`
//! gives logical ids, `template` the document and intrinsic functions, `yaml` the YAML 1.1-safe output.

// Every dependency in Cargo.toml is used, or clippy -D warnings says which is not. (Unit-test builds
// also see the dev-dependencies, which only some targets use.)
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

use std::fmt;
use std::path::PathBuf;

use compose_model::Project;

pub use images::{
    is_ecr_host, BaseImage, BuildSecret, BuildSecretSource, BuildSpec, DerivedImage, ImageBuild,
    ImageTarget, DEFAULT_TAG,
};
pub use mounts::{BakedFile, FileSource};

pub mod attributes;
mod autoscaling;
mod cluster;
mod context;
mod deployment;
mod domains;
mod exec;
mod extensions;
mod fargate;
mod gpu;
pub mod graph;
mod https;
mod iam;
mod images;
pub mod jobs;
mod limits;
mod loadbalancer;
mod local_ports;
mod logs;
mod mounts;
pub mod naming;
mod networks;
mod overlay;
mod parameters;
mod schedule;
mod secrets;
mod servicediscovery;
mod services;
mod spot;
mod subnets;
mod targethealth;
mod taskdef;
pub mod template;
mod volumes;
mod yaml;

#[cfg(test)]
mod test_support;

/// The result of converting a project.
#[derive(Debug, Clone)]
pub struct Built {
    /// The final template (with the `x-aws-cloudformation` overlay applied). Key order is the order of
    /// insertion and is deterministic.
    pub template: serde_json::Value,
    /// Attributes that could not be mapped, once each, in a stable order.
    pub warnings: Vec<Warning>,
    /// Every template Parameter that `up` must supply a value for (the others have defaults).
    pub parameters: Vec<ParameterInput>,
    /// What `up` must verify in the account before deploying.
    pub preconditions: Vec<Precondition>,
    /// The images `up` builds and pushes (services with `build:`), one per build definition.
    pub images: Vec<ImageBuild>,
    /// The images `up` derives from a service's image by adding files of the project (bind mounts,
    /// configs), built after `images` (a base may be one of them) and pushed like them.
    pub derived: Vec<DerivedImage>,
    /// The one-off jobs `up` runs once per deployment, in order, with the services that wait for
    /// each (see jobs.rs).
    pub jobs: Vec<jobs::Job>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterInput {
    /// The template Parameter's logical name.
    pub name: String,
    pub source: ParameterSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterSource {
    /// `AWS::EC2::VPC::Id`: the default VPC, or `x-aws-vpc`.
    VpcId,
    /// The IPv4 range (CIDR) of that VPC.
    VpcCidr,
    /// `List<AWS::EC2::Subnet::Id>` of the VPC's public subnets (load balancer, tasks with public IPs).
    PublicSubnetIds,
    /// `List<AWS::EC2::Subnet::Id>` of the VPC's private subnets (falls back to the public ones).
    PrivateSubnetIds,
    /// `ENABLED` or `DISABLED`: whether tasks get a public IP. DISABLED only when the task subnets
    /// are really private (they reach the internet through a NAT gateway, not a public IP).
    AssignPublicIp,
    /// `internet-facing` or `internal`: the scheme of our load balancer when the compose file does
    /// not choose one (`x-aws-loadbalancer_scheme`). `internal` when the VPC has no public subnet.
    LoadBalancerScheme,
    /// A NoEcho parameter holding a secret's content, never written into the template.
    SecretValue {
        secret: String,
        from: SecretValueSource,
    },
    /// The id of a file system retained by an earlier `down` for this volume, or "" to create one.
    RetainedFileSystem { volume: String },
    /// `repository@sha256:...` of the image `up` built and pushed for this service (`build:`).
    BuiltImage { service: String },
    /// The ARN of the existing load balancer `x-aws-loadbalancer` names by name.
    LoadBalancerArn { name: String },
    /// The id of the public Route 53 hosted zone of `domain` (`x-aws-domain`): the one with the
    /// longest name the domain ends with.
    HostedZone { domain: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretValueSource {
    File(PathBuf),
    Environment(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `x-aws-cluster`: the cluster must exist.
    ClusterExists { name: String },
    /// `x-aws-loadbalancer`: the load balancer must exist and be of this type.
    LoadBalancer {
        name_or_arn: String,
        expected: LoadBalancerType,
    },
    /// `x-aws-vpc`: the VPC must exist.
    VpcExists { id: String },
    /// An external security group (network `external: true`, `name: sg-...`).
    SecurityGroupExists { id: String },
    /// An external EFS file system (volume `external: true`, `name: fs-...`).
    FileSystemExists { id: String },
    /// `x-aws-policies`: managed policy ARNs must exist.
    ManagedPolicyExists { arn: String },
    /// `x-aws-certificate`: the ACM certificate must exist in the deploy region and be issued, or
    /// the HTTPS listener fails half-way through the deployment.
    CertificateIssued { arn: String },
    /// `x-aws-hosted_zone`: the Route 53 zone must exist, be public and hold `domain` (a name in
    /// it), or the certificate's validation and the alias record fail half-way through.
    HostedZone { id: String, domain: String },
    /// `x-aws-subnets`: use these subnets instead of detecting them; they must exist in the VPC and
    /// the public ones (load balancer) must be in different availability zones.
    Subnets {
        public: Vec<String>,
        private: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadBalancerType {
    Application,
    Network,
}

/// An attribute that is valid Compose but has no ECS equivalent: reported once, never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    pub service: Option<String>,
    /// Dotted attribute path, e.g. `deploy.restart_policy`.
    pub attribute: String,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.service {
            Some(service) => write!(
                f,
                "service {service:?}: {}: {}",
                self.attribute, self.message
            ),
            None => write!(f, "{}: {}", self.attribute, self.message),
        }
    }
}

/// A Compose project that cannot be deployed as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", service.as_ref().map(|s| format!("service {s:?}: ")).unwrap_or_default(), attribute)]
pub struct Error {
    pub service: Option<String>,
    /// Dotted attribute path, e.g. `deploy.resources.limits`.
    pub attribute: String,
    pub message: String,
}

/// Every refusal of a project, in the order the build found them (at least one): one per service
/// and attribute, each with the way out in its message, as a compiler reports every error of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

/// Convert a project into a CloudFormation template; a refused project gives its first refusal
/// ([`build_all`] gives them all).
pub fn build(project: &Project) -> Result<Built, Error> {
    build_all(project).map_err(|Errors(errors)| {
        errors
            .into_iter()
            .next()
            .expect("a refused build has a refusal")
    })
}

/// Convert a project into a CloudFormation template, or report every refusal of it in one run.
/// After a refusal the build goes on without what the refused step would have given (a service
/// without its load balancer ports, an image without its refused files...), so that the other
/// services and attributes are checked too; the template is then discarded.
pub fn build_all(project: &Project) -> Result<Built, Errors> {
    let (project, local_ports) = local_ports::without_loopback_ports(project);
    let project = project.as_ref();
    let names = naming::Names::new(project).map_err(|error| Errors(vec![error]))?;
    let mut ctx = context::Ctx::new(project, names);
    ctx.warnings.extend(local_ports);
    for error in attributes::check(project, &mut ctx.warnings) {
        ctx.refuse(error);
    }
    let cycles = services::check_dependency_cycles(project);
    ctx.keep(cycles);
    if let Some(vpc) = ctx.project_extension_str("x-aws-vpc") {
        match parameters::vpc_id_of(vpc) {
            Some(id) => {
                let id = id.to_string();
                ctx.add_precondition(Precondition::VpcExists { id });
            }
            None => {
                let message = format!(
                    "{vpc:?} is not a VPC: give its id (vpc-...) or its ARN (arn:aws:ec2:REGION:ACCOUNT:vpc/vpc-...)"
                );
                ctx.refuse(Error {
                    service: None,
                    attribute: "x-aws-vpc".into(),
                    message,
                });
            }
        }
    }
    let subnets = subnets::explicit(project);
    if let Some(Some(subnets::Subnets { public, private })) = ctx.keep(subnets) {
        ctx.add_precondition(Precondition::Subnets { public, private });
    }
    let baked = mounts::plan(&mut ctx);
    let (images, derived) = ctx.keep(images::plan(project, &baked)).unwrap_or_default();
    ctx.derived_services = baked.into_keys().collect();
    let plan = loadbalancer::plan(&mut ctx);
    let plan = ctx.keep(plan).unwrap_or_default();
    let logs = logs::add(&mut ctx);
    ctx.keep(logs);
    cluster::add(&mut ctx);
    let networks = networks::add(&mut ctx);
    ctx.keep(networks);
    let load_balancer = loadbalancer::add(&mut ctx, &plan);
    ctx.keep(load_balancer);
    servicediscovery::add_namespace(&mut ctx);
    let secrets = secrets::add(&mut ctx);
    ctx.keep(secrets);
    let volumes = volumes::add(&mut ctx);
    ctx.keep(volumes);
    let mut capacity_providers = Vec::new();
    for name in project.services.keys() {
        let added = services::add(&mut ctx, name, &plan);
        if let Some(Some(provider)) = ctx.keep(added) {
            capacity_providers.push(provider);
        }
    }
    if !ctx.errors.is_empty() {
        return Err(Errors(ctx.errors));
    }
    // What follows checks the whole template, which only a project without refusals has.
    let one = |error: Error| Errors(vec![error]);
    // Services were checked above: `requested` cannot fail here.
    let spot = project
        .services
        .iter()
        .any(|(name, service)| matches!(spot::requested(name, service), Ok(true)));
    cluster::add_capacity_providers(&mut ctx, &capacity_providers, spot);
    ctx.template.add_output(
        "ClusterName",
        "The ECS cluster the services run in",
        ctx.cluster(),
    );
    let jobs = jobs::plan(&ctx);
    if let Some(id) = ctx.template.duplicates().first() {
        return Err(one(Error {
            service: None,
            attribute: "services".into(),
            message: format!(
                "two Compose objects map to the same CloudFormation resource name {id:?}; rename one of them"
            ),
        }));
    }
    let context::Ctx {
        template,
        warnings,
        parameters,
        preconditions,
        ..
    } = ctx;
    let mut template = template.into_value();
    overlay::apply(
        &mut template,
        project.extensions.get("x-aws-cloudformation"),
    )
    .map_err(one)?;
    limits::check(&template, project.services.len()).map_err(one)?;
    Ok(Built {
        template,
        warnings: warnings.into_iter().collect(),
        parameters,
        preconditions,
        images,
        derived,
        jobs,
    })
}

/// The template as YAML (what `convert` prints by default). Strings a YAML 1.1 parser such as
/// CloudFormation's would read as booleans, numbers or dates are quoted.
pub fn to_yaml(template: &serde_json::Value) -> String {
    yaml::to_yaml(template)
}

/// The template as pretty JSON, with a trailing newline.
pub fn to_json(template: &serde_json::Value) -> String {
    let mut out = serde_json::to_string_pretty(template).expect("a JSON value always serialises");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use compose_model::{Network, ServiceNetwork};
    use serde_json::json;

    use crate::test_support::{
        extensions_project, kinds, port, project, secret_ref, service, web_redis,
    };

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
    fn warnings_are_sorted_and_unique() {
        let mut a = service("a");
        a.hostname = Some("x".into());
        a.other.insert("dns".into(), json!("1.1.1.1"));
        // Two devices that are not GPUs: each is warned about under the same attribute, so the
        // same warning is made twice for service a and must be shown once.
        let not_a_gpu = || compose_model::DeviceRequest {
            capabilities: vec!["tpu".into()],
            ..Default::default()
        };
        a.deploy = Some(compose_model::Deploy {
            resources: compose_model::Resources {
                limits: None,
                reservations: Some(compose_model::ResourceSpec {
                    devices: vec![not_a_gpu(), not_a_gpu()],
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        });
        let mut b = service("b");
        b.hostname = Some("y".into());
        let built = build(&project(vec![("b", b), ("a", a)])).unwrap();
        let shown: Vec<String> = built.warnings.iter().map(|w| w.to_string()).collect();
        let mut sorted = shown.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(shown, sorted);
        assert_eq!(
            shown
                .iter()
                .filter(|w| w.contains("deploy.resources.reservations.devices"))
                .count(),
            1,
            "{shown:#?}"
        );
        assert_eq!(shown.len(), 4, "{shown:#?}");
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
    fn every_problem_of_one_service_is_reported_in_one_run() {
        let mut web = web_redis();
        let service = web.services.get_mut("web").unwrap();
        for (key, value) in [
            ("x-aws-spot", json!("maybe")),
            ("x-aws-exec", json!("perhaps")),
            ("x-aws-min_percent", json!("most")),
            ("x-aws-autoscaling", json!({"max": 3})),
        ] {
            service.extensions.insert(key.into(), value);
        }
        let Errors(errors) = build_all(&web).unwrap_err();
        let attributes: Vec<&str> = errors
            .iter()
            .filter(|e| e.service.as_deref() == Some("web"))
            .map(|e| e.attribute.as_str())
            .collect();
        assert_eq!(
            attributes,
            [
                "x-aws-spot",
                "x-aws-exec",
                "x-aws-min_percent",
                "x-aws-autoscaling"
            ],
            "{errors:?}"
        );
    }

    #[test]
    fn a_vpc_given_as_an_arn_is_its_id() {
        let mut p = web_redis();
        p.extensions.insert(
            "x-aws-vpc".into(),
            json!("arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0abc1234"),
        );
        let built = build(&p).unwrap();
        assert_eq!(
            built
                .preconditions
                .iter()
                .filter(|p| matches!(p, Precondition::VpcExists { .. }))
                .collect::<Vec<_>>(),
            vec![&Precondition::VpcExists {
                id: "vpc-0abc1234".into()
            }]
        );
        let description = built.template["Parameters"]["VpcId"]["Description"]
            .as_str()
            .unwrap();
        assert!(
            description.contains("(vpc-0abc1234, from x-aws-vpc)"),
            "{description}"
        );
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
                "configs",
                Box::new(|p: &mut Project| {
                    p.services
                        .get_mut("app")
                        .unwrap()
                        .configs
                        .push(secret_ref("conf"));
                }),
                "configs[0]",
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
    fn every_refusal_of_a_project_is_reported_in_one_run() {
        use compose_model::{Logging, Secret, ServiceVolume, VolumeType};
        let bind = |source: &str, target: &str| ServiceVolume {
            kind: VolumeType::Bind,
            source: Some(source.into()),
            target: target.into(),
            read_only: true,
            volume: None,
            tmpfs: None,
            other: Default::default(),
        };
        let mut agent = service("agent");
        agent.privileged = Some(true);
        agent.volumes = vec![
            bind("/var/run/docker.sock", "/var/run/docker.sock"),
            bind("/etc/agent", "/etc/agent"),
        ];
        let mut net = service("net");
        net.cap_add = vec!["NET_ADMIN".into()];
        let mut web = service("web");
        web.logging = Some(Logging {
            driver: Some("awslogs".into()),
            options: [("awslogs-endpoint".to_string(), "x".to_string())].into(),
            ..Default::default()
        });
        let mut p = project(vec![("agent", agent), ("net", net), ("web", web)]);
        p.working_dir = "/src/app".into();
        p.secrets.insert(
            "token".into(),
            Secret {
                content: Some("inline".into()),
                ..Default::default()
            },
        );
        let Errors(errors) = build_all(&p).unwrap_err();
        let found: Vec<(Option<&str>, &str)> = errors
            .iter()
            .map(|e| (e.service.as_deref(), e.attribute.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (Some("agent"), "privileged"),
                (None, "secrets.token.content"),
                (Some("agent"), "volumes[0]"),
                (Some("agent"), "volumes[1]"),
                (Some("net"), "cap_add[0]"),
                (Some("web"), "logging.options.awslogs-endpoint"),
            ]
        );
        // Each keeps its own way out.
        assert!(errors[2].message.contains("Docker socket"), "{}", errors[2]);
        assert!(errors[3].message.contains("system"), "{}", errors[3]);
        // One per line, and `build` gives the first.
        assert_eq!(Errors(errors.clone()).to_string().lines().count(), 6);
        assert_eq!(build(&p).unwrap_err(), errors[0]);
    }

    #[test]
    fn refused_project_settings_name_the_attribute() {
        let mut p = web_redis();
        p.extensions
            .insert("x-aws-loadbalancer".into(), json!("my alb"));
        assert_eq!(build(&p).unwrap_err().attribute, "x-aws-loadbalancer");

        let mut p = web_redis();
        p.extensions.insert(
            "x-aws-vpc".into(),
            json!("arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1"),
        );
        let err = build(&p).unwrap_err();
        assert_eq!(err.attribute, "x-aws-vpc");
        assert!(err.message.contains("is not a VPC"), "{}", err.message);

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
}
