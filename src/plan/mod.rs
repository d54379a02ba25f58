//! The planner: a pure function from the desired state and the observed
//! state to a [`Plan`] (per-address actions with reasons, a graph of API
//! steps, the unmanaged replications, a fingerprint of what was observed), or
//! every preflight problem found.
//!
//! This module must never do I/O, read a clock or know where the state came
//! from: the same inputs always give the same plan. It imports no
//! `aws_sdk_efs` types.

mod error;
mod fingerprint;
mod saved;
mod simulate;
mod types;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use error::{PlanError, PlanErrors};
pub use fingerprint::fingerprint;
pub use saved::{SavedPlan, SavedPlanError, SAVED_PLAN_FORMAT_VERSION, SAVED_PLAN_KIND};
pub use simulate::{simulate_apply, SimulateError};
pub use types::{
    Action, Attributes, Change, DestinationSpec, Plan, Scope, Step, StepId, StepKind, Summary,
    Unmanaged,
};

use crate::model::{
    AccountId, Actual, ActualReplication, Desired, DesiredReplication, FileSystemId,
    FileSystemInfo, Protection, Region, ReplicationStatus,
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
    address: String,
    action: Action,
    reason: String,
    notes: Vec<String>,
    before: Option<Attributes>,
    after: Option<Attributes>,
    declared: Option<&'a DesiredReplication>,
    deletes: Option<&'a ActualReplication>,
    create: Option<CreatePart>,
    steps: Vec<StepId>,
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
    match s {
        ReplicationStatus::Enabling => "ENABLING".into(),
        ReplicationStatus::Enabled => "ENABLED".into(),
        ReplicationStatus::Deleting => "DELETING".into(),
        ReplicationStatus::Error => "ERROR".into(),
        ReplicationStatus::Paused => "PAUSED".into(),
        ReplicationStatus::Pausing => "PAUSING".into(),
        ReplicationStatus::Other(o) => o.clone(),
    }
}

/// The spelling EFS uses for a protection value.
pub fn protection_str(p: &Protection) -> String {
    match p {
        Protection::Enabled => "ENABLED".into(),
        Protection::Disabled => "DISABLED".into(),
        Protection::Replicating => "REPLICATING".into(),
        Protection::Other(o) => o.clone(),
    }
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
    let by_source: HashMap<Key, &ActualReplication> =
        replications.iter().map(|r| (key_of(r), r)).collect();
    let mut out = BTreeSet::new();
    for d in &desired.replications {
        let k = (d.source_region.clone(), d.source.clone());
        if let Some(f) = &d.destination.file_system {
            let region = f
                .arn
                .as_ref()
                .map(|a| a.region.clone())
                .unwrap_or_else(|| d.destination.region.clone());
            out.insert((region, f.id.clone()));
        }
        if let Some(r) = by_source.get(&k) {
            out.insert((
                r.destination.region.clone(),
                r.destination.file_system_id.clone(),
            ));
        }
        out.insert(k);
    }
    out
}

fn attributes_of(r: &ActualReplication, dest: Option<&FileSystemInfo>) -> Attributes {
    Attributes {
        source_file_system_id: r.source.to_string(),
        source_region: r.source_region.to_string(),
        destination_region: r.destination.region.to_string(),
        destination_file_system_id: Some(r.destination.file_system_id.to_string()),
        destination_availability_zone: dest
            .and_then(|f| f.availability_zone.as_ref())
            .map(|a| a.to_string()),
        destination_kms_key_id: dest.and_then(|f| f.kms_key_id.clone()),
        role_arn: r.destination.role_arn.clone(),
        status: Some(status_str(&r.destination.status)),
    }
}

fn desired_attributes(d: &DesiredReplication) -> Attributes {
    Attributes {
        source_file_system_id: d.source.to_string(),
        source_region: d.source_region.to_string(),
        destination_region: d.destination.region.to_string(),
        destination_file_system_id: d
            .destination
            .file_system
            .as_ref()
            .map(|f| f.to_api_string()),
        destination_availability_zone: d
            .destination
            .availability_zone
            .as_ref()
            .map(|a| a.to_string()),
        destination_kms_key_id: d.destination.kms_key.as_ref().map(|k| k.to_string()),
        role_arn: d.destination.role_arn.as_ref().map(|r| r.to_string()),
        status: None,
    }
}

