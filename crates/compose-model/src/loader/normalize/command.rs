//! `command` / `entrypoint`: a list is kept, a string is split into words like a shell would
//! (quotes and backslashes, no expansion), as compose-go does with go-shellwords.

use serde_yaml::Value;

use super::fields::Cx;
use crate::loader::value::{kind, untag};
use crate::Error;

pub(crate) fn normalize(cx: &Cx, value: &Value, path: &str) -> Result<Vec<String>, Error> {
    match untag(value) {
        Value::Null => Ok(Vec::new()),
        Value::Sequence(_) => cx.strings(value, path),
        Value::String(s) => split(s).map_err(|e| cx.error(path, e)),
        Value::Number(_) | Value::Bool(_) => Ok(vec![cx.string(value, path)?]),
        other => Err(cx.error(
            path,
            format!("must be a string or a list, not {}", kind(other)),
        )),
    }
}

/// Shell-style word splitting.
pub(crate) fn split(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err(format!("unterminated single quote in {s:?}")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => word.push(ch),
                            Some('\n') => {}
                            Some(ch) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => return Err(format!("unterminated double quote in {s:?}")),
                        },
                        Some(ch) => word.push(ch),
                        None => return Err(format!("unterminated double quote in {s:?}")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(ch) => word.push(ch),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split("echo hello  world").unwrap(),
            ["echo", "hello", "world"]
        );
        assert_eq!(
            split("sh -c 'echo $HOME && ls'").unwrap(),
            ["sh", "-c", "echo $HOME && ls"]
        );
        assert_eq!(
            split(r#"echo "a \"b\" c" d\ e"#).unwrap(),
            ["echo", "a \"b\" c", "d e"]
        );
        assert_eq!(split("a '' b").unwrap(), ["a", "", "b"]);
        assert!(split("").unwrap().is_empty());
    }

    #[test]
    fn unterminated_quotes_are_errors() {
        assert!(split("echo 'oops").is_err());
        assert!(split("echo \"oops").is_err());
    }
}
