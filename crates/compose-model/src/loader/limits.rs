//! Limits on one compose file, checked before serde_yaml builds its document, so that hostile
//! input is refused in time linear in its size and in bounded memory, with the file, line and
//! path of the place that crosses a limit:
//! - the file's size ([`MAX_FILE_BYTES`]; the loader reads no further);
//! - how deep `[`/`{` collections nest, by a scan of the text before any parser reads it
//!   ([`check_flow_depth`]): the parsers take time quadratic in that nesting;
//! - how deep collections nest ([`MAX_DEPTH`]): serde_yaml's own limit, checked here so the
//!   error names the path, and counted through aliases as serde_yaml counts them;
//! - what the document expands to once every alias (`*name`, also under a `<<` merge key) is
//!   replaced by what its anchor names ([`MAX_NODES`], [`MAX_TEXT_BYTES`]). serde_yaml copies an
//!   alias's whole subtree each time, so nested anchors ("billion laughs") or one large anchor
//!   used thousands of times turn kilobytes of YAML into gigabytes. The walk over the parser's
//!   events sizes each anchor once, when it closes, adds that size at each alias, and stops at
//!   the first node past the limit, before anything is expanded (go-yaml, which Kubernetes and
//!   compose-go use, bounds its alias expansion the same way).
//!
//! The walk uses yaml-rust2, which the locator already uses for lines. Where it cannot parse a
//! document that serde_yaml accepts (the two differ on a few indentation corners), the same
//! totals are counted by serde_yaml itself with [`count`], which replays aliases but builds
//! nothing and stops at the limits.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;

use super::value::{child, index};
use crate::{Error, Location};

/// The largest compose file read. Real ones are tens of kilobytes, and one stack holds about a
/// hundred services (500 resources); 1 MiB is 2,500 services written out in full. The parsers
/// read a whole flow collection ahead, so one `[...]` of 1 MiB is the worst case: 0.4 s and
/// 100 MB in a release build (4 MiB took 1.8 s and 400 MB).
pub(crate) const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Collections nested deeper than this are refused: serde_yaml's recursion limit.
pub(crate) const MAX_DEPTH: usize = 128;

/// The most nodes (scalars, keys included, and collections) a file may expand to, aliases
/// replaced. A stack holds about a hundred services, some 10,000 values. Loading costs about 3 µs
/// a value in a release build: 200,000 (services merging large mappings of defaults) take half
/// a second and 60 MB.
pub(crate) const MAX_NODES: u64 = 200_000;

/// The most scalar text a file may expand to, aliases replaced: four times the largest file, so
/// only aliases can reach it (one long string named a million times is a million copies).
pub(crate) const MAX_TEXT_BYTES: u64 = 4 * MAX_FILE_BYTES;

/// How deep `[`/`{` flow collections may nest at most, as [`flow_depth`] over-estimates it.
///
/// Both YAML parsers read a whole flow collection ahead before its first event, and spend time
/// proportional to the nesting on every token of it, so a 4 MB line of `[[[[...` takes hours
/// before any limit on events can apply: this scan of the text comes first.
const MAX_FLOW_DEPTH: usize = MAX_DEPTH;