fn destination_spec(d: &DesiredReplication) -> DestinationSpec {
    DestinationSpec {
        region: d.destination.region.clone(),
        availability_zone_name: d.destination.availability_zone.clone(),
        kms_key_id: d.destination.kms_key.clone(),
        file_system_id: d
            .destination
            .file_system
            .as_ref()
            .map(|f| f.to_api_string()),
        role_arn: d.destination.role_arn.clone(),
    }
}

/// Where the declared existing destination lives: (Region, id).
fn declared_destination_key(d: &DesiredReplication) -> Option<Key> {
    d.destination.file_system.as_ref().map(|f| {
        (
            f.arn
                .as_ref()
                .map(|a| a.region.clone())
                .unwrap_or_else(|| d.destination.region.clone()),
            f.id.clone(),
        )
    })
}

/// Compares a declared replication with the existing one of the same source.
/// Returns the differences (each forces a replacement) and notes on what
/// could not be verified.
fn compare(
    d: &DesiredReplication,
    e: &ActualReplication,
    dest: Option<&FileSystemInfo>,
) -> (Vec<String>, Vec<String>) {
    let mut diffs = Vec::new();
    let mut notes = Vec::new();
    let want = &d.destination;
    if want.region != e.destination.region {
        diffs.push(format!(
            "destination region changes ({} -> {})",
            e.destination.region, want.region
        ));
    }
    if let Some(f) = &want.file_system {
        if f.id != e.destination.file_system_id {
            diffs.push(format!(
                "destination file system changes ({} -> {})",
                e.destination.file_system_id, f.id
            ));
        }
    }
    let have_role = e.destination.role_arn.as_deref();
    let want_role = want.role_arn.as_ref().map(|r| r.as_str());
    if have_role != want_role {
        diffs.push(format!(
            "role changes ({} -> {})",
            have_role.unwrap_or("none"),
            want_role.unwrap_or("none")
        ));
    }
    if matches!(e.destination.status, ReplicationStatus::Error) {
        diffs.push(format!(
            "the replication is in ERROR state{} and can only be recovered by recreating it",
            e.destination
                .status_message
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default()
        ));
    }
    if !diffs.is_empty() {
        // A replacement anyway; attribute checks below would only add noise.
        return (diffs, notes);
    }
    // AZ and KMS key are properties of the destination file system, described
    // in the destination Region.
    let checks_az = want.availability_zone.is_some() || want.file_system.is_none();
    let checks_kms = want.kms_key.is_some();
    match dest {
        None if checks_az || checks_kms => notes.push(format!(
            "destination file system {} could not be described in {}; its availability zone and KMS key were not verified",
            e.destination.file_system_id, e.destination.region
        )),
        None => {}
        Some(info) => {
            if checks_az && want.availability_zone != info.availability_zone {
                let show = |a: Option<&crate::model::AvailabilityZone>| {
                    a.map(|a| a.to_string())
                        .unwrap_or_else(|| "Regional".to_owned())
                };
                diffs.push(format!(
                    "destination availability zone changes ({} -> {})",
                    show(info.availability_zone.as_ref()),
                    show(want.availability_zone.as_ref())
                ));
            }
            if let Some(k) = &want.kms_key {
                match &info.kms_key_id {
                    None => diffs.push(format!(
                        "destination KMS key changes (none -> {k})"
                    )),
                    Some(have) if k.is_alias() => notes.push(format!(
                        "KMS key {k} is an alias and the destination reports {have}; the alias could not be resolved, so the key could not be verified"
                    )),
                    Some(have) => {
                        let same = if k.as_str().starts_with("arn:") {
                            k.as_str() == have
                        } else {
                            Some(key_id_of(have)) == k.key_id()
                        };
                        if !same {
                            diffs.push(format!("destination KMS key changes ({have} -> {k})"));
                        }
                    }
                }
            }
        }
    }
    (diffs, notes)
}

