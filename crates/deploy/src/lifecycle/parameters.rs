//! Values for the template Parameters the builder left to `up`: the VPC and its subnets, secret
//! contents (NoEcho parameters, never in the template), EFS file systems retained by an earlier
//! `down`, and the hosted zones of custom domains.

use crate::error::AwsContext;
use std::collections::{BTreeMap, HashSet};

use aws_sdk_ec2::types::{Filter, RouteTable, Subnet};
use template_builder::{Built, ParameterSource, Precondition, SecretValueSource};

use super::mount_targets;
use crate::{stack, Clients, Error};

/// CloudFormation's limit on one parameter value, in bytes.
pub const PARAMETER_VALUE_LIMIT: usize = 4096;

const PROJECT_TAG: &str = "com.docker.compose.project";
const VOLUME_TAG: &str = "com.docker.compose.volume";

/// The VPC the app runs in, with its subnets split by reachability from the internet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub vpc_id: String,
    pub public_subnets: Vec<String>,
    /// Subnets without a route to the internet; the public ones when the VPC has none.
    pub private_subnets: Vec<String>,
    /// `private_subnets` are really private (not the public fallback): tasks there reach the
    /// internet through a NAT gateway and need no public IP.
    pub tasks_in_private_subnets: bool,
}

impl Network {
    /// The `AssignPublicIp` value for tasks in `private_subnets`.
    pub fn assign_public_ip(&self) -> &'static str {
        if self.tasks_in_private_subnets {
            "DISABLED"
        } else {
            "ENABLED"
        }
    }

    /// The scheme of a load balancer whose scheme the compose file leaves open: internal (in the
    /// private subnets) when there is no public subnet to face the internet from.
    pub fn load_balancer_scheme(&self) -> &'static str {
        if self.public_subnets.is_empty() {
            "internal"
        } else {
            "internet-facing"
        }
    }
}

/// The image each built service runs: service name -> `repository@sha256:...` (in Amazon ECR).
pub type PushedImages = BTreeMap<String, String>;

