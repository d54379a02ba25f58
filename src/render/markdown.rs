//! The plan as GitHub-flavoured Markdown, ready to post as a pull-request
//! comment or to append to `$GITHUB_STEP_SUMMARY`: a headline with the
//! counts, the destructive actions first (deletes, replaces, and creates
//! that replicate into an existing file system and so overwrite its data),
//! a table of every change with its reason, the unmanaged replications, and
//! the full human plan in a collapsed `<details>` block.
//!
//! A pure function of the plan, like the other renderers: it never looks at
//! the terminal or the environment, and it escapes every value it puts in a
//! table so a reason or an id cannot break the layout or inject HTML.

use std::io::{self, Write};

use super::human::{render_errors_human, render_human, HumanOptions};
use crate::config::Diagnostics;
use crate::plan::{Action, Change, Plan, PlanErrors, StepKind};

/// Escapes text for a Markdown table cell: `|` and backslashes, HTML
/// specials, and line breaks (a cell is one line).
pub fn cell(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => s.push_str("\\|"),
            '\\' => s.push_str("\\\\"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '&' => s.push_str("&amp;"),
            '`' => s.push('\''),
            '*' | '_' | '[' | ']' => {
                s.push('\\');
                s.push(c);
            }
            '\r' => {}
            '\n' => s.push(' '),
            c => s.push(c),
        }
    }
    s
}

/// Text as an inline code span inside a table cell (`|` still needs escaping
/// there in GitHub's tables; backticks cannot occur in the values shown).
pub fn code(text: &str) -> String {
    format!(
        "`{}`",
        text.replace('`', "'")
            .replace('|', "\\|")
            .replace(['\n', '\r'], " ")
    )
}

/// A fenced block holding `text` verbatim: the fence is longer than any run
/// of backticks inside it.
pub fn fenced(out: &mut impl Write, text: &str) -> io::Result<()> {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    writeln!(out, "{fence}text")?;
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        writeln!(out)?;
    }
    writeln!(out, "{fence}")
}

/// Writes `body` (plain text) collapsed under `summary`.
pub fn details(out: &mut impl Write, summary: &str, body: &str) -> io::Result<()> {
    writeln!(out, "<details><summary>{}</summary>", cell(summary))?;
    writeln!(out)?;
    fenced(out, body)?;
    writeln!(out)?;
    writeln!(out, "</details>")
}

/// The changes that destroy something, with one sentence each saying what:
/// deletes and replaces, then overwrites of an existing destination's data
/// (the plan's own list, [`Plan::overwrites`]).
fn destructive(plan: &Plan) -> Vec<(&str, &'static str, String)> {
    let mut out = Vec::new();
    for c in &plan.changes {
        match c.action {
            Action::Delete => out.push((c.address.as_str(), "delete", c.reason.clone())),
            Action::Replace => out.push((
                c.address.as_str(),
                "replace",
                format!("{}; the current replication is deleted first", c.reason),
            )),
            _ => {}
        }
    }
    for (address, fs, region) in plan.overwrites() {
        let lifted = plan
            .changes
            .iter()
            .find(|c| c.address == address)
            .is_some_and(|c| {
                c.steps
                    .iter()
                    .filter_map(|id| plan.step(*id))
                    .any(|s| matches!(s.kind, StepKind::UpdateProtection { .. }))
            });
        let how = if lifted {
            "its replication overwrite protection is set to DISABLED (allow_overwrite) and"
        } else {
            "its protection is already DISABLED and"
        };
        out.push((
            address,
            "overwrite",
            format!("replicates into the existing file system {fs} ({region}): {how} all its data is overwritten by the source"),
        ));
    }
    out
}

fn symbol(action: Action) -> &'static str {
    match action {
        Action::Create => "+ create",
        Action::Replace => "-/+ replace",
        Action::Delete => "- delete",
        Action::NoOp => "no-op",
    }
}

fn endpoint(fs: Option<&str>, region: &str) -> String {
    format!("{} ({})", fs.unwrap_or("new file system"), region)
}

