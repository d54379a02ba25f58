//! What an unfinished apply leaves behind: the file systems now in no
//! replication ("no DR") because a deletion happened and the create that was
//! to follow it did not, and what a re-run will do for each such address.
//! Pure: reads the plan and how each step ended.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::report::StepEnd;
use crate::plan::{Plan, StepId, StepKind};

/// A file system left without replication by this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoDr {
    /// The file system id.
    pub file_system_id: String,
    /// Its Region.
    pub region: String,
    /// The address whose create did not happen.
    pub address: String,
    /// Why it has no replication now.
    pub reason: String,
}

impl NoDr {
    /// `no DR: fs-... (us-east-1)`.
    pub fn label(&self) -> String {
        format!("no DR: {} ({})", self.file_system_id, self.region)
    }
}

/// Every step `id` waits for, directly or not.
fn ancestors(plan: &Plan, id: StepId) -> BTreeSet<StepId> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![id];
    while let Some(s) = todo.pop() {
        if let Some(step) = plan.step(s) {
            for d in &step.depends_on {
                if seen.insert(*d) {
                    todo.push(*d);
                }
            }
        }
    }
    seen
}

/// The file systems this run left in no replication, and one sentence per
/// unfinished address saying what a re-run does.
pub(crate) fn no_dr(plan: &Plan, ends: &BTreeMap<StepId, StepEnd>) -> (Vec<NoDr>, Vec<String>) {
    let owner = |id: StepId| plan.changes.iter().find(|c| c.steps.contains(&id));
    let done = |id: &StepId| matches!(ends.get(id), Some(StepEnd::Done(_)));
    // Sources that have a replication created by this run.
    let replicated: BTreeSet<(String, String)> = plan
        .steps
        .iter()
        .filter(|s| done(&s.id))
        .filter_map(|s| match &s.kind {
            StepKind::Create {
                source_file_system_id,
                region,
                ..
            } => Some((source_file_system_id.to_string(), region.to_string())),
            _ => None,
        })
        .collect();
    let mut out: Vec<NoDr> = Vec::new();
    let mut rerun = Vec::new();
    let mut push = |n: NoDr| {
        if !replicated.contains(&(n.file_system_id.clone(), n.region.clone()))
            && !out
                .iter()
                .any(|o| o.file_system_id == n.file_system_id && o.region == n.region)
        {
            out.push(n);
        }
    };
    for step in &plan.steps {
        let StepKind::Create {
            source_file_system_id: source,
            region,
            destination,
        } = &step.kind
        else {
            continue;
        };
        if done(&step.id) {
            continue;
        }
        let Some(change) = owner(step.id) else {
            continue;
        };
        // The deletions this create waited for (its own, or another
        // change's) that did happen.
        let mut before: BTreeSet<StepId> = ancestors(plan, step.id);
        before.extend(change.steps.iter().copied());
        let deleted: Vec<StepId> = before
            .into_iter()
            .filter(|d| {
                done(d)
                    && matches!(
                        plan.step(*d).map(|s| &s.kind),
                        Some(StepKind::Delete { .. })
                    )
            })
            .collect();
        if deleted.is_empty() {
            continue;
        }
        let dest = match &destination.file_system_id {
            Some(f) => format!("{f} ({})", destination.region),
            None => format!("a new file system in {}", destination.region),
        };
        push(NoDr {
            file_system_id: source.to_string(),
            region: region.to_string(),
            address: change.address.clone(),
            reason: format!(
                "{}: the replication {source} ({region}) -> {dest} was not created",
                change.address
            ),
        });
        for d in deleted {
            let Some(o) = owner(d) else { continue };
            let Some(b) = &o.before else { continue };
            let Some(StepKind::Delete { region: r, .. }) = plan.step(d).map(|s| &s.kind) else {
                continue;
            };
            // An orphan's deletion (in the destination Region) took no DR away.
            if r.as_str() != b.source_region {
                continue;
            }
            push(NoDr {
                file_system_id: b.source_file_system_id.clone(),
                region: b.source_region.clone(),
                address: change.address.clone(),
                reason: format!(
                    "{}: its replication to {} ({}) was deleted, for {} that was not created",
                    o.address,
                    b.destination_file_system_id.as_deref().unwrap_or("?"),
                    b.destination_region,
                    change.address
                ),
            });
        }
        let lift = change.steps.iter().find_map(|s| match plan.step(*s).map(|s| &s.kind) {
            Some(StepKind::UpdateProtection {
                file_system_id,
                region,
                ..
            }) => Some(format!(
                ", after disabling the overwrite protection of {file_system_id} ({region}) again (overwriting it needs approval for that run: an interactive yes, a saved plan that shows it, or --allow-overwrite {file_system_id})"
            )),
            _ => None,
        });
        rerun.push(format!(
            "{}: a re-run creates {source} ({region}) -> {dest}{}; nothing is left to delete for it. Fix the cause of the failure first, or it fails the same way.",
            change.address,
            lift.unwrap_or_default()
        ));
    }
    (out, rerun)
}
