//! `x-aws-subnets`: the subnets to use instead of the ones `up` would detect in the VPC. Only the
//! shape and the ids are checked here; `up` checks that they exist in the VPC and that no two load
//! balancer subnets share an availability zone.

use compose_model::Project;
use serde_json::Value;

use crate::Error;

pub const ATTRIBUTE: &str = "x-aws-subnets";

/// Public subnets (load balancer) and private subnets (tasks, EFS mount targets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subnets {
    pub public: Vec<String>,
    pub private: Vec<String>,
}

fn error(attribute: String, message: impl Into<String>) -> Error {
    Error {
        service: None,
        attribute,
        message: message.into(),
    }
}

/// `x-aws-subnets` when the project sets it.
pub fn explicit(project: &Project) -> Result<Option<Subnets>, Error> {
    let Some(value) = project.extensions.get(ATTRIBUTE) else {
        return Ok(None);
    };
    let Value::Object(map) = value else {
        return Err(error(
            ATTRIBUTE.into(),
            "expected a mapping with `public` and/or `private` lists of subnet ids",
        ));
    };
    if let Some(key) = map
        .keys()
        .find(|k| !matches!(k.as_str(), "public" | "private"))
    {
        return Err(error(
            format!("{ATTRIBUTE}.{key}"),
            "unknown key; expected `public` or `private`",
        ));
    }
    let public = list(map.get("public"), "public")?;
    let private = list(map.get("private"), "private")?;
    if public.is_empty() && private.is_empty() {
        return Err(error(
            ATTRIBUTE.into(),
            "lists no subnets; give `public` and/or `private` subnet ids",
        ));
    }
    Ok(Some(Subnets { public, private }))
}

fn list(value: Option<&Value>, key: &str) -> Result<Vec<String>, Error> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(error(
                format!("{ATTRIBUTE}.{key}"),
                "expected a list of subnet ids (subnet-...)",
            ))
        }
    };
    let mut ids: Vec<String> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let attribute = format!("{ATTRIBUTE}.{key}[{index}]");
        let id = item.as_str().filter(|id| is_subnet_id(id)).ok_or_else(|| {
            error(
                attribute.clone(),
                format!("{item} is not a subnet id (subnet- followed by hexadecimal digits)"),
            )
        })?;
        if ids.iter().any(|seen| seen == id) {
            return Err(error(attribute, format!("subnet {id} is listed twice")));
        }
        ids.push(id.to_string());
    }
    Ok(ids)
}

fn is_subnet_id(id: &str) -> bool {
    id.strip_prefix("subnet-").is_some_and(|hex| {
        (8..=17).contains(&hex.len()) && hex.chars().all(|c| c.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    use crate::test_support::{port, project, service};
    use crate::{build, Precondition};

    fn with(value: Value) -> Project {
        let mut project = Project::default();
        project.extensions.insert(ATTRIBUTE.into(), value);
        project
    }

    #[test]
    fn public_and_private_lists_are_read() {
        let subnets = explicit(&with(json!({
            "public": ["subnet-0123abcd", "subnet-0123abce"],
            "private": ["subnet-89abcdef"],
        })))
        .unwrap()
        .unwrap();
        assert_eq!(subnets.public, ["subnet-0123abcd", "subnet-0123abce"]);
        assert_eq!(subnets.private, ["subnet-89abcdef"]);
        assert_eq!(explicit(&Project::default()).unwrap(), None);
    }

    #[test]
    fn bad_shapes_and_ids_name_the_entry() {
        let message = |value: Value| explicit(&with(value)).unwrap_err().to_string();
        let err = message(json!({"public": ["subnet-0123abcd", "sg-123"]}));
        assert!(err.starts_with("x-aws-subnets.public[1]: "), "{err}");
        assert!(err.contains("\"sg-123\" is not a subnet id"), "{err}");
        // 8 or 17 hexadecimal digits after `subnet-` (older and newer ids).
        for wrong in [
            "subnet-0123abc",
            "subnet-0123456789abcdef01",
            "subnet-0123abcz",
        ] {
            let err = message(json!({"public": [wrong]}));
            assert!(err.contains("is not a subnet id"), "{wrong}: {err}");
        }
        explicit(&with(json!({"public": ["subnet-0123456789abcdef0"]}))).unwrap();
        let err = message(json!({"private": ["subnet-0123abcd", "subnet-0123abcd"]}));
        assert!(err.starts_with("x-aws-subnets.private[1]: "), "{err}");
        assert!(err.contains("listed twice"), "{err}");
        let err = message(json!({"public": "subnet-0123abcd"}));
        assert!(
            err.starts_with("x-aws-subnets.public: expected a list"),
            "{err}"
        );
        let err = message(json!({"publc": ["subnet-0123abcd"]}));
        assert!(err.starts_with("x-aws-subnets.publc: unknown key"), "{err}");
        let err = message(json!(["subnet-0123abcd"]));
        assert!(
            err.starts_with("x-aws-subnets: expected a mapping"),
            "{err}"
        );
        let err = message(json!({}));
        assert!(err.contains("lists no subnets"), "{err}");
    }

    #[test]
    fn x_aws_subnets_become_a_precondition_and_bad_ids_stop_the_build() {
        let mut web = service("app");
        web.ports.push(port(8080, Some(80)));
        let mut p = project(vec![("web", web)]);
        p.extensions.insert(
            "x-aws-subnets".into(),
            json!({ "public": ["subnet-0123abcd"], "private": ["subnet-4567abcd"] }),
        );
        let built = build(&p).unwrap();
        assert!(built.preconditions.contains(&Precondition::Subnets {
            public: vec!["subnet-0123abcd".into()],
            private: vec!["subnet-4567abcd".into()],
        }));
        assert!(built
            .warnings
            .iter()
            .all(|w| w.attribute != "x-aws-subnets"));

        p.extensions.insert(
            "x-aws-subnets".into(),
            json!({ "public": ["subnet-0123abcd"], "private": [42] }),
        );
        let err = build(&p).unwrap_err();
        assert_eq!(err.attribute, "x-aws-subnets.private[0]");
    }
}
