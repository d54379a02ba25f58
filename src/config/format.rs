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

use hcl::edit::expr::Expression;
use hcl::edit::structure::{Block, Body, Structure};
use hcl::edit::visit::{self, Visit};
use hcl::edit::Span;

use super::diagnostics::{Diagnostics, SourceFile};

const INDENT: &str = "  ";

/// Formats `text` (shown as `name` in diagnostics). Fails with a located
/// syntax error when the text is not HCL.
pub fn format_source(name: &str, text: &str) -> Result<String, Diagnostics> {
    let sources = || {
        vec![SourceFile {
            name: name.to_owned(),
            text: Arc::new(text.to_owned()),
        }]
    };
    if let Some(d) = super::load::depth_diagnostic(0, text) {
        return Err(Diagnostics::new(sources(), vec![d]));
    }
    let body = hcl::edit::parser::parse_body(text).map_err(|e| {
        Diagnostics::new(
            vec![SourceFile {
                name: name.to_owned(),
                text: Arc::new(text.to_owned()),
            }],
            vec![super::load::syntax_diagnostic(0, text, &e)],
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

    /// Writes the comment and blank lines of a gap: runs of blank lines
    /// become one, and blank lines at the start (`at_start`) or end
    /// (`at_end`) of a block or file are dropped.
    fn gap_lines(&mut self, lines: &[Option<String>], level: usize, at_start: bool, at_end: bool) {
        let mut pending_blank = false;
        let mut wrote = false;
        for l in lines {
            match l {
                None => pending_blank = true,
                Some(c) => {
                    if pending_blank && (wrote || !at_start) {
                        self.out.push('\n');
                    }
                    pending_blank = false;
                    self.indent(level);
                    self.out.push_str(c);
                    self.out.push('\n');
                    wrote = true;
                }
            }
        }
        if pending_blank && !at_end && (wrote || !at_start) {
            self.out.push('\n');
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
                    let vspan = a.value.span().unwrap_or(spans[i].clone());
                    let between = &self.src[spans[i].start + key.len()..vspan.start];
                    if between.trim() == "=" {
                        self.out.push_str(key);
                        for _ in key.len()..widths[i] {
                            self.out.push(' ');
                        }
                        self.out.push_str(" = ");
                    } else {
                        // A comment between the key and the value stays as written.
                        self.out.push_str(&self.src[spans[i].start..vspan.start]);
                    }
                    let text = self.expr_text(&a.value, vspan, level);
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
        let header_end = b
            .labels
            .last()
            .and_then(|l| l.span())
            .or_else(|| b.ident.span())
            .map_or(span.start, |s| s.end);
        let open = self.src[header_end..span.end]
            .find('{')
            .map_or(span.end, |i| header_end + i + 1);
        let header = &self.src[span.start..open.saturating_sub(1).max(span.start)];
        if header.contains('#') || header.contains("//") || header.contains("/*") {
            // A comment inside the header stays as written.
            self.out.push_str(header.trim_end());
        } else {
            self.out.push_str(b.ident.as_str());
            for l in &b.labels {
                if let Some(ls) = l.span() {
                    self.out.push(' ');
                    self.out.push_str(&self.src[ls]);
                }
            }
        }
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

    /// True when a string literal in `span` holds a line break (hcl-edit
    /// accepts one): shifting lines would change the string.
    fn has_multiline_string(&self, expr: &Expression) -> bool {
        struct Finder<'a> {
            src: &'a str,
            found: bool,
        }
        impl Visit for Finder<'_> {
            fn visit_expr(&mut self, e: &Expression) {
                let literal = matches!(
                    e,
                    Expression::String(_)
                        | Expression::StringTemplate(_)
                        | Expression::HeredocTemplate(_)
                );
                if literal {
                    if let Some(s) = e.span() {
                        self.found |= self.src.get(s).is_some_and(|t| t.contains('\n'));
                    }
                }
                visit::visit_expr(self, e);
            }

            // Spans are not kept on every nested literal; values always are.
            fn visit_string(&mut self, s: &hcl::edit::Decorated<String>) {
                self.found |= s.value().contains('\n');
            }

            fn visit_literal(&mut self, s: &hcl::edit::Spanned<String>) {
                self.found |= s.value().contains('\n');
            }
        }
        let mut f = Finder {
            src: self.src,
            found: false,
        };
        f.visit_expr(expr);
        f.found
    }

    /// The text of an expression, shifted to the new indentation when it
    /// spans several lines (heredocs are left as they are).
    fn expr_text(&self, expr: &Expression, span: Range<usize>, level: usize) -> String {
        let text = &self.src[span.clone()];
        if !text.contains('\n') || text.contains("<<") || self.has_multiline_string(expr) {
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
    fn comments_inside_headers_and_attributes_survive() {
        let src = "replication /* a */ \"x\" /* h */ {\n  k /* c */ = 1\n}\n";
        let out = fmt(src);
        for c in ["/* a */", "/* h */", "/* c */"] {
            assert!(out.contains(c), "{c} lost: {out}");
        }
        assert_eq!(fmt(&out), out);
        assert_eq!(hcl::parse(src).unwrap(), hcl::parse(&out).unwrap());
    }

    #[test]
    fn line_breaks_inside_strings_are_not_shifted() {
        // hcl-edit accepts a line break in a quoted string (found by the property test).
        for src in [
            "locals {\n      a = [\"x\ny\", 1,\n   2]\n}\n",
            "locals {\n      a = !\"x\ny\"\n}\n",
            "locals {\n      a = [\"${1}x\ny\"]\n}\n",
        ] {
            let out = fmt(src);
            assert_eq!(
                hcl::parse(src).unwrap(),
                hcl::parse(&out).unwrap(),
                "{src:?}"
            );
        }
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = format_source("t.hcl", "a = \n").unwrap_err();
        assert_eq!(e.len(), 1);
    }
}
