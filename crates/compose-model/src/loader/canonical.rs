//! Short syntax to long syntax in one file's document, before files are merged, so that merging
//! can match entries by key (a port by host_ip/published/target/protocol, a volume by target, an
//! environment variable by name...) whatever syntax each file used. compose-go does the same.

use serde_yaml::{Mapping, Value};

use super::normalize::{ports, volumes};
use super::origins;
use super::value::{child, index, key_string, kind, scalar_string, untag, untag_mut};

/// A problem at a path of the document being canonicalised.
pub(crate) type CanonicalError = (String, String);

pub(crate) fn canonicalize(doc: &mut Value) -> Result<(), CanonicalError> {
    let Value::Mapping(top) = untag_mut(doc) else {
        return Ok(());
    };
    if let Some(services) = top.get_mut("services") {
        if let Value::Mapping(services) = untag_mut(services) {
            let mut ports = 0;
            for (name, service) in services.iter_mut() {
                let path = child("services", &key_string(name).unwrap_or_default());
                if let Value::Mapping(service) = untag_mut(service) {
                    service_fields(service, &path, &mut ports)?;
                }
            }
        }
    }
    for section in ["networks", "volumes", "secrets", "configs"] {
        if let Some(Value::Mapping(items)) = top.get_mut(section).map(untag_mut) {
            for (name, item) in items.iter_mut() {
                let path = child(section, &key_string(name).unwrap_or_default());
                if let Value::Mapping(item) = untag_mut(item) {
                    in_place(item, "labels", &path, list_to_map)?;
                }
            }
        }
    }
    Ok(())
}

/// `ports` counts the port entries of the file so far (ranges expanded).
fn service_fields(
    service: &mut Mapping,
    path: &str,
    ports: &mut usize,
) -> Result<(), CanonicalError> {
    in_place(service, "ports", path, |v, p| {
        ports::canonical(v, ports)
            .map(Value::Sequence)
            .map_err(|(suffix, m)| (format!("{p}{suffix}"), m))
    })?;
    in_place(service, "volumes", path, |v, p| {
        volumes::canonical(v)
            .map(Value::Sequence)
            .map_err(|(i, m)| at(p, i, m))
    })?;
    in_place(service, "secrets", path, file_references)?;
    in_place(service, "configs", path, file_references)?;
    in_place(service, "environment", path, list_to_map)?;
    in_place(service, "labels", path, list_to_map)?;
    in_place(service, "depends_on", path, depends_on)?;
    in_place(service, "networks", path, list_to_null_map)?;
    in_place(service, "env_file", path, env_file)?;
    in_place(service, "build", path, |v, _| {
        Ok(match untag(v) {
            Value::String(s) => single("context", s),
            _ => v.clone(),
        })
    })?;
    in_place(service, "extends", path, |v, _| {
        Ok(match untag(v) {
            Value::String(s) => single("service", s),
            _ => v.clone(),
        })
    })?;
    if let Some(Value::Mapping(build)) = service.get_mut("build").map(untag_mut) {
        let p = child(path, "build");
        in_place(build, "args", &p, list_to_map)?;
        in_place(build, "labels", &p, list_to_map)?;
    }
    if let Some(Value::Mapping(deploy)) = service.get_mut("deploy").map(untag_mut) {
        in_place(deploy, "labels", &child(path, "deploy"), list_to_map)?;
    }
    Ok(())
}

fn at(path: &str, i: usize, message: String) -> CanonicalError {
    if i == usize::MAX {
        (path.to_string(), message)
    } else {
        (index(path, i), message)
    }
}

fn single(key: &str, value: &str) -> Value {
    let mut m = Mapping::new();
    m.insert(key.into(), value.into());
    Value::Mapping(m)
}

/// Replace `map[key]` by `f(value)`, keeping a `!reset`/`!override` tag around it.
fn in_place(
    map: &mut Mapping,
    key: &str,
    parent: &str,
    f: impl FnOnce(&Value, &str) -> Result<Value, CanonicalError>,
) -> Result<(), CanonicalError> {
    let Some(slot) = map.get_mut(key) else {
        return Ok(());
    };
    let inner = untag_mut(slot);
    if matches!(inner, Value::Null) {
        return Ok(());
    }
    let path = child(parent, key);
    *inner = f(inner, &path)?;
    Ok(())
}

