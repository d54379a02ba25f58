//! The emulated data: file systems and replication configurations of every
//! account and Region, with the semantics of the behavioural spec (one
//! replication per file system, one destination, no chaining, protection
//! rules, LOCAL_CONFIGURATION_ONLY, cross-account RoleArn, One Zone AZs).
//!
//! Time-dependent states (file system `creating` -> `available`, ENABLING ->
//! ENABLED, LastReplicatedTimestamp, DELETING -> gone) are computed from
//! stored instants against the clock when read, so there is no background
//! task and zero delays work. This module does no I/O and must never read
//! the wall clock itself: `now` is always passed in. It never encodes a
//! response either: operations return records and reads (`records.rs`),
//! which the wire layer (`wire/efs.rs`, `wire/kms.rs`) turns into bodies.
//!
//! Here: the store, its indexes and the sweep of finished deletions. The
//! records are in `records.rs`; the operations in `file_systems.rs` (file
//! systems, protection, tags), `replication.rs` (replication
//! configurations, admin status controls) and `kms.rs` (KMS keys and
//! aliases, and the key ARN EFS records for a `KmsKeyId`); the state file
//! and seed documents in `seed.rs`.

use crate::variants::{ListingScope, OwnerIds};
use crate::wire::ApiError;
use std::collections::{BTreeSet, HashMap};

mod file_systems;
pub mod kms;
mod records;
mod replication;
mod seed;

pub use file_systems::CreateFileSystemInput;
pub use kms::default_kms_key;
pub use records::{
    fs_arn, FileSystem, FileSystemRead, ForcedStatus, FsRef, Page, Replication, ReplicationRead,
    Tag,
};
pub use replication::DestinationInput;
pub use seed::{LoadError, StateDocument};

use records::Side;

/// `(account, region)`: what one caller can see.
pub type View = (String, String);

/// Delays in seconds, and the behaviour variants, from the configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub create: f64,
    pub enable: f64,
    pub delete: f64,
    pub initial_sync: f64,
    pub sync_interval: f64,
    /// The destination side outlives the source side by this much.
    pub destination_delete_lag: f64,
    /// A deleted file system stays `deleting` this long.
    pub file_system_delete: f64,
    pub listing_scope: ListingScope,
    pub owner_ids: OwnerIds,
}

/// All emulated data plus the indexes that keep reads fast.
#[derive(Debug, Default)]
pub struct Store {
    pub timings: Timings,
    /// Seconds added to the wall clock (admin clock control; persisted).
    pub clock_offset: f64,
    /// Bumped on every change; used to order state-file writes.
    pub generation: u64,
    file_systems: HashMap<String, FileSystem>,
    fs_views: HashMap<View, BTreeSet<String>>,
    replications: HashMap<u64, Replication>,
    rep_views: HashMap<View, BTreeSet<u64>>,
    /// File system id -> the replication whose live side holds it.
    by_fs: HashMap<String, u64>,
    /// (source id, replication id) for DeleteReplicationConfiguration lookups.
    by_source: BTreeSet<(String, u64)>,
    /// Replications with a side whose deletion has not been swept yet.
    pending: BTreeSet<u64>,
    /// File systems `deleting`, not swept yet.
    fs_pending: BTreeSet<String>,
    next_rep_id: u64,
    /// KMS keys and aliases (`kms.rs`).
    pub kms: kms::Kms,
}

impl Store {
    pub fn new(timings: Timings) -> Store {
        Store {
            timings,
            next_rep_id: 1,
            ..Store::default()
        }
    }

    /// Removes everything (admin reset); the clock offset goes back to 0.
    pub fn reset(&mut self) {
        let timings = self.timings;
        let generation = self.generation + 1;
        *self = Store::new(timings);
        self.generation = generation;
    }

    pub fn counts(&self) -> (usize, usize) {
        (self.file_systems.len(), self.replications.len())
    }

    fn insert_fs(&mut self, fs: FileSystem) {
        if fs.deleted_at.is_some() {
            self.fs_pending.insert(fs.id.clone());
        }
        self.fs_views
            .entry(fs.view())
            .or_default()
            .insert(fs.id.clone());
        self.file_systems.insert(fs.id.clone(), fs);
    }

