//! Ports: one load balancer per project (or the existing one `x-aws-loadbalancer` names), a listener
//! on each published port and a target group on the container port behind it.
//!
//! An Application Load Balancer when every published port is HTTP (published on 80/443, or
//! `x-aws-protocol: http|https`, or `app_protocol: http|https`, or given a certificate), else a
//! Network Load Balancer ([`TYPE_RULE`]). Docker's ECS integration looked at the container port
//! instead (and listened on it): where the two rules choose differently, a warning says so. The
//! internet may reach
//! the load balancer only on published ports; a service's tasks accept only the load balancer, only
//! on their target ports. `x-aws-loadbalancer_scheme: internal` keeps it inside the VPC, in the
//! private subnets.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::context::Ctx;
use crate::domains::{self, Domain};
use crate::https;
use crate::naming::HTTP_REDIRECT_LISTENER;
use crate::naming::{LOAD_BALANCER, LOAD_BALANCER_SECURITY_GROUP};
use crate::networks;
use crate::parameters;
use crate::services;
use crate::targethealth::{self, TargetHealth};
use crate::template::{get_att, r#ref, sub, Resource};
use crate::{attributes, Error, LoadBalancerType, Precondition};

/// Seconds a target keeps receiving in-flight traffic after it is deregistered (the default 300
/// makes every deployment five minutes longer than it needs to be).
const DEREGISTRATION_DELAY_SECONDS: &str = "30";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortPlan {
    pub service: String,
    pub published: u16,
    pub target: u16,
    /// `tcp` or `udp`: the container's protocol.
    pub transport: String,
    /// HTTP / HTTPS (ALB), TCP / UDP (NLB).
    pub listener_protocol: &'static str,
    pub certificate: Option<Certificate>,
    /// The port's domain (its own `x-aws-domain`, else the project's): the URL of an HTTPS port.
    pub domain: Option<String>,
    /// A port that shares its published port with an earlier service's (each under its own
    /// domain): a host-header rule on that port's listener, not a listener of its own.
    pub routed: Option<Routing>,
    /// The service's `x-aws-healthcheck`, defaults filled in.
    pub health: TargetHealth,
    /// `WebTCP80`: the prefix of this port's logical ids.
    pub id: String,
    /// `ports[0]`: where the service declares it, for warnings.
    pub attribute: String,
}

/// The certificate of an HTTPS listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Certificate {
    /// An ACM certificate ARN (`x-aws-certificate`).
    Arn(String),
    /// The certificate the stack requests for this domain (`x-aws-domain`).
    Requested(String),
}

/// How a port that shares a listener reaches its service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    /// The logical id of the listener it shares (the first service's on that port).
    pub listener: String,
    /// The rule's priority on that listener: 1, 2... in service order.
    pub priority: u32,
}

impl PortPlan {
    /// Whether this port's listener uses the certificate the stack requests for `domain`.
    pub fn requests_certificate_of(&self, domain: &Domain) -> bool {
        matches!(&self.certificate, Some(Certificate::Requested(name)) if *name == domain.name)
    }

    pub fn target_group_id(&self) -> String {
        format!("{}TargetGroup", self.id)
    }
    /// What sends the load balancer's traffic to this port's target group: its listener, or its
    /// rule on a shared one (an ECS service waits for it: its target group must be in use first).
    pub fn listener_id(&self) -> String {
        match self.routed {
            None => format!("{}Listener", self.id),
            Some(_) => format!("{}ListenerRule", self.id),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// `None` when nothing is published.
    pub kind: Option<LoadBalancerType>,
    pub ports: Vec<PortPlan>,
    /// Every domain served (`x-aws-domain`), once each, in the order first met.
    pub domains: Vec<Domain>,
}

impl Plan {
    /// Whether our load balancer gets an HTTP :80 listener redirecting to HTTPS :443: when 443 is
    /// HTTPS and no service publishes 80.
    pub fn redirects_http(&self) -> bool {
        self.ports
            .iter()
            .any(|p| p.published == 443 && p.listener_protocol == "HTTPS")
            && !self.ports.iter().any(|p| p.published == 80)
    }

    pub fn for_service<'p>(&'p self, service: &'p str) -> impl Iterator<Item = &'p PortPlan> + 'p {
        self.ports.iter().filter(move |p| p.service == service)
    }
}

/// How the load balancer type is chosen, for errors and warnings about it.
const TYPE_RULE: &str = "one Application Load Balancer when every published port is HTTP (published on 80 or 443, \
     or declared x-aws-protocol: http|https or app_protocol, or given a certificate), else one Network Load Balancer \
     for all ports";

fn port_extension<'a>(port: &'a compose_model::Port, key: &str) -> Option<&'a str> {
    port.extensions.get(key).and_then(Value::as_str)
}

