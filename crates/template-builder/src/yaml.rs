//! YAML output that reads the same in YAML 1.1 parsers (CloudFormation's among them) as in YAML 1.2
//! ones: every string that could be taken for something else (`yes`, `on`, `1:30`, `2012-10-17`,
//! `0755`, `~`...) is double-quoted, in JSON escaping, which is valid YAML.

use serde_json::Value;

/// Words YAML 1.1 reads as booleans or null, whatever their case.
const RESERVED: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
];

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || matches!(first, '/' | '$' | '_')) {
        return false;
    }
    if RESERVED.iter().any(|w| w.eq_ignore_ascii_case(s)) {
        return false;
    }
    if s.ends_with(' ') || s.ends_with(':') || s.contains(": ") || s.contains(" #") {
        return false;
    }
    s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                ' ' | '_'
                    | '.'
                    | '/'
                    | ':'
                    | '@'
                    | '$'
                    | '{'
                    | '}'
                    | '('
                    | ')'
                    | '+'
                    | '='
                    | '-'
                    | '*'
            )
    })
}

/// Characters a YAML document cannot hold as they are: outside YAML's printable set, or line breaks
/// other than `\n` (NEL, LS, PS, which parsers fold), or the byte order mark.
fn needs_escape(c: char) -> bool {
    let printable = matches!(
        c,
        '\t' | '\n' | '\r'
            | '\u{20}'..='\u{7e}'
            | '\u{a0}'..='\u{d7ff}'
            | '\u{e000}'..='\u{fffd}'
            | '\u{10000}'..
    );
    !printable || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// A YAML double-quoted string.
fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn scalar(out: &mut String, value: &Value) {
    match value {
        Value::String(s) => string(out, s),
        other => out.push_str(&other.to_string()),
    }
}

fn string(out: &mut String, s: &str) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else {
        double_quoted(out, s);
    }
}

/// `n` spaces, without a string of its own for each line.
fn indent_by(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = n;
    while left > 0 {
        let step = left.min(SPACES.len());
        out.push_str(&SPACES[..step]);
        left -= step;
    }
}

fn is_collection(value: &Value) -> bool {
    match value {
        Value::Object(map) => !map.is_empty(),
        Value::Array(list) => !list.is_empty(),
        _ => false,
    }
}

fn write_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    indent_by(out, indent);
                }
                string(out, key);
                out.push(':');
                write_child(out, item, indent);
            }
        }
        Value::Array(list) if !list.is_empty() => {
            for (i, item) in list.iter().enumerate() {
                if i > 0 {
                    indent_by(out, indent);
                }
                out.push_str("- ");
                if is_collection(item) {
                    write_value(out, item, indent + 2);
                } else {
                    write_leaf(out, item, indent + 2);
                }
            }
        }
        other => write_leaf(out, other, indent + 2),
    }
}

/// After `key:`: a collection goes on the following lines (lists at the key's indentation, as
/// CloudFormation's own examples do), a scalar on the same line.
fn write_child(out: &mut String, item: &Value, indent: usize) {
    match item {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            indent_by(out, indent + 2);
            write_value(out, item, indent + 2);
        }
        Value::Array(list) if !list.is_empty() => {
            out.push('\n');
            indent_by(out, indent);
            write_value(out, item, indent);
        }
        _ => {
            out.push(' ');
            write_leaf(out, item, indent + 2);
        }
    }
}

/// A scalar (or empty collection) and its line end. `indent` is where the lines of a block scalar go.
fn write_leaf(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        Value::String(s) if block_literal(out, s, indent) => return,
        other => scalar(out, other),
    }
    out.push('\n');
}

