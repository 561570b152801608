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
}
