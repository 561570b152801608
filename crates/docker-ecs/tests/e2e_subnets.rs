//! Subnets end to end: the real binary runs `up` against the moto launcher in a VPC the test builds
//! (public subnets routed to an internet gateway, private ones routed to a NAT gateway or to nothing,
//! several subnets in some availability zones), and the test reads back from the AWS APIs where the
//! load balancer and the tasks were put: automatic detection, `x-aws-subnets`,
//! `x-aws-loadbalancer_scheme: internal`, a VPC without public subnets, and the default VPC (public
//! subnets only).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::common::{log_tail, str_at, Moto, Run};
use serde_json::{json, Value};

const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

/// A VPC made by the test, with its subnets by kind and the zone of each.
struct Vpc {
    id: String,
    public: Vec<String>,
    private: Vec<String>,
    zone_of: BTreeMap<String, String>,
}

impl Vpc {
    /// `public_zones` / `private_zones`: one entry per subnet, naming its zone (repeat a zone for
    /// several subnets in it). The public ones get a route table with 0.0.0.0/0 to an internet
    /// gateway, and none maps public IPs on launch. The last private subnet has no route table of
    /// its own (the VPC's main table, local routes only); the others share one whose default route
    /// goes to a NAT gateway when the VPC has a public subnet to hold one.
    fn create(moto: &Moto, cidr: u8, public_zones: &[&str], private_zones: &[&str]) -> Vpc {
        let vpc = moto.aws_ok(
            "ec2",
            "create_vpc",
            json!({ "CidrBlock": format!("10.{cidr}.0.0/16") }),
        );
        let id = str_at(&vpc, "/Vpc/VpcId").to_owned();
        let mut zone_of = BTreeMap::new();
        let mut next_block = 0;
        let mut subnet = |zone: &str| {
            let created = moto.aws_ok(
                "ec2",
                "create_subnet",
                json!({
                    "VpcId": id,
                    "CidrBlock": format!("10.{cidr}.{next_block}.0/24"),
                    "AvailabilityZone": zone,
                }),
            );
            next_block += 1;
            let subnet = str_at(&created, "/Subnet/SubnetId").to_owned();
            zone_of.insert(subnet.clone(), zone.to_owned());
            subnet
        };
        let public: Vec<String> = public_zones.iter().map(|z| subnet(z)).collect();
        let private: Vec<String> = private_zones.iter().map(|z| subnet(z)).collect();

        let route_table = |moto: &Moto| {
            let table = moto.aws_ok("ec2", "create_route_table", json!({ "VpcId": id }));
            str_at(&table, "/RouteTable/RouteTableId").to_owned()
        };
        let associate = |moto: &Moto, table: &str, subnet: &str| {
            moto.aws_ok(
                "ec2",
                "associate_route_table",
                json!({ "RouteTableId": table, "SubnetId": subnet }),
            );
        };
        let mut nat_gateway = None;
        if !public.is_empty() {
            let gateway = moto.aws_ok("ec2", "create_internet_gateway", json!({}));
            let gateway = str_at(&gateway, "/InternetGateway/InternetGatewayId").to_owned();
            moto.aws_ok(
                "ec2",
                "attach_internet_gateway",
                json!({ "InternetGatewayId": gateway, "VpcId": id }),
            );
            let table = route_table(moto);
            moto.aws_ok(
                "ec2",
                "create_route",
                json!({ "RouteTableId": table, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway }),
            );
            for subnet in &public {
                associate(moto, &table, subnet);
            }
            let address = moto.aws_ok("ec2", "allocate_address", json!({ "Domain": "vpc" }));
            let nat = moto.aws_ok(
                "ec2",
                "create_nat_gateway",
                json!({ "SubnetId": public[0], "AllocationId": str_at(&address, "/AllocationId") }),
            );
            nat_gateway = Some(str_at(&nat, "/NatGateway/NatGatewayId").to_owned());
        }
        if let Some((_, routed)) = private.split_last() {
            let table = route_table(moto);
            if let Some(nat) = &nat_gateway {
                moto.aws_ok(
                    "ec2",
                    "create_route",
                    json!({ "RouteTableId": table, "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat }),
                );
            }
            for subnet in routed {
                associate(moto, &table, subnet);
            }
        }
        Vpc {
            id,
            public,
            private,
            zone_of,
        }
    }

    fn zone(&self, subnet: &str) -> &str {
        self.zone_of
            .get(subnet)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{subnet} is not a subnet of {}", self.id))
    }

    /// The zones of `subnets`, checking none is used twice.
    #[track_caller]
    fn distinct_zones(&self, subnets: &[String], what: &str) -> BTreeSet<String> {
        let mut zones = BTreeSet::new();
        for subnet in subnets {
            assert!(
                zones.insert(self.zone(subnet).to_owned()),
                "{what}: two subnets in {} ({subnets:?})",
                self.zone(subnet)
            );
        }
        zones
    }

    #[track_caller]
    fn assert_all_in(&self, subnets: &[String], kind: &[String], what: &str) {
        assert!(!subnets.is_empty(), "{what}: no subnets");
        for subnet in subnets {
            assert!(
                kind.contains(subnet),
                "{what}: {subnet} is not one of {kind:?}"
            );
        }
    }
}

/// A project directory named `name` (the project and stack name) with this compose file.
struct Project {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    name: String,
}

impl Project {
    fn new(name: &str, compose: &str) -> Project {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).expect("create the project directory");
        std::fs::write(dir.join("compose.yaml"), compose).expect("write compose.yaml");
        Project {
            _tmp: tmp,
            dir,
            name: name.to_owned(),
        }
    }

    /// A web server published on port 80 (an application load balancer), with `top` as the
    /// compose file's top-level x-aws lines.
    fn web(name: &str, top: &str) -> Project {
        Project::new(
            name,
            &format!(
                "{top}\nservices:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"80:80\"\n"
            ),
        )
    }
}

/// What AWS holds for a deployed project.
struct Deployed {
    parameters: BTreeMap<String, String>,
    load_balancer: Value,
    service: Value,
}

impl Deployed {
    fn load_balancer_subnets(&self) -> Vec<String> {
        self.load_balancer["AvailabilityZones"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|z| z["SubnetId"].as_str().map(str::to_owned))
            .collect()
    }