/// Decide the load balancer type and the listener of every published port.
pub fn plan(ctx: &mut Ctx) -> Result<Plan, Error> {
    struct Raw {
        service: String,
        published: u16,
        target: u16,
        transport: String,
        http: bool,
        https: bool,
        certificate: Option<Certificate>,
        /// Where the certificate of an HTTPS port comes from, for errors.
        certificate_attribute: String,
        domain: Option<String>,
        /// Why a port is not HTTP, for errors: it puts the project on a Network Load Balancer.
        not_http_because: Option<String>,
        health: TargetHealth,
        attribute: String,
        /// Whether Docker's ECS integration took the port for HTTP: `x-aws-protocol: http|https`,
        /// else a container port of 80 or 443.
        docker_http: bool,
    }
    let default_certificate = https::project_certificate(ctx)?;
    let default_domain = domains::project_domain(ctx)?;
    let default_zone = domains::project_zone(ctx)?;
    let mut served: Vec<Domain> = Vec::new();
    let mut raw: Vec<Raw> = Vec::new();
    /// Who publishes a port: the first service, its protocol, and each sharing port's own domain.
    struct Taken {
        service: String,
        protocol: String,
        domains: Vec<Option<String>>,
    }
    let mut taken: BTreeMap<u16, Taken> = BTreeMap::new();
    let project = ctx.project;
    let mut refused: Vec<Error> = Vec::new();
    for (name, service) in &project.services {
        let health = match targethealth::of_service(name, service) {
            Ok(health) => health,
            Err(error) => {
                refused.push(error);
                continue;
            }
        };
        if service.ports.is_empty() && service.extensions.contains_key(targethealth::ATTRIBUTE) {
            ctx.warn_value(
                Some(name),
                targethealth::ATTRIBUTE,
                "ignored: the service publishes no port, so no load balancer checks it".into(),
            );
        }
        let first = raw.len();
        for (index, port) in service.ports.iter().enumerate() {
            // Each port's problems are its own: every refused port is reported in one run.
            let mut plan_port = || -> Result<(), Error> {
                let attribute = format!("ports[{index}]");
                if port.target == 0 {
                    return Err(Error {
                        service: Some(name.clone()),
                        attribute: format!("{attribute}.target"),
                        message:
                            "container port 0: name the port the container listens on (1-65535)"
                                .into(),
                    });
                }
                // Published 0 asks Docker for any free host port; the load balancer listens on the
                // container port, as for a port given without a published one.
                let published = match port.published.as_deref() {
                    None | Some("" | "0") => port.target,
                    Some(text) if text.contains('-') => {
                        return Err(attributes::error(
                            "service.ports.range",
                            Some(name),
                            &attribute,
                        ))
                    }
                    Some(text) => text.parse().map_err(|_| Error {
                        service: Some(name.clone()),
                        attribute: attribute.clone(),
                        message: format!("published port {text:?} is not a port number"),
                    })?,
                };
                let protocol = port.protocol.to_ascii_lowercase();
                let port_domain_attribute = format!("{attribute}.{}", domains::ATTRIBUTE);
                let own_domain = domains::domain(
                    Some(name),
                    &port_domain_attribute,
                    port.extensions.get(domains::ATTRIBUTE),
                )?;
                // Services may share a published port when each names its own domain there: the
                // listener routes each name to its service (host-header rules).
                let shared = taken.get_mut(&published).is_some_and(|holder| {
                    let shareable = holder.service != *name
                        && holder.protocol == "tcp"
                        && protocol == "tcp"
                        && holder.domains.iter().all(Option::is_some)
                        && own_domain
                            .as_ref()
                            .is_some_and(|d| !holder.domains.contains(&Some(d.clone())));
                    if shareable {
                        holder.domains.push(own_domain.clone());
                    }
                    shareable
                });
                let clash = if shared {
                    None
                } else {
                    taken
                        .insert(
                            published,
                            Taken {
                                service: name.clone(),
                                protocol: protocol.clone(),
                                domains: vec![own_domain.clone()],
                            },
                        )
                        .map(|holder| (holder.service, holder.protocol))
                };
                if let Some((other, other_protocol)) = clash {
                    let mut error =
                        attributes::error("service.ports.clash", Some(name), &attribute);
                    error.message = if &other == name && other_protocol != protocol {
                        format!("port {published} is published for {other_protocol} and for {protocol}, but a load balancer port takes one protocol here: publish {published} for one of them and another port for the other")
                    } else if &other == name {
                        format!("port {published} is published twice by this service; a load balancer listens once per port")
                    } else if own_domain.is_some() || default_domain.is_some() {
                        format!(
                            "port {published} is already published by service {other:?}; {}. Services share a port only when \
                             each names its own x-aws-domain on it (the listener routes each name to its service): set a \
                             different x-aws-domain on each of these ports, or publish this one on another port",
                            error.message
                        )
                    } else {
                        format!(
                            "port {published} is already published by service {other:?}; {}",
                            error.message
                        )
                    };
                    return Err(error);
                }
                let transport = port.protocol.to_ascii_lowercase();
                if transport != "tcp" && transport != "udp" {
                    return Err(Error {
                        service: Some(name.clone()),
                        attribute: format!("{attribute}.protocol"),
                        message: format!(
                            "protocol {transport:?}: only tcp and udp can be load balanced"
                        ),
                    });
                }
                let declared = port_extension(port, "x-aws-protocol")
                    .or(port.app_protocol.as_deref())
                    .map(str::to_ascii_lowercase);
                let port_certificate_attribute = format!("{attribute}.{}", https::ATTRIBUTE);
                let own_certificate = https::certificate(
                    Some(name),
                    &port_certificate_attribute,
                    port.extensions.get(https::ATTRIBUTE),
                )?;
                let port_zone_attribute = format!("{attribute}.{}", domains::ZONE_ATTRIBUTE);
                let own_zone = domains::hosted_zone(
                    Some(name),
                    &port_zone_attribute,
                    port.extensions.get(domains::ZONE_ATTRIBUTE),
                )?;
                if own_zone.is_some() && own_domain.is_none() {
                    ctx.warn_value(
                        Some(name),
                        &port_zone_attribute,
                        "ignored: the port has no x-aws-domain".into(),
                    );
                }
                // What the port itself asks for HTTPS with, for errors: its certificate, else its domain.
                let own_attribute = if own_certificate.is_some() {
                    Some(&port_certificate_attribute)
                } else if own_domain.is_some() {
                    Some(&port_domain_attribute)
                } else {
                    None
                };
                // A certificate or a domain makes a port HTTPS; so does publishing 443 when the
                // project has one.
                let https = declared.as_deref() == Some("https")
                    || (declared.is_none()
                        && (own_attribute.is_some()
                            || (published == 443
                                && (default_certificate.is_some() || default_domain.is_some()))));
                if let (Some(own), false) = (own_attribute, https) {
                    let (what, key) = if own_certificate.is_some() {
                        ("a certificate", https::ATTRIBUTE)
                    } else {
                        ("a domain", domains::ATTRIBUTE)
                    };
                    return Err(Error {
                        service: Some(name.clone()),
                        attribute: own.clone(),
                        message: format!(
                            "{what} needs an HTTPS port, but this port is declared {}; remove {key} or declare https",
                            declared.as_deref().unwrap_or_default()
                        ),
                    });
                }
                if https && transport != "tcp" {
                    return Err(Error {
                        service: Some(name.clone()),
                        attribute: own_attribute
                            .cloned()
                            .unwrap_or_else(|| format!("{attribute}.protocol")),
                        message: format!("HTTPS runs over tcp, not {transport}"),
                    });
                }
                // The port's own certificate, else the one of its own domain, else the project's
                // certificate, else the one of the project's domain.
                let (certificate, certificate_attribute) = match (&own_certificate, &own_domain) {
                    (Some(arn), _) => (
                        Some(Certificate::Arn(arn.clone())),
                        port_certificate_attribute,
                    ),
                    (None, Some(domain)) => (
                        Some(Certificate::Requested(domain.clone())),
                        port_domain_attribute.clone(),
                    ),
                    (None, None) if https => match (&default_certificate, &default_domain) {
                        (Some(arn), _) => (
                            Some(Certificate::Arn(arn.clone())),
                            https::ATTRIBUTE.to_string(),
                        ),
                        (None, Some(domain)) => (
                            Some(Certificate::Requested(domain.name.clone())),
                            domains::ATTRIBUTE.to_string(),
                        ),
                        (None, None) => (None, port_certificate_attribute),
                    },
                    (None, None) => (None, port_certificate_attribute),
                };
                let domain = match &own_domain {
                    Some(own) => Some(Domain {
                        name: own.clone(),
                        hosted_zone: own_zone.or_else(|| default_zone.clone()),
                        service: Some(name.clone()),
                        attribute: port_domain_attribute,
                    }),
                    None => default_domain.clone(),
                };
                if let Some(domain) = &domain {
                    note_domain(&mut served, domain)?;
                }
                if https && certificate.is_none() {
                    return Err(Error {
                        service: Some(name.clone()),
                        attribute: certificate_attribute,
                        message: "HTTPS needs a certificate: set x-aws-certificate to an ACM certificate ARN on the port (long syntax) or at the top level".into(),
                    });
                }
                let not_http_because = if transport != "tcp" {
                    Some(format!("is {transport}"))
                } else if https || declared.as_deref() == Some("http") {
                    None
                } else if let Some(declared) = declared.as_deref() {
                    Some(format!("is declared x-aws-protocol: {declared}"))
                } else if matches!(published, 80 | 443) {
                    None
                } else {
                    Some("has no x-aws-protocol: http (only ports published on 80 and 443 are HTTP without it)".into())
                };
                let docker_http = transport == "tcp"
                    && match port_extension(port, "x-aws-protocol") {
                        Some(protocol) => matches!(protocol, "http" | "https"),
                        None => matches!(port.target, 80 | 443),
                    };
                raw.push(Raw {
                    service: name.clone(),
                    published,
                    target: port.target,
                    transport,
                    http: not_http_because.is_none(),
                    https,
                    certificate,
                    certificate_attribute,
                    domain: domain.map(|d| d.name),
                    not_http_because,
                    health: health.clone(),
                    attribute,
                    docker_http,
                });
                Ok(())
            };
            if let Err(error) = plan_port() {
                refused.push(error);
            }
        }
        if let Err(error) = services::check_target_groups(name, raw.len() - first) {
            refused.push(error);
        }
    }
    if let Some(first) = refused.first().cloned() {
        for error in refused {
            ctx.refuse(error);
        }
        return Err(first);
    }
    if let Some(domain) = &default_domain {
        if !raw.iter().any(|p| p.https) {
            return Err(Error {
                service: None,
                attribute: domains::ATTRIBUTE.into(),
                message: format!(
                    "{} would be served over HTTPS, but no port is HTTPS: publish 443 (\"443:80\" serves HTTPS on 443 from the container's port 80, and HTTP :80 redirects to it), or set x-aws-domain on a port",
                    domain.name
                ),
            });
        }
    } else if default_zone.is_some() && !served.iter().any(|d| d.hosted_zone == default_zone) {
        ctx.warn_value(
            None,
            domains::ZONE_ATTRIBUTE,
            "ignored: no x-aws-domain uses it (each names a zone of its own, or there is none)"
                .into(),
        );
    }
    if let Some(domain) = served.first() {
        if existing_load_balancer(ctx).is_some() {
            return Err(Error {
                service: domain.service.clone(),
                attribute: domain.attribute.clone(),
                message: "a domain points at the load balancer the stack makes, but x-aws-loadbalancer names an existing one: point the domain at that load balancer in Route 53 yourself and give its certificate with x-aws-certificate".into(),
            });
        }
    }
    if raw.is_empty() {
        if default_certificate.is_some() {
            ctx.warn_value(
                None,
                https::ATTRIBUTE,
                "ignored: no service publishes a port".into(),
            );
        }
        return Ok(Plan::default());
    }
    let application = raw.iter().all(|p| p.http);
    // HTTPS (the certificate, the 80 -> 443 redirect) is an Application Load Balancer feature. A Network
    // Load Balancer could terminate TLS, but quietly serving a different protocol than asked is worse
    // than saying so.
    if let (Some(secure), Some(plain)) =
        (raw.iter().find(|p| p.https), raw.iter().find(|p| !p.http))
    {
        let because = plain.not_http_because.as_deref().unwrap_or("is not HTTP");
        // A top-level certificate or domain is refused where it was written, at the top of the
        // file: the service is named in the message instead.
        let top_level = !secure.certificate_attribute.starts_with("ports[");
        let (service, secure_port, same) = if top_level {
            (
                None,
                format!("service {:?}'s port {}", secure.service, secure.published),
                "its",
            )
        } else {
            (
                Some(secure.service.clone()),
                format!("port {}", secure.published),
                "this service's",
            )
        };
        let whose = if plain.service == secure.service {
            same.to_string()
        } else {
            format!("service {:?}'s", plain.service)
        };
        return Err(Error {
            service,
            attribute: secure.certificate_attribute.clone(),
            message: format!(
                "{secure_port} is HTTPS, which needs an Application Load Balancer, but {whose} port {} {because}, \
                 so the project would get a Network Load Balancer (the rule: {TYPE_RULE}); declare that port x-aws-protocol: http, \
                 stop publishing it (expose is enough between services), or remove {}",
                plain.published,
                secure
                    .certificate_attribute
                    .rsplit('.')
                    .next()
                    .unwrap_or(https::ATTRIBUTE)
            ),
        });
    }
    if default_certificate.is_some() && !raw.iter().any(|p| p.https) {
        ctx.warn_value(
            None,
            https::ATTRIBUTE,
            "ignored: no port is HTTPS (publish 443, or set x-aws-protocol: https on a port)"
                .into(),
        );
    }
    let kind = if application {
        LoadBalancerType::Application
    } else {
        LoadBalancerType::Network
    };
    // Where Docker's rule chooses the other type, the first port the two rules read differently
    // (an HTTPS port is a choice made here: Docker's tool had no certificate per port).
    let docker_application = raw.iter().all(|p| p.docker_http);
    if let Some(p) = raw
        .iter()
        .find(|p| docker_application != application && p.docker_http != p.http && !p.https)
    {
        let (ours, docker, keep) = if application {
            (
                "is HTTP here, and the project gets an Application Load Balancer",
                "a Network Load Balancer (TCP)",
                "To keep TCP on a Network Load Balancer, declare x-aws-protocol: tcp on the port",
            )
        } else {
            (
                "is not HTTP here, and the project gets a Network Load Balancer (TCP)",
                "an Application Load Balancer (HTTP)",
                "To keep HTTP on an Application Load Balancer, declare x-aws-protocol: http on the port",
            )
        };
        ctx.warn_value(
            Some(&p.service),
            &p.attribute,
            format!(
                "port {} (container port {}) {ours} listening on {}; Docker's ECS integration chose by the container port \
                 and made {docker} listening on {}. Here the published port decides: {TYPE_RULE}. {keep}",
                p.published, p.target, p.published, p.target
            ),
        );
    }
    let mut ports = Vec::new();
    // Published port -> the listener that serves it, and the rules it has so far.
    let mut listeners: BTreeMap<u16, (String, u32)> = BTreeMap::new();
    for p in raw {
        if !application && p.health.is_http_only() {
            return Err(Error {
                service: Some(p.service.clone()),
                attribute: format!(
                    "{}.{}",
                    targethealth::ATTRIBUTE,
                    if p.health.path.is_some() { "path" } else { "matcher" }
                ),
                message: format!(
                    "port {} is behind a Network Load Balancer, which checks targets with a TCP connection: remove path and matcher, or make every published port HTTP for an Application Load Balancer (the rule: {TYPE_RULE})",
                    p.published
                ),
            });
        }
        let listener_protocol = match (application, p.https, p.transport.as_str()) {
            (true, true, _) => "HTTPS",
            (true, false, _) => "HTTP",
            // No HTTPS port reaches here on a Network Load Balancer (refused above).
            (false, _, "udp") => "UDP",
            (false, _, _) => "TCP",
        };
        if p.transport == "udp" {
            ctx.warn_value(
                Some(&p.service),
                "ports",
                format!(
                    "udp port {}: the load balancer health-checks UDP targets over TCP on the same port, so the container must accept TCP connections on {} too",
                    p.published, p.target
                ),
            );
        }
        if application && p.published == 443 && !p.https {
            ctx.warn_value(
                Some(&p.service),
                "ports",
                "port 443 is served as plain HTTP: set x-aws-certificate (and x-aws-protocol: https) for HTTPS".into(),
            );
        }
        let id = format!(
            "{}{}{}",
            ctx.names.service(&p.service),
            p.transport.to_ascii_uppercase(),
            p.published
        );
        let routed = match listeners.get_mut(&p.published) {
            Some((listener, rules)) => {
                *rules += 1;
                Some(Routing {
                    listener: listener.clone(),
                    priority: *rules,
                })
            }
            None => {
                listeners.insert(p.published, (format!("{id}Listener"), 0));
                None
            }
        };
        ports.push(PortPlan {
            service: p.service,
            published: p.published,
            target: p.target,
            transport: p.transport,
            listener_protocol,
            certificate: p.certificate,
            domain: p.domain,
            routed,
            health: p.health,
            id,
            attribute: p.attribute,
        });
    }
    Ok(Plan {
        kind: Some(kind),
        ports,
        domains: served,
    })
}

