//! Where each entry of a service's lists was written. Merging files appends their lists (and a
//! short port range becomes several entries), so an entry's index in the merged document is not
//! its index in the file that has it, and an error found after merging would name the wrong index
//! and the line of another entry. So each entry is wrapped, as soon as its file is parsed, in a
//! tag naming the file and the entry's path there; conversions keep the tag on what they make of
//! the entry; after merging, the tags are read into a table the locator consults, and stripped
//! with the other tags before the document is read into the model.

use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Value};

use super::value::{child, index, key_string, untag_mut};

/// The lists of a service whose entries are tracked: the ones merged by appending.
const LISTS: [&str; 18] = [
    "ports",
    "volumes",
    "secrets",
    "configs",
    "env_file",
    "expose",
    "devices",
    "cap_add",
    "cap_drop",
    "dns",
    "dns_opt",
    "dns_search",
    "links",
    "external_links",
    "tmpfs",
    "extra_hosts",
    "security_opt",
    "group_add",
];

/// The lists of each of a service's networks merged by appending.
const NETWORK_LISTS: [&str; 2] = ["aliases", "link_local_ips"];

/// Tag names carry `MARK`, the file's index among the locator's sources, `SEP`, then the path.
const MARK: &str = "origin\u{1f}";
const SEP: char = '\u{1f}';

/// An entry of the merged document (`services.web.ports[3]`) and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Origin {
    pub(crate) merged: String,
    /// Index of the file among the locator's sources.
    pub(crate) source: usize,
    pub(crate) written: String,
}

/// Tag every entry of the tracked lists of one file's document with `source` and its path.
pub(crate) fn stamp(doc: &mut Value, source: usize) {
    for_each_entry(doc, |entry, path| {
        let value = std::mem::take(entry);
        *entry = Value::Tagged(Box::new(TaggedValue {
            tag: Tag::new(format!("{MARK}{source}{SEP}{path}")),
            value,
        }));
    });
}

/// `converted` with the origin of `entry`, the list entry it was made from.
pub(crate) fn keep(entry: &Value, converted: Value) -> Value {
    match origin_tag(entry) {
        Some(tag) => Value::Tagged(Box::new(TaggedValue {
            tag: tag.clone(),
            value: converted,
        })),
        None => converted,
    }
}

/// Where each entry of the merged document's tracked lists was written.
pub(crate) fn collect(doc: &mut Value) -> Vec<Origin> {
    let mut out = Vec::new();
    for_each_entry(doc, |entry, merged| {
        if let Some((source, written)) = origin_tag(entry).and_then(|t| parse(&t.to_string())) {
            out.push(Origin {
                merged: merged.to_string(),
                source,
                written,
            });
        }
    });
    out
}

/// `value` without origin tags, to compare what two files wrote.
pub(crate) fn erased(value: &Value) -> Value {
    match value {
        Value::Tagged(t) if is_origin(&t.tag) => erased(&t.value),
        Value::Tagged(t) => Value::Tagged(Box::new(TaggedValue {
            tag: t.tag.clone(),
            value: erased(&t.value),
        })),
        Value::Mapping(m) => {
            Value::Mapping(m.iter().map(|(k, v)| (k.clone(), erased(v))).collect())
        }
        Value::Sequence(s) => Value::Sequence(s.iter().map(erased).collect()),
        other => other.clone(),
    }
}

fn is_origin(tag: &Tag) -> bool {
    tag.to_string().trim_start_matches('!').starts_with(MARK)
}

fn origin_tag(entry: &Value) -> Option<&Tag> {
    let mut v = entry;
    while let Value::Tagged(t) = v {
        if is_origin(&t.tag) {
            return Some(&t.tag);
        }
        v = &t.value;
    }
    None
}

fn parse(tag: &str) -> Option<(usize, String)> {
    let rest = tag.trim_start_matches('!').strip_prefix(MARK)?;
    let (source, path) = rest.split_once(SEP)?;
    Some((source.parse().ok()?, path.to_string()))
}