/// Resolve every parameter `built` asks for. `existing_stack` is the stack being updated, if any:
/// file systems it already owns are not passed back to it as "retained". `images` holds what was
/// pushed for the services with `build:`.
pub async fn resolve(
    clients: &Clients,
    project: &str,
    built: &Built,
    existing_stack: Option<&str>,
    images: &PushedImages,
) -> Result<Vec<(String, String)>, Error> {
    let needs_network = built.parameters.iter().any(|p| {
        matches!(
            p.source,
            ParameterSource::VpcId
                | ParameterSource::VpcCidr
                | ParameterSource::PublicSubnetIds
                | ParameterSource::PrivateSubnetIds
                | ParameterSource::AssignPublicIp
                | ParameterSource::LoadBalancerScheme
        )
    });
    // The compose file left the load balancer's scheme to us: internal without a public subnet.
    let scheme_is_ours = built
        .parameters
        .iter()
        .any(|p| p.source == ParameterSource::LoadBalancerScheme);
    let network = if needs_network {
        Some(match explicit_subnets(built) {
            Some((public, private)) => {
                explicit_network(clients, explicit_vpc(built), public, private).await?
            }
            None => lookup_network(clients, explicit_vpc(built)).await?,
        })
    } else {
        None
    };
    if let Some(network) = &network {
        let external: Vec<String> = built
            .preconditions
            .iter()
            .filter_map(|p| match p {
                Precondition::FileSystemExists { id } => Some(id.clone()),
                _ => None,
            })
            .collect();
        let security_groups: Vec<String> = built
            .preconditions
            .iter()
            .filter_map(|p| match p {
                Precondition::SecurityGroupExists { id } => Some(id.clone()),
                _ => None,
            })
            .collect();
        let tasks = mount_targets::TaskPlacement {
            vpc_id: &network.vpc_id,
            subnets: &network.private_subnets,
            security_groups: &security_groups,
        };
        let problems = mount_targets::problems(clients, &external, &tasks).await?;
        if !problems.is_empty() {
            return Err(Error::Precondition(problems.join("\n")));
        }
    }
    let needs_volumes = built
        .parameters
        .iter()
        .any(|p| matches!(p.source, ParameterSource::RetainedFileSystem { .. }));
    let file_systems = if needs_volumes {
        volume_file_systems(clients, project, built, existing_stack).await?
    } else {
        BTreeMap::new()
    };

    let mut values = Vec::with_capacity(built.parameters.len());
    for input in &built.parameters {
        let value = match (&input.source, &network) {
            (ParameterSource::VpcId, Some(network)) => network.vpc_id.clone(),
            (ParameterSource::VpcCidr, Some(network)) => vpc_cidr(clients, &network.vpc_id).await?,
            (ParameterSource::PublicSubnetIds, Some(network)) => {
                // An internal load balancer does not use this list, but CloudFormation wants a
                // value: the private subnets (the template's condition picks those anyway).
                if network.public_subnets.is_empty() && scheme_is_ours {
                    network.private_subnets.join(",")
                } else if network.public_subnets.is_empty() {
                    // Only an internet-facing load balancer asks for public subnets.
                    return Err(no_public_subnets(
                        &network.vpc_id,
                        explicit_subnets(built).is_some(),
                    ));
                } else {
                    network.public_subnets.join(",")
                }
            }
            (ParameterSource::LoadBalancerScheme, Some(network)) => {
                network.load_balancer_scheme().into()
            }
            (ParameterSource::PrivateSubnetIds, Some(network)) => network.private_subnets.join(","),
            (ParameterSource::AssignPublicIp, Some(network)) => {
                network.assign_public_ip().to_string()
            }
            (
                ParameterSource::VpcId
                | ParameterSource::VpcCidr
                | ParameterSource::PublicSubnetIds
                | ParameterSource::PrivateSubnetIds
                | ParameterSource::AssignPublicIp
                | ParameterSource::LoadBalancerScheme,
                None,
            ) => unreachable_network()?,
            (ParameterSource::SecretValue { secret, from }, _) => read_secret(secret, from)?,
            (ParameterSource::RetainedFileSystem { .. }, _) => {
                file_systems.get(&input.name).cloned().unwrap_or_default()
            }
            (ParameterSource::LoadBalancerArn { name }, _) => {
                load_balancer_arn(clients, name).await?
            }
            (ParameterSource::HostedZone { domain }, _) => {
                super::hosted_zones::public_zone_for(&clients.route53, domain).await?
            }
            (ParameterSource::BuiltImage { service }, _) => {
                images.get(service).cloned().ok_or_else(|| {
                    Error::Precondition(format!(
                        "internal error: no image was pushed for service {service:?}"
                    ))
                })?
            }
        };
        values.push((input.name.clone(), value));
    }
    Ok(values)
}

/// Stop before deploying: an internet-facing load balancer (`x-aws-loadbalancer_scheme:
/// internet-facing`; left unset, the scheme follows the subnets) without a public subnet would fail
/// half-way through the stack creation.
fn no_public_subnets(vpc_id: &str, explicit: bool) -> Error {
    let why = if explicit {
        "x-aws-subnets lists no public subnets".to_string()
    } else {
        format!(
            "VPC {vpc_id} has no public subnet (none maps public IPs on launch or routes to an internet gateway)"
        )
    };
    Error::Precondition(format!(
        "{why}, and x-aws-loadbalancer_scheme asks for an internet-facing load balancer. Set \
         `x-aws-loadbalancer_scheme: internal` (or remove the line) to keep it inside the VPC, \
         or name public subnets with `x-aws-subnets: {{public: [subnet-...]}}`"
    ))
}

fn unreachable_network() -> Result<String, Error> {
    // `needs_network` is computed from the same list, so this cannot happen; an error beats a panic.
    Err(Error::Precondition(
        "internal error: network parameters were not looked up".into(),
    ))
}

/// The VPC's primary IPv4 range.
async fn vpc_cidr(clients: &Clients, vpc_id: &str) -> Result<String, Error> {
    let out = clients
        .ec2
        .describe_vpcs()
        .vpc_ids(vpc_id)
        .send()
        .await
        .with_context(|| format!("reading the address range of VPC {vpc_id}"))?;
    out.vpcs()
        .first()
        .and_then(|vpc| vpc.cidr_block())
        .map(str::to_string)
        .ok_or_else(|| Error::Precondition(format!("VPC {vpc_id} has no IPv4 range")))
}

