//! An external EFS file system (`external: true`, `name: fs-...`) is only usable when the tasks can
//! reach it: a mount target in the deploy VPC in every availability zone of the task subnets, and
//! security groups on those mount targets that admit NFS (TCP 2049) from the tasks. The stack
//! cannot add those (the file system is not its own), so `up` checks them before deploying and
//! says exactly what is missing, instead of tasks failing to start with a mount timeout.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::IpPermission;

use crate::error::AwsContext;
use crate::{Clients, Error};

const NFS_PORT: i32 = 2049;

/// Where the tasks run: the VPC, the task subnets and the security groups of the project's own
/// that tasks carry (external networks).
pub struct TaskPlacement<'a> {
    pub vpc_id: &'a str,
    pub subnets: &'a [String],
    pub security_groups: &'a [String],
}

/// Every problem with every external file system, one line each; empty when all are reachable.
pub async fn problems(
    clients: &Clients,
    file_systems: &[String],
    tasks: &TaskPlacement<'_>,
) -> Result<Vec<String>, Error> {
    if file_systems.is_empty() {
        return Ok(Vec::new());
    }
    let subnets = task_subnets(clients, tasks.subnets).await?;
    let mut problems = Vec::new();
    for id in file_systems {
        problems.extend(problems_of(clients, id, tasks, &subnets).await?);
    }
    Ok(problems)
}

/// A task subnet's availability zone and IPv4 range.
struct TaskSubnet {
    id: String,
    zone: String,
    cidr: Option<(u32, u32)>,
}

async fn task_subnets(clients: &Clients, ids: &[String]) -> Result<Vec<TaskSubnet>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = clients
        .ec2
        .describe_subnets()
        .set_subnet_ids(Some(ids.to_vec()))
        .send()
        .await
        .context("volumes: looking up the task subnets")?;
    Ok(out
        .subnets()
        .iter()
        .map(|s| TaskSubnet {
            id: s.subnet_id().unwrap_or_default().to_string(),
            zone: s.availability_zone().unwrap_or_default().to_string(),
            cidr: s.cidr_block().and_then(parse_cidr),
        })
        .collect())
}