/// Add `domain` to the domains served, once: the same domain written twice must name the same
/// hosted zone, and two domains must not share logical ids (`my-app.example.com` and
/// `my.app.example.com` both make `MyAppExampleCom...`).
fn note_domain(served: &mut Vec<Domain>, domain: &Domain) -> Result<(), Error> {
    if let Some(seen) = served.iter_mut().find(|d| d.name == domain.name) {
        match (&seen.hosted_zone, &domain.hosted_zone) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error {
                    service: domain.service.clone(),
                    attribute: domain
                        .attribute
                        .replace(domains::ATTRIBUTE, domains::ZONE_ATTRIBUTE),
                    message: format!(
                        "{} is in hosted zone {a} ({}), not {b}: one domain has one hosted zone",
                        domain.name, seen.attribute
                    ),
                })
            }
            (None, Some(zone)) => seen.hosted_zone = Some(zone.clone()),
            _ => {}
        }
        return Ok(());
    }
    if let Some(clash) = served.iter().find(|d| d.id() == domain.id()) {
        return Err(Error {
            service: domain.service.clone(),
            attribute: domain.attribute.clone(),
            message: format!(
                "{} and {} ({}) would share the CloudFormation names {}...: serve one of them from another name",
                domain.name,
                clash.name,
                clash.attribute,
                domain.id()
            ),
        });
    }
    served.push(domain.clone());
    Ok(())
}

