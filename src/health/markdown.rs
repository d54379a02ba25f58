//! A [`CheckReport`] as GitHub-flavoured Markdown for a pull-request comment
//! or `$GITHUB_STEP_SUMMARY`: the verdict and counts, the destructive
//! corrections the drift calls for first (deletes and replaces), a table of
//! every replication that drifted or is unhealthy with the reasons, the
//! unmanaged replications, and the full table in a collapsed `<details>`.
//!
//! Pure, like the other writers here: it prints what the report says, and
//! never looks at the clock, the terminal or the environment.

use std::io::{self, Write};

use super::render::render_table;
use super::{human_duration, CheckReport, Entry};
use crate::plan::Action;
use crate::render::markdown::{cell, code, details};

fn drift_word(e: &Entry) -> &'static str {
    match e.action {
        Action::NoOp => "in sync",
        Action::Create => "create",
        Action::Replace => "replace",
        Action::Delete => "delete",
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes the report as Markdown (see the module documentation).
pub fn render_markdown(report: &CheckReport, out: &mut impl Write) -> io::Result<()> {
    let s = report.summary();
    writeln!(out, "### efs-replicator check")?;
    writeln!(out)?;
    writeln!(
        out,
        "**{}** {}, {} drifted, {} unhealthy, {} unmanaged. Checked at {}.",
        if report.ok() { "OK:" } else { "FAIL (exit 2):" },
        plural(s.declared, "declared replication", "declared replications"),
        s.drifted,
        s.unhealthy,
        s.unmanaged,
        humantime::format_rfc3339_seconds(report.checked_at)
    )?;
    writeln!(out)?;
    let destructive: Vec<&Entry> = report
        .entries
        .iter()
        .filter(|e| matches!(e.action, Action::Delete | Action::Replace))
        .collect();
    if !destructive.is_empty() {
        writeln!(
            out,
            "> [!WARNING]\n> **Applying the configuration would delete {}:**",
            plural(destructive.len(), "replication", "replications")
        )?;
        for e in &destructive {
            writeln!(
                out,
                "> - **{}** {}: {}",
                drift_word(e),
                code(e.address.as_str()),
                cell(e.drift_reason.as_deref().unwrap_or(""))
            )?;
        }
        writeln!(out)?;
    }
    let flagged: Vec<&Entry> = report
        .entries
        .iter()
        .filter(|e| e.drift() || e.unhealthy())
        .collect();
    if !flagged.is_empty() {
        writeln!(
            out,
            "| Address | Source | Destination | Status | Lag | Drift | Health | Why |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- | --- | --- | --- |")?;
        for e in flagged {
            let mut why: Vec<String> = Vec::new();
            if let Some(r) = &e.drift_reason {
                why.push(format!("drift: {r}"));
            }
            why.extend(e.problems.iter().map(|p| format!("unhealthy: {p}")));
            why.extend(e.notes.iter().map(|n| format!("note: {n}")));
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                code(e.address.as_str()),
                cell(&format!(
                    "{} ({})",
                    e.source_file_system_id, e.source_region
                )),
                cell(&format!(
                    "{} ({})",
                    e.destination_file_system_id
                        .as_ref()
                        .map_or_else(|| "new".to_owned(), |f| f.to_string()),
                    e.destination_region
                )),
                cell(e.status.as_ref().map_or("missing", |s| s.as_str())),
                cell(&e.lag.map(human_duration).unwrap_or_else(|| "-".into())),
                drift_word(e),
                match e.health {
                    Some(super::Health::Healthy) => "healthy",
                    Some(super::Health::Unhealthy) => "**unhealthy**",
                    None => "-",
                },
                cell(&why.join("; "))
            )?;
        }
        writeln!(out)?;
    }
    if !report.unmanaged.is_empty() {
        writeln!(
            out,
            "**Replications in scope that no block declares ({}){}:**",
            report.unmanaged.len(),
            if report.unmanaged_is_drift {
                ", counted as drift"
            } else {
                ""
            }
        )?;
        writeln!(out)?;
        writeln!(out, "| Source | Destination | Status |")?;
        writeln!(out, "| --- | --- | --- |")?;
        for u in &report.unmanaged {
            writeln!(
                out,
                "| {} | {} | {} |",
                cell(&format!(
                    "{} ({})",
                    u.source_file_system_id, u.source_region
                )),
                cell(&format!(
                    "{} ({})",
                    u.destination_file_system_id, u.destination_region
                )),
                cell(u.status.as_str())
            )?;
        }
        writeln!(out)?;
    }
    let mut full = Vec::new();
    render_table(report, &mut full)?;
    details(out, "Full report", &String::from_utf8_lossy(&full))
}
