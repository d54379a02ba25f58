//! Writers for a [`CheckReport`]: a human table, JSON with the stable schema
//! of docs/drift-jobs.md (`format_version` "1"), and the Prometheus text
//! exposition format as node_exporter's textfile collector reads it.
//!
//! Pure functions over `impl Write`: they print what the report says and
//! decide nothing; they never look at the terminal, the environment or the
//! clock (times come from the report).

use std::io::{self, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::{human_duration, CheckReport, CheckSummary, Entry, Health};
use crate::model::{AccountId, FileSystemId, FileSystemRef, Region};
use crate::plan::{Action, ChangeAddress, Unmanaged};

/// The `format_version` of the JSON written by this build.
pub const CHECK_JSON_FORMAT_VERSION: &str = "1";

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

fn unix_seconds(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

fn drift_word(e: &Entry) -> &'static str {
    match e.action {
        Action::NoOp => "in sync",
        Action::Create => "create",
        Action::Replace => "replace",
        Action::Delete => "delete",
    }
}

fn health_word(e: &Entry) -> &'static str {
    match e.health {
        Some(Health::Healthy) => "healthy",
        Some(Health::Unhealthy) => "UNHEALTHY",
        None => "-",
    }
}

/// The closing line of the table.
fn summary_line(s: &CheckSummary, ok: bool) -> String {
    let mut parts = vec![format!(
        "{} declared replication{}",
        s.declared,
        if s.declared == 1 { "" } else { "s" }
    )];
    parts.push(format!("{} drifted", s.drifted));
    parts.push(format!("{} unhealthy", s.unhealthy));
    parts.push(format!("{} unmanaged", s.unmanaged));
    format!("{}: {}.", if ok { "OK" } else { "FAIL" }, parts.join(", "))
}

/// Writes the report as an aligned table, then one line per problem or
/// drift reason, the unmanaged replications, and a summary line.
pub fn render_table(report: &CheckReport, out: &mut impl Write) -> io::Result<()> {
    let header = [
        "ADDRESS",
        "SOURCE",
        "DESTINATION",
        "STATUS",
        "LAG",
        "MAX LAG",
        "DRIFT",
        "HEALTH",
    ];
    let rows: Vec<[String; 8]> = report
        .entries
        .iter()
        .map(|e| {
            [
                e.address.to_string(),
                format!("{} ({})", e.source_file_system_id, e.source_region),
                format!(
                    "{} ({})",
                    e.destination_file_system_id
                        .as_ref()
                        .map_or_else(|| "(new)".to_owned(), |f| f.to_string()),
                    e.destination_region
                ),
                e.status
                    .as_ref()
                    .map_or("missing", |s| s.as_str())
                    .to_owned(),
                e.lag.map(human_duration).unwrap_or_else(|| "-".to_owned()),
                e.max_lag
                    .map(human_duration)
                    .unwrap_or_else(|| "-".to_owned()),
                drift_word(e).to_owned(),
                health_word(e).to_owned(),
            ]
        })
        .collect();
    if rows.is_empty() {
        writeln!(out, "No replications are declared.")?;
    } else {
        let mut widths = header.map(str::len);
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r.iter()) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: Vec<&str>| {
            let mut s = String::new();
            for (i, (c, w)) in cells.iter().zip(widths.iter()).enumerate() {
                if i + 1 == cells.len() {
                    s.push_str(c);
                } else {
                    s.push_str(&format!("{c:<w$}  "));
                }
            }
            s
        };
        writeln!(out, "{}", line(header.to_vec()))?;
        for r in &rows {
            writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
        }
    }
    let details: Vec<&Entry> = report
        .entries
        .iter()
        .filter(|e| {
            e.drift() || !e.problems.is_empty() || e.status_message.is_some() || !e.notes.is_empty()
        })
        .collect();
    if !details.is_empty() {
        writeln!(out)?;
        for e in details {
            writeln!(out, "{}:", e.address)?;
            if let Some(r) = &e.drift_reason {
                writeln!(out, "  drift: {} ({r})", drift_word(e))?;
            }
            for p in &e.problems {
                writeln!(out, "  unhealthy: {p}")?;
            }
            if let (Some(m), true) = (&e.status_message, e.problems.is_empty()) {
                writeln!(out, "  status message: {m}")?;
            }
            for n in &e.notes {
                writeln!(out, "  note: {n}")?;
            }
        }
    }
    if !report.unmanaged.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "Replications in scope that no block declares{}:",
            if report.unmanaged_is_drift {
                " (counted as drift)"
            } else {
                ""
            }
        )?;
        for u in &report.unmanaged {
            writeln!(
                out,
                "  {} ({}) -> {} ({}) {}",
                u.source_file_system_id,
                u.source_region,
                u.destination_file_system_id,
                u.destination_region,
                u.status
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{}", summary_line(&report.summary(), report.ok()))
}

#[derive(Serialize)]
struct JsonReport<'a> {
    format_version: &'static str,
    checked_at: String,
    ok: bool,
    summary: JsonSummary,
    replications: Vec<JsonEntry<'a>>,
    unmanaged: &'a [Unmanaged],
}

