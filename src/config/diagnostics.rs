//! Located configuration diagnostics and their two renderings: human
//! (`path:line:col: error: message`, then the source line with an underline
//! drawn by miette) and JSON (a documented, stable shape).
//!
//! This module only describes and prints problems; it must never decide
//! whether a configuration is valid, and rendering must never panic on a span
//! that does not fit its source (such a span is clamped).

use std::fmt;
use std::io::Write;
use std::ops::Range;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;

/// How bad a diagnostic is. Every diagnostic the loader emits today is an
/// error; the field exists so the JSON shape can grow warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The configuration cannot be used.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("error")
    }
}

/// One source file the diagnostics may point into.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as shown to the user.
    pub name: String,
    /// The whole text.
    pub text: Arc<String>,
}

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// One problem found in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Severity.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it, when there is something useful to say.
    pub help: Option<String>,
    /// Index into the source files, when the problem has a place.
    pub file: Option<usize>,
    /// Byte range in that file.
    pub span: Option<Range<usize>>,
    /// Short text under the underline.
    pub label: Option<String>,
}

impl Diagnostic {
    /// An error without a place (command-line values, unreadable paths).
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            help: None,
            file: None,
            span: None,
            label: None,
        }
    }

    /// An error at `span` of source file `file`.
    pub fn at(file: usize, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        Self {
            file: Some(file),
            span,
            ..Self::error(message)
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a label under the underline.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
}

/// Every diagnostic found while loading, with the sources they point into.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    sources: Vec<SourceFile>,
    items: Vec<Diagnostic>,
}

/// The JSON shape of one diagnostic (see docs/config.md).
#[derive(Debug, Serialize)]
struct JsonDiagnostic<'a> {
    path: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end: Option<LineCol>,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
}

impl Diagnostics {
    /// Builds a set from sources and diagnostics; sorts them by file and position.
    pub fn new(sources: Vec<SourceFile>, mut items: Vec<Diagnostic>) -> Self {
        // A message is one line (values quoted in it may span several).
        for d in &mut items {
            if d.message.contains('\n') {
                d.message = d.message.split_whitespace().collect::<Vec<_>>().join(" ");
            }
            if d.message.chars().count() > 400 {
                d.message = d.message.chars().take(400).collect::<String>() + "…";
            }
        }
        items.sort_by_key(|d| {
            (
                d.file.map_or(0, |f| f + 1),
                d.span.as_ref().map_or(0, |s| s.start),
            )
        });
        items.dedup();
        Self { sources, items }
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics, sorted by file and position.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Where a diagnostic points: path, start and end.
    pub fn location(&self, d: &Diagnostic) -> Option<(&str, LineCol, LineCol)> {
        let src = self.sources.get(d.file?)?;
        let span = clamp(d.span.clone().unwrap_or(0..0), &src.text);
        Some((
            src.name.as_str(),
            line_col(&src.text, span.start),
            line_col(&src.text, span.end),
        ))
    }

    /// Writes `path:line:col: error: message`, the source line with an
    /// underline, and the help, for every diagnostic, then a summary line.
    pub fn render_human(&self, out: &mut dyn Write, color: bool) -> std::io::Result<()> {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(usize::MAX / 4)
            .with_wrap_lines(false)
            .without_primary_span_start()
            .with_context_lines(0);
        // With no context lines miette shows the span alone; `WholeLines`
        // widens it to the lines it is on.
        let (red, bold, reset) = if color {
            ("\x1b[1;31m", "\x1b[1m", "\x1b[0m")
        } else {
            ("", "", "")
        };
        for d in &self.items {
            match self.location(d) {
                Some((path, start, _)) => writeln!(
                    out,
                    "{bold}{path}:{}:{}:{reset} {red}{}{reset}{bold}: {}{reset}",
                    start.line, start.column, d.severity, d.message
                )?,
                None => writeln!(
                    out,
                    "{red}{}{reset}{bold}: {}{reset}",
                    d.severity, d.message
                )?,
            }
            let snippet = self.snippet(&handler, d);
            // miette's first line repeats the (empty) message; ours is above.
            for line in snippet.lines().skip(1) {
                writeln!(out, "{line}")?;
            }
            if d.file.is_none() {
                if let Some(help) = &d.help {
                    writeln!(out, "  help: {help}")?;
                }
            }
            writeln!(out)?;
        }
        let n = self.items.len();
        writeln!(
            out,
            "{red}error{reset}: {n} error{} in the configuration",
            if n == 1 { "" } else { "s" }
        )
    }

    fn snippet(&self, handler: &GraphicalReportHandler, d: &Diagnostic) -> String {
        let Some(src) = d.file.and_then(|f| self.sources.get(f)) else {
            return String::new();
        };
        let span = clamp(d.span.clone().unwrap_or(0..0), &src.text);
        let (text, span) = clip_long_line(&src.text, span);
        let report = Snippet {
            source: NamedSource::new(&src.name, WholeLines(text)),
            span: (span.start, span.end - span.start).into(),
            label: d.label.clone(),
            help: d.help.clone(),
        };
        let mut s = String::new();
        if handler.render_report(&mut s, &report).is_err() {
            return String::new();
        }
        s
    }

    /// Writes `{"error_count": N, "diagnostics": [...]}` with one object per
    /// diagnostic: path, line, column, end {line, column}, severity, message, help.
    pub fn render_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let list: Vec<JsonDiagnostic<'_>> = self
            .items
            .iter()
            .map(|d| {
                let loc = self.location(d);
                JsonDiagnostic {
                    path: loc.map(|l| l.0),
                    line: loc.map(|l| l.1.line),
                    column: loc.map(|l| l.1.column),
                    end: loc.map(|l| l.2),
                    severity: d.severity,
                    message: &d.message,
                    help: d.help.as_deref(),
                }
            })
            .collect();
        let doc = serde_json::json!({ "error_count": list.len(), "diagnostics": list });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.items.len();
        write!(
            f,
            "{n} error{} in the configuration",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

/// A single snippet handed to miette (its message is printed by us).
#[derive(Debug)]
struct Snippet {
    source: NamedSource<WholeLines>,
    span: SourceSpan,
    label: Option<String>,
    help: Option<String>,
}

impl fmt::Display for Snippet {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl std::error::Error for Snippet {}

impl miette::Diagnostic for Snippet {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(self.label.clone(), self.span),
        )))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }
}

