//! Line numbers for error messages: a walk over the YAML events of a file that records the line of
//! every path (`services.web.ports[1]` -> 12). serde_yaml's `Value` carries no positions, so this is
//! a second, cheap parse done only when an error needs a line.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::value::{child, index};

/// Path -> 1-based line of the key (for mapping entries) or of the item (for sequence entries).
#[derive(Debug, Default, Clone)]
pub(crate) struct Positions {
    lines: HashMap<String, usize>,
}

impl Positions {
    pub(crate) fn of(text: &str) -> Positions {
        let mut walker = Walker::default();
        let mut parser = Parser::new_from_str(text);
        // A syntax error stops the walk: the lines seen so far stay useful.
        let _ = parser.load(&mut walker, false);
        Positions {
            lines: walker.lines,
        }
    }

    /// The line of `path`, or of its closest ancestor that has one.
    pub(crate) fn line(&self, path: &str) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some(line) = self.lines.get(p) {
                return Some(*line);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }

    /// The line of exactly `path`.
    pub(crate) fn exact(&self, path: &str) -> Option<usize> {
        self.lines.get(path).copied()
    }
}

enum Frame {
    Map {
        path: String,
        key: Option<String>,
        /// A complex (non-scalar) key is being read: its nodes are not recorded.
        in_complex_key: bool,
    },
    Seq {
        path: String,
        next: usize,
    },
    /// A node under a complex key: ignored.
    Ignored,
}

#[derive(Default)]
struct Walker {
    stack: Vec<Frame>,
    lines: HashMap<String, usize>,
}

impl Walker {
    /// The path of the node that starts now, and whether it should be recorded. Advances the parent.
    fn next_node_path(&mut self, is_scalar: bool, scalar: &str) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Ignored) => None,
            Some(Frame::Seq { path, next }) => {
                let p = index(path, *next);
                *next += 1;
                Some(p)
            }
            Some(Frame::Map {
                path,
                key,
                in_complex_key,
            }) => {
                if *in_complex_key {
                    return None;
                }
                match key.take() {
                    Some(k) => Some(child(path, &k)),
                    None => {
                        // This node is a key.
                        if is_scalar {
                            *key = Some(scalar.to_string());
                        } else {
                            *key = Some(String::from("?"));
                            *in_complex_key = true;
                        }
                        None
                    }
                }
            }
        }
    }

    fn record(&mut self, path: &str, mark: Marker) {
        self.lines.entry(path.to_string()).or_insert(mark.line());
    }

    fn record_key(&mut self, mark: Marker) {
        if let Some(Frame::Map {
            path, key: Some(k), ..
        }) = self.stack.last()
        {
            let p = child(path, k);
            self.lines.entry(p).or_insert(mark.line());
        }
    }

    fn close(&mut self) {
        self.stack.pop();
        if let Some(Frame::Map { in_complex_key, .. }) = self.stack.last_mut() {
            if *in_complex_key {
                *in_complex_key = false;
            }
        }
    }
}

impl MarkedEventReceiver for Walker {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                let in_seq = matches!(self.stack.last(), Some(Frame::Seq { .. }));
                match self.next_node_path(true, &value) {
                    Some(p) => {
                        self.record(&p, mark);
                        // `- KEY=VALUE` / `- name` items become mapping keys once canonical
                        // (`environment`, `networks`, `depends_on`...): give those paths a line too.
                        if in_seq {
                            if let Some(Frame::Seq { path, .. }) = self.stack.last() {
                                let key = value.split('=').next().unwrap_or_default();
                                if !key.is_empty() {
                                    let alias = child(path, key);
                                    self.lines.entry(alias).or_insert(mark.line());
                                }
                            }
                        }
                    }
                    // A mapping key (under a complex key, nothing to record).
                    None => self.record_key(mark),
                }
            }
            Event::Alias(_) => {
                if let Some(p) = self.next_node_path(true, "*") {
                    self.record(&p, mark);
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_map = matches!(ev, Event::MappingStart(..));
                let frame = match self.next_node_path(false, "") {
                    Some(p) => {
                        self.record(&p, mark);
                        if is_map {
                            Frame::Map {
                                path: p,
                                key: None,
                                in_complex_key: false,
                            }
                        } else {
                            Frame::Seq { path: p, next: 0 }
                        }
                    }
                    None => Frame::Ignored,
                };
                self.stack.push(frame);
            }
            Event::MappingEnd | Event::SequenceEnd => self.close(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "services:\n  web:\n    image: nginx\n    ports:\n      - \"80:80\"\n      - target: 81\n        published: 8081\n    labels: {a: b}\n";

    #[test]
    fn records_lines_of_keys_and_items() {
        let p = Positions::of(DOC);
        assert_eq!(p.exact("services"), Some(1));
        assert_eq!(p.exact("services.web"), Some(2));
        assert_eq!(p.exact("services.web.image"), Some(3));
        assert_eq!(p.exact("services.web.ports[0]"), Some(5));
        assert_eq!(p.exact("services.web.ports[1]"), Some(6));
        assert_eq!(p.exact("services.web.ports[1].published"), Some(7));
        assert_eq!(p.exact("services.web.labels.a"), Some(8));
    }

    #[test]
    fn falls_back_to_the_closest_ancestor() {
        let p = Positions::of(DOC);
        assert_eq!(p.line("services.web.ports[0].target"), Some(5));
        assert_eq!(p.line("services.web.environment.FOO"), Some(2));
        assert_eq!(p.line("nothing"), None);
    }

    #[test]
    fn list_items_also_answer_for_their_canonical_key() {
        let p = Positions::of("services:\n  web:\n    environment:\n      - A=1\n      - B\n    networks:\n      - front\n");
        assert_eq!(p.exact("services.web.environment.A"), Some(4));
        assert_eq!(p.exact("services.web.environment.B"), Some(5));
        assert_eq!(p.exact("services.web.networks.front"), Some(7));
    }

    #[test]
    fn aliases_take_their_place_in_lists_and_mappings() {
        let p = Positions::of("a: &a 1\nl:\n  - *a\n  - two\nb: *a\nc: 3\n");
        assert_eq!(p.exact("l[0]"), Some(3));
        assert_eq!(p.exact("l[1]"), Some(4));
        assert_eq!(p.exact("b"), Some(5));
        assert_eq!(p.exact("c"), Some(6));
    }

    #[test]
    fn survives_complex_keys_and_syntax_errors() {
        let p = Positions::of("? [a, b]\n: x\nc: 1\n? {d: e}\n: y\n");
        assert_eq!(p.exact("c"), Some(3));
        // Nothing inside a complex key is a path of the document.
        assert_eq!(p.exact("d"), None);
        let p = Positions::of("a: 1\nb: [\n");
        assert_eq!(p.exact("a"), Some(1));
    }
}