const SCHEME_ATTRIBUTE: &str = "x-aws-loadbalancer_scheme";

/// `x-aws-loadbalancer_scheme`: whether the load balancer is internal (reachable from inside the
/// VPC only, placed in the private subnets) rather than internet-facing; `None` leaves it to `up`,
/// which makes it internal when the VPC has no public subnet.
fn internal_scheme(ctx: &Ctx) -> Result<Option<bool>, Error> {
    match ctx.project.extensions.get(SCHEME_ATTRIBUTE) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s == "internal" => Ok(Some(true)),
        Some(Value::String(s)) if s == "internet-facing" => Ok(Some(false)),
        Some(other) => Err(Error {
            service: None,
            attribute: SCHEME_ATTRIBUTE.into(),
            message: format!("expected internal or internet-facing, got {other}"),
        }),
    }
}

fn existing_load_balancer(ctx: &Ctx) -> Option<String> {
    ctx.project_extension_str("x-aws-loadbalancer")
        .map(str::to_string)
}

/// The load balancer listeners attach to: ours, or the existing one (its ARN as written, or the
/// parameter `up` fills with the ARN of the one named).
fn load_balancer_arn(ctx: &Ctx) -> Value {
    match existing_load_balancer(ctx) {
        Some(arn) if arn.starts_with("arn:") => Value::String(arn),
        Some(_) => r#ref(parameters::EXISTING_LOAD_BALANCER),
        None => r#ref(LOAD_BALANCER),
    }
}

