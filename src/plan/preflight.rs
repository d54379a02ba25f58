//! Preflight: what would make apply fail, found at plan time and reported
//! all at once: the source (exists, available, not a destination elsewhere),
//! an existing destination (exists, available, in no other replication,
//! protection DISABLED or consent to disable it), cross-account roles,
//! `prevent_destroy`. A replication in the way becomes a dependency when the
//! plan deletes it, or an error saying which `removed` block to add. Pure.

use std::collections::{BTreeSet, HashMap};

use super::diff::{declared_destination_key, kept_destination_note};
use super::types::Action;
use super::{
    describe_replication, key_of, orphan_command, protection_str, ChangeAddress, Dep, Draft, Index,
    Key, PlanError,
};
use crate::model::{
    Account, AccountId, Actual, ActualReplication, KeyResolution, Protection, ReplicationStatus,
};

/// A replication in the way: a dependency if it goes away, else an error.
fn blocker(
    index: &Index<'_>,
    deleted_by: &HashMap<Key, ChangeAddress>,
    x: &ActualReplication,
    address: &str,
    role: &str,
    fs: &Key,
) -> Result<Dep, Box<PlanError>> {
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
    let hint = match index.declared_sources.get(&k) {
        Some(other) => format!(
            "it is declared as {}: delete that block and add `{removed_block}` to delete it first",
            other.address
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
}

/// An orphaned destination side holding a file system a create needs:
/// always an error (its removal is asynchronous and the plan cannot wait for
/// it), saying how to remove it first.
fn orphan_blocker(
    drafts_orphans: &BTreeSet<ChangeAddress>,
    o: &ActualReplication,
    address: &str,
    role: &str,
    fs: &Key,
) -> PlanError {
    let orphan_address = ChangeAddress::orphan(o.destination.file_system_id.clone());
    let hint = if o.destination.status == ReplicationStatus::Deleting {
        "it is being deleted; plan again once it is gone".to_owned()
    } else if drafts_orphans.contains(&orphan_address) {
        format!("apply with --target {orphan_address} first to remove it, then plan again once it is gone")
    } else {
        format!(
            "remove it first with `{}`, then plan again once it is gone",
            orphan_command(o)
        )
    };
    PlanError::Conflict {
        address: address.to_owned(),
        role: role.to_owned(),
        file_system: fs.1.to_string(),
        region: fs.0.to_string(),
        existing: format!("orphaned destination side {}", describe_replication(o)),
        hint,
    }
}

/// Checks every create; fills in its dependencies and protection step.
///
/// Every refusal of `CreateReplicationConfiguration` and
/// `UpdateFileSystemProtection` that the file systems and replications read
/// can predict is an error here. A check that cannot be decided from them is
/// a note when the create stands alone, and an error when a destructive step
/// (the delete of a replacement, a protection change) would run before it.
pub(super) fn preflight(
    drafts: &mut [Draft<'_>],
    actual: &Actual,
    index: &Index<'_>,
    deleted_by: &HashMap<Key, ChangeAddress>,
    accounts: &[Account],
) -> Vec<PlanError> {
    let mut errors = Vec::new();
    let planned_orphans: BTreeSet<ChangeAddress> = drafts
        .iter()
        .filter(|d| d.removes_orphan.is_some())
        .map(|d| d.address.clone())
        .collect();
    // Orphans removed by this plan, by (source, destination Region).
    let orphan_removals: Vec<(Key, crate::model::Region, ChangeAddress)> = drafts
        .iter()
        .filter_map(|d| {
            d.removes_orphan
                .map(|o| (key_of(o), o.destination.region.clone(), d.address.clone()))
        })
        .collect();
    for dr in drafts.iter_mut() {
        let (Some(d), Some(c)) = (dr.declared, dr.create.as_mut()) else {
            continue;
        };
        let address = dr.address.to_string();
        // A destructive step of this change that runs before its create.
        let replaces = dr
            .deletes
            .map(|e| format!("delete the current replication {}", describe_replication(e)));
        let mut undecided: Vec<String> = Vec::new();
        let sk = (d.source_region.clone(), d.source.clone());
        // An orphan of this source in the destination Region goes first:
        // once a live replication of the source has its destination side
        // there, the orphan can no longer be removed safely.
        for (ok, oregion, oaddr) in &orphan_removals {
            if *ok == sk && *oregion == d.destination.region {
                c.waits_for.insert(Dep::Orphan(oaddr.clone()));
            }
        }
        let source_info = actual.file_systems.get(&sk);
        match source_info {
            None if dr.deletes.is_none() => errors.push(PlanError::SourceNotFound {
                address: address.clone(),
                source_id: d.source.to_string(),
                region: d.source_region.to_string(),
            }),
            None => undecided.push(format!(
                "source file system {} could not be described in {} (its state and encryption)",
                d.source, d.source_region
            )),
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
        if let Some(x) = index.by_dest.get(&sk) {
            match blocker(index, deleted_by, x, &address, "source", &sk) {
                Ok(dep) => {
                    c.waits_for.insert(dep);
                }
                Err(e) => {
                    reported.insert(key_of(x));
                    errors.push(*e);
                }
            }
        } else if let Some(o) = index.orphans_by_dest.get(&sk) {
            errors.push(orphan_blocker(&planned_orphans, o, &address, "source", &sk));
        } else if source_info.and_then(|i| i.protection.as_ref()) == Some(&Protection::Replicating)
        {
            errors.push(PlanError::HiddenReplication {
                address: address.clone(),
                role: "source".into(),
                file_system: sk.1.to_string(),
                region: sk.0.to_string(),
            });
        }
        let our_account: Option<AccountId> = source_info
            .map(|i| i.owner.clone())
            .or_else(|| d.source_account.clone());
        let Some(dk) = declared_destination_key(d) else {
            push_undecided(
                &mut errors,
                &mut dr.notes,
                &address,
                undecided,
                replaces.as_deref(),
            );
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
            (Some(_), None) => {
                undecided.push(format!(
                    "whether the destination {} is in the source's account (the source's owner is not known)",
                    dk.1
                ));
                false
            }
            _ => false,
        };
        if let (true, Some(dest_account)) = (cross_account, &dest_account) {
            if d.destination.role_arn.is_none() {
                errors.push(PlanError::MissingRole {
                    address: address.clone(),
                    destination_account: dest_account.to_string(),
                    source_account: our_account
                        .clone()
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                });
            }
            // With an account block, the destination was described with
            // that account's credentials and is checked as any other.
            if accounts.iter().all(|a| &a.id != dest_account) {
                let what = format!(
                    "destination {} in account {dest_account}, which has no account block: its existence, state, encryption and overwrite protection (which must be DISABLED)",
                    dk.1
                );
                if replaces.is_some() {
                    undecided.push(what);
                } else {
                    dr.notes.push(format!(
                        "{what} were not verified; add an account block with id = \"{dest_account}\" and role_arn = \"arn:aws:iam::{dest_account}:role/ROLE\" (or profile = \"PROFILE\") to describe it with that account's credentials"
                    ));
                }
                push_undecided(
                    &mut errors,
                    &mut dr.notes,
                    &address,
                    undecided,
                    replaces.as_deref(),
                );
                continue;
            }
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
        if source_info.is_some_and(|s| s.encrypted) && !info.encrypted {
            errors.push(PlanError::DestinationUnencrypted {
                address: address.clone(),
                source_id: d.source.to_string(),
                file_system: dk.1.to_string(),
                region: dk.0.to_string(),
            });
        }
        let mut was_destination_of_deleted = false;
        let mut blocked = false;
        let current = info.protection.clone().unwrap_or(Protection::Enabled);
        if let Some(x) = index.by_dest.get(&dk) {
            match blocker(index, deleted_by, x, &address, "destination", &dk) {
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
        } else if let Some(o) = index.orphans_by_dest.get(&dk) {
            errors.push(orphan_blocker(
                &planned_orphans,
                o,
                &address,
                "destination",
                &dk,
            ));
            blocked = true;
        } else if current == Protection::Replicating {
            errors.push(PlanError::HiddenReplication {
                address: address.clone(),
                role: "destination".into(),
                file_system: dk.1.to_string(),
                region: dk.0.to_string(),
            });
            blocked = true;
        }
        if let Some(x) = index.by_source.get(&dk) {
            match blocker(index, deleted_by, x, &address, "destination", &dk) {
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
        push_undecided(
            &mut errors,
            &mut dr.notes,
            &address,
            undecided,
            replaces.as_deref(),
        );
        if blocked {
            continue;
        }
        let effective = if was_destination_of_deleted {
            Protection::Enabled
        } else {
            current.clone()
        };
        if effective != Protection::Disabled {
            // Consent is needed every time, even when the file system is the
            // current replica of this very source (a replacement that keeps
            // its destination): without `allow_overwrite` the tool never
            // touches overwrite protection.
            if d.destination.allow_overwrite {
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

    errors
}

/// Declared KMS keys as KMS resolved them: one that does not exist is an
/// error; one that could not be looked up gets a note naming what to grant.
pub(super) fn kms_keys(drafts: &mut [Draft<'_>], actual: &Actual) -> Vec<PlanError> {
    let mut errors = Vec::new();
    for dr in drafts.iter_mut() {
        let Some(d) = dr.declared else { continue };
        let Some(k) = &d.destination.kms_key else {
            continue;
        };
        let region = &d.destination.region;
        match actual.kms_key(region, k) {
            Some(KeyResolution::NotFound(message)) => errors.push(PlanError::KmsKeyNotFound {
                address: dr.address.to_string(),
                key: k.to_string(),
                region: region.to_string(),
                message: message.clone(),
            }),
            Some(KeyResolution::AccessDenied(message)) => dr.notes.push(format!(
                "KMS key {k} could not be resolved in {region}: kms:DescribeKey was denied ({message}); grant kms:DescribeKey on it so that the key is compared exactly"
            )),
            Some(KeyResolution::Failed(message)) => dr.notes.push(format!(
                "KMS key {k} could not be resolved in {region} ({message}); the key was compared as written"
            )),
            Some(KeyResolution::Key(_)) | None => {}
        }
    }
    errors
}

/// Checks that could not be decided: an error when a destructive step would
/// run before the create, else a note.
fn push_undecided(
    errors: &mut Vec<PlanError>,
    notes: &mut Vec<String>,
    address: &str,
    undecided: Vec<String>,
    destructive: Option<&str>,
) {
    if undecided.is_empty() {
        return;
    }
    match destructive {
        Some(step) => errors.push(PlanError::Unverified {
            address: address.to_owned(),
            check: undecided.join("; "),
            destructive: step.to_owned(),
            hint: "the current replication is kept; check the new destination yourself (it must exist, be available, be encrypted if the source is, and have overwrite protection DISABLED), then delete the current replication by hand and plan again, or make the file systems readable with these credentials".to_owned(),
        }),
        None => notes.extend(
            undecided
                .into_iter()
                .map(|u| format!("{u}: not verified")),
        ),
    }
}

/// A deleted replication's destination stays behind, unless this plan uses
/// that file system again: say so.
pub(super) fn note_kept_destinations(drafts: &mut [Draft<'_>]) {
    let reused: BTreeSet<Key> = drafts
        .iter()
        .filter_map(|dr| dr.declared.filter(|_| dr.create.is_some()))
        .flat_map(|d| {
            std::iter::once((d.source_region.clone(), d.source.clone()))
                .chain(declared_destination_key(d))
        })
        .collect();
    for dr in drafts.iter_mut() {
        if let Some(e) = dr.deletes {
            let dk = (
                e.destination.region.clone(),
                e.destination.file_system_id.clone(),
            );
            if !reused.contains(&dk) {
                dr.notes.push(kept_destination_note(e));
            }
        }
    }
}

/// `prevent_destroy` turns a planned delete or replace into an error, and
/// blocks the removal of an orphaned destination side of its source.
pub(super) fn prevent_destroy(drafts: &[Draft<'_>], index: &Index<'_>) -> Vec<PlanError> {
    let mut errors = Vec::new();
    for dr in drafts {
        if let Some(d) = dr.declared {
            if d.prevent_destroy && matches!(dr.action, Action::Replace | Action::Delete) {
                errors.push(PlanError::PreventDestroy {
                    address: dr.address.to_string(),
                    action: dr.action.as_str().to_owned(),
                    reason: dr.reason.clone(),
                });
            }
        }
        if let Some(o) = dr.removes_orphan {
            if let Some(d) = index
                .declared_sources
                .get(&key_of(o))
                .filter(|d| d.prevent_destroy)
            {
                errors.push(PlanError::OrphanPreventDestroy {
                    address: dr.address.to_string(),
                    declared: d.address.to_string(),
                    command: orphan_command(o),
                });
            }
        }
    }

    errors
}
