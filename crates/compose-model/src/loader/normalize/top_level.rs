//! Top-level `networks`, `volumes`, `secrets` and `configs` definitions.

use std::collections::BTreeMap;

use serde_yaml::Value;

use super::fields::{Cx, Fields};
use crate::loader::value::untag;
use crate::{Error, Network, Secret, Volume};

/// `external: true`, or the legacy `external: {name: x}` (which also sets the name).
fn external(f: &mut Fields, name: &mut Option<String>) -> Result<bool, Error> {
    let path = f.path_of("external");
    let Some(v) = f.raw("external") else {
        return Ok(false);
    };
    if let Value::Mapping(_) = untag(v) {
        let mut e = Fields::new(f.cx, v, &path)?;
        if let Some(n) = e.string("name")? {
            name.get_or_insert(n);
        }
        e.finish(&[], None, None)?;
        return Ok(true);
    }
    f.cx.convert(v, &path, super::units::boolean)
}

pub(crate) fn networks(
    cx: &Cx,
    value: &Value,
    path: &str,
) -> Result<BTreeMap<String, Network>, Error> {
    let mut out = BTreeMap::new();
    for (name, p, v) in cx.named_entries(value, path)? {
        if matches!(untag(v), Value::Null) {
            out.insert(name, Network::default());
            continue;
        }
        let mut f = Fields::new(cx, v, &p)?;
        let mut n = Network {
            name: f.string("name")?,
            driver: f.string("driver")?,
            driver_opts: f.string_map("driver_opts")?,
            internal: f.flag("internal")?,
            labels: f.string_map("labels")?,
            ..Default::default()
        };
        n.external = external(&mut f, &mut n.name)?;
        let (mut other, mut ext) = (BTreeMap::new(), BTreeMap::new());
        f.finish(
            &["attachable", "enable_ipv4", "enable_ipv6", "ipam"],
            Some(&mut other),
            Some(&mut ext),
        )?;
        n.other = other;
        n.extensions = ext;
        out.insert(name, n);
    }
    Ok(out)
}

pub(crate) fn volumes(
    cx: &Cx,
    value: &Value,
    path: &str,
) -> Result<BTreeMap<String, Volume>, Error> {
    let mut out = BTreeMap::new();
    for (name, p, v) in cx.named_entries(value, path)? {
        if matches!(untag(v), Value::Null) {
            out.insert(name, Volume::default());
            continue;
        }
        let mut f = Fields::new(cx, v, &p)?;
        let mut vol = Volume {
            name: f.string("name")?,
            driver: f.string("driver")?,
            driver_opts: f.string_map("driver_opts")?,
            labels: f.string_map("labels")?,
            ..Default::default()
        };
        vol.external = external(&mut f, &mut vol.name)?;
        let mut ext = BTreeMap::new();
        f.finish(&[], None, Some(&mut ext))?;
        vol.extensions = ext;
        out.insert(name, vol);
    }
    Ok(out)
}

/// Secrets and configs share a shape; `kind` is "secret" or "config" for messages.
pub(crate) fn secrets(
    cx: &Cx,
    value: &Value,
    path: &str,
    kind: &str,
) -> Result<BTreeMap<String, Secret>, Error> {
    let mut out = BTreeMap::new();
    for (name, p, v) in cx.named_entries(value, path)? {
        let mut f = Fields::new(cx, v, &p)?;
        let mut s = Secret {
            name: f.string("name")?,
            file: f
                .string("file")?
                .map(|file| crate::loader::discovery::absolute(cx.project_dir, file.as_ref())),
            environment: f.string("environment")?,
            content: f.string("content")?,
            labels: f.string_map("labels")?,
            driver: f.string("driver")?,
            driver_opts: f.string_map("driver_opts")?,
            template_driver: f.string("template_driver")?,
            ..Default::default()
        };
        s.external = external(&mut f, &mut s.name)?;
        let sources = [
            s.file.is_some(),
            s.environment.is_some(),
            s.content.is_some(),
            s.external,
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if sources == 0 {
            return Err(cx.error(
                &p,
                format!("{kind} {name:?} needs one of `file`, `environment`, `content` or `external: true`"),
            ));
        }
        if sources > 1 {
            return Err(cx.error(
                &p,
                format!("{kind} {name:?} must use only one of `file`, `environment`, `content` and `external`"),
            ));
        }
        let mut ext = BTreeMap::new();
        f.finish(&[], None, Some(&mut ext))?;
        s.extensions = ext;
        out.insert(name, s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::normalize::fields::with_doc;

    #[test]
    fn networks_and_volumes_with_external_forms() {
        let n = with_doc("a:\nb: {external: true, name: sg-1}\nc: {external: {name: old}}\nd: {ipam: {driver: default}, x-e: 1}\n", |cx, doc| networks(cx, doc, "networks").unwrap());
        assert_eq!(n["a"], Network::default());
        assert!(n["b"].external);
        assert_eq!(n["c"].name.as_deref(), Some("old"));
        assert!(n["d"].other.contains_key("ipam"));
        assert!(n["d"].extensions.contains_key("x-e"));
        let v = with_doc("data: {external: true, name: fs-1}\nlocal:\n", |cx, doc| {
            volumes(cx, doc, "volumes").unwrap()
        });
        assert!(v["data"].external);
        assert_eq!(v["local"], Volume::default());
    }

    #[test]
    fn secrets_need_exactly_one_source() {
        let s = with_doc("f: {file: ./s.txt}\ne: {environment: X}\n", |cx, doc| {
            secrets(cx, doc, "secrets", "secret").unwrap()
        });
        assert_eq!(
            s["f"].file.as_deref(),
            Some(std::path::Path::new("/proj/s.txt"))
        );
        let err = with_doc("s: {labels: {a: b}}\n", |cx, doc| {
            secrets(cx, doc, "secrets", "secret")
                .unwrap_err()
                .to_string()
        });
        assert!(
            err.contains("secrets.s: secret \"s\" needs one of"),
            "{err}"
        );
        let err = with_doc("s: {file: a, environment: B}\n", |cx, doc| {
            secrets(cx, doc, "secrets", "secret")
                .unwrap_err()
                .to_string()
        });
        assert!(err.contains("must use only one of"), "{err}");
    }

    #[test]
    fn secrets_keep_engine_store_options() {
        let s = with_doc(
            "s: {file: a, driver: vault, driver_opts: {ttl: 60}, template_driver: golang}\n",
            |cx, doc| secrets(cx, doc, "secrets", "secret").unwrap(),
        );
        assert_eq!(s["s"].driver.as_deref(), Some("vault"));
        assert_eq!(s["s"].driver_opts["ttl"], "60");
        assert_eq!(s["s"].template_driver.as_deref(), Some("golang"));
    }
}
