//! `.env` / `env_file` parsing like compose's dotenv: `KEY=VALUE`, `export KEY=VALUE`, comments,
//! single quotes (literal), double quotes (escapes, multi-line), `${VAR}` expansion in unquoted and
//! double-quoted values from the lookup (the environment) first, then earlier keys of the file. Also
//! reading a list of such files in order, for the project environment and for each `include`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use indexmap::IndexMap;

use super::template::{substitute, TemplateError};
use crate::{Error, Location};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DotenvError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

/// Read dotenv files in order (later ones override earlier ones); optional ones may be missing.
pub(crate) fn read_files(
    files: &[(PathBuf, bool)],
    process: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Error> {
    let mut env = BTreeMap::new();
    for (file, required) in files {
        // An optional `.env` that is missing (or is a directory) is simply not there.
        if !*required && !file.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(file).map_err(|error| Error::Io {
            file: file.clone(),
            error,
        })?;
        let loaded = env.clone();
        let lookup = |k: &str| process.get(k).or_else(|| loaded.get(k)).cloned();
        let vars = parse(&text, &lookup).map_err(|e| {
            Error::invalid(
                Location {
                    file: file.clone(),
                    path: String::new(),
                    line: Some(e.line),
                },
                e.message,
            )
        })?;
        env.extend(vars);
    }
    Ok(env)
}

/// Parse dotenv `text`. A bare `KEY` line (no `=`) takes its value from `lookup` and is skipped when
/// the lookup has none.
pub(crate) fn parse(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>, DotenvError> {
    let mut vars: IndexMap<String, String> = IndexMap::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rest = text;
    let mut line_no = 1usize;
    while !rest.is_empty() {
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let line = rest[..line_end].trim_end_matches('\r');
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            line_no += 1;
            rest = rest.get(line_end + 1..).unwrap_or("");
            continue;
        }
        let start_line = line_no;
        let err = |message: String| DotenvError {
            line: start_line,
            message,
        };
        let body = trimmed
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(trimmed);
        let key_end = body.find(['=', ':']).unwrap_or(body.len());
        let key = body[..key_end].trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(err(format!(
                "unexpected character in variable name {key:?}"
            )));
        }
        if key_end == body.len() {
            // `KEY` alone: inherit from the environment.
            if let Some(v) = lookup(key).or_else(|| vars.get(key).cloned()) {
                vars.insert(key.to_string(), v);
            }
            line_no += 1;
            rest = rest.get(line_end + 1..).unwrap_or("");
            continue;
        }
        // Offset of the value inside `rest`, so quoted values may run over several lines.
        let value_start_in_body = key_end + 1;
        // `rest` starts at this line: skip its indentation and any `export `.
        let body_offset = line.len() - body.len();
        let after_eq = &rest[body_offset + value_start_in_body..];
        let after_eq_trimmed = after_eq.trim_start_matches([' ', '\t']);
        let (value, consumed) = match after_eq_trimmed.chars().next() {
            Some(q @ ('\'' | '"')) => {
                let inner = &after_eq_trimmed[1..];
                let close = find_closing_quote(inner, q)
                    .ok_or_else(|| err(format!("unterminated quoted value for {key}")))?;
                let raw = &inner[..close];
                let value = if q == '\'' {
                    raw.to_string()
                } else {
                    let unescaped = unescape_double(raw);
                    expand(&unescaped, lookup, &vars).map_err(|e| err(e.to_string()))?
                };
                let consumed_in_after = (after_eq.len() - after_eq_trimmed.len()) + 1 + close + 1;
                (value, consumed_in_after)
            }
            _ => {
                let this_line_end = after_eq.find('\n').unwrap_or(after_eq.len());
                let raw = after_eq[..this_line_end].trim_end_matches('\r');
                // ` #` starts a comment after an unquoted value.
                let raw = match raw.find(" #").or_else(|| raw.find("\t#")) {
                    Some(i) => &raw[..i],
                    None => raw,
                };
                let value = expand(raw.trim(), lookup, &vars).map_err(|e| err(e.to_string()))?;
                (value, this_line_end)
            }
        };
        vars.insert(key.to_string(), value);
        let consumed_total = body_offset + value_start_in_body + consumed;
        let consumed_text = &rest[..consumed_total.min(rest.len())];
        line_no += consumed_text.matches('\n').count();
        rest = &rest[consumed_total.min(rest.len())..];
        // What follows a closing quote on its line may be spaces or a comment; the line's end is
        // then read as an empty line.
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let trailing = rest[..line_end].trim();
        if !trailing.is_empty() && !trailing.starts_with('#') {
            return Err(DotenvError {
                line: line_no,
                message: format!("unexpected text after the value of {key}: {trailing:?}"),
            });
        }
        rest = &rest[line_end..];
    }
    Ok(vars)
}

