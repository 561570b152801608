//! What changes inside a resource, for `diff` and `up --dry-run`: the deployed template's resource
//! compared with the new one, property by property (`ContainerDefinitions[web].Image: nginx:1.25 ->
//! nginx:1.27`), and the stack parameters that change (the image digests of built services).
//!
//! Lists whose items are named (containers, environment variables, secrets: `Name`; tags: `Key`)
//! are compared item by item by name, so adding one variable shows one line, not a shifted list.

use std::collections::BTreeSet;

use serde_json::Value;

/// Longest value shown; longer ones are cut in the middle.
const MAX_VALUE: usize = 100;

/// One value that changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyChange {
    /// `ContainerDefinitions[web].Environment[LOG_LEVEL]`.
    pub path: String,
    /// `None`: not set before (or no longer set after).
    pub before: Option<String>,
    pub after: Option<String>,
}

impl PropertyChange {
    /// `path: before -> after`, `path: added value`, `path: removed (was value)`.
    pub fn text(&self) -> String {
        match (&self.before, &self.after) {
            (Some(before), Some(after)) => format!("{}: {before} -> {after}", self.path),
            (None, Some(after)) => format!("{}: added {after}", self.path),
            (Some(before), None) => format!("{}: removed (was {before})", self.path),
            (None, None) => self.path.clone(),
        }
    }
}

/// The property changes between two versions of a resource (their `Properties`, plus the
/// attributes next to them such as `DependsOn`).
pub fn resource_changes(before: &Value, after: &Value) -> Vec<PropertyChange> {
    let mut changes = Vec::new();
    let before = before.get("Properties").unwrap_or(&Value::Null);
    let after = after.get("Properties").unwrap_or(&Value::Null);
    compare("", before, after, &mut changes);
    for change in &mut changes {
        if is_secret(&change.path) {
            change.before = change.before.as_ref().map(|_| "(hidden)".into());
            change.after = change.after.as_ref().map(|_| "(hidden)".into());
        }
    }
    changes
}

/// Parameter values that change; a parameter the template no longer has is left out (it goes
/// with the template).
pub fn parameter_changes(
    before: &[(String, String)],
    after: &[(String, String)],
) -> Vec<PropertyChange> {
    after
        .iter()
        .filter_map(|(key, value)| {
            let old = before.iter().find(|(k, _)| k == key).map(|(_, v)| v);
            let same = old.is_some_and(|old| list_text(old) == list_text(value));
            (!same).then(|| PropertyChange {
                path: key.clone(),
                before: old.map(|v| shorten(v)),
                after: Some(shorten(value)),
            })
        })
        .collect()
}

/// A list parameter's value as `a,b`: some endpoints give it back as `['a', 'b']`.
fn list_text(value: &str) -> String {
    match value.strip_prefix("['").and_then(|v| v.strip_suffix("']")) {
        Some(items) => items.split("', '").collect::<Vec<_>>().join(","),
        None => value.to_string(),
    }
}

