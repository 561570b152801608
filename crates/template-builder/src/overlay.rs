//! `x-aws-cloudformation`: a partial template merged over the generated one, to set what Compose
//! cannot say. Maps merge key by key (recursively); scalars and lists replace.

use serde_json::Value;

use crate::Error;

pub fn merge(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, overlay) => *base = overlay.clone(),
    }
}

/// Apply the project's overlay, if any.
pub fn apply(template: &mut Value, overlay: Option<&Value>) -> Result<(), Error> {
    match overlay {
        None | Some(Value::Null) => Ok(()),
        Some(overlay @ Value::Object(_)) => {
            merge(template, overlay);
            match broken(template).into_iter().next() {
                None => Ok(()),
                Some(message) => Err(Error {
                    service: None,
                    attribute: "x-aws-cloudformation".into(),
                    message,
                }),
            }
        }
        Some(other) => Err(Error {
            service: None,
            attribute: "x-aws-cloudformation".into(),
            message: format!("expected a map (a partial CloudFormation template), got {other}"),
        }),
    }
}

/// What the merged template would fail on at deploy time, found offline: a resource without a
/// Type (an overlay that set it to null or left out its Type), and a Ref, Fn::GetAtt or DependsOn
/// naming something the template does not declare (an output or rule pointing at a resource the
/// overlay removed or misspelt).
fn broken(template: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let resources = template.get("Resources").and_then(Value::as_object);
    let parameters = template.get("Parameters").and_then(Value::as_object);
    let is_resource =
        |name: &str| resources.is_some_and(|r| r.get(name).is_some_and(Value::is_object));
    for (name, resource) in resources.into_iter().flatten() {
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
        if !(kind.starts_with("AWS::") || kind.starts_with("Custom::")) {
            problems.push(format!(
                "Resources.{name} has no resource Type (AWS::... or Custom::...): an overlay changes resources, it cannot remove one"
            ));
        }
        let depends_on = match resource.get("DependsOn") {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for target in depends_on {
            if !is_resource(target) {
                problems.push(format!(
                    "Resources.{name}.DependsOn names {target:?}, which is not a resource of the template"
                ));
            }
        }
    }
    let mut references = Vec::new();
    for section in ["Resources", "Outputs", "Conditions"] {
        if let Some(Value::Object(entries)) = template.get(section) {
            for (name, value) in entries {
                collect_references(&format!("{section}.{name}"), value, &mut references);
            }
        }
    }
    for (at, kind, target) in references {
        let known = match kind {
            "Ref" => {
                target.starts_with("AWS::")
                    || is_resource(&target)
                    || parameters.is_some_and(|p| p.contains_key(&target))
            }
            _ => is_resource(&target),
        };
        if !known {
            problems.push(format!(
                "{at}: {kind} names {target:?}, which the template does not declare"
            ));
        }
    }
    problems
}

/// Every `Ref` and `Fn::GetAtt` under `value`, with where it is.
fn collect_references(at: &str, value: &Value, out: &mut Vec<(String, &'static str, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("Ref") {
                out.push((at.to_string(), "Ref", target.clone()));
            }
            match map.get("Fn::GetAtt") {
                Some(Value::Array(parts)) => {
                    if let Some(Value::String(target)) = parts.first() {
                        out.push((at.to_string(), "Fn::GetAtt", target.clone()));
                    }
                }
                Some(Value::String(dotted)) => {
                    let target = dotted.split('.').next().unwrap_or_default();
                    out.push((at.to_string(), "Fn::GetAtt", target.to_string()));
                }
                _ => {}
            }
            for child in map.values() {
                collect_references(at, child, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_references(at, item, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_merge_scalars_and_lists_replace() {
        let mut base = json!({
            "Resources": {
                "WebService": { "Type": "AWS::ECS::Service", "Properties": { "DesiredCount": 1, "Tags": [1, 2] } }
            }
        });
        let overlay = json!({
            "Resources": {
                "WebService": { "Properties": { "DesiredCount": 3, "Tags": [9] } },
                "Extra": { "Type": "AWS::SNS::Topic" }
            }
        });
        apply(&mut base, Some(&overlay)).unwrap();
        assert_eq!(
            base,
            json!({
                "Resources": {
                    "WebService": { "Type": "AWS::ECS::Service", "Properties": { "DesiredCount": 3, "Tags": [9] } },
                    "Extra": { "Type": "AWS::SNS::Topic" }
                }
            })
        );
    }

    #[test]
    fn a_non_map_overlay_is_an_error() {
        let err = apply(&mut json!({}), Some(&json!([1]))).unwrap_err();
        assert_eq!(err.attribute, "x-aws-cloudformation");
    }

    #[test]
    fn an_overlay_that_breaks_the_template_is_refused_with_what_breaks() {
        let base = || {
            json!({
                "Parameters": { "VpcId": { "Type": "String" } },
                "Resources": {
                    "Topic": { "Type": "AWS::SNS::Topic" },
                    "Queue": { "Type": "AWS::SQS::Queue", "DependsOn": "Topic",
                        "Properties": { "Tags": [{ "Key": "vpc", "Value": { "Ref": "VpcId" } }] } }
                },
                "Outputs": { "TopicArn": { "Value": { "Ref": "Topic" } } }
            })
        };
        // References to parameters, pseudo parameters and resources are fine.
        let mut ok = base();
        apply(
            &mut ok,
            Some(
                &json!({"Outputs": {"Region": {"Value": {"Ref": "AWS::Region"}},
                "QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}}}}),
            ),
        )
        .unwrap();
        for (overlay, says) in [
            (
                json!({"Resources": {"Topic": null}}),
                "Resources.Topic has no resource Type",
            ),
            (
                json!({"Resources": {"Extra": {"Properties": {}}}}),
                "Resources.Extra has no resource Type",
            ),
            (
                json!({"Outputs": {"Gone": {"Value": {"Fn::GetAtt": ["Topik", "TopicName"]}}}}),
                "Outputs.Gone: Fn::GetAtt names \"Topik\"",
            ),
            (
                json!({"Resources": {"Queue": {"DependsOn": ["Nothing"]}}}),
                "Resources.Queue.DependsOn names \"Nothing\"",
            ),
            (
                json!({"Outputs": {"Id": {"Value": {"Ref": "Missing"}}}}),
                "Outputs.Id: Ref names \"Missing\"",
            ),
            // The short forms: one DependsOn, a dotted Fn::GetAtt; and a Ref inside a list.
            (
                json!({"Resources": {"Queue": {"DependsOn": "Nothing"}}}),
                "Resources.Queue.DependsOn names \"Nothing\"",
            ),
            (
                json!({"Outputs": {"Gone": {"Value": {"Fn::GetAtt": "Topik.TopicName"}}}}),
                "Outputs.Gone: Fn::GetAtt names \"Topik\"",
            ),
            (
                json!({"Resources": {"Queue": {"Properties": {"Tags": [
                    {"Key": "vpc", "Value": {"Ref": "VpcIds"}}]}}}}),
                "Resources.Queue: Ref names \"VpcIds\"",
            ),
        ] {
            let mut template = base();
            let err = apply(&mut template, Some(&overlay)).unwrap_err();
            assert_eq!(err.attribute, "x-aws-cloudformation");
            assert!(err.message.contains(says), "{overlay}: {}", err.message);
        }
    }
}
