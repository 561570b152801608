//! Custom domains: `x-aws-domain: app.example.com` at the top level (every HTTPS port) or on a port
//! (long syntax). A domain makes the port HTTPS with an ACM certificate the stack requests for it,
//! validated by DNS in the domain's Route 53 hosted zone (CloudFormation writes the validation record
//! itself), and points the name at the load balancer with an alias record. The hosted zone is a
//! template parameter that `up` fills with the longest public zone the domain ends with, unless
//! `x-aws-hosted_zone` names it. A certificate given with `x-aws-certificate` wins over the one the
//! domain would request: the stack then makes no ACM certificate, only the alias record.

use serde_json::{json, Value};

use crate::context::Ctx;
use crate::loadbalancer::Plan;
use crate::naming::{self, LOAD_BALANCER};
use crate::template::{get_att, r#ref, Resource};
use crate::{Error, ParameterInput, ParameterSource, Precondition};

pub const ATTRIBUTE: &str = "x-aws-domain";
pub const ZONE_ATTRIBUTE: &str = "x-aws-hosted_zone";

/// A domain the project serves, with where it was written (for errors) and the hosted zone
/// `x-aws-hosted_zone` names for it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// Lower case, without a final dot: `app.example.com`.
    pub name: String,
    /// `Z0123...`: the hosted zone to use instead of looking one up.
    pub hosted_zone: Option<String>,
    pub service: Option<String>,
    /// `x-aws-domain` or `ports[0].x-aws-domain`.
    pub attribute: String,
}

/// The logical id of the certificate the stack requests for `domain`.
pub fn certificate_id(domain: &str) -> String {
    format!("{}Certificate", naming::pascal(domain))
}

impl Domain {
    /// `AppExampleCom`: the prefix of the domain's logical ids.
    pub fn id(&self) -> String {
        naming::pascal(&self.name)
    }
    pub fn certificate_id(&self) -> String {
        certificate_id(&self.name)
    }
    pub fn record_id(&self) -> String {
        format!("{}AliasRecord", self.id())
    }
    pub fn zone_parameter(&self) -> String {
        format!("{}HostedZoneId", self.id())
    }
}

/// A host name ACM and Route 53 accept for one certificate and one alias record: at least two
/// labels of letters, digits and hyphens (1-63 each, no hyphen at either end), 253 characters in all.
pub fn is_domain_name(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    name.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
        // A top-level domain is never all digits: that is an IP address.
        && !labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
}

/// A domain value as written: a host name, upper case allowed (DNS ignores case), a final dot
/// allowed (as zone files write names).
pub fn domain(
    service: Option<&str>,
    attribute: &str,
    value: Option<&Value>,
) -> Result<Option<String>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    let refuse = |why: &str| Error {
        service: service.map(str::to_string),
        attribute: attribute.to_string(),
        message: format!("{value} {why}"),
    };
    let Some(text) = value.as_str() else {
        return Err(refuse(
            "is not a domain name: give one host name, such as app.example.com",
        ));
    };
    let name = text.trim_end_matches('.').to_ascii_lowercase();
    if name.starts_with("*.") {
        return Err(refuse(
            "is a wildcard: name the host the app answers on (app.example.com); one domain per port or project",
        ));
    }
    if name.contains(['/', ':']) {
        return Err(refuse(
            "is not a domain name: give the host name alone, without scheme, port or path (app.example.com)",
        ));
    }
    if !is_domain_name(&name) {
        return Err(refuse(
            "is not a domain name: two or more labels of letters, digits and hyphens separated by dots (app.example.com)",
        ));
    }
    Ok(Some(name))
}

/// A hosted zone id as Route 53 prints it: `Z` and upper-case letters or digits, also given as
/// `/hostedzone/Z...`.
pub fn hosted_zone(
    service: Option<&str>,
    attribute: &str,
    value: Option<&Value>,
) -> Result<Option<String>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    let id = value
        .as_str()
        .map(|text| text.strip_prefix("/hostedzone/").unwrap_or(text));
    match id {
        Some(id)
            if id.starts_with('Z')
                && (2..=32).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) =>
        {
            Ok(Some(id.to_string()))
        }
        _ => Err(Error {
            service: service.map(str::to_string),
            attribute: attribute.to_string(),
            message: format!(
                "{value} is not a Route 53 hosted zone id (Z followed by upper-case letters and digits, as `aws route53 list-hosted-zones` prints it)"
            ),
        }),
    }
}