/// A change set's own before/after values of a property (DescribeChangeSet with property values):
/// `/Properties/ContainerDefinitions/0/Image` becomes `ContainerDefinitions[0].Image`. They show
/// what a template comparison cannot: values resolved from parameters (a new image digest).
pub fn from_change_set(
    path: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Option<PropertyChange> {
    if before == after {
        return None;
    }
    let mut shown = String::new();
    for part in path
        .trim_start_matches("/Properties")
        .split('/')
        .filter(|p| !p.is_empty())
    {
        if part.chars().all(|c| c.is_ascii_digit()) {
            shown.push_str(&format!("[{part}]"));
        } else {
            if !shown.is_empty() {
                shown.push('.');
            }
            shown.push_str(part);
        }
    }
    if shown.is_empty() {
        return None;
    }
    let hidden = is_secret(&shown);
    let value = |v: Option<&str>| {
        v.map(|v| {
            if hidden {
                "(hidden)".into()
            } else {
                shorten(v)
            }
        })
    };
    Some(PropertyChange {
        path: shown,
        before: value(before),
        after: value(after),
    })
}

fn compare(path: &str, before: &Value, after: &Value, out: &mut Vec<PropertyChange>) {
    if before == after {
        return;
    }
    // A named list or an object that appears or goes: item by item, as when it changes.
    let empty_list = Value::Array(Vec::new());
    let empty_object = Value::Object(serde_json::Map::new());
    let absent = |other: &Value| match other {
        Value::Array(items) if name_key(items).is_some() => Some(&empty_list),
        Value::Object(_) if !is_intrinsic(other) => Some(&empty_object),
        _ => None,
    };
    let (before, after) = match (before, after) {
        (Value::Null, other) => (absent(other).unwrap_or(before), after),
        (other, Value::Null) => (before, absent(other).unwrap_or(after)),
        _ => (before, after),
    };
    match (before, after) {
        (Value::Object(a), Value::Object(b)) if !is_intrinsic(before) && !is_intrinsic(after) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let null = Value::Null;
                compare(
                    &join(path, key),
                    a.get(key.as_str()).unwrap_or(&null),
                    b.get(key.as_str()).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) => match (name_key(a), name_key(b)) {
            // An empty list names nothing: the other one says how its items are named.
            (Some(key_a), Some(key_b)) if key_a == key_b || a.is_empty() || b.is_empty() => {
                let key_a = if a.is_empty() { key_b } else { key_a };
                let names: Vec<&str> = ordered_names(a, b, key_a);
                for name in names {
                    let null = Value::Null;
                    let find = |items: &[Value]| {
                        items
                            .iter()
                            .find(|i| i.get(key_a).and_then(Value::as_str) == Some(name))
                            .cloned()
                    };
                    let (x, y) = (find(a), find(b));
                    let item_path = format!("{path}[{name}]");
                    match (&x, &y) {
                        // An environment variable or tag: its value is the news, not its name.
                        (Some(x), Some(y)) if is_pair(x) && is_pair(y) => {
                            compare(&item_path, pair_value(x), pair_value(y), out)
                        }
                        (Some(x), None) if is_pair(x) => {
                            compare(&item_path, pair_value(x), &null, out)
                        }
                        (None, Some(y)) if is_pair(y) => {
                            compare(&item_path, &null, pair_value(y), out)
                        }
                        _ => compare(
                            &item_path,
                            x.as_ref().unwrap_or(&null),
                            y.as_ref().unwrap_or(&null),
                            out,
                        ),
                    }
                }
            }
            _ if a.len() == b.len() => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    compare(&format!("{path}[{i}]"), x, y, out);
                }
            }
            _ => out.push(change(path, before, after)),
        },
        _ => out.push(change(path, before, after)),
    }
}

fn change(path: &str, before: &Value, after: &Value) -> PropertyChange {
    let shown = |v: &Value| (!v.is_null()).then(|| shorten(&value_text(v)));
    PropertyChange {
        path: if path.is_empty() {
            "Properties".into()
        } else {
            path.to_string()
        },
        before: shown(before),
        after: shown(after),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `{"Ref": ...}`, `{"Fn::GetAtt": ...}`: one value, not an object to walk into.
fn is_intrinsic(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|o| o.len() == 1 && o.keys().all(|k| k == "Ref" || k.starts_with("Fn::")))
}

/// The key that names every item of a list of objects (`Name`, else `Key`), if any.
fn name_key(items: &[Value]) -> Option<&'static str> {
    if items.is_empty() {
        // Any naming fits an empty list.
        return Some("Name");
    }
    ["Name", "Key"].into_iter().find(|key| {
        let names: Vec<Option<&str>> = items
            .iter()
            .map(|i| i.get(*key).and_then(Value::as_str))
            .collect();
        let unique: BTreeSet<&str> = names.iter().flatten().copied().collect();
        names.iter().all(Option::is_some) && unique.len() == names.len()
    })
}

