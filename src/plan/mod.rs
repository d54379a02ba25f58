//! The planner: a pure function from the desired state and the observed
//! state to a [`Plan`] (per-address actions with reasons, a graph of API
//! steps, the unmanaged replications, a fingerprint of what was observed), or
//! every preflight problem found.
//!
//! This module must never do I/O, read a clock or know where the state came
//! from: the same inputs always give the same plan. It imports no
//! `aws_sdk_efs` types.

mod address;
mod diff;
mod error;
mod graph;
mod observation;
mod overwrite;
mod preflight;
mod saved;
mod simulate;
mod types;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_safety;

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use address::{AddressKind, ChangeAddress};
pub use error::{PlanError, PlanErrors};
pub use observation::{fingerprint, Attribute, Difference, Observation, Subject};
pub use saved::{
    SavedActual, SavedPlan, SavedPlanError, SAVED_PLAN_FORMAT_VERSION, SAVED_PLAN_KIND,
};
pub use simulate::{simulate_apply, SimulateError};
pub use types::{
    Action, Attributes, Change, DestinationSpec, Expect, ExpectDestination, OrphanSide, Plan,
    Scope, Side, Step, StepId, StepKind, Summary, Unmanaged, UnmanagedStatus,
};

use crate::model::{
    AccountId, Actual, ActualReplication, Desired, DesiredReplication, FileSystemId, Protection,
    Region, ReplicationStatus,
};

/// Options that shape a plan without being part of the desired state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// `--target` addresses: when not empty, only these addresses (and the
    /// changes they depend on) are planned. `replication.NAME` also selects
    /// every `replication.NAME[...]` instance.
    pub targets: Vec<String>,
}

/// A replication is identified by its source: (source Region, source id).
type Key = (Region, FileSystemId);

/// Why a change must wait for a replication to be gone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Dep {
    /// Deleted by a change of this plan.
    Planned(Key),
    /// Already `DELETING`; the plan only waits.
    InProgress(Key),
    /// An orphaned destination side of the same source in the destination
    /// Region, removed by the change with this address first.
    Orphan(ChangeAddress),
}

/// The create half of a create or replace.
#[derive(Debug, Clone)]
struct CreatePart {
    source: FileSystemId,
    region: Region,
    spec: DestinationSpec,
    protection: Option<Key>,
    waits_for: BTreeSet<Dep>,
}

/// A change being worked out.
#[derive(Debug, Clone)]
struct Draft<'a> {
    address: ChangeAddress,
    action: Action,
    reason: String,
    notes: Vec<String>,
    before: Option<Attributes>,
    after: Option<Attributes>,
    declared: Option<&'a DesiredReplication>,
    deletes: Option<&'a ActualReplication>,
    /// An orphaned destination side this change removes (in its own Region).
    removes_orphan: Option<&'a ActualReplication>,
    create: Option<CreatePart>,
    steps: Vec<StepId>,
}

/// The observed and declared state, indexed for the planner's lookups.
struct Index<'a> {
    /// Observed replications by source (listed once each).
    by_source: BTreeMap<Key, &'a ActualReplication>,
    /// Observed replications by destination.
    by_dest: HashMap<Key, &'a ActualReplication>,
    /// Declared replications by source.
    declared_sources: BTreeMap<Key, &'a DesiredReplication>,
    /// Sources named in `removed` blocks.
    removed_keys: BTreeSet<Key>,
    /// Orphaned destination sides by their destination file system.
    orphans_by_dest: HashMap<Key, &'a ActualReplication>,
    /// The account of the credentials, when the file systems read tell it.
    caller: Option<AccountId>,
}