    fn insert_rep(&mut self, rep: Replication, now: f64) {
        for side in [Side::Source, Side::Destination] {
            if rep.live(side, now) {
                let fs = match side {
                    Side::Source => rep.source_file_system_id.clone(),
                    Side::Destination => rep.destination_file_system_id.clone(),
                };
                self.by_fs.insert(fs, rep.id);
                self.rep_views
                    .entry(rep.view(side))
                    .or_default()
                    .insert(rep.id);
            }
        }
        if rep.source_gone_at.is_some() || rep.destination_gone_at.is_some() {
            self.pending.insert(rep.id);
        }
        self.by_source
            .insert((rep.source_file_system_id.clone(), rep.id));
        self.replications.insert(rep.id, rep);
    }

    /// Applies deletions whose delay has passed: a gone destination side
    /// gets its protection back to ENABLED; a configuration with both sides
    /// gone disappears.
    pub fn sweep(&mut self, now: f64) {
        if !self.fs_pending.is_empty() {
            let due: Vec<String> = self
                .fs_pending
                .iter()
                .filter(|id| {
                    self.file_systems
                        .get(*id)
                        .and_then(|f| f.deleted_at)
                        .is_none_or(|t| now >= t)
                })
                .cloned()
                .collect();
            for id in due {
                self.fs_pending.remove(&id);
                if let Some(fs) = self.file_systems.remove(&id) {
                    if let Some(set) = self.fs_views.get_mut(&fs.view()) {
                        set.remove(&id);
                    }
                }
            }
        }
        if self.pending.is_empty() {
            return;
        }
        let ids: Vec<u64> = self.pending.iter().copied().collect();
        for id in ids {
            let Some(rep) = self.replications.get(&id).cloned() else {
                self.pending.remove(&id);
                continue;
            };
            let mut still_pending = false;
            for side in [Side::Source, Side::Destination] {
                match rep.gone_at(side) {
                    Some(t) if now >= t => self.retire_side(&rep, side, now),
                    Some(_) => still_pending = true,
                    None => {}
                }
            }
            if !rep.live(Side::Source, now) && !rep.live(Side::Destination, now) {
                self.replications.remove(&id);
                self.by_source
                    .remove(&(rep.source_file_system_id.clone(), id));
                self.pending.remove(&id);
            } else if !still_pending {
                self.pending.remove(&id);
            }
        }
    }

    fn retire_side(&mut self, rep: &Replication, side: Side, now: f64) {
        let fs_id = match side {
            Side::Source => &rep.source_file_system_id,
            Side::Destination => &rep.destination_file_system_id,
        };
        if self.by_fs.get(fs_id) == Some(&rep.id) {
            self.by_fs.remove(fs_id);
            if side == Side::Destination {
                if let Some(fs) = self.file_systems.get_mut(fs_id) {
                    fs.protection = "ENABLED".into();
                }
            }
        }
        let other = match side {
            Side::Source => Side::Destination,
            Side::Destination => Side::Source,
        };
        let view = rep.view(side);
        if !(rep.live(other, now) && rep.view(other) == view) {
            if let Some(set) = self.rep_views.get_mut(&view) {
                set.remove(&rep.id);
            }
        }
    }

    /// The file system `r` denotes as seen from `view`, if any.
    fn find_fs(&self, r: &FsRef, view: &View) -> Option<&FileSystem> {
        if !r.matches_view(view) {
            return None;
        }
        self.file_systems
            .get(&r.id)
            .filter(|fs| fs.region == view.1 && fs.account == view.0)
    }

    fn fs_or_not_found(&self, raw: &str, view: &View) -> Result<&FileSystem, ApiError> {
        self.find_fs(&FsRef::parse(raw), view)
            .ok_or_else(|| ApiError::fs_not_found(&FsRef::parse(raw).id))
    }

    fn new_fs_id(&self) -> String {
        loop {
            let a: u64 = rand::random();
            let b: u8 = rand::random();
            let id = format!("fs-{a:016x}{:x}", b & 0xf);
            if !self.file_systems.contains_key(&id) {
                return id;
            }
        }
    }
}

#[cfg(test)]
mod tests;