/// The top-level domain, checked, with the top-level hosted zone.
pub fn project_domain(ctx: &Ctx) -> Result<Option<Domain>, Error> {
    let extensions = &ctx.project.extensions;
    let name = domain(None, ATTRIBUTE, extensions.get(ATTRIBUTE))?;
    let zone = project_zone(ctx)?;
    Ok(name.map(|name| Domain {
        name,
        hosted_zone: zone,
        service: None,
        attribute: ATTRIBUTE.to_string(),
    }))
}

/// The top-level `x-aws-hosted_zone`: the zone of every domain without its own.
pub fn project_zone(ctx: &Ctx) -> Result<Option<String>, Error> {
    hosted_zone(
        None,
        ZONE_ATTRIBUTE,
        ctx.project.extensions.get(ZONE_ATTRIBUTE),
    )
}

/// The hosted zone of a domain: its own `x-aws-hosted_zone` (which `up` checks first), else the
/// parameter `up` fills.
fn zone_of(ctx: &mut Ctx, domain: &Domain) -> Value {
    if let Some(id) = &domain.hosted_zone {
        ctx.add_precondition(Precondition::HostedZone {
            id: id.clone(),
            domain: domain.name.clone(),
        });
        return Value::String(id.clone());
    }
    let name = domain.zone_parameter();
    if !ctx.template.has_parameter(&name) {
        ctx.template.add_parameter(
            &name,
            json!({
                "Type": "AWS::Route53::HostedZone::Id",
                "Description": format!(
                    "Route 53 public hosted zone of {} (the longest zone name it ends with, looked up by docker ecs up; x-aws-hosted_zone names it instead)",
                    domain.name
                ),
            }),
        );
        ctx.parameters.push(ParameterInput {
            name,
            source: ParameterSource::HostedZone {
                domain: domain.name.clone(),
            },
        });
    }
    r#ref(&domain.zone_parameter())
}

