//! Merging documents (several `-f` files, or an `extends` base and the service extending it) with
//! the Compose Specification rules, on canonical documents:
//! - mappings are merged key by key, scalars are replaced;
//! - sequences are appended, then entries with the same key are collapsed, the later one taking
//!   the earlier one's place (ports by host_ip:published:target/protocol, volumes by target,
//!   secrets/configs by target, env files by path, plain string lists by value);
//! - `command`, `entrypoint` and `healthcheck.test` are replaced, `logging` is replaced when the
//!   driver changes, each `ulimits` entry is replaced;
//! - `x-` extensions are replaced whole;
//! - `!reset` removes the value, `!override` replaces it without merging.

use std::collections::hash_map::{Entry, HashMap};
use std::hash::Hash;

use serde_yaml::{Mapping, Value};

use super::value::{key_string, scalar_string, tag_name, untag};

/// Merge `over` onto `base`; `pattern` is the path with service and ulimit names replaced by `*`.
pub(crate) fn merge(base: Value, over: Value, pattern: &str) -> Value {
    let over = match over {
        Value::Tagged(t) if tag_name(&t) == "override" => return t.value,
        Value::Tagged(t) if tag_name(&t) == "reset" => return Value::Null,
        // Any other tag means nothing to compose, which merges the value as if it were untagged.
        Value::Tagged(t) => t.value,
        other => other,
    };
    let base = match base {
        Value::Tagged(t) => t.value,
        other => other,
    };
    if matches!(over, Value::Null) {
        // An empty override (`web:` with nothing under it) changes nothing.
        return base;
    }
    if replaced_whole(pattern, &base, &over) {
        return over;
    }
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => Value::Mapping(merge_mappings(b, o, pattern)),
        (Value::Sequence(mut b), Value::Sequence(o)) => {
            b.extend(o);
            Value::Sequence(dedupe(b, pattern))
        }
        (_, over) => over,
    }
}

fn replaced_whole(pattern: &str, base: &Value, over: &Value) -> bool {
    match pattern {
        "services.*.command" | "services.*.entrypoint" | "services.*.healthcheck.test" => true,
        "services.*.ulimits.*" => true,
        "services.*.logging" => {
            let driver = |v: &Value| untag(v).get("driver").and_then(scalar_string);
            matches!((driver(base), driver(over)), (Some(a), Some(b)) if a != b)
        }
        _ => false,
    }
}

fn merge_mappings(mut base: Mapping, over: Mapping, pattern: &str) -> Mapping {
    for (k, v) in over {
        let name = key_string(&k).unwrap_or_default();
        let child_pattern = child_pattern(pattern, &name);
        match v {
            Value::Tagged(t) if tag_name(&t) == "reset" => {
                base.remove(&k);
            }
            Value::Tagged(t) if tag_name(&t) == "override" => {
                base.insert(k, t.value);
            }
            // Extensions are opaque: an override replaces them whole (compose-go does too).
            v if name.starts_with("x-") => {
                base.insert(k, v);
            }
            v => {
                let merged = match base.remove(&k) {
                    Some(b) => merge(b, v, &child_pattern),
                    None => v,
                };
                base.insert(k, merged);
            }
        }
    }
    base
}

fn child_pattern(pattern: &str, key: &str) -> String {
    match pattern {
        "" => key.to_string(),
        "services" | "services.*.ulimits" | "services.*.networks" => format!("{pattern}.*"),
        _ => format!("{pattern}.{key}"),
    }
}

