//! Ports published on the host's loopback address only (`127.0.0.1:5432:5432`, `[::1]:6379:6379`).
//! In Compose they are reachable from the developer's machine and nowhere else, typically a
//! database opened to local tools; on ECS the equivalent of "the host" is the internet-facing load
//! balancer, so putting them on it would open the database to the world. They are left off the load
//! balancer, with a warning; the other services of its networks still reach the container port, as
//! they did in Compose.

use std::borrow::Cow;
use std::net::IpAddr;

use compose_model::{Port, Project};

use crate::attributes;
use crate::Warning;

/// Whether a port's `host_ip` is a loopback address.
fn is_loopback(port: &Port) -> bool {
    port.host_ip
        .as_deref()
        .map(|ip| ip.trim_start_matches('[').trim_end_matches(']'))
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .is_some_and(|ip| ip.is_loopback())
}

/// `project` without its loopback-only ports, and a warning for each one left out.
pub fn without_loopback_ports(project: &Project) -> (Cow<'_, Project>, Vec<Warning>) {
    let local = |name: &str| {
        project.services[name]
            .ports
            .iter()
            .enumerate()
            .filter(|(_, port)| is_loopback(port))
            .map(|(index, port)| (index, port.clone()))
            .collect::<Vec<_>>()
    };
    let mut warnings = Vec::new();
    let mut changed: Option<Project> = None;
    for name in project.services.keys() {
        let ports = local(name);
        if ports.is_empty() {
            continue;
        }
        for (index, port) in &ports {
            let note = attributes::lookup("service.ports.loopback").note;
            let (_, consequence) = note.split_once(": ").unwrap_or(("", note));
            warnings.push(Warning {
                service: Some(name.clone()),
                attribute: format!("ports[{index}]"),
                message: format!(
                    "published on {} only (container port {}): {consequence}",
                    port.host_ip.as_deref().unwrap_or_default(),
                    port.target
                ),
            });
        }
        let copy = changed.get_or_insert_with(|| project.clone());
        if let Some(service) = copy.services.get_mut(name) {
            service.ports.retain(|port| !is_loopback(port));
        }
    }
    let project = match changed {
        Some(copy) => Cow::Owned(copy),
        None => Cow::Borrowed(project),
    };
    (project, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::{port, project, service};

    fn bound(ip: &str, target: u16) -> Port {
        Port {
            host_ip: Some(ip.into()),
            ..port(target, Some(target))
        }
    }

    #[test]
    fn loopback_ports_are_left_out_with_a_warning_and_the_others_kept() {
        let mut db = service("mysql:8");
        db.ports = vec![bound("127.0.0.1", 3306), bound("0.0.0.0", 33060)];
        let mut cache = service("redis");
        cache.ports = vec![bound("::1", 6379)];
        let original = project(vec![("db", db), ("cache", cache)]);
        let (kept, warnings) = without_loopback_ports(&original);
        assert_eq!(kept.services["db"].ports.len(), 1);
        assert_eq!(kept.services["db"].ports[0].target, 33060);
        assert!(kept.services["cache"].ports.is_empty());
        let shown: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 2);
        assert_eq!(
            shown[1],
            "service \"db\": ports[0]: published on 127.0.0.1 only (container port 3306): not put on \
             the load balancer, which would open it to the internet; services on its networks still reach it"
        );
        assert!(shown[0].starts_with(
            "service \"cache\": ports[0]: published on ::1 only (container port 6379): "
        ));
    }

    #[test]
    fn a_project_without_loopback_ports_is_not_copied() {
        let mut web = service("nginx");
        web.ports = vec![port(80, Some(80)), bound("10.0.0.5", 81)];
        let original = project(vec![("web", web)]);
        let (kept, warnings) = without_loopback_ports(&original);
        assert!(matches!(kept, Cow::Borrowed(_)));
        assert!(warnings.is_empty());
    }
}
