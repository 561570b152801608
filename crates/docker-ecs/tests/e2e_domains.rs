//! End to end for custom domains (`x-aws-domain`): the real binary deploys examples/custom-domain to the moto
//! launcher, with a public hosted zone `example.com` and a private zone `blog.example.com` (which `up` must
//! skip) made first, and the test reads back through the AWS APIs:
//! - an ACM certificate per domain (issued), its DNS validation record written in the public zone, each HTTPS
//!   listener using its domain's certificate, and HTTP :80 redirecting to 443;
//! - an alias A record per domain in the public zone pointing at the load balancer, nothing in the private zone;
//! - `up` printing https://blog.example.com and https://status.example.com:8443;
//! - `down` removing the certificates and records, leaving the zones as they were.
//!
//! And a domain without a public zone: `up` stops before anything exists in the account.
//!
//! moto 5.2.5's CloudFormation has no AWS::CertificateManager::Certificate; e2e/moto_ext/cloudformation_models.py
//! adds it (backed by moto's ACM, writing the validation record as CloudFormation does).

use std::path::{Path, PathBuf};

use crate::common::{copy_dir, examples_dir, log_tail, str_at, Moto, Run};
use serde_json::{json, Value};

/// The stack (and Compose project) name: the directory the example is copied into.
const PROJECT: &str = "custom-domain";

fn example() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join(PROJECT);
    copy_dir(&examples_dir().join(PROJECT), &dir);
    (tmp, dir)
}

/// A hosted zone in the local Route 53: public, or private to the default VPC. Its id without `/hostedzone/`.
fn hosted_zone(moto: &Moto, name: &str, private: bool) -> String {
    let mut request = json!({ "Name": name, "CallerReference": format!("{name}-{private}") });
    if private {
        let vpcs = moto.aws_ok(
            "ec2",
            "describe_vpcs",
            json!({"Filters": [{"Name": "is-default", "Values": ["true"]}]}),
        );
        request["VPC"] =
            json!({ "VPCRegion": "us-east-1", "VPCId": str_at(&vpcs, "/Vpcs/0/VpcId") });
        request["HostedZoneConfig"] = json!({ "PrivateZone": true });
    }
    let created = moto.aws_ok("route53", "create_hosted_zone", request);
    let id = str_at(&created, "/HostedZone/Id");
    id.trim_start_matches("/hostedzone/").to_owned()
}

/// The zone's records as (name without the final dot, type) -> record.
fn records(moto: &Moto, zone: &str) -> Vec<((String, String), Value)> {
    let listed = moto.aws_ok(
        "route53",
        "list_resource_record_sets",
        json!({ "HostedZoneId": zone }),
    );
    listed["ResourceRecordSets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let name = r["Name"].as_str().unwrap_or_default().trim_end_matches('.');
            let kind = r["Type"].as_str().unwrap_or_default();
            ((name.to_owned(), kind.to_owned()), r.clone())
        })
        .collect()
}

fn record<'a>(records: &'a [((String, String), Value)], name: &str, kind: &str) -> &'a Value {
    records
        .iter()
        .find(|((n, k), _)| n == name && k == kind)
        .map(|(_, r)| r)
        .unwrap_or_else(|| panic!("no {kind} record {name} in {records:?}"))
}

fn up(moto: &Moto, dir: &Path) -> Run {
    moto.docker_ecs(dir, &["up"])
}

