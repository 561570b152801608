//! Project-wide rules once services are normalised: the implicit `default` network, references to
//! networks/volumes/secrets/configs/services that must exist, `depends_on` cycles, and the
//! networks/volumes/secrets/configs no enabled service uses, which are dropped as compose drops them.

use std::collections::{BTreeMap, BTreeSet};

use super::normalize::fields::Cx;
use super::suggest::did_you_mean;
use super::value::{child, index};
use crate::{Error, Project, ServiceNetwork, VolumeType};

/// A service without `networks:` (and without `network_mode`) joins `default`; the project then
/// has a `default` network, as in compose.
pub(crate) fn default_network(project: &mut Project) {
    let mut uses_default = false;
    for service in project.services.values_mut() {
        if service.networks.is_empty() && !service.other.contains_key("network_mode") {
            service
                .networks
                .insert("default".to_string(), ServiceNetwork::default());
        }
        uses_default |= service.networks.contains_key("default");
    }
    if uses_default {
        project.networks.entry("default".to_string()).or_default();
    }
}

/// Drop the networks, volumes, secrets and configs that no enabled service uses (compose-go's
/// `WithoutUnnecessaryResources`, which every compose command applies): `docker compose up` creates
/// none of them, and `config` does not print them.
pub(crate) fn unused_resources(project: &mut Project) {
    let mut networks = BTreeSet::new();
    let mut volumes = BTreeSet::new();
    let mut secrets = BTreeSet::new();
    let mut configs = BTreeSet::new();
    for service in project.services.values() {
        networks.extend(service.networks.keys().cloned());
        volumes.extend(
            service
                .volumes
                .iter()
                .filter(|v| v.kind == VolumeType::Volume)
                .filter_map(|v| v.source.clone()),
        );
        secrets.extend(service.secrets.iter().map(|r| r.source.clone()));
        configs.extend(service.configs.iter().map(|r| r.source.clone()));
        // `build.secrets`: `[name]` or `[{source: name, ...}]`, kept as written.
        let build_secrets = service.build.as_ref().and_then(|b| b.other.get("secrets"));
        for entry in build_secrets
            .and_then(|s| s.as_array())
            .into_iter()
            .flatten()
        {
            let name = entry.as_str().or_else(|| entry["source"].as_str());
            secrets.extend(name.map(str::to_string));
        }
    }
    project.networks.retain(|name, _| networks.contains(name));
    project.volumes.retain(|name, _| volumes.contains(name));
    project.secrets.retain(|name, _| secrets.contains(name));
    project.configs.retain(|name, _| configs.contains(name));
}

fn hint(name: &str, candidates: Vec<&str>) -> String {
    match did_you_mean(name, &candidates) {
        Some(s) => format!(" (did you mean {s:?}?)"),
        None => String::new(),
    }
}

pub(crate) fn references(project: &mut Project, cx: &Cx) -> Result<(), Error> {
    for (name, service) in &project.services {
        let base = child("services", name);
        if service.image.is_none() && service.build.is_none() {
            return Err(cx.error(
                &base,
                format!("service {name:?} has neither an image nor a build context specified"),
            ));
        }
        for network in service.networks.keys() {
            if !project.networks.contains_key(network) {
                return Err(cx.error(
                    &child(&child(&base, "networks"), network),
                    format!(
                        "service {name:?} refers to undefined network {network:?}: declare it under the top-level `networks:`{}",
                        hint(network, project.networks.keys().map(String::as_str).collect())
                    ),
                ));
            }
        }
        for (i, volume) in service.volumes.iter().enumerate() {
            let (VolumeType::Volume, Some(source)) = (volume.kind, &volume.source) else {
                continue;
            };
            if !project.volumes.contains_key(source) {
                return Err(cx.error(
                    &index(&child(&base, "volumes"), i),
                    format!(
                        "service {name:?} refers to undefined volume {source:?}: declare it under the top-level `volumes:`{}",
                        hint(source, project.volumes.keys().map(String::as_str).collect())
                    ),
                ));
            }
        }
        for (section, refs, defined) in [
            ("secrets", &service.secrets, &project.secrets),
            ("configs", &service.configs, &project.configs),
        ] {
            for (i, r) in refs.iter().enumerate() {
                if !defined.contains_key(&r.source) {
                    let singular = section.trim_end_matches('s');
                    return Err(cx.error(
                        &index(&child(&base, section), i),
                        format!(
                            "service {name:?} refers to undefined {singular} {:?}: declare it under the top-level `{section}:`{}",
                            r.source,
                            hint(&r.source, defined.keys().map(String::as_str).collect())
                        ),
                    ));
                }
            }
        }
    }
    // depends_on onto services that do not exist at all: an error, unless not required.
    let known: Vec<String> = project
        .services
        .keys()
        .chain(project.disabled_services.keys())
        .cloned()
        .collect();
    for (name, service) in project.services.iter_mut() {
        let mut missing_optional = Vec::new();
        for (dep, d) in &service.depends_on {
            if known.contains(dep) {
                continue;
            }
            if !d.required {
                missing_optional.push(dep.clone());
                continue;
            }
            return Err(cx.error(
                &child(&child(&child("services", name), "depends_on"), dep),
                format!(
                    "service {name:?} depends on undefined service {dep:?}{}",
                    hint(dep, known.iter().map(String::as_str).collect())
                ),
            ));
        }
        for dep in missing_optional {
            service.depends_on.remove(&dep);
        }
    }
    Ok(())
}