/// The identity of a sequence entry for collapsing duplicates; `None` keeps every entry.
fn entry_key(pattern: &str, entry: &Value) -> Option<String> {
    let entry = untag(entry);
    let field = |k: &str| entry.get(k).and_then(scalar_string);
    match pattern {
        "services.*.ports" => match entry {
            Value::Mapping(_) => Some(format!(
                "{}:{}:{}/{}",
                field("host_ip").unwrap_or_else(|| "0.0.0.0".into()),
                field("published").unwrap_or_default(),
                field("target").unwrap_or_default(),
                field("protocol").unwrap_or_else(|| "tcp".into()),
            )),
            other => scalar_string(other),
        },
        "services.*.volumes" => field("target").or_else(|| scalar_string(entry)),
        "services.*.secrets" | "services.*.configs" => field("target")
            .or_else(|| field("source"))
            .or_else(|| scalar_string(entry)),
        "services.*.env_file" => field("path").or_else(|| scalar_string(entry)),
        // A device by its container path (`/dev/a:/dev/b:rwm` -> `/dev/b`).
        "services.*.devices" => field("target").or_else(|| {
            scalar_string(entry).map(|d| d.split(':').nth(1).unwrap_or(&d).to_string())
        }),
        "services.*.expose"
        | "services.*.cap_add"
        | "services.*.cap_drop"
        | "services.*.dns"
        | "services.*.dns_opt"
        | "services.*.dns_search"
        | "services.*.links"
        | "services.*.tmpfs"
        | "services.*.profiles"
        | "services.*.extra_hosts"
        | "services.*.security_opt"
        | "services.*.group_add"
        | "services.*.build.tags"
        | "services.*.networks.*.aliases"
        | "services.*.networks.*.link_local_ips" => scalar_string(entry),
        _ => None,
    }
}

fn dedupe(entries: Vec<Value>, pattern: &str) -> Vec<Value> {
    collapse(entries, |entry| entry_key(pattern, entry))
}