impl<'a> Index<'a> {
    fn new(desired: &'a Desired, actual: &'a Actual) -> Self {
        let mut by_source: BTreeMap<Key, &ActualReplication> = BTreeMap::new();
        for r in &actual.replications {
            by_source.entry(key_of(r)).or_insert(r);
        }
        let by_dest = by_source
            .values()
            .map(|r| {
                (
                    (
                        r.destination.region.clone(),
                        r.destination.file_system_id.clone(),
                    ),
                    *r,
                )
            })
            .collect();
        Index {
            by_source,
            by_dest,
            declared_sources: desired
                .replications
                .iter()
                .map(|d| ((d.source_region.clone(), d.source.clone()), d))
                .collect(),
            removed_keys: desired
                .removed
                .iter()
                .map(|r| (r.source_region.clone(), r.source.clone()))
                .collect(),
            orphans_by_dest: actual
                .orphans
                .iter()
                .map(|o| {
                    (
                        (
                            o.destination.region.clone(),
                            o.destination.file_system_id.clone(),
                        ),
                        o,
                    )
                })
                .collect(),
            caller: caller_account(actual),
        }
    }
}

/// The account of the credentials: `DescribeFileSystems` only reports the
/// caller's own file systems, so their common owner is the caller. `None`
/// when nothing was described (or, impossibly, owners disagree).
fn caller_account(actual: &Actual) -> Option<AccountId> {
    let mut owners = actual.file_systems.values().map(|f| &f.owner);
    let first = owners.next()?;
    owners.all(|o| o == first).then(|| first.clone())
}

/// Whether the source of `r` is known to belong to another account than
/// the caller's (an inbound cross-account replication), or cannot be told
/// apart from one: such a replication is never deleted.
fn foreign_source(r: &ActualReplication, caller: Option<&AccountId>) -> Option<AccountId> {
    let owner = r.source_owner.as_ref()?;
    match caller {
        Some(c) if c == owner => None,
        Some(_) => Some(owner.clone()),
        // Without the caller's account, a replication whose two sides are
        // in different accounts may be inbound.
        None => (r.destination.owner.as_ref() != Some(owner)).then(|| owner.clone()),
    }
}

/// The AWS CLI command that removes an orphaned destination side by hand.
fn orphan_command(o: &ActualReplication) -> String {
    format!(
        "aws efs delete-replication-configuration --source-file-system-id {} --deletion-mode LOCAL_CONFIGURATION_ONLY --region {}",
        o.source, o.destination.region
    )
}

fn key_of(r: &ActualReplication) -> Key {
    (r.source_region.clone(), r.source.clone())
}

fn describe_replication(r: &ActualReplication) -> String {
    format!(
        "{} ({}) -> {} ({})",
        r.source, r.source_region, r.destination.file_system_id, r.destination.region
    )
}

fn status_str(s: &ReplicationStatus) -> String {
    s.as_str().to_owned()
}

/// The spelling EFS uses for a protection value.
pub fn protection_str(p: &Protection) -> String {
    p.as_str().to_owned()
}

/// The `alias/NAME` part of an alias or alias ARN.
fn alias_name(s: &str) -> &str {
    s.find("alias/").map(|i| &s[i..]).unwrap_or(s)
}

