//! docker's output as clean lines: read as it comes (a build can print for minutes), escape codes
//! removed (the classic builder colours a RUN step's stderr even into a pipe), the last few kept for
//! the error when the build fails.

use std::collections::VecDeque;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// Call `on_line` with each line of `reader` until it ends (a read error ends it too: the exit
/// status of the process says what happened).
pub(crate) async fn read_lines<R: AsyncRead + Unpin>(reader: R, on_line: &(dyn Fn(String) + Sync)) {
    let mut reader = BufReader::new(reader);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(_) => on_line(clean(&buffer)),
        }
    }
}

/// The text of a line: invalid UTF-8 replaced, ANSI escape sequences and the line end removed.
pub(crate) fn clean(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                // CSI: ESC [ parameters... final byte in @..~
                Some('[') => {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC (a window title, a link): up to BEL or ESC \.
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                // Any other escape: intermediate bytes (space to /), then one final character.
                Some(_) => {
                    while chars.next_if(|c| (' '..='/').contains(c)).is_some() {}
                    chars.next();
                }
                None => {}
            },
            '\r' | '\n' => {}
            c => out.push(c),
        }
    }
    out.trim_end().to_string()
}

/// The last `limit` non-blank lines.
#[derive(Debug)]
pub(crate) struct Tail {
    lines: VecDeque<String>,
    limit: usize,
}

impl Tail {
    pub fn new(limit: usize) -> Tail {
        Tail {
            lines: VecDeque::with_capacity(limit),
            limit,
        }
    }

    pub fn push(&mut self, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        if self.lines.len() == self.limit {
            self.lines.pop_front();
        }
        self.lines.push_back(line.to_string());
    }

    pub fn into_lines(self) -> Vec<String> {
        self.lines.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_line_ends_are_removed() {
        // As the classic builder prints a RUN step's stderr.
        assert_eq!(
            clean(b"\x1b[91mls: /nonexistent: No such file or directory\n"),
            "ls: /nonexistent: No such file or directory"
        );
        assert_eq!(clean(b"\x1b[0mStep 2/2 : RUN x\r\n"), "Step 2/2 : RUN x");
        assert_eq!(clean(b"\x1b(Bplain\xff"), "plain\u{fffd}");
        assert_eq!(clean(b"\x1b]0;title\x07a\x1b]8;;u\x1b\\b\x1b7c"), "abc");
    }

    #[test]
    fn the_tail_keeps_the_last_lines() {
        let mut tail = Tail::new(3);
        for line in ["1", "", "2", "3", "  ", "4"] {
            tail.push(line);
        }
        assert_eq!(tail.into_lines(), ["2", "3", "4"]);
    }

    #[tokio::test]
    async fn lines_are_read_to_the_end_without_a_final_newline() {
        let lines = std::sync::Mutex::new(Vec::new());
        let input: &[u8] = b"one\ntwo\r\nthree";
        read_lines(input, &|line| lines.lock().unwrap().push(line)).await;
        assert_eq!(lines.into_inner().unwrap(), ["one", "two", "three"]);
    }
}
