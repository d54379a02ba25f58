//! The result of an apply, per address (done, failed or skipped, with the
//! error, its AWS code and Region, a hint, and what a compensation did),
//! the file systems left without replication ("no DR") with what a re-run
//! does, and its two renderings: the closing summary for people and the
//! `summary` JSON event. A create that returned counts as done even when
//! its wait was cut short ("created, not yet ENABLED").
//!
//! Rendering is pure: it writes to the writer it is given and never decides
//! anything the report does not say.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

use super::aftermath::{self, NoDr};
use super::{Note, StepError};
use crate::plan::{Action, ChangeAddress, Plan, StepId, StepKind};

/// How a step ended.
#[derive(Debug, Clone)]
pub(crate) enum StepEnd {
    Done(Option<Note>),
    Failed(StepError),
    Skipped(String),
    /// A compensation that had nothing to undo.
    NotNeeded,
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
    pub address: ChangeAddress,
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
    /// What its compensation did after the create failed or was skipped
    /// (overwrite protection set back), or why it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compensation: Option<String>,
}

/// The result of [`super::execute`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplyReport {
    /// One entry per address that had something to do, sorted by address.
    pub addresses: Vec<AddressReport>,
    /// True when apply was interrupted (Ctrl-C, SIGTERM).
    pub interrupted: bool,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// File systems now in no replication because a create this run
    /// depended on did not happen after a deletion did.
    pub no_dr: Vec<NoDr>,
    /// What a re-run does for the addresses left unfinished, one sentence each.
    pub rerun: Vec<String>,
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
        let kind = |s: &StepId| plan.step(*s).map(|st| &st.kind);
        let mut error: Option<StepError> = None;
        let mut skipped: Option<(StepId, String)> = None;
        let mut note = None;
        let mut compensation = None;
        for s in &c.steps {
            let restore = matches!(kind(s), Some(StepKind::RestoreProtection { .. }));
            match ends.get(s) {
                Some(StepEnd::Failed(e)) if restore => {
                    compensation = Some(format!(
                        "could not restore overwrite protection: {}; {}",
                        e.what(),
                        e.hint
                    ));
                    error.get_or_insert_with(|| e.clone());
                }
                Some(StepEnd::Failed(e)) => {
                    error.get_or_insert_with(|| e.clone());
                }
                Some(StepEnd::Skipped(r)) => {
                    skipped.get_or_insert((*s, r.clone()));
                }
                Some(StepEnd::Done(Some(n))) if restore => compensation = Some(n.text.clone()),
                Some(StepEnd::Done(Some(n))) => note = Some(n.text.clone()),
                _ => {}
            }
        }
        let mutating_done = c.steps.iter().all(|s| {
            !matches!(
                kind(s),
                Some(
                    StepKind::Create { .. }
                        | StepKind::Delete { .. }
                        | StepKind::UpdateProtection { .. }
                )
            ) || matches!(ends.get(s), Some(StepEnd::Done(_)))
        });
        let only_waits_skipped = c.steps.iter().all(|s| {
            !matches!(ends.get(s), Some(StepEnd::Skipped(_)))
                || matches!(
                    kind(s),
                    Some(StepKind::WaitEnabled { .. } | StepKind::WaitDeleted { .. })
                )
        });
        let did = |k: fn(&StepKind) -> bool| {
            c.steps
                .iter()
                .any(|s| kind(s).is_some_and(k) && matches!(ends.get(s), Some(StepEnd::Done(_))))
        };
        let created = did(|k| matches!(k, StepKind::Create { .. }));
        let deleted = did(|k| matches!(k, StepKind::Delete { .. }));
        let (outcome, detail) = match (&error, &skipped) {
            (Some(_), _) => (Outcome::Failed, None),
            (None, None) => (Outcome::Done, note),
            // Every call went through; only a wait was cut short.
            (None, Some((_, why)))
                if (created || deleted) && mutating_done && only_waits_skipped =>
            {
                (
                    Outcome::Done,
                    Some(if created {
                        format!("created, not yet ENABLED ({why})")
                    } else {
                        format!("deletion started, not yet finished ({why})")
                    }),
                )
            }
            (None, Some((_, why))) if deleted && !created && c.action == Action::Replace => (
                Outcome::Skipped,
                Some(format!(
                    "the old replication was deleted, the new one not created: {why}"
                )),
            ),
            (None, Some((_, why))) => (Outcome::Skipped, Some(why.clone())),
        };
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
            compensation,
        });
    }
    addresses.sort_by(|a, b| a.address.cmp(&b.address));
    let (no_dr, rerun) = aftermath::no_dr(plan, ends);
    ApplyReport {
        addresses,
        interrupted,
        elapsed,
        no_dr,
        rerun,
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
        .map(|a| a.address.as_str().len())
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
        if let Some(c) = &a.compensation {
            writeln!(out, "  {:<7}  {:<width$}  compensation: {c}", "", "")?;
        }
    }
    if !report.no_dr.is_empty() {
        writeln!(
            out,
            "\nWithout disaster recovery: these file systems are now in no replication, because a deletion happened and the create meant to follow it did not:"
        )?;
        let w = report
            .no_dr
            .iter()
            .map(|n| n.label().len())
            .max()
            .unwrap_or(0);
        for n in &report.no_dr {
            writeln!(out, "  {:<w$}  {}", n.label(), n.reason)?;
        }
        writeln!(
            out,
            "\nWhat a re-run does (it reads the current state and does only what is left):"
        )?;
        for r in &report.rerun {
            writeln!(out, "  {r}")?;
        }
    } else if !report.succeeded() {
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
        "no_dr": report.no_dr,
        "rerun": report.rerun,
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
        use crate::apply::{Operation, Wait};
        let report = |operation: Operation, code: Option<&str>| ApplyReport {
            addresses: vec![AddressReport {
                address: crate::plan::ChangeAddress::parse("replication.a").unwrap(),
                action: Action::Create,
                outcome: Outcome::Failed,
                error: Some(StepError {
                    operation: operation.clone(),
                    region: "us-east-1".into(),
                    code: code.map(str::to_owned),
                    message: "the replication of fs-1 was still ENABLING after 1m".into(),
                    hint: "run apply again later".into(),
                }),
                detail: None,
                elapsed_seconds: None,
                compensation: None,
            }],
            interrupted: false,
            elapsed: Duration::from_secs(60),
            no_dr: vec![],
            rerun: vec![],
        };
        let render = |r: &ApplyReport| {
            let mut buf = Vec::new();
            render_summary_human(r, &mut buf).unwrap();
            String::from_utf8(buf).unwrap()
        };
        let text = render(&report(Operation::Wait(Wait::Enabled), None));
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
            "CreateReplicationConfiguration".into(),
            Some("AccessDeniedException"),
        ));
        assert!(
            text.contains(
                "CreateReplicationConfiguration in us-east-1 failed: AccessDeniedException: the replication"
            ),
            "{text}"
        );
    }

    /// Issue 9: after an interrupt, a create that returned counts as done
    /// ("created, not yet ENABLED"); a replication in place whose wait was
    /// cut short is not reported as something this run did.
    #[test]
    fn an_interrupted_wait_after_a_create_counts_the_create_as_done() {
        use crate::model::{FileSystemId, Region};
        use crate::plan::{Change, DestinationSpec, Scope, Step, StepKind};
        let fs = FileSystemId::parse("fs-00000001").unwrap();
        let region = Region::parse("us-east-1").unwrap();
        let step = |id, kind| Step {
            id,
            kind,
            depends_on: vec![],
            expect: None,
        };
        let wait = || StepKind::WaitEnabled {
            source_file_system_id: fs.clone(),
            region: region.clone(),
        };
        let change = |address: &str, action, steps| Change {
            address: crate::plan::ChangeAddress::parse(address).unwrap(),
            action,
            reason: String::new(),
            notes: vec![],
            before: None,
            after: None,
            steps,
        };
        let plan = Plan {
            changes: vec![
                change("replication.new", Action::Create, vec![1, 2]),
                change("replication.old", Action::NoOp, vec![3]),
            ],
            steps: vec![
                step(
                    1,
                    StepKind::Create {
                        source_file_system_id: fs.clone(),
                        region: region.clone(),
                        destination: DestinationSpec {
                            region: Region::parse("us-west-2").unwrap(),
                            availability_zone_name: None,
                            kms_key_id: None,
                            file_system_id: None,
                            role_arn: None,
                        },
                    },
                ),
                step(2, wait()),
                step(3, wait()),
            ],
            unmanaged: vec![],
            scope: Scope::default(),
            fingerprint: String::new(),
        };
        let why = "interrupted while waiting; run apply again to finish".to_owned();
        let ends = BTreeMap::from([
            (1, StepEnd::Done(None)),
            (2, StepEnd::Skipped(why.clone())),
            (3, StepEnd::Skipped(why)),
        ]);
        let report = build(&plan, &ends, true, Duration::from_secs(1), &[None, None]);
        let new = report.address("replication.new").unwrap();
        assert_eq!(new.outcome, Outcome::Done);
        assert!(
            new.detail
                .as_deref()
                .unwrap()
                .starts_with("created, not yet ENABLED"),
            "{new:?}"
        );
        assert_eq!(
            report.address("replication.old").unwrap().outcome,
            Outcome::Skipped
        );
        assert!(report.no_dr.is_empty());
    }
}