/// `f(entry, path)` for each entry of the tracked lists of every service.
fn for_each_entry(doc: &mut Value, mut f: impl FnMut(&mut Value, &str)) {
    let Some(Value::Mapping(services)) = untag_mut(doc).get_mut("services").map(untag_mut) else {
        return;
    };
    for (name, service) in services.iter_mut() {
        let service_path = child("services", &key_string(name).unwrap_or_default());
        let Value::Mapping(service) = untag_mut(service) else {
            continue;
        };
        for list in LISTS {
            each_entry(service, list, &service_path, &mut f);
        }
        let Some(Value::Mapping(networks)) = service.get_mut("networks").map(untag_mut) else {
            continue;
        };
        let networks_path = child(&service_path, "networks");
        for (name, network) in networks.iter_mut() {
            let network_path = child(&networks_path, &key_string(name).unwrap_or_default());
            if let Value::Mapping(network) = untag_mut(network) {
                for list in NETWORK_LISTS {
                    each_entry(network, list, &network_path, &mut f);
                }
            }
        }
    }
}

/// `f(entry, path)` for each entry of `parent[list]` when it is a list.
fn each_entry(
    parent: &mut Mapping,
    list: &str,
    parent_path: &str,
    f: &mut impl FnMut(&mut Value, &str),
) {
    if let Some(Value::Sequence(entries)) = parent.get_mut(list).map(untag_mut) {
        let list_path = child(parent_path, list);
        for (i, entry) in entries.iter_mut().enumerate() {
            f(entry, &index(&list_path, i));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::canonical::canonicalize;
    use crate::loader::merge::merge;
    use crate::loader::value::untag;

    fn stamped(yaml: &str, source: usize) -> Value {
        let mut doc: Value = serde_yaml::from_str(yaml).unwrap();
        stamp(&mut doc, source);
        canonicalize(&mut doc).unwrap();
        doc
    }

    #[test]
    fn merged_entries_remember_the_file_and_index_they_were_written_at() {
        let base = stamped(
            "services:\n  web:\n    ports: [\"80\"]\n    secrets: [a]\n",
            0,
        );
        let over = stamped(
            "services:\n  web:\n    ports: [\"8000-8001:90-91\", {target: 82}]\n    secrets: [b]\n",
            1,
        );
        let mut doc = merge(base, over, "");
        let origins = collect(&mut doc);
        let find = |merged: &str| {
            origins
                .iter()
                .find(|o| o.merged == merged)
                .map(|o| (o.source, o.written.as_str()))
        };
        assert_eq!(
            find("services.web.ports[0]"),
            Some((0, "services.web.ports[0]"))
        );
        // Both entries of the range come from the range's item.
        assert_eq!(
            find("services.web.ports[1]"),
            Some((1, "services.web.ports[0]"))
        );
        assert_eq!(
            find("services.web.ports[2]"),
            Some((1, "services.web.ports[0]"))
        );
        assert_eq!(
            find("services.web.ports[3]"),
            Some((1, "services.web.ports[1]"))
        );
        assert_eq!(
            find("services.web.secrets[1]"),
            Some((1, "services.web.secrets[0]"))
        );
        assert!(matches!(
            untag(&doc["services"]["web"]["secrets"][1]),
            Value::Mapping(_)
        ));
    }

    #[test]
    fn erased_documents_compare_equal_whatever_file_they_came_from() {
        let yaml = "services:\n  web:\n    volumes: [\"a:/a\"]\n";
        assert_ne!(stamped(yaml, 0), stamped(yaml, 1));
        assert_eq!(erased(&stamped(yaml, 0)), erased(&stamped(yaml, 1)));
    }

    #[test]
    fn erasing_keeps_the_tags_a_file_wrote() {
        let tagged = |tag: &str| {
            Value::Tagged(Box::new(TaggedValue {
                tag: Tag::new(tag),
                value: Value::from("x"),
            }))
        };
        // Two files that write `!reset x` and `!override x` do not define the same thing.
        assert_eq!(erased(&tagged("reset")), tagged("reset"));
        assert_ne!(erased(&tagged("reset")), erased(&tagged("override")));
    }
}
