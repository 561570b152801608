//! `profiles`: a service with profiles runs only when one of them is active (`--profile`, else
//! COMPOSE_PROFILES; `*` activates all). Others move to `disabled_services`; an active service that
//! depends on a disabled one is an error unless the dependency says `required: false`, in which
//! case the dependency is dropped.

use std::collections::{BTreeMap, BTreeSet};

use super::normalize::fields::Cx;
use super::value::child;
use crate::{Error, LoadOptions, Project};

pub(crate) fn active(options: &LoadOptions, env: &BTreeMap<String, String>) -> BTreeSet<String> {
    let from_flags: Vec<String> = options
        .profiles
        .iter()
        .flat_map(|p| p.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if !from_flags.is_empty() {
        return from_flags.into_iter().collect();
    }
    env.get("COMPOSE_PROFILES")
        .map(|s| {
            s.split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn is_enabled(profiles: &[String], active: &BTreeSet<String>) -> bool {
    profiles.is_empty() || active.contains("*") || profiles.iter().any(|p| active.contains(p))
}

pub(crate) fn apply(
    project: &mut Project,
    active: &BTreeSet<String>,
    cx: &Cx,
) -> Result<(), Error> {
    let all: BTreeSet<String> = project
        .services
        .values()
        .flat_map(|s| s.profiles.iter().cloned())
        .collect();
    project.all_profiles = all.into_iter().collect();

    let disabled: Vec<String> = project
        .services
        .iter()
        .filter(|(_, s)| !is_enabled(&s.profiles, active))
        .map(|(name, _)| name.clone())
        .collect();
    for name in disabled {
        if let Some(service) = project.services.remove(&name) {
            project.disabled_services.insert(name, service);
        }
    }
    for (name, service) in project.services.iter_mut() {
        let mut dropped = Vec::new();
        for (dep, d) in &service.depends_on {
            let Some(disabled) = project.disabled_services.get(dep) else {
                continue;
            };
            if d.required {
                let path = child(&child(&child("services", name), "depends_on"), dep);
                return Err(cx.error(
                    &path,
                    format!(
                        "service {name:?} depends on {dep:?}, which is not enabled (profiles: {}); activate one with --profile or COMPOSE_PROFILES, or set `required: false`",
                        disabled.profiles.join(", ")
                    ),
                ));
            }
            dropped.push(dep.clone());
        }
        for dep in dropped {
            service.depends_on.remove(&dep);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn services_without_profiles_are_always_enabled() {
        assert!(is_enabled(&[], &set(&[])));
        assert!(!is_enabled(&["debug".into()], &set(&[])));
        assert!(is_enabled(&["debug".into()], &set(&["debug"])));
        assert!(is_enabled(&["debug".into()], &set(&["*"])));
    }

    #[test]
    fn flags_win_over_the_variable() {
        let env: BTreeMap<String, String> =
            [("COMPOSE_PROFILES".to_string(), "a, b".to_string())].into();
        let mut options = LoadOptions::default();
        assert_eq!(active(&options, &env), set(&["a", "b"]));
        options.profiles = vec!["c".into()];
        assert_eq!(active(&options, &env), set(&["c"]));
    }
}