/// A change that deletes an existing replication.
fn delete_draft<'a>(
    actual: &Actual,
    address: String,
    reason: String,
    e: &'a ActualReplication,
) -> Draft<'a> {
    Draft {
        address,
        action: Action::Delete,
        reason,
        notes: Vec::new(),
        before: Some(attributes_of(
            e,
            actual.file_systems.get(&(
                e.destination.region.clone(),
                e.destination.file_system_id.clone(),
            )),
        )),
        after: None,
        declared: None,
        deletes: Some(e),
        create: None,
        steps: Vec::new(),
    }
}

/// Appends a step numbered after the last one and returns its id.
fn push(steps: &mut Vec<Step>, kind: StepKind, depends_on: Vec<StepId>) -> StepId {
    let id = steps.len() as StepId + 1;
    steps.push(Step {
        id,
        kind,
        depends_on,
    });
    id
}

/// Makes the plan. Pure: no I/O, no clock.
///
/// Every declared replication gets a change (no-op included); `removed`
/// blocks and, with `prune`, undeclared replications get deletes. Preflight
/// problems are collected and returned together.
pub fn plan(desired: &Desired, actual: &Actual, opts: &PlanOptions) -> Result<Plan, PlanErrors> {
    let mut errors: Vec<PlanError> = Vec::new();

    // Index the observed state. A replication is listed once per source.
    let mut by_source: BTreeMap<Key, &ActualReplication> = BTreeMap::new();
    for r in &actual.replications {
        by_source.entry(key_of(r)).or_insert(r);
    }
    let mut by_dest: HashMap<Key, &ActualReplication> = HashMap::new();
    for r in by_source.values() {
        by_dest.insert(
            (
                r.destination.region.clone(),
                r.destination.file_system_id.clone(),
            ),
            r,
        );
    }

    // Declarations that cannot all hold, whatever exists.
    let declared_sources: BTreeMap<Key, &DesiredReplication> = desired
        .replications
        .iter()
        .map(|d| ((d.source_region.clone(), d.source.clone()), d))
        .collect();
    let mut declared_dests: BTreeMap<Key, &DesiredReplication> = BTreeMap::new();
    for d in &desired.replications {
        let Some(dk) = declared_destination_key(d) else {
            continue;
        };
        if dk == (d.source_region.clone(), d.source.clone()) {
            errors.push(PlanError::Inconsistent {
                address: d.address.to_string(),
                message: format!("destination file system {} is the source itself", dk.1),
            });
        }
        if let Some(other) = declared_sources.get(&dk) {
            errors.push(PlanError::Inconsistent {
                address: d.address.to_string(),
                message: format!(
                    "destination file system {} is also declared as the source of {}; EFS does not allow chained replication",
                    dk.1, other.address
                ),
            });
        }
        if let Some(other) = declared_dests.insert(dk.clone(), d) {
            errors.push(PlanError::Inconsistent {
                address: d.address.to_string(),
                message: format!(
                    "destination file system {} is also the destination of {}; a file system can be the destination of one replication only",
                    dk.1, other.address
                ),
            });
        }
    }
    let removed_keys: BTreeSet<Key> = desired
        .removed
        .iter()
        .map(|r| (r.source_region.clone(), r.source.clone()))
        .collect();
    for k in &removed_keys {
        if let Some(d) = declared_sources.get(k) {
            errors.push(PlanError::Inconsistent {
                address: d.address.to_string(),
                message: format!(
                    "source {} ({}) is both declared and named in a removed block; keep one of them",
                    k.1, k.0
                ),
            });
        }
    }

    // One draft per address.
    let mut drafts: Vec<Draft<'_>> = Vec::new();
    for d in &desired.replications {
        let k = (d.source_region.clone(), d.source.clone());
        let mut after = desired_attributes(d);
        // An existing destination keeps its own zone and key.
        if let Some(info) = declared_destination_key(d).and_then(|k| actual.file_systems.get(&k)) {
            if after.destination_availability_zone.is_none() {
                after.destination_availability_zone =
                    info.availability_zone.as_ref().map(|a| a.to_string());
            }
            if after.destination_kms_key_id.is_none() {
                after.destination_kms_key_id = info.kms_key_id.clone();
            }
        }
        let create = || CreatePart {
            source: d.source.clone(),
            region: d.source_region.clone(),
            spec: destination_spec(d),
            protection: None,
            waits_for: BTreeSet::new(),
        };
        let draft = match by_source.get(&k).copied() {
            None => Draft {
                address: d.address.to_string(),
                action: Action::Create,
                reason: format!(
                    "no replication of {} exists in {}",
                    d.source, d.source_region
                ),
                notes: Vec::new(),
                before: None,
                after: Some(after),
                declared: Some(d),
                deletes: None,
                create: Some(create()),
                steps: Vec::new(),
            },
            Some(e) if e.destination.status == ReplicationStatus::Deleting => {
                let mut c = create();
                c.waits_for.insert(Dep::InProgress(k.clone()));
                Draft {
                    address: d.address.to_string(),
                    action: Action::Create,
                    reason: format!(
                        "the replication of {} is being deleted; it will be created again once gone",
                        d.source
                    ),
                    notes: Vec::new(),
                    before: None,
                    after: Some(after),
                    declared: Some(d),
                    deletes: None,
                    create: Some(c),
                    steps: Vec::new(),
                }
            }
            Some(e) => {
                let dest_info = actual.file_systems.get(&(
                    e.destination.region.clone(),
                    e.destination.file_system_id.clone(),
                ));
                let before = attributes_of(e, dest_info);
                let (diffs, mut notes) = compare(d, e, dest_info);
                if diffs.is_empty() {
                    match &e.destination.status {
                        ReplicationStatus::Enabled => {}
                        ReplicationStatus::Enabling => {
                            notes.push("the replication is still ENABLING".to_owned())
                        }
                        other => notes.push(format!(
                            "the replication is {}{}; `check` reports its health",
                            status_str(other),
                            e.destination
                                .status_message
                                .as_deref()
                                .map(|m| format!(" ({m})"))
                                .unwrap_or_default()
                        )),
                    }
                    // What is known after apply is what exists now.
                    if after.destination_file_system_id.is_none() {
                        after.destination_file_system_id =
                            before.destination_file_system_id.clone();
                    }
                    if after.destination_kms_key_id.is_none() {
                        after.destination_kms_key_id = before.destination_kms_key_id.clone();
                    }
                    if after.destination_availability_zone.is_none() {
                        after.destination_availability_zone =
                            before.destination_availability_zone.clone();
                    }
                    Draft {
                        address: d.address.to_string(),
                        action: Action::NoOp,
                        reason: "in sync".to_owned(),
                        notes,
                        before: Some(before),
                        after: Some(after),
                        declared: Some(d),
                        deletes: None,
                        create: None,
                        steps: Vec::new(),
                    }
                } else {
                    let mut c = create();
                    c.waits_for.insert(Dep::Planned(k.clone()));
                    Draft {
                        address: d.address.to_string(),
                        action: Action::Replace,
                        reason: diffs.join("; "),
                        notes,
                        before: Some(before),
                        after: Some(after),
                        declared: Some(d),
                        deletes: Some(e),
                        create: Some(c),
                        steps: Vec::new(),
                    }
                }
            }
        };
        drafts.push(draft);
    }
    for k in &removed_keys {
        if declared_sources.contains_key(k) {
            continue;
        }
        if let Some(e) = by_source.get(k) {
            if e.destination.status != ReplicationStatus::Deleting {
                drafts.push(delete_draft(
                    actual,
                    format!("removed.{}", k.1),
                    "named in a removed block".to_owned(),
                    e,
                ));
            }
        }
    }
    let mut unmanaged = Vec::new();
    for (k, e) in &by_source {
        if declared_sources.contains_key(k) || removed_keys.contains(k) {
            continue;
        }
        if desired.settings.prune && e.destination.status != ReplicationStatus::Deleting {
            drafts.push(delete_draft(
                actual,
                format!("unmanaged.{}", k.1),
                "not declared, and settings.prune is true".to_owned(),
                e,
            ));
        } else {
            unmanaged.push(Unmanaged {
                source_file_system_id: e.source.clone(),
                source_region: e.source_region.clone(),
                destination_file_system_id: e.destination.file_system_id.clone(),
                destination_region: e.destination.region.clone(),
                status: status_str(&e.destination.status),
            });
        }
    }
    drafts.sort_by(|a, b| a.address.cmp(&b.address));

    // Which replications go away, and which change deletes them.
    let mut deleted_by: HashMap<Key, String> = HashMap::new();
    for dr in &drafts {
        if let Some(e) = dr.deletes {
            deleted_by.insert(key_of(e), dr.address.clone());
        }
    }
    let declared_address: HashMap<Key, String> = desired
        .replications
        .iter()
        .map(|d| {
            (
                (d.source_region.clone(), d.source.clone()),
                d.address.to_string(),
            )
        })
        .collect();
    // A replication in the way: a dependency if it goes away, else an error.
    let blocker = |x: &ActualReplication,
                   address: &str,
                   role: &str,
                   fs: &Key|
     -> Result<Dep, Box<PlanError>> {
        let k = key_of(x);
        if x.destination.status == ReplicationStatus::Deleting {
            return Ok(Dep::InProgress(k));
        }
        if deleted_by.contains_key(&k) {
            return Ok(Dep::Planned(k));
        }
        let removed_block = format!(
            "removed {{ source_file_system_id = \"{}\" source_region = \"{}\" }}",
            x.source, x.source_region
        );
        let hint = match declared_address.get(&k) {
            Some(other) => format!(
                "it is declared as {other}: delete that block and add `{removed_block}` to delete it first"
            ),
            None => format!(
                "add `{removed_block}` to the configuration to delete it first (or set prune = true in settings)"
            ),
        };
        Err(Box::new(PlanError::Conflict {
            address: address.to_owned(),
            role: role.to_owned(),
            file_system: fs.1.to_string(),
            region: fs.0.to_string(),
            existing: describe_replication(x),
            hint,
        }))
    };

    // Preflight of every create.
    for dr in drafts.iter_mut() {
        let (Some(d), Some(c)) = (dr.declared, dr.create.as_mut()) else {
            continue;
        };
        let address = dr.address.clone();
        let sk = (d.source_region.clone(), d.source.clone());
        let source_info = actual.file_systems.get(&sk);
        match source_info {
            None if dr.deletes.is_none() => errors.push(PlanError::SourceNotFound {
                address: address.clone(),
                source_id: d.source.to_string(),
                region: d.source_region.to_string(),
            }),
            Some(i) if i.life_cycle_state != "available" => {
                errors.push(PlanError::SourceNotAvailable {
                    address: address.clone(),
                    source_id: d.source.to_string(),
                    region: d.source_region.to_string(),
                    state: i.life_cycle_state.clone(),
                })
            }
            _ => {}
        }
        // One error per blocking replication, even if it holds both file systems.
        let mut reported: BTreeSet<Key> = BTreeSet::new();
        // The source must not be the destination of another replication.
        if let Some(x) = by_dest.get(&sk) {
            match blocker(x, &address, "source", &sk) {
                Ok(dep) => {
                    c.waits_for.insert(dep);
                }
                Err(e) => {
                    reported.insert(key_of(x));
                    errors.push(*e);
                }
            }
        }
        let our_account: Option<AccountId> = source_info
            .map(|i| i.owner.clone())
            .or_else(|| d.source_account.clone());
        let Some(dk) = declared_destination_key(d) else {
            continue;
        };
        let dest_account = d
            .destination
            .file_system
            .as_ref()
            .and_then(|f| f.arn.as_ref())
            .map(|a| a.account.clone());
        let cross_account = match (&dest_account, &our_account) {
            (Some(dst), Some(src)) => dst != src,
            _ => false,
        };
        if cross_account {
            if d.destination.role_arn.is_none() {
                errors.push(PlanError::MissingRole {
                    address: address.clone(),
                    destination_account: dest_account
                        .as_ref()
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                    source_account: our_account
                        .clone()
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                });
            }
            dr.notes.push(format!(
                "destination {} is in account {}, which these credentials cannot describe; its existence and overwrite protection (which must be DISABLED) were not verified",
                dk.1,
                dest_account.map(|a| a.to_string()).unwrap_or_default()
            ));
            continue;
        }
        let Some(info) = actual.file_systems.get(&dk) else {
            errors.push(PlanError::DestinationNotFound {
                address: address.clone(),
                file_system: dk.1.to_string(),
                region: dk.0.to_string(),
            });
            continue;
        };
        if info.life_cycle_state != "available" {
            errors.push(PlanError::DestinationNotAvailable {
                address: address.clone(),
                file_system: dk.1.to_string(),
                region: dk.0.to_string(),
                state: info.life_cycle_state.clone(),
            });
        }
        let mut was_destination_of_deleted = false;
        let mut own_replica = false;
        let mut blocked = false;
        if let Some(x) = by_dest.get(&dk) {
            own_replica = key_of(x) == sk;
            match blocker(x, &address, "destination", &dk) {
                Ok(dep) => {
                    c.waits_for.insert(dep);
                    was_destination_of_deleted = true;
                }
                Err(e) => {
                    if reported.insert(key_of(x)) {
                        errors.push(*e);
                    }
                    blocked = true;
                }
            }
        }
        if let Some(x) = by_source.get(&dk) {
            match blocker(x, &address, "destination", &dk) {
                Ok(dep) => {
                    c.waits_for.insert(dep);
                }
                Err(e) => {
                    if reported.insert(key_of(x)) {
                        errors.push(*e);
                    }
                    blocked = true;
                }
            }
        }
        if blocked {
            continue;
        }
        let current = info.protection.clone().unwrap_or(Protection::Enabled);
        let effective = if was_destination_of_deleted {
            Protection::Enabled
        } else {
            current.clone()
        };
        if effective != Protection::Disabled {
            if own_replica || d.destination.allow_overwrite {
                c.protection = Some(dk.clone());
            } else {
                errors.push(PlanError::DestinationProtected {
                    address: address.clone(),
                    file_system: dk.1.to_string(),
                    region: dk.0.to_string(),
                    protection: if was_destination_of_deleted {
                        format!(
                            "{} (ENABLED again once its current replication is deleted)",
                            protection_str(&current)
                        )
                    } else {
                        protection_str(&current)
                    },
                });
            }
        }
    }

    // prevent_destroy.
    for dr in &drafts {
        if let Some(d) = dr.declared {
            if d.prevent_destroy && matches!(dr.action, Action::Replace | Action::Delete) {
                errors.push(PlanError::PreventDestroy {
                    address: dr.address.clone(),
                    action: dr.action.as_str().to_owned(),
                    reason: dr.reason.clone(),
                });
            }
        }
    }

    // --target: the selected addresses and everything they wait for.
    let selected: BTreeSet<String> = if opts.targets.is_empty() {
        drafts.iter().map(|d| d.address.clone()).collect()
    } else {
        let matches =
            |t: &str, a: &str| a == t || (a.starts_with(t) && a[t.len()..].starts_with('['));
        let mut sel = BTreeSet::new();
        for t in &opts.targets {
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
    };
    errors.retain(|e| e.address().is_none_or(|a| selected.contains(a)));
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

    // The step graph: every deletion first in numbering, then the creates.
    let mut steps: Vec<Step> = Vec::new();
    let mut wait_of: HashMap<Key, StepId> = HashMap::new();
    for dr in drafts.iter_mut() {
        if let Some(e) = dr.deletes {
            let del = push(
                &mut steps,
                StepKind::Delete {
                    source_file_system_id: e.source.clone(),
                    region: e.source_region.clone(),
                },
                vec![],
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
        if let Some(pk) = &c.protection {
            let p = push(
                &mut steps,
                StepKind::UpdateProtection {
                    file_system_id: pk.1.clone(),
                    region: pk.0.clone(),
                    replication_overwrite_protection: "DISABLED".to_owned(),
                },
                deps,
            );
            dr.steps.push(p);
            deps = vec![p];
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
        let wait = push(
            &mut steps,
            StepKind::WaitEnabled {
                source_file_system_id: c.source.clone(),
                region: c.region.clone(),
            },
            vec![create],
        );
        dr.steps.extend([create, wait]);
    }

    let scope = Scope {
        regions: actual.regions.iter().cloned().collect(),
        file_systems: required_file_systems(desired, &actual.replications)
            .into_iter()
            .collect(),
    };
    let fingerprint = fingerprint(actual, &scope);
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
