//! The diff half of the planner: declarations that cannot hold together,
//! and one draft change per address (create, replace, delete or no-op, with
//! the reason and attribute-level before/after), comparing the destination's
//! Region, file system, role, AZ and KMS key. Pure; no I/O.

use std::collections::{BTreeMap, BTreeSet};

use super::types::{Action, Attributes, DestinationSpec, Unmanaged, UnmanagedStatus};
use super::{
    alias_name, foreign_source, key_id_of, orphan_command, status_str, ChangeAddress, CreatePart,
    Dep, Draft, Index, Key, PlanError,
};
use crate::model::{
    Actual, ActualReplication, Desired, DesiredReplication, FileSystemInfo, KeyResolution,
    ReplicationStatus,
};

/// Declarations that cannot all hold, whatever exists: a destination that is
/// its own source, chained or shared destinations, a source both declared and removed.
pub(super) fn check_declarations(desired: &Desired, index: &Index<'_>) -> Vec<PlanError> {
    let mut errors = Vec::new();
    let declared_sources = &index.declared_sources;
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
    for r in &desired.removed {
        let k = (r.source_region.clone(), r.source.clone());
        let address = format!("removed.{}", r.source);
        let Some(e) = index.by_source.get(&k) else {
            continue;
        };
        if let Some(owner) = foreign_source(e, index.caller.as_ref()) {
            errors.push(PlanError::Inconsistent {
                address: address.clone(),
                message: format!(
                    "the source {} ({}) belongs to account {owner}: this replication is inbound, and a removed block only deletes replications of this account's file systems; remove the block (its owner deletes it)",
                    r.source, r.source_region
                ),
            });
        }
        if let Some(pin) = &r.destination {
            if *pin != e.destination.file_system_id {
                errors.push(PlanError::Inconsistent {
                    address,
                    message: format!(
                        "destination_file_system_id is {pin}, but the replication of {} ({}) goes to {} ({}); nothing is deleted: check the block, or change destination_file_system_id if that replication is the one to delete",
                        r.source, r.source_region, e.destination.file_system_id, e.destination.region
                    ),
                });
            }
        }
    }
    for k in &index.removed_keys {
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

    errors
}

/// One draft per address: declared replications, `removed` blocks, and
/// (with prune) undeclared replications; the rest are unmanaged.
pub(super) fn drafts<'a>(
    desired: &'a Desired,
    actual: &'a Actual,
    index: &Index<'a>,
) -> (Vec<Draft<'a>>, Vec<Unmanaged>) {
    let by_source = &index.by_source;
    let declared_sources = &index.declared_sources;
    let removed_keys = &index.removed_keys;
    // One per declared and removed block, most plans none else (a draft is
    // large: growing the vector by doubling would hold up to twice that).
    let mut drafts: Vec<Draft<'_>> =
        Vec::with_capacity(desired.replications.len() + desired.removed.len());
    for d in &desired.replications {
        let k = (d.source_region.clone(), d.source.clone());
        let mut after = desired_attributes(d);
        // An existing destination keeps its own zone and key.
        if let Some(info) = declared_destination_key(d).and_then(|k| actual.file_systems.get(&k)) {
            if after.destination_availability_zone.is_none() {
                after.destination_availability_zone = info.availability_zone.clone();
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
                address: ChangeAddress::replication(d.address.clone()),
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
                removes_orphan: None,
                create: Some(create()),
                steps: Vec::new(),
            },
            Some(e) if e.destination.status == ReplicationStatus::Deleting => {
                let mut c = create();
                c.waits_for.insert(Dep::InProgress(k.clone()));
                Draft {
                    address: ChangeAddress::replication(d.address.clone()),
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
                    removes_orphan: None,
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
                let resolved = d.destination.kms_key.as_ref().and_then(|k| {
                    match actual.kms_key(&d.destination.region, k) {
                        Some(KeyResolution::Key(arn)) => Some(arn.as_str()),
                        _ => None,
                    }
                });
                let (diffs, mut notes) = compare(d, e, dest_info, resolved);
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
                        address: ChangeAddress::replication(d.address.clone()),
                        action: Action::NoOp,
                        reason: "in sync".to_owned(),
                        notes,
                        before: Some(before),
                        after: Some(after),
                        declared: Some(d),
                        deletes: None,
                        removes_orphan: None,
                        create: None,
                        steps: Vec::new(),
                    }
                } else {
                    let mut c = create();
                    c.waits_for.insert(Dep::Planned(k.clone()));
                    Draft {
                        address: ChangeAddress::replication(d.address.clone()),
                        action: Action::Replace,
                        reason: diffs.join("; "),
                        notes,
                        before: Some(before),
                        after: Some(after),
                        declared: Some(d),
                        deletes: Some(e),
                        removes_orphan: None,
                        create: Some(c),
                        steps: Vec::new(),
                    }
                }
            }
        };
        drafts.push(draft);
    }
    for k in removed_keys {
        if declared_sources.contains_key(k) {
            continue;
        }
        if let Some(e) = by_source.get(k) {
            if e.destination.status != ReplicationStatus::Deleting {
                drafts.push(delete_draft(
                    actual,
                    ChangeAddress::removed(k.1.clone()),
                    "named in a removed block".to_owned(),
                    e,
                ));
            }
        }
    }
    let mut unmanaged = Vec::new();
    // Prune reaches only replications whose source Region is written in the
    // configuration: one that shows up merely because its destination is in
    // scope, or because a Region came from --region, AWS_REGION or a
    // profile, belongs to a Region the file does not manage. It never
    // reaches a replication whose source is another account's.
    let named_regions = &desired.written_regions;
    for (k, e) in by_source {
        if declared_sources.contains_key(k) || removed_keys.contains(k) {
            continue;
        }
        let foreign = foreign_source(e, index.caller.as_ref());
        if desired.settings.prune
            && foreign.is_none()
            && e.destination.status != ReplicationStatus::Deleting
            && named_regions.contains(&e.source_region)
        {
            drafts.push(delete_draft(
                actual,
                ChangeAddress::unmanaged(k.1.clone()),
                "not declared, and settings.prune is true".to_owned(),
                e,
            ));
        } else {
            unmanaged.push(Unmanaged {
                source_file_system_id: e.source.clone(),
                source_region: e.source_region.clone(),
                destination_file_system_id: e.destination.file_system_id.clone(),
                destination_region: e.destination.region.clone(),
                status: UnmanagedStatus::Replication(e.destination.status.clone()),
                note: foreign.map(|owner| {
                    format!(
                        "inbound: its source belongs to account {owner}; this tool never deletes it"
                    )
                }),
            });
        }
    }
    // Destination sides left behind by a source-side deletion: removed in
    // their own Region when the configuration manages their source (declared,
    // named in a removed block, or pruned), else listed as unmanaged.
    for o in &actual.orphans {
        if o.destination.status == ReplicationStatus::Deleting {
            continue;
        }
        let k = (o.source_region.clone(), o.source.clone());
        let leave = |note: String| Unmanaged {
            source_file_system_id: o.source.clone(),
            source_region: o.source_region.clone(),
            destination_file_system_id: o.destination.file_system_id.clone(),
            destination_region: o.destination.region.clone(),
            status: UnmanagedStatus::Orphaned,
            note: Some(note),
        };
        // DeleteReplicationConfiguration names the source only: in a Region
        // where a replication of the same source also has its destination
        // side, the call could remove that side instead of the orphan.
        if let Some(live) = by_source
            .get(&k)
            .filter(|l| l.destination.region == o.destination.region)
        {
            unmanaged.push(leave(format!(
                "not removed: the replication {} -> {} also has its destination side in {}, and the call names the source only, so it could remove that side instead; once no replication of {} has its destination in {}, remove it with `{}`",
                live.source,
                live.destination.file_system_id,
                o.destination.region,
                o.source,
                o.destination.region,
                orphan_command(o)
            )));
            continue;
        }
        let pinned_elsewhere = desired.removed.iter().any(|r| {
            r.source == o.source
                && r.source_region == o.source_region
                && r.destination
                    .as_ref()
                    .is_some_and(|p| *p != o.destination.file_system_id)
        });
        let reason = if declared_sources.contains_key(&k) {
            Some(format!(
                "{} is declared; this destination-side configuration of it is left over",
                o.source
            ))
        } else if removed_keys.contains(&k) && !pinned_elsewhere {
            Some("named in a removed block".to_owned())
        } else if desired.settings.prune && named_regions.contains(&o.source_region) {
            Some("not declared, and settings.prune is true".to_owned())
        } else {
            None
        };
        match reason {
            Some(reason) => {
                let mut dr = delete_draft(
                    actual,
                    ChangeAddress::orphan(o.destination.file_system_id.clone()),
                    format!(
                        "orphaned destination side in {} (its source side in {} is gone); {reason}",
                        o.destination.region, o.source_region
                    ),
                    o,
                );
                dr.deletes = None;
                dr.removes_orphan = Some(o);
                drafts.push(dr);
            }
            None => unmanaged.push(Unmanaged {
                note: Some(format!("remove it by hand with `{}`", orphan_command(o))),
                ..leave(String::new())
            }),
        }
    }
    drafts.sort_by(|a, b| a.address.cmp(&b.address));

    (drafts, unmanaged)
}

