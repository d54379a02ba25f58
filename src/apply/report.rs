//! The result of an apply, per address (done, failed or skipped, with the
//! error, its AWS code and Region, and a hint), and its two renderings: the
//! closing summary for people and the `summary` JSON event.
//!
//! Rendering is pure: it writes to the writer it is given and never decides
//! anything the report does not say.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

use super::StepError;
use crate::plan::{Action, Plan, StepId};

/// How a step ended.
#[derive(Debug, Clone)]
pub(crate) enum StepEnd {
    Done(Option<String>),
    Failed(StepError),
    Skipped(String),
}

/// How an address ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every step of it is done.
    Done,
    /// One of its steps failed.
    Failed,
    /// It was not (completely) carried out: a step it depends on failed, or
    /// apply stopped (interrupt, `--fail-fast`).
    Skipped,
}

impl Outcome {
    /// `done`, `failed` or `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        }
    }
}

/// What happened at one address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddressReport {
    /// The address, e.g. `replication.home`.
    pub address: String,
    /// What the plan did there.
    pub action: Action,
    /// How it ended.
    pub outcome: Outcome,
    /// The error of the failed step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
    /// Why it was skipped, or a note on how it was done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Seconds from its first step to its end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_seconds: Option<f64>,
}

/// The result of [`super::execute`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplyReport {
    /// One entry per address that had something to do, sorted by address.
    pub addresses: Vec<AddressReport>,
    /// True when apply was interrupted (Ctrl-C).
    pub interrupted: bool,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl ApplyReport {
    /// How many addresses ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.addresses
            .iter()
            .filter(|a| a.outcome == outcome)
            .count()
    }

    /// The report of one address.
    pub fn address(&self, address: &str) -> Option<&AddressReport> {
        self.addresses.iter().find(|a| a.address == address)
    }

    /// True when every address is done.
    pub fn succeeded(&self) -> bool {
        !self.interrupted && self.addresses.iter().all(|a| a.outcome == Outcome::Done)
    }
}

pub(crate) fn build(
    plan: &Plan,
    ends: &BTreeMap<StepId, StepEnd>,
    interrupted: bool,
    elapsed: Duration,
    started: &[Option<Instant>],
) -> ApplyReport {
    let mut addresses = Vec::new();
    for (i, c) in plan.changes.iter().enumerate() {
        if c.steps.is_empty() {
            continue;
        }
        let mut outcome = Outcome::Done;
        let mut error = None;
        let mut detail = None;
        for s in &c.steps {
            match ends.get(s) {
                Some(StepEnd::Failed(e)) => {
                    outcome = Outcome::Failed;
                    error = Some(e.clone());
                    break;
                }
                Some(StepEnd::Skipped(r)) if outcome == Outcome::Done => {
                    outcome = Outcome::Skipped;
                    detail = Some(r.clone());
                }
                Some(StepEnd::Done(Some(n))) if outcome == Outcome::Done => {
                    detail = Some(n.clone())
                }
                _ => {}
            }
        }
        if outcome == Outcome::Failed {
            detail = None;
        }
        addresses.push(AddressReport {
            address: c.address.clone(),
            action: c.action,
            outcome,
            error,
            detail,
            elapsed_seconds: started
                .get(i)
                .copied()
                .flatten()
                .map(|s| round(s.elapsed().as_secs_f64())),
        });
    }
    addresses.sort_by(|a, b| a.address.cmp(&b.address));
    ApplyReport {
        addresses,
        interrupted,
        elapsed,
    }
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Writes the closing summary: a headline, then one line per address with
/// its outcome, and for failures the operation, Region, AWS error code and a hint.
pub fn render_summary_human(report: &ApplyReport, out: &mut impl Write) -> io::Result<()> {
    let (done, failed, skipped) = (
        report.count(Outcome::Done),
        report.count(Outcome::Failed),
        report.count(Outcome::Skipped),
    );
    let secs = report.elapsed.as_secs_f64();
    let head = if report.interrupted {
        "Apply interrupted"
    } else if failed > 0 || skipped > 0 {
        "Apply finished with errors"
    } else {
        "Apply complete"
    };
    writeln!(out)?;
    writeln!(
        out,
        "{head}: {done} done, {failed} failed, {skipped} skipped ({secs:.1}s)."
    )?;
    if report.addresses.is_empty() {
        return Ok(());
    }
    let width = report
        .addresses
        .iter()
        .map(|a| a.address.len())
        .max()
        .unwrap_or(0);
    for a in &report.addresses {
        let tail = match (&a.error, &a.detail) {
            (Some(e), _) => e.what(),
            (None, Some(d)) => d.clone(),
            (None, None) => String::new(),
        };
        let line = format!(
            "  {:<7}  {:<width$}  {}",
            a.outcome.as_str(),
            a.address,
            tail
        );
        writeln!(out, "{}", line.trim_end())?;
        if let Some(e) = &a.error {
            writeln!(out, "  {:<7}  {:<width$}  hint: {}", "", "", e.hint)?;
        }
    }
    if !report.succeeded() {
        writeln!(
            out,
            "\nRun apply again to finish: it reads the current state and does only what is left."
        )?;
    }
    Ok(())
}

/// The `summary` event of `--json`.
pub fn summary_json(report: &ApplyReport) -> Value {
    json!({
        "type": "summary",
        "done": report.count(Outcome::Done),
        "failed": report.count(Outcome::Failed),
        "skipped": report.count(Outcome::Skipped),
        "interrupted": report.interrupted,
        "elapsed_seconds": round(report.elapsed.as_secs_f64()),
        "addresses": report.addresses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::StepError;

    /// Defect: a failed wait read "DescribeReplicationConfigurations in
    /// us-east-1: no error code: ..." as if that call had failed.
    #[test]
    fn a_failure_without_an_error_code_does_not_read_as_a_failed_call() {
        let report = |operation: &str, code: Option<&str>| ApplyReport {
            addresses: vec![AddressReport {
                address: "replication.a".into(),
                action: Action::Create,
                outcome: Outcome::Failed,
                error: Some(StepError {
                    operation: operation.into(),
                    region: "us-east-1".into(),
                    code: code.map(str::to_owned),
                    message: "the replication of fs-1 was still ENABLING after 1m".into(),
                    hint: "run apply again later".into(),
                }),
                detail: None,
                elapsed_seconds: None,
            }],
            interrupted: false,
            elapsed: Duration::from_secs(60),
        };
        let render = |r: &ApplyReport| {
            let mut buf = Vec::new();
            render_summary_human(r, &mut buf).unwrap();
            String::from_utf8(buf).unwrap()
        };
        let text = render(&report("wait-enabled", None));
        assert!(!text.contains("no error code"), "{text}");
        assert!(
            !text.contains("DescribeReplicationConfigurations"),
            "{text}"
        );
        assert!(
            text.contains("the replication of fs-1 was still ENABLING after 1m"),
            "{text}"
        );
        let text = render(&report(
            "CreateReplicationConfiguration",
            Some("AccessDeniedException"),
        ));
        assert!(
            text.contains(
                "CreateReplicationConfiguration in us-east-1 failed: AccessDeniedException: the replication"
            ),
            "{text}"
        );
    }
}