    fn task_subnets(&self) -> Vec<String> {
        self.service["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()
    }

    fn assign_public_ip(&self) -> &str {
        str_at(
            &self.service,
            "/networkConfiguration/awsvpcConfiguration/assignPublicIp",
        )
    }

    /// A List parameter. AWS reports `subnet-a,subnet-b`; moto 5.2.5 reports the Python list it
    /// parsed (`['subnet-a', 'subnet-b']`): both are read.
    fn parameter_list(&self, name: &str) -> Vec<String> {
        self.parameters
            .get(name)
            .map(|v| {
                v.trim_matches(|c| c == '[' || c == ']')
                    .split(',')
                    .map(|item| item.trim().trim_matches('\'').to_owned())
                    .filter(|item| !item.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[track_caller]
fn up(moto: &Moto, project: &Project) -> Run {
    let run = moto.docker_ecs(&project.dir, &["up"]);
    assert!(
        run.output.status.success()
            && moto.stack_status(&project.name).as_deref() == Some("CREATE_COMPLETE"),
        "{}\n--- moto log (end)\n{}",
        run.describe(),
        log_tail(&moto.log(), 30)
    );
    run
}

fn deployed(moto: &Moto, project: &Project) -> Deployed {
    let stacks = moto.aws_ok(
        "cloudformation",
        "describe_stacks",
        json!({ "StackName": project.name }),
    );
    let parameters = stacks["Stacks"][0]["Parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                str_at(p, "/ParameterKey").to_owned(),
                str_at(p, "/ParameterValue").to_owned(),
            )
        })
        .collect();
    let one = |resource_type: &str| {
        let found = moto.stack_resources(&project.name, resource_type);
        assert_eq!(
            found.len(),
            1,
            "one {resource_type} in the stack: {found:?}"
        );
        found[0].clone()
    };
    let load_balancer = moto.aws_ok(
        "elbv2",
        "describe_load_balancers",
        json!({ "LoadBalancerArns": [one("AWS::ElasticLoadBalancingV2::LoadBalancer")] }),
    )["LoadBalancers"][0]
        .clone();
    let cluster = one("AWS::ECS::Cluster");
    let service = moto.aws_ok(
        "ecs",
        "describe_services",
        json!({ "cluster": cluster, "services": [one("AWS::ECS::Service")] }),
    )["services"][0]
        .clone();
    Deployed {
        parameters,
        load_balancer,
        service,
    }
}

fn all_zones() -> BTreeSet<String> {
    ZONES.iter().map(|z| z.to_string()).collect()
}

/// Public subnets: two in us-east-1a, one in each other zone. Private: two in us-east-1b, one in
/// each other zone (the us-east-1c one through the main route table).
fn mixed_vpc(moto: &Moto) -> Vpc {
    Vpc::create(
        moto,
        40,
        &["us-east-1a", "us-east-1a", "us-east-1b", "us-east-1c"],
        &["us-east-1a", "us-east-1b", "us-east-1b", "us-east-1c"],
    )
}

#[test]
fn detected_subnets_put_the_load_balancer_in_public_ones_and_tasks_in_private_ones() {
    let moto = Moto::start();
    let vpc = mixed_vpc(&moto);

    // (a) x-aws-vpc alone: `up` classifies the subnets itself.
    let project = Project::web("subnets-auto", &format!("x-aws-vpc: {}", vpc.id));
    up(&moto, &project);
    let app = deployed(&moto, &project);
    assert_eq!(app.parameters.get("VpcId"), Some(&vpc.id));
    assert_eq!(
        app.parameters.get("AssignPublicIp").map(String::as_str),
        Some("DISABLED")
    );
    if let Some(scheme) = app.parameters.get("LoadBalancerScheme") {
        assert_eq!(scheme, "internet-facing");
    }
    // The stack's own view: one public subnet per zone for the load balancer, one private per zone
    // for the tasks.
    let public = app.parameter_list("PublicSubnetIds");
    vpc.assert_all_in(&public, &vpc.public, "PublicSubnetIds");
    assert_eq!(vpc.distinct_zones(&public, "PublicSubnetIds"), all_zones());
    let private = app.parameter_list("PrivateSubnetIds");
    vpc.assert_all_in(&private, &vpc.private, "PrivateSubnetIds");
    assert_eq!(
        vpc.distinct_zones(&private, "PrivateSubnetIds"),
        all_zones()
    );

    // What ELB holds: an internet-facing load balancer in those public subnets.
    assert_eq!(app.load_balancer["Scheme"], "internet-facing");
    assert_eq!(app.load_balancer["VpcId"], vpc.id.as_str());
    let lb_subnets = app.load_balancer_subnets();
    assert_eq!(
        lb_subnets.iter().collect::<BTreeSet<_>>(),
        public.iter().collect::<BTreeSet<_>>(),
        "{}",
        app.load_balancer
    );
    vpc.distinct_zones(&lb_subnets, "load balancer");

    // What ECS holds: tasks in the private subnets, without public IPs.
    assert_eq!(app.assign_public_ip(), "DISABLED", "{}", app.service);
    assert_eq!(app.task_subnets(), private, "{}", app.service);

    // (c) x-aws-loadbalancer_scheme: internal in the same VPC: the load balancer moves to the
    // private subnets, one per zone, and never into a public one.
    let project = Project::web(
        "subnets-internal",
        &format!("x-aws-vpc: {}\nx-aws-loadbalancer_scheme: internal", vpc.id),
    );
    up(&moto, &project);
    let app = deployed(&moto, &project);
    assert_eq!(
        app.load_balancer["Scheme"], "internal",
        "{}",
        app.load_balancer
    );
    let lb_subnets = app.load_balancer_subnets();
    vpc.assert_all_in(&lb_subnets, &vpc.private, "internal load balancer");
    assert_eq!(
        vpc.distinct_zones(&lb_subnets, "internal load balancer"),
        all_zones()
    );
    assert_eq!(app.assign_public_ip(), "DISABLED");
    vpc.assert_all_in(&app.task_subnets(), &vpc.private, "tasks");
}

#[test]
fn x_aws_subnets_are_used_as_given_and_checked_before_deploying() {
    let moto = Moto::start();
    let vpc = mixed_vpc(&moto);

    // (b) Explicit lists, chosen so that detection would have picked others: the second public
    // subnet of us-east-1a, the second private subnet of us-east-1b.
    let public = vec![vpc.public[1].clone(), vpc.public[2].clone()];
    let private = vec![vpc.private[2].clone(), vpc.private[0].clone()];
    let project = Project::web(
        "subnets-explicit",
        &format!(
            "x-aws-vpc: {}\nx-aws-subnets:\n  public: [{}]\n  private: [{}]",
            vpc.id,
            public.join(", "),
            private.join(", ")
        ),
    );
    up(&moto, &project);
    let app = deployed(&moto, &project);
    assert_eq!(app.parameter_list("PublicSubnetIds"), public);
    assert_eq!(app.parameter_list("PrivateSubnetIds"), private);
    assert_eq!(
        app.load_balancer_subnets()
            .into_iter()
            .collect::<BTreeSet<_>>(),
        public.iter().cloned().collect::<BTreeSet<_>>(),
        "{}",
        app.load_balancer
    );
    assert_eq!(app.load_balancer["Scheme"], "internet-facing");
    assert_eq!(app.task_subnets(), private, "{}", app.service);
    assert_eq!(app.assign_public_ip(), "DISABLED");

    // Two public subnets in one zone: refused before anything is created, naming both.
    let project = Project::web(
        "subnets-same-zone",
        &format!(
            "x-aws-vpc: {}\nx-aws-subnets:\n  public: [{}, {}]",
            vpc.id, vpc.public[0], vpc.public[1]
        ),
    );
    let run = moto.docker_ecs(&project.dir, &["up"]);
    run.assert_failure();
    let said = run.stderr();
    for expected in [
        "x-aws-subnets.public",
        vpc.public[0].as_str(),
        vpc.public[1].as_str(),
        "us-east-1a",
    ] {
        assert!(said.contains(expected), "{expected}: {}", run.describe());
    }
    assert_eq!(moto.stack_status(&project.name), None, "nothing created");

    // A subnet of another VPC (the default one): refused, naming it.
    let default_vpc = moto.aws_ok(
        "ec2",
        "describe_vpcs",
        json!({ "Filters": [{ "Name": "is-default", "Values": ["true"] }] }),
    );
    let default_vpc = str_at(&default_vpc, "/Vpcs/0/VpcId").to_owned();
    let elsewhere = moto.aws_ok(
        "ec2",
        "describe_subnets",
        json!({ "Filters": [{ "Name": "vpc-id", "Values": [default_vpc] }] }),
    );
    let elsewhere = str_at(&elsewhere, "/Subnets/0/SubnetId").to_owned();
    let project = Project::web(
        "subnets-elsewhere",
        &format!(
            "x-aws-vpc: {}\nx-aws-subnets:\n  public: [{elsewhere}]",
            vpc.id
        ),
    );
    let run = moto.docker_ecs(&project.dir, &["up"]);
    run.assert_failure();
    assert!(
        run.stderr().contains(&elsewhere) && run.stderr().contains("not found in VPC"),
        "{}",
        run.describe()
    );
    assert_eq!(moto.stack_status(&project.name), None, "nothing created");
}

#[test]
fn a_vpc_without_public_subnets_gets_an_internal_load_balancer_unless_told_otherwise() {
    let moto = Moto::start();
    // Private subnets only, two in us-east-1a; no internet gateway at all.
    let vpc = Vpc::create(&moto, 50, &[], &["us-east-1a", "us-east-1a", "us-east-1b"]);
    let count_load_balancers = || {
        moto.aws_ok("elbv2", "describe_load_balancers", json!({}))["LoadBalancers"]
            .as_array()
            .map_or(0, Vec::len)
    };

    // (d) An explicit internet-facing load balancer cannot be placed: `up` stops before creating
    // anything and says what to change.
    let project = Project::web(
        "private-facing",
        &format!(
            "x-aws-vpc: {}\nx-aws-loadbalancer_scheme: internet-facing",
            vpc.id
        ),
    );
    let run = moto.docker_ecs(&project.dir, &["up"]);
    run.assert_failure();
    let said = run.stderr();
    for expected in [
        vpc.id.as_str(),
        "has no public subnet",
        "x-aws-loadbalancer_scheme: internal",
    ] {
        assert!(said.contains(expected), "{expected}: {}", run.describe());
    }
    assert!(!said.contains("panicked"), "{}", run.describe());
    assert_eq!(moto.stack_status(&project.name), None, "no stack created");
    assert_eq!(count_load_balancers(), 0, "no load balancer created");

    // Left to `up`, the scheme follows the VPC: internal, in the private subnets.
    let project = Project::web("private-auto", &format!("x-aws-vpc: {}", vpc.id));
    up(&moto, &project);
    let app = deployed(&moto, &project);
    assert_eq!(
        app.parameters.get("LoadBalancerScheme").map(String::as_str),
        Some("internal")
    );
    assert_eq!(
        app.load_balancer["Scheme"], "internal",
        "{}",
        app.load_balancer
    );
    let lb_subnets = app.load_balancer_subnets();
    vpc.assert_all_in(&lb_subnets, &vpc.private, "internal load balancer");
    let expected_zones: BTreeSet<String> = ["us-east-1a", "us-east-1b"]
        .iter()
        .map(|z| z.to_string())
        .collect();
    assert_eq!(
        vpc.distinct_zones(&lb_subnets, "internal load balancer"),
        expected_zones
    );
    assert_eq!(app.assign_public_ip(), "DISABLED", "{}", app.service);
    vpc.assert_all_in(&app.task_subnets(), &vpc.private, "tasks");
}

#[test]
fn without_private_subnets_tasks_share_the_public_ones_and_get_public_ips() {
    let moto = Moto::start();
    // No x-aws-vpc: the region's default VPC, whose subnets (one per zone) map public IPs on launch.
    let default_vpc = moto.aws_ok(
        "ec2",
        "describe_vpcs",
        json!({ "Filters": [{ "Name": "is-default", "Values": ["true"] }] }),
    );
    let vpc_id = str_at(&default_vpc, "/Vpcs/0/VpcId").to_owned();
    let subnets = moto.aws_ok(
        "ec2",
        "describe_subnets",
        json!({ "Filters": [{ "Name": "vpc-id", "Values": [vpc_id] }] }),
    );
    let zone_of: BTreeMap<String, String> = subnets["Subnets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                str_at(s, "/SubnetId").to_owned(),
                str_at(s, "/AvailabilityZone").to_owned(),
            )
        })
        .collect();
    let vpc = Vpc {
        id: vpc_id,
        public: zone_of.keys().cloned().collect(),
        private: Vec::new(),
        zone_of,
    };

    let project = Project::web("default-vpc", "");
    up(&moto, &project);
    let app = deployed(&moto, &project);
    assert_eq!(app.parameters.get("VpcId"), Some(&vpc.id));
    // Tasks in public subnets need a public IP to pull their images.
    assert_eq!(app.assign_public_ip(), "ENABLED", "{}", app.service);
    let tasks = app.task_subnets();
    vpc.assert_all_in(&tasks, &vpc.public, "tasks");
    let lb_subnets = app.load_balancer_subnets();
    vpc.assert_all_in(&lb_subnets, &vpc.public, "load balancer");
    assert_eq!(app.load_balancer["Scheme"], "internet-facing");
    let every_zone: BTreeSet<String> = vpc.zone_of.values().cloned().collect();
    assert_eq!(vpc.distinct_zones(&tasks, "tasks"), every_zone);
    assert_eq!(vpc.distinct_zones(&lb_subnets, "load balancer"), every_zone);
}