/// The deepest `[`/`{` nesting of `text`, never below what a YAML parser sees (a bracket in a
/// plain scalar is counted too). Quotes and comments are skipped only where YAML starts them: a
/// comment after a blank, a quote at the start of a scalar, and not past the end of the line
/// (counting a multi-line quoted string's later lines over-estimates, never under-estimates).
fn flow_depth(text: &str) -> (usize, usize) {
    let (mut depth, mut max, mut line, mut deepest_line) = (0usize, 0usize, 1usize, 1usize);
    let mut quote: Option<u8> = None;
    let mut comment = false;
    // The previous byte, and the last one that is not a blank (b'\n' at a line's start).
    let (mut previous, mut last_solid) = (b'\n', b'\n');
    let mut escaped = false;
    for &c in text.as_bytes() {
        if c == b'\n' {
            (quote, comment, escaped, line) = (None, false, false, line + 1);
            (previous, last_solid) = (c, c);
            continue;
        }
        if comment {
            continue;
        }
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if q == b'"' && c == b'\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            (previous, last_solid) = (c, c);
            continue;
        }
        let blank = matches!(previous, b' ' | b'\t' | b'\n' | b'\r');
        match c {
            b'#' if blank => comment = true,
            b'"' | b'\'' => {
                // Where a scalar may start: after `[`, `{` or `,`, or after a blank that follows
                // an indicator or begins the line. In a flow collection (as far as this scan
                // knows) `-` and `?` are no indicators: a scalar there may go on past them.
                let after_indicator = match last_solid {
                    b'[' | b'{' | b',' | b':' | b'\n' => true,
                    b'-' | b'?' => depth == 0,
                    _ => false,
                };
                if matches!(previous, b'[' | b'{' | b',') || (blank && after_indicator) {
                    quote = Some(c);
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    (max, deepest_line) = (depth, line);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
        if !matches!(c, b' ' | b'\t' | b'\r') {
            last_solid = c;
        }
    }
    (max, deepest_line)
}

/// Refuse `text` when its flow collections nest past [`MAX_FLOW_DEPTH`], before any parser
/// reads it.
pub(crate) fn check_flow_depth(file: &Path, text: &str) -> Result<(), Error> {
    let (depth, line) = flow_depth(text);
    if depth > MAX_FLOW_DEPTH {
        return Err(Error::invalid(
            Location {
                file: file.to_path_buf(),
                path: String::new(),
                line: Some(line),
            },
            format!(
                "invalid YAML: `[`/`{{` collections nested more than {MAX_FLOW_DEPTH} levels deep"
            ),
        ));
    }
    Ok(())
}

/// The nodes of a document already built (keys included), as [`MAX_NODES`] counts them.
pub(crate) fn nodes(value: &serde_yaml::Value) -> u64 {
    use serde_yaml::Value;
    match value {
        Value::Sequence(items) => 1 + items.iter().map(nodes).sum::<u64>(),
        Value::Mapping(map) => 1 + map.iter().map(|(k, v)| nodes(k) + nodes(v)).sum::<u64>(),
        Value::Tagged(tagged) => nodes(&tagged.value),
        _ => 1,
    }
}

/// `reader`'s content, refused past [`MAX_FILE_BYTES`] without reading further.
pub(crate) fn read_bounded(file: &Path, reader: impl Read) -> Result<String, Error> {
    let mut text = String::new();
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|error| Error::Io {
            file: file.to_path_buf(),
            error,
        })?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::invalid(
            Location {
                file: file.to_path_buf(),
                ..Default::default()
            },
            format!(
                "the file is larger than {} MiB, the limit for a compose file",
                MAX_FILE_BYTES >> 20
            ),
        ));
    }
    Ok(text)
}

/// What went past a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exceeded {
    Depth,
    Nodes,
    Text,
    /// An alias inside the node its anchor names: an infinite expansion.
    Recursive,
}

impl Exceeded {
    /// `alias`: the alias being read when the limit was crossed; `aliased`: whether aliases may
    /// have added to the document.
    fn message(self, alias: Option<&str>, aliased: bool) -> String {
        let at = match alias {
            Some(name) => format!(" at the alias *{name}"),
            None => String::new(),
        };
        let copies =
            "(each alias, `<<` merge keys included, is a full copy of what its anchor names)";
        match self {
            Exceeded::Depth => {
                format!("invalid YAML: collections nested more than {MAX_DEPTH} levels deep{at}")
            }
            Exceeded::Nodes if aliased => {
                format!("invalid YAML: the document expands past {MAX_NODES} values{at} {copies}")
            }
            Exceeded::Nodes => {
                format!("invalid YAML: the document has more than {MAX_NODES} values")
            }
            Exceeded::Text => format!(
                "invalid YAML: the document expands past {} MiB of text{at} {copies}",
                MAX_TEXT_BYTES >> 20
            ),
            Exceeded::Recursive => format!(
                "invalid YAML: the alias *{} is inside the node its anchor names: its copy never ends",
                alias.unwrap_or("?")
            ),
        }
    }
}

/// The running totals of the expanded document, and the limits they are held to.
#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    nodes: u64,
    text: u64,
}

