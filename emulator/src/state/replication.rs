//! Replication configurations in the store: CreateReplicationConfiguration
//! (new or existing destination, cross-account role, One Zone), Describe
//! (by either side's id, or the caller's listing under `--listing-scope`),
//! Delete (both sides or LOCAL_CONFIGURATION_ONLY, with
//! `--destination-delete-lag`), and the admin status and stall controls.
//! No I/O and no clock: `now` is passed in.

use super::kms::kms_arn;
use super::*;
use crate::auth::Caller;
use crate::validate;

/// One element of CreateReplicationConfiguration's `Destinations`.
#[derive(Debug, Clone, Default)]
pub struct DestinationInput {
    pub region: Option<String>,
    pub availability_zone_name: Option<String>,
    pub kms_key_id: Option<String>,
    pub file_system_id: Option<String>,
    pub role_arn: Option<String>,
}

impl Store {
    // ---- replication --------------------------------------------------

    pub fn create_replication(
        &mut self,
        caller: &Caller,
        raw_source: &str,
        dest: DestinationInput,
        now: f64,
    ) -> Result<ReplicationRead<'_>, ApiError> {
        let view = (caller.account.clone(), caller.region.clone());
        let source = self.fs_or_not_found(raw_source, &view)?.clone();
        if !source.available(now) {
            return Err(ApiError::IncorrectFileSystemLifeCycleState(format!(
                "Source file system '{}' is {}; wait until it is available",
                source.id,
                source.life_cycle_state(now)
            )));
        }
        if let Some(rid) = self.by_fs.get(&source.id) {
            let rep = &self.replications[rid];
            let role = if rep.source_file_system_id == source.id {
                "the source"
            } else {
                "the destination"
            };
            return Err(ApiError::BadRequest(format!(
                "File system '{}' is already {role} of a replication configuration (source {}); a file system can be in only one replication configuration",
                source.id, rep.source_file_system_id
            )));
        }
        let dest_ref = dest.file_system_id.as_deref().map(FsRef::parse);
        // Destination Region: Region, else from the AZ, else from an ARN, else the source Region.
        let az_region = match &dest.availability_zone_name {
            Some(az) => match validate::availability_zone(az) {
                Some((r, _)) => Some(r.to_string()),
                None => {
                    return Err(ApiError::UnsupportedAvailabilityZone(format!(
                        "Availability Zone '{az}' does not exist or does not support One Zone file systems"
                    )))
                }
            },
            None => None,
        };
        let dest_region = dest
            .region
            .clone()
            .or_else(|| az_region.clone())
            .or_else(|| dest_ref.as_ref().and_then(|r| r.region.clone()))
            .unwrap_or_else(|| source.region.clone());
        if !validate::known_region(&dest_region) {
            return Err(ApiError::BadRequest(format!(
                "Destination Region '{dest_region}' is not a Region where EFS replication is available"
            )));
        }
        if let (Some(azr), Some(az)) = (&az_region, &dest.availability_zone_name) {
            if azr != &dest_region {
                return Err(ApiError::UnsupportedAvailabilityZone(format!(
                    "Availability Zone '{az}' is not in the destination Region {dest_region}"
                )));
            }
        }
        let role_account = dest.role_arn.as_deref().and_then(role_account);
        if let (Some(ra), Some(_)) = (&role_account, &dest.role_arn) {
            if ra != &source.account {
                return Err(ApiError::BadRequest(format!(
                    "RoleArn must name a role in the source file system's account {}, not {ra}",
                    source.account
                )));
            }
        }
        let (dest_fs_id, dest_account) = match &dest_ref {
            Some(r) => {
                if dest.availability_zone_name.is_some() || dest.kms_key_id.is_some() {
                    return Err(ApiError::BadRequest(
                        "AvailabilityZoneName and KmsKeyId apply only to a new destination; omit them when FileSystemId names an existing file system".into(),
                    ));
                }
                if r.region.as_deref().is_some_and(|rr| rr != dest_region) {
                    return Err(ApiError::BadRequest(format!(
                        "Destination FileSystemId is in {} but Region is {dest_region}",
                        r.region.as_deref().unwrap_or_default()
                    )));
                }
                let dest_account = r.account.clone().unwrap_or_else(|| caller.account.clone());
                if dest_account != source.account && dest.role_arn.is_none() {
                    return Err(ApiError::BadRequest(
                        "No RoleArn provided.  RoleArn is required for cross-account replication."
                            .into(),
                    ));
                }
                let dview = (dest_account.clone(), dest_region.clone());
                let dfs = self
                    .find_fs(r, &dview)
                    .ok_or_else(|| ApiError::fs_not_found(&r.id))?;
                if dfs.id == source.id {
                    return Err(ApiError::BadRequest(
                        "The destination file system cannot be the source file system".into(),
                    ));
                }
                if !dfs.available(now) {
                    return Err(ApiError::IncorrectFileSystemLifeCycleState(format!(
                        "Destination file system '{}' is {}; wait until it is available",
                        dfs.id,
                        dfs.life_cycle_state(now)
                    )));
                }
                if self.by_fs.contains_key(&dfs.id) {
                    return Err(ApiError::BadRequest(format!(
                        "Destination file system '{}' is already in a replication configuration; replication cannot be chained",
                        dfs.id
                    )));
                }
                if dfs.protection != "DISABLED" {
                    return Err(ApiError::BadRequest(format!(
                        "Destination file system '{}' has ReplicationOverwriteProtection {}; set it to DISABLED with UpdateFileSystemProtection first",
                        dfs.id, dfs.protection
                    )));
                }
                if source.encrypted && !dfs.encrypted {
                    return Err(ApiError::ConflictException(format!(
                        "Source file system '{}' is encrypted but destination '{}' is not",
                        source.id, dfs.id
                    )));
                }
                let id = dfs.id.clone();
                self.file_systems
                    .get_mut(&id)
                    .expect("found above")
                    .protection = "REPLICATING".into();
                (id, dest_account)
            }
            None => {
                let one_zone = dest.availability_zone_name.is_some();
                let fs = FileSystem {
                    id: self.new_fs_id(),
                    region: dest_region.clone(),
                    account: source.account.clone(),
                    creation_token: format!("replication-{}", uuid::Uuid::new_v4()),
                    creation_time: now,
                    available_at: now + self.timings.create,
                    name: None,
                    performance_mode: if one_zone {
                        "generalPurpose".into()
                    } else {
                        source.performance_mode.clone()
                    },
                    throughput_mode: source.throughput_mode.clone(),
                    provisioned_throughput_in_mibps: source.provisioned_throughput_in_mibps,
                    encrypted: true,
                    kms_key_id: Some(dest.kms_key_id.as_deref().map_or_else(
                        || default_kms_key(&dest_region, &source.account),
                        |k| kms_arn(&self.kms, k, &dest_region, &source.account),
                    )),
                    availability_zone_name: dest.availability_zone_name.clone(),
                    protection: "REPLICATING".into(),
                    tags: Vec::new(),
                    size_in_bytes: 6144,
                    deleted_at: None,
                };
                let id = fs.id.clone();
                self.insert_fs(fs);
                (id, source.account.clone())
            }
        };
        let enabled_at = now + self.timings.enable;
        let rep = Replication {
            id: self.next_rep_id,
            source_file_system_id: source.id.clone(),
            source_region: source.region.clone(),
            source_account: source.account.clone(),
            destination_file_system_id: dest_fs_id,
            destination_region: dest_region,
            destination_account: dest_account,
            role_arn: dest.role_arn,
            creation_time: now,
            original_source_file_system_arn: None,
            enabled_at,
            first_sync_at: enabled_at + self.timings.initial_sync,
            source_gone_at: None,
            destination_gone_at: None,
            forced_status: None,
            stalled_at: None,
        };
        self.next_rep_id += 1;
        let id = rep.id;
        self.insert_rep(rep, now);
        Ok(self.replications[&id].read(Side::Source, now, &self.timings))
    }

    /// The replication a local file system is in, with the side the view sees.
    fn rep_of_fs(&self, fs_id: &str, view: &View, now: f64) -> Option<(&Replication, Side)> {
        let rep = self.replications.get(self.by_fs.get(fs_id)?)?;
        let side = rep.side_for(view, now)?;
        Some((rep, side))
    }

    /// DescribeReplicationConfigurations: the configuration a file system
    /// is in, or a page of the caller's listing from `next_token` on.
    pub fn describe_replications(
        &self,
        caller: &Caller,
        file_system_id: Option<&str>,
        next_token: Option<&str>,
        max_results: usize,
        now: f64,
    ) -> Result<Page<ReplicationRead<'_>>, ApiError> {
        let view = (caller.account.clone(), caller.region.clone());
        let t = &self.timings;
        if let Some(raw) = file_system_id {
            let fs = self.fs_or_not_found(raw, &view)?;
            return match self.rep_of_fs(&fs.id, &view, now) {
                Some((rep, side)) => Ok(Page {
                    items: vec![rep.read(side, now, t)],
                    next: None,
                }),
                None => Err(ApiError::ReplicationNotFound(format!(
                    "File system '{}' is not in a replication configuration.",
                    fs.id
                ))),
            };
        }
        let start = match next_token {
            None => 0,
            Some(t) => decode_token(t).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "NextToken '{t}' was not returned by DescribeReplicationConfigurations; start again without it"
                ))
            })?,
        };
        let empty = BTreeSet::new();
        let ids = self.rep_views.get(&view).unwrap_or(&empty);
        let mut page = Vec::with_capacity(max_results.min(ids.len()));
        let mut next = None;
        for id in ids.range(start..) {
            let Some(rep) = self.replications.get(id) else {
                continue;
            };
            let Some(side) = rep.side_for(&view, now) else {
                continue;
            };
            // `--listing-scope source`: a destination side is found by id only.
            if t.listing_scope == ListingScope::Source && side == Side::Destination {
                continue;
            }
            if page.len() == max_results {
                next = Some(*id);
                break;
            }
            page.push(rep.read(side, now, t));
        }
        Ok(Page {
            items: page,
            next: next.map(encode_token),
        })
    }

    pub fn delete_replication(
        &mut self,
        caller: &Caller,
        raw_source: &str,
        local_only: bool,
        now: f64,
    ) -> Result<(), ApiError> {
        let view = (caller.account.clone(), caller.region.clone());
        let r = FsRef::parse(raw_source);
        let candidate = self
            .by_source
            .range((r.id.clone(), 0)..=(r.id.clone(), u64::MAX))
            .filter_map(|(_, id)| self.replications.get(id))
            .filter(|rep| {
                r.region.as_deref().is_none_or(|x| x == rep.source_region)
                    && r.account.as_deref().is_none_or(|x| x == rep.source_account)
            })
            .find_map(|rep| rep.side_for(&view, now).map(|s| (rep.id, s)));
        let Some((rid, side)) = candidate else {
            if let Some(fs) = self.find_fs(&r, &view) {
                if let Some((rep, Side::Destination)) = self.rep_of_fs(&fs.id, &view, now) {
                    return Err(ApiError::BadRequest(format!(
                        "File system '{}' is the destination of a replication configuration; pass the source file system id '{}' as SourceFileSystemId",
                        fs.id, rep.source_file_system_id
                    )));
                }
                return Err(ApiError::ReplicationNotFound(format!(
                    "File system '{}' is not the source of a replication configuration.",
                    fs.id
                )));
            }
            return Err(ApiError::fs_not_found(&r.id));
        };
        let delay = self.timings.delete;
        let lag = self.timings.destination_delete_lag;
        let rep = self.replications.get_mut(&rid).expect("found above");
        if local_only && rep.same_view() {
            return Err(ApiError::BadRequest(
                "LOCAL_CONFIGURATION_ONLY cannot be used when the source and destination are in the same account and Region; use ALL_CONFIGURATIONS".into(),
            ));
        }
        let sides: Vec<Side> = if local_only {
            vec![side]
        } else {
            vec![Side::Source, Side::Destination]
        };
        for s in sides {
            // With both sides deleted, the destination side outlives the
            // source side by `--destination-delete-lag`.
            let (slot, extra) = match s {
                Side::Source => (&mut rep.source_gone_at, 0.0),
                Side::Destination => (
                    &mut rep.destination_gone_at,
                    if local_only { 0.0 } else { lag },
                ),
            };
            if slot.is_none() {
                *slot = Some(now + delay + extra);
            }
        }
        self.pending.insert(rid);
        self.sweep(now);
        Ok(())
    }

    // ---- admin controls -----------------------------------------------

    /// Finds a replication by source or destination file-system id (any account/Region).
    fn rep_id_by_any_fs(&self, fs_id: &str) -> Option<u64> {
        let id = FsRef::parse(fs_id).id;
        self.by_fs.get(&id).copied()
    }

    /// Forces (or with `None` clears) a replication's status; returns the
    /// replication changed.
    pub fn force_status(
        &mut self,
        fs_id: &str,
        forced: Option<ForcedStatus>,
    ) -> Result<&Replication, String> {
        if let Some(f) = &forced {
            if !validate::REPLICATION_STATUSES.contains(&f.status.as_str()) {
                return Err(format!(
                    "status must be one of {}",
                    validate::REPLICATION_STATUSES.join(", ")
                ));
            }
        }
        let rid = self
            .rep_id_by_any_fs(fs_id)
            .ok_or_else(|| format!("no replication configuration includes file system {fs_id}"))?;
        let rep = self.replications.get_mut(&rid).expect("indexed");
        rep.forced_status = forced;
        Ok(rep)
    }

    /// Freezes (or resumes) a replication's LastReplicatedTimestamp;
    /// returns the replication changed.
    pub fn stall(&mut self, fs_id: &str, stalled: bool, now: f64) -> Result<&Replication, String> {
        let rid = self
            .rep_id_by_any_fs(fs_id)
            .ok_or_else(|| format!("no replication configuration includes file system {fs_id}"))?;
        let rep = self.replications.get_mut(&rid).expect("indexed");
        rep.stalled_at = if stalled {
            Some(rep.stalled_at.unwrap_or(now))
        } else {
            None
        };
        Ok(rep)
    }
}

fn role_account(arn: &str) -> Option<String> {
    arn.split(':').nth(4).map(str::to_string)
}

/// NextToken for DescribeReplicationConfigurations: an opaque-looking
/// encoding of the next replication's internal id.
fn encode_token(id: u64) -> String {
    format!("rc-{id:016x}")
}

fn decode_token(t: &str) -> Option<u64> {
    u64::from_str_radix(t.strip_prefix("rc-")?, 16).ok()
}
