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
            Ok(())
        }
        Some(other) => Err(Error {
            service: None,
            attribute: "x-aws-cloudformation".into(),
            message: format!("expected a map (a partial CloudFormation template), got {other}"),
        }),
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
}
