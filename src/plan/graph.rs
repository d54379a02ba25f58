//! The step graph: `--target` selection (with the changes a selected change
//! waits for) and the numbering of API steps with explicit dependencies:
//! deletions first, then protection changes, creates and waits. Each
//! destructive step records what it expects to find right before its call
//! (compare-and-swap in apply): a delete also records the existing
//! destinations of the creates that wait for it, so that apply refuses it
//! when one of them changed. Each protection change is followed by its
//! compensation, which restores the protection if the create fails. A
//! dependency that cannot be resolved to a step is an internal error, never
//! dropped. Pure.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::types::{Expect, ExpectDestination, OrphanSide, Side, Step, StepId, StepKind};
use super::{key_of, ChangeAddress, CreatePart, Dep, Draft, Key, PlanError};
use crate::model::{ActualReplication, FileSystemId, FileSystemInfo, Protection, Region};

/// The addresses to plan: all, or the targets and everything they wait for.
/// The address a `--target` that matched nothing was probably meant to be:
/// a bare block name (`web` -> `replication.web`), else the nearest
/// spelling of an address (block addresses without their `["key"]` too).
fn suggest_target(target: &str, drafts: &[Draft<'_>]) -> Option<String> {
    let blocks: BTreeSet<String> = drafts
        .iter()
        .map(|d| d.address.block().into_owned())
        .chain(drafts.iter().map(|d| d.address.to_string()))
        .collect();
    if !target.contains('.') {
        let base = target.split('[').next().unwrap_or(target);
        let prefixed = blocks
            .iter()
            .find(|a| a.split_once('.').is_some_and(|(_, name)| name == base));
        if let Some(a) = prefixed {
            let rest = &target[base.len()..];
            return Some(format!("{a}{rest}"));
        }
    }
    let limit = (target.chars().count() / 3).max(2);
    blocks
        .iter()
        .map(|a| (strsim::damerau_levenshtein(target, a), a))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, a)| a.clone())
}

