//! Where each step of a running apply stands, and the bookkeeping between
//! launches: skipping what depends on a failed or skipped step, settling
//! compensations that have nothing to undo, skipping what is left once
//! launching stopped, reporting finished addresses to the reporter. It makes
//! no EFS call.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use super::progress::{Event, Reporter};
use super::{report, Note, StepError};
use crate::plan::{Plan, Step, StepId, StepKind};

/// Where a step stands.
#[derive(Debug, Clone)]
pub(super) enum State {
    Pending,
    Running,
    Done(Option<Note>),
    Failed(StepError),
    Skipped(String),
    /// A compensation whose create did not fail (or whose protection
    /// change never happened): nothing to undo.
    NotNeeded,
}

impl State {
    pub(super) fn finished(&self) -> bool {
        !matches!(self, State::Pending | State::Running)
    }
}

/// Why launching stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Stop {
    FailFast(String),
    Interrupted,
}

/// True for steps that call a mutating EFS operation.
pub(super) fn is_mutating(kind: &StepKind) -> bool {
    matches!(
        kind,
        StepKind::Create { .. }
            | StepKind::Delete { .. }
            | StepKind::UpdateProtection { .. }
            | StepKind::RestoreProtection { .. }
    )
}

/// The create a compensation step undoes the preparation of.
pub(super) fn compensates(kind: &StepKind) -> Option<StepId> {
    match kind {
        StepKind::RestoreProtection { compensates, .. } => Some(*compensates),
        _ => None,
    }
}

/// What an address is doing while one of its steps runs.
pub(super) fn phase(kind: &StepKind) -> &'static str {
    match kind {
        StepKind::Delete { .. } => "deleting",
        StepKind::WaitDeleted { .. } => "waiting for the deletion",
        StepKind::UpdateProtection { .. } => "disabling overwrite protection",
        StepKind::Create { .. } => "creating",
        StepKind::WaitEnabled { .. } => "waiting for ENABLED",
        StepKind::RestoreProtection { .. } => "restoring overwrite protection",
    }
}

/// Progress of one address.
#[derive(Debug)]
pub(super) struct Track {
    pub(super) started: Option<Instant>,
    pub(super) phase: &'static str,
    pub(super) ended: bool,
}

/// Why steps were not started after launching stopped.
pub(super) fn stop_reason(stop: &Stop) -> String {
    match stop {
        Stop::Interrupted => "not started: apply was interrupted".to_owned(),
        Stop::FailFast(a) => format!("not started: --fail-fast stopped after {a} failed"),
    }
}

/// Marks every pending step that is not a compensation as skipped.
pub(super) fn skip_pending(
    steps: &BTreeMap<StepId, &Step>,
    states: &mut BTreeMap<StepId, State>,
    reason: &str,
) {
    for (id, st) in states.iter_mut() {
        if matches!(st, State::Pending) && compensates(&steps[id].kind).is_none() {
            *st = State::Skipped(reason.to_owned());
        }
    }
}

/// A pending compensation is not needed once its create is done, or when
/// the protection change it would undo did not happen (`lifted`: the
/// protection changes that took effect even though their step failed).
pub(super) fn settle_compensations(
    steps: &BTreeMap<StepId, &Step>,
    states: &mut BTreeMap<StepId, State>,
    lifted: &std::collections::BTreeSet<StepId>,
) {
    let ids: Vec<StepId> = states.keys().copied().collect();
    for id in ids {
        let Some(c) = compensates(&steps[&id].kind) else {
            continue;
        };
        if !matches!(states[&id], State::Pending) {
            continue;
        }
        let create_done = matches!(states.get(&c), Some(State::Done(_)));
        let never_lifted = steps[&id].depends_on.iter().any(|d| {
            !lifted.contains(d)
                && matches!(
                    states.get(d),
                    Some(State::Failed(_) | State::Skipped(_) | State::NotNeeded) | None
                )
        });
        if create_done || never_lifted {
            states.insert(id, State::NotNeeded);
        }
    }
}

