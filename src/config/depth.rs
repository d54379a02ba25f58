//! A guard run before parsing: refuses text whose brackets, strings,
//! template interpolations and operator chains nest deeper than
//! [`MAX_DEPTH`]. The HCL parser and evaluator recurse once per level, and
//! each unary, binary or conditional operator of an expression is a level
//! too, as is each open `%{ if }` / `%{ for }` template directive, so a
//! pathological file (thousands of `(`, `!`, `-`, `+`, `a ? b :` or
//! `%{ if x }`) would otherwise overflow the stack and abort the process.
//!
//! This scanner only counts nesting; it must never be used to decide whether
//! text is valid HCL (the parser does that right after).

/// Deepest nesting accepted; real configurations stay far below it.
pub const MAX_DEPTH: usize = 64;

enum Frame {
    /// `(`, `[` or `{`, and the operators counted inside it so far.
    Bracket(u8, usize),
    /// `${` or `%{`, and the operators counted inside it so far.
    Interp(usize),
    /// A quoted template, and its open `%{ if }` / `%{ for }` directives.
    Str(usize),
    /// A heredoc template (its end marker), and its open directives.
    Heredoc(String, usize),
}

/// The operators counted in the innermost frame (or at the top level).
fn ops_of<'a>(stack: &'a mut [Frame], top: &'a mut usize) -> Option<&'a mut usize> {
    match stack.last_mut() {
        None => Some(top),
        Some(Frame::Bracket(_, n) | Frame::Interp(n)) => Some(n),
        Some(Frame::Str(_) | Frame::Heredoc(..)) => None,
    }
}

/// Whether `c` can be part of an identifier or a number (`a-b` is one name).
fn word(c: Option<&u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// The byte offset where nesting first exceeds [`MAX_DEPTH`], if it does.
pub fn too_deep(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    // Operators in open frames (and at the top level), all together.
    let mut ops = 0usize;
    let mut top = 0usize;
    let mut i = 0;
    let mut line_start = true;
    // Inside a name (`a-b` is one name; `1-1` is a subtraction).
    let mut ident = false;
    while i < b.len() {
        let c = b[i];
        let at = i;
        let at_line_start = line_start;
        line_start = c == b'\n';
        if !matches!(stack.last(), Some(Frame::Str(_) | Frame::Heredoc(..))) {
            let prev = i.checked_sub(1).map(|p| b[p]);
            if word(Some(&c)) {
                let continues = word(prev.as_ref()) || (prev == Some(b'-') && ident);
                if !continues {
                    ident = c.is_ascii_alphabetic() || c == b'_';
                }
            } else if c != b'-' {
                ident = false;
            }
        }
        match stack.last() {
            Some(Frame::Heredoc(marker, open)) => {
                if at_line_start {
                    let end = text[i..].find('\n').map_or(b.len(), |n| i + n);
                    if text[i..end].trim() == marker {
                        ops -= *open;
                        stack.pop();
                        i = end;
                        continue;
                    }
                }
                i += template_step(b, i, &mut stack, &mut ops);
            }
            Some(Frame::Str(open)) => match c {
                b'\\' => i += 2,
                b'"' => {
                    ops -= *open;
                    stack.pop();
                    i += 1;
                }
                _ => i += template_step(b, i, &mut stack, &mut ops),
            },
            _ => match c {
                b'#' => i = skip_line(text, i),
                b'/' if b.get(i + 1) == Some(&b'/') => i = skip_line(text, i),
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                }
                b'"' => {
                    stack.push(Frame::Str(0));
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
                        stack.push(Frame::Heredoc(marker.to_owned(), 0));
                        i = end;
                    } else {
                        i += 2;
                    }
                }
                b'(' | b'[' | b'{' => {
                    stack.push(Frame::Bracket(c, 0));
                    i += 1;
                }
                b')' | b']' | b'}' => {
                    let n = match stack.last() {
                        Some(Frame::Bracket(_, n)) => Some(*n),
                        Some(Frame::Interp(n)) if c == b'}' => Some(*n),
                        _ => None,
                    };
                    if let Some(n) = n {
                        ops -= n;
                        stack.pop();
                    }
                    i += 1;
                }
                // An expression ends at a comma, and at the end of a line
                // outside parentheses and lists.
                b',' | b'\n' => {
                    let ends =
                        c == b',' || !matches!(stack.last(), Some(Frame::Bracket(b'(' | b'[', _)));
                    if ends {
                        if let Some(n) = ops_of(&mut stack, &mut top) {
                            ops -= *n;
                            *n = 0;
                        }
                    }
                    i += 1;
                }
                _ => {
                    let next = b.get(i + 1);
                    let prev = i.checked_sub(1).and_then(|p| b.get(p));
                    let (is_op, width) = match c {
                        b'!' | b'?' | b'+' | b'/' | b'%' => {
                            (true, 1 + usize::from(next == Some(&b'=')))
                        }
                        b'&' | b'|' => (next == Some(&c), 2),
                        b'=' => (next == Some(&b'='), 2),
                        b'<' | b'>' => (prev != Some(&b'='), 1 + usize::from(next == Some(&b'='))),
                        // `a-b` is a name; `a - b` and `-a` are operators.
                        b'-' => (!(ident && word(next)), 1),
                        // `[*]` and `.*` are splats.
                        b'*' => (!matches!(prev, Some(b'[' | b'.')), 1),
                        _ => (false, 1),
                    };
                    if is_op {
                        if let Some(n) = ops_of(&mut stack, &mut top) {
                            *n += 1;
                            ops += 1;
                        }
                    }
                    i += width;
                }
            },
        }
        if stack.len() + ops > MAX_DEPTH {
            let mut off = at.min(b.len());
            while !text.is_char_boundary(off) {
                off -= 1;
            }
            return Some(off);
        }
    }
    None
}

