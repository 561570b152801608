//! `extends:`: a service starts from another service of the same file or of another file (whose
//! relative paths are resolved against that file's directory; `extends.file` itself is relative to
//! the project directory, or to the extended file's directory inside it), and its own attributes are merged
//! on top with the usual merge rules. Chains are followed; cycles are errors. The base's
//! `depends_on` and `volumes_from` are not inherited.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_yaml::{Mapping, Value};

use super::document::Loader;
use super::limits::{self, MAX_NODES};
use super::value::{child, key_string, kind, scalar_string, untag, untag_mut};
use super::{discovery, merge};
use crate::Error;

/// The longest chain of services extending one another. Real ones have two or three links; each
/// link is resolved recursively, so a chain of thousands would overflow the stack.
const MAX_CHAIN: usize = 64;

/// A file whose services are being extended, and the directory its `extends.file` paths are
/// relative to (the project directory for the project's own files, as in compose-go).
struct Origin {
    file: PathBuf,
    dir: PathBuf,
}

pub(crate) fn apply(
    loader: &mut Loader,
    doc: &mut Value,
    file: &Path,
    base_dir: &Path,
    env: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let origin = Origin {
        file: file.to_path_buf(),
        dir: base_dir.to_path_buf(),
    };
    let Some(Value::Mapping(services)) = untag_mut(doc).get_mut("services").map(untag_mut) else {
        return Ok(());
    };
    let snapshot = services.clone();
    let mut other_files: BTreeMap<PathBuf, Rc<Mapping>> = BTreeMap::new();
    // Each service that extends another is a full copy of it: a thousand services extending one
    // with a large list would be a thousand copies of the list. Their total is bounded like the
    // copies aliases make.
    let mut copied: u64 = 0;
    for (name, service) in services.iter_mut() {
        let Some(name) = key_string(name) else {
            continue;
        };
        if untag(service).get("extends").is_none() {
            continue;
        }
        let mut visiting = Vec::new();
        *service = resolve(
            loader,
            &snapshot,
            &origin,
            &name,
            env,
            &mut visiting,
            &mut other_files,
        )?;
        copied = copied.saturating_add(limits::nodes(service));
        if copied > MAX_NODES {
            return Err(loader.locator.error_in(
                file,
                &child(&child("services", &name), "extends"),
                format!(
                    "the services that extend others expand past {MAX_NODES} values (each is a full copy of the service it extends)"
                ),
            ));
        }
    }
    Ok(())
}

/// The service `name` of `services` (from `file`) with its `extends` chain applied.
fn resolve(
    loader: &mut Loader,
    services: &Mapping,
    origin: &Origin,
    name: &str,
    env: &BTreeMap<String, String>,
    visiting: &mut Vec<(PathBuf, String)>,
    other_files: &mut BTreeMap<PathBuf, Rc<Mapping>>,
) -> Result<Value, Error> {
    let file = origin.file.as_path();
    let path = child("services", name);
    let Some(service) = services.get(name) else {
        return Err(loader.locator.error_in(
            file,
            "services",
            format!("service {name:?} not found"),
        ));
    };
    let mut service = service.clone();
    let Value::Mapping(map) = untag_mut(&mut service) else {
        return Ok(service);
    };
    let Some(extends) = map.remove("extends") else {
        return Ok(service);
    };
    let extends_path = child(&path, "extends");
    let err = |loader: &Loader, p: &str, m: String| loader.locator.error_in(file, p, m);
    let (base_name, base_file) = match untag(&extends) {
        Value::String(s) => (s.clone(), None),
        Value::Mapping(m) => {
            let mut base_name = None;
            let mut base_file = None;
            for (k, v) in m {
                let key = key_string(k).unwrap_or_default();
                if key.starts_with("x-") {
                    // Allowed by compose's schema, and meaningless here: compose drops it too.
                    continue;
                }
                let p = child(&extends_path, &key);
                let s = scalar_string(v)
                    .ok_or_else(|| err(loader, &p, format!("must be a string, not {}", kind(v))))?;
                match key.as_str() {
                    "service" => base_name = Some(s),
                    "file" => base_file = Some(s),
                    _ => {
                        return Err(err(
                            loader,
                            &p,
                            format!("additional property {key:?} is not allowed"),
                        ))
                    }
                }
            }
            let base_name = base_name.ok_or_else(|| {
                err(
                    loader,
                    &extends_path,
                    "`extends` needs a `service`".to_string(),
                )
            })?;
            (base_name, base_file)
        }
        other => {
            return Err(err(
                loader,
                &extends_path,
                format!("must be a service name or a mapping, not {}", kind(other)),
            ))
        }
    };
    let key = (file.to_path_buf(), name.to_string());
    if visiting.contains(&key) {
        let chain: Vec<String> = visiting
            .iter()
            .chain(std::iter::once(&key))
            .map(|(_, s)| s.clone())
            .collect();
        return Err(err(
            loader,
            &extends_path,
            format!("extends cycle: {}", chain.join(" -> ")),
        ));
    }
    if visiting.len() >= MAX_CHAIN {
        return Err(err(
            loader,
            &extends_path,
            format!(
                "the extends chain from service {:?} is longer than {MAX_CHAIN} services",
                visiting[0].1
            ),
        ));
    }
    visiting.push(key);

    let base = match base_file {
        None => {
            if services.get(base_name.as_str()).is_none() {
                return Err(err(
                    loader,
                    &extends_path,
                    format!(
                        "cannot extend service {base_name:?}: no such service in {}",
                        file.display()
                    ),
                ));
            }
            resolve(
                loader,
                services,
                origin,
                &base_name,
                env,
                visiting,
                other_files,
            )?
        }
        Some(other) => {
            let other_file = discovery::absolute(&origin.dir, Path::new(&other));
            let other_dir = other_file
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let other_services = match other_files.get(&other_file) {
                Some(s) => Rc::clone(s),
                None => {
                    let doc = loader.prepare(&other_file, env, &other_dir)?;
                    let services = Rc::new(match untag(&doc).get("services").map(untag) {
                        Some(Value::Mapping(m)) => m.clone(),
                        _ => Mapping::new(),
                    });
                    other_files.insert(other_file.clone(), Rc::clone(&services));
                    services
                }
            };
            if other_services.get(base_name.as_str()).is_none() {
                return Err(err(
                    loader,
                    &extends_path,
                    format!(
                        "cannot extend service {base_name:?}: no such service in {}",
                        other_file.display()
                    ),
                ));
            }
            let other_origin = Origin {
                file: other_file,
                dir: other_dir,
            };
            resolve(
                loader,
                &other_services,
                &other_origin,
                &base_name,
                env,
                visiting,
                other_files,
            )?
        }
    };
    visiting.pop();
    // What ties the base to other services is not inherited (the spec's extends restrictions).
    let mut base = base;
    if let Value::Mapping(base_map) = untag_mut(&mut base) {
        for excluded in ["depends_on", "volumes_from"] {
            base_map.remove(excluded);
        }
    }
    Ok(merge::merge(base, service, "services.*"))
}

