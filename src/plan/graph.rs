//! The step graph: `--target` selection (with the changes a selected change
//! waits for) and the numbering of API steps with explicit dependencies:
//! deletions first, then protection changes, creates and waits. Each
//! destructive step records what it expects to find right before its call
//! (compare-and-swap in apply), and each protection change is followed by
//! its compensation, which restores the protection if the create fails. Pure.

use std::collections::{BTreeSet, HashMap};

use super::types::{Expect, Step, StepId, StepKind};
use super::{key_of, Dep, Draft, Key, PlanError};
use crate::model::ActualReplication;

/// The addresses to plan: all, or the targets and everything they wait for.
/// A target matching nothing adds an error.
pub(super) fn select(
    drafts: &[Draft<'_>],
    targets: &[String],
    deleted_by: &HashMap<Key, String>,
    errors: &mut Vec<PlanError>,
) -> BTreeSet<String> {
    if targets.is_empty() {
        drafts.iter().map(|d| d.address.clone()).collect()
    } else {
        let matches =
            |t: &str, a: &str| a == t || (a.starts_with(t) && a[t.len()..].starts_with('['));
        let mut sel = BTreeSet::new();
        for t in targets {
            let hit: Vec<_> = drafts
                .iter()
                .filter(|d| matches(t, &d.address))
                .map(|d| d.address.clone())
                .collect();
            if hit.is_empty() {
                errors.push(PlanError::UnknownTarget { target: t.clone() });
            }
            sel.extend(hit);
        }
        loop {
            let mut more = Vec::new();
            for dr in drafts.iter().filter(|d| sel.contains(&d.address)) {
                for dep in dr.create.iter().flat_map(|c| c.waits_for.iter()) {
                    if let Dep::Planned(k) = dep {
                        if let Some(owner) = deleted_by.get(k) {
                            if !sel.contains(owner) {
                                more.push(owner.clone());
                            }
                        }
                    }
                }
            }
            if more.is_empty() {
                break sel;
            }
            sel.extend(more);
        }
    }
}

/// Numbers the steps of the drafts and records each draft's step ids.
pub(super) fn build_steps(drafts: &mut [Draft<'_>]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut wait_of: HashMap<Key, StepId> = HashMap::new();
    for dr in drafts.iter_mut() {
        if let Some(e) = dr.deletes {
            let del = push_expecting(
                &mut steps,
                StepKind::Delete {
                    source_file_system_id: e.source.clone(),
                    region: e.source_region.clone(),
                },
                vec![],
                Some(expect_replication(e)),
            );
            let wait = push(
                &mut steps,
                StepKind::WaitDeleted {
                    source_file_system_id: e.source.clone(),
                    region: e.source_region.clone(),
                },
                vec![del],
            );
            wait_of.insert(key_of(e), wait);
            dr.steps.extend([del, wait]);
        }
    }
    for dr in drafts.iter_mut() {
        // An orphan is deleted where it lives, the destination Region; no
        // wait: the live replication of the same source may be listed there
        // too, and nothing in the plan depends on the orphan being gone.
        if let Some(o) = dr.removes_orphan {
            let del = push_expecting(
                &mut steps,
                StepKind::Delete {
                    source_file_system_id: o.source.clone(),
                    region: o.destination.region.clone(),
                },
                vec![],
                Some(expect_replication(o)),
            );
            dr.steps.push(del);
        }
    }
    for dr in drafts.iter_mut() {
        let Some(c) = &dr.create else { continue };
        let mut deps = Vec::new();
        for dep in &c.waits_for {
            match dep {
                Dep::Planned(k) => {
                    if let Some(w) = wait_of.get(k) {
                        deps.push(*w);
                    }
                }
                Dep::InProgress(k) => {
                    let w = push(
                        &mut steps,
                        StepKind::WaitDeleted {
                            source_file_system_id: k.1.clone(),
                            region: k.0.clone(),
                        },
                        vec![],
                    );
                    dr.steps.push(w);
                    deps.push(w);
                }
            }
        }
        deps.sort_unstable();
        deps.dedup();
        let mut lifted = None;
        if let Some(pk) = &c.protection {
            let p = push_expecting(
                &mut steps,
                StepKind::UpdateProtection {
                    file_system_id: pk.1.clone(),
                    region: pk.0.clone(),
                    replication_overwrite_protection: "DISABLED".to_owned(),
                },
                deps,
                Some(Expect::FileSystem {
                    replication_overwrite_protection: "ENABLED".to_owned(),
                }),
            );
            dr.steps.push(p);
            deps = vec![p];
            lifted = Some((p, pk));
        }
        let create = push(
            &mut steps,
            StepKind::Create {
                source_file_system_id: c.source.clone(),
                region: c.region.clone(),
                destination: c.spec.clone(),
            },
            deps,
        );
        dr.steps.push(create);
        if let Some((p, pk)) = lifted {
            let restore = push(
                &mut steps,
                StepKind::RestoreProtection {
                    file_system_id: pk.1.clone(),
                    region: pk.0.clone(),
                    replication_overwrite_protection: "ENABLED".to_owned(),
                    compensates: create,
                },
                vec![p],
            );
            dr.steps.push(restore);
        }
        let wait = push(
            &mut steps,
            StepKind::WaitEnabled {
                source_file_system_id: c.source.clone(),
                region: c.region.clone(),
            },
            vec![create],
        );
        dr.steps.push(wait);
    }

    steps
}

/// Appends a step numbered after the last one and returns its id.
fn push(steps: &mut Vec<Step>, kind: StepKind, depends_on: Vec<StepId>) -> StepId {
    push_expecting(steps, kind, depends_on, None)
}

/// [`push`] for a destructive step, with what it expects to find.
fn push_expecting(
    steps: &mut Vec<Step>,
    kind: StepKind,
    depends_on: Vec<StepId>,
    expect: Option<Expect>,
) -> StepId {
    let id = steps.len() as StepId + 1;
    steps.push(Step {
        id,
        kind,
        depends_on,
        expect,
    });
    id
}

/// The replication a delete expects to find: as observed.
fn expect_replication(r: &ActualReplication) -> Expect {
    Expect::Replication {
        destination_file_system_id: r.destination.file_system_id.clone(),
        destination_region: r.destination.region.clone(),
        creation_time: humantime::format_rfc3339_millis(r.creation_time).to_string(),
    }
}
