//! Variable substitution in one string, with compose-go's template syntax:
//! `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
//! `${VAR:+alt}`, `${VAR+alt}`, nested (`${A:-${B:-x}}`) and `$$` for a literal `$`.

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TemplateError {
    /// `${VAR:?msg}` / `${VAR?msg}` on a missing variable.
    Required { name: String, message: String },
    /// Unbalanced braces or a bad name.
    Invalid(String),
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateError::Required { name, message } if message.is_empty() => {
                write!(f, "required variable {name} is missing a value")
            }
            TemplateError::Required { name, message } => {
                write!(f, "required variable {name} is missing a value: {message}")
            }
            TemplateError::Invalid(s) => write!(
                f,
                "invalid interpolation format in {s:?}: you may need to escape any $ with another $"
            ),
        }
    }
}

/// The result of a substitution and the names that were used without being set (and without a
/// default), which compose reports as warnings.
#[derive(Debug, Default)]
pub(crate) struct Substituted {
    pub(crate) value: String,
    pub(crate) unset: Vec<String>,
}

pub(crate) fn substitute(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Substituted, TemplateError> {
    let mut unset = Vec::new();
    let value = substitute_inner(input, lookup, &mut unset, 0)?;
    Ok(Substituted { value, unset })
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

fn substitute_inner(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
    depth: usize,
) -> Result<String, TemplateError> {
    if depth > MAX_DEPTH {
        return Err(TemplateError::Invalid(input.to_string()));
    }
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let mut chars = after.chars();
        match chars.next() {
            Some('$') => {
                out.push('$');
                rest = &after[1..];
            }
            Some('{') => {
                let body_and_rest = &after[1..];
                let close = matching_brace(body_and_rest)
                    .ok_or_else(|| TemplateError::Invalid(input.to_string()))?;
                let body = &body_and_rest[..close];
                out.push_str(&expand_braced(body, input, lookup, unset, depth)?);
                rest = &body_and_rest[close + 1..];
            }
            Some(c) if is_name_start(c) => {
                let len = after
                    .find(|c: char| !is_name_char(c))
                    .unwrap_or(after.len());
                let name = &after[..len];
                match lookup(name) {
                    Some(v) => out.push_str(&v),
                    None => unset.push(name.to_string()),
                }
                rest = &after[len..];
            }
            // A `$` not followed by a name is kept as written (compose-go does the same).
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Index of the `}` closing a `${` whose body starts at `s`, counting nested `${...}` (an escaped
/// `$${` too, as compose-go counts it: the escape is undone when the nested text is substituted).
fn matching_brace(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 2;
                continue;
            }
            b'}' => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn expand_braced(
    body: &str,
    whole: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
    depth: usize,
) -> Result<String, TemplateError> {
    let name_len = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
    let name = &body[..name_len];
    // An empty name does not start with a letter or `_` either.
    if !name.starts_with(is_name_start) {
        return Err(TemplateError::Invalid(whole.to_string()));
    }
    let modifier = &body[name_len..];
    let value = lookup(name);
    if modifier.is_empty() {
        return Ok(match value {
            Some(v) => v,
            None => {
                unset.push(name.to_string());
                String::new()
            }
        });
    }
    let (colon, op, arg) = if let Some(m) = modifier.strip_prefix(':') {
        let op = m.chars().next();
        (true, op, m.get(1..).unwrap_or(""))
    } else {
        (
            false,
            modifier.chars().next(),
            modifier.get(1..).unwrap_or(""),
        )
    };
    // With `:` an empty value counts as missing.
    let present = match &value {
        Some(v) => !(colon && v.is_empty()),
        None => false,
    };
    let expand_arg = |unset: &mut Vec<String>| substitute_inner(arg, lookup, unset, depth + 1);
    match op {
        Some('-') => {
            if present {
                Ok(value.unwrap_or_default())
            } else {
                expand_arg(unset)
            }
        }
        Some('+') => {
            if present {
                expand_arg(unset)
            } else {
                Ok(String::new())
            }
        }
        Some('?') => {
            if present {
                Ok(value.unwrap_or_default())
            } else {
                Err(TemplateError::Required {
                    name: name.to_string(),
                    message: expand_arg(unset)?,
                })
            }
        }
        _ => Err(TemplateError::Invalid(whole.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn run(input: &str) -> Result<Substituted, TemplateError> {
        let env: HashMap<&str, &str> = [("FOO", "foo"), ("EMPTY", ""), ("B", "bee")]
            .into_iter()
            .collect();
        substitute(input, &|k| env.get(k).map(|v| v.to_string()))
    }

    fn ok(input: &str) -> String {
        run(input).unwrap().value
    }

    #[test]
    fn plain_and_braced_names() {
        assert_eq!(ok("$FOO/${FOO}"), "foo/foo");
        assert_eq!(ok("a${FOO}b"), "afoob");
        assert_eq!(ok("$FOO_x"), "");
    }

    #[test]
    fn unset_names_are_reported_and_blank() {
        let s = run("x${NOPE}y$ALSO").unwrap();
        assert_eq!(s.value, "xy");
        assert_eq!(s.unset, vec!["NOPE".to_string(), "ALSO".to_string()]);
    }

    #[test]
    fn defaults_distinguish_empty_from_unset() {
        assert_eq!(ok("${EMPTY:-d}"), "d");
        assert_eq!(ok("${EMPTY-d}"), "");
        assert_eq!(ok("${NOPE-d}"), "d");
        assert_eq!(ok("${FOO:-d}"), "foo");
        assert!(run("${NOPE:-d}").unwrap().unset.is_empty());
    }

    #[test]
    fn alternatives() {
        assert_eq!(ok("${FOO:+alt}"), "alt");
        assert_eq!(ok("${EMPTY:+alt}"), "");
        assert_eq!(ok("${EMPTY+alt}"), "alt");
        assert_eq!(ok("${NOPE+alt}"), "");
    }

    #[test]
    fn required_variables() {
        assert_eq!(ok("${FOO:?boom}"), "foo");
        assert_eq!(
            run("${EMPTY:?must be set}").unwrap_err().to_string(),
            "required variable EMPTY is missing a value: must be set"
        );
        assert_eq!(ok("${EMPTY?boom}"), "");
        assert_eq!(
            run("${NOPE?}").unwrap_err().to_string(),
            "required variable NOPE is missing a value"
        );
    }

    #[test]
    fn nested_defaults() {
        assert_eq!(ok("${NOPE:-${B:-x}}"), "bee");
        assert_eq!(ok("${NOPE:-${NADA:-x}}"), "x");
        assert_eq!(ok("${NOPE:-a-$FOO-b}"), "a-foo-b");
        assert_eq!(ok("${NOPE:-a${B}}"), "abee");
        assert_eq!(ok("${NOPE:-cost $}"), "cost $");
        // An escaped `$${...}` in a default is nested like any other, as compose-go counts it.
        assert_eq!(ok("${NOPE:-$${B}-c}"), "${B}-c");
    }

    #[test]
    fn dollar_escapes_and_lone_dollars() {
        assert_eq!(ok("$$FOO"), "$FOO");
        assert_eq!(ok("cost $5 $"), "cost $5 $");
        assert_eq!(ok("$${FOO}"), "${FOO}");
    }

    #[test]
    fn invalid_templates() {
        assert!(matches!(run("${FOO"), Err(TemplateError::Invalid(_))));
        assert!(matches!(run("${}"), Err(TemplateError::Invalid(_))));
        assert!(matches!(run("${1A}"), Err(TemplateError::Invalid(_))));
        assert!(matches!(run("${FOO!x}"), Err(TemplateError::Invalid(_))));
        let deep = "${A:-".repeat(200) + &"}".repeat(200);
        assert!(run(&deep).is_err());
        // 64 defaults nested in one another are allowed; the 65th is refused.
        let nested = |levels: usize| format!("{}x{}", "${A:-".repeat(levels), "}".repeat(levels));
        assert_eq!(ok(&nested(MAX_DEPTH)), "x");
        assert!(matches!(
            run(&nested(MAX_DEPTH + 1)),
            Err(TemplateError::Invalid(_))
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 500, failure_persistence: None, ..Default::default() })]
        #[test]
        fn never_panics(input in "[a-zA-Z_$:{}?+ -]{0,40}") {
            let _ = run(&input);
        }
    }
}