/// The ARN of the load balancer `x-aws-loadbalancer` names by name.
async fn load_balancer_arn(clients: &Clients, name: &str) -> Result<String, Error> {
    let not_found = || {
        Error::Precondition(format!(
            "x-aws-loadbalancer: load balancer {name:?} does not exist in region {}",
            clients.region
        ))
    };
    let out = match clients
        .elbv2
        .describe_load_balancers()
        .names(name)
        .send()
        .await
    {
        Ok(out) => out,
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_load_balancer_not_found_exception()) =>
        {
            return Err(not_found())
        }
        Err(err) => {
            return Err(Error::aws(
                format!("x-aws-loadbalancer: looking up load balancer {name}"),
                err,
            ))
        }
    };
    out.load_balancers()
        .first()
        .and_then(|lb| lb.load_balancer_arn())
        .map(str::to_string)
        .ok_or_else(not_found)
}

/// `x-aws-vpc`, which the builder records as a precondition.
fn explicit_vpc(built: &Built) -> Option<&str> {
    built.preconditions.iter().find_map(|p| match p {
        Precondition::VpcExists { id } => Some(id.as_str()),
        _ => None,
    })
}

/// `x-aws-subnets`, which the builder records as a precondition.
fn explicit_subnets(built: &Built) -> Option<(&[String], &[String])> {
    built.preconditions.iter().find_map(|p| match p {
        Precondition::Subnets { public, private } => Some((public.as_slice(), private.as_slice())),
        _ => None,
    })
}

/// The subnets `x-aws-subnets` names, checked: each exists in the VPC, and no two public ones (the
/// load balancer's) share an availability zone. Private falls back to public when empty.
pub async fn explicit_network(
    clients: &Clients,
    vpc: Option<&str>,
    public: &[String],
    private: &[String],
) -> Result<Network, Error> {
    let vpc_id = vpc_id_or_default(clients, vpc).await?;
    let ids: Vec<String> = public.iter().chain(private).cloned().collect();
    let mut subnets = Vec::new();
    let mut pages = clients
        .ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&vpc_id).build())
        .filters(
            Filter::builder()
                .name("subnet-id")
                .set_values(Some(ids.clone()))
                .build(),
        )
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.with_context(|| format!("x-aws-subnets: looking up subnets in {vpc_id}"))?;
        subnets.extend(page.subnets().iter().cloned());
    }
    let missing: Vec<&str> = ids
        .iter()
        .filter(|id| !subnets.iter().any(|s| s.subnet_id() == Some(id.as_str())))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Error::Precondition(format!(
            "x-aws-subnets: {} not found in VPC {vpc_id}{} (region {})",
            missing.join(", "),
            if vpc.is_some() {
                " (x-aws-vpc)"
            } else {
                " (the default VPC)"
            },
            clients.region
        )));
    }
    let zone_of = |id: &str| {
        subnets
            .iter()
            .find(|s| s.subnet_id() == Some(id))
            .and_then(|s| s.availability_zone().or(s.availability_zone_id()))
    };
    // The private list also holds EFS mount targets and an internal load balancer: one per zone too.
    for (key, list) in [("public", public), ("private", private)] {
        for (index, id) in list.iter().enumerate() {
            let zone = zone_of(id);
            if let Some(other) = list[..index]
                .iter()
                .find(|other| zone.is_some() && zone_of(other) == zone)
            {
                return Err(Error::Precondition(format!(
                    "x-aws-subnets.{key}: {other} and {id} are both in availability zone {}; a load \
                     balancer (and EFS mount targets) take one subnet per zone",
                    zone.unwrap_or_default()
                )));
            }
        }
    }
    let tasks_in_private_subnets = !private.is_empty();
    Ok(Network {
        vpc_id,
        public_subnets: public.to_vec(),
        private_subnets: if tasks_in_private_subnets {
            private.to_vec()
        } else {
            public.to_vec()
        },
        tasks_in_private_subnets,
    })
}

/// `x-aws-vpc`, else the region's default VPC.
async fn vpc_id_or_default(clients: &Clients, vpc: Option<&str>) -> Result<String, Error> {
    let ec2 = &clients.ec2;
    Ok(match vpc {
        Some(id) => id.to_string(),
        None => {
            let out = ec2
                .describe_vpcs()
                .filters(Filter::builder().name("isDefault").values("true").build())
                .send()
                .await
                .context("looking up the default VPC")?;
            out.vpcs()
                .iter()
                .find_map(|v| v.vpc_id())
                .map(str::to_string)
                .ok_or_else(|| {
                    Error::Precondition(format!(
                        "region {} has no default VPC: name one with x-aws-vpc at the top of the compose file",
                        clients.region
                    ))
                })?
        }
    })
}

