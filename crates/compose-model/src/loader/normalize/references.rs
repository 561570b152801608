//! What a service points at: secrets/configs (`FileReference`), networks and `depends_on`.

use std::collections::BTreeMap;

use serde_yaml::Value;

use super::fields::{Cx, Fields};
use crate::loader::value::{child, index, kind, untag};
use crate::{DependsOn, DependsOnCondition, Error, FileReference, ServiceNetwork};

/// `secrets:` / `configs:` of a service, each entry a mapping (canonical.rs expands the short
/// form). A missing target defaults to the source name (secrets are then mounted at
/// /run/secrets/<source>).
pub(crate) fn file_references(
    cx: &Cx,
    value: &Value,
    path: &str,
) -> Result<Vec<FileReference>, Error> {
    let Value::Sequence(seq) = untag(value) else {
        return Err(cx.error(path, format!("must be a list, not {}", kind(value))));
    };
    let mut out = Vec::new();
    for (i, item) in seq.iter().enumerate() {
        let p = index(path, i);
        let mut f = Fields::new(cx, item, &p)?;
        let source = f
            .string("source")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| cx.error(&p, "a secret or config reference needs a `source`"))?;
        let target = f
            .string("target")?
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| source.clone());
        let mut r = FileReference {
            source,
            target,
            uid: f.string("uid")?,
            gid: f.string("gid")?,
            mode: f.mode("mode")?,
            extensions: Default::default(),
        };
        f.finish(&[], None, Some(&mut r.extensions))?;
        out.push(r);
    }
    Ok(out)
}

/// Service `networks:` (canonical: a mapping whose values may be null).
pub(crate) fn networks(
    cx: &Cx,
    value: &Value,
    path: &str,
) -> Result<BTreeMap<String, ServiceNetwork>, Error> {
    let map = cx.mapping(value, path)?;
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let name = cx.key(k, path)?;
        let p = child(path, &name);
        let network = match untag(v) {
            Value::Null => ServiceNetwork::default(),
            _ => {
                let mut f = Fields::new(cx, v, &p)?;
                let mut n = ServiceNetwork {
                    aliases: f.strings("aliases")?,
                    driver_opts: f.string_map("driver_opts")?,
                    gw_priority: f.integer("gw_priority")?,
                    interface_name: f.string("interface_name")?,
                    ipv4_address: f.string("ipv4_address")?,
                    ipv6_address: f.string("ipv6_address")?,
                    link_local_ips: f.strings("link_local_ips")?,
                    mac_address: f.string("mac_address")?,
                    priority: f.integer("priority")?,
                    extensions: Default::default(),
                };
                f.finish(&[], None, Some(&mut n.extensions))?;
                n
            }
        };
        out.insert(name, network);
    }
    Ok(out)
}