pub(super) fn attributes_of(r: &ActualReplication, dest: Option<&FileSystemInfo>) -> Attributes {
    Attributes {
        source_file_system_id: r.source.clone(),
        source_region: r.source_region.clone(),
        destination_region: r.destination.region.clone(),
        destination_file_system_id: Some(r.destination.file_system_id.clone().into()),
        destination_availability_zone: dest.and_then(|f| f.availability_zone.clone()),
        destination_kms_key_id: dest.and_then(|f| f.kms_key_id.clone()),
        role_arn: r.destination.role_arn.clone(),
        status: Some(r.destination.status.clone()),
    }
}

pub(super) fn desired_attributes(d: &DesiredReplication) -> Attributes {
    Attributes {
        source_file_system_id: d.source.clone(),
        source_region: d.source_region.clone(),
        destination_region: d.destination.region.clone(),
        destination_file_system_id: d.destination.file_system.clone(),
        destination_availability_zone: d.destination.availability_zone.clone(),
        destination_kms_key_id: d.destination.kms_key.as_ref().map(|k| k.to_string()),
        role_arn: d.destination.role_arn.as_ref().map(|r| r.to_string()),
        status: None,
    }
}

pub(super) fn destination_spec(d: &DesiredReplication) -> DestinationSpec {
    DestinationSpec {
        region: d.destination.region.clone(),
        availability_zone_name: d.destination.availability_zone.clone(),
        kms_key_id: d.destination.kms_key.clone(),
        file_system_id: d.destination.file_system.clone(),
        role_arn: d.destination.role_arn.clone(),
    }
}