/// The VPC (`x-aws-vpc`, else the region's default VPC) and its subnets.
pub async fn lookup_network(clients: &Clients, vpc: Option<&str>) -> Result<Network, Error> {
    let ec2 = &clients.ec2;
    let vpc_id = vpc_id_or_default(clients, vpc).await?;
    let vpc_filter = || Filter::builder().name("vpc-id").values(&vpc_id).build();
    let mut subnets = Vec::new();
    let mut pages = ec2
        .describe_subnets()
        .filters(vpc_filter())
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.with_context(|| format!("listing the subnets of {vpc_id}"))?;
        subnets.extend(page.subnets().iter().cloned());
    }
    let mut route_tables = Vec::new();
    let mut pages = ec2
        .describe_route_tables()
        .filters(vpc_filter())
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.with_context(|| format!("listing the route tables of {vpc_id}"))?;
        route_tables.extend(page.route_tables().iter().cloned());
    }
    if subnets.is_empty() {
        return Err(Error::Precondition(format!(
            "VPC {vpc_id} has no subnets{}",
            if vpc.is_some() { " (x-aws-vpc)" } else { "" }
        )));
    }
    let (public, private) = split_subnets(&subnets, &route_tables);
    // Load balancers and EFS mount targets take at most one subnet per availability zone.
    let public_subnets = one_per_zone(&subnets, public);
    let private = one_per_zone(&subnets, private);
    let tasks_in_private_subnets = !private.is_empty();
    let private_subnets = if tasks_in_private_subnets {
        private
    } else {
        public_subnets.clone()
    };
    Ok(Network {
        vpc_id,
        public_subnets,
        private_subnets,
        tasks_in_private_subnets,
    })
}

/// The first subnet of each availability zone, in the given order.
pub fn one_per_zone(subnets: &[Subnet], ids: Vec<String>) -> Vec<String> {
    let mut zones = HashSet::new();
    ids.into_iter()
        .filter(|id| {
            let zone = subnets
                .iter()
                .find(|s| s.subnet_id() == Some(id.as_str()))
                .and_then(|s| s.availability_zone().or(s.availability_zone_id()));
            // A subnet without a known zone is kept: better one too many than none.
            zone.is_none_or(|zone| zones.insert(zone.to_string()))
        })
        .collect()
}

/// Public subnets map public IPs on launch or route to an internet gateway (through their own route
/// table, or the VPC's main one when they have none); the others are private. Order is the API's.
pub fn split_subnets(
    subnets: &[Subnet],
    route_tables: &[RouteTable],
) -> (Vec<String>, Vec<String>) {
    let routes_to_igw = |table: &RouteTable| {
        table
            .routes()
            .iter()
            .any(|r| r.gateway_id().is_some_and(|g| g.starts_with("igw-")))
    };
    let main_is_public = route_tables
        .iter()
        .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
        .is_some_and(routes_to_igw);
    let mut public = Vec::new();
    let mut private = Vec::new();
    for subnet in subnets {
        let Some(id) = subnet.subnet_id() else {
            continue;
        };
        let own_table = route_tables
            .iter()
            .find(|t| t.associations().iter().any(|a| a.subnet_id() == Some(id)));
        let routed_public = match own_table {
            Some(table) => routes_to_igw(table),
            None => main_is_public,
        };
        if subnet.map_public_ip_on_launch() == Some(true) || routed_public {
            public.push(id.to_string());
        } else {
            private.push(id.to_string());
        }
    }
    (public, private)
}

/// A secret's content for its NoEcho parameter.
pub fn read_secret(secret: &str, from: &SecretValueSource) -> Result<String, Error> {
    let (content, origin) = match from {
        SecretValueSource::File(path) => {
            let bytes = std::fs::read(path).map_err(|source| Error::Io {
                context: format!("secret {secret:?}: reading {}", path.display()),
                source,
            })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Error::Precondition(format!(
                    "secret {secret:?}: {} is not UTF-8 text; CloudFormation parameters carry text only",
                    path.display()
                ))
            })?;
            (text, format!("file {}", path.display()))
        }
        SecretValueSource::Environment(variable) => {
            let value = std::env::var(variable).map_err(|_| {
                Error::Precondition(format!(
                    "secret {secret:?}: environment variable {variable} is not set (or not UTF-8)"
                ))
            })?;
            (value, format!("environment variable {variable}"))
        }
    };
    if content.len() > PARAMETER_VALUE_LIMIT {
        return Err(Error::Precondition(format!(
            "secret {secret:?}: {origin} holds {} bytes, over the {PARAMETER_VALUE_LIMIT} bytes a \
             CloudFormation parameter can carry; store it with `docker ecs secret create {secret} FILE` \
             and reference it as an external secret (external: true, name: <its ARN>)",
            content.len()
        )));
    }
    Ok(content)
}

