//! HTTPS on the Application Load Balancer: the ACM certificate of a port (`x-aws-certificate` in the
//! long port syntax) or of the whole project (top-level `x-aws-certificate`, used by every HTTPS port
//! without its own), and the HTTP :80 listener that redirects browsers to HTTPS :443.

use serde_json::{json, Value};

use crate::context::Ctx;
use crate::Error;

pub const ATTRIBUTE: &str = "x-aws-certificate";

/// Modern TLS only (TLS 1.3 and 1.2), the policy AWS recommends for new listeners.
pub const SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// An ACM certificate ARN: `arn:<partition>:acm:<region>:<12-digit account>:certificate/<id>`.
pub fn is_certificate_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts[..] else {
        return false;
    };
    let id = resource.strip_prefix("certificate/").unwrap_or_default();
    prefix == "arn"
        && partition.starts_with("aws")
        && service == "acm"
        && !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && !id.is_empty()
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A certificate value as written: a string holding an ACM certificate ARN.
pub fn certificate(
    service: Option<&str>,
    attribute: &str,
    value: Option<&Value>,
) -> Result<Option<String>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    match value.as_str() {
        Some(arn) if is_certificate_arn(arn) => Ok(Some(arn.to_string())),
        _ => Err(Error {
            service: service.map(str::to_string),
            attribute: attribute.to_string(),
            message: format!(
                "{value} is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)"
            ),
        }),
    }
}

/// The top-level certificate, checked.
pub fn project_certificate(ctx: &Ctx) -> Result<Option<String>, Error> {
    certificate(None, ATTRIBUTE, ctx.project.extensions.get(ATTRIBUTE))
}

/// The default action of the HTTP listener that sends every request to HTTPS on 443.
pub fn redirect_action() -> Value {
    json!([{
        "Type": "redirect",
        "RedirectConfig": { "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301" }
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    use compose_model::Port;
    use serde_json::json;

    use crate::build;
    use crate::test_support::{kinds, port, project, service};

    #[test]
    fn certificate_arns() {
        for arn in [
            "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-4e5f-8a9b-0123456789ab",
            "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/abc",
        ] {
            assert!(is_certificate_arn(arn), "{arn}");
        }
        for arn in [
            "",
            "0a1b2c3d-0000-4e5f-8a9b-0123456789ab",
            "arn:aws:iam::123456789012:server-certificate/site",
            "arn:aws:acm:us-east-1:1234:certificate/abc",
            "arn:aws:acm::123456789012:certificate/abc",
            "arn:aws:acm:us-east-1:123456789012:certificate/",
            "arn:aws:acm:us-east-1:123456789012:key/abc",
        ] {
            assert!(!is_certificate_arn(arn), "{arn}");
        }
    }

    #[test]
    fn a_bad_value_names_service_and_attribute() {
        let err =
            certificate(Some("web"), "ports[0].x-aws-certificate", Some(&json!(42))).unwrap_err();
        assert_eq!(err.service.as_deref(), Some("web"));
        assert_eq!(err.attribute, "ports[0].x-aws-certificate");
        assert!(err.message.contains("ACM certificate ARN"), "{err}");
        assert_eq!(certificate(None, ATTRIBUTE, None).unwrap(), None);
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
        assert_eq!(
            crate::test_support::load_balancer_open_ports(&built),
            [json!(443), json!(80)]
        );
        assert_eq!(
            built.template["Outputs"]["WebTCP443URL"]["Value"],
            json!({ "Fn::Sub": "https://${LoadBalancer.DNSName}" })
        );
    }

    #[test]
    fn only_https_on_443_gets_a_redirect_from_80() {
        // HTTPS on another port: nothing to redirect :80 to.
        let mut web = service("app");
        web.ports.push(certified(8080, 8443));
        let built = build(&project(vec![("web", web)])).unwrap();
        let r = &built.template["Resources"];
        assert_eq!(r["WebTCP8443Listener"]["Properties"]["Protocol"], "HTTPS");
        assert!(!kinds(&built).contains_key("HttpRedirectListener"));
        // 443 declared plain TCP: no HTTPS at all.
        let mut tls = port(8443, Some(443));
        tls.extensions.insert("x-aws-protocol".into(), json!("tcp"));
        let mut proxy = service("haproxy");
        proxy.ports.push(tls);
        let built = build(&project(vec![("proxy", proxy)])).unwrap();
        assert_eq!(
            built.template["Resources"]["ProxyTCP443Listener"]["Properties"]["Protocol"],
            "TCP"
        );
        assert!(!kinds(&built).contains_key("HttpRedirectListener"));
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
        assert!(r["WebTCP80Listener"]["Properties"]
            .get("Certificates")
            .is_none());
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
        // Refused where the top-level certificate is written, naming the service in the message.
        assert_eq!(err.service, None);
        assert_eq!(err.attribute, "x-aws-certificate");
        assert!(
            err.message
                .contains("service \"web\"'s port 443 is HTTPS, which needs an Application Load Balancer, but its port 5353 is udp"),
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
}