/// Source text that always shows whole lines around a span.
#[derive(Debug)]
struct WholeLines(Arc<String>);

impl miette::SourceCode for WholeLines {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text = self.0.as_str();
        let r = clamp(span.offset()..span.offset() + span.len(), text);
        let start = text[..r.start].rfind('\n').map_or(0, |i| i + 1);
        let end = text[r.end..].find('\n').map_or(text.len(), |i| r.end + i);
        let _ = (before, after);
        text.read_span(&(start, end - start).into(), 0, 0)
    }
}

/// Longest source line, in bytes, a snippet shows whole.
const MAX_SNIPPET_LINE: usize = 200;

/// For a span on a line longer than [`MAX_SNIPPET_LINE`] (a huge value on
/// one line), a stand-in text holding only a window of that line around
/// the span's start, marked `…` where cut, at the same line number, and
/// the span within it (cut to the window); else the text and span as they
/// are. A 5 MB value then costs a short snippet, not 5 MB of source and
/// underline.
fn clip_long_line(text: &Arc<String>, span: Range<usize>) -> (Arc<String>, Range<usize>) {
    let t = text.as_str();
    let line_start = t[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = t[span.start..]
        .find('\n')
        .map_or(t.len(), |i| span.start + i);
    if line_end - line_start <= MAX_SNIPPET_LINE {
        return (text.clone(), span);
    }
    let floor = |mut i: usize| {
        while !t.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let w0 = floor(span.start.saturating_sub(40).max(line_start));
    let w1 = floor((w0 + MAX_SNIPPET_LINE - 40).min(line_end));
    let mut out = "\n".repeat(t[..line_start].matches('\n').count());
    if w0 > line_start {
        out.push('…');
    }
    let base = out.len();
    out.push_str(&t[w0..w1]);
    if w1 < line_end {
        out.push('…');
    }
    let start = base + (span.start - w0);
    let end = base + (span.end.min(w1).max(span.start) - w0);
    (Arc::new(out), start..end)
}

/// Keeps a span inside the text and on character boundaries.
fn clamp(span: Range<usize>, text: &str) -> Range<usize> {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// 1-based line and character column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> LineCol {
    let offset = clamp(offset..offset, text).start;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    LineCol {
        line,
        column: text[line_start..offset].chars().count() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15: a span on a huge line shows a window of it, at its line.
    #[test]
    fn a_huge_line_is_clipped_around_the_span() {
        let big = format!("a = 1\nb = \"{}\"\n", "x".repeat(1_000_000));
        let text = Arc::new(big);
        let (clipped, span) = clip_long_line(&text, 10..1_000_011);
        assert!(clipped.len() < 300, "{}", clipped.len());
        assert!(clipped.starts_with("\nb = \"xx"), "{clipped}");
        assert!(clipped.ends_with('…'));
        assert_eq!(&clipped[span.start..span.start + 4], "\"xxx");
        assert!(span.end <= clipped.len());
        let short = Arc::new("a = 1\n".to_owned());
        assert_eq!(clip_long_line(&short, 4..5), (short.clone(), 4..5));
    }

    fn sample() -> Diagnostics {
        let src = SourceFile {
            name: "main.hcl".into(),
            text: Arc::new("settings {\n  regoin = \"eu-west-1\"\n}\n".into()),
        };
        let d = Diagnostic::at(0, Some(13..19), "unknown attribute \"regoin\"")
            .with_help("did you mean \"region\"?");
        Diagnostics::new(vec![src], vec![d])
    }

    #[test]
    fn human_rendering_starts_with_path_line_col() {
        let mut out = Vec::new();
        sample().render_human(&mut out, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("main.hcl:2:3: error: unknown attribute \"regoin\"\n"),
            "{text}"
        );
        assert!(text.contains("regoin = \"eu-west-1\""), "{text}");
        assert!(text.contains("did you mean"), "{text}");
    }

    #[test]
    fn json_rendering_has_documented_fields() {
        let mut out = Vec::new();
        sample().render_json(&mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let d = &v["diagnostics"][0];
        assert_eq!(d["path"], "main.hcl");
        assert_eq!(d["line"], 2);
        assert_eq!(d["column"], 3);
        assert_eq!(d["end"]["column"], 9);
        assert_eq!(d["severity"], "error");
        assert_eq!(v["error_count"], 1);
    }

    #[test]
    fn messages_are_one_line() {
        let d = Diagnostics::new(vec![], vec![Diagnostic::error("a `{\n  x = 1\n}` b")]);
        assert_eq!(d.iter().next().unwrap().message, "a `{ x = 1 }` b");
    }

    #[test]
    fn line_col_counts_characters_and_clamps() {
        assert_eq!(line_col("é=1\nab", 5), LineCol { line: 2, column: 1 });
        assert_eq!(line_col("é", 1), LineCol { line: 1, column: 1 });
        assert_eq!(line_col("ab", 99), LineCol { line: 1, column: 3 });
    }
}
