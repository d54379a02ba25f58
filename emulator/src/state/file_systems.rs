//! File systems and their tags in the store: CreateFileSystem,
//! DescribeFileSystems (paging by id), DeleteFileSystem (`deleting` for
//! `--file-system-delete-delay`), UpdateFileSystemProtection, and
//! TagResource / UntagResource / ListTagsForResource. No I/O and no clock:
//! `now` is passed in.

use super::kms::kms_arn;
use super::records::merge_tags;
use super::*;
use crate::auth::Caller;
use crate::validate;

/// The body of a CreateFileSystem request, already type-checked.
#[derive(Debug, Clone, Default)]
pub struct CreateFileSystemInput {
    pub creation_token: String,
    pub performance_mode: Option<String>,
    pub encrypted: Option<bool>,
    pub kms_key_id: Option<String>,
    pub throughput_mode: Option<String>,
    pub provisioned_throughput_in_mibps: Option<f64>,
    pub availability_zone_name: Option<String>,
    pub tags: Vec<Tag>,
}

impl Store {
    // ---- file systems -------------------------------------------------

    pub fn create_file_system(
        &mut self,
        caller: &Caller,
        input: CreateFileSystemInput,
        now: f64,
    ) -> Result<FileSystemRead<'_>, ApiError> {
        let view = (caller.account.clone(), caller.region.clone());
        if let Some(ids) = self.fs_views.get(&view) {
            if let Some(existing) = ids
                .iter()
                .filter_map(|id| self.file_systems.get(id))
                .find(|fs| fs.creation_token == input.creation_token)
            {
                return Err(ApiError::FileSystemAlreadyExists {
                    message: format!(
                        "File system '{}' already exists with creation token '{}'",
                        existing.id, input.creation_token
                    ),
                    file_system_id: existing.id.clone(),
                });
            }
        }
        let performance_mode = input
            .performance_mode
            .unwrap_or_else(|| "generalPurpose".into());
        let throughput_mode = input.throughput_mode.unwrap_or_else(|| "bursting".into());
        let encrypted = input.encrypted.unwrap_or(false);
        if input.kms_key_id.is_some() && !encrypted {
            return Err(ApiError::BadRequest(
                "KmsKeyId requires Encrypted to be true".into(),
            ));
        }
        match (
            throughput_mode.as_str(),
            input.provisioned_throughput_in_mibps,
        ) {
            ("provisioned", None) => {
                return Err(ApiError::BadRequest(
                    "ProvisionedThroughputInMibps is required when ThroughputMode is provisioned"
                        .into(),
                ))
            }
            ("provisioned", Some(_)) | (_, None) => {}
            (mode, Some(_)) => {
                return Err(ApiError::BadRequest(format!(
                    "ProvisionedThroughputInMibps can only be set when ThroughputMode is provisioned, not {mode}"
                )))
            }
        }
        if performance_mode == "maxIO" && throughput_mode == "elastic" {
            return Err(ApiError::BadRequest(
                "PerformanceMode maxIO is not supported with ThroughputMode elastic".into(),
            ));
        }
        if let Some(az) = &input.availability_zone_name {
            match validate::availability_zone(az) {
                Some((r, _)) if r == caller.region => {}
                _ => {
                    return Err(ApiError::UnsupportedAvailabilityZone(format!(
                        "Availability Zone '{az}' is not an Availability Zone of {}",
                        caller.region
                    )))
                }
            }
            if performance_mode == "maxIO" {
                return Err(ApiError::BadRequest(
                    "PerformanceMode maxIO is not supported for One Zone file systems".into(),
                ));
            }
        }
        let kms_key_id = encrypted.then(|| {
            input.kms_key_id.as_deref().map_or_else(
                || default_kms_key(&caller.region, &caller.account),
                |k| kms_arn(&self.kms, k, &caller.region, &caller.account),
            )
        });
        let fs = FileSystem {
            id: self.new_fs_id(),
            region: caller.region.clone(),
            account: caller.account.clone(),
            creation_token: input.creation_token,
            creation_time: now,
            available_at: now + self.timings.create,
            name: None,
            performance_mode,
            throughput_mode,
            provisioned_throughput_in_mibps: input.provisioned_throughput_in_mibps,
            encrypted,
            kms_key_id,
            availability_zone_name: input.availability_zone_name,
            protection: "ENABLED".into(),
            tags: merge_tags(Vec::new(), input.tags),
            size_in_bytes: 6144,
            deleted_at: None,
        };
        let id = fs.id.clone();
        self.insert_fs(fs);
        Ok(self.file_systems[&id].read(now))
    }

    /// DescribeFileSystems: one file system by id (an empty page when the
    /// creation token does not match), or the caller's file systems by id
    /// from `marker` on.
    pub fn describe_file_systems(
        &self,
        caller: &Caller,
        file_system_id: Option<&str>,
        creation_token: Option<&str>,
        marker: Option<&str>,
        max_items: usize,
        now: f64,
    ) -> Result<Page<FileSystemRead<'_>>, ApiError> {
        let view = (caller.account.clone(), caller.region.clone());
        if let Some(id) = file_system_id {
            let fs = self.fs_or_not_found(id, &view)?;
            let matches = creation_token.is_none_or(|t| t == fs.creation_token);
            return Ok(Page {
                items: if matches { vec![fs.read(now)] } else { vec![] },
                next: None,
            });
        }
        let empty = BTreeSet::new();
        let ids = self.fs_views.get(&view).unwrap_or(&empty);
        // A marker is the id to resume at; it need not still exist, so
        // paging stays stable while file systems are deleted.
        if let Some(m) = marker {
            if !m.starts_with("fs-") {
                return Err(ApiError::BadRequest(format!(
                    "Marker '{m}' is not a marker returned by DescribeFileSystems; start again without Marker"
                )));
            }
        }
        let start = marker.map(str::to_string).unwrap_or_default();
        let mut items = Vec::new();
        let mut next = None;
        for id in ids.range(start..) {
            let fs = &self.file_systems[id];
            if creation_token.is_some_and(|t| t != fs.creation_token) {
                continue;
            }
            if items.len() == max_items {
                next = Some(id.clone());
                break;
            }
            items.push(fs.read(now));
        }
        Ok(Page { items, next })
    }

    /// Deletes a file system: `deleting` for `--file-system-delete-delay`
    /// (deleting it again meanwhile is accepted), then gone.
    pub fn delete_file_system(
        &mut self,
        caller: &Caller,
        raw_id: &str,
        now: f64,
    ) -> Result<(), ApiError> {
        let view = (caller.account.clone(), caller.region.clone());
        let id = self.fs_or_not_found(raw_id, &view)?.id.clone();
        if self.by_fs.contains_key(&id) {
            return Err(ApiError::FileSystemInUse(format!(
                "You cannot delete file system '{id}' because it is in a replication configuration. Delete the replication configuration first."
            )));
        }
        let delay = self.timings.file_system_delete;
        let fs = self.file_systems.get_mut(&id).expect("found above");
        if fs.deleted_at.is_none() {
            fs.deleted_at = Some(now + delay);
        }
        self.fs_pending.insert(id);
        self.sweep(now);
        Ok(())
    }

    /// UpdateFileSystemProtection; returns the protection now in force.
    pub fn update_protection(
        &mut self,
        caller: &Caller,
        raw_id: &str,
        protection: Option<&str>,
        now: f64,
    ) -> Result<&str, ApiError> {
        let view = (caller.account.clone(), caller.region.clone());
        let fs = self.fs_or_not_found(raw_id, &view)?;
        let id = fs.id.clone();
        let is_destination = self.by_fs.get(&id).is_some_and(|rid| {
            self.replications
                .get(rid)
                .is_some_and(|r| r.destination_file_system_id == id)
        });
        if let Some(p) = protection {
            if is_destination && p != fs.protection {
                return Err(ApiError::ReplicationAlreadyExists(
                    "ReplicationOverwriteProtection cannot be changed while the file system is a replication destination.".into(),
                ));
            }
            if p == "REPLICATING" && fs.protection != "REPLICATING" {
                return Err(ApiError::BadRequest(
                    "ReplicationOverwriteProtection REPLICATING is set by EFS when the file system becomes a replication destination; set ENABLED or DISABLED".into(),
                ));
            }
            if !fs.available(now) {
                return Err(ApiError::IncorrectFileSystemLifeCycleState(format!(
                    "File system '{id}' is {}; wait until it is available",
                    fs.life_cycle_state(now)
                )));
            }
        }
        let fs = self.file_systems.get_mut(&id).expect("found above");
        if let Some(p) = protection {
            fs.protection = p.to_string();
        }
        Ok(&fs.protection)
    }

    // ---- tags ---------------------------------------------------------

    fn tagged_fs_mut(
        &mut self,
        caller: &Caller,
        raw_id: &str,
    ) -> Result<&mut FileSystem, ApiError> {
        if raw_id.starts_with("fsap-") || raw_id.contains(":access-point/") {
            return Err(ApiError::AccessPointNotFound(format!(
                "Access point '{raw_id}' does not exist."
            )));
        }
        let view = (caller.account.clone(), caller.region.clone());
        let id = self.fs_or_not_found(raw_id, &view)?.id.clone();
        Ok(self.file_systems.get_mut(&id).expect("found above"))
    }

    pub fn tag_resource(
        &mut self,
        caller: &Caller,
        raw_id: &str,
        tags: Vec<Tag>,
    ) -> Result<(), ApiError> {
        let fs = self.tagged_fs_mut(caller, raw_id)?;
        let merged = merge_tags(fs.tags.clone(), tags);
        if merged.len() > 50 {
            return Err(ApiError::BadRequest(format!(
                "A resource can have at most 50 tags; this request would give it {}",
                merged.len()
            )));
        }
        fs.tags = merged;
        Ok(())
    }

    pub fn untag_resource(
        &mut self,
        caller: &Caller,
        raw_id: &str,
        keys: &[&str],
    ) -> Result<(), ApiError> {
        let fs = self.tagged_fs_mut(caller, raw_id)?;
        fs.tags.retain(|t| !keys.contains(&t.key.as_str()));
        Ok(())
    }

    /// ListTagsForResource: `max` tags from the position `next_token` names.
    pub fn list_tags(
        &mut self,
        caller: &Caller,
        raw_id: &str,
        next_token: Option<&str>,
        max: usize,
    ) -> Result<Page<&Tag>, ApiError> {
        let fs = self.tagged_fs_mut(caller, raw_id)?;
        let start = match next_token {
            None => 0,
            Some(t) => t
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= fs.tags.len())
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "NextToken '{t}' was not returned by ListTagsForResource; start again without it"
                    ))
                })?,
        };
        let end = (start + max).min(fs.tags.len());
        Ok(Page {
            items: fs.tags[start..end].iter().collect(),
            next: (end < fs.tags.len()).then(|| end.to_string()),
        })
    }
}