/// A target matching nothing adds an error.
pub(super) fn select(
    drafts: &[Draft<'_>],
    targets: &[String],
    deleted_by: &HashMap<Key, ChangeAddress>,
    errors: &mut Vec<PlanError>,
) -> BTreeSet<ChangeAddress> {
    if targets.is_empty() {
        drafts.iter().map(|d| d.address.clone()).collect()
    } else {
        let mut sel = BTreeSet::new();
        for t in targets {
            let hit: Vec<_> = drafts
                .iter()
                .filter(|d| d.address.is_selected_by(t))
                .map(|d| d.address.clone())
                .collect();
            if hit.is_empty() {
                errors.push(PlanError::UnknownTarget {
                    target: t.clone(),
                    suggestion: suggest_target(t, drafts),
                });
            }
            sel.extend(hit);
        }
        loop {
            let mut more = Vec::new();
            for dr in drafts.iter().filter(|d| sel.contains(&d.address)) {
                for dep in dr.create.iter().flat_map(|c| c.waits_for.iter()) {
                    let owner = match dep {
                        Dep::Planned(k) => deleted_by.get(k),
                        Dep::Orphan(address) => Some(address),
                        Dep::InProgress(_) => None,
                    };
                    if let Some(owner) = owner.filter(|o| !sel.contains(*o)) {
                        more.push(owner.clone());
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

/// The destination side of replication `k`, when `c` uses its file system
/// (as its source, or as its existing destination): then the create must
/// wait until that side is gone too, not only the source side.
fn needed_destination(
    c: &CreatePart,
    k: &Key,
    by_source: &BTreeMap<Key, &ActualReplication>,
) -> Option<Side> {
    let e = by_source.get(k)?;
    let d = Side {
        file_system_id: e.destination.file_system_id.clone(),
        region: e.destination.region.clone(),
    };
    let as_source = c.region == d.region && c.source == d.file_system_id;
    let as_destination = c.spec.region == d.region
        && c.spec
            .file_system_id
            .as_ref()
            .is_some_and(|f| f.id == d.file_system_id);
    (as_source || as_destination).then_some(d)
}

/// The existing destinations of the creates that wait for `dep`, as
/// observed, for the expectation of the delete `dep` stands for (`deleted`:
/// the replication it removes). A destination that reads `REPLICATING` is
/// recorded only when it is in that very replication (it may be in another
/// one this plan deletes, which can be gone or not by the time of the call;
/// its protection change re-reads it later); one not observed is not recorded.
fn creates_into(
    drafts: &[Draft<'_>],
    dep: &Dep,
    deleted: &ActualReplication,
    file_systems: &BTreeMap<(Region, FileSystemId), FileSystemInfo>,
) -> Vec<ExpectDestination> {
    let mut out: Vec<ExpectDestination> = Vec::new();
    for c in drafts.iter().filter_map(|d| d.create.as_ref()) {
        let Some(f) = c.spec.file_system_id.as_ref() else {
            continue;
        };
        if !c.waits_for.contains(dep) {
            continue;
        }
        let Some(info) = file_systems.get(&(c.spec.region.clone(), f.id.clone())) else {
            continue;
        };
        let Some(protection) = info.protection.clone() else {
            continue;
        };
        let in_deleted = deleted.destination.file_system_id == f.id
            && deleted.destination.region == c.spec.region;
        if protection == Protection::Replicating && !in_deleted {
            continue;
        }
        let e = ExpectDestination {
            file_system_id: f.id.clone(),
            region: c.spec.region.clone(),
            replication_overwrite_protection: protection,
            encrypted: info.encrypted,
        };
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

/// Numbers the steps of the drafts and records each draft's step ids.
/// `by_source` is the observed replications, for the destination side a
/// wait for a deletion must also watch; `file_systems` the observed file
/// systems, for what a delete expects of the destinations that wait for it.
/// A create waiting for a deletion or an orphan removal that has no step
/// is an internal error ([`PlanError::Internal`]): the ordering is never
/// dropped.
pub(super) fn build_steps(
    drafts: &mut [Draft<'_>],
    by_source: &BTreeMap<Key, &ActualReplication>,
    file_systems: &BTreeMap<(Region, FileSystemId), FileSystemInfo>,
) -> Result<Vec<Step>, Box<PlanError>> {
    let mut steps: Vec<Step> = Vec::new();
    let mut wait_of: HashMap<Key, StepId> = HashMap::new();
    let into_of_deletes: Vec<Vec<ExpectDestination>> = drafts
        .iter()
        .map(|dr| match (dr.deletes, dr.removes_orphan) {
            (Some(e), _) => creates_into(drafts, &Dep::Planned(key_of(e)), e, file_systems),
            (None, Some(o)) => {
                creates_into(drafts, &Dep::Orphan(dr.address.clone()), o, file_systems)
            }
            (None, None) => Vec::new(),
        })
        .collect();
    // Planned deletions whose destination side a create needs gone.
    let dest_needed: HashMap<Key, Side> = drafts
        .iter()
        .filter_map(|dr| dr.create.as_ref())
        .flat_map(|c| {
            c.waits_for.iter().filter_map(move |dep| match dep {
                Dep::Planned(k) => needed_destination(c, k, by_source).map(|d| (k.clone(), d)),
                Dep::InProgress(_) | Dep::Orphan(_) => None,
            })
        })
        .collect();
    for (dr, into) in drafts.iter_mut().zip(&into_of_deletes) {
        if let Some(e) = dr.deletes {
            let del = push_expecting(
                &mut steps,
                StepKind::Delete {
                    source_file_system_id: e.source.clone(),
                    region: e.source_region.clone(),
                    orphan: None,
                },
                vec![],
                expect_replication(e, into.clone()),
            );
            let wait = push(
                &mut steps,
                StepKind::WaitDeleted {
                    source_file_system_id: e.source.clone(),
                    region: e.source_region.clone(),
                    destination: dest_needed.get(&key_of(e)).cloned(),
                },
                vec![del],
            );
            wait_of.insert(key_of(e), wait);
            dr.steps.extend([del, wait]);
        }
    }
    let mut orphan_step: HashMap<ChangeAddress, StepId> = HashMap::new();
    for (dr, into) in drafts.iter_mut().zip(&into_of_deletes) {
        // An orphan is deleted where it lives, the destination Region, with
        // LOCAL_CONFIGURATION_ONLY; no wait (its removal cannot be polled by
        // source), and a create of the same source into that Region follows it.
        if let Some(o) = dr.removes_orphan {
            let del = push_expecting(
                &mut steps,
                StepKind::Delete {
                    source_file_system_id: o.source.clone(),
                    region: o.destination.region.clone(),
                    orphan: Some(OrphanSide {
                        source_region: o.source_region.clone(),
                    }),
                },
                vec![],
                expect_replication(o, into.clone()),
            );
            orphan_step.insert(dr.address.clone(), del);
            dr.steps.push(del);
        }
    }
    for dr in drafts.iter_mut() {
        let Some(c) = &dr.create else { continue };
        let mut deps = Vec::new();
        for dep in &c.waits_for {
            match dep {
                Dep::Planned(k) => match wait_of.get(k) {
                    Some(w) => deps.push(*w),
                    None => {
                        return Err(Box::new(PlanError::Internal {
                            address: dr.address.to_string(),
                            message: format!(
                                "the create waits for the deletion of the replication of {} ({}), which has no step in this plan",
                                k.1, k.0
                            ),
                        }))
                    }
                },
                Dep::Orphan(address) => match orphan_step.get(address) {
                    Some(s) => deps.push(*s),
                    None => {
                        return Err(Box::new(PlanError::Internal {
                            address: dr.address.to_string(),
                            message: format!(
                                "the create waits for the removal of {address}, which has no step in this plan"
                            ),
                        }))
                    }
                },
                Dep::InProgress(k) => {
                    let w = push(
                        &mut steps,
                        StepKind::WaitDeleted {
                            source_file_system_id: k.1.clone(),
                            region: k.0.clone(),
                            destination: needed_destination(c, k, by_source),
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
                    replication_overwrite_protection: Protection::Disabled,
                },
                deps,
                Expect::FileSystem {
                    replication_overwrite_protection: Protection::Enabled,
                },
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
                    replication_overwrite_protection: Protection::Enabled,
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

    Ok(steps)
}

/// Appends a step numbered after the last one and returns its id. A
/// destructive step goes through [`push_expecting`] instead.
fn push(steps: &mut Vec<Step>, kind: StepKind, depends_on: Vec<StepId>) -> StepId {
    debug_assert!(
        !matches!(
            kind,
            StepKind::Delete { .. } | StepKind::UpdateProtection { .. }
        ),
        "a destructive step needs an expectation: {kind:?}"
    );
    append(steps, kind, depends_on, None)
}

/// [`push`] for a destructive step, with what it expects to find (apply
/// refuses a destructive step without one).
fn push_expecting(
    steps: &mut Vec<Step>,
    kind: StepKind,
    depends_on: Vec<StepId>,
    expect: Expect,
) -> StepId {
    append(steps, kind, depends_on, Some(expect))
}

fn append(
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

/// The replication a delete expects to find: as observed, with the
/// existing destinations of the creates that wait for it.
fn expect_replication(r: &ActualReplication, creates_into: Vec<ExpectDestination>) -> Expect {
    Expect::Replication {
        destination_file_system_id: r.destination.file_system_id.clone(),
        destination_region: r.destination.region.clone(),
        creation_time: humantime::format_rfc3339_millis(r.creation_time).to_string(),
        creates_into,
    }
}
