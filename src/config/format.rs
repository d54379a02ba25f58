//! Canonical formatting for `fmt`: two-space indentation, one structure per
//! line, `=` aligned across consecutive one-line attributes, at most one
//! blank line in a row, none at the start or end of a block, one newline at
//! the end of the file. Comments are kept where they are. Expressions keep
//! their own text; a multi-line expression is only shifted to its new
//! indentation (heredocs are left byte for byte).
//!
//! The layout is driven by hcl-edit's spans over the original text. This
//! module must never change what a file means: formatting is checked to
//! parse to the same structure, and is idempotent.

use std::ops::Range;
use std::sync::Arc;

use hcl::edit::structure::{Block, Body, Structure};
use hcl::edit::Span;

use super::diagnostics::{Diagnostic, Diagnostics, SourceFile};

const INDENT: &str = "  ";

/// Formats `text` (shown as `name` in diagnostics). Fails with a located
/// syntax error when the text is not HCL.
pub fn format_source(name: &str, text: &str) -> Result<String, Diagnostics> {
    let body = hcl::edit::parser::parse_body(text).map_err(|e| {
        let off = e.location().offset().min(text.len());
        let end = text[off..]
            .chars()
            .next()
            .map_or(off, |c| off + c.len_utf8());
        Diagnostics::new(
            vec![SourceFile {
                name: name.to_owned(),
                text: Arc::new(text.to_owned()),
            }],
            vec![
                Diagnostic::at(0, Some(off..end), format!("syntax error: {}", e.message()))
                    .with_label("here"),
            ],
        )
    })?;
    let mut f = Formatter {
        src: text,
        out: String::new(),
    };
    f.body(&body, 0, 0, text.len(), false);
    let mut out = f.out.trim_end().to_owned();
    if !out.is_empty() {
        out.push('\n');
    }
    Ok(out)
}

struct Formatter<'s> {
    src: &'s str,
    out: String,
}

/// The text between two structures: a trailing comment for the previous
/// line, then comment lines and blank lines.
struct Gap {
    trailing: Option<String>,
    lines: Vec<Option<String>>, // None = blank line
}

fn split_gap(gap: &str) -> Gap {
    let (first, rest) = match gap.find('\n') {
        Some(i) => (&gap[..i], Some(&gap[i + 1..])),
        None => (gap, None),
    };
    let first = first.trim();
    let mut lines = Vec::new();
    if let Some(rest) = rest {
        let parts: Vec<&str> = rest.split('\n').collect();
        // The last part is the indentation before the next structure.
        for (i, l) in parts.iter().enumerate() {
            let t = l.trim();
            if t.is_empty() {
                if i + 1 < parts.len() {
                    lines.push(None);
                }
            } else {
                lines.push(Some(t.to_owned()));
            }
        }
    }
    Gap {
        trailing: (!first.is_empty()).then(|| first.to_owned()),
        lines,
    }
}

fn span_of(s: &Structure) -> Range<usize> {
    match s {
        Structure::Attribute(a) => a.span(),
        Structure::Block(b) => b.span(),
    }
    .unwrap_or(0..0)
}