/// A load balancer name as Elastic Load Balancing allows it: 1-32 letters, digits and hyphens, not
/// starting or ending with a hyphen, not starting with `internal-`.
fn is_load_balancer_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.starts_with("internal-")
}

pub fn add(ctx: &mut Ctx, plan: &Plan) -> Result<(), Error> {
    let internal = internal_scheme(ctx)?;
    let scheme_set = ctx.project.extensions.contains_key(SCHEME_ATTRIBUTE);
    if scheme_set && (plan.kind.is_none() || existing_load_balancer(ctx).is_some()) {
        ctx.warn_value(
            None,
            SCHEME_ATTRIBUTE,
            "ignored: the stack creates no load balancer (no published port, or x-aws-loadbalancer is used as it is)".into(),
        );
    }
    let Some(kind) = plan.kind else {
        if existing_load_balancer(ctx).is_some() {
            ctx.warn_value(
                None,
                "x-aws-loadbalancer",
                "ignored: no service publishes a port".into(),
            );
        }
        return Ok(());
    };
    let existing = existing_load_balancer(ctx);
    if let Some(name_or_arn) = &existing {
        if !name_or_arn.starts_with("arn:") {
            if !is_load_balancer_name(name_or_arn) {
                return Err(Error {
                    service: None,
                    attribute: "x-aws-loadbalancer".into(),
                    message: format!(
                        "{name_or_arn:?} is neither a load balancer ARN (arn:aws:elasticloadbalancing:...) nor a load balancer name (1-32 letters, digits and hyphens)"
                    ),
                });
            }
            // By name: `up` looks the ARN up; the template keeps a parameter, so convert stays offline.
            parameters::existing_load_balancer_arn(ctx, name_or_arn);
        }
        ctx.add_precondition(Precondition::LoadBalancer {
            name_or_arn: name_or_arn.clone(),
            expected: kind,
        });
    } else {
        add_load_balancer(ctx, plan, kind, internal);
    }
    let vpc = parameters::vpc_id(ctx);
    // Several listeners may forward to one container port: EC2 refuses a rule declared twice.
    let mut opened: BTreeSet<(String, String, u16)> = BTreeSet::new();
    for port in &plan.ports {
        if let Some(Certificate::Arn(arn)) = &port.certificate {
            ctx.add_precondition(Precondition::CertificateIssued { arn: arn.clone() });
        }
        add_target_group(ctx, port, kind, &vpc);
        add_listener(ctx, port);
        add_task_ingress(ctx, port, existing.is_some(), &mut opened);
    }
    // On an existing load balancer port 80 may be taken by another application.
    if existing.is_none() && plan.redirects_http() {
        let redirect = Resource::new("AWS::ElasticLoadBalancingV2::Listener")
            .prop("LoadBalancerArn", load_balancer_arn(ctx))
            .prop("Port", 80)
            .prop("Protocol", "HTTP")
            .prop("DefaultActions", https::redirect_action());
        ctx.template.add(HTTP_REDIRECT_LISTENER, redirect);
    }
    domains::add(ctx, plan);
    warn_exposed_services(ctx, plan, internal, existing.is_some());
    add_outputs(ctx, plan, kind, existing.is_some());
    Ok(())
}

