//! Logical ids: readable, stable, and unique. A Compose name like `my-api_v2` becomes `MyApiV2`; each
//! kind of object gets its own suffix (`WebService`, `DefaultNetwork`, `DbDataFileSystem`), so only
//! names of the same kind can collide, and such a collision is an error rather than a silent merge.

use std::collections::BTreeMap;

use compose_model::Project;

use crate::Error;

pub const CLUSTER: &str = "Cluster";
pub const LOAD_BALANCER: &str = "LoadBalancer";
pub const LOAD_BALANCER_SECURITY_GROUP: &str = "LoadBalancerSecurityGroup";
/// Service listeners are `<Service><PROTOCOL><port>Listener`, so this id is never one of theirs.
pub const HTTP_REDIRECT_LISTENER: &str = "HttpRedirectListener";
pub const LOG_GROUP: &str = "LogGroup";
pub const CLOUD_MAP: &str = "CloudMap";

/// Alphanumeric PascalCase: split on anything that is not a letter or digit, upper-case the first
/// letter of each part, keep the rest as written (`webApp` stays `WebApp`).
pub fn pascal(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The PascalCase id of every service, network, volume and secret of a project.
#[derive(Debug, Clone, Default)]
pub struct Names {
    services: BTreeMap<String, String>,
    networks: BTreeMap<String, String>,
    volumes: BTreeMap<String, String>,
    secrets: BTreeMap<String, String>,
}

impl Names {
    pub fn new(project: &Project) -> Result<Names, Error> {
        Ok(Names {
            services: unique("services", project.services.keys())?,
            networks: unique("networks", project.networks.keys())?,
            volumes: unique("volumes", project.volumes.keys())?,
            secrets: unique("secrets", project.secrets.keys())?,
        })
    }

    pub fn service(&self, name: &str) -> String {
        lookup(&self.services, name)
    }

    /// The logical id of a Compose service's `AWS::ECS::Service`: `WebService`.
    pub fn service_id(&self, name: &str) -> String {
        format!("{}Service", self.service(name))
    }

    pub fn network(&self, name: &str) -> String {
        lookup(&self.networks, name)
    }

    pub fn volume(&self, name: &str) -> String {
        lookup(&self.volumes, name)
    }

    pub fn secret(&self, name: &str) -> String {
        lookup(&self.secrets, name)
    }
}

fn lookup(map: &BTreeMap<String, String>, name: &str) -> String {
    map.get(name).cloned().unwrap_or_else(|| pascal(name))
}

fn unique<'a>(
    kind: &str,
    names: impl Iterator<Item = &'a String>,
) -> Result<BTreeMap<String, String>, Error> {
    let mut by_id: BTreeMap<String, String> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for name in names {
        let id = pascal(name);
        if id.is_empty() {
            return Err(Error {
                service: None,
                attribute: format!("{kind}.{name}"),
                message: "the name needs at least one letter or digit to name AWS resources after"
                    .into(),
            });
        }
        if let Some(other) = by_id.get(&id) {
            return Err(Error {
                service: None,
                attribute: format!("{kind}.{name}"),
                message: format!(
                    "{name:?} and {other:?} both become the resource name {id:?}; rename one of them"
                ),
            });
        }
        by_id.insert(id.clone(), name.clone());
        out.insert(name.clone(), id);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use compose_model::Service;

    #[test]
    fn compose_names_become_pascal_case() {
        assert_eq!(pascal("web"), "Web");
        assert_eq!(pascal("my-api_v2"), "MyApiV2");
        assert_eq!(pascal("webApp"), "WebApp");
        assert_eq!(pascal("db.primary"), "DbPrimary");
        assert_eq!(pascal("1st"), "1st");
    }

    #[test]
    fn names_that_collide_are_an_error_naming_both() {
        let mut project = Project::default();
        for name in ["my-api", "my_api"] {
            project.services.insert(name.into(), Service::default());
        }
        let err = Names::new(&project).unwrap_err();
        assert!(err.message.contains("\"my-api\""), "{err}");
        assert!(err.message.contains("\"my_api\""), "{err}");
        assert!(err.message.contains("MyApi"), "{err}");
    }

    #[test]
    fn same_name_in_different_kinds_is_fine() {
        let mut project = Project::default();
        project.services.insert("db".into(), Service::default());
        project.volumes.insert("db".into(), Default::default());
        let names = Names::new(&project).unwrap();
        assert_eq!(names.service("db"), "Db");
        assert_eq!(names.volume("db"), "Db");
    }
}

/// A container or task family name: ECS allows letters, digits, `_` and `-` only.
pub fn ecs_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod ecs_name_tests {
    #[test]
    fn dots_become_dashes() {
        assert_eq!(super::ecs_name("db.primary"), "db-primary");
        assert_eq!(super::ecs_name("my_api-2"), "my_api-2");
    }
}
