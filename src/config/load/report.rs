//! How the loader reports a problem: a located [`Diagnostic`] with a help
//! line, the spans it points at (a block's header, an attribute's value),
//! where an earlier definition is (`file:line:column`), the "did you mean"
//! suggestion for a misspelt name, and the two diagnostics made before any
//! evaluation: nesting too deep to parse, and a syntax error with a hint
//! about its usual cause (an unterminated string, a bracket never closed).

use std::ops::Range;

use hcl::edit::structure::{Attribute, Block};
use hcl::edit::Span;

use super::Loader;
use crate::config::diagnostics::{line_col, Diagnostic};
use crate::model::InvalidValue;
use crate::shown::quoted;

impl Loader {
    pub(super) fn at(&mut self, file: usize, span: Option<Range<usize>>, msg: impl Into<String>) {
        self.diags.push(Diagnostic::at(file, span, msg));
    }

    pub(super) fn at_help(
        &mut self,
        file: usize,
        span: Option<Range<usize>>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::at(file, span, msg).with_help(help));
    }

    pub(super) fn where_is(&self, file: usize, span: &Option<Range<usize>>) -> String {
        let src = &self.files[file];
        let lc = line_col(&src.text, span.as_ref().map_or(0, |s| s.start));
        format!("{}:{}:{}", src.name, lc.line, lc.column)
    }

    pub(super) fn invalid(
        &mut self,
        file: usize,
        span: Option<Range<usize>>,
        ctx: &str,
        e: InvalidValue,
    ) {
        let msg = format!("{ctx}: {} is not a valid {}", quoted(&e.value), e.what);
        self.at_help(file, span, msg, format!("expected {}", e.expected));
    }
}

pub(super) fn header_span(b: &Block) -> Option<Range<usize>> {
    let start = b.ident.span()?.start;
    let end = b
        .labels
        .last()
        .and_then(|l| l.span())
        .or_else(|| b.ident.span())?
        .end;
    Some(start..end)
}

pub(super) fn value_span(a: &Attribute) -> Option<Range<usize>> {
    a.value.span().or_else(|| a.span())
}

/// The closest candidate within a small edit distance.
pub fn suggest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let n = word.chars().count();
    let limit = if n <= 3 { 1 } else { (n / 3).max(2) };
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

pub(super) fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<String> {
    suggest(word, candidates).map(|s| format!("did you mean \"{s}\"?"))
}

/// Refuses nesting the parser could not survive (see `depth`).
pub(crate) fn depth_diagnostic(fi: usize, text: &str) -> Option<Diagnostic> {
    let off = crate::config::depth::too_deep(text)?;
    let end = text[off..]
        .chars()
        .next()
        .map_or(off, |c| off + c.len_utf8());
    Some(
        Diagnostic::at(
            fi,
            Some(off..end),
            format!(
                "syntax error: brackets, strings, interpolations and operators nest deeper than {} levels",
                crate::config::depth::MAX_DEPTH
            ),
        )
        .with_help("split the expression into locals"),
    )
}

/// A located syntax error with a hint about the usual causes.
pub(crate) fn syntax_diagnostic(fi: usize, text: &str, e: &hcl::edit::parser::Error) -> Diagnostic {
    let mut off = e.location().offset().min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    let end = text[off..]
        .chars()
        .next()
        .map_or(off, |c| off + c.len_utf8());
    let at_end = off >= text.trim_end().len();
    let line_no = text[..off].matches('\n').count() + 1;
    // A line with an odd number of quotes usually holds an unterminated string.
    let open_quote = text.lines().take(line_no).enumerate().find(|(_, l)| {
        let code = l.split('#').next().unwrap_or_default();
        code.replace("\\\\", "")
            .replace("\\\"", "")
            .matches('"')
            .count()
            % 2
            == 1
    });
    let unclosed = if at_end {
        crate::config::depth::unclosed(text)
    } else {
        None
    };
    let d = if let Some(open) = unclosed {
        // The end of the file says nothing about where the fix goes: point
        // at the bracket that is never closed.
        let close = match text.as_bytes()[open] {
            b'{' => '}',
            b'[' => ']',
            _ => ')',
        };
        let eof = crate::config::diagnostics::line_col(text, off);
        Diagnostic::at(
            fi,
            Some(open..open + 1),
            "syntax error: unexpected end of file: this bracket is never closed",
        )
        .with_label("opened here")
        .with_help(format!(
            "add the matching `{close}` (the file ends at line {} without it)",
            eof.line
        ))
    } else if at_end {
        Diagnostic::at(fi, Some(off..end), "syntax error: unexpected end of file")
            .with_help("a block, string or bracket opened earlier is not closed")
    } else {
        Diagnostic::at(fi, Some(off..end), format!("syntax error: {}", e.message()))
            .with_label("here")
    };
    match open_quote {
        Some((i, _)) if i + 1 != line_no || at_end => {
            d.with_help(format!("line {} has an unterminated string", i + 1))
        }
        _ => d,
    }
}