#[test]
fn a_domain_gets_its_certificate_alias_record_and_url_and_down_removes_them() {
    let moto = Moto::start();
    let public = hosted_zone(&moto, "example.com", false);
    let private = hosted_zone(&moto, "blog.example.com", true);
    let public_before = records(&moto, &public);
    let private_before = records(&moto, &private);
    let (_tmp, dir) = example();

    let run = up(&moto, &dir);
    run.assert_success();
    assert_eq!(
        moto.stack_status(PROJECT).as_deref(),
        Some("CREATE_COMPLETE"),
        "{}\n--- moto log (end)\n{}",
        run.describe(),
        log_tail(&moto.log(), 40)
    );
    let output = run.all_output();
    for url in [
        "https://blog.example.com",
        "https://status.example.com:8443",
    ] {
        assert!(output.contains(url), "up prints {url}: {}", run.describe());
    }

    // One issued certificate per domain, used by the listener of its port.
    let mut certificates = Vec::new();
    for arn in moto.stack_resources(PROJECT, "AWS::CertificateManager::Certificate") {
        let described = moto.aws_ok(
            "acm",
            "describe_certificate",
            json!({ "CertificateArn": arn }),
        );
        let certificate = described["Certificate"].clone();
        assert_eq!(certificate["Status"], "ISSUED", "{certificate}");
        certificates.push((str_at(&certificate, "/DomainName").to_owned(), certificate));
    }
    certificates.sort_by(|a, b| a.0.cmp(&b.0));
    let domains: Vec<&str> = certificates.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(domains, ["blog.example.com", "status.example.com"]);
    let arn_of = |domain: &str| {
        let (_, certificate) = certificates.iter().find(|(d, _)| d == domain).unwrap();
        str_at(certificate, "/CertificateArn").to_owned()
    };
    let load_balancers = moto.stack_resources(PROJECT, "AWS::ElasticLoadBalancingV2::LoadBalancer");
    let load_balancer = load_balancers.first().expect("the stack's load balancer");
    let listeners = moto.aws_ok(
        "elbv2",
        "describe_listeners",
        json!({ "LoadBalancerArn": load_balancer }),
    );
    let listener = |port: i64| {
        listeners["Listeners"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["Port"] == port)
            .unwrap_or_else(|| panic!("no listener on {port}: {listeners}"))
            .clone()
    };
    for (port, domain) in [(443, "blog.example.com"), (8443, "status.example.com")] {
        let https = listener(port);
        assert_eq!(https["Protocol"], "HTTPS", "{https}");
        assert_eq!(
            https["Certificates"],
            json!([{ "CertificateArn": arn_of(domain) }]),
            "{https}"
        );
    }
    assert_eq!(
        listener(80)["DefaultActions"][0]["RedirectConfig"]["Protocol"],
        "HTTPS"
    );

    // In the public zone: the alias records and the validation records; the private zone is untouched.
    let described = moto.aws_ok(
        "elbv2",
        "describe_load_balancers",
        json!({ "LoadBalancerArns": [load_balancer] }),
    );
    let dns_name = str_at(&described, "/LoadBalancers/0/DNSName");
    let zone_records = records(&moto, &public);
    for domain in ["blog.example.com", "status.example.com"] {
        let alias = record(&zone_records, domain, "A");
        assert_eq!(
            alias["AliasTarget"]["DNSName"]
                .as_str()
                .map(|n| n.trim_end_matches('.')),
            Some(dns_name),
            "{alias}"
        );
        let (_, certificate) = certificates.iter().find(|(d, _)| d == domain).unwrap();
        let validation = &certificate["DomainValidationOptions"][0]["ResourceRecord"];
        let name = str_at(validation, "/Name").trim_end_matches('.');
        record(&zone_records, name, "CNAME");
    }
    assert_eq!(
        zone_records.len(),
        public_before.len() + 4,
        "{zone_records:?}"
    );
    assert_eq!(records(&moto, &private), private_before);

    // up again changes nothing; down removes the certificates and records.
    up(&moto, &dir).assert_success();
    let down = moto.docker_ecs(&dir, &["down"]);
    down.assert_success();
    assert_eq!(moto.stack_status(PROJECT), None, "{}", down.describe());
    assert_eq!(records(&moto, &public), public_before);
    for (domain, _) in &certificates {
        let gone = moto.aws(
            "acm",
            "describe_certificate",
            json!({ "CertificateArn": arn_of(domain) }),
        );
        assert!(
            gone.as_ref().is_err_and(|e| e.contains("ResourceNotFound")),
            "{domain}: {gone:?}"
        );
    }
}

#[test]
fn a_domain_without_a_public_zone_stops_up_before_anything_is_made() {
    let moto = Moto::start();
    // Only a private zone of the name: its records would not be seen from the internet.
    let private = hosted_zone(&moto, "example.com", true);
    let (_tmp, dir) = example();

    let run = up(&moto, &dir);
    run.assert_failure();
    let output = run.all_output();
    for part in [
        "x-aws-domain blog.example.com: no public Route 53 hosted zone",
        "looked for blog.example.com, example.com",
        &format!("private zones ({private})"),
    ] {
        assert!(output.contains(part), "{part:?}: {}", run.describe());
    }
    assert_eq!(moto.stack_status(PROJECT), None, "no stack was made");
    let certificates = moto.aws_ok("acm", "list_certificates", json!({}));
    assert_eq!(
        certificates["CertificateSummaryList"],
        json!([]),
        "{certificates}"
    );
}