impl Formatter<'_> {
    fn indent(&mut self, level: usize) {
        for _ in 0..level {
            self.out.push_str(INDENT);
        }
    }

    /// Writes comment and blank lines of a gap. `at_edge` drops blank lines
    /// (start or end of a block or file).
    fn gap_lines(&mut self, lines: &[Option<String>], level: usize, at_start: bool, at_end: bool) {
        let mut last_blank = true;
        let n = lines.len();
        for (i, l) in lines.iter().enumerate() {
            match l {
                None => {
                    let leading = at_start && lines[..i].iter().all(Option::is_none);
                    let trailing = at_end && lines[i..].iter().all(Option::is_none);
                    if !last_blank && !leading && !trailing {
                        self.out.push('\n');
                        last_blank = true;
                    } else if !at_start && i == 0 && !trailing {
                        self.out.push('\n');
                        last_blank = true;
                    }
                }
                Some(c) => {
                    self.indent(level);
                    self.out.push_str(c);
                    self.out.push('\n');
                    last_blank = false;
                }
            }
            let _ = n;
        }
    }

    fn end_line(&mut self, trailing: Option<&str>) {
        if let Some(c) = trailing {
            self.out.push(' ');
            self.out.push_str(c);
        }
        self.out.push('\n');
    }

    /// Formats the structures of `body`, which lie in `src[start..end]`.
    fn body(&mut self, body: &Body, level: usize, start: usize, end: usize, nested: bool) {
        let structures: Vec<&Structure> = body.iter().collect();
        if structures.is_empty() {
            let g = split_gap(&self.src[start..end]);
            // `{ # comment` or comments inside an empty body.
            let mut lines: Vec<Option<String>> = g.trailing.map(Some).into_iter().collect();
            lines.extend(g.lines);
            self.gap_lines(&lines, level, true, true);
            return;
        }
        let spans: Vec<Range<usize>> = structures.iter().map(|s| span_of(s)).collect();
        // Alignment runs: consecutive one-line attributes without blank or
        // comment lines between them.
        let widths = self.alignment(&structures, &spans);
        let mut prev_end = start;
        for (i, s) in structures.iter().enumerate() {
            let g = split_gap(&self.src[prev_end..spans[i].start]);
            if i == 0 {
                // Text right after `{` on the header line is a trailing comment of the header.
                if nested {
                    if let Some(t) = &g.trailing {
                        self.out.pop();
                        self.end_line(Some(t));
                    }
                    self.gap_lines(&g.lines, level, true, false);
                } else {
                    let mut lines: Vec<Option<String>> = g.trailing.map(Some).into_iter().collect();
                    lines.extend(g.lines);
                    self.gap_lines(&lines, level, true, false);
                }
            } else {
                if let Some(t) = &g.trailing {
                    self.out.pop();
                    self.end_line(Some(t));
                }
                self.gap_lines(&g.lines, level, false, false);
            }
            match s {
                Structure::Attribute(a) => {
                    self.indent(level);
                    let key = a.key.as_str();
                    self.out.push_str(key);
                    for _ in key.len()..widths[i] {
                        self.out.push(' ');
                    }
                    self.out.push_str(" = ");
                    let vspan = a.value.span().unwrap_or(spans[i].clone());
                    let text = self.expr_text(vspan, level);
                    self.out.push_str(&text);
                    self.out.push('\n');
                }
                Structure::Block(b) => self.block(b, level, spans[i].clone()),
            }
            prev_end = spans[i].end;
        }
        let g = split_gap(&self.src[prev_end..end]);
        if let Some(t) = &g.trailing {
            self.out.pop();
            self.end_line(Some(t));
        }
        self.gap_lines(&g.lines, level, false, true);
    }

    fn alignment(&self, structures: &[&Structure], spans: &[Range<usize>]) -> Vec<usize> {
        let mut widths = vec![0; structures.len()];
        let mut run: Vec<usize> = Vec::new();
        let flush = |run: &mut Vec<usize>, widths: &mut Vec<usize>| {
            let w = run
                .iter()
                .map(|&i| match structures[i] {
                    Structure::Attribute(a) => a.key.as_str().len(),
                    Structure::Block(_) => 0,
                })
                .max()
                .unwrap_or(0);
            for &i in run.iter() {
                widths[i] = w;
            }
            run.clear();
        };
        for (i, s) in structures.iter().enumerate() {
            let one_line =
                matches!(s, Structure::Attribute(_)) && !self.src[spans[i].clone()].contains('\n');
            let joined = i > 0 && {
                let g = split_gap(&self.src[spans[i - 1].end..spans[i].start]);
                g.lines.is_empty()
            };
            if !one_line || !joined {
                flush(&mut run, &mut widths);
            }
            if one_line {
                run.push(i);
            }
        }
        flush(&mut run, &mut widths);
        widths
    }

    fn block(&mut self, b: &Block, level: usize, span: Range<usize>) {
        self.indent(level);
        self.out.push_str(b.ident.as_str());
        let mut header_end = b.ident.span().map_or(span.start, |s| s.end);
        for l in &b.labels {
            let ls = l.span().unwrap_or(header_end..header_end);
            self.out.push(' ');
            self.out.push_str(&self.src[ls.clone()]);
            header_end = ls.end;
        }
        let open = self.src[header_end..span.end]
            .find('{')
            .map_or(span.end, |i| header_end + i + 1);
        let close = span.end.saturating_sub(1).max(open);
        let inner = &self.src[open..close];
        if b.body.is_empty() && inner.trim().is_empty() {
            self.out.push_str(" {}\n");
            return;
        }
        self.out.push_str(" {\n");
        self.body(&b.body, level + 1, open, close, true);
        self.indent(level);
        self.out.push_str("}\n");
    }

    /// The text of an expression, shifted to the new indentation when it
    /// spans several lines (heredocs are left as they are).
    fn expr_text(&self, span: Range<usize>, level: usize) -> String {
        let text = &self.src[span.clone()];
        if !text.contains('\n') || text.contains("<<") {
            return text.to_owned();
        }
        let line_start = self.src[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let old = self.src[line_start..span.start].len()
            - self.src[line_start..span.start].trim_start().len();
        let new = INDENT.repeat(level);
        let mut out = String::new();
        for (i, line) in text.split('\n').enumerate() {
            if i == 0 {
                out.push_str(line);
                continue;
            }
            out.push('\n');
            let ws = line.len() - line.trim_start().len();
            if line.trim().is_empty() {
                continue;
            }
            out.push_str(&new);
            out.push_str(&line[ws.min(old)..]);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        format_source("t.hcl", s).unwrap()
    }

    #[test]
    fn aligns_indents_and_keeps_comments() {
        let src = "# header\n\n\nreplication \"a\" { # about a\n    source_file_system_id = \"fs-0000000a\"   # src\n  prevent_destroy= true\n\n\n\n      // dest\n  destination { region = \"us-west-2\" }\n}\n\n\n";
        let want = "# header\n\nreplication \"a\" { # about a\n  source_file_system_id = \"fs-0000000a\" # src\n  prevent_destroy       = true\n\n  // dest\n  destination {\n    region = \"us-west-2\"\n  }\n}\n";
        assert_eq!(fmt(src), want);
        assert_eq!(fmt(want), want);
    }

    #[test]
    fn multi_line_expressions_move_with_their_block() {
        let src = "locals {\n      fs = {\n        a = \"x\" # c\n      }\n}\n";
        assert_eq!(fmt(src), "locals {\n  fs = {\n    a = \"x\" # c\n  }\n}\n");
    }

    #[test]
    fn heredocs_are_untouched_and_empty_blocks_collapse() {
        let src = "locals {\n  d = <<EOT\n   keep   this\nEOT\n}\nsettings {\n}\n";
        assert_eq!(
            fmt(src),
            "locals {\n  d = <<EOT\n   keep   this\nEOT\n}\nsettings {}\n"
        );
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = format_source("t.hcl", "a = \n").unwrap_err();
        assert_eq!(e.len(), 1);
    }
}
