//! A guard run before parsing: refuses text whose brackets, strings and
//! template interpolations nest deeper than [`MAX_DEPTH`]. The HCL parser and
//! evaluator recurse once per level, and a pathological file (thousands of
//! `(`) would otherwise overflow the stack and abort the process.
//!
//! This scanner only counts nesting; it must never be used to decide whether
//! text is valid HCL (the parser does that right after).

/// Deepest nesting accepted; real configurations stay far below it.
pub const MAX_DEPTH: usize = 64;

enum Frame {
    Bracket,
    Interp,
    Str,
    Heredoc(String),
}

/// The byte offset where nesting first exceeds [`MAX_DEPTH`], if it does.
pub fn too_deep(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        let at = i;
        let at_line_start = line_start;
        line_start = c == b'\n';
        match stack.last() {
            Some(Frame::Heredoc(marker)) => {
                if at_line_start {
                    let end = text[i..].find('\n').map_or(b.len(), |n| i + n);
                    if text[i..end].trim() == marker {
                        stack.pop();
                        i = end;
                        continue;
                    }
                }
                i += template_step(b, i, &mut stack);
            }
            Some(Frame::Str) => match c {
                b'\\' => i += 2,
                b'"' => {
                    stack.pop();
                    i += 1;
                }
                _ => i += template_step(b, i, &mut stack),
            },
            _ => match c {
                b'#' => i = skip_line(text, i),
                b'/' if b.get(i + 1) == Some(&b'/') => i = skip_line(text, i),
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                }
                b'"' => {
                    stack.push(Frame::Str);
                    i += 1;
                }
                b'<' if b.get(i + 1) == Some(&b'<') => {
                    let mut j = i + 2;
                    if b.get(j) == Some(&b'-') {
                        j += 1;
                    }
                    let end = text[j..].find('\n').map_or(b.len(), |n| j + n);
                    let marker = text[j..end].trim();
                    if !marker.is_empty()
                        && marker
                            .bytes()
                            .all(|x| x.is_ascii_alphanumeric() || x == b'_')
                    {
                        stack.push(Frame::Heredoc(marker.to_owned()));
                        i = end;
                    } else {
                        i += 2;
                    }
                }
                b'(' | b'[' | b'{' => {
                    stack.push(Frame::Bracket);
                    i += 1;
                }
                b')' | b']' => {
                    if matches!(stack.last(), Some(Frame::Bracket)) {
                        stack.pop();
                    }
                    i += 1;
                }
                b'}' => {
                    if matches!(stack.last(), Some(Frame::Bracket | Frame::Interp)) {
                        stack.pop();
                    }
                    i += 1;
                }
                _ => i += 1,
            },
        }
        if stack.len() > MAX_DEPTH {
            let mut off = at.min(b.len());
            while !text.is_char_boundary(off) {
                off -= 1;
            }
            return Some(off);
        }
    }
    None
}

/// One step inside string or heredoc text: an interpolation opens a frame.
fn template_step(b: &[u8], i: usize, stack: &mut Vec<Frame>) -> usize {
    match (b[i], b.get(i + 1), b.get(i + 2)) {
        (b'$', Some(b'$'), Some(b'{')) | (b'%', Some(b'%'), Some(b'{')) => 3,
        (b'$' | b'%', Some(b'{'), _) => {
            stack.push(Frame::Interp);
            2
        }
        _ => 1,
    }
}

fn skip_line(text: &str, i: usize) -> usize {
    text[i..].find('\n').map_or(text.len(), |n| i + n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_brackets_strings_and_interpolations() {
        let deep = format!("a = {}1{}", "(".repeat(65), ")".repeat(65));
        assert_eq!(too_deep(&deep), Some(4 + 64));
        let ok = format!("a = {}1{}", "(".repeat(60), ")".repeat(60));
        assert_eq!(too_deep(&ok), None);
        let nested = format!("a = \"{}x{}\"", "${\"".repeat(40), "\"}".repeat(40));
        assert!(too_deep(&nested).is_some());
    }

    #[test]
    fn ignores_brackets_in_comments_strings_and_heredocs() {
        let text = format!(
            "# {}\n// {}\n/* {} */\na = \"{}\"\nb = <<EOT\n{}\nEOT\n",
            "(".repeat(100),
            "[".repeat(100),
            "{".repeat(100),
            "(".repeat(100),
            "[".repeat(100)
        );
        assert_eq!(too_deep(&text), None);
    }
}
