//! Published ports of a service, as `ps` shows them: the load balancer's DNS name and listener port
//! in front of the target group, the container port behind it and the protocol clients speak (the
//! listener's: `https` for an HTTPS listener in front of an HTTP target group), in full for JSON
//! (`<lb dns>:<published> -> <target>/<proto>`) or, in the table, compose-style without the load
//! balancer named once above it (`:443->80/https`). Works for the stack's own load balancer and an
//! existing one (x-aws-loadbalancer) alike: everything is found from the target groups.

use crate::error::AwsContext;
use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_elasticloadbalancingv2::types::Listener;
use aws_sdk_elasticloadbalancingv2::Client as Elbv2;

use crate::operate::stack_info::LoadBalancerTarget;
use crate::Error;

/// ELBv2 Describe* calls take at most 20 ARNs.
const DESCRIBE_BATCH: usize = 20;

/// One published port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PublishedPort {
    /// The load balancer's DNS name; `None` when no listener forwards to the target group.
    pub dns_name: Option<String>,
    pub published: Option<i32>,
    pub target: i32,
    /// Lowercase protocol clients use: the listener's (`http`, `https`, `tcp`, `tls`, `udp`, ...),
    /// or the target group's when no listener forwards to it.
    pub protocol: String,
}

impl PublishedPort {
    /// `lb-1.elb.amazonaws.com:80 -> 8080/http`, or `8080/http` when nothing is published.
    pub fn display(&self) -> String {
        match (&self.dns_name, self.published) {
            (Some(dns), Some(published)) => {
                format!("{dns}:{published} -> {}/{}", self.target, self.protocol)
            }
            _ => format!("{}/{}", self.target, self.protocol),
        }
    }

    /// Compose-style, for the table: `:80->8080/http` when the port is on `named_dns` (the load
    /// balancer `ps` names once above the table), `<dns>:80->8080/http` on any other, `8080/http`
    /// when nothing is published.
    pub fn display_short(&self, named_dns: Option<&str>) -> String {
        match (&self.dns_name, self.published) {
            (Some(dns), Some(published)) if Some(dns.as_str()) == named_dns => {
                format!(":{published}->{}/{}", self.target, self.protocol)
            }
            (Some(dns), Some(published)) => {
                format!("{dns}:{published}->{}/{}", self.target, self.protocol)
            }
            _ => format!("{}/{}", self.target, self.protocol),
        }
    }
}

/// What the target groups and listeners say, by target group ARN.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortMap {
    groups: BTreeMap<String, TargetGroup>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TargetGroup {
    port: Option<i32>,
    protocol: String,
    /// (load balancer DNS name, listener port, lowercase listener protocol) forwarding to this group.
    listeners: BTreeSet<(String, i32, String)>,
}

impl PortMap {
    /// The published ports of one service's targets, sorted.
    pub fn ports_of(&self, targets: &[LoadBalancerTarget]) -> Vec<PublishedPort> {
        let mut ports = BTreeSet::new();
        for target in targets {
            let Some(group) = self.groups.get(&target.target_group_arn) else {
                continue;
            };
            let Some(target_port) = target.container_port.or(group.port) else {
                continue;
            };
            if group.listeners.is_empty() {
                ports.insert(PublishedPort {
                    dns_name: None,
                    published: None,
                    target: target_port,
                    protocol: group.protocol.clone(),
                });
            }
            for (dns, port, protocol) in &group.listeners {
                ports.insert(PublishedPort {
                    dns_name: Some(dns.clone()),
                    published: Some(*port),
                    target: target_port,
                    protocol: protocol.clone(),
                });
            }
        }
        ports.into_iter().collect()
    }

    /// The DNS names of the load balancers in front of these targets, sorted.
    pub fn dns_names(&self, targets: &[LoadBalancerTarget]) -> Vec<String> {
        let names: BTreeSet<String> = self
            .ports_of(targets)
            .into_iter()
            .filter_map(|p| p.dns_name)
            .collect();
        names.into_iter().collect()
    }
}

