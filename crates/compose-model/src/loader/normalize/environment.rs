//! A service's resolved environment: `env_file` contents first (in order), then `environment`,
//! which wins. Keys without a value take it from the project environment (process environment
//! over `.env`) or stay unset (`None`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_yaml::Value;

use super::fields::{Cx, Fields};
use crate::loader::dotenv;
use crate::loader::value::{index, kind, untag};
use crate::{EnvFile, Error};

/// Variables as the model holds them: `None` is named without a value and not found.
pub(crate) type Variables = BTreeMap<String, Option<String>>;

/// `env_file` (canonical: a list of `{path, required}`) read and parsed.
pub(crate) fn env_files(
    cx: &Cx,
    value: Option<&Value>,
    path: &str,
) -> Result<(Vec<EnvFile>, Variables), Error> {
    let mut files = Vec::new();
    let mut vars = BTreeMap::new();
    let Some(value) = value else {
        return Ok((files, vars));
    };
    let entries: Vec<Value> = match untag(value) {
        Value::Sequence(seq) => seq.clone(),
        Value::String(_) => vec![value.clone()],
        other => {
            return Err(cx.error(
                path,
                format!("must be a path or a list, not {}", kind(other)),
            ))
        }
    };
    for (i, entry) in entries.iter().enumerate() {
        let p = index(path, i);
        // Each entry is a mapping: canonical.rs expands a path written alone.
        let mut f = Fields::new(cx, entry, &p)?;
        let file = f
            .string("path")?
            .ok_or_else(|| cx.error(&p, "an env_file entry needs a `path`"))?;
        let required = f.bool("required")?.unwrap_or(true);
        let format_path = f.path_of("format");
        let raw = match f.string("format")?.as_deref() {
            None => false,
            Some("raw") => true,
            Some(other) => {
                return Err(cx.error(
                    &format_path,
                    format!("unsupported env_file format {other:?}: only `raw` is known"),
                ))
            }
        };
        // compose's schema allows no `x-` key in an env_file entry.
        f.finish_closed()?;
        let file = crate::loader::discovery::absolute(cx.project_dir, &PathBuf::from(file));
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                files.push(EnvFile {
                    path: file,
                    required,
                    format: raw.then(|| "raw".to_string()),
                });
                continue;
            }
            Err(e) => {
                return Err(cx.error(&p, format!("cannot read env file {}: {e}", file.display())))
            }
        };
        let parsed = if raw {
            raw_lines(&text)
        } else {
            let lookup = |k: &str| cx.env.get(k).cloned();
            dotenv::parse(&text, &lookup).map_err(|e| {
                cx.error(&p, format!("{}:{}: {}", file.display(), e.line, e.message))
            })?
        };
        for (k, v) in parsed {
            vars.insert(k, Some(v));
        }
        files.push(EnvFile {
            path: file,
            required,
            format: raw.then(|| "raw".to_string()),
        });
    }
    Ok((files, vars))
}

/// `format: raw`: `KEY=VALUE` lines taken literally (no quotes, escapes or interpolation).
fn raw_lines(text: &str) -> indexmap::IndexMap<String, String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim_end_matches('\r').to_string()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// `environment` (canonical: a mapping) merged over the env_file variables.
pub(crate) fn resolve(
    cx: &Cx,
    environment: Option<&Value>,
    path: &str,
    mut vars: Variables,
) -> Result<Variables, Error> {
    if let Some(value) = environment {
        for (k, v) in cx.optional_string_map(value, path)? {
            let v = v.or_else(|| cx.env.get(&k).cloned());
            vars.insert(k, v);
        }
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::normalize::fields::with_doc;

    #[test]
    fn environment_wins_over_env_files_and_bare_keys_use_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.env");
        std::fs::write(&file, "A=file\nB=file\n").unwrap();
        let missing = dir.path().join("missing.env");
        let yaml = format!(
            "env_file: [{{path: {}, required: true}}, {{path: {}, required: false}}]\nenvironment: {{B: env, FROM_ENV: null, NOPE: null}}\n",
            file.display(),
            missing.display()
        );
        let (files, env) = with_doc(&yaml, |cx, doc| {
            let (files, vars) = env_files(cx, doc.get("env_file"), "s.env_file").unwrap();
            (
                files,
                resolve(cx, doc.get("environment"), "s.environment", vars).unwrap(),
            )
        });
        assert_eq!(files.len(), 2);
        assert!(!files[1].required);
        assert_eq!(env.get("A"), Some(&Some("file".to_string())));
        assert_eq!(env.get("B"), Some(&Some("env".to_string())));
        assert_eq!(env.get("FROM_ENV"), Some(&Some("env-value".to_string())));
        assert_eq!(env.get("NOPE"), Some(&None));
    }

    #[test]
    fn raw_format_keeps_values_literally() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("raw.env");
        std::fs::write(&file, "# c\nA=\"quoted\" ${X} # not a comment\n").unwrap();
        let yaml = format!("env_file: [{{path: {}, format: raw}}]\n", file.display());
        let (_, vars) = with_doc(&yaml, |cx, doc| {
            env_files(cx, doc.get("env_file"), "e").unwrap()
        });
        assert_eq!(
            vars.get("A"),
            Some(&Some("\"quoted\" ${X} # not a comment".to_string()))
        );
    }

    #[test]
    fn a_required_missing_env_file_is_an_error() {
        let err = with_doc("env_file: [{path: /nonexistent/x.env}]\n", |cx, doc| {
            env_files(cx, doc.get("env_file"), "services.web.env_file")
                .unwrap_err()
                .to_string()
        });
        assert!(
            err.contains("services.web.env_file[0]: cannot read env file /nonexistent/x.env"),
            "{err}"
        );
    }
}