/// A cycle in `depends_on` is an error naming it (`a -> b -> a`).
pub(crate) fn dependency_cycles(project: &Project, cx: &Cx) -> Result<(), Error> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    for start in project.services.keys() {
        if marks.contains_key(start.as_str()) {
            continue;
        }
        // Iterative DFS: (service, index of the next dependency to visit).
        let mut stack: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
        marks.insert(start.as_str(), Mark::Visiting);
        while let Some((current, next)) = stack.last().copied() {
            let deps: Vec<&str> = project
                .services
                .get(current)
                .map(|s| s.depends_on.keys().map(String::as_str).collect())
                .unwrap_or_default();
            if next >= deps.len() {
                marks.insert(current, Mark::Done);
                stack.pop();
                continue;
            }
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            let dep = deps[next];
            if !project.services.contains_key(dep) {
                continue;
            }
            match marks.get(dep) {
                Some(Mark::Done) => {}
                Some(Mark::Visiting) => {
                    let from = stack.iter().position(|(s, _)| *s == dep).unwrap_or(0);
                    let mut cycle: Vec<&str> = stack[from..].iter().map(|(s, _)| *s).collect();
                    cycle.push(dep);
                    let path = child(&child("services", cycle[0]), "depends_on");
                    return Err(cx.error(
                        &path,
                        format!("dependency cycle between services: {}", cycle.join(" -> ")),
                    ));
                }
                None => {
                    marks.insert(dep, Mark::Visiting);
                    stack.push((dep, 0));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::loader::load_temp;

    fn error(yaml: &str) -> String {
        let (_d, r) = load_temp(&[("compose.yaml", yaml)], |_| {});
        r.unwrap_err().to_string()
    }

    #[test]
    fn default_network_is_added_unless_networks_or_network_mode() {
        let (_d, r) = load_temp(
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: x\n  b:\n    image: x\n    network_mode: host\n",
            )],
            |_| {},
        );
        let p = r.unwrap().project;
        assert!(p.services["a"].networks.contains_key("default"));
        assert!(p.services["b"].networks.is_empty());
        assert!(p.networks.contains_key("default"));
    }

    #[test]
    fn undefined_references() {
        assert!(error("services:\n  a:\n    image: x\n    networks: [n]\n").contains("compose.yaml:4: services.a.networks.n: service \"a\" refers to undefined network \"n\""));
        assert!(
            error("services:\n  a:\n    image: x\n    volumes: ['v:/x']\n")
                .contains("services.a.volumes[0]: service \"a\" refers to undefined volume \"v\"")
        );
        assert!(error("services:\n  a:\n    image: x\n    configs: [c]\n")
            .contains("services.a.configs[0]: service \"a\" refers to undefined config \"c\""));
        assert!(
            error("services:\n  a:\n    image: x\n    depends_on: [b]\n")
                .contains("depends on undefined service \"b\"")
        );
    }

    #[test]
    fn optional_dependency_on_a_missing_service_is_dropped() {
        let (_d, r) = load_temp(
            &[("compose.yaml", "services:\n  a:\n    image: x\n    depends_on: {b: {condition: service_started, required: false}}\n")],
            |_| {},
        );
        assert!(r.unwrap().project.services["a"].depends_on.is_empty());
    }

    #[test]
    fn cycles_are_named() {
        let e = error("services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n");
        assert!(
            e.contains("dependency cycle between services: a -> b -> a"),
            "{e}"
        );
        let e = error("services:\n  a:\n    image: x\n    depends_on: [a]\n");
        assert!(e.contains("a -> a"), "{e}");
    }
}