/// Parameter name -> the file system of each volume parameter ("" makes the stack create its own).
/// The stack's current choice wins: its own file system ("") or the retained one it already uses.
/// A file system an earlier `down` retained is reused only for a volume the stack has none for (no
/// stack yet, or a new volume); a choice between several is an error that lists them.
async fn volume_file_systems(
    clients: &Clients,
    project: &str,
    built: &Built,
    existing_stack: Option<&str>,
) -> Result<BTreeMap<String, String>, Error> {
    let current = match existing_stack {
        Some(stack_id) => stack::parameters(&clients.cloudformation, stack_id).await?,
        None => Default::default(),
    };
    let (retained, owned) = scan_file_systems(clients, project, existing_stack).await?;
    let mut chosen = BTreeMap::new();
    for input in &built.parameters {
        let ParameterSource::RetainedFileSystem { volume } = &input.source else {
            continue;
        };
        let value = match current.get(&input.name) {
            Some(current) if !current.is_empty() => current.clone(),
            _ if owned.contains(volume) => String::new(),
            // No file system in the stack for this volume (a parameter left empty names none
            // once the stack no longer has the volume's own).
            _ => match retained.get(volume).map(Vec::as_slice).unwrap_or_default() {
                [] => String::new(),
                [one] => one.id.clone(),
                several => {
                    let listed: Vec<String> = several
                        .iter()
                        .map(|fs| format!("{} (created {})", fs.id, fs.created))
                        .collect();
                    return Err(Error::Precondition(format!(
                        "volume {volume:?}: {} file systems retained by earlier `docker ecs down` \
                         runs carry the tags of project {project} and this volume: {}; docker ecs \
                         does not choose between them: delete the ones not wanted (`aws efs \
                         delete-file-system --file-system-id ID`) or remove their {VOLUME_TAG} tag, \
                         then run the command again",
                        several.len(),
                        listed.join(", ")
                    )));
                }
            },
        };
        chosen.insert(input.name.clone(), value);
    }
    Ok(chosen)
}

/// A file system an earlier `down` left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetainedFileSystem {
    pub id: String,
    pub created: aws_smithy_types::DateTime,
}

/// Volume name -> the file systems an earlier `down` left behind for this project, newest first.
/// File systems the stack itself owns are skipped: passing one of those back would make it
/// "external" to its owner.
pub async fn retained_file_systems(
    clients: &Clients,
    project: &str,
    existing_stack: Option<&str>,
) -> Result<BTreeMap<String, Vec<RetainedFileSystem>>, Error> {
    Ok(scan_file_systems(clients, project, existing_stack).await?.0)
}

