/// A 1-based line and column (columns count UTF-16 units, as editors and V8 do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

/// The line and column of a byte offset into `source`.
pub fn locate(source: &str, offset: usize) -> Location {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() as u32 + 1;
    let column = before[line_start..].encode_utf16().count() as u32 + 1;
    Location { line, column }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Two lines of context either side of `loc`, a gutter with line numbers, and a caret under
/// the column: the frame Babel and Vite print, so users read it without learning a new format.
pub fn code_frame(source: &str, loc: Location) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let target = loc.line as usize;
    let first = target.saturating_sub(2).max(1);
    let last = (target + 2).min(lines.len().max(1));
    let width = last.to_string().len();
    let mut out = String::new();
    for n in first..=last {
        let text = lines.get(n - 1).copied().unwrap_or("");
        let marker = if n == target { '>' } else { ' ' };
        out.push_str(&format!("{marker} {n:>width$} | {text}\n"));
        if n == target {
            let pad: String = text
                .chars()
                .take(loc.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("  {:>width$} | {pad}^\n", ""));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_utf16_columns() {
        let src = "a\nb = 'é';\nccc";
        assert_eq!(locate(src, 0), Location { line: 1, column: 1 });
        assert_eq!(locate(src, 2), Location { line: 2, column: 1 });
        // 'é' is two bytes but one UTF-16 unit.
        assert_eq!(locate(src, src.find(';').unwrap()), Location { line: 2, column: 8 });
        assert_eq!(locate(src, 999), Location { line: 3, column: 4 });
    }

    #[test]
    fn frame_marks_the_line_and_column() {
        let src = "one\ntwo\nthree = 1 +;\nfour\nfive\nsix";
        let frame = code_frame(src, Location { line: 3, column: 12 });
        assert_eq!(frame, "  1 | one\n  2 | two\n> 3 | three = 1 +;\n    |            ^\n  4 | four\n  5 | five\n");
    }
}
