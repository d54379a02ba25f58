//! A simulated apply: runs a plan's steps against a copy of an [`Actual`]
//! with the EFS rules that matter for ordering and preflight (one
//! replication per file system, orphaned destination sides included;
//! deletion is asynchronous; an existing destination must be `available`,
//! have protection DISABLED and be encrypted when the source is; protection
//! of a destination cannot change; a cross-account destination needs a
//! role; an orphan's removal must not be ambiguous), and returns the state
//! EFS would end in.
//!
//! Steps run in the least forgiving order the graph allows: among the steps
//! whose dependencies are done, the one with the highest id first. A missing
//! dependency therefore shows up as a rule violation. Used by tests and
//! usable for dry runs; it never does I/O and never reads a clock.

use std::collections::BTreeSet;
use std::time::{Duration, UNIX_EPOCH};

use super::types::{Plan, StepId, StepKind};
use crate::model::{
    AccountId, Actual, ActualDestination, ActualReplication, FileSystemId, FileSystemInfo,
    Protection, ReplicationStatus,
};

/// A step that EFS would have refused, or a graph that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulateError {
    /// The step violates an EFS rule in the state reached so far.
    #[error("step {step} ({kind}) would fail: {message}")]
    Refused {
        /// Id of the step.
        step: StepId,
        /// Its kind.
        kind: String,
        /// What EFS would have said.
        message: String,
    },
    /// Some steps can never run (a cycle or a dependency on a missing step).
    #[error("steps {0:?} can never run: their dependencies form a cycle or name missing steps")]
    Stuck(Vec<StepId>),
}