/// Names in the new order, then those only the old list had.
fn ordered_names<'a>(before: &'a [Value], after: &'a [Value], key: &str) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for item in after.iter().chain(before) {
        if let Some(name) = item.get(key).and_then(Value::as_str) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// `{Name, Value}` / `{Key, Value}` / `{Name, ValueFrom}`: a named value.
fn is_pair(item: &Value) -> bool {
    item.as_object().is_some_and(|o| {
        o.len() == 2
            && (o.contains_key("Name") || o.contains_key("Key"))
            && (o.contains_key("Value") || o.contains_key("ValueFrom"))
    })
}

fn pair_value(item: &Value) -> &Value {
    item.get("Value")
        .or_else(|| item.get("ValueFrom"))
        .unwrap_or(&Value::Null)
}

/// Values that must not be printed: a secret's content.
fn is_secret(path: &str) -> bool {
    path.contains("SecretString")
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// At most [`MAX_VALUE`] characters: the start and the end, which tell digests and URLs apart.
fn shorten(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= MAX_VALUE {
        return text.to_string();
    }
    let half = MAX_VALUE / 2 - 1;
    let head: String = chars[..half].iter().collect();
    let tail: String = chars[chars.len() - half..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(changes: &[PropertyChange]) -> Vec<String> {
        changes.iter().map(PropertyChange::text).collect()
    }

    fn task_definition(image: &str, env: Value, cpu: &str) -> Value {
        json!({"Type": "AWS::ECS::TaskDefinition", "Properties": {
            "Cpu": cpu,
            "ContainerDefinitions": [
                {"Name": "web_ResolvConf_InitContainer", "Image": "public.ecr.aws/docker/library/alpine"},
                {"Name": "web", "Image": image, "Environment": env,
                 "PortMappings": [{"ContainerPort": 80, "Protocol": "tcp"}]}
            ]
        }})
    }

    #[test]
    fn image_environment_and_size_changes_name_their_container_and_variable() {
        let before = task_definition(
            "nginx:1.25",
            json!([{"Name": "LOG_LEVEL", "Value": "info"}, {"Name": "MODE", "Value": "a"}]),
            "256",
        );
        let after = task_definition(
            "nginx:1.27",
            json!([{"Name": "DEBUG", "Value": "1"}, {"Name": "LOG_LEVEL", "Value": "debug"}]),
            "512",
        );
        assert_eq!(
            texts(&resource_changes(&before, &after)),
            [
                "ContainerDefinitions[web].Environment[DEBUG]: added 1",
                "ContainerDefinitions[web].Environment[LOG_LEVEL]: info -> debug",
                "ContainerDefinitions[web].Environment[MODE]: removed (was a)",
                "ContainerDefinitions[web].Image: nginx:1.25 -> nginx:1.27",
                "Cpu: 256 -> 512",
            ]
        );
    }

    #[test]
    fn port_lists_without_names_compare_by_position_or_as_a_whole() {
        let service = |ports: Value| json!({"Properties": {"LoadBalancers": ports}});
        let one = json!([{"ContainerPort": 80, "TargetGroupArn": {"Ref": "WebTG80"}}]);
        let other = json!([{"ContainerPort": 8080, "TargetGroupArn": {"Ref": "WebTG8080"}}]);
        assert_eq!(
            texts(&resource_changes(&service(one.clone()), &service(other))),
            [
                "LoadBalancers[0].ContainerPort: 80 -> 8080",
                r#"LoadBalancers[0].TargetGroupArn: {"Ref":"WebTG80"} -> {"Ref":"WebTG8080"}"#,
            ]
        );
        let two = json!([{"ContainerPort": 80}, {"ContainerPort": 443}]);
        assert_eq!(
            texts(&resource_changes(&service(one), &service(two))),
            [
                r#"LoadBalancers: [{"ContainerPort":80,"TargetGroupArn":{"Ref":"WebTG80"}}] -> [{"ContainerPort":80},{"ContainerPort":443}]"#
            ]
        );
    }

    #[test]
    fn a_first_variable_or_port_is_one_line_per_item() {
        let plain = json!({"Properties": {"ContainerDefinitions": [{"Name": "web"}]}});
        let with = json!({"Properties": {"ContainerDefinitions": [{"Name": "web",
            "Environment": [{"Name": "LOG_LEVEL", "Value": "debug"}],
            "HealthCheck": {"Retries": 3}}]}});
        assert_eq!(
            texts(&resource_changes(&plain, &with)),
            [
                "ContainerDefinitions[web].Environment[LOG_LEVEL]: added debug",
                "ContainerDefinitions[web].HealthCheck.Retries: added 3",
            ]
        );
        assert_eq!(
            texts(&resource_changes(&with, &plain)),
            [
                "ContainerDefinitions[web].Environment[LOG_LEVEL]: removed (was debug)",
                "ContainerDefinitions[web].HealthCheck.Retries: removed (was 3)",
            ]
        );
    }

    #[test]
    fn a_list_parameter_given_back_as_a_bracketed_list_is_unchanged() {
        let deployed = [(
            "Subnets".to_string(),
            "['subnet-1', 'subnet-2']".to_string(),
        )];
        let same = [("Subnets".to_string(), "subnet-1,subnet-2".to_string())];
        assert!(parameter_changes(&deployed, &same).is_empty());
        let other = [("Subnets".to_string(), "subnet-1,subnet-3".to_string())];
        assert_eq!(parameter_changes(&deployed, &other).len(), 1);
    }

    #[test]
    fn a_change_sets_values_read_as_paths_into_the_resource() {
        let change = from_change_set(
            "/Properties/ContainerDefinitions/1/Image",
            Some("repo@sha256:aaa"),
            Some("repo@sha256:bbb"),
        )
        .unwrap();
        assert_eq!(
            change.text(),
            "ContainerDefinitions[1].Image: repo@sha256:aaa -> repo@sha256:bbb"
        );
        assert_eq!(
            from_change_set("/Properties/Cpu", Some("256"), Some("256")),
            None
        );
        let secret = from_change_set("/Properties/SecretString", Some("a"), Some("b")).unwrap();
        assert_eq!(secret.text(), "SecretString: (hidden) -> (hidden)");
    }

    #[test]
    fn a_secrets_content_is_never_printed() {
        let secret = |value: &str| json!({"Properties": {"Name": "db", "SecretString": value}});
        let changes = resource_changes(&secret("hunter2"), &secret("correct horse"));
        assert_eq!(texts(&changes), ["SecretString: (hidden) -> (hidden)"]);
    }

    #[test]
    fn tags_compare_by_key_and_unchanged_resources_say_nothing() {
        let tagged = |v: &str| json!({"Properties": {"Tags": [{"Key": "team", "Value": v}]}});
        assert_eq!(
            texts(&resource_changes(&tagged("a"), &tagged("b"))),
            ["Tags[team]: a -> b"]
        );
        assert!(resource_changes(&tagged("a"), &tagged("a")).is_empty());
    }

    #[test]
    fn parameters_show_new_digests_cut_in_the_middle_when_long() {
        let repo = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app/web";
        let old = format!("{repo}@sha256:{}", "a".repeat(64));
        let new = format!("{repo}@sha256:{}", "b".repeat(64));
        let changes = parameter_changes(
            &[("WebImage".into(), old), ("VpcId".into(), "vpc-1".into())],
            &[
                ("WebImage".into(), new.clone()),
                ("VpcId".into(), "vpc-1".into()),
                ("ApiImage".into(), "nginx".into()),
            ],
        );
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(changes[0].path, "WebImage");
        let after = changes[0].after.as_deref().unwrap();
        assert_eq!(after.chars().count(), MAX_VALUE - 1);
        assert!(after.starts_with("123456789012.dkr.ecr") && after.ends_with("bbbbbbbb"));
        assert_eq!(changes[1].text(), "ApiImage: added nginx");
    }
}