/// Read the target groups, their load balancers and listeners.
pub async fn load(elbv2: &Elbv2, targets: &[LoadBalancerTarget]) -> Result<PortMap, Error> {
    let arns: BTreeSet<String> = targets.iter().map(|t| t.target_group_arn.clone()).collect();
    let arns: Vec<String> = arns.into_iter().collect();
    let mut map = PortMap::default();
    let mut load_balancers = BTreeSet::new();
    for batch in arns.chunks(DESCRIBE_BATCH) {
        let out = elbv2
            .describe_target_groups()
            .set_target_group_arns(Some(batch.to_vec()))
            .send()
            .await
            .context("describing the load balancer target groups")?;
        for group in out.target_groups() {
            let Some(arn) = group.target_group_arn() else {
                continue;
            };
            load_balancers.extend(group.load_balancer_arns().iter().cloned());
            map.groups.insert(
                arn.to_string(),
                TargetGroup {
                    port: group.port(),
                    protocol: group
                        .protocol()
                        .map(|p| p.as_str().to_ascii_lowercase())
                        .unwrap_or_else(|| "tcp".to_string()),
                    listeners: BTreeSet::new(),
                },
            );
        }
    }
    let load_balancers: Vec<String> = load_balancers.into_iter().collect();
    for batch in load_balancers.chunks(DESCRIBE_BATCH) {
        let out = elbv2
            .describe_load_balancers()
            .set_load_balancer_arns(Some(batch.to_vec()))
            .send()
            .await
            .context("describing the load balancers")?;
        for lb in out.load_balancers() {
            let (Some(lb_arn), Some(dns)) = (lb.load_balancer_arn(), lb.dns_name()) else {
                continue;
            };
            for listener in listeners(elbv2, lb_arn).await? {
                let Some(port) = listener.port() else {
                    continue;
                };
                for group_arn in forwarded_groups(&listener) {
                    if let Some(group) = map.groups.get_mut(&group_arn) {
                        let protocol = listener
                            .protocol()
                            .map(|p| p.as_str().to_ascii_lowercase())
                            .unwrap_or_else(|| group.protocol.clone());
                        group.listeners.insert((dns.to_string(), port, protocol));
                    }
                }
            }
        }
    }
    Ok(map)
}

async fn listeners(elbv2: &Elbv2, lb_arn: &str) -> Result<Vec<Listener>, Error> {
    let mut all = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = elbv2
            .describe_listeners()
            .load_balancer_arn(lb_arn)
            .set_marker(marker.clone())
            .send()
            .await
            .with_context(|| format!("listing the listeners of {lb_arn}"))?;
        all.extend(out.listeners().iter().cloned());
        match out.next_marker() {
            Some(next) if !next.is_empty() && Some(next) != marker.as_deref() => {
                marker = Some(next.to_string())
            }
            _ => return Ok(all),
        }
    }
}

/// Target groups a listener's default actions forward to (simple and weighted forwards).
fn forwarded_groups(listener: &Listener) -> Vec<String> {
    let mut groups = Vec::new();
    for action in listener.default_actions() {
        if let Some(arn) = action.target_group_arn() {
            groups.push(arn.to_string());
        }
        if let Some(forward) = action.forward_config() {
            groups.extend(
                forward
                    .target_groups()
                    .iter()
                    .filter_map(|t| t.target_group_arn().map(str::to_string)),
            );
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_published_and_unpublished_ports() {
        let published = PublishedPort {
            dns_name: Some("demo-lb-1.elb.amazonaws.com".into()),
            published: Some(80),
            target: 8080,
            protocol: "http".into(),
        };
        assert_eq!(
            published.display(),
            "demo-lb-1.elb.amazonaws.com:80 -> 8080/http"
        );
        let internal = PublishedPort {
            dns_name: None,
            published: None,
            target: 6379,
            protocol: "tcp".into(),
        };
        assert_eq!(internal.display(), "6379/tcp");
    }

    #[test]
    fn container_port_wins_over_the_target_group_port() {
        let mut map = PortMap::default();
        map.groups.insert(
            "tg".into(),
            TargetGroup {
                port: Some(1),
                protocol: "tcp".into(),
                listeners: [
                    ("lb".to_string(), 443, "tcp".to_string()),
                    ("lb".to_string(), 80, "tcp".to_string()),
                ]
                .into(),
            },
        );
        let ports = map.ports_of(&[LoadBalancerTarget {
            target_group_arn: "tg".into(),
            container_port: Some(8080),
        }]);
        let shown: Vec<String> = ports.iter().map(PublishedPort::display).collect();
        assert_eq!(shown, ["lb:80 -> 8080/tcp", "lb:443 -> 8080/tcp"]);
    }

    #[test]
    fn an_https_listener_shows_https_and_the_named_load_balancer_is_left_out() {
        let mut map = PortMap::default();
        map.groups.insert(
            "tg".into(),
            TargetGroup {
                port: Some(80),
                protocol: "http".into(),
                listeners: [
                    ("lb".to_string(), 443, "https".to_string()),
                    ("lb".to_string(), 80, "http".to_string()),
                ]
                .into(),
            },
        );
        let targets = [LoadBalancerTarget {
            target_group_arn: "tg".into(),
            container_port: None,
        }];
        let ports = map.ports_of(&targets);
        let short: Vec<String> = ports.iter().map(|p| p.display_short(Some("lb"))).collect();
        assert_eq!(short, [":80->80/http", ":443->80/https"]);
        let other: Vec<String> = ports.iter().map(|p| p.display_short(Some("x"))).collect();
        assert_eq!(other, ["lb:80->80/http", "lb:443->80/https"]);
        assert_eq!(map.dns_names(&targets), ["lb"]);
    }
}