impl Totals {
    fn add(&mut self, nodes: u64, text: u64) -> Result<(), Exceeded> {
        self.nodes = self.nodes.saturating_add(nodes);
        self.text = self.text.saturating_add(text);
        if self.nodes > MAX_NODES {
            Err(Exceeded::Nodes)
        } else if self.text > MAX_TEXT_BYTES {
            Err(Exceeded::Text)
        } else {
            Ok(())
        }
    }
}

/// What an anchored node expands to.
#[derive(Debug, Clone, Copy)]
struct Size {
    nodes: u64,
    text: u64,
    /// Collections nested in it, itself included (0 for a scalar).
    height: usize,
}

/// How a node was reached from its parent, for error paths.
enum Step {
    Root,
    Key(String),
    Index(usize),
    /// A node inside a mapping key.
    InKey,
}

/// A collection being read.
struct Open {
    anchor: usize,
    step: Step,
    /// The totals when it started: its size is what they grew by when it ends.
    before: Totals,
    /// The tallest child so far.
    height: usize,
    is_map: bool,
    /// Mapping: the last key read, or `None` when the next node is a key.
    key: Option<Step>,
    /// Sequence: the index of the next item.
    next: usize,
}

/// The walk's outcome.
pub(crate) enum Checked {
    /// Within the limits.
    Within,
    /// yaml-rust2 stopped at a syntax error before the end: serde_yaml decides (see [`count`]).
    Unparsed,
}

/// Whether `text` needs [`check`]'s walk: without a `*` there is no alias to expand, and text
/// shorter than [`MAX_NODES`] bytes cannot hold that many values (the densest YAML serde_yaml
/// reads, flow mappings of one-letter keys without values, `{a,b,c}`, holds a little under one
/// value a byte: a key and its empty value in every two). Such a file (almost every real one)
/// is within the limits without a second parse, which costs a tenth of a large project's
/// `convert`; serde_yaml itself stops past [`MAX_DEPTH`] levels of block nesting, and
/// [`check_flow_depth`] bounds the flow nesting it would take quadratic time on.
pub(crate) fn needs_check(text: &str) -> bool {
    text.contains('*') || (text.len() as u64) >= MAX_NODES
}

/// Walk `text`'s events and refuse it at the first node past a limit.
pub(crate) fn check(file: &Path, text: &str) -> Result<Checked, Error> {
    let mut parser = Parser::new_from_str(text);
    let mut walk = Walk::default();
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            Err(_) => return Ok(Checked::Unparsed),
        };
        let at_alias = matches!(event, Event::Alias(_));
        match walk.on(event) {
            Ok(true) => return Ok(Checked::Within),
            Ok(false) => {}
            Err(exceeded) => {
                let alias = at_alias.then(|| alias_name(text, mark)).flatten();
                return Err(Error::invalid(
                    Location {
                        file: file.to_path_buf(),
                        path: walk.path(),
                        line: Some(mark.line()),
                    },
                    exceeded.message(alias.as_deref(), walk.aliased),
                ));
            }
        }
    }
}

#[derive(Default)]
struct Walk {
    stack: Vec<Open>,
    totals: Totals,
    anchors: HashMap<usize, Size>,
    /// The step to the node that starts next, once its parent has been advanced.
    step: Option<Step>,
    /// Whether an alias has been read.
    aliased: bool,
}

