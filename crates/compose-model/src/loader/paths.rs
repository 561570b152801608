//! Relative paths made absolute against the directory they are relative to: the project directory
//! for the main files, the other file's directory for `extends: {file: ...}`, the included project's
//! directory for `include`. Runs on canonical (long-form) documents, before merging.

use std::path::Path;

use serde_yaml::{Mapping, Value};

use super::discovery::absolute;
use super::value::untag_mut;

pub(crate) fn resolve(doc: &mut Value, base: &Path, home: Option<&str>) {
    let Value::Mapping(top) = untag_mut(doc) else {
        return;
    };
    if let Some(Value::Mapping(services)) = top.get_mut("services").map(untag_mut) {
        for service in services.values_mut() {
            if let Value::Mapping(service) = untag_mut(service) {
                resolve_service(service, base, home);
            }
        }
    }
    for section in ["secrets", "configs"] {
        if let Some(Value::Mapping(items)) = top.get_mut(section).map(untag_mut) {
            for item in items.values_mut() {
                if let Value::Mapping(item) = untag_mut(item) {
                    resolve_key(item, "file", base, home);
                }
            }
        }
    }
}

fn resolve_service(service: &mut Mapping, base: &Path, home: Option<&str>) {
    if let Some(Value::Mapping(build)) = service.get_mut("build").map(untag_mut) {
        let is_remote = build
            .get("context")
            .and_then(Value::as_str)
            .is_some_and(is_remote_context);
        if !is_remote {
            resolve_key(build, "context", base, home);
        }
    }
    if let Some(Value::Sequence(files)) = service.get_mut("env_file").map(untag_mut) {
        for entry in files {
            if let Value::Mapping(entry) = untag_mut(entry) {
                resolve_key(entry, "path", base, home);
            }
        }
    }
    if let Some(Value::Sequence(volumes)) = service.get_mut("volumes").map(untag_mut) {
        for volume in volumes {
            if let Value::Mapping(volume) = untag_mut(volume) {
                if volume.get("type").and_then(Value::as_str) == Some("bind") {
                    resolve_key(volume, "source", base, home);
                }
            }
        }
    }
}

/// git URLs and HTTP(S) contexts are not paths.
fn is_remote_context(context: &str) -> bool {
    context.contains("://") || context.starts_with("git@") || context.starts_with("github.com/")
}

fn resolve_key(map: &mut Mapping, key: &str, base: &Path, home: Option<&str>) {
    if let Some(Value::String(s)) = map.get_mut(key).map(untag_mut) {
        *s = resolve_path(s, base, home);
    }
}

/// A leading `~` is HOME, whatever follows it: compose-go joins the rest to HOME (`~/x` and `~x`
/// are both `$HOME/x`). Relative paths join `base`; absolute paths are only cleaned.
pub(crate) fn resolve_path(path: &str, base: &Path, home: Option<&str>) -> String {
    let expanded = match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) => format!("{home}/{rest}"),
        _ => path.to_string(),
    };
    absolute(base, Path::new(&expanded))
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(yaml: &str) -> serde_json::Value {
        let mut v: Value = serde_yaml::from_str(yaml).unwrap();
        resolve(&mut v, Path::new("/proj"), Some("/home/me"));
        crate::loader::value::to_json(&v)
    }

    #[test]
    fn resolves_service_paths() {
        let v = resolved(
            "services:\n  web:\n    build: {context: ./app}\n    env_file: [{path: web.env}]\n    volumes:\n      - {type: bind, source: ../data, target: /d}\n      - {type: bind, source: ~/x, target: /x}\n      - {type: volume, source: named, target: /n}\n",
        );
        let web = &v["services"]["web"];
        assert_eq!(web["build"]["context"], "/proj/app");
        assert_eq!(web["env_file"][0]["path"], "/proj/web.env");
        assert_eq!(web["volumes"][0]["source"], "/data");
        assert_eq!(web["volumes"][1]["source"], "/home/me/x");
        assert_eq!(web["volumes"][2]["source"], "named");
    }

    #[test]
    fn a_leading_tilde_is_home_as_compose_go_expands_it() {
        let home = Some("/home/me");
        assert_eq!(resolve_path("~", Path::new("/proj"), home), "/home/me");
        assert_eq!(resolve_path("~/x", Path::new("/proj"), home), "/home/me/x");
        // Not another user's home: compose-go joins what follows `~` to HOME.
        assert_eq!(
            resolve_path("~other/x", Path::new("/proj"), home),
            "/home/me/other/x"
        );
        // Without HOME, `~` is a name like any other.
        assert_eq!(resolve_path("~/x", Path::new("/proj"), None), "/proj/~/x");
    }

    #[test]
    fn keeps_remote_build_contexts() {
        for remote in [
            "https://github.com/a/b.git",
            "git@github.com:a/b.git",
            "github.com/a/b",
        ] {
            let v = resolved(&format!(
                "services:\n  web:\n    build: {{context: '{remote}'}}\n"
            ));
            assert_eq!(v["services"]["web"]["build"]["context"], remote);
        }
    }

    #[test]
    fn resolves_top_level_secret_files() {
        let v = resolved("secrets:\n  s: {file: ./s.txt}\n  e: {environment: X}\n");
        assert_eq!(v["secrets"]["s"]["file"], "/proj/s.txt");
        assert!(v["secrets"]["e"].get("file").is_none());
    }
}