/// Each domain of the plan: its certificate (when a port uses the one the domain requests) and its
/// alias record to the load balancer.
pub fn add(ctx: &mut Ctx, plan: &Plan) {
    for domain in &plan.domains {
        let zone = zone_of(ctx, domain);
        if plan.ports.iter().any(|p| p.requests_certificate_of(domain)) {
            let certificate = Resource::new("AWS::CertificateManager::Certificate")
                .prop("DomainName", domain.name.clone())
                .prop("ValidationMethod", "DNS")
                .prop(
                    "DomainValidationOptions",
                    json!([{ "DomainName": domain.name, "HostedZoneId": zone }]),
                )
                .prop("Tags", ctx.project_tags());
            ctx.template.add(domain.certificate_id(), certificate);
        }
        // The load balancer is IPv4 only (no IpAddressType: dualstack), so an A record alone.
        let record = Resource::new("AWS::Route53::RecordSet")
            .prop("HostedZoneId", zone)
            .prop("Name", domain.name.clone())
            .prop("Type", "A")
            .prop(
                "AliasTarget",
                json!({
                    "DNSName": get_att(LOAD_BALANCER, "DNSName"),
                    "HostedZoneId": get_att(LOAD_BALANCER, "CanonicalHostedZoneID"),
                    "EvaluateTargetHealth": false,
                }),
            );
        ctx.template.add(domain.record_id(), record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use compose_model::Port;
    use serde_json::json;

    use crate::build;
    use crate::test_support::{kinds, port, project, service};

    #[test]
    fn domain_names() {
        for name in [
            "app.example.com",
            "a.b",
            "x-1.example.co.uk",
            "123.example.com",
        ] {
            assert!(is_domain_name(name), "{name}");
        }
        for name in [
            "",
            "localhost",
            "app..example.com",
            ".example.com",
            "-app.example.com",
            "app-.example.com",
            "app_1.example.com",
            "App.example.com",
            "10.0.0.1",
            &format!("{}.com", "a".repeat(64)),
            &format!("{}com", "a.".repeat(127)),
        ] {
            assert!(!is_domain_name(name), "{name}");
        }
    }

    #[test]
    fn a_domain_is_read_as_dns_reads_it_and_bad_ones_say_why() {
        let read = |v: Value| domain(Some("web"), "ports[0].x-aws-domain", Some(&v));
        assert_eq!(
            read(json!("App.Example.COM.")).unwrap().as_deref(),
            Some("app.example.com")
        );
        assert_eq!(domain(None, ATTRIBUTE, None).unwrap(), None);
        for (value, why) in [
            (json!("*.example.com"), "wildcard"),
            (json!("https://app.example.com"), "without scheme"),
            (
                json!("app.example.com:8443"),
                "without scheme, port or path",
            ),
            (json!("example.com/blog"), "without scheme, port or path"),
            (json!("app"), "two or more labels"),
            (json!(["app.example.com"]), "one host name"),
        ] {
            let err = read(value.clone()).unwrap_err();
            assert_eq!(err.service.as_deref(), Some("web"), "{value}");
            assert_eq!(err.attribute, "ports[0].x-aws-domain", "{value}");
            assert!(err.message.contains(why), "{value}: {err}");
        }
    }

    #[test]
    fn hosted_zone_ids() {
        let read = |v: Value| hosted_zone(None, ZONE_ATTRIBUTE, Some(&v));
        assert_eq!(
            read(json!("Z0123456789ABCDEFGHIJ")).unwrap().as_deref(),
            Some("Z0123456789ABCDEFGHIJ")
        );
        assert_eq!(
            read(json!("/hostedzone/Z1D633PJN98FT9"))
                .unwrap()
                .as_deref(),
            Some("Z1D633PJN98FT9")
        );
        for bad in [json!("example.com"), json!("z123"), json!("Z"), json!(12)] {
            let err = read(bad.clone()).unwrap_err();
            assert_eq!(err.attribute, ZONE_ATTRIBUTE);
            assert!(err.message.contains("hosted zone id"), "{bad}: {err}");
        }
    }

    fn with_domain(target: u16, published: u16, domain: &str) -> Port {
        let mut p = port(target, Some(published));
        p.extensions.insert(ATTRIBUTE.into(), json!(domain));
        p
    }

    #[test]
    fn a_top_level_domain_gets_a_certificate_an_alias_record_and_its_url() {
        let mut web = service("app");
        web.ports.push(port(8080, Some(443)));
        let mut p = project(vec![("web", web)]);
        p.extensions
            .insert(ATTRIBUTE.into(), json!("App.Example.com"));
        let built = build(&p).unwrap();
        let r = &built.template["Resources"];
        let zone = json!({ "Ref": "AppExampleComHostedZoneId" });
        assert_eq!(
            r["AppExampleComCertificate"],
            json!({
                "Type": "AWS::CertificateManager::Certificate",
                "Properties": {
                    "DomainName": "app.example.com",
                    "ValidationMethod": "DNS",
                    "DomainValidationOptions": [{ "DomainName": "app.example.com", "HostedZoneId": zone }],
                    "Tags": [{ "Key": "com.docker.compose.project", "Value": "demo" }],
                }
            })
        );
        let listener = &r["WebTCP443Listener"]["Properties"];
        assert_eq!(listener["Protocol"], "HTTPS");
        assert_eq!(
            listener["Certificates"],
            json!([{ "CertificateArn": { "Ref": "AppExampleComCertificate" } }])
        );
        assert!(r["HttpRedirectListener"].is_object(), "80 redirects");
        let record = &r["AppExampleComAliasRecord"];
        assert_eq!(record["Type"], "AWS::Route53::RecordSet");
        assert_eq!(
            record["Properties"],
            json!({
                "HostedZoneId": zone,
                "Name": "app.example.com",
                "Type": "A",
                "AliasTarget": {
                    "DNSName": { "Fn::GetAtt": ["LoadBalancer", "DNSName"] },
                    "HostedZoneId": { "Fn::GetAtt": ["LoadBalancer", "CanonicalHostedZoneID"] },
                    "EvaluateTargetHealth": false,
                }
            })
        );
        let parameter = &built.template["Parameters"]["AppExampleComHostedZoneId"];
        assert_eq!(parameter["Type"], "AWS::Route53::HostedZone::Id");
        assert!(built.parameters.contains(&ParameterInput {
            name: "AppExampleComHostedZoneId".into(),
            source: ParameterSource::HostedZone {
                domain: "app.example.com".into()
            },
        }));
        // up prints the domain, not the load balancer's name.
        assert_eq!(
            built.template["Outputs"]["WebTCP443URL"]["Value"],
            "https://app.example.com"
        );
        // The requested certificate is not checked in ACM before deploying: the stack makes it.
        assert!(!built
            .preconditions
            .iter()
            .any(|p| matches!(p, Precondition::CertificateIssued { .. })));
    }

    #[test]
    fn a_port_domain_wins_over_the_project_one_and_each_domain_is_made_once() {
        let mut site = service("site");
        site.ports.push(port(8080, Some(443)));
        let mut admin = service("admin");
        admin.ports.push(with_domain(80, 8443, "admin.example.com"));
        // The same domain on a second port of the same service: one certificate, one record.
        admin.ports.push(with_domain(81, 9443, "admin.example.com"));
        let mut p = project(vec![("site", site), ("admin", admin)]);
        p.extensions
            .insert(ATTRIBUTE.into(), json!("www.example.com"));
        p.extensions
            .insert(ZONE_ATTRIBUTE.into(), json!("Z0000000000000000000A"));
        let built = build(&p).unwrap();
        let r = &built.template["Resources"];
        let of_type = |kind: &str| -> Vec<String> {
            kinds(&built)
                .into_iter()
                .filter(|(_, k)| k == kind)
                .map(|(id, _)| id)
                .collect()
        };
        assert_eq!(
            of_type("AWS::CertificateManager::Certificate"),
            ["AdminExampleComCertificate", "WwwExampleComCertificate"]
        );
        assert_eq!(
            of_type("AWS::Route53::RecordSet"),
            ["AdminExampleComAliasRecord", "WwwExampleComAliasRecord"]
        );
        assert_eq!(
            r["AdminTCP9443Listener"]["Properties"]["Certificates"],
            json!([{ "CertificateArn": { "Ref": "AdminExampleComCertificate" } }])
        );
        // The top-level zone serves every domain: no parameter to fill, a zone for up to check.
        assert_eq!(
            r["AdminExampleComAliasRecord"]["Properties"]["HostedZoneId"],
            "Z0000000000000000000A"
        );
        let zones: Vec<&Precondition> = built
            .preconditions
            .iter()
            .filter(|p| matches!(p, Precondition::HostedZone { .. }))
            .collect();
        assert_eq!(
            zones,
            [
                &Precondition::HostedZone {
                    id: "Z0000000000000000000A".into(),
                    domain: "admin.example.com".into()
                },
                &Precondition::HostedZone {
                    id: "Z0000000000000000000A".into(),
                    domain: "www.example.com".into()
                },
            ]
        );
        assert!(built.template.get("Parameters").is_none_or(|p| !p
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.ends_with("HostedZoneId"))));
        let outputs = &built.template["Outputs"];
        assert_eq!(
            outputs["AdminTCP8443URL"]["Value"],
            "https://admin.example.com:8443"
        );
        assert_eq!(outputs["SiteTCP443URL"]["Value"], "https://www.example.com");
    }

    #[test]
    fn services_share_a_port_under_their_own_domains() {
        let mut web = service("app");
        web.ports.push(with_domain(8080, 443, "app.example.com"));
        let mut api = service("api");
        api.ports.push(with_domain(9000, 443, "api.example.com"));
        let mut docs = service("docs");
        docs.ports.push(with_domain(80, 443, "docs.example.com"));
        let built = build(&project(vec![("web", web), ("api", api), ("docs", docs)])).unwrap();
        let r = &built.template["Resources"];
        let kinds = kinds(&built);
        // One listener, the first service's (in name order), with its own certificate.
        let listeners: Vec<&String> = kinds
            .iter()
            .filter(|(_, k)| *k == "AWS::ElasticLoadBalancingV2::Listener")
            .map(|(id, _)| id)
            .collect();
        assert_eq!(listeners, ["ApiTCP443Listener", "HttpRedirectListener"]);
        let listener = &r["ApiTCP443Listener"]["Properties"];
        assert_eq!(
            listener["Certificates"],
            json!([{ "CertificateArn": { "Ref": "ApiExampleComCertificate" } }])
        );
        assert_eq!(
            listener["DefaultActions"][0]["TargetGroupArn"],
            json!({ "Ref": "ApiTCP443TargetGroup" })
        );
        // The others: their certificate on that listener, and a rule for their host.
        for (id, domain, priority) in [
            ("DocsTCP443", "docs.example.com", 1),
            ("WebTCP443", "app.example.com", 2),
        ] {
            let extra = &r[format!("{id}ListenerCertificate")];
            assert_eq!(
                extra["Type"],
                "AWS::ElasticLoadBalancingV2::ListenerCertificate"
            );
            assert_eq!(
                extra["Properties"],
                json!({
                    "ListenerArn": { "Ref": "ApiTCP443Listener" },
                    "Certificates": [{ "CertificateArn": { "Ref": certificate_id(domain) } }],
                })
            );
            let rule = &r[format!("{id}ListenerRule")];
            assert_eq!(rule["Type"], "AWS::ElasticLoadBalancingV2::ListenerRule");
            assert_eq!(
                rule["Properties"],
                json!({
                    "ListenerArn": { "Ref": "ApiTCP443Listener" },
                    "Priority": priority,
                    "Conditions": [{ "Field": "host-header", "HostHeaderConfig": { "Values": [domain] } }],
                    "Actions": [{ "Type": "forward", "TargetGroupArn": { "Ref": format!("{id}TargetGroup") } }],
                })
            );
            assert_eq!(
                built.template["Outputs"][format!("{id}URL")]["Value"],
                format!("https://{domain}")
            );
        }
        // The ECS service waits for its rule: its target group is in use only then.
        let depends = &r["WebService"]["DependsOn"];
        assert!(
            depends
                .as_array()
                .is_some_and(|d| d.contains(&json!("WebTCP443ListenerRule"))),
            "{depends}"
        );
        // The load balancer opens 443 once.
        assert_eq!(
            crate::test_support::load_balancer_open_ports(&built),
            [json!(443), json!(80)]
        );
    }

    #[test]
    fn a_plain_http_port_next_to_the_domain_keeps_plain_http() {
        let mut web = service("app");
        web.ports.push(port(8080, Some(443)));
        web.ports.push(port(8080, Some(80)));
        let mut p = project(vec![("web", web)]);
        p.extensions
            .insert(ATTRIBUTE.into(), json!("app.example.com"));
        let built = build(&p).unwrap();
        let r = &built.template["Resources"];
        let http = &r["WebTCP80Listener"]["Properties"];
        assert_eq!(http["Protocol"], "HTTP");
        assert!(http.get("Certificates").is_none(), "{http}");
        assert_eq!(
            built.template["Outputs"]["WebTCP80URL"]["Value"],
            json!({ "Fn::Sub": "http://${LoadBalancer.DNSName}" })
        );
        assert_eq!(
            built.template["Outputs"]["WebTCP443URL"]["Value"],
            "https://app.example.com"
        );
    }

    #[test]
    fn a_given_certificate_wins_over_the_requested_one() {
        const CERTIFICATE: &str =
            "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-4e5f-8a9b-0123456789ab";
        let mut web = service("app");
        let mut both = with_domain(8080, 443, "app.example.com");
        both.extensions
            .insert("x-aws-certificate".into(), json!(CERTIFICATE));
        web.ports.push(both);
        let built = build(&project(vec![("web", web)])).unwrap();
        let kinds = kinds(&built);
        assert!(!kinds
            .values()
            .any(|k| k.starts_with("AWS::CertificateManager")));
        assert_eq!(kinds["AppExampleComAliasRecord"], "AWS::Route53::RecordSet");
        assert_eq!(
            built.template["Resources"]["WebTCP443Listener"]["Properties"]["Certificates"],
            json!([{ "CertificateArn": CERTIFICATE }])
        );
        assert_eq!(
            built.template["Outputs"]["WebTCP443URL"]["Value"],
            "https://app.example.com"
        );
        assert!(built
            .preconditions
            .contains(&Precondition::CertificateIssued {
                arn: CERTIFICATE.into()
            }));
    }

    #[test]
    fn domain_mistakes_are_refused_naming_service_and_attribute() {
        let refused = |p: &compose_model::Project| build(p).unwrap_err();

        // A port declared plain HTTP.
        let mut web = service("app");
        let mut http = with_domain(8080, 8080, "app.example.com");
        http.extensions
            .insert("x-aws-protocol".into(), json!("http"));
        web.ports.push(http);
        let err = refused(&project(vec![("web", web)]));
        assert_eq!(err.service.as_deref(), Some("web"));
        assert_eq!(err.attribute, "ports[0].x-aws-domain");
        assert!(err.message.contains("declared http"), "{err}");

        // A UDP port.
        let mut dns = service("dns");
        let mut udp = with_domain(53, 53, "dns.example.com");
        udp.protocol = "udp".into();
        dns.ports.push(udp);
        let err = refused(&project(vec![("dns", dns)]));
        assert_eq!(err.attribute, "ports[0].x-aws-domain");
        assert!(err.message.contains("not udp"), "{err}");

        // Next to a TCP port: the project would get a Network Load Balancer.
        let mut web = service("app");
        web.ports.push(with_domain(8080, 443, "app.example.com"));
        let mut db = service("postgres");
        db.ports.push(port(5432, None));
        let err = refused(&project(vec![("db", db), ("web", web)]));
        assert_eq!(err.service.as_deref(), Some("web"));
        assert_eq!(err.attribute, "ports[0].x-aws-domain");
        assert!(err.message.contains("Network Load Balancer"), "{err}");
        assert!(err.message.contains("remove x-aws-domain"), "{err}");
        // The same with the top-level domain: refused there, the service in the message.
        let mut web = service("app");
        web.ports.push(port(8080, Some(443)));
        let mut db = service("postgres");
        db.ports.push(port(5432, None));
        let mut p = project(vec![("db", db), ("web", web)]);
        p.extensions
            .insert(ATTRIBUTE.into(), json!("app.example.com"));
        let err = refused(&p);
        assert_eq!(err.service, None);
        assert_eq!(err.attribute, "x-aws-domain");
        assert!(
            err.message.contains("service \"web\"'s port 443 is HTTPS")
                && err.message.contains("service \"db\"'s port 5432"),
            "{err}"
        );

        // A top-level domain and no HTTPS port.
        let mut web = service("app");
        web.ports.push(port(8080, Some(80)));
        let mut p = project(vec![("web", web)]);
        p.extensions
            .insert(ATTRIBUTE.into(), json!("app.example.com"));
        let err = refused(&p);
        assert_eq!(err.service, None);
        assert_eq!(err.attribute, "x-aws-domain");
        assert!(err.message.contains("no port is HTTPS"), "{err}");

        // On a load balancer the stack does not make.
        let mut web = service("app");
        web.ports.push(port(8080, Some(443)));
        let mut p = project(vec![("web", web)]);
        p.extensions
            .insert(ATTRIBUTE.into(), json!("app.example.com"));
        p.extensions
            .insert("x-aws-loadbalancer".into(), json!("shared-alb"));
        let err = refused(&p);
        assert_eq!(err.attribute, "x-aws-domain");
        assert!(err.message.contains("x-aws-loadbalancer"), "{err}");

        // A bad zone id on a port.
        let mut web = service("app");
        let mut zoned = with_domain(8080, 443, "app.example.com");
        zoned
            .extensions
            .insert(ZONE_ATTRIBUTE.into(), json!("example.com"));
        web.ports.push(zoned);
        let err = refused(&project(vec![("web", web)]));
        assert_eq!(err.attribute, "ports[0].x-aws-hosted_zone");

        // One domain on two ports, the zone named on the second: the domain is in that zone.
        let mut web = service("app");
        let first = with_domain(8080, 443, "app.example.com");
        let mut second = with_domain(8081, 8443, "app.example.com");
        second
            .extensions
            .insert(ZONE_ATTRIBUTE.into(), json!("Z1111111111"));
        web.ports.extend([first, second]);
        let built = build(&project(vec![("web", web)])).unwrap();
        assert_eq!(
            built.template["Resources"]["AppExampleComAliasRecord"]["Properties"]["HostedZoneId"],
            "Z1111111111"
        );
        assert!(built
            .parameters
            .iter()
            .all(|p| !matches!(p.source, ParameterSource::HostedZone { .. })));

        // Two zones named for one domain.
        let mut web = service("app");
        let mut a = with_domain(8080, 443, "app.example.com");
        a.extensions
            .insert(ZONE_ATTRIBUTE.into(), json!("Z1111111111"));
        let mut b = with_domain(8081, 8443, "app.example.com");
        b.extensions
            .insert(ZONE_ATTRIBUTE.into(), json!("Z2222222222"));
        web.ports.extend([a, b]);
        let err = refused(&project(vec![("web", web)]));
        assert_eq!(err.attribute, "ports[1].x-aws-hosted_zone");
        assert!(err.message.contains("Z1111111111"), "{err}");

        // Two services on 443 need a domain of their own each there.
        for (web_domain, top_level) in [("api.example.com", None), ("", Some("app.example.com"))] {
            let mut web = service("app");
            web.ports.push(if web_domain.is_empty() {
                port(8080, Some(443))
            } else {
                with_domain(8080, 443, web_domain)
            });
            let mut api = service("api");
            api.ports.push(with_domain(9000, 443, "api.example.com"));
            let mut p = project(vec![("web", web), ("api", api)]);
            if let Some(domain) = top_level {
                p.extensions.insert(ATTRIBUTE.into(), json!(domain));
            }
            let err = refused(&p);
            // Services are read in name order: api first.
            assert_eq!(err.service.as_deref(), Some("web"));
            assert_eq!(err.attribute, "ports[0]");
            assert!(
                err.message.contains("already published by service \"api\"")
                    && err
                        .message
                        .contains("set a different x-aws-domain on each of these ports"),
                "{err}"
            );
        }

        // Two domains whose logical ids would be one.
        let mut web = service("app");
        web.ports.push(with_domain(8080, 443, "my-app.example.com"));
        web.ports
            .push(with_domain(8081, 8443, "my.app.example.com"));
        let err = refused(&project(vec![("web", web)]));
        assert_eq!(err.attribute, "ports[1].x-aws-domain");
        assert!(err.message.contains("my-app.example.com"), "{err}");
    }

    #[test]
    fn a_zone_without_a_domain_is_warned_about() {
        let mut web = service("app");
        let mut zoned = port(8080, Some(80));
        zoned
            .extensions
            .insert(ZONE_ATTRIBUTE.into(), json!("Z1111111111"));
        web.ports.push(zoned);
        let mut p = project(vec![("web", web)]);
        p.extensions
            .insert(ZONE_ATTRIBUTE.into(), json!("Z2222222222"));
        let built = build(&p).unwrap();
        let warned: Vec<(Option<&str>, &str)> = built
            .warnings
            .iter()
            .filter(|w| w.message.contains("no x-aws-domain"))
            .map(|w| (w.service.as_deref(), w.attribute.as_str()))
            .collect();
        assert_eq!(
            warned,
            [
                (None, "x-aws-hosted_zone"),
                (Some("web"), "ports[0].x-aws-hosted_zone")
            ]
        );

        // The top-level zone serves a port's domain: used, no warning; a port with a zone of its
        // own leaves it unused.
        for (own_zone, warned) in [(None, false), (Some("Z1111111111"), true)] {
            let mut web = service("app");
            let mut domain = with_domain(8080, 443, "app.example.com");
            if let Some(zone) = own_zone {
                domain.extensions.insert(ZONE_ATTRIBUTE.into(), json!(zone));
            }
            web.ports.push(domain);
            let mut p = project(vec![("web", web)]);
            p.extensions
                .insert(ZONE_ATTRIBUTE.into(), json!("Z2222222222"));
            let built = build(&p).unwrap();
            assert_eq!(
                built
                    .warnings
                    .iter()
                    .any(|w| w.attribute == ZONE_ATTRIBUTE && w.service.is_none()),
                warned,
                "{own_zone:?}: {:?}",
                built.warnings
            );
        }
    }
}