async fn problems_of(
    clients: &Clients,
    id: &str,
    tasks: &TaskPlacement<'_>,
    subnets: &[TaskSubnet],
) -> Result<Vec<String>, Error> {
    let targets = clients
        .efs
        .describe_mount_targets()
        .file_system_id(id)
        .send()
        .await
        .with_context(|| format!("volumes: listing the mount targets of EFS file system {id}"))?;
    let in_vpc: Vec<_> = targets
        .mount_targets()
        .iter()
        .filter(|t| t.vpc_id() == Some(tasks.vpc_id))
        .collect();
    if in_vpc.is_empty() {
        let elsewhere: BTreeSet<&str> = targets
            .mount_targets()
            .iter()
            .filter_map(|t| t.vpc_id())
            .collect();
        let elsewhere = if elsewhere.is_empty() {
            String::new()
        } else {
            let vpcs = elsewhere.into_iter().collect::<Vec<_>>().join(", ");
            format!(" (its mount targets are in {vpcs})")
        };
        let subnets = subnets
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Ok(vec![format!(
            "volumes: EFS file system {id} has no mount target in the tasks' VPC {}{elsewhere}: create one in each availability zone of the task subnets ({subnets})",
            tasks.vpc_id
        )]);
    }

    let mut problems = Vec::new();
    let zones: BTreeSet<&str> = in_vpc
        .iter()
        .filter_map(|t| t.availability_zone_name())
        .collect();
    let mut missing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for subnet in subnets.iter().filter(|s| !zones.contains(s.zone.as_str())) {
        missing.entry(&subnet.zone).or_default().push(&subnet.id);
    }
    if !missing.is_empty() {
        let zones = missing
            .iter()
            .map(|(zone, subnets)| format!("{zone} (task subnet {})", subnets.join(", ")))
            .collect::<Vec<_>>()
            .join(", ");
        problems.push(format!(
            "volumes: EFS file system {id} has no mount target in {zones}: tasks placed there cannot mount it; create a mount target in each of those zones"
        ));
    }

    // The mount targets' security groups must admit NFS from every task subnet, or from a
    // security group the tasks carry.
    let mut groups = BTreeSet::new();
    for target in &in_vpc {
        let target_id = target.mount_target_id();
        let out = clients
            .efs
            .describe_mount_target_security_groups()
            .mount_target_id(target_id)
            .send()
            .await
            .with_context(|| {
                format!("volumes: reading the security groups of mount target {target_id}")
            })?;
        groups.extend(out.security_groups().iter().cloned());
    }
    if groups.is_empty() {
        return Ok(problems);
    }
    let out = clients
        .ec2
        .describe_security_groups()
        .set_group_ids(Some(groups.iter().cloned().collect()))
        .send()
        .await
        .with_context(|| format!("volumes: reading the security groups of EFS file system {id}"))?;
    let rules: Vec<&IpPermission> = out
        .security_groups()
        .iter()
        .flat_map(|g| g.ip_permissions())
        .filter(|rule| admits_nfs(rule))
        .collect();
    let from_task_group = rules.iter().any(|rule| {
        rule.user_id_group_pairs().iter().any(|pair| {
            pair.group_id()
                .is_some_and(|g| tasks.security_groups.iter().any(|t| t == g))
        })
    });
    let unreachable: Vec<&TaskSubnet> = subnets
        .iter()
        .filter(|subnet| {
            !rules.iter().any(|rule| {
                rule.ip_ranges().iter().any(|range| {
                    let allowed = range.cidr_ip().and_then(parse_cidr);
                    matches!((allowed, subnet.cidr), (Some(allowed), Some(cidr)) if covers(allowed, cidr))
                })
            })
        })
        .collect();
    if !from_task_group && !unreachable.is_empty() {
        let ranges = unreachable
            .iter()
            .map(|s| match s.cidr {
                Some(_) => format!("{} ({})", s.id, show_cidr(s)),
                None => s.id.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        problems.push(format!(
            "volumes: EFS file system {id}: its mount targets' security groups ({}) do not admit NFS (TCP {NFS_PORT}) from the task subnets {ranges}: add an inbound rule for TCP {NFS_PORT} from the VPC's range, or from a security group the services carry (an external network)",
            groups.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(problems)
}

fn show_cidr(subnet: &TaskSubnet) -> String {
    match subnet.cidr {
        Some((address, bits)) => {
            let [a, b, c, d] = address.to_be_bytes();
            format!("{a}.{b}.{c}.{d}/{bits}")
        }
        None => String::new(),
    }
}

/// The rule lets TCP 2049 in: all traffic, or TCP over a range holding 2049.
fn admits_nfs(rule: &IpPermission) -> bool {
    match rule.ip_protocol() {
        Some("-1") => true,
        Some("tcp") | Some("6") => {
            let from = rule.from_port().unwrap_or(0);
            let to = rule.to_port().unwrap_or(65535);
            from <= NFS_PORT && NFS_PORT <= to
        }
        _ => false,
    }
}

/// `10.0.0.0/16` as (address, prefix length).
fn parse_cidr(text: &str) -> Option<(u32, u32)> {
    let (address, bits) = text.split_once('/')?;
    let address: std::net::Ipv4Addr = address.parse().ok()?;
    let bits: u32 = bits.parse().ok()?;
    (bits <= 32).then_some((u32::from(address), bits))
}

/// `outer` holds every address of `inner`.
fn covers(outer: (u32, u32), inner: (u32, u32)) -> bool {
    let mask = |bits: u32| {
        if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        }
    };
    outer.1 <= inner.1 && (outer.0 & mask(outer.1)) == (inner.0 & mask(outer.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_covers_the_ranges_inside_it() {
        let vpc = parse_cidr("10.20.0.0/16").unwrap();
        assert!(covers(vpc, parse_cidr("10.20.1.0/24").unwrap()));
        assert!(covers(vpc, vpc));
        assert!(!covers(vpc, parse_cidr("10.21.1.0/24").unwrap()));
        assert!(!covers(parse_cidr("10.20.1.0/24").unwrap(), vpc));
        assert!(covers(
            parse_cidr("0.0.0.0/0").unwrap(),
            parse_cidr("192.168.0.0/16").unwrap()
        ));
        assert_eq!(parse_cidr("10.0.0.0/33"), None);
        assert_eq!(parse_cidr("fd00::/8"), None);
    }

    #[test]
    fn nfs_is_admitted_by_all_traffic_or_a_tcp_range_holding_2049() {
        let rule = |protocol: &str, from: i32, to: i32| {
            IpPermission::builder()
                .ip_protocol(protocol)
                .from_port(from)
                .to_port(to)
                .build()
        };
        assert!(admits_nfs(&rule("tcp", 2049, 2049)));
        assert!(admits_nfs(&rule("tcp", 0, 65535)));
        assert!(admits_nfs(&rule("-1", -1, -1)));
        assert!(!admits_nfs(&rule("tcp", 2050, 3000)));
        assert!(!admits_nfs(&rule("udp", 2049, 2049)));
    }
}