/// What a list-or-mapping attribute must hold, for error messages.
struct Expected {
    /// One list item: "a string", "a name"...
    item: &'static str,
    /// The whole value when it is neither a list nor a mapping.
    whole: &'static str,
}

/// A list of scalars as a mapping, `entry` giving each item's key and value; a mapping stays.
fn list_to_mapping(
    value: &Value,
    path: &str,
    expected: Expected,
    entry: impl Fn(String) -> (Value, Value),
) -> Result<Value, CanonicalError> {
    match untag(value) {
        Value::Sequence(seq) => {
            let mut m = Mapping::new();
            for (i, item) in seq.iter().enumerate() {
                let s = scalar_string(item).ok_or_else(|| {
                    (
                        index(path, i),
                        format!("must be {}, not {}", expected.item, kind(item)),
                    )
                })?;
                let (k, v) = entry(s);
                m.insert(k, v);
            }
            Ok(Value::Mapping(m))
        }
        Value::Mapping(_) => Ok(value.clone()),
        other => Err((
            path.to_string(),
            format!("must be {}, not {}", expected.whole, kind(other)),
        )),
    }
}

/// `["A=1", "B"]` -> `{A: "1", B: null}`.
fn list_to_map(value: &Value, path: &str) -> Result<Value, CanonicalError> {
    let expected = Expected {
        item: "a string",
        whole: "a mapping or a list of KEY=VALUE",
    };
    list_to_mapping(value, path, expected, |s| match s.split_once('=') {
        Some((k, v)) => (k.into(), v.into()),
        None => (s.into(), Value::Null),
    })
}

/// `[a, b]` -> `{a: null, b: null}`.
fn list_to_null_map(value: &Value, path: &str) -> Result<Value, CanonicalError> {
    let expected = Expected {
        item: "a name",
        whole: "a list or a mapping",
    };
    list_to_mapping(value, path, expected, |s| (s.into(), Value::Null))
}

/// `[db]` -> `{db: {condition: service_started, required: true}}`.
fn depends_on(value: &Value, path: &str) -> Result<Value, CanonicalError> {
    let expected = Expected {
        item: "a service name",
        whole: "a list or a mapping",
    };
    list_to_mapping(value, path, expected, |s| {
        let mut dep = Mapping::new();
        dep.insert("condition".into(), "service_started".into());
        dep.insert("required".into(), true.into());
        (s.into(), Value::Mapping(dep))
    })
}

/// Each item of a list in its long form: a string becomes `long(s)`, a mapping stays; `item`
/// names what an item must be, for errors.
fn items_to_long_form(
    seq: &[Value],
    path: &str,
    item: &str,
    long: impl Fn(&str) -> Value,
) -> Result<Value, CanonicalError> {
    seq.iter()
        .enumerate()
        .map(|(i, entry)| match untag(entry) {
            Value::String(s) => Ok(origins::keep(entry, long(s))),
            Value::Mapping(_) => Ok(entry.clone()),
            other => Err((
                index(path, i),
                format!("must be {item}, not {}", kind(other)),
            )),
        })
        .collect::<Result<_, _>>()
        .map(Value::Sequence)
}

/// `s` -> `{source: s}` for each entry.
fn file_references(value: &Value, path: &str) -> Result<Value, CanonicalError> {
    match untag(value) {
        Value::Sequence(seq) => {
            items_to_long_form(seq, path, "a name or a mapping", |s| single("source", s))
        }
        other => Err((
            path.to_string(),
            format!("must be a list, not {}", kind(other)),
        )),
    }
}

