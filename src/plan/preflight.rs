//! Preflight: what would make apply fail, found at plan time and reported
//! all at once: the source (exists, available, not a destination elsewhere),
//! an existing destination (exists, available, in no other replication,
//! protection DISABLED or consent to disable it), cross-account roles,
//! `prevent_destroy`. A replication in the way becomes a dependency when the
//! plan deletes it, or an error saying which `removed` block to add. Pure.

use std::collections::{BTreeSet, HashMap};

use super::diff::{declared_destination_key, kept_destination_note};
use super::types::Action;
use super::{describe_replication, key_of, protection_str, Dep, Draft, Index, Key, PlanError};
use crate::model::{Account, AccountId, Actual, ActualReplication, Protection, ReplicationStatus};

/// A replication in the way: a dependency if it goes away, else an error.
fn blocker(
    index: &Index<'_>,
    deleted_by: &HashMap<Key, String>,
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

/// Checks every create; fills in its dependencies and protection step.
pub(super) fn preflight(
    drafts: &mut [Draft<'_>],
    actual: &Actual,
    index: &Index<'_>,
    deleted_by: &HashMap<Key, String>,
    accounts: &[Account],
) -> Vec<PlanError> {
    let mut errors = Vec::new();
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
                dr.notes.push(format!(
                    "destination {} is in account {dest_account}, which has no account block: its existence and overwrite protection (which must be DISABLED) were not verified; add an account block with id = \"{dest_account}\" and role_arn = \"arn:aws:iam::{dest_account}:role/ROLE\" (or profile = \"PROFILE\") to describe it with that account's credentials",
                    dk.1
                ));
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

/// `prevent_destroy` turns a planned delete or replace into an error.
pub(super) fn prevent_destroy(drafts: &[Draft<'_>]) -> Vec<PlanError> {
    let mut errors = Vec::new();
    for dr in drafts {
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

    errors
}