/// [`retained_file_systems`], and the volumes whose file system the stack owns.
async fn scan_file_systems(
    clients: &Clients,
    project: &str,
    existing_stack: Option<&str>,
) -> Result<(BTreeMap<String, Vec<RetainedFileSystem>>, HashSet<String>), Error> {
    let owned: HashSet<String> = match existing_stack {
        Some(stack_id) => {
            stack::physical_ids_of_type(&clients.cloudformation, stack_id, "AWS::EFS::FileSystem")
                .await?
                .into_iter()
                .collect()
        }
        None => HashSet::new(),
    };
    let mut by_volume: BTreeMap<String, Vec<RetainedFileSystem>> = BTreeMap::new();
    let mut owned_volumes = HashSet::new();
    let mut pages = clients.efs.describe_file_systems().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.context("looking for retained EFS file systems")?;
        for fs in page.file_systems() {
            let tag = |key: &str| fs.tags().iter().find(|t| t.key() == key).map(|t| t.value());
            if owned.contains(fs.file_system_id()) {
                owned_volumes.extend(tag(VOLUME_TAG).map(str::to_string));
                continue;
            }
            if tag(PROJECT_TAG) != Some(project) {
                continue;
            }
            if matches!(fs.life_cycle_state().as_str(), "deleting" | "deleted") {
                continue;
            }
            if let Some(volume) = tag(VOLUME_TAG) {
                by_volume
                    .entry(volume.to_string())
                    .or_default()
                    .push(RetainedFileSystem {
                        id: fs.file_system_id().to_string(),
                        created: *fs.creation_time(),
                    });
            }
        }
    }
    for found in by_volume.values_mut() {
        found.sort_by_key(|fs| std::cmp::Reverse(fs.created));
    }
    Ok((by_volume, owned_volumes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{Route, RouteTableAssociation};

    fn subnet(id: &str, public_ip: bool) -> Subnet {
        Subnet::builder()
            .subnet_id(id)
            .map_public_ip_on_launch(public_ip)
            .build()
    }

    #[test]
    fn subnets_split_by_public_ip_and_internet_route() {
        let subnets = [
            subnet("a", true),
            subnet("b", false),
            subnet("c", false),
            subnet("d", false),
        ];
        let tables = [
            // main table: NAT only
            RouteTable::builder()
                .associations(RouteTableAssociation::builder().main(true).build())
                .routes(Route::builder().nat_gateway_id("nat-1").build())
                .build(),
            // b has its own table with an internet gateway route
            RouteTable::builder()
                .associations(RouteTableAssociation::builder().subnet_id("b").build())
                .routes(Route::builder().gateway_id("igw-1").build())
                .build(),
            // c has its own table without one
            RouteTable::builder()
                .associations(RouteTableAssociation::builder().subnet_id("c").build())
                .routes(Route::builder().gateway_id("local").build())
                .build(),
        ];
        let (public, private) = split_subnets(&subnets, &tables);
        assert_eq!(public, ["a", "b"]);
        assert_eq!(private, ["c", "d"]);
    }

    #[test]
    fn one_subnet_per_availability_zone() {
        let subnets = [
            Subnet::builder()
                .subnet_id("a1")
                .availability_zone("us-east-1a")
                .build(),
            Subnet::builder()
                .subnet_id("a2")
                .availability_zone("us-east-1a")
                .build(),
            Subnet::builder()
                .subnet_id("b1")
                .availability_zone("us-east-1b")
                .build(),
        ];
        let ids = vec!["a1".to_string(), "a2".to_string(), "b1".to_string()];
        assert_eq!(one_per_zone(&subnets, ids), ["a1", "b1"]);
    }

    #[test]
    fn secret_over_the_parameter_limit_is_refused_with_advice() {
        let dir = std::env::temp_dir().join(format!("ecs-deploy-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.txt");
        std::fs::write(&big, "x".repeat(PARAMETER_VALUE_LIMIT + 1)).unwrap();
        let small = dir.join("small.txt");
        std::fs::write(&small, "s3cr3t").unwrap();
        let err = read_secret("token", &SecretValueSource::File(big))
            .unwrap_err()
            .to_string();
        assert!(err.contains("secret \"token\""), "{err}");
        assert!(err.contains("4097 bytes"), "{err}");
        assert!(err.contains("docker ecs secret create"), "{err}");
        assert_eq!(
            read_secret("token", &SecretValueSource::File(small)).unwrap(),
            "s3cr3t"
        );
        let missing = read_secret(
            "token",
            &SecretValueSource::Environment("ECS_DEPLOY_TEST_UNSET_VAR".into()),
        )
        .unwrap_err()
        .to_string();
        assert!(
            missing.contains("ECS_DEPLOY_TEST_UNSET_VAR is not set"),
            "{missing}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The error and its causes, as the CLI prints them, name the system's reason once.
    #[test]
    fn a_missing_secret_file_names_the_secret_the_file_and_the_reason_once() {
        let path = std::env::temp_dir().join("ecs-deploy-no-such-dir/db_password.txt");
        let err = read_secret("db_password", &SecretValueSource::File(path.clone())).unwrap_err();
        let mut chain = vec![err.to_string()];
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            chain.push(cause.to_string());
            source = cause.source();
        }
        let printed = chain.join("\n");
        assert!(
            printed.starts_with(&format!(
                "secret \"db_password\": reading {}",
                path.display()
            )),
            "{printed}"
        );
        assert_eq!(
            printed.matches("No such file or directory").count(),
            1,
            "{printed}"
        );
    }
}
