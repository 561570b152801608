//! The Route 53 hosted zone of a custom domain (`x-aws-domain`), for the `<Domain>HostedZoneId`
//! parameter: the public zone whose name is the longest the domain ends with, as DNS delegation
//! picks it (`app.eu.example.com` is in `eu.example.com` when that zone exists, else in
//! `example.com`). Private zones are skipped: neither the alias record nor the certificate's
//! validation record would be seen from the internet there. Looked up before anything changes in
//! the account, so a missing zone stops `up` and `diff` with nothing made. A zone named by
//! `x-aws-hosted_zone` is checked instead: it exists, is public and holds the domain.

use aws_sdk_route53::types::HostedZone;

use crate::error::AwsContext;
use crate::Error;

/// Hosted zones one ListHostedZonesByName page holds (Route 53's maximum).
const PAGE: i32 = 100;

/// The id (`Z...`) of the public hosted zone of `domain`.
pub async fn public_zone_for(
    route53: &aws_sdk_route53::Client,
    domain: &str,
) -> Result<String, Error> {
    let names = candidate_zones(domain);
    let mut private = Vec::new();
    for name in &names {
        let zones = zones_named(route53, name, domain).await?;
        let (public, private_here): (Vec<&HostedZone>, Vec<&HostedZone>) = zones
            .iter()
            .partition(|zone| !zone.config().is_some_and(|c| c.private_zone()));
        private.extend(private_here.iter().map(|zone| id_of(zone)));
        match public[..] {
            [] => continue,
            [zone] => return Ok(id_of(zone)),
            _ => {
                let ids: Vec<String> = public.iter().map(|zone| id_of(zone)).collect();
                return Err(Error::Precondition(format!(
                    "x-aws-domain {domain}: {} public hosted zones are named {name} ({}); name the one \
                     the domain is delegated to with x-aws-hosted_zone",
                    ids.len(),
                    ids.join(", ")
                )));
            }
        }
    }
    let skipped = if private.is_empty() {
        String::new()
    } else {
        format!(
            "; private zones ({}) are not used: the internet does not see their records",
            private.join(", ")
        )
    };
    Err(Error::Precondition(format!(
        "x-aws-domain {domain}: no public Route 53 hosted zone for it in this account (looked for {}){skipped}. \
         Create the zone of your domain (`aws route53 create-hosted-zone --name {} --caller-reference ...`) \
         and delegate the domain to its name servers, or name a zone with x-aws-hosted_zone",
        names.join(", "),
        names.last().map(String::as_str).unwrap_or(domain),
    )))
}

/// What is wrong with the zone `x-aws-hosted_zone` names for `domain`, if anything: it must exist,
/// be public, and `domain` must be a name in it.
pub async fn named_zone_problem(
    route53: &aws_sdk_route53::Client,
    id: &str,
    domain: &str,
) -> Result<Option<String>, Error> {
    let out = match route53.get_hosted_zone().id(id).send().await {
        Ok(out) => out,
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_no_such_hosted_zone()) =>
        {
            return Ok(Some(format!(
                "x-aws-hosted_zone: hosted zone {id} (for {domain}) does not exist in this account"
            )))
        }
        Err(err) => {
            return Err(Error::aws(
                format!("x-aws-hosted_zone: looking up hosted zone {id} (for {domain})"),
                err,
            ))
        }
    };
    let Some(zone) = out.hosted_zone() else {
        return Ok(Some(format!(
            "x-aws-hosted_zone: Route 53 answered without hosted zone {id} (for {domain})"
        )));
    };
    let name = zone.name().trim_end_matches('.');
    if zone.config().is_some_and(|c| c.private_zone()) {
        return Ok(Some(format!(
            "x-aws-hosted_zone: hosted zone {id} ({name}) is private: the internet would not see \
             the record of {domain} nor ACM its validation record; name a public zone"
        )));
    }
    let inside = candidate_zones(domain)
        .iter()
        .any(|candidate| candidate.eq_ignore_ascii_case(name));
    Ok((!inside).then(|| {
        format!(
            "x-aws-hosted_zone: {domain} is not a name in hosted zone {id} ({name}); name the zone \
             of {domain}, or remove x-aws-hosted_zone to let up find it"
        )
    }))
}

/// The zone names `domain` can be in, longest first: `app.example.com`, `example.com`. A zone is
/// never a top-level domain alone (Route 53 refuses `com`).
pub fn candidate_zones(domain: &str) -> Vec<String> {
    let labels: Vec<&str> = domain.trim_end_matches('.').split('.').collect();
    (0..labels.len().saturating_sub(1))
        .map(|start| labels[start..].join("."))
        .collect()
}

/// Every hosted zone named exactly `name`. ListHostedZonesByName lists zones in name order from
/// `name` on, so those come first; the listing goes on while they continue.
async fn zones_named(
    route53: &aws_sdk_route53::Client,
    name: &str,
    domain: &str,
) -> Result<Vec<HostedZone>, Error> {
    let wanted = format!("{name}.");
    let mut found = Vec::new();
    // Where the next page starts: the name, then the zone Route 53 says comes next.
    let mut start = (name.to_string(), None::<String>);
    loop {
        let out = route53
            .list_hosted_zones_by_name()
            .max_items(PAGE)
            .dns_name(&start.0)
            .set_hosted_zone_id(start.1.clone())
            .send()
            .await
            .with_context(|| {
                format!("x-aws-domain {domain}: looking up the Route 53 hosted zone {name}")
            })?;
        let zones = out.hosted_zones();
        let matching = zones
            .iter()
            .take_while(|zone| zone.name().eq_ignore_ascii_case(&wanted))
            .count();
        found.extend(zones[..matching].iter().cloned());
        let more = out.is_truncated() && matching == zones.len();
        match (more, out.next_dns_name()) {
            (true, Some(dns_name)) => {
                start = (
                    dns_name.to_string(),
                    out.next_hosted_zone_id().map(str::to_string),
                )
            }
            _ => return Ok(found),
        }
    }
}

/// `Z123` from `/hostedzone/Z123`.
fn id_of(zone: &HostedZone) -> String {
    let id = zone.id();
    id.strip_prefix("/hostedzone/").unwrap_or(id).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_run_from_the_domain_to_its_registered_name() {
        assert_eq!(
            candidate_zones("app.eu.example.com"),
            ["app.eu.example.com", "eu.example.com", "example.com"]
        );
        assert_eq!(candidate_zones("example.com."), ["example.com"]);
        assert!(candidate_zones("localhost").is_empty());
    }
}