#[cfg(test)]
mod tests {
    use crate::loader::load_temp;

    #[test]
    fn same_file_chain_merges_with_the_usual_rules() {
        let (_d, r) = load_temp(
            &[(
                "compose.yaml",
                "services:\n  base:\n    image: b\n    environment: {A: '1'}\n    command: [x]\n  mid:\n    extends: base\n    environment: {B: '2'}\n  top:\n    extends: {service: mid}\n    command: [y]\n",
            )],
            |_| {},
        );
        let p = r.unwrap().project;
        let top = &p.services["top"];
        assert_eq!(top.image.as_deref(), Some("b"));
        assert_eq!(top.environment.len(), 2);
        assert_eq!(top.command, Some(vec!["y".to_string()]));
    }

    #[test]
    fn other_file_paths_are_relative_to_that_file() {
        let (d, r) = load_temp(
            &[
                (
                    "lib/base.yaml",
                    "services:\n  b:\n    image: b\n    volumes: ['./data:/data']\n",
                ),
                (
                    "compose.yaml",
                    "services:\n  a:\n    extends: {file: lib/base.yaml, service: b}\n",
                ),
            ],
            |_| {},
        );
        let p = r.unwrap().project;
        let expected = d.path().join("lib/data");
        assert_eq!(
            p.services["a"].volumes[0].source.as_deref(),
            expected.to_str()
        );
        assert!(
            !p.services.contains_key("b"),
            "the base file's services are not part of the project"
        );
    }

    #[test]
    fn extends_file_is_relative_to_the_project_directory() {
        let (_d, r) = load_temp(
            &[
                ("proj/base.yaml", "services:\n  b:\n    image: from-proj\n"),
                (
                    "cfg/compose.yaml",
                    "services:\n  a:\n    extends: {file: base.yaml, service: b}\n",
                ),
            ],
            |o| {
                o.files = vec!["cfg/compose.yaml".into()];
                o.project_directory = Some("proj".into());
            },
        );
        assert_eq!(
            r.unwrap().project.services["a"].image.as_deref(),
            Some("from-proj")
        );
    }

    #[test]
    fn dependencies_of_the_base_are_not_inherited() {
        let (_d, r) = load_temp(
            &[(
                "compose.yaml",
                "services:\n  db:\n    image: db\n  base:\n    image: b\n    depends_on: [db]\n  app:\n    extends: base\n",
            )],
            |_| {},
        );
        let p = r.unwrap().project;
        assert!(p.services["app"].depends_on.is_empty());
        assert!(p.services["base"].depends_on.contains_key("db"));
    }

    #[test]
    fn cycles_and_missing_bases_are_errors() {
        let (_d, r) = load_temp(
            &[(
                "compose.yaml",
                "services:\n  a:\n    extends: b\n  b:\n    extends: a\n",
            )],
            |_| {},
        );
        assert!(r
            .unwrap_err()
            .to_string()
            .contains("extends cycle: a -> b -> a"));
        let (_d, r) = load_temp(
            &[(
                "compose.yaml",
                "services:\n  a:\n    extends: {file: nope.yaml, service: b}\n",
            )],
            |_| {},
        );
        assert!(r.unwrap_err().to_string().contains("nope.yaml"));
    }
}
