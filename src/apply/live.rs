//! [`Live`]: what a running apply has done so far, shared with whoever may
//! have to end the process before [`super::execute`] returns (a second
//! Ctrl-C or SIGTERM exits at once). [`Live::leftovers`] turns it into the
//! lines to print before such an exit: for every overwrite protection this
//! run lifted (or was lifting) and has not set back, the exact AWS CLI
//! command that restores it, and the "no DR" lines of the summary. A call in
//! flight at that moment counts as made: the lines err on the side of
//! saying too much.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use super::aftermath;
use super::report::StepEnd;
use crate::plan::{Plan, StepId, StepKind};

/// A handle on the progress of one [`super::execute`] run; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Live(Arc<Mutex<Seen>>);

#[derive(Debug, Default)]
struct Seen {
    running: BTreeSet<StepId>,
    done: BTreeSet<StepId>,
    /// `update-protection` steps that left the protection DISABLED.
    lifted: BTreeSet<StepId>,
}

impl Live {
    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Step `id` was launched.
    pub(super) fn started(&self, id: StepId) {
        self.seen().running.insert(id);
    }

    /// Step `id` ended; `done` when it succeeded, `lifted` when it left an
    /// overwrite protection DISABLED (whether or not it succeeded).
    pub(super) fn ended(&self, id: StepId, done: bool, lifted: bool) {
        let mut s = self.seen();
        s.running.remove(&id);
        if done {
            s.done.insert(id);
        }
        if lifted {
            s.lifted.insert(id);
        }
    }

    /// Step `id` finished without running (e.g. `--no-wait`).
    pub(super) fn marked_done(&self, id: StepId) {
        self.seen().done.insert(id);
    }

    /// The lines to print when the process exits before `execute` returns:
    /// a restore command per protection lifted (or being lifted) and not
    /// set back, then the file systems without DR. Empty when there is
    /// nothing to say.
    pub fn leftovers(&self, plan: &Plan) -> Vec<String> {
        let s = self.seen();
        let made = |id: &StepId| s.done.contains(id) || s.running.contains(id);
        let owner = |id: StepId| {
            plan.changes
                .iter()
                .find(|c| c.steps.contains(&id))
                .map_or_else(|| format!("step {id}"), |c| c.address.to_string())
        };
        let mut out = Vec::new();
        for step in &plan.steps {
            let StepKind::UpdateProtection {
                file_system_id,
                region,
                ..
            } = &step.kind
            else {
                continue;
            };
            let lifting = s.running.contains(&step.id);
            if !s.lifted.contains(&step.id) && !lifting {
                continue;
            }
            // Set back already, or the create went through (the file system
            // is a destination now: REPLICATING).
            let restore = plan.steps.iter().find_map(|r| match &r.kind {
                StepKind::RestoreProtection { compensates, .. }
                    if r.depends_on.contains(&step.id) =>
                {
                    Some((r.id, *compensates))
                }
                _ => None,
            });
            if let Some((r, create)) = restore {
                if s.done.contains(&r) || s.done.contains(&create) {
                    continue;
                }
            }
            let how = if lifting {
                "may have been disabled (the call was in flight)"
            } else {
                "was disabled"
            };
            out.push(format!(
                "overwrite protection of {file_system_id} ({region}) {how} for {} and is not set back; restore it with: aws efs update-file-system-protection --file-system-id {file_system_id} --replication-overwrite-protection ENABLED --region {region}",
                owner(step.id)
            ));
        }
        let ends: BTreeMap<StepId, StepEnd> = plan
            .steps
            .iter()
            .map(|st| {
                // A delete in flight may have happened: count it. A create
                // in flight may not have: do not count it.
                let happened = s.done.contains(&st.id)
                    || (matches!(st.kind, StepKind::Delete { .. }) && made(&st.id));
                let end = if happened {
                    StepEnd::Done(None)
                } else {
                    StepEnd::Skipped("not finished".into())
                };
                (st.id, end)
            })
            .collect();
        let (no_dr, _) = aftermath::no_dr(plan, &ends);
        out.extend(no_dr.iter().map(|n| format!("{}  {}", n.label(), n.reason)));
        out
    }
}