/// Applies `plan` to a copy of `actual` and returns the resulting state.
pub fn simulate_apply(actual: &Actual, plan: &Plan) -> Result<Actual, SimulateError> {
    let mut state = actual.clone();
    let mut done: BTreeSet<StepId> = BTreeSet::new();
    let mut created = 0u64;
    while done.len() < plan.steps.len() {
        let next = plan
            .steps
            .iter()
            .filter(|s| !done.contains(&s.id) && s.depends_on.iter().all(|d| done.contains(d)))
            .max_by_key(|s| s.id);
        let Some(step) = next else {
            return Err(SimulateError::Stuck(
                plan.steps
                    .iter()
                    .filter(|s| !done.contains(&s.id))
                    .map(|s| s.id)
                    .collect(),
            ));
        };
        let refuse = |message: String| SimulateError::Refused {
            step: step.id,
            kind: step.kind.name().to_owned(),
            message,
        };
        match &step.kind {
            StepKind::Delete {
                source_file_system_id,
                region,
                orphan: None,
            } => {
                let r = state
                    .replications
                    .iter_mut()
                    .find(|r| &r.source == source_file_system_id && &r.source_region == region)
                    .ok_or_else(|| {
                        refuse(format!("ReplicationNotFound: {source_file_system_id}"))
                    })?;
                r.destination.status = ReplicationStatus::Deleting;
            }
            StepKind::Delete {
                source_file_system_id,
                region,
                orphan: Some(_),
            } => {
                // The call names the source only: where a replication of the
                // same source has its destination side too, it could remove
                // that side instead.
                if let Some(live) = state
                    .replications
                    .iter()
                    .find(|r| &r.source == source_file_system_id && &r.destination.region == region)
                {
                    return Err(refuse(format!(
                        "ambiguous: the replication {} -> {} also has its destination side in {region}",
                        live.source, live.destination.file_system_id
                    )));
                }
                let pos = state
                    .orphans
                    .iter()
                    .position(|o| {
                        &o.source == source_file_system_id && &o.destination.region == region
                    })
                    .ok_or_else(|| {
                        refuse(format!("ReplicationNotFound: {source_file_system_id}"))
                    })?;
                state.orphans.remove(pos);
            }
            // A compensation runs only when its create fails; a simulated
            // apply is one where every step succeeds.
            StepKind::RestoreProtection { .. } => {}
            StepKind::WaitDeleted {
                source_file_system_id,
                region,
                ..
            } => {
                if let Some(pos) = state
                    .replications
                    .iter()
                    .position(|r| &r.source == source_file_system_id && &r.source_region == region)
                {
                    if state.replications[pos].destination.status != ReplicationStatus::Deleting {
                        return Err(refuse(format!(
                            "the replication of {source_file_system_id} is not being deleted; waiting would never end"
                        )));
                    }
                    let r = state.replications.remove(pos);
                    if let Some(fs) = state.file_systems.get_mut(&(
                        r.destination.region.clone(),
                        r.destination.file_system_id.clone(),
                    )) {
                        fs.protection = Some(Protection::Enabled);
                    }
                }
            }
            StepKind::UpdateProtection {
                file_system_id,
                region,
                replication_overwrite_protection,
            } => {
                if in_replication(&state, region, file_system_id, false) {
                    return Err(refuse(format!(
                        "ReplicationAlreadyExists: {file_system_id} is a replication destination"
                    )));
                }
                let fs = state
                    .file_systems
                    .get_mut(&(region.clone(), file_system_id.clone()))
                    .ok_or_else(|| refuse(format!("FileSystemNotFound: {file_system_id}")))?;
                if fs.protection == Some(Protection::Replicating) {
                    return Err(refuse(format!(
                        "ReplicationAlreadyExists: {file_system_id} is the destination of a replication"
                    )));
                }
                if fs.life_cycle_state != "available" {
                    return Err(refuse(format!(
                        "IncorrectFileSystemLifeCycleState: {file_system_id} is {}",
                        fs.life_cycle_state
                    )));
                }
                fs.protection = Some(replication_overwrite_protection.clone());
            }
            StepKind::Create {
                source_file_system_id,
                region,
                destination,
            } => {
                let source_key = (region.clone(), source_file_system_id.clone());
                let (owner, source_encrypted) = match state.file_systems.get(&source_key) {
                    Some(fs) if fs.life_cycle_state != "available" => {
                        return Err(refuse(format!(
                            "IncorrectFileSystemLifeCycleState: source is {}",
                            fs.life_cycle_state
                        )))
                    }
                    Some(fs) if fs.protection == Some(Protection::Replicating) => {
                        return Err(refuse(format!(
                            "the source {source_file_system_id} is the destination of a replication"
                        )))
                    }
                    Some(fs) => (fs.owner.clone(), fs.encrypted),
                    None => {
                        return Err(refuse(format!(
                            "FileSystemNotFound: source {source_file_system_id}"
                        )))
                    }
                };
                if in_replication(&state, region, source_file_system_id, true) {
                    return Err(refuse(format!(
                        "the source {source_file_system_id} is already in a replication"
                    )));
                }
                let dest_id = match &destination.file_system_id {
                    Some(api) => {
                        let id = api.id.clone();
                        let key = (destination.region.clone(), id.clone());
                        if in_replication(&state, &destination.region, &id, true) {
                            return Err(refuse(format!(
                                "the destination {id} is already in a replication"
                            )));
                        }
                        let dest_account = api.arn.as_ref().map(|a| a.account.clone());
                        if dest_account.as_ref().is_some_and(|a| *a != owner)
                            && destination.role_arn.is_none()
                        {
                            return Err(refuse(
                                "BadRequest: No RoleArn provided.  RoleArn is required for cross-account replication.".to_owned(),
                            ));
                        }
                        // A destination in another account is not in this state.
                        if let Some(fs) = state.file_systems.get_mut(&key) {
                            if fs.life_cycle_state != "available" {
                                return Err(refuse(format!(
                                    "IncorrectFileSystemLifeCycleState: destination is {}",
                                    fs.life_cycle_state
                                )));
                            }
                            if source_encrypted && !fs.encrypted {
                                return Err(refuse(format!(
                                    "ConflictException: the source is encrypted but the destination {id} is not"
                                )));
                            }
                            if fs.protection != Some(Protection::Disabled) {
                                return Err(refuse(format!(
                                    "the destination {id} has overwrite protection {:?}",
                                    fs.protection
                                )));
                            }
                            fs.protection = Some(Protection::Replicating);
                        }
                        id
                    }
                    None => {
                        let id = loop {
                            created += 1;
                            let id = FileSystemId::parse(&format!(
                                "fs-{:017x}",
                                0x0e00_0000_0000_0000u64 + created
                            ))
                            .expect("well-formed id");
                            if !state.file_systems.keys().any(|(_, i)| i == &id) {
                                break id;
                            }
                        };
                        let kms = match &destination.kms_key_id {
                            None => default_key(&destination.region, &owner),
                            Some(k) if k.is_arn() || k.is_alias() => k.as_str().to_owned(),
                            Some(k) => format!(
                                "arn:aws:kms:{}:{}:key/{}",
                                destination.region,
                                owner,
                                k.key_id().unwrap_or(k.as_str())
                            ),
                        };
                        state.file_systems.insert(
                            (destination.region.clone(), id.clone()),
                            FileSystemInfo {
                                id: id.clone(),
                                region: destination.region.clone(),
                                owner: owner.clone(),
                                life_cycle_state: "available".to_owned(),
                                encrypted: true,
                                kms_key_id: Some(kms),
                                availability_zone: destination.availability_zone_name.clone(),
                                performance_mode: "generalPurpose".to_owned(),
                                throughput_mode: Some("bursting".to_owned()),
                                protection: Some(Protection::Replicating),
                                name: None,
                            },
                        );
                        id
                    }
                };
                created += 1;
                state.replications.push(ActualReplication {
                    source: source_file_system_id.clone(),
                    source_region: region.clone(),
                    source_arn: format!(
                        "arn:aws:elasticfilesystem:{region}:{owner}:file-system/{source_file_system_id}"
                    ),
                    source_owner: Some(owner.clone()),
                    creation_time: UNIX_EPOCH + Duration::from_secs(1_700_000_000 + created),
                    destination: ActualDestination {
                        status: ReplicationStatus::Enabling,
                        file_system_id: dest_id,
                        region: destination.region.clone(),
                        last_replicated: None,
                        owner: Some(owner),
                        status_message: None,
                        role_arn: destination.role_arn.as_ref().map(|r| r.to_string()),
                    },
                });
            }
            StepKind::WaitEnabled {
                source_file_system_id,
                region,
            } => {
                let r = state
                    .replications
                    .iter_mut()
                    .find(|r| &r.source == source_file_system_id && &r.source_region == region)
                    .ok_or_else(|| {
                        refuse(format!(
                            "no replication of {source_file_system_id} to wait for"
                        ))
                    })?;
                match r.destination.status {
                    ReplicationStatus::Enabling | ReplicationStatus::Enabled => {
                        r.destination.status = ReplicationStatus::Enabled
                    }
                    ref other => {
                        return Err(refuse(format!(
                            "the replication is {other:?}; it will never be ENABLED"
                        )))
                    }
                }
            }
        }
        done.insert(step.id);
    }
    Ok(state)
}

/// Whether the file system is the destination (or, with `as_source`, also
/// the source) of a replication, including one being deleted.
fn in_replication(
    state: &Actual,
    region: &crate::model::Region,
    id: &FileSystemId,
    as_source: bool,
) -> bool {
    state.replications.iter().any(|r| {
        (&r.destination.region == region && &r.destination.file_system_id == id)
            || (as_source && &r.source_region == region && &r.source == id)
    }) || state
        .orphans
        .iter()
        .any(|o| &o.destination.region == region && &o.destination.file_system_id == id)
}

fn default_key(region: &crate::model::Region, owner: &AccountId) -> String {
    format!("arn:aws:kms:{region}:{owner}:key/00000000-0000-4000-8000-000000000000")
}