/// Marks every pending step that depends on a failed or skipped step as
/// skipped, naming the address whose failure caused it; repeats until stable.
/// Compensations are left to [`settle_compensations`].
pub(super) fn skip_dependents(
    steps: &BTreeMap<StepId, &Step>,
    states: &mut BTreeMap<StepId, State>,
    owner: &HashMap<StepId, usize>,
    plan: &Plan,
) {
    loop {
        let mut changed = false;
        let ids: Vec<StepId> = states.keys().copied().collect();
        for id in ids {
            if !matches!(states[&id], State::Pending) || compensates(&steps[&id].kind).is_some() {
                continue;
            }
            let blocked = steps[&id]
                .depends_on
                .iter()
                .find_map(|d| match states.get(d) {
                    Some(State::Failed(_)) => Some(format!(
                        "depends on {} ({}), which failed",
                        address_of(*d, owner, plan),
                        steps[d].kind.name()
                    )),
                    Some(State::Skipped(why)) => {
                        let a = address_of(*d, owner, plan);
                        let own = address_of(id, owner, plan);
                        Some(if a == own {
                            why.clone()
                        } else if address_failed(*d, owner, plan, states) {
                            format!("depends on {a}, which failed")
                        } else {
                            format!("depends on {a}, which was skipped")
                        })
                    }
                    None => Some(format!("depends on step {d}, which is not in the plan")),
                    _ => None,
                });
            if let Some(why) = blocked {
                states.insert(id, State::Skipped(why));
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// True when a step of the address that owns step `id` failed.
pub(super) fn address_failed(
    id: StepId,
    owner: &HashMap<StepId, usize>,
    plan: &Plan,
    states: &BTreeMap<StepId, State>,
) -> bool {
    owner.get(&id).is_some_and(|i| {
        plan.changes[*i]
            .steps
            .iter()
            .any(|s| matches!(states.get(s), Some(State::Failed(_))))
    })
}

pub(super) fn address_of(id: StepId, owner: &HashMap<StepId, usize>, plan: &Plan) -> String {
    owner
        .get(&id)
        .map(|i| plan.changes[*i].address.to_string())
        .unwrap_or_else(|| format!("step {id}"))
}

/// Reports the completion of an address once all its steps are finished.
pub(super) fn finish_address(
    i: usize,
    change: &crate::plan::Change,
    states: &BTreeMap<StepId, State>,
    tracks: &mut [Track],
    reporter: &dyn Reporter,
) {
    let t = &mut tracks[i];
    if t.ended || change.steps.is_empty() {
        return;
    }
    let all_done = change
        .steps
        .iter()
        .all(|s| matches!(states.get(s), Some(State::Done(_) | State::NotNeeded)));
    if all_done {
        t.ended = true;
        let note = change.steps.iter().rev().find_map(|s| match states.get(s) {
            Some(State::Done(Some(n))) => Some(n.clone()),
            _ => None,
        });
        reporter.event(&Event::Complete {
            address: change.address.as_str(),
            action: change.action,
            elapsed: t.started.map(|s| s.elapsed()).unwrap_or_default(),
            note: note.as_ref(),
        });
    }
}

/// The final state of each step, as the report reads it.
pub(super) fn states_view(states: &BTreeMap<StepId, State>) -> BTreeMap<StepId, report::StepEnd> {
    states
        .iter()
        .map(|(id, s)| {
            let end = match s {
                State::Done(n) => report::StepEnd::Done(n.clone()),
                State::Failed(e) => report::StepEnd::Failed(e.clone()),
                State::Skipped(r) => report::StepEnd::Skipped(r.clone()),
                State::NotNeeded => report::StepEnd::NotNeeded,
                State::Pending | State::Running => report::StepEnd::Skipped("not started".into()),
            };
            (*id, end)
        })
        .collect()
}