impl Walk {
    /// Take one event; `Ok(true)` at the end of the stream.
    fn on(&mut self, event: Event) -> Result<bool, Exceeded> {
        match event {
            Event::StreamEnd => return Ok(true),
            Event::Scalar(value, _, anchor, _) => {
                self.advance(|| Step::Key(value.clone()));
                let len = value.len() as u64;
                self.totals.add(1, len)?;
                if anchor != 0 {
                    self.anchors.insert(
                        anchor,
                        Size {
                            nodes: 1,
                            text: len,
                            height: 0,
                        },
                    );
                }
            }
            Event::Alias(anchor) => {
                self.aliased = true;
                self.advance(|| Step::Key("*".into()));
                let size = *self.anchors.get(&anchor).ok_or(Exceeded::Recursive)?;
                if self.stack.len() + size.height > MAX_DEPTH {
                    return Err(Exceeded::Depth);
                }
                if let Some(parent) = self.stack.last_mut() {
                    parent.height = parent.height.max(size.height);
                }
                self.totals.add(size.nodes, size.text)?;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let is_map = matches!(event, Event::MappingStart(..));
                self.advance(|| Step::InKey);
                let step = self.step.take().unwrap_or(Step::Root);
                let before = self.totals;
                self.stack.push(Open {
                    anchor,
                    step,
                    before,
                    height: 0,
                    is_map,
                    key: None,
                    next: 0,
                });
                if self.stack.len() > MAX_DEPTH {
                    return Err(Exceeded::Depth);
                }
                self.totals.add(1, 0)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(open) = self.stack.pop() {
                    let height = open.height + 1;
                    if let Some(parent) = self.stack.last_mut() {
                        parent.height = parent.height.max(height);
                    }
                    if open.anchor != 0 {
                        self.anchors.insert(
                            open.anchor,
                            Size {
                                nodes: self.totals.nodes - open.before.nodes,
                                text: self.totals.text - open.before.text,
                                height,
                            },
                        );
                    }
                }
            }
            _ => {}
        }
        Ok(false)
    }

    /// Advance the parent past the node that starts now and remember the step to it. When the
    /// node is a mapping key, `as_key` is what the value after it is reached by.
    fn advance(&mut self, as_key: impl FnOnce() -> Step) {
        let Some(parent) = self.stack.last_mut() else {
            self.step = Some(Step::Root);
            return;
        };
        if !parent.is_map {
            self.step = Some(Step::Index(parent.next));
            parent.next += 1;
            return;
        }
        self.step = match parent.key.take() {
            Some(key) => Some(key),
            None => {
                parent.key = Some(as_key());
                Some(Step::InKey)
            }
        };
    }

    /// The path of the node read last (`services.web.ports[2]`).
    fn path(&self) -> String {
        let steps = self
            .stack
            .iter()
            .map(|open| &open.step)
            .chain(self.step.as_ref());
        let mut path = String::new();
        for step in steps {
            match step {
                Step::Root => {}
                Step::Key(key) => path = child(&path, key),
                Step::Index(i) => path = index(&path, *i),
                Step::InKey => return path,
            }
        }
        path
    }
}

/// The name of the alias whose `*` is at `mark`.
fn alias_name(text: &str, mark: Marker) -> Option<String> {
    let rest: String = text.chars().skip(mark.index()).take(200).collect();
    let name: String = rest
        .strip_prefix('*')?
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The same totals counted by serde_yaml itself, for the documents yaml-rust2 cannot parse:
/// aliases are replayed but nothing is built, and the count stops at the first node past a
/// limit. `Ok` when serde_yaml may build the document (a syntax error included: it reports it
/// before expanding anything).
pub(crate) fn count(file: &Path, text: &str) -> Result<(), Error> {
    let state = std::cell::RefCell::new(CountState::default());
    let Err(e) = serde_yaml::Deserializer::from_str(text)
        .next()
        .map_or(Ok(()), |document| Count(&state).deserialize(document))
    else {
        return Ok(());
    };
    let exceeded = match state.borrow().exceeded {
        Some(exceeded) => exceeded,
        None if e.to_string().starts_with("recursion limit exceeded") => Exceeded::Depth,
        None => return Ok(()),
    };
    Err(Error::invalid(
        Location {
            file: file.to_path_buf(),
            path: String::new(),
            line: e.location().map(|l| l.line()),
        },
        // serde_yaml replays aliases without a word: a `*` in the text is all that tells them.
        exceeded.message(None, text.contains('*')),
    ))
}

#[derive(Default)]
struct CountState {
    totals: Totals,
    exceeded: Option<Exceeded>,
}

/// A node to count, through serde's visitor.
#[derive(Clone, Copy)]
struct Count<'s>(&'s std::cell::RefCell<CountState>);

