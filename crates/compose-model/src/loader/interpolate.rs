//! Interpolation of every string value of a document (keys are left alone), before any type
//! conversion, so `"${PORT}:80"` or `replicas: ${N}` work.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use super::template::substitute;
use super::value::{child, index, key_string};

/// Unset variables are reported once per name over the whole load.
#[derive(Debug, Default)]
pub(crate) struct UnsetVariables {
    seen: BTreeSet<String>,
    pub(crate) warnings: Vec<String>,
}

impl UnsetVariables {
    fn report(&mut self, name: &str) {
        if self.seen.insert(name.to_string()) {
            self.warnings.push(format!(
                "The {name:?} variable is not set. Defaulting to a blank string."
            ));
        }
    }
}

/// An interpolation failure at a document path.
#[derive(Debug)]
pub(crate) struct InterpolationError {
    pub(crate) path: String,
    pub(crate) message: String,
}

pub(crate) fn interpolate(
    value: &mut Value,
    env: &BTreeMap<String, String>,
    unset: &mut UnsetVariables,
) -> Result<(), InterpolationError> {
    walk(value, "", env, unset)
}

fn walk(
    value: &mut Value,
    path: &str,
    env: &BTreeMap<String, String>,
    unset: &mut UnsetVariables,
) -> Result<(), InterpolationError> {
    match value {
        Value::String(s) => {
            if !s.contains('$') {
                return Ok(());
            }
            let lookup = |k: &str| env.get(k).cloned();
            let result = substitute(s, &lookup).map_err(|e| InterpolationError {
                path: path.to_string(),
                message: e.to_string(),
            })?;
            for name in &result.unset {
                unset.report(name);
            }
            *s = result.value;
        }
        Value::Sequence(seq) => {
            for (i, item) in seq.iter_mut().enumerate() {
                walk(item, &index(path, i), env, unset)?;
            }
        }
        Value::Mapping(map) => {
            for (k, v) in map.iter_mut() {
                let key = key_string(k).unwrap_or_else(|| "?".to_string());
                walk(v, &child(path, &key), env, unset)?;
            }
        }
        Value::Tagged(t) => walk(&mut t.value, path, env, unset)?,
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> BTreeMap<String, String> {
        [("PORT", "8080"), ("TAG", "1.2")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn interpolates_values_not_keys() {
        let mut v: Value = serde_yaml::from_str(
            "services:\n  ${TAG}:\n    image: app:${TAG}\n    ports: [\"${PORT}:80\"]\n",
        )
        .unwrap();
        let mut unset = UnsetVariables::default();
        interpolate(&mut v, &env(), &mut unset).unwrap();
        let expected: Value = serde_yaml::from_str(
            "services:\n  ${TAG}:\n    image: app:1.2\n    ports: [\"8080:80\"]\n",
        )
        .unwrap();
        assert_eq!(v, expected);
    }

    #[test]
    fn unset_variables_warn_once() {
        let mut v: Value = serde_yaml::from_str("a: $X\nb: ${X}\nc: !reset $Y\n").unwrap();
        let mut unset = UnsetVariables::default();
        interpolate(&mut v, &env(), &mut unset).unwrap();
        assert_eq!(
            unset.warnings,
            vec![
                "The \"X\" variable is not set. Defaulting to a blank string.".to_string(),
                "The \"Y\" variable is not set. Defaulting to a blank string.".to_string(),
            ]
        );
    }

    #[test]
    fn required_variable_error_names_the_path() {
        let mut v: Value =
            serde_yaml::from_str("services:\n  web:\n    environment: [\"A=${NEED:?set it}\"]\n")
                .unwrap();
        let err = interpolate(&mut v, &env(), &mut UnsetVariables::default()).unwrap_err();
        assert_eq!(err.path, "services.web.environment[0]");
        assert_eq!(
            err.message,
            "required variable NEED is missing a value: set it"
        );
    }
}