/// Ports of databases, caches, message brokers, debuggers and the Docker API: services that are
/// reached by other services, or by a developer's machine, and seldom meant for the whole internet.
const PRIVATE_SERVICE_PORTS: &[(u16, &str)] = &[
    (1433, "SQL Server"),
    (1521, "Oracle Database"),
    (2181, "ZooKeeper"),
    (2345, "Go debugger (Delve)"),
    (2375, "Docker API"),
    (2376, "Docker API"),
    (2379, "etcd"),
    (3306, "MySQL/MariaDB"),
    (4222, "NATS"),
    (5005, "Java debugger (JDWP)"),
    (5432, "PostgreSQL"),
    (5672, "RabbitMQ"),
    (5678, "Python debugger (debugpy)"),
    (5984, "CouchDB"),
    (6379, "Redis"),
    (8086, "InfluxDB"),
    (9042, "Cassandra"),
    (9092, "Kafka"),
    (9200, "Elasticsearch"),
    (9229, "Node.js inspector"),
    (9300, "Elasticsearch transport"),
    (11211, "Memcached"),
    (27017, "MongoDB"),
];

fn private_service(port: u16) -> Option<&'static str> {
    PRIVATE_SERVICE_PORTS
        .iter()
        .find(|(p, _)| *p == port)
        .map(|(_, name)| *name)
}

/// Docker's tool put these ports on the internet as it did any other; we do too (the Compose file
/// says to publish them), but loudly: naming the service and the port, with the ways out. Not on
/// an internal load balancer, which the internet cannot reach.
fn warn_exposed_services(ctx: &mut Ctx, plan: &Plan, internal: Option<bool>, existing: bool) {
    if !existing && internal == Some(true) {
        return;
    }
    for port in &plan.ports {
        let what = match (
            private_service(port.target),
            private_service(port.published),
        ) {
            (Some(name), _) if port.target != port.published => {
                format!("{name} on container port {}", port.target)
            }
            (Some(name), _) | (None, Some(name)) => name.to_string(),
            (None, None) => continue,
        };
        let reach = if existing {
            "the load balancer x-aws-loadbalancer names, which anyone on the internet can reach if it is internet-facing"
        } else if internal == Some(false) {
            "an internet-facing load balancer: anyone on the internet can reach it"
        } else {
            "the load balancer, internet-facing unless the VPC has no public subnet: anyone on the internet can reach it"
        };
        let mut ways_out = vec![
            "`expose` instead of `ports` if only other services use it (services on a shared network reach each other on every port)".to_string(),
            format!(
                "a 127.0.0.1 binding (`127.0.0.1:{}:{}`) for your machine only, which keeps it off the load balancer",
                port.published, port.target
            ),
        ];
        if !existing {
            ways_out.push(
                "`x-aws-loadbalancer_scheme: internal` to keep the load balancer inside the VPC"
                    .to_string(),
            );
        }
        ctx.warn_value(
            Some(&port.service),
            &port.attribute,
            format!(
                "port {} ({what}) is published on {reach}. Ways out: {}",
                port.published,
                ways_out.join("; ")
            ),
        );
    }
}