impl Count<'_> {
    fn add<E: serde::de::Error>(self, text: u64) -> Result<(), E> {
        let mut state = self.0.borrow_mut();
        match state.totals.add(1, text) {
            Ok(()) => Ok(()),
            Err(exceeded) => {
                state.exceeded = Some(exceeded);
                Err(E::custom("limit"))
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Count<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.add(0)
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.add(0)
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.add(0)
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.add(0)
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        self.add(s.len() as u64)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.add(0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.add(0)?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.add(0)?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A tagged node (`!reset [...]`): the tag, then the node.
        let (serde::de::IgnoredAny, content) = data.variant()?;
        content.newtype_variant_seed(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(text: &str) -> Result<(), String> {
        match check(Path::new("c.yaml"), text) {
            Ok(Checked::Within) => Ok(()),
            Ok(Checked::Unparsed) => Err("unparsed".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn counted(text: &str) -> Result<(), String> {
        count(Path::new("c.yaml"), text).map_err(|e| e.to_string())
    }

    /// A flow sequence closed at column 0 under a key: libyaml accepts it, yaml-rust2 does not, so
    /// a document that starts with it is counted by serde_yaml ([`count`]).
    const YAML_RUST2_REFUSES: &str = "x-c: [\n]\n";

    /// `x:` and a list of 5,000 mappings of the 26 one-letter keys without values: 265,003
    /// values in 270,005 bytes, and no alias.
    fn dense_without_aliases() -> String {
        let letters: Vec<String> = ('a'..='z').map(String::from).collect();
        let group = format!("{{{}}}", letters.join(","));
        format!("x: [{}]\n", vec![group.as_str(); 5_000].join(","))
    }

    /// Nine levels of ten aliases each to the level below: 10^9 scalars once expanded.
    fn laughs(levels: usize) -> String {
        let mut s = String::from("x-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..levels {
            let refs = vec![format!("*l{}", i - 1); 10].join(", ");
            s.push_str(&format!("x-l{i}: &l{i} [{refs}]\n"));
        }
        s + "services:\n  web:\n    image: nginx\n"
    }

    #[test]
    fn flow_depth_skips_only_what_yaml_skips() {
        let depth = |text: &str| flow_depth(text).0;
        assert_eq!(depth("a: \"[[[\" # {{{\nb: [[1], {c: 2}]\n"), 2);
        // `#` without a blank before it is no comment.
        assert_eq!(depth("a: '[['\nb: x#[[\n"), 2);
        // A quote inside a plain scalar starts nothing: the brackets after it count.
        assert_eq!(depth("x: [a 'b [[\n"), 3);
        assert_eq!(depth("x: [a - 'b [[\n"), 3);
        // An escaped quote does not end a double-quoted string.
        assert_eq!(depth(r#"x: ["a\"[[", [b]]"#), 2);
        // A quote left open ends with its line.
        assert_eq!(depth("x: 'a\ny: [[]]\n"), 2);
        // Outside flow collections, `- ` and `? ` are indicators a quoted scalar may follow.
        assert_eq!(depth("- '[[['\n? \"{{\"\n: x\n"), 0);
        let err = check_flow_depth(
            Path::new("c.yaml"),
            &format!("a: 1\nx: [a 'b{}", "[".repeat(200)),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "c.yaml:2: invalid YAML: `[`/`{` collections nested more than 128 levels deep"
        );
        // Of two lines past the limit, the error names the first.
        let twice = format!("x: {0}\ny: {0}\n", "[".repeat(200) + &"]".repeat(200));
        let err = check_flow_depth(Path::new("c.yaml"), &twice).unwrap_err();
        assert!(err.to_string().starts_with("c.yaml:1: "), "{err}");
        // The limit itself is allowed; one more is not.
        let nested = |levels: usize| format!("x: {}{}\n", "[".repeat(levels), "]".repeat(levels));
        assert!(check_flow_depth(Path::new("c.yaml"), &nested(MAX_FLOW_DEPTH)).is_ok());
        assert!(check_flow_depth(Path::new("c.yaml"), &nested(MAX_FLOW_DEPTH + 1)).is_err());
    }

    #[test]
    fn sizes_anchors_and_counts_each_alias_in_full() {
        let mut w = Walk::default();
        let mut parser = Parser::new_from_str("a: &a [x, {y: z}]\nb: [*a, *a]\n");
        while let Ok((event, _)) = parser.next_token() {
            if w.on(event).unwrap() {
                break;
            }
        }
        // The root, `a`, the anchor's 5 nodes ([, x, {, y, z), `b`, its list and two copies.
        assert_eq!(w.totals.nodes, 1 + 1 + 5 + 1 + 1 + 2 * 5);
        assert_eq!(w.totals.text, 1 + 3 + 1 + 2 * 3);
    }

    #[test]
    fn a_billion_laughs_is_refused_at_the_alias_that_crosses_the_limit() {
        let err = walk(&laughs(9)).unwrap_err();
        assert!(
            err.starts_with("c.yaml:6: x-l5[0]: invalid YAML: the document expands past 200000 values at the alias *l4 (each alias"),
            "{err}"
        );
        // Five levels (100,000 scalars) are within the limit.
        assert!(walk(&laughs(5)).is_ok());
    }

    #[test]
    fn depth_counts_what_aliases_bring() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(walk(&format!("x: {}\n", nested(MAX_DEPTH - 1))).is_ok());
        let err = walk(&format!("x: {}\n", nested(MAX_DEPTH))).unwrap_err();
        assert!(
            err.starts_with("c.yaml:1: x[0][0]"),
            "the path of the first node too deep: {err}"
        );
        assert!(err.contains("nested more than 128 levels deep"), "{err}");
        // 100 levels under an anchor, used 100 levels down: 200 once serde_yaml expands it.
        let text = format!(
            "a: &deep {}\nb: {}*deep{}\n",
            nested(100),
            "[".repeat(100),
            "]".repeat(100)
        );
        let err = walk(&text).unwrap_err();
        assert!(
            err.contains("more than 128 levels deep at the alias *deep"),
            "{err}"
        );
    }

    #[test]
    fn the_depth_limit_is_where_serde_yaml_stops() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let block = |n: usize| {
            let keys: String = (0..n).map(|i| format!("{}k:\n", "  ".repeat(i))).collect();
            format!("{keys}{}v\n", "  ".repeat(n))
        };
        let cases = [
            // The top-level mapping is one level.
            format!("x: {}\n", nested(127)),
            format!("x: {}\n", nested(128)),
            // Block mappings: 128 levels, then 129.
            block(128),
            block(129),
            // An anchor 27 levels tall named 100 and 101 levels down.
            format!(
                "a: &a {}\nb: {}*a{}\n",
                nested(27),
                "[".repeat(100),
                "]".repeat(100)
            ),
            format!(
                "a: &a {}\nb: {}*a{}\n",
                nested(27),
                "[".repeat(101),
                "]".repeat(101)
            ),
        ];
        let verdicts: Vec<(bool, bool)> = cases
            .iter()
            .map(|text| {
                let serde = serde_yaml::from_str::<serde_yaml::Value>(text).is_ok();
                (walk(text).is_ok(), serde)
            })
            .collect();
        let serde: Vec<bool> = verdicts.iter().map(|v| v.1).collect();
        assert_eq!(
            serde,
            [true, false, true, false, true, false],
            "the cases border the limit"
        );
        for ((ours, theirs), text) in verdicts.iter().zip(&cases) {
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn an_alias_inside_its_own_anchor_is_refused() {
        let err = walk("a: &a [1, *a]\n").unwrap_err();
        assert_eq!(
            err,
            "c.yaml:1: a[1]: invalid YAML: the alias *a is inside the node its anchor names: its copy never ends"
        );
    }

    #[test]
    fn serde_yaml_counts_the_same_when_yaml_rust2_cannot_parse() {
        let corner = YAML_RUST2_REFUSES;
        assert!(serde_yaml::from_str::<serde_yaml::Value>(corner).is_ok());
        // One 100 KB string named 200 times: 20 MB of text, and too few aliases for serde_yaml's
        // own limit on them (100 per event of the file).
        let wide = |uses: usize| {
            format!(
                "x-a: &a {}\nx-b: [{}]\n",
                "a".repeat(100_000),
                vec!["*a"; uses].join(",")
            )
        };
        let bomb = format!("{corner}{}", wide(200));
        assert_eq!(walk(&bomb), Err("unparsed".into()));
        let err = counted(&bomb).unwrap_err();
        assert!(
            err.contains("expands past 4 MiB of text (each alias"),
            "{err}"
        );
        assert!(err.starts_with("c.yaml:"), "{err}");
        assert!(counted(&format!("{corner}{}", wide(30))).is_ok());
        let deep = format!("{corner}x: {}{}\n", "[".repeat(200), "]".repeat(200));
        assert!(counted(&deep).unwrap_err().contains("128 levels deep"));
        // A syntax error is serde_yaml's to report, when it builds the document.
        assert_eq!(counted(&format!("{corner}x: [a, b\n")), Ok(()));
        // Without an alias, a document past the value limit is not said to expand.
        let dense = format!("{corner}{}", dense_without_aliases());
        assert_eq!(walk(&dense), Err("unparsed".into()));
        let err = counted(&dense).unwrap_err();
        assert!(
            err.ends_with("invalid YAML: the document has more than 200000 values"),
            "{err}"
        );
    }

    #[test]
    fn serde_yaml_counts_every_kind_of_scalar() {
        // 1,000 scalars named 250 times: 250,000 values, past the bound whatever the scalar.
        for scalar in ["true", "1", "-1", "1.5", "~", "null", "x"] {
            let doc = format!(
                "{YAML_RUST2_REFUSES}x-a: &a [{}]\nx-b: [{}]\n",
                vec![scalar; 1000].join(","),
                vec!["*a"; 250].join(",")
            );
            let err = counted(&doc).unwrap_err();
            assert!(err.contains("200000 values"), "{scalar}: {err}");
        }
    }

    #[test]
    fn files_past_the_size_limit_are_not_read_further() {
        let big = std::io::repeat(b'a');
        let err = read_bounded(Path::new("c.yaml"), big)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "c.yaml: the file is larger than 1 MiB, the limit for a compose file"
        );
        assert_eq!(
            read_bounded(Path::new("c.yaml"), "a: 1\n".as_bytes()).unwrap(),
            "a: 1\n"
        );
        // The limit itself is read.
        let largest = std::io::repeat(b'a').take(MAX_FILE_BYTES);
        let text = read_bounded(Path::new("c.yaml"), largest).unwrap();
        assert_eq!(text.len() as u64, MAX_FILE_BYTES);
    }

    #[test]
    fn the_value_and_text_limits_themselves_are_allowed() {
        // The top mapping, its key and the list are 3 values; the items make up the rest.
        let items = |n: u64| format!("x: [{}]\n", vec!["a"; n as usize].join(","));
        assert_eq!(walk(&items(MAX_NODES - 3)), Ok(()));
        let err = walk(&items(MAX_NODES - 2)).unwrap_err();
        assert!(err.contains("has more than 200000 values"), "{err}");
        // Keys count as text: 1 + 4096 + 1 + 1022 copies of 4096 + 1 + the last value's length.
        let text = |last: usize| {
            let anchored = "s".repeat(4096);
            let copies = vec!["*a"; 1022].join(",");
            format!("a: &a {anchored}\nb: [{copies}]\nc: {}\n", "t".repeat(last))
        };
        assert_eq!(walk(&text(4093)), Ok(()));
        let err = walk(&text(4094)).unwrap_err();
        assert!(err.contains("expands past 4 MiB of text"), "{err}");
    }

    #[test]
    fn a_file_without_aliases_is_held_to_the_value_limit_too() {
        let text = dense_without_aliases();
        assert!(!text.contains('*') && text.len() < 2 * MAX_NODES as usize);
        let err = super::super::document::parse(Path::new("c.yaml"), &text)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "c.yaml:1: x[3773].n: invalid YAML: the document has more than 200000 values"
        );
    }

    #[test]
    fn a_built_document_counts_its_keys_collections_and_scalars() {
        // What `extends` counts its copies with: the mapping, `a`, the list, `1`, the tagged
        // mapping, `b`, `2`, `c` and `d`.
        let doc: serde_yaml::Value = serde_yaml::from_str("a: [1, !t {b: 2}]\nc: d\n").unwrap();
        assert_eq!(nodes(&doc), 9);
    }
}
