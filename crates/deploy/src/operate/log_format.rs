//! How `logs` prints a line, like `docker compose logs`: the container name padded to the widest
//! name plus one, then ` | `, in a colour per service; optionally an RFC 3339 timestamp before the
//! message. Pure: no AWS, no terminal detection (the command decides whether colour is on).

use crate::operate::time_args::format_millis;

/// `docker compose`'s colour order: cyan, yellow, green, magenta, blue, then their bold variants.
pub const PALETTE: [&str; 10] = [
    "36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1",
];

/// What the flags ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogStyle {
    pub colour: bool,
    pub prefix: bool,
    pub timestamps: bool,
}

/// One event to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine<'a> {
    /// The name in the prefix: the service, or an init container's name.
    pub name: &'a str,
    /// Position of the owning service in the project's service order; picks the colour.
    pub colour_index: usize,
    pub timestamp_ms: i64,
    pub message: &'a str,
}

/// Format one event; a multi-line message gives one prefixed line per line. Every line ends with
/// `\n`; a trailing newline in the message does not make an empty line.
pub fn format_line(style: LogStyle, width: usize, line: &LogLine<'_>) -> String {
    let prefix = if style.prefix {
        let plain = format!("{:<width$} | ", line.name, width = width);
        if style.colour {
            let code = PALETTE[line.colour_index % PALETTE.len()];
            format!("\x1b[{code}m{plain}\x1b[0m")
        } else {
            plain
        }
    } else {
        String::new()
    };
    let timestamp = if style.timestamps {
        format!("{} ", format_millis(line.timestamp_ms))
    } else {
        String::new()
    };
    let message = line.message.strip_suffix('\n').unwrap_or(line.message);
    let mut out = String::new();
    for text in message.split('\n') {
        let text = text.strip_suffix('\r').unwrap_or(text);
        out.push_str(&prefix);
        out.push_str(&timestamp);
        out.push_str(text);
        out.push('\n');
    }
    out
}

/// Prefix width for a set of names: the longest plus one, as `docker compose` pads.
pub fn prefix_width<'a>(names: impl IntoIterator<Item = &'a str>) -> usize {
    names
        .into_iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        + 1
}

/// Formats events one after the other; the prefix width grows when a longer name shows up (an
/// init container first seen while following), as `docker compose logs` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPrinter {
    style: LogStyle,
    width: usize,
}

impl LogPrinter {
    /// Start with the width of the names known up front (the services shown).
    pub fn new<'a>(style: LogStyle, names: impl IntoIterator<Item = &'a str>) -> Self {
        LogPrinter {
            style,
            width: prefix_width(names),
        }
    }

    /// Make room for more names (all the containers of a one-shot read, before printing it).
    pub fn widen<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        self.width = self.width.max(prefix_width(names));
    }

    pub fn format(&mut self, line: &LogLine<'_>) -> String {
        self.widen([line.name]);
        format_line(self.style, self.width, line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: LogStyle = LogStyle {
        colour: false,
        prefix: true,
        timestamps: false,
    };

    fn line<'a>(name: &'a str, colour_index: usize, message: &'a str) -> LogLine<'a> {
        LogLine {
            name,
            colour_index,
            timestamp_ms: 1_764_062_523_120,
            message,
        }
    }

    #[test]
    fn pads_names_to_the_widest_plus_one() {
        let width = prefix_width(["web", "db"]);
        assert_eq!(width, 4);
        assert_eq!(
            format_line(PLAIN, width, &line("web", 0, "hello\n")),
            "web  | hello\n"
        );
        assert_eq!(
            format_line(PLAIN, width, &line("db", 1, "ready")),
            "db   | ready\n"
        );
    }

    #[test]
    fn colours_the_prefix_by_service_position() {
        let style = LogStyle {
            colour: true,
            ..PLAIN
        };
        assert_eq!(
            format_line(style, 4, &line("web", 0, "hi")),
            "\x1b[36mweb  | \x1b[0mhi\n"
        );
        assert_eq!(
            format_line(style, 4, &line("db", 1, "hi")),
            "\x1b[33mdb   | \x1b[0mhi\n"
        );
        // Past the palette the colours wrap around.
        assert_eq!(
            format_line(style, 4, &line("x", 12, "hi")),
            "\x1b[32mx    | \x1b[0mhi\n"
        );
    }

    #[test]
    fn timestamps_come_after_the_prefix() {
        let style = LogStyle {
            timestamps: true,
            ..PLAIN
        };
        assert_eq!(
            format_line(style, 4, &line("web", 0, "hi")),
            "web  | 2025-11-25T09:22:03.120Z hi\n"
        );
    }

    #[test]
    fn no_prefix_and_multi_line_messages() {
        let style = LogStyle {
            prefix: false,
            ..PLAIN
        };
        assert_eq!(format_line(style, 4, &line("web", 0, "a\r\nb\n")), "a\nb\n");
        assert_eq!(
            format_line(PLAIN, 4, &line("web", 0, "a\nb")),
            "web  | a\nweb  | b\n"
        );
        assert_eq!(format_line(PLAIN, 4, &line("web", 0, "")), "web  | \n");
    }

    #[test]
    fn the_printer_widens_for_names_seen_later() {
        let mut printer = LogPrinter::new(PLAIN, ["web", "db"]);
        assert_eq!(printer.format(&line("db", 1, "a")), "db   | a\n");
        assert_eq!(printer.format(&line("web_init", 1, "b")), "web_init  | b\n");
        assert_eq!(printer.format(&line("db", 1, "c")), "db        | c\n");
        printer.widen(["x"]);
        assert_eq!(printer.format(&line("web", 0, "d")), "web       | d\n");
    }
}
