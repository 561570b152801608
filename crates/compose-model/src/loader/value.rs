//! Small helpers over `serde_yaml::Value`: paths, tags, key conversion and conversion to JSON.

use serde_yaml::Value;

/// `services` + `web` -> `services.web`; an empty parent gives the key alone.
pub(crate) fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `services.web.ports` + 1 -> `services.web.ports[1]`.
pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// The tag name without its `!` (`!reset` -> `reset`).
pub(crate) fn tag_name(tagged: &serde_yaml::value::TaggedValue) -> String {
    tagged.tag.to_string().trim_start_matches('!').to_string()
}

/// The value under any YAML tags.
pub(crate) fn untag(value: &Value) -> &Value {
    let mut v = value;
    while let Value::Tagged(t) = v {
        v = &t.value;
    }
    v
}

pub(crate) fn untag_mut(value: &mut Value) -> &mut Value {
    let mut v = value;
    while let Value::Tagged(t) = v {
        v = &mut t.value;
    }
    v
}

/// Remove every tag left after merging (`!reset`/`!override` only mean something during a merge).
pub(crate) fn strip_tags(value: &mut Value) {
    loop {
        match value {
            Value::Tagged(t) => {
                let inner = std::mem::take(&mut t.value);
                *value = inner;
            }
            Value::Mapping(m) => {
                for v in m.values_mut() {
                    strip_tags(v);
                }
                return;
            }
            Value::Sequence(s) => {
                for v in s.iter_mut() {
                    strip_tags(v);
                }
                return;
            }
            _ => return,
        }
    }
}

/// A mapping key as text: strings as they are, numbers and booleans printed; `None` for anything else.
pub(crate) fn key_string(key: &Value) -> Option<String> {
    match untag(key) {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A scalar as text (what compose does for `environment`, `labels`, ... values).
pub(crate) fn scalar_string(value: &Value) -> Option<String> {
    match untag(value) {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// What kind of YAML node this is, for error messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match untag(value) {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// YAML to JSON for the fields kept "as written" (`other`, `extensions`). Non-string keys are
/// printed; non-finite floats become null (JSON has no NaN).
pub(crate) fn to_json(value: &Value) -> serde_json::Value {
    match untag(value) {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                serde_json::Value::from(i)
            } else if let Some(u) = n.as_u64() {
                serde_json::Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null)
            }
        }
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Sequence(seq) => serde_json::Value::Array(seq.iter().map(to_json).collect()),
        Value::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = key_string(k).unwrap_or_else(|| {
                    serde_yaml::to_string(k)
                        .map(|s| s.trim().to_string())
                        .unwrap_or_default()
                });
                out.insert(key, to_json(v));
            }
            serde_json::Value::Object(out)
        }
        Value::Tagged(_) => serde_json::Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_keys_and_indices() {
        assert_eq!(child("", "services"), "services");
        assert_eq!(child("services", "web"), "services.web");
        assert_eq!(index("services.web.ports", 1), "services.web.ports[1]");
    }

    #[test]
    fn strip_tags_removes_nested_tags() {
        let mut v: Value = serde_yaml::from_str("a: !reset []\nb: [!override {c: 1}]").unwrap();
        strip_tags(&mut v);
        let expected: Value = serde_yaml::from_str("a: []\nb: [{c: 1}]").unwrap();
        assert_eq!(v, expected);
    }

    #[test]
    fn to_json_prints_non_string_keys() {
        let v: Value = serde_yaml::from_str("1: true\nx: [1.5, null]").unwrap();
        assert_eq!(
            to_json(&v),
            serde_json::json!({"1": true, "x": [1.5, null]})
        );
    }
}