/// Two services on 443, each under its own name.
const SHARED_443: &str = r#"services:
  api:
    image: public.ecr.aws/docker/library/nginx:1.27-alpine
    ports:
      - target: 80
        published: "443"
        x-aws-domain: api.example.com
  www:
    image: public.ecr.aws/docker/library/nginx:1.27-alpine
    ports:
      - target: 8080
        published: "443"
        x-aws-domain: www.example.com
"#;

#[test]
fn services_sharing_443_under_their_own_domains_get_one_listener_and_a_rule_each() {
    let moto = Moto::start();
    let zone = hosted_zone(&moto, "example.com", false);
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("shared");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("compose.yaml"), SHARED_443).unwrap();

    let run = up(&moto, &dir);
    run.assert_success();
    assert_eq!(
        moto.stack_status("shared").as_deref(),
        Some("CREATE_COMPLETE"),
        "{}\n--- moto log (end)\n{}",
        run.describe(),
        log_tail(&moto.log(), 40)
    );
    let output = run.all_output();
    for url in ["https://api.example.com", "https://www.example.com"] {
        assert!(output.contains(url), "up prints {url}: {}", run.describe());
    }

    let certificate_of = |domain: &str| -> String {
        let listed = moto.aws_ok("acm", "list_certificates", json!({}));
        listed["CertificateSummaryList"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["DomainName"] == domain)
            .map(|c| str_at(c, "/CertificateArn").to_owned())
            .unwrap_or_else(|| panic!("no certificate for {domain}: {listed}"))
    };
    let load_balancers =
        moto.stack_resources("shared", "AWS::ElasticLoadBalancingV2::LoadBalancer");
    let listeners = moto.aws_ok(
        "elbv2",
        "describe_listeners",
        json!({ "LoadBalancerArn": load_balancers[0] }),
    );
    let ports: Vec<i64> = listeners["Listeners"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["Port"].as_i64())
        .collect();
    assert_eq!(ports.len(), 2, "443 once, and the 80 redirect: {listeners}");
    let https = listeners["Listeners"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["Port"] == 443)
        .expect("the 443 listener")
        .clone();
    let listener_arn = str_at(&https, "/ListenerArn").to_owned();
    // api (first in name order) owns the listener; www's certificate is added to it.
    assert_eq!(
        https["Certificates"][0],
        json!({ "CertificateArn": certificate_of("api.example.com") })
    );
    let added = moto.aws_ok(
        "elbv2",
        "describe_listener_certificates",
        json!({ "ListenerArn": listener_arn }),
    );
    assert!(
        added
            .to_string()
            .contains(&certificate_of("www.example.com")),
        "{added}"
    );
    // www's host is routed to www's target group (container port 8080).
    let rules = moto.aws_ok(
        "elbv2",
        "describe_rules",
        json!({ "ListenerArn": listener_arn }),
    );
    let rule = rules["Rules"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["IsDefault"] != true)
        .unwrap_or_else(|| panic!("a host-header rule: {rules}"))
        .clone();
    assert_eq!(rule["Conditions"][0]["Field"], "host-header", "{rule}");
    assert!(
        rule["Conditions"][0]
            .to_string()
            .contains("www.example.com"),
        "{rule}"
    );
    let target_group = str_at(&rule, "/Actions/0/TargetGroupArn");
    let groups = moto.aws_ok(
        "elbv2",
        "describe_target_groups",
        json!({ "TargetGroupArns": [target_group] }),
    );
    assert_eq!(groups["TargetGroups"][0]["Port"], 8080, "{groups}");
    let zone_records = records(&moto, &zone);
    record(&zone_records, "api.example.com", "A");
    record(&zone_records, "www.example.com", "A");

    let down = moto.docker_ecs(&dir, &["down"]);
    down.assert_success();
    assert_eq!(moto.stack_status("shared"), None, "{}", down.describe());
}