fn find_closing_quote(s: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' && quote == '"' {
            escaped = true;
            continue;
        }
        if c == quote {
            return Some(i);
        }
    }
    None
}

fn unescape_double(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('$') => out.push_str("$$"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn expand(
    raw: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    vars: &IndexMap<String, String>,
) -> Result<String, TemplateError> {
    let combined = |k: &str| lookup(k).or_else(|| vars.get(k).cloned());
    Ok(substitute(raw, &combined)?.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_env(text: &str) -> IndexMap<String, String> {
        parse(text, &|k| (k == "HOME").then(|| "/home/me".to_string())).unwrap()
    }

    fn get<'a>(m: &'a IndexMap<String, String>, k: &str) -> &'a str {
        m.get(k).map(String::as_str).unwrap_or("<missing>")
    }

    #[test]
    fn simple_pairs_comments_and_export() {
        let m = parse_env("# comment\nA=1\n\nexport B=two\n  C = spaced  \nD=\n");
        assert_eq!(get(&m, "A"), "1");
        assert_eq!(get(&m, "B"), "two");
        assert_eq!(get(&m, "C"), "spaced");
        assert_eq!(get(&m, "D"), "");
    }

    #[test]
    fn inline_comments_only_after_whitespace() {
        let m = parse_env("A=value # comment\nB=a#b\nC='x # y' # c\n");
        assert_eq!(get(&m, "A"), "value");
        assert_eq!(get(&m, "B"), "a#b");
        assert_eq!(get(&m, "C"), "x # y");
    }

    #[test]
    fn single_quotes_are_literal() {
        let m = parse_env("A='${HOME}\\n'\n");
        assert_eq!(get(&m, "A"), "${HOME}\\n");
    }

    #[test]
    fn double_quotes_unescape_and_span_lines() {
        let m = parse_env("A=\"line1\\nline2\\t\\\"q\\\" \\\\\"\nB=\"multi\nline\"\nC=after\n");
        assert_eq!(get(&m, "A"), "line1\nline2\t\"q\" \\");
        assert_eq!(get(&m, "B"), "multi\nline");
        assert_eq!(get(&m, "C"), "after");
    }

    #[test]
    fn expansion_from_environment_and_earlier_keys() {
        let m = parse_env("A=a\nB=${A}-$HOME\nC=\"${A:-x}\"\nD='${A}'\nE=${NOPE:-def}\n");
        assert_eq!(get(&m, "B"), "a-/home/me");
        assert_eq!(get(&m, "C"), "a");
        assert_eq!(get(&m, "D"), "${A}");
        assert_eq!(get(&m, "E"), "def");
    }

    #[test]
    fn bare_key_inherits_from_lookup() {
        let m = parse_env("HOME\nMISSING\n");
        assert_eq!(get(&m, "HOME"), "/home/me");
        assert!(!m.contains_key("MISSING"));
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("A=1\nB=\"open\n", &|_| None).unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("A=1\nBAD KEY=1\n", &|_| None).unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("A=1\nB=\"x\" junk\n", &|_| None).unwrap_err();
        assert_eq!(e.line, 2);
        // Lines are counted through quoted values, their trailing comments and line breaks.
        let e = parse(
            "A=\"x\" # c\r\nB=\"multi\nline\" \n\nC='y'\nBAD KEY=1\n",
            &|_| None,
        )
        .unwrap_err();
        assert_eq!(e.line, 6);
        // ...and through a bare KEY line, set from the environment or not.
        let e = parse("HOME\nUNSET\nBAD KEY=1\n", &|k| {
            (k == "HOME").then(|| "/root".to_string())
        })
        .unwrap_err();
        assert_eq!(e.line, 3);
    }

    #[test]
    fn crlf_line_endings() {
        let m = parse_env("A=1\r\nB=\"2\"\r\n");
        assert_eq!(get(&m, "A"), "1");
        assert_eq!(get(&m, "B"), "2");
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 500, failure_persistence: None, ..Default::default() })]
        #[test]
        fn never_panics(input in "[A-Z=#'\" \\\\$n{}\r\n\t-]{0,60}|export [A-Z]=\"[a-z\n]{0,5}") {
            let _ = parse(&input, &|_| None);
        }
    }
}
