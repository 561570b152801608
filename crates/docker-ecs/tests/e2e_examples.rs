//! Every example under examples/ deployed with the real binary to the moto launcher and removed again, and
//! examples/existing-infra against infrastructure the test creates first (a cluster, a VPC, a load balancer, a
//! security group, an EFS file system), which the stack must use and never delete.

use std::path::{Path, PathBuf};

use crate::common::{copy_dir, examples_dir, log_tail, str_at, LocalDocker, Moto};
use serde_json::{json, Value};

/// Examples that need infrastructure to exist first; covered by their own test below.
const NEEDS_EXISTING_INFRA: &[&str] = &["existing-infra"];

fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("examples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("compose.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn name_of(dir: &Path) -> String {
    dir.file_name()
        .and_then(|n| n.to_str())
        .expect("example directory name")
        .to_owned()
}

#[test]
fn every_example_deploys_and_is_removed() {
    // Examples with build: (examples/build-web) build and push through a daemon and registry of
    // the test's own.
    let docker = LocalDocker::start();
    let moto = Moto::start_with_docker(&docker);
    // Examples with HTTPS (examples/secure-web) take their certificate from CERTIFICATE_ARN; the
    // placeholder default is not in ACM, so every example gets a real one (unused without HTTPS).
    let certificate = moto.request_certificate("app.example.com");
    // Examples with custom domains (examples/custom-domain) need the public hosted zone of their names.
    moto.aws_ok(
        "route53",
        "create_hosted_zone",
        json!({ "Name": "example.com", "CallerReference": "examples" }),
    );
    let tmp = tempfile::tempdir().expect("temporary directory");
    let mut failures = Vec::new();
    let mut deployed = 0;
    for example in examples() {
        let name = name_of(&example);
        if NEEDS_EXISTING_INFRA.contains(&name.as_str()) {
            continue;
        }
        let dir = tmp.path().join(&name);
        copy_dir(&example, &dir);
        let up = moto.up_with_certificate(&dir, &certificate);
        let project = match moto.docker_ecs(&dir, &["config", "--format", "json"]) {
            run if run.output.status.success() => serde_json::from_str::<Value>(&run.stdout())
                .ok()
                .and_then(|v| v["name"].as_str().map(str::to_owned))
                .unwrap_or_else(|| name.clone()),
            _ => name.clone(),
        };
        let status = moto.stack_status(&project);
        // A project whose jobs hold a service back is created, then updated once they succeed.
        let expected = if up.stderr().contains("Jobs first:") {
            "UPDATE_COMPLETE"
        } else {
            "CREATE_COMPLETE"
        };
        if !up.output.status.success() || status.as_deref() != Some(expected) {
            failures.push(format!(
                "{name}: stack {project} is {status:?} after {}",
                up.describe()
            ));
            continue;
        }
        let down = moto.docker_ecs(&dir, &["down"]);
        if !down.output.status.success() || moto.stack_status(&project).is_some() {
            failures.push(format!(
                "{name}: stack {project} not removed by {}",
                down.describe()
            ));
            continue;
        }
        deployed += 1;
    }
    assert!(
        failures.is_empty(),
        "{} example(s) failed:\n\n{}\n--- moto log (end)\n{}",
        failures.len(),
        failures.join("\n\n"),
        log_tail(&moto.log(), 30)
    );
    assert!(deployed >= 3, "only {deployed} examples were deployed");
}

/// What the test creates for examples/existing-infra to use.
struct Existing {
    vpc: String,
    security_group: String,
    load_balancer: String,
    file_system: String,
}

fn create_existing_infra(moto: &Moto) -> Existing {
    moto.aws_ok(
        "ecs",
        "create_cluster",
        json!({ "clusterName": "shared-production" }),
    );
    let vpc = moto.aws_ok("ec2", "create_vpc", json!({ "CidrBlock": "10.20.0.0/16" }));
    let vpc = str_at(&vpc, "/Vpc/VpcId").to_owned();
    let gateway = moto.aws_ok("ec2", "create_internet_gateway", json!({}));
    let gateway = str_at(&gateway, "/InternetGateway/InternetGatewayId").to_owned();
    moto.aws_ok(
        "ec2",
        "attach_internet_gateway",
        json!({ "InternetGatewayId": gateway, "VpcId": vpc }),
    );
    let table = moto.aws_ok("ec2", "create_route_table", json!({ "VpcId": vpc }));
    let table = str_at(&table, "/RouteTable/RouteTableId").to_owned();
    moto.aws_ok(
        "ec2",
        "create_route",
        json!({ "RouteTableId": table, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway }),
    );
    let mut subnets = Vec::new();
    for (i, zone) in ["us-east-1a", "us-east-1b"].iter().enumerate() {
        let subnet = moto.aws_ok(
            "ec2",
            "create_subnet",
            json!({ "VpcId": vpc, "CidrBlock": format!("10.20.{i}.0/24"), "AvailabilityZone": zone }),
        );
        let subnet = str_at(&subnet, "/Subnet/SubnetId").to_owned();
        moto.aws_ok(
            "ec2",
            "associate_route_table",
            json!({ "RouteTableId": table, "SubnetId": subnet }),
        );
        subnets.push(subnet);
    }
    let group = moto.aws_ok(
        "ec2",
        "create_security_group",
        json!({ "GroupName": "corporate", "Description": "corporate network", "VpcId": vpc }),
    );
    let security_group = str_at(&group, "/GroupId").to_owned();
    let lb = moto.aws_ok(
        "elbv2",
        "create_load_balancer",
        json!({ "Name": "shared-alb", "Subnets": subnets, "SecurityGroups": [security_group], "Type": "application" }),
    );
    let load_balancer = str_at(&lb, "/LoadBalancers/0/LoadBalancerArn").to_owned();
    let fs = moto.aws_ok(
        "efs",
        "create_file_system",
        json!({ "CreationToken": "archive", "Encrypted": true }),
    );
    let file_system = str_at(&fs, "/FileSystemId").to_owned();
    // What up checks before deploying with an external file system: a mount target in each zone of
    // the task subnets, behind a security group that admits NFS from the VPC.
    let nfs = moto.aws_ok(
        "ec2",
        "create_security_group",
        json!({ "GroupName": "archive-nfs", "Description": "NFS from the VPC", "VpcId": vpc }),
    );
    let nfs = str_at(&nfs, "/GroupId").to_owned();
    moto.aws_ok(
        "ec2",
        "authorize_security_group_ingress",
        json!({ "GroupId": nfs, "IpPermissions": [{ "IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049,
            "IpRanges": [{ "CidrIp": "10.20.0.0/16" }] }] }),
    );
    for subnet in &subnets {
        moto.aws_ok(
            "efs",
            "create_mount_target",
            json!({ "FileSystemId": file_system, "SubnetId": subnet, "SecurityGroups": [nfs] }),
        );
    }
    Existing {
        vpc,
        security_group,
        load_balancer,
        file_system,
    }
}

#[test]
fn existing_infrastructure_is_used_and_kept() {
    let moto = Moto::start();
    let existing = create_existing_infra(&moto);
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("existing-infra");
    copy_dir(&examples_dir().join("existing-infra"), &dir);
    let compose_path = dir.join("compose.yaml");
    let compose = std::fs::read_to_string(&compose_path).expect("read compose.yaml");
    // The VPC as Terraform prints it (an ARN) and the load balancer by name: `up` finds the ids.
    let vpc_arn = format!("arn:aws:ec2:us-east-1:123456789012:vpc/{}", existing.vpc);
    let compose = compose
        .replace("vpc-0123456789abcdef0", &vpc_arn)
        .replace("sg-0123456789abcdef0", &existing.security_group)
        .replace("fs-0123456789abcdef0", &existing.file_system)
        .replace(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shared-alb/0123456789abcdef",
            "shared-alb",
        );
    std::fs::write(&compose_path, compose).expect("write compose.yaml");

    let up = moto.docker_ecs(&dir, &["up"]);
    up.assert_success();
    assert_eq!(
        moto.stack_status("existing-infra").as_deref(),
        Some("CREATE_COMPLETE"),
        "{}",
        up.describe()
    );
    for created in [
        "AWS::ECS::Cluster",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::EFS::FileSystem",
    ] {
        let found = moto.stack_resources("existing-infra", created);
        assert!(
            found.is_empty(),
            "the stack must not create a {created}: {found:?}"
        );
    }
    let services = moto.aws_ok(
        "ecs",
        "list_services",
        json!({ "cluster": "shared-production" }),
    );
    assert_eq!(
        services["serviceArns"].as_array().map(Vec::len),
        Some(1),
        "reports runs in the existing cluster: {services}"
    );
    let listeners = moto.aws_ok(
        "elbv2",
        "describe_listeners",
        json!({ "LoadBalancerArn": existing.load_balancer }),
    );
    let ports: Vec<i64> = listeners["Listeners"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["Port"].as_i64())
        .collect();
    assert_eq!(
        ports,
        [80],
        "a listener on the existing load balancer: {listeners}"
    );

    let ps = moto.docker_ecs(&dir, &["ps"]);
    ps.assert_success();
    assert!(ps.stdout().contains("reports"), "{}", ps.describe());

    moto.docker_ecs(&dir, &["down"]).assert_success();
    assert_eq!(moto.stack_status("existing-infra"), None);
    let cluster = moto.aws_ok(
        "ecs",
        "describe_clusters",
        json!({ "clusters": ["shared-production"] }),
    );
    assert_eq!(cluster["clusters"][0]["status"], "ACTIVE", "{cluster}");
    let lb = moto.aws(
        "elbv2",
        "describe_load_balancers",
        json!({ "LoadBalancerArns": [existing.load_balancer] }),
    );
    assert!(lb.is_ok(), "the existing load balancer is kept: {lb:?}");
    let fs = moto.aws(
        "efs",
        "describe_file_systems",
        json!({ "FileSystemId": existing.file_system }),
    );
    assert!(fs.is_ok(), "the existing file system is kept: {fs:?}");
    let sg = moto.aws(
        "ec2",
        "describe_security_groups",
        json!({ "GroupIds": [existing.security_group] }),
    );
    assert!(sg.is_ok(), "the existing security group is kept: {sg:?}");
}

#[test]
fn existing_infra_that_is_missing_is_named_before_anything_is_created() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("existing-infra");
    copy_dir(&examples_dir().join("existing-infra"), &dir);
    let up = moto.docker_ecs(&dir, &["up"]);
    up.assert_failure();
    let said = up.stderr();
    for missing in [
        "shared-production",
        "sg-0123456789abcdef0",
        "fs-0123456789abcdef0",
        "loadbalancer/app/shared-alb",
    ] {
        assert!(
            said.contains(missing),
            "{missing} not named: {}",
            up.describe()
        );
    }
    assert_eq!(moto.stack_status("existing-infra"), None, "nothing created");
}