/// The key id (UUID or `mrk-...`) at the end of a key ARN or id.
fn key_id_of(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// The file systems the planner will look at, given the desired state and
/// the replications found: every declared source, every declared existing
/// destination, and the destination of every existing replication whose
/// source is declared. Discovery describes exactly these (and may describe more).
pub fn required_file_systems(
    desired: &Desired,
    replications: &[ActualReplication],
) -> BTreeSet<(Region, FileSystemId)> {
    required_keys(desired, replications)
        .into_iter()
        .map(|(r, id)| (r.clone(), id.clone()))
        .collect()
}

/// [`required_file_systems`] as borrowed keys, sorted and without
/// duplicates: built with one hash index and one sort instead of owned keys
/// inserted one by one (10,000 declared replications make 20,000 keys).
pub(crate) fn required_keys<'a>(
    desired: &'a Desired,
    replications: &'a [ActualReplication],
) -> Vec<(&'a Region, &'a FileSystemId)> {
    let by_source: HashMap<(&Region, &FileSystemId), &ActualReplication> = replications
        .iter()
        .map(|r| ((&r.source_region, &r.source), r))
        .collect();
    let mut out = Vec::with_capacity(desired.replications.len() * 2);
    for d in &desired.replications {
        let k = (&d.source_region, &d.source);
        if let Some(f) = &d.destination.file_system {
            let region = f
                .arn
                .as_ref()
                .map(|a| &a.region)
                .unwrap_or(&d.destination.region);
            out.push((region, &f.id));
        }
        if let Some(r) = by_source.get(&k) {
            out.push((&r.destination.region, &r.destination.file_system_id));
        }
        out.push(k);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The file systems of a plan's scope, sorted, once each: those the planner
/// looks at and those whose replication discovery described by id.
fn scope_file_systems(desired: &Desired, actual: &Actual) -> Vec<(Region, FileSystemId)> {
    let mut keys = required_keys(desired, &actual.replications);
    keys.extend(actual.probed.iter().map(|(r, id)| (r, id)));
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .map(|(r, id)| (r.clone(), id.clone()))
        .collect()
}

/// Makes the plan. Pure: no I/O, no clock.
///
/// Every declared replication gets a change (no-op included); `removed`
/// blocks and, with `prune`, undeclared replications get deletes. Preflight
/// problems are collected and returned together.
pub fn plan(desired: &Desired, actual: &Actual, opts: &PlanOptions) -> Result<Plan, PlanErrors> {
    // The scope and the fingerprint depend on the inputs only: taken first,
    // the observation they hash is freed before the drafts and the indexes
    // are built (at 10,000 replications each is tens of megabytes).
    let scope = Scope {
        regions: actual.regions.iter().cloned().collect(),
        // Also the file systems whose replication discovery described by
        // id, so that a stale-plan check reads them (and it) again.
        file_systems: scope_file_systems(desired, actual),
    };
    let fingerprint = fingerprint(actual, &scope);
    let index = Index::new(desired, actual);
    let mut errors = diff::check_declarations(desired, &index);
    let (mut drafts, unmanaged) = diff::drafts(desired, actual, &index);
    // Which replications go away, and which change deletes them.
    let deleted_by: HashMap<Key, ChangeAddress> = drafts
        .iter()
        .filter_map(|dr| dr.deletes.map(|e| (key_of(e), dr.address.clone())))
        .collect();
    errors.extend(preflight::preflight(
        &mut drafts,
        actual,
        &index,
        &deleted_by,
        &desired.accounts,
    ));
    errors.extend(preflight::kms_keys(&mut drafts, actual));
    preflight::note_kept_destinations(&mut drafts);
    errors.extend(preflight::prevent_destroy(&drafts, &index));
    errors.extend(overwrite::prevent_overwrite(&drafts));

    let selected = graph::select(&drafts, &opts.targets, &deleted_by, &mut errors);
    errors.retain(|e| {
        e.address()
            .is_none_or(|a| ChangeAddress::parse(a).is_ok_and(|a| selected.contains(&a)))
    });
    if !errors.is_empty() {
        errors.sort_by(|a, b| {
            a.address()
                .cmp(&b.address())
                .then_with(|| a.to_string().cmp(&b.to_string()))
        });
        errors.dedup();
        return Err(PlanErrors(errors));
    }
    drafts.retain(|d| selected.contains(&d.address));
    let steps = graph::build_steps(&mut drafts, &index.by_source, &actual.file_systems)
        .map_err(|e| PlanErrors(vec![*e]))?;

    let changes = drafts
        .into_iter()
        .map(|d| Change {
            address: d.address,
            action: d.action,
            reason: d.reason,
            notes: d.notes,
            before: d.before,
            after: d.after,
            steps: d.steps,
        })
        .collect();
    Ok(Plan {
        changes,
        steps,
        unmanaged,
        scope,
        fingerprint,
    })
}
