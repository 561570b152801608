//! CloudFormation's per-template limits, checked on the final template so a project too big for one
//! stack is refused by `convert`, not at deploy time.

use serde_json::Value;

use crate::Error;

const MAX_RESOURCES: usize = 500;
const MAX_OUTPUTS: usize = 200;
const MAX_PARAMETERS: usize = 200;
/// Template body size when uploaded to S3 (`up` uploads templates over the 51,200-byte inline limit).
const MAX_TEMPLATE_BYTES: usize = 1_000_000;

fn count(template: &Value, section: &str) -> usize {
    template[section].as_object().map_or(0, |m| m.len())
}

pub fn check(template: &Value, services: usize) -> Result<(), Error> {
    let too_many = |what: &str, n: usize, max: usize, hint: &str| {
        Error {
        service: None,
        attribute: "services".into(),
        message: format!(
            "the template would have {n} {what}, over CloudFormation's limit of {max} per stack ({services} services); {hint}"
        ),
    }
    };
    let resources = count(template, "Resources");
    if resources > MAX_RESOURCES {
        return Err(too_many(
            "resources",
            resources,
            MAX_RESOURCES,
            "split the project into several (each service takes about 6 resources, each published port 3, each volume 7)",
        ));
    }
    let outputs = count(template, "Outputs");
    if outputs > MAX_OUTPUTS {
        return Err(too_many(
            "outputs",
            outputs,
            MAX_OUTPUTS,
            "publish fewer ports (each gets a URL output) or split the project",
        ));
    }
    let parameters = count(template, "Parameters");
    if parameters > MAX_PARAMETERS {
        return Err(too_many(
            "parameters",
            parameters,
            MAX_PARAMETERS,
            "use fewer secrets and volumes (each takes a parameter) or split the project",
        ));
    }
    let bytes = serde_json::to_string(template).map_or(0, |s| s.len());
    if bytes > MAX_TEMPLATE_BYTES {
        return Err(too_many(
            "bytes",
            bytes,
            MAX_TEMPLATE_BYTES,
            "split the project",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn over_500_resources_is_refused_with_the_limit() {
        let resources: serde_json::Map<String, Value> = (0..501)
            .map(|i| (format!("R{i}"), json!({"Type": "AWS::SNS::Topic"})))
            .collect();
        let err = check(&json!({ "Resources": resources }), 100).unwrap_err();
        assert!(err.message.contains("501 resources"), "{err}");
        assert!(err.message.contains("limit of 500"), "{err}");
        let ok: serde_json::Map<String, Value> = (0..500)
            .map(|i| (format!("R{i}"), json!({"Type": "AWS::SNS::Topic"})))
            .collect();
        assert!(check(&json!({ "Resources": ok }), 100).is_ok());
    }

    fn entries(n: usize) -> serde_json::Map<String, Value> {
        (0..n)
            .map(|i| (format!("E{i}"), json!({"Value": "x"})))
            .collect()
    }

    #[test]
    fn over_200_outputs_is_refused_with_the_limit() {
        assert!(check(&json!({ "Outputs": entries(200) }), 100).is_ok());
        let err = check(&json!({ "Outputs": entries(201) }), 100).unwrap_err();
        assert!(err.message.contains("201 outputs"), "{err}");
        assert!(err.message.contains("limit of 200"), "{err}");
    }

    #[test]
    fn over_200_parameters_is_refused_with_the_limit() {
        assert!(check(&json!({ "Parameters": entries(200) }), 100).is_ok());
        let err = check(&json!({ "Parameters": entries(201) }), 100).unwrap_err();
        assert!(err.message.contains("201 parameters"), "{err}");
        assert!(err.message.contains("limit of 200"), "{err}");
    }

    #[test]
    fn a_template_over_the_body_size_limit_is_refused() {
        let big = |bytes: usize| {
            let mut t = json!({ "Description": "" });
            let padding = bytes - serde_json::to_string(&t).unwrap().len();
            t["Description"] = Value::String("x".repeat(padding));
            assert_eq!(serde_json::to_string(&t).unwrap().len(), bytes);
            t
        };
        assert!(check(&big(MAX_TEMPLATE_BYTES), 1).is_ok());
        let err = check(&big(MAX_TEMPLATE_BYTES + 1), 1).unwrap_err();
        assert!(err.message.contains("1000001 bytes"), "{err}");
    }
}