fn reason(c: &Change) -> String {
    if c.notes.is_empty() {
        c.reason.clone()
    } else {
        format!("{} (note: {})", c.reason, c.notes.join("; note: "))
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes the plan as Markdown (see the module documentation).
pub fn render_markdown(plan: &Plan, out: &mut impl Write) -> io::Result<()> {
    let s = plan.summary();
    writeln!(out, "### efs-replicator plan")?;
    writeln!(out)?;
    if plan.has_changes() {
        writeln!(
            out,
            "**Plan: {} to create, {} to replace, {} to delete, {} to overwrite.** {} unchanged, {} unmanaged.",
            s.create,
            s.replace,
            s.delete,
            s.overwrite,
            s.no_op,
            plan.unmanaged.len()
        )?;
    } else {
        writeln!(
            out,
            "**No changes.** {} in sync with the configuration, {} unmanaged.",
            plural(s.no_op, "replication", "replications"),
            plan.unmanaged.len()
        )?;
    }
    writeln!(out)?;
    let danger = destructive(plan);
    if !danger.is_empty() {
        writeln!(
            out,
            "> [!WARNING]\n> **Destructive actions ({}): replications deleted or data overwritten.**",
            danger.len()
        )?;
        for (address, what, why) in &danger {
            writeln!(out, "> - **{what}** {}: {}", code(address), cell(why))?;
        }
        writeln!(out)?;
    }
    let changed: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    if !changed.is_empty() {
        writeln!(out, "| Action | Address | Source | Destination | Reason |")?;
        writeln!(out, "| --- | --- | --- | --- | --- |")?;
        for c in changed {
            let attrs = c.after.as_ref().or(c.before.as_ref());
            let (src, dst) = match attrs {
                Some(a) => (
                    endpoint(
                        Some(a.source_file_system_id.as_str()),
                        a.source_region.as_str(),
                    ),
                    endpoint(
                        a.destination_file_system_id
                            .as_ref()
                            .map(|f| f.to_string())
                            .as_deref(),
                        a.destination_region.as_str(),
                    ),
                ),
                None => ("-".to_owned(), "-".to_owned()),
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                symbol(c.action),
                code(c.address.as_str()),
                cell(&src),
                cell(&dst),
                cell(&reason(c))
            )?;
        }
        writeln!(out)?;
    }
    if !plan.unmanaged.is_empty() {
        writeln!(
            out,
            "**Unmanaged replications ({}), left alone:**",
            plan.unmanaged.len()
        )?;
        writeln!(out)?;
        writeln!(out, "| Source | Destination | Status |")?;
        writeln!(out, "| --- | --- | --- |")?;
        for u in &plan.unmanaged {
            writeln!(
                out,
                "| {} | {} | {} |",
                cell(&endpoint(
                    Some(u.source_file_system_id.as_str()),
                    u.source_region.as_str()
                )),
                cell(&endpoint(
                    Some(u.destination_file_system_id.as_str()),
                    u.destination_region.as_str()
                )),
                cell(u.status.as_str())
            )?;
        }
        writeln!(out)?;
    }
    let mut full = Vec::new();
    render_human(plan, &mut full, &HumanOptions { color: false })?;
    details(out, "Full plan", &String::from_utf8_lossy(&full))
}

/// Writes configuration diagnostics as Markdown: a headline and the human
/// diagnostics (with their source lines) in a fenced block.
pub fn render_diagnostics_markdown(diags: &Diagnostics, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "### efs-replicator")?;
    writeln!(out)?;
    writeln!(
        out,
        "> [!CAUTION]\n> **The configuration is not valid: {}.** Nothing was planned.",
        plural(diags.len(), "error", "errors")
    )?;
    writeln!(out)?;
    let mut text = Vec::new();
    diags.render_human(&mut text, false)?;
    fenced(out, &String::from_utf8_lossy(&text))
}

/// Writes why no plan could be made, as Markdown: a headline and the errors
/// in a fenced block.
pub fn render_errors_markdown(errors: &PlanErrors, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "### efs-replicator plan")?;
    writeln!(out)?;
    writeln!(
        out,
        "> [!CAUTION]\n> **No plan: {} found while planning.** Nothing was changed.",
        plural(errors.0.len(), "problem", "problems")
    )?;
    writeln!(out)?;
    let mut text = Vec::new();
    render_errors_human(errors, &mut text, &HumanOptions { color: false })?;
    fenced(out, &String::from_utf8_lossy(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("<script>"), "&lt;script&gt;");
        assert_eq!(cell("x_y*z"), "x\\_y\\*z");
        assert_eq!(code("replication.a[\"x|y\"]"), "`replication.a[\"x\\|y\"]`");
    }

    #[test]
    fn a_fence_is_longer_than_any_backtick_run_inside() {
        let mut buf = Vec::new();
        fenced(&mut buf, "a ```` b").unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.starts_with("`````text\n"), "{text}");
        assert!(text.ends_with("\n`````\n"), "{text}");
    }
}
