//! `build:` (canonical: a mapping with `context`, resolved absolute unless it is a URL).

use serde_yaml::Value;

use super::fields::{Cx, Fields};
use crate::{Build, Error};

/// Build attributes the model keeps as written.
const UNTYPED: &[&str] = &[
    "additional_contexts",
    "cache_from",
    "cache_to",
    "dockerfile_inline",
    "entitlements",
    "extra_hosts",
    "isolation",
    "labels",
    "network",
    "no_cache",
    "platforms",
    "privileged",
    "provenance",
    "pull",
    "sbom",
    "secrets",
    "shm_size",
    "ssh",
    "tags",
    "ulimits",
];

pub(crate) fn normalize(cx: &Cx, value: &Value, path: &str) -> Result<Build, Error> {
    let mut f = Fields::new(cx, value, path)?;
    let mut args = std::collections::BTreeMap::new();
    if let Some(v) = f.raw("args") {
        for (k, v) in cx.optional_string_map(v, &f.path_of("args"))? {
            let v = v.or_else(|| cx.env.get(&k).cloned());
            args.insert(k, v);
        }
    }
    let mut build = Build {
        context: f
            .string("context")?
            .unwrap_or_else(|| cx.project_dir.to_string_lossy().into_owned()),
        dockerfile: f.string("dockerfile")?,
        args,
        target: f.string("target")?,
        other: Default::default(),
    };
    let mut other = std::mem::take(&mut build.other);
    if let Some(v) = f.raw("extra_hosts") {
        let hosts = super::service::extra_hosts(cx, v, &f.path_of("extra_hosts"))?;
        other.insert("extra_hosts".to_string(), hosts.into());
    }
    f.finish(UNTYPED, Some(&mut other), None)?;
    build.other = other;
    Ok(build)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::normalize::fields::with_doc;

    #[test]
    fn args_take_missing_values_from_the_environment() {
        let b = with_doc(
            "context: /src\ndockerfile: Dockerfile.prod\nargs: {A: 1, FROM_ENV: null, NOPE: null}\ntarget: prod\ncache_from: [x]\n",
            |cx, doc| normalize(cx, doc, "b").unwrap(),
        );
        assert_eq!(b.context, "/src");
        assert_eq!(b.dockerfile.as_deref(), Some("Dockerfile.prod"));
        assert_eq!(b.args.get("A"), Some(&Some("1".to_string())));
        assert_eq!(b.args.get("FROM_ENV"), Some(&Some("env-value".to_string())));
        assert_eq!(b.args.get("NOPE"), Some(&None));
        assert_eq!(b.other.get("cache_from"), Some(&serde_json::json!(["x"])));
    }

    #[test]
    fn context_defaults_to_the_project_directory() {
        let b = with_doc("dockerfile: D\n", |cx, doc| {
            normalize(cx, doc, "b").unwrap()
        });
        assert_eq!(b.context, "/proj");
    }

    #[test]
    fn unknown_build_keys_are_errors() {
        let err = with_doc("context: .\ndockerfil: D\n", |cx, doc| {
            normalize(cx, doc, "services.web.build")
                .unwrap_err()
                .to_string()
        });
        assert!(err.contains("did you mean \"dockerfile\""), "{err}");
    }
}