#[derive(Serialize)]
struct JsonSummary {
    declared: usize,
    drifted: usize,
    unhealthy: usize,
    unmanaged: usize,
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    address: &'a ChangeAddress,
    source_file_system_id: &'a FileSystemId,
    source_region: &'a Region,
    account: Option<&'a AccountId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_name: Option<&'a str>,
    destination_file_system_id: Option<&'a FileSystemRef>,
    destination_region: &'a Region,
    action: Action,
    drift: bool,
    drift_reason: Option<&'a str>,
    status: Option<&'a str>,
    status_message: Option<&'a str>,
    last_replicated_timestamp: Option<String>,
    lag_seconds: Option<u64>,
    max_replication_lag_seconds: Option<u64>,
    healthy: Option<bool>,
    problems: &'a [String],
    notes: &'a [String],
}

/// Writes the report as pretty-printed JSON followed by a newline (schema in
/// docs/drift-jobs.md).
pub fn render_json(report: &CheckReport, out: &mut impl Write) -> io::Result<()> {
    let s = report.summary();
    let doc = JsonReport {
        format_version: CHECK_JSON_FORMAT_VERSION,
        checked_at: rfc3339(report.checked_at),
        ok: report.ok(),
        summary: JsonSummary {
            declared: s.declared,
            drifted: s.drifted,
            unhealthy: s.unhealthy,
            unmanaged: s.unmanaged,
        },
        replications: report
            .entries
            .iter()
            .map(|e| JsonEntry {
                address: &e.address,
                source_file_system_id: &e.source_file_system_id,
                source_region: &e.source_region,
                account: e.account.as_ref(),
                account_name: e.account_name.as_deref(),
                destination_file_system_id: e.destination_file_system_id.as_ref(),
                destination_region: &e.destination_region,
                action: e.action,
                drift: e.drift(),
                drift_reason: e.drift_reason.as_deref(),
                status: e.status.as_ref().map(|s| s.as_str()),
                status_message: e.status_message.as_deref(),
                last_replicated_timestamp: e.last_replicated.map(rfc3339),
                lag_seconds: e.lag.map(|d| d.as_secs()),
                max_replication_lag_seconds: e.max_lag.map(|d| d.as_secs()),
                healthy: e.health.map(|h| h == Health::Healthy),
                problems: &e.problems,
                notes: &e.notes,
            })
            .collect(),
        unmanaged: &report.unmanaged,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Escapes a label value for the Prometheus text format: backslash, double
/// quote and line feed.
pub fn escape_label_value(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label_value(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn metric_header(out: &mut impl Write, name: &str, help: &str) -> io::Result<()> {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} gauge")
}

fn seconds(d: Duration) -> String {
    format!("{}", d.as_secs())
}

/// Writes the report in the Prometheus text exposition format (version
/// 0.0.4) for node_exporter's textfile collector: `efs_replication_healthy`,
/// `efs_replication_lag_seconds`, `efs_replication_drift`, labelled by
/// address, source, destination, region (the source's),
/// destination_region and account (the source's account id); plus the
/// check's timestamp and counts.
pub fn render_prometheus(report: &CheckReport, out: &mut impl Write) -> io::Result<()> {
    let label_set = |e: &Entry| {
        let destination = e
            .destination_file_system_id
            .as_ref()
            .map(|f| f.to_string())
            .unwrap_or_default();
        labels(&[
            ("address", e.address.as_str()),
            ("source", e.source_file_system_id.as_str()),
            ("destination", &destination),
            ("region", e.source_region.as_str()),
            ("destination_region", e.destination_region.as_str()),
            ("account", e.account.as_ref().map_or("", |a| a.as_str())),
        ])
    };
    let unmanaged_labels = |u: &Unmanaged| {
        let address = ChangeAddress::unmanaged(u.source_file_system_id.clone());
        labels(&[
            ("address", address.as_str()),
            ("source", u.source_file_system_id.as_str()),
            ("destination", u.destination_file_system_id.as_str()),
            ("region", u.source_region.as_str()),
            ("destination_region", u.destination_region.as_str()),
        ])
    };

    metric_header(
        out,
        "efs_replication_healthy",
        "1 when the declared replication is ENABLED (or ENABLING within the grace period) and its lag is within max_replication_lag, else 0.",
    )?;
    for e in &report.entries {
        if let Some(h) = e.health {
            writeln!(
                out,
                "efs_replication_healthy{} {}",
                label_set(e),
                u8::from(h == Health::Healthy)
            )?;
        }
    }
    metric_header(
        out,
        "efs_replication_lag_seconds",
        "Seconds since the replication's LastReplicatedTimestamp (absent before the first completed copy).",
    )?;
    for e in &report.entries {
        if let Some(l) = e.lag {
            writeln!(
                out,
                "efs_replication_lag_seconds{} {}",
                label_set(e),
                seconds(l)
            )?;
        }
    }
    metric_header(
        out,
        "efs_replication_max_lag_seconds",
        "The max_replication_lag that applies to the replication (absent when none is set).",
    )?;
    for e in &report.entries {
        if let Some(l) = e.max_lag {
            writeln!(
                out,
                "efs_replication_max_lag_seconds{} {}",
                label_set(e),
                seconds(l)
            )?;
        }
    }
    metric_header(
        out,
        "efs_replication_drift",
        "1 when applying the configuration would change this replication (create, replace or delete), else 0.",
    )?;
    for e in &report.entries {
        writeln!(
            out,
            "efs_replication_drift{} {}",
            label_set(e),
            u8::from(e.drift())
        )?;
    }
    if report.unmanaged_is_drift {
        for u in &report.unmanaged {
            writeln!(out, "efs_replication_drift{} 1", unmanaged_labels(u))?;
        }
    }
    metric_header(
        out,
        "efs_replication_notes",
        "Number of caveats the plan noted for this address (e.g. a destination in another account or a KMS alias that could not be verified); see check --format table or json.",
    )?;
    for e in &report.entries {
        writeln!(
            out,
            "efs_replication_notes{} {}",
            label_set(e),
            e.notes.len()
        )?;
    }
    metric_header(
        out,
        "efs_replication_unmanaged",
        "1 for each replication in scope that no block declares.",
    )?;
    for u in &report.unmanaged {
        writeln!(out, "efs_replication_unmanaged{} 1", unmanaged_labels(u))?;
    }
    metric_header(
        out,
        "efs_replication_check_timestamp_seconds",
        "Unix time at which the check judged health.",
    )?;
    writeln!(
        out,
        "efs_replication_check_timestamp_seconds {}",
        unix_seconds(report.checked_at).floor()
    )?;
    metric_header(
        out,
        "efs_replication_check_ok",
        "1 when nothing drifted and every declared replication is healthy (exit code 0), else 0.",
    )?;
    writeln!(out, "efs_replication_check_ok {}", u8::from(report.ok()))
}