/// Entries with the same key collapsed, the later one taking the earlier one's place. Each key
/// is looked up once in a table of the positions kept so far, so a list of n entries costs n
/// lookups: a port range expands to up to 65,536 entries, and comparing each with every earlier
/// one took minutes.
fn collapse<K: Hash + Eq>(entries: Vec<Value>, key: impl Fn(&Value) -> Option<K>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(entries.len());
    let mut positions: HashMap<K, usize> = HashMap::with_capacity(entries.len());
    for entry in entries {
        match key(&entry) {
            Some(k) => match positions.entry(k) {
                Entry::Occupied(at) => out[*at.get()] = entry,
                Entry::Vacant(at) => {
                    at.insert(out.len());
                    out.push(entry);
                }
            },
            None => out.push(entry),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::hash::Hasher;

    use super::*;
    use crate::loader::canonical::canonicalize;
    use crate::loader::value::{strip_tags, to_json};

    fn merged(a: &str, b: &str) -> serde_json::Value {
        let mut a: Value = serde_yaml::from_str(a).unwrap();
        let mut b: Value = serde_yaml::from_str(b).unwrap();
        canonicalize(&mut a).unwrap();
        canonicalize(&mut b).unwrap();
        let mut m = merge(a, b, "");
        strip_tags(&mut m);
        to_json(&m)
    }

    #[test]
    fn mappings_merge_and_scalars_replace() {
        let v = merged(
            "services:\n  web:\n    image: a\n    environment: [A=1, B=2]\n",
            "services:\n  web:\n    image: b\n    environment: {B: 3, C: 4}\n",
        );
        assert_eq!(v["services"]["web"]["image"], "b");
        assert_eq!(
            v["services"]["web"]["environment"],
            serde_json::json!({"A": "1", "B": 3, "C": 4})
        );
    }

    #[test]
    fn a_value_with_a_tag_compose_does_not_know_merges_as_if_untagged() {
        let v = merged(
            "services:\n  web:\n    image: a\n    environment: {A: 1, B: 2}\n",
            "services:\n  web:\n    environment: !foo {B: 3, C: 4}\n",
        );
        assert_eq!(
            v["services"]["web"]["environment"],
            serde_json::json!({"A": 1, "B": 3, "C": 4})
        );
    }

    #[test]
    fn ports_collapse_by_key_and_append_otherwise() {
        let v = merged(
            "services:\n  web:\n    ports: [\"8080:80\", \"443\"]\n",
            "services:\n  web:\n    ports: [{target: 80, published: \"8080\", x-aws-protocol: http}, \"9000:90\"]\n",
        );
        let ports = v["services"]["web"]["ports"].as_array().unwrap().clone();
        assert_eq!(ports.len(), 3);
        assert_eq!(ports[0]["x-aws-protocol"], "http");
        assert_eq!(ports[2]["target"], 90);
    }

    /// A key that counts how often it is compared with another.
    struct Counted<'c> {
        key: u32,
        comparisons: &'c Cell<usize>,
    }

    impl PartialEq for Counted<'_> {
        fn eq(&self, other: &Self) -> bool {
            self.comparisons.set(self.comparisons.get() + 1);
            self.key == other.key
        }
    }

    impl Eq for Counted<'_> {}

    impl Hash for Counted<'_> {
        fn hash<H: Hasher>(&self, state: &mut H) {
            self.key.hash(state);
        }
    }

    #[test]
    fn collapsing_compares_each_entry_with_a_few_others_not_all() {
        // Two files that both publish a 5,000-port range: 10,000 entries, 5,000 kept. Comparing
        // each entry with every earlier one made 25 million comparisons (minutes for 1-65535).
        let n = 5_000u32;
        let entry = |port: u32, file: u32| -> Value {
            serde_yaml::from_str(&format!("{{target: {port}, file: {file}}}")).unwrap()
        };
        let entries: Vec<Value> = (0..n)
            .map(|p| entry(p, 1))
            .chain((0..n).map(|p| entry(p, 2)))
            .collect();
        let comparisons = Cell::new(0);
        let kept = collapse(entries, |e| {
            Some(Counted {
                key: e["target"].as_u64().unwrap() as u32,
                comparisons: &comparisons,
            })
        });
        assert_eq!(kept.len(), n as usize);
        assert_eq!(kept[7], entry(7, 2), "the later file wins, in place");
        assert!(
            comparisons.get() <= 2 * 2 * n as usize,
            "{} comparisons for {} entries",
            comparisons.get(),
            2 * n
        );
    }

    #[test]
    fn volumes_and_secrets_collapse_by_target() {
        let v = merged(
            "services:\n  web:\n    volumes: [\"a:/data\"]\n    secrets: [s]\n",
            "services:\n  web:\n    volumes: [\"b:/data\", \"c:/other\"]\n    secrets: [{source: s, mode: 0400}]\n",
        );
        let vols = v["services"]["web"]["volumes"].as_array().unwrap();
        assert_eq!(vols.len(), 2);
        assert_eq!(vols[0]["source"], "b");
        assert_eq!(v["services"]["web"]["secrets"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn env_files_collapse_by_path() {
        // The override makes a.env optional: a second, required a.env would still fail the load
        // when the file is missing (docker compose accepts it).
        let v = merged(
            "services:\n  web:\n    env_file: [a.env]\n",
            "services:\n  web:\n    env_file: [{path: a.env, required: false}, b.env]\n",
        );
        let files = v["services"]["web"]["env_file"].as_array().unwrap();
        assert_eq!(files.len(), 2, "{files:?}");
        assert_eq!(files[0]["path"], "a.env");
        assert_eq!(files[0]["required"], false);
        assert_eq!(files[1]["path"], "b.env");
    }

    #[test]
    fn command_and_healthcheck_test_are_replaced() {
        let v = merged(
            "services:\n  web:\n    command: [a, b]\n    healthcheck: {test: [CMD, x], interval: 5s}\n",
            "services:\n  web:\n    command: [c]\n    healthcheck: {test: [CMD, y]}\n",
        );
        assert_eq!(v["services"]["web"]["command"], serde_json::json!(["c"]));
        assert_eq!(
            v["services"]["web"]["healthcheck"]["test"],
            serde_json::json!(["CMD", "y"])
        );
        assert_eq!(v["services"]["web"]["healthcheck"]["interval"], "5s");
    }

    #[test]
    fn entrypoint_is_replaced_not_appended() {
        let v = merged(
            "services:\n  web:\n    entrypoint: [/bin/sh, -c]\n    command: [run]\n",
            "services:\n  web:\n    entrypoint: [/app/start]\n",
        );
        assert_eq!(
            v["services"]["web"]["entrypoint"],
            serde_json::json!(["/app/start"])
        );
        assert_eq!(v["services"]["web"]["command"], serde_json::json!(["run"]));
    }

    #[test]
    fn ports_differing_only_by_protocol_are_both_kept() {
        // DNS publishes 53 over both TCP and UDP: the override's 53/udp must not take 53/tcp's place.
        let v = merged(
            "services:\n  dns:\n    ports: [\"53:53/tcp\"]\n",
            "services:\n  dns:\n    ports: [\"53:53/udp\"]\n",
        );
        let ports = v["services"]["dns"]["ports"].as_array().unwrap();
        let protocols: Vec<_> = ports.iter().map(|p| p["protocol"].clone()).collect();
        assert_eq!(
            protocols,
            [serde_json::json!("tcp"), serde_json::json!("udp")]
        );
        // The same port and protocol again is the same entry: replaced, not duplicated.
        let v = merged(
            "services:\n  dns:\n    ports: [\"53:53/udp\"]\n",
            "services:\n  dns:\n    ports: [{target: 53, published: \"53\", protocol: udp, mode: host}]\n",
        );
        let ports = v["services"]["dns"]["ports"].as_array().unwrap();
        assert_eq!(ports.len(), 1);
        assert_eq!(ports[0]["mode"], "host");
    }

    #[test]
    fn reset_and_override_tags() {
        let v = merged(
            "services:\n  web:\n    ports: [\"80\"]\n    environment: {A: 1, B: 2}\n    labels: {x: y}\n",
            "services:\n  web:\n    ports: !reset []\n    environment: !override {C: 3}\n    labels: !reset null\n",
        );
        let web = &v["services"]["web"];
        assert!(web.get("ports").is_none());
        assert!(web.get("labels").is_none());
        assert_eq!(web["environment"], serde_json::json!({"C": 3}));
    }

    #[test]
    fn reset_and_override_on_the_value_merged_itself() {
        // The service an `extends` merges onto its base reaches `merge` whole, not as a mapping
        // entry: its own tag decides as an entry's would.
        let parse = |s: &str| serde_yaml::from_str::<Value>(s).unwrap();
        let base = parse("{image: a, environment: {A: 1}}");
        let mut overridden = merge(base.clone(), parse("!override {image: b}"), "services.*");
        strip_tags(&mut overridden);
        assert_eq!(to_json(&overridden), serde_json::json!({"image": "b"}));
        assert_eq!(
            merge(base, parse("!reset {image: b}"), "services.*"),
            Value::Null
        );
    }

    #[test]
    fn logging_is_replaced_when_the_driver_changes() {
        let v = merged(
            "services:\n  web:\n    logging: {driver: json-file, options: {a: b}}\n",
            "services:\n  web:\n    logging: {driver: awslogs, options: {c: d}}\n",
        );
        assert_eq!(
            v["services"]["web"]["logging"]["options"],
            serde_json::json!({"c": "d"})
        );
        let v = merged(
            "services:\n  web:\n    logging: {driver: awslogs, options: {a: b}}\n",
            "services:\n  web:\n    logging: {options: {c: d}}\n",
        );
        assert_eq!(
            v["services"]["web"]["logging"]["options"],
            serde_json::json!({"a": "b", "c": "d"})
        );
    }

    #[test]
    fn devices_collapse_by_container_path_and_aliases_by_value() {
        let v = merged(
            "services:\n  web:\n    devices: [/dev/a:/dev/x]\n    networks: {n: {aliases: [a, b]}}\n",
            "services:\n  web:\n    devices: [/dev/b:/dev/x, /dev/c]\n    networks: {n: {aliases: [b, c]}}\n",
        );
        assert_eq!(
            v["services"]["web"]["devices"],
            serde_json::json!(["/dev/b:/dev/x", "/dev/c"])
        );
        assert_eq!(
            v["services"]["web"]["networks"]["n"]["aliases"],
            serde_json::json!(["a", "b", "c"])
        );
    }

    #[test]
    fn extensions_are_replaced_whole() {
        let v = merged(
            "x-aws-vpc: a\nservices:\n  web:\n    x-aws-autoscaling: {min: 1, max: 3}\n",
            "services:\n  web:\n    x-aws-autoscaling: {max: 5}\n",
        );
        assert_eq!(
            v["services"]["web"]["x-aws-autoscaling"],
            serde_json::json!({"max": 5})
        );
        assert_eq!(v["x-aws-vpc"], "a");
    }

    #[test]
    fn ulimits_entries_are_replaced() {
        let v = merged(
            "services:\n  web:\n    ulimits: {nofile: {soft: 1, hard: 2}}\n",
            "services:\n  web:\n    ulimits: {nofile: 5}\n",
        );
        assert_eq!(v["services"]["web"]["ulimits"]["nofile"], 5);
    }
}
