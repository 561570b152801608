//! `include:`: other compose projects loaded on their own (their own project directory and env
//! files, paths relative to them) whose services, networks, volumes, secrets and configs join this
//! document. A resource defined differently on both sides is an error, as in compose.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use super::document::Loader;
use super::value::{child, index, key_string, kind, untag};
use super::{discovery, dotenv, merge, origins};
use crate::Error;

/// `base_dir` is the including project's directory: include paths are relative to it.
pub(crate) fn apply(
    loader: &mut Loader,
    doc: &mut Value,
    file: &Path,
    base_dir: &Path,
    env: &BTreeMap<String, String>,
    stack: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let Value::Mapping(top) = doc else {
        return Ok(());
    };
    let Some(includes) = top.remove("include") else {
        return Ok(());
    };
    let entries = match untag(&includes) {
        Value::Sequence(seq) => seq.clone(),
        Value::Null => return Ok(()),
        other => {
            return Err(loader.locator.error_in(
                file,
                "include",
                format!("must be a list, not {}", kind(other)),
            ))
        }
    };
    stack.push(file.to_path_buf());
    for (i, entry) in entries.iter().enumerate() {
        let path = index("include", i);
        let spec = entry_spec(loader, entry, file, &path)?;
        let paths: Vec<PathBuf> = spec
            .paths
            .iter()
            .map(|p| discovery::absolute(base_dir, Path::new(p)))
            .collect();
        let Some(first) = paths.first() else {
            return Err(loader
                .locator
                .error_in(file, &path, "an include needs a `path`"));
        };
        let project_dir = match &spec.project_directory {
            Some(d) => discovery::absolute(base_dir, Path::new(d)),
            None => first.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let env_files: Vec<(PathBuf, bool)> = if spec.env_files.is_empty() {
            vec![(project_dir.join(".env"), false)]
        } else {
            spec.env_files
                .iter()
                .map(|f| (discovery::absolute(base_dir, Path::new(f)), true))
                .collect()
        };
        // The including project's environment (process environment included) wins.
        let mut included_env = dotenv::read_files(&env_files, env)?;
        included_env.extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));

        let mut included: Option<Value> = None;
        for p in &paths {
            if stack.contains(p) {
                let cycle: Vec<String> = stack
                    .iter()
                    .chain(std::iter::once(p))
                    .map(|f| f.display().to_string())
                    .collect();
                return Err(loader.locator.error_in(
                    file,
                    &path,
                    format!("include cycle: {}", cycle.join(" -> ")),
                ));
            }
            let d = loader.main_document(p, &included_env, &project_dir, stack)?;
            included = Some(match included {
                None => d,
                Some(base) => merge::merge(base, d, ""),
            });
        }
        if let Some(Value::Mapping(included)) = included {
            add_resources(loader, top, included, file, &path)?;
        }
    }
    stack.pop();
    Ok(())
}

struct IncludeSpec {
    paths: Vec<String>,
    project_directory: Option<String>,
    env_files: Vec<String>,
}

fn entry_spec(
    loader: &Loader,
    entry: &Value,
    file: &Path,
    path: &str,
) -> Result<IncludeSpec, Error> {
    let err = |p: &str, m: String| loader.locator.error_in(file, p, m);
    let strings = |v: &Value, p: &str| -> Result<Vec<String>, Error> {
        match untag(v) {
            Value::String(s) => Ok(vec![s.clone()]),
            Value::Sequence(seq) => seq
                .iter()
                .enumerate()
                .map(|(i, item)| match untag(item) {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(err(
                        &index(p, i),
                        format!("must be a path, not {}", kind(other)),
                    )),
                })
                .collect(),
            other => Err(err(
                p,
                format!("must be a path or a list of paths, not {}", kind(other)),
            )),
        }
    };
    match untag(entry) {
        Value::String(s) => Ok(IncludeSpec {
            paths: vec![s.clone()],
            project_directory: None,
            env_files: Vec::new(),
        }),
        Value::Mapping(m) => {
            let mut spec = IncludeSpec {
                paths: Vec::new(),
                project_directory: None,
                env_files: Vec::new(),
            };
            for (k, v) in m {
                let key = key_string(k).unwrap_or_default();
                let p = child(path, &key);
                match key.as_str() {
                    "path" => spec.paths = strings(v, &p)?,
                    // Allowed by compose's schema, and meaningless here: compose drops it too.
                    x if x.starts_with("x-") => {}
                    "env_file" => spec.env_files = strings(v, &p)?,
                    "project_directory" => match untag(v) {
                        Value::String(s) => spec.project_directory = Some(s.clone()),
                        other => {
                            return Err(err(&p, format!("must be a path, not {}", kind(other))))
                        }
                    },
                    _ => {
                        return Err(err(
                            &p,
                            format!("additional property {key:?} is not allowed"),
                        ))
                    }
                }
            }
            Ok(spec)
        }
        other => Err(err(
            path,
            format!("must be a path or a mapping, not {}", kind(other)),
        )),
    }
}