/// Where the declared existing destination lives: (Region, id).
pub(super) fn declared_destination_key(d: &DesiredReplication) -> Option<Key> {
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
/// could not be verified. `resolved_key` is the key ARN KMS gave for the
/// declared `kms_key_id`, when it was asked and answered.
pub(super) fn compare(
    d: &DesiredReplication,
    e: &ActualReplication,
    dest: Option<&FileSystemInfo>,
    resolved_key: Option<&str>,
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
    // The account the destination must be in: the declared ARN's, else the
    // source's (a plain id or a new destination is in the source account).
    let want_account = want
        .file_system
        .as_ref()
        .and_then(|f| f.arn.as_ref())
        .map(|a| a.account.clone())
        .or_else(|| e.source_owner.clone())
        .or_else(|| d.source_account.clone());
    if let (Some(want_acc), Some(have_acc)) = (&want_account, &e.destination.owner) {
        if want_acc != have_acc {
            diffs.push(format!(
                "destination account changes ({have_acc} -> {want_acc})"
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
            "destination file system {} could not be described in {}; its availability zone and KMS key were not verified{}",
            e.destination.file_system_id,
            e.destination.region,
            match (&e.destination.owner, &e.source_owner) {
                (Some(d), Some(s)) if d != s => format!(
                    " (it is in account {d}: an account block for it lets them be compared)"
                ),
                _ => String::new(),
            }
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
                    // KMS resolved the declared reference: compare key ARNs.
                    Some(have) if resolved_key.is_some() && !have.contains(":alias/") => {
                        let want_arn = resolved_key.unwrap_or_default();
                        if have != want_arn {
                            diffs.push(if k.as_str() == want_arn {
                                format!("destination KMS key changes ({have} -> {k})")
                            } else if k.is_alias() {
                                format!(
                                    "destination KMS key changes ({have} -> {want_arn}): {k} names another key than the one in use"
                                )
                            } else {
                                format!("destination KMS key changes ({have} -> {k}, that is {want_arn})")
                            });
                        }
                    }
                    // The reported key names an alias too: compare alias names.
                    Some(have) if k.is_alias() && have.contains(":alias/") => {
                        if alias_name(have) != alias_name(k.as_str()) {
                            diffs.push(format!("destination KMS key changes ({have} -> {k})"));
                        }
                    }
                    Some(have) if k.is_alias() => notes.push(format!(
                        "KMS key {k} is an alias and the destination reports {have}; the alias could not be resolved, so the key could not be verified"
                    )),
                    // Reported as an alias, declared as a key: same problem.
                    Some(have) if have.contains("alias/") => notes.push(format!(
                        "the destination reports the KMS alias {have} and the configuration names the key {k}; the alias could not be resolved, so the key could not be verified"
                    )),
                    Some(have) => {
                        let same = if k.is_arn() {
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

/// What happens to the destination of a deleted replication.
pub(super) fn kept_destination_note(e: &ActualReplication) -> String {
    format!(
        "the current destination file system {} ({}) is not deleted: once the replication is gone it becomes writable and is no longer updated; delete it yourself if it is not needed",
        e.destination.file_system_id, e.destination.region
    )
}

/// A change that deletes an existing replication.
pub(super) fn delete_draft<'a>(
    actual: &Actual,
    address: ChangeAddress,
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
        removes_orphan: None,
        create: None,
        steps: Vec::new(),
    }
}
