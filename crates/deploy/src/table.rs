//! Plain-text tables like the docker CLI prints: a header row, columns padded to their widest cell
//! and separated by three spaces, no trailing spaces.

const GAP: &str = "   ";

/// Render `headers` and `rows` (each row as many cells as headers) as lines ending with `\n`.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(i) {
                *width = (*width).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let header: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    push_line(&mut out, &header, &widths);
    for row in rows {
        push_line(&mut out, row, &widths);
    }
    out
}

fn push_line(out: &mut String, cells: &[String], widths: &[usize]) {
    let mut line = String::new();
    for (i, width) in widths.iter().enumerate() {
        let cell = cells.get(i).map(String::as_str).unwrap_or("");
        if i > 0 {
            line.push_str(GAP);
        }
        line.push_str(cell);
        let pad = width.saturating_sub(cell.chars().count());
        line.extend(std::iter::repeat_n(' ', pad));
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// Rows as a pretty-printed JSON array ending with a newline (`--format json`).
pub fn render_json<T: serde::Serialize>(rows: &[T]) -> String {
    let mut text = serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".to_string());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_columns_to_the_widest_cell_without_trailing_spaces() {
        let rows = vec![
            vec![
                "web-1a2b3c4d".to_string(),
                "web".to_string(),
                "running".to_string(),
            ],
            vec!["db".to_string(), "database".to_string(), String::new()],
        ];
        assert_eq!(
            render(&["NAME", "SERVICE", "STATUS"], &rows),
            "NAME           SERVICE    STATUS\n\
             web-1a2b3c4d   web        running\n\
             db             database\n"
        );
    }

    #[test]
    fn header_only_when_there_are_no_rows() {
        assert_eq!(render(&["NAME", "STATUS"], &[]), "NAME   STATUS\n");
    }

    #[test]
    fn counts_characters_not_bytes() {
        let rows = vec![vec!["é".to_string(), "x".to_string()]];
        assert_eq!(render(&["AB", "C"], &rows), "AB   C\né    x\n");
    }
}