/// `env_file` as a list of `{path, required}`.
fn env_file(value: &Value, path: &str) -> Result<Value, CanonicalError> {
    let entry = |s: &str| {
        let mut m = Mapping::new();
        m.insert("path".into(), s.into());
        m.insert("required".into(), true.into());
        Value::Mapping(m)
    };
    match untag(value) {
        Value::String(s) => Ok(Value::Sequence(vec![entry(s)])),
        Value::Sequence(seq) => items_to_long_form(seq, path, "a path or a mapping", entry),
        other => Err((
            path.to_string(),
            format!("must be a path or a list, not {}", kind(other)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(yaml: &str) -> serde_json::Value {
        let mut v: Value = serde_yaml::from_str(yaml).unwrap();
        canonicalize(&mut v).unwrap();
        crate::loader::value::to_json(&v)
    }

    #[test]
    fn lists_become_maps() {
        let v = canon("services:\n  web:\n    environment: [A=1, B]\n    labels: [x=y]\n    networks: [front]\n    depends_on: [db]\n");
        let web = &v["services"]["web"];
        assert_eq!(web["environment"], serde_json::json!({"A": "1", "B": null}));
        assert_eq!(web["labels"], serde_json::json!({"x": "y"}));
        assert_eq!(web["networks"], serde_json::json!({"front": null}));
        assert_eq!(web["depends_on"]["db"]["condition"], "service_started");
    }

    #[test]
    fn short_strings_become_long_forms() {
        let v = canon("services:\n  web:\n    build: ./app\n    env_file: .env.web\n    secrets: [s]\n    extends: base\n");
        let web = &v["services"]["web"];
        assert_eq!(web["build"], serde_json::json!({"context": "./app"}));
        assert_eq!(
            web["env_file"],
            serde_json::json!([{"path": ".env.web", "required": true}])
        );
        assert_eq!(web["secrets"], serde_json::json!([{"source": "s"}]));
        assert_eq!(web["extends"], serde_json::json!({"service": "base"}));
    }

    #[test]
    fn tags_are_kept() {
        let mut v: Value =
            serde_yaml::from_str("services:\n  web:\n    ports: !override [\"80\"]\n").unwrap();
        canonicalize(&mut v).unwrap();
        let ports = &v["services"]["web"]["ports"];
        assert!(matches!(ports, Value::Tagged(_)));
    }

    #[test]
    fn list_conversions_name_the_item_or_the_attribute_in_errors() {
        let cases = [
            (
                "environment: [A=1, {B: 2}]",
                "services.web.environment[1]",
                "must be a string, not a mapping",
            ),
            (
                "environment: A=1",
                "services.web.environment",
                "must be a mapping or a list of KEY=VALUE, not a string",
            ),
            (
                "networks: [front, [back]]",
                "services.web.networks[1]",
                "must be a name, not a list",
            ),
            (
                "networks: front",
                "services.web.networks",
                "must be a list or a mapping, not a string",
            ),
            (
                "depends_on: [{db: {}}]",
                "services.web.depends_on[0]",
                "must be a service name, not a mapping",
            ),
            (
                "depends_on: 3",
                "services.web.depends_on",
                "must be a list or a mapping, not a number",
            ),
            (
                "secrets: [s, [t]]",
                "services.web.secrets[1]",
                "must be a name or a mapping, not a list",
            ),
            (
                "secrets: s",
                "services.web.secrets",
                "must be a list, not a string",
            ),
            (
                "volumes: [./a:/a, 3]",
                "services.web.volumes[1]",
                "must be a volume string or mapping, not a number",
            ),
            (
                "volumes: ./a:/a",
                "services.web.volumes",
                "must be a list, not a string",
            ),
            (
                "env_file: [a.env, 3]",
                "services.web.env_file[1]",
                "must be a path or a mapping, not a number",
            ),
            (
                "env_file: {path: a}",
                "services.web.env_file",
                "must be a path or a list, not a mapping",
            ),
        ];
        for (attribute, path, message) in cases {
            let mut v: Value =
                serde_yaml::from_str(&format!("services:\n  web:\n    {attribute}\n")).unwrap();
            let err = canonicalize(&mut v).unwrap_err();
            assert_eq!(err, (path.to_string(), message.to_string()), "{attribute}");
        }
    }

    #[test]
    fn errors_name_the_entry() {
        let mut v: Value =
            serde_yaml::from_str("services:\n  web:\n    ports: [\"80\", \"x:y\"]\n").unwrap();
        let (path, message) = canonicalize(&mut v).unwrap_err();
        assert_eq!(path, "services.web.ports[1]");
        assert!(message.contains("invalid port \"x:y\""), "{message}");
    }
}