/// `depends_on:` (canonical: a mapping of service -> {condition, restart, required}).
pub(crate) fn depends_on(
    cx: &Cx,
    value: &Value,
    path: &str,
) -> Result<BTreeMap<String, DependsOn>, Error> {
    let map = cx.mapping(value, path)?;
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let name = cx.key(k, path)?;
        let p = child(path, &name);
        let dep = match untag(v) {
            Value::Null => DependsOn {
                required: true,
                ..Default::default()
            },
            _ => {
                let mut f = Fields::new(cx, v, &p)?;
                let cond_path = f.path_of("condition");
                let condition = match f.string("condition")?.as_deref() {
                    None | Some("service_started") => DependsOnCondition::ServiceStarted,
                    Some("service_healthy") => DependsOnCondition::ServiceHealthy,
                    Some("service_completed_successfully") => {
                        DependsOnCondition::ServiceCompletedSuccessfully
                    }
                    Some(other) => {
                        return Err(cx.error(
                            &cond_path,
                            format!("invalid condition {other:?}: must be service_started, service_healthy or service_completed_successfully"),
                        ))
                    }
                };
                let mut dep = DependsOn {
                    condition,
                    restart: f.flag("restart")?,
                    required: f.bool("required")?.unwrap_or(true),
                    ..Default::default()
                };
                f.finish(&[], None, Some(&mut dep.extensions))?;
                dep
            }
        };
        out.insert(name, dep);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::normalize::fields::with_doc;

    #[test]
    fn file_references_default_target_to_source() {
        let refs = with_doc(
            "- {source: s1}\n- {source: s2, target: /etc/s2, uid: 1000, mode: 0440, x-aws-keys: [a]}\n",
            |cx, doc| file_references(cx, doc, "r").unwrap(),
        );
        assert_eq!(
            (refs[0].source.as_str(), refs[0].target.as_str()),
            ("s1", "s1")
        );
        assert_eq!(refs[1].target, "/etc/s2");
        assert_eq!(refs[1].uid.as_deref(), Some("1000"));
        assert_eq!(refs[1].mode, Some(0o440));
        assert_eq!(
            refs[1].extensions.get("x-aws-keys"),
            Some(&serde_json::json!(["a"]))
        );
        let err = with_doc("- {target: /x}\n", |cx, doc| {
            file_references(cx, doc, "r").unwrap_err().to_string()
        });
        assert!(
            err.contains("r[0]: a secret or config reference needs a `source`"),
            "{err}"
        );
    }

    #[test]
    fn networks_accept_null_and_options() {
        let n = with_doc("a:\nb: {aliases: [x], priority: 5, x-k: 1}\n", |cx, doc| {
            networks(cx, doc, "n").unwrap()
        });
        assert_eq!(n["a"], ServiceNetwork::default());
        assert_eq!(n["b"].aliases, vec!["x"]);
        assert_eq!(n["b"].priority, Some(5));
        assert_eq!(n["b"].extensions.get("x-k"), Some(&serde_json::json!(1)));
    }

    #[test]
    fn networks_keep_engine_attachment_options() {
        let n = with_doc(
            "a: {mac_address: \"02:42:ac:11:65:43\", link_local_ips: [169.254.8.8], driver_opts: {mtu: 1400}, gw_priority: 2, interface_name: eth1}\n",
            |cx, doc| networks(cx, doc, "n").unwrap(),
        );
        assert_eq!(n["a"].mac_address.as_deref(), Some("02:42:ac:11:65:43"));
        assert_eq!(n["a"].link_local_ips, vec!["169.254.8.8"]);
        assert_eq!(n["a"].driver_opts["mtu"], "1400");
        assert_eq!(n["a"].gw_priority, Some(2));
        assert_eq!(n["a"].interface_name.as_deref(), Some("eth1"));
        let err = with_doc("a: {link_local_ips: {x: 1}}\n", |cx, doc| {
            networks(cx, doc, "n").unwrap_err().to_string()
        });
        assert!(
            err.contains("n.a.link_local_ips: must be a list, not a mapping"),
            "{err}"
        );
    }

    #[test]
    fn depends_on_conditions() {
        let d = with_doc(
            "a: {condition: service_healthy, restart: true}\nb: {condition: service_completed_successfully, required: false}\nc:\n",
            |cx, doc| depends_on(cx, doc, "d").unwrap(),
        );
        assert_eq!(d["a"].condition, DependsOnCondition::ServiceHealthy);
        assert!(d["a"].restart && d["a"].required);
        assert_eq!(
            d["b"].condition,
            DependsOnCondition::ServiceCompletedSuccessfully
        );
        assert!(!d["b"].required);
        // A dependency named without attributes is started first and required.
        assert_eq!(d["c"].condition, DependsOnCondition::ServiceStarted);
        assert!(d["c"].required && !d["c"].restart);
        let err = with_doc("a: {condition: started}\n", |cx, doc| {
            depends_on(cx, doc, "d").unwrap_err().to_string()
        });
        assert!(
            err.contains("d.a.condition: invalid condition \"started\""),
            "{err}"
        );
    }
}