/// One step inside string or heredoc text: an interpolation opens a frame,
/// and a `%{ if }` or `%{ for }` directive is one more level until its
/// `%{ endif }` or `%{ endfor }` (the parser recurses into its body).
fn template_step(b: &[u8], i: usize, stack: &mut Vec<Frame>, ops: &mut usize) -> usize {
    match (b[i], b.get(i + 1), b.get(i + 2)) {
        (b'$', Some(b'$'), Some(b'{')) | (b'%', Some(b'%'), Some(b'{')) => 3,
        (c @ (b'$' | b'%'), Some(b'{'), _) => {
            if c == b'%' {
                let mut j = i + 2;
                while b
                    .get(j)
                    .is_some_and(|x| *x == b'~' || x.is_ascii_whitespace())
                {
                    j += 1;
                }
                let start = j;
                while word(b.get(j)) {
                    j += 1;
                }
                if let Some(Frame::Str(open) | Frame::Heredoc(_, open)) = stack.last_mut() {
                    match &b[start..j] {
                        b"if" | b"for" => {
                            *open += 1;
                            *ops += 1;
                        }
                        b"endif" | b"endfor" if *open > 0 => {
                            *open -= 1;
                            *ops -= 1;
                        }
                        _ => {}
                    }
                }
            }
            stack.push(Frame::Interp(0));
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
    fn counts_unary_binary_and_conditional_chains() {
        // Issue 9: each of these overflowed the stack.
        for chain in [
            format!("a = {}true", "!".repeat(100)),
            format!("a = {}1", "-".repeat(100)),
            format!("a = {}2", "true ? 1 : ".repeat(100)),
            format!("a = 1{}", " + 1".repeat(100)),
            format!("a = [({}1)]", "- ".repeat(100)),
            format!("a = 1{}", "-1".repeat(100)),
            format!("a = (1){}", "-(1)".repeat(100)),
            format!("a = x{}", "-1 - 1".repeat(100)),
            format!(
                "a = <<EOT\n{}a{}\nEOT\n",
                "%{ if true }".repeat(100),
                "%{ endif }".repeat(100)
            ),
            format!(
                "a = \"{}a{}\"",
                "%{~ for x in y ~}".repeat(100),
                "%{ endfor }".repeat(100)
            ),
            format!("a = \"${{{}1}}\"", "!".repeat(100)),
        ] {
            assert!(too_deep(&chain).is_some(), "{chain}");
        }
        // Ordinary expressions, names with dashes, splats and many short
        // attributes stay well inside the limit.
        let ok = "a = var.x == \"y\" ? local.my-name : -1\nb = [for k, v in m : k => v if v != \"\"]\nc = x[*].id\nd = x.*.id\n";
        assert_eq!(too_deep(&ok.repeat(200)), None);
        let list = format!("a = [{}]", "1 + 1,\n".repeat(500));
        assert_eq!(too_deep(&list), None);
        let flat = format!(
            "a = <<EOT\n{}\nEOT\n",
            "%{ if true }a%{ endif }".repeat(500)
        );
        assert_eq!(too_deep(&flat), None);
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
