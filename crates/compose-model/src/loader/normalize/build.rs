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
    "pull",
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
    f.finish(UNTYPED, Some(&mut other), None)?;
    build.other = other;
    Ok(build)
}