fn add_resources(
    loader: &Loader,
    top: &mut Mapping,
    included: Mapping,
    file: &Path,
    path: &str,
) -> Result<(), Error> {
    for (section_key, section) in included {
        let section_name = key_string(&section_key).unwrap_or_default();
        if !matches!(
            section_name.as_str(),
            "services" | "networks" | "volumes" | "secrets" | "configs"
        ) {
            continue;
        }
        let Value::Mapping(items) = section else {
            continue;
        };
        let target = top
            .entry(section_key.clone())
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if matches!(target, Value::Null) {
            *target = Value::Mapping(Mapping::new());
        }
        let Value::Mapping(target) = target else {
            return Err(loader.locator.error_in(
                file,
                &section_name,
                format!("must be a mapping, not {}", kind(target)),
            ));
        };
        for (name, value) in items {
            match target.get(&name) {
                // The same definition read from two files differs only in where it was written.
                Some(existing) if origins::erased(existing) != origins::erased(&value) => {
                    let n = key_string(&name).unwrap_or_default();
                    return Err(loader.locator.error_in(
                        file,
                        path,
                        format!(
                            "the included project defines {section_name}.{n} differently from this file"
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    target.insert(name, value);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::loader::load_temp;

    #[test]
    fn included_resources_join_with_their_own_directory_and_env() {
        let (d, r) = load_temp(
            &[
                ("sub/compose.yaml", "services:\n  db:\n    image: db:${V}\n    env_file: db.env\nvolumes:\n  data:\n"),
                ("sub/.env", "V=9\n"),
                ("sub/db.env", "X=1\n"),
                ("compose.yaml", "include: [sub/compose.yaml]\nservices:\n  app:\n    image: app\n    volumes: ['data:/d']\n"),
            ],
            |_| {},
        );
        let p = r.unwrap().project;
        assert_eq!(p.services["db"].image.as_deref(), Some("db:9"));
        assert_eq!(
            p.services["db"].env_file[0].path,
            d.path().join("sub/db.env")
        );
        assert!(p.volumes.contains_key("data"));
    }

    #[test]
    fn the_same_definition_in_both_files_is_no_conflict() {
        let web = "services:\n  web:\n    image: x\n    ports: ['80']\n    volumes: ['d:/d']\nvolumes:\n  d:\n";
        let (_d, r) = load_temp(
            &[
                ("sub.yaml", web),
                ("compose.yaml", &format!("include: [sub.yaml]\n{web}")),
            ],
            |_| {},
        );
        assert_eq!(r.unwrap().project.services["web"].ports.len(), 1);
    }

    #[test]
    fn include_cycles_are_errors() {
        let (_d, r) = load_temp(
            &[
                ("compose.yaml", "include: [b.yaml]\nservices: {}\n"),
                ("b.yaml", "include: [compose.yaml]\n"),
            ],
            |_| {},
        );
        assert!(r.unwrap_err().to_string().contains("include cycle"));
    }

    #[test]
    fn long_form_checks_its_keys() {
        let (_d, r) = load_temp(&[("compose.yaml", "include:\n  - pth: x.yaml\n")], |_| {});
        assert!(r.unwrap_err().to_string().contains("include[0].pth"));
    }
}