/// Write a multi-line string as a literal block (`|` / `|-`), which YAML 1.1 and 1.2 read the same
/// way and people read more easily than one escaped line. Returns false (writing nothing) for the
/// strings a literal block cannot carry exactly: control characters, whitespace-only lines, a first
/// line starting with a blank (it would set the indentation), or several trailing line breaks.
fn block_literal(out: &mut String, s: &str, indent: usize) -> bool {
    if !s.contains('\n') || s.ends_with("\n\n") {
        return false;
    }
    if s.chars().any(|c| c == '\r' || needs_escape(c)) {
        return false;
    }
    let body = s.strip_suffix('\n').unwrap_or(s);
    let lines: Vec<&str> = body.split('\n').collect();
    if lines
        .first()
        .is_some_and(|l| l.starts_with([' ', '\t']) || l.is_empty())
        || lines.iter().any(|l| !l.is_empty() && l.trim().is_empty())
        || lines.iter().any(|l| l.ends_with([' ', '\t']))
    {
        return false;
    }
    out.push_str(if s.ends_with('\n') { "|\n" } else { "|-\n" });
    for line in lines {
        if !line.is_empty() {
            indent_by(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    true
}

pub fn to_yaml(value: &Value) -> String {
    let mut out = String::with_capacity(64 * 1024);
    write_value(&mut out, value, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(value: &Value) {
        let text = to_yaml(value);
        let back: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(&back, value, "\n{text}");
    }

    #[test]
    fn yaml_1_1_lookalikes_are_quoted() {
        let value = json!({
            "on": "yes", "Version": "2012-10-17", "Mode": "0755", "T": "1:30", "E": "", "N": "~",
            "Big": "1_000", "Y": "Y", "Off": "OFF", "Colon": "a: b", "Hash": "a #b", "Num": "12"
        });
        let text = to_yaml(&value);
        for quoted in [
            "\"on\": \"yes\"",
            "Version: \"2012-10-17\"",
            "Mode: \"0755\"",
            "T: \"1:30\"",
            "E: \"\"",
            "\"N\": \"~\"",
            "Big: \"1_000\"",
            "\"Y\": \"Y\"",
            "\"Off\": \"OFF\"",
            "Num: \"12\"",
        ] {
            assert!(text.contains(quoted), "{quoted} in\n{text}");
        }
        round_trip(&value);
    }

    #[test]
    fn multi_line_strings_are_literal_blocks_when_exact() {
        let value = json!({
            "Command": ["sh", "-c", "set -e\nprintf '%s' \"$X\" > '/run/secrets/a'\n  indented: yes"],
            "Script": "line\n\nafter blank\n",
            "Lead": "  leading\nx",
            "Blank": "a\n   \nb",
            "Trail": "a \nb",
            "Many": "a\n\n",
            "Ctl": "a\u{1}\nb"
        });
        let text = to_yaml(&value);
        assert!(text.contains("- |-\n  set -e\n  printf"), "{text}");
        assert!(
            text.contains("Script: |\n  line\n\n  after blank\n"),
            "{text}"
        );
        for quoted in ["Lead: \"", "Blank: \"", "Trail: \"", "Many: \"", "Ctl: \""] {
            assert!(text.contains(quoted), "{quoted} in\n{text}");
        }
        round_trip(&value);
        // A document that is one string, as a template's single output value may be.
        assert_eq!(to_yaml(&json!("a\nb")), "|-\n  a\n  b\n");
        round_trip(&json!("a\nb"));
        assert_eq!(to_yaml(&json!([])), "[]\n");
        assert_eq!(to_yaml(&json!({})), "{}\n");
        // An empty collection stays on its key's line.
        assert_eq!(to_yaml(&json!({"A": {}, "B": []})), "A: {}\nB: []\n");
    }

    #[test]
    fn unprintable_characters_and_unicode_line_breaks_are_escaped() {
        let value = json!({
            "A": "\u{85}next", "B": "x\u{2028}y\u{2029}z", "C": "\u{7}bell\u{feff}", "D": "tab\there \"q\" \\",
            "E": "multi\nline\u{85}", "F": "é ü 漢字 🚀", "G": "\u{9f}"
        });
        let text = to_yaml(&value);
        assert!(text.contains("A: \"\\Nnext\""), "{text}");
        assert!(text.contains("B: \"x\\Ly\\Pz\""), "{text}");
        assert!(text.contains("C: \"\\u0007bell\\uFEFF\""), "{text}");
        assert!(text.contains("E: \"multi\\nline\\N\""), "{text}");
        assert!(!text.contains('\u{85}') && !text.contains('\u{2028}'));
        round_trip(&value);
    }

    #[test]
    fn ordinary_strings_stay_plain_and_structure_round_trips() {
        let value = json!({
            "Resources": {
                "Web": {
                    "Type": "AWS::ECS::Service",
                    "DependsOn": ["A", "B"],
                    "Properties": {
                        "Arn": {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/x"},
                        "Count": 2, "Flag": true, "Empty": [], "EmptyMap": {},
                        "List": [{"Key": "k", "Value": "v"}, [1, 2], "s", null],
                        "Script": "line one\nline 'two' \"quoted\"\n"
                    }
                }
            }
        });
        let text = to_yaml(&value);
        assert!(text.contains("Type: AWS::ECS::Service\n"), "{text}");
        assert!(
            text.contains("Fn::Sub: arn:${AWS::Partition}:iam::aws:policy/x\n"),
            "{text}"
        );
        round_trip(&value);
    }
}
