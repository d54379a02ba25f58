//! Seed and state documents: the state file's JSON (`StateDocument`), how a
//! possibly hand-written seed becomes a store (defaults filled in, every
//! entry checked, replications re-indexed, destination protection set to
//! REPLICATING) and how a store is written back.
//!
//! A bad entry is a [`LoadError`] naming the entry and what to fix, never a
//! panic. No I/O here: reading and writing the file is `persist.rs`.

use super::kms;
use super::records::{FileSystem, Replication, Side, Tag};
use super::{Store, Timings};
use crate::validate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The state file's document.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StateDocument {
    pub version: u32,
    pub clock_offset_seconds: f64,
    pub file_systems: Vec<FileSystem>,
    pub replications: Vec<Replication>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kms_keys: Vec<kms::KmsKey>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kms_aliases: Vec<kms::KmsAlias>,
}

/// A problem in a loaded state document.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// An entry is missing a field that has no default, or is invalid.
    #[error("{what}: {problem}")]
    Invalid { what: String, problem: String },
}

fn load_err(what: impl Into<String>, problem: impl Into<String>) -> LoadError {
    LoadError::Invalid {
        what: what.into(),
        problem: problem.into(),
    }
}

impl Store {
    /// Builds a store from a (possibly hand-written) document, filling
    /// omitted fields with defaults.
    pub fn from_document(
        doc: StateDocument,
        timings: Timings,
        default_account: &str,
        now: f64,
    ) -> Result<Store, LoadError> {
        let mut store = Store::new(timings);
        store.clock_offset = doc.clock_offset_seconds;
        store.kms = kms::Kms::from_document(doc.kms_keys, doc.kms_aliases, default_account, now)
            .map_err(|(what, problem)| load_err(what, problem))?;
        for (i, mut fs) in doc.file_systems.into_iter().enumerate() {
            let what = format!("file_systems[{i}] ({})", fs.id);
            if !fs.id.starts_with("fs-") || validate::file_system_id("id", &fs.id).is_err() {
                return Err(load_err(
                    what,
                    "\"id\" must be fs- followed by 8 to 40 lower-case hex digits",
                ));
            }
            if validate::region(&fs.region).is_err() {
                return Err(load_err(
                    what,
                    "\"region\" is required and must be a Region name such as us-east-1",
                ));
            }
            if fs.account.is_empty() {
                fs.account = default_account.to_string();
            }
            if fs.creation_token.is_empty() {
                fs.creation_token = fs.id.clone();
            }
            if fs.creation_time == 0.0 {
                fs.creation_time = now.floor();
            }
            if let Some(name) = fs.name.take() {
                if !fs.tags.iter().any(|t| t.key == "Name") {
                    fs.tags.push(Tag {
                        key: "Name".into(),
                        value: name,
                    });
                }
            }
            let checks = [
                (
                    "performance_mode",
                    &fs.performance_mode,
                    validate::PERFORMANCE_MODES,
                ),
                (
                    "throughput_mode",
                    &fs.throughput_mode,
                    validate::THROUGHPUT_MODES,
                ),
                ("protection", &fs.protection, validate::PROTECTIONS),
            ];
            for (field, value, allowed) in checks {
                if !allowed.contains(&value.as_str()) {
                    return Err(load_err(
                        what,
                        format!("\"{field}\" must be one of {}", allowed.join(", ")),
                    ));
                }
            }
            if let Some(az) = &fs.availability_zone_name {
                match validate::availability_zone(az) {
                    Some((r, _)) if r == fs.region => {}
                    _ => {
                        return Err(load_err(
                            what,
                            format!("availability zone '{az}' is not in {}", fs.region),
                        ))
                    }
                }
            }
            if store.file_systems.contains_key(&fs.id) {
                return Err(load_err(what, "duplicate file system id"));
            }
            store.insert_fs(fs);
        }
        let mut used_ids = BTreeSet::new();
        for (i, mut rep) in doc.replications.into_iter().enumerate() {
            let what = format!("replications[{i}] ({})", rep.source_file_system_id);
            for (field, id, region, account) in [
                (
                    "source",
                    &rep.source_file_system_id,
                    &mut rep.source_region,
                    &mut rep.source_account,
                ),
                (
                    "destination",
                    &rep.destination_file_system_id,
                    &mut rep.destination_region,
                    &mut rep.destination_account,
                ),
            ] {
                if id.is_empty() {
                    return Err(load_err(
                        what,
                        format!("\"{field}_file_system_id\" is required"),
                    ));
                }
                match store.file_systems.get(id.as_str()) {
                    Some(fs) => {
                        if region.is_empty() {
                            *region = fs.region.clone();
                        }
                        if account.is_empty() {
                            *account = fs.account.clone();
                        }
                    }
                    None if !region.is_empty() => {
                        if account.is_empty() {
                            *account = default_account.to_string();
                        }
                    }
                    None => {
                        return Err(load_err(
                            what,
                            format!(
                                "{field} file system {id} is not in file_systems; list it or give \"{field}_region\""
                            ),
                        ))
                    }
                }
            }
            if rep.id == 0 || used_ids.contains(&rep.id) {
                rep.id = used_ids.last().copied().unwrap_or(0).max(store.next_rep_id) + 1;
            }
            used_ids.insert(rep.id);
            store.next_rep_id = store.next_rep_id.max(rep.id + 1);
            if rep.creation_time == 0.0 {
                rep.creation_time = now.floor();
            }
            if let Some(f) = &rep.forced_status {
                if !validate::REPLICATION_STATUSES.contains(&f.status.as_str()) {
                    return Err(load_err(
                        what,
                        "forced_status.status is not a ReplicationStatus",
                    ));
                }
            }
            for side in [Side::Source, Side::Destination] {
                let fs_id = match side {
                    Side::Source => &rep.source_file_system_id,
                    Side::Destination => &rep.destination_file_system_id,
                };
                if rep.live(side, now) {
                    if let Some(other) = store.by_fs.get(fs_id) {
                        return Err(load_err(
                            what,
                            format!("file system {fs_id} is already in replication {other}"),
                        ));
                    }
                }
            }
            if rep.live(Side::Destination, now) {
                if let Some(fs) = store.file_systems.get_mut(&rep.destination_file_system_id) {
                    fs.protection = "REPLICATING".into();
                }
            }
            store.insert_rep(rep, now);
        }
        store.sweep(now);
        Ok(store)
    }

    /// The document written to the state file.
    pub fn to_document(&self) -> StateDocument {
        let mut file_systems: Vec<FileSystem> = self.file_systems.values().cloned().collect();
        file_systems.sort_by(|a, b| a.id.cmp(&b.id));
        let mut replications: Vec<Replication> = self.replications.values().cloned().collect();
        replications.sort_by_key(|r| r.id);
        let (kms_keys, kms_aliases) = self.kms.to_document();
        StateDocument {
            version: 1,
            clock_offset_seconds: self.clock_offset,
            file_systems,
            replications,
            kms_keys,
            kms_aliases,
        }
    }
}