fn add_load_balancer(ctx: &mut Ctx, plan: &Plan, kind: LoadBalancerType, internal: Option<bool>) {
    let vpc = parameters::vpc_id(ctx);
    let (scheme, subnets) = match internal {
        Some(true) => (json!("internal"), parameters::private_subnets(ctx)),
        Some(false) => (json!("internet-facing"), parameters::public_subnets(ctx)),
        None => {
            let public = parameters::public_subnets(ctx);
            let private = parameters::private_subnets(ctx);
            let condition = parameters::internal_load_balancer_condition(ctx);
            (
                parameters::load_balancer_scheme(ctx),
                json!({ "Fn::If": [condition, private, public] }),
            )
        }
    };
    let mut ingress: Vec<Value> = plan
        .ports
        .iter()
        .filter(|port| port.routed.is_none())
        .map(|port| {
            json!({
                "CidrIp": "0.0.0.0/0",
                "IpProtocol": port.transport,
                "FromPort": port.published,
                "ToPort": port.published,
                "Description": format!("{} {} published by {}", port.transport, port.published, port.service),
            })
        })
        .collect();
    if plan.redirects_http() {
        ingress.push(json!({
            "CidrIp": "0.0.0.0/0",
            "IpProtocol": "tcp",
            "FromPort": 80,
            "ToPort": 80,
            "Description": "tcp 80 redirected to HTTPS",
        }));
    }
    let group = Resource::new("AWS::EC2::SecurityGroup")
        .prop(
            "GroupDescription",
            format!("{} load balancer: published ports only", ctx.project_name()),
        )
        .prop("VpcId", vpc)
        .prop("SecurityGroupIngress", Value::Array(ingress))
        .prop("Tags", ctx.project_tags());
    ctx.template.add(LOAD_BALANCER_SECURITY_GROUP, group);
    let type_name = match kind {
        LoadBalancerType::Application => "application",
        LoadBalancerType::Network => "network",
    };
    let lb = Resource::new("AWS::ElasticLoadBalancingV2::LoadBalancer")
        .prop("Type", type_name)
        .prop("Scheme", scheme)
        .prop("Subnets", subnets)
        .prop(
            "SecurityGroups",
            json!([r#ref(LOAD_BALANCER_SECURITY_GROUP)]),
        )
        .prop("Tags", ctx.project_tags());
    ctx.template.add(LOAD_BALANCER, lb);
}

fn add_target_group(ctx: &mut Ctx, port: &PortPlan, kind: LoadBalancerType, vpc: &Value) {
    let mut group = Resource::new("AWS::ElasticLoadBalancingV2::TargetGroup")
        .prop("TargetType", "ip")
        .prop("Port", port.target)
        .prop("VpcId", vpc.clone());
    let health = &port.health;
    group = match kind {
        LoadBalancerType::Application => group
            .prop("Protocol", "HTTP")
            .prop("HealthCheckProtocol", "HTTP")
            .prop(
                "HealthCheckPath",
                health
                    .path
                    .clone()
                    .or_else(|| {
                        let service = ctx.project.services.get(&port.service)?;
                        targethealth::path_from_healthcheck(service, port.target)
                    })
                    .unwrap_or_else(|| targethealth::DEFAULT_PATH.to_string()),
            )
            .prop(
                "Matcher",
                json!({ "HttpCode": health.matcher.as_deref().unwrap_or(targethealth::DEFAULT_MATCHER) }),
            ),
        LoadBalancerType::Network => group
            .prop("Protocol", port.transport.to_ascii_uppercase())
            .prop("HealthCheckProtocol", "TCP"),
    };
    group = group
        .prop("HealthCheckIntervalSeconds", health.interval)
        .prop("HealthCheckTimeoutSeconds", health.timeout)
        .prop("HealthyThresholdCount", health.healthy_threshold)
        .prop("UnhealthyThresholdCount", health.unhealthy_threshold)
        .prop(
            "TargetGroupAttributes",
            json!([{ "Key": "deregistration_delay.timeout_seconds", "Value": DEREGISTRATION_DELAY_SECONDS }]),
        )
        .prop("Tags", ctx.service_tags(&port.service));
    ctx.template.add(port.target_group_id(), group);
}

/// The listener certificate entry of a port's certificate.
fn certificate_arn(certificate: &Certificate) -> Value {
    match certificate {
        Certificate::Arn(arn) => Value::String(arn.clone()),
        Certificate::Requested(domain) => r#ref(&domains::certificate_id(domain)),
    }
}

fn add_listener(ctx: &mut Ctx, port: &PortPlan) {
    if let Some(routing) = &port.routed {
        add_listener_rule(ctx, port, routing);
        return;
    }
    let lb = load_balancer_arn(ctx);
    let listener = Resource::new("AWS::ElasticLoadBalancingV2::Listener")
        .prop("LoadBalancerArn", lb)
        .prop("Port", port.published)
        .prop("Protocol", port.listener_protocol)
        .prop_opt(
            "Certificates",
            port.certificate
                .as_ref()
                .map(|certificate| json!([{ "CertificateArn": certificate_arn(certificate) }])),
        )
        .prop_opt(
            "SslPolicy",
            (port.listener_protocol == "HTTPS").then_some(https::SSL_POLICY),
        )
        .prop(
            "DefaultActions",
            json!([{ "Type": "forward", "TargetGroupArn": r#ref(&port.target_group_id()) }]),
        );
    ctx.template.add(port.listener_id(), listener);
}

/// A port that shares a listener under its own domain: its certificate added to the listener
/// (TLS picks it by the name the browser asks for) and a rule forwarding that host to its
/// target group; requests for any other name go to the listener's own service.
fn add_listener_rule(ctx: &mut Ctx, port: &PortPlan, routing: &Routing) {
    let listener = r#ref(&routing.listener);
    if let Some(certificate) = &port.certificate {
        let extra = Resource::new("AWS::ElasticLoadBalancingV2::ListenerCertificate")
            .prop("ListenerArn", listener.clone())
            .prop(
                "Certificates",
                json!([{ "CertificateArn": certificate_arn(certificate) }]),
            );
        ctx.template
            .add(format!("{}ListenerCertificate", port.id), extra);
    }
    let rule = Resource::new("AWS::ElasticLoadBalancingV2::ListenerRule")
        .prop("ListenerArn", listener)
        .prop("Priority", routing.priority)
        .prop(
            "Conditions",
            json!([{ "Field": "host-header", "HostHeaderConfig": { "Values": [port.domain] } }]),
        )
        .prop(
            "Actions",
            json!([{ "Type": "forward", "TargetGroupArn": r#ref(&port.target_group_id()) }]),
        );
    ctx.template.add(port.listener_id(), rule);
}

/// Let the load balancer reach the service's tasks on the target port (and TCP health checks of a
/// UDP port). A rule is named after what it opens (service, protocol, target port), never after the
/// published port: moving `80:80` to `8080:80` keeps the rule, where a renamed copy would be created
/// before the old one is deleted and EC2 refuses a duplicate rule, failing the update.
fn add_task_ingress(
    ctx: &mut Ctx,
    port: &PortPlan,
    existing_lb: bool,
    opened: &mut BTreeSet<(String, String, u16)>,
) {
    let group = networks::service_group_id(ctx, &port.service);
    let service_id = ctx.names.service(&port.service);
    let mut protocols = vec![port.transport.clone()];
    if port.transport == "udp" {
        protocols.push("tcp".into());
    }
    for protocol in protocols {
        if !opened.insert((port.service.clone(), protocol.clone(), port.target)) {
            continue;
        }
        let id = format!(
            "{service_id}{}{}Ingress",
            protocol.to_ascii_uppercase(),
            port.target
        );
        let base = Resource::new("AWS::EC2::SecurityGroupIngress")
            .prop("GroupId", r#ref(&group))
            .prop("IpProtocol", protocol.clone())
            .prop("FromPort", port.target)
            .prop("ToPort", port.target);
        if existing_lb {
            let rule = base.prop("CidrIp", parameters::vpc_cidr(ctx)).prop(
                "Description",
                format!("load balancer (in the VPC) to {} {}", protocol, port.target),
            );
            ctx.template.add(id, rule);
        } else {
            let rule = base
                .prop("SourceSecurityGroupId", r#ref(LOAD_BALANCER_SECURITY_GROUP))
                .prop(
                    "Description",
                    format!("load balancer to {} {}", protocol, port.target),
                );
            ctx.template.add(id, rule);
        }
    }
}

fn add_outputs(ctx: &mut Ctx, plan: &Plan, kind: LoadBalancerType, existing: bool) {
    if existing {
        return;
    }
    ctx.template.add_output(
        "LoadBalancerDNSName",
        "DNS name of the load balancer",
        get_att(LOAD_BALANCER, "DNSName"),
    );
    for port in &plan.ports {
        let url = match (kind, port.listener_protocol, port.published, &port.domain) {
            // The domain's own URL, a plain string: nothing in it comes from the stack.
            (LoadBalancerType::Application, "HTTPS", 443, Some(domain)) => {
                Value::String(format!("https://{domain}"))
            }
            (LoadBalancerType::Application, "HTTPS", p, Some(domain)) => {
                Value::String(format!("https://{domain}:{p}"))
            }
            (LoadBalancerType::Application, "HTTPS", 443, None) => {
                sub("https://${LoadBalancer.DNSName}")
            }
            (LoadBalancerType::Application, "HTTPS", p, None) => {
                sub(&format!("https://${{LoadBalancer.DNSName}}:{p}"))
            }
            (LoadBalancerType::Application, _, 80, _) => sub("http://${LoadBalancer.DNSName}"),
            (LoadBalancerType::Application, _, p, _) => {
                sub(&format!("http://${{LoadBalancer.DNSName}}:{p}"))
            }
            (LoadBalancerType::Network, _, p, _) => sub(&format!(
                "{}://${{LoadBalancer.DNSName}}:{p}",
                port.transport
            )),
        };
        ctx.template.add_output(
            &format!("{}URL", port.id),
            &format!(
                "{} {} published by service {}",
                port.transport, port.published, port.service
            ),
            url,
        );
    }
}

#[cfg(test)]
mod tests;
