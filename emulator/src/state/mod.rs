//! The emulated data: file systems and replication configurations of every
//! account and Region, with the semantics of the behavioural spec (one
//! replication per file system, one destination, no chaining, protection
//! rules, LOCAL_CONFIGURATION_ONLY, cross-account RoleArn, One Zone AZs).
//!
//! Time-dependent states (file system `creating` -> `available`, ENABLING ->
//! ENABLED, LastReplicatedTimestamp, DELETING -> gone) are computed from
//! stored instants against the clock when read, so there is no background
//! task and zero delays work. This module does no I/O and must never read
//! the wall clock itself: `now` is always passed in.
//!
//! Here: the records, the indexes, loading and saving, and the sweep of
//! finished deletions; the operations are in `file_systems.rs` (file
//! systems, protection, tags), `replication.rs` (replication
//! configurations, admin status controls) and `kms.rs` (KMS keys and
//! aliases, and the key ARN EFS records for a `KmsKeyId`).

use crate::auth::Caller;
use crate::validate;
use crate::variants::{ListingScope, OwnerIds};
use crate::wire::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

mod file_systems;
pub mod kms;
pub use kms::default_kms_key;
use kms::kms_arn;
mod replication;

/// `(account, region)`: what one caller can see.
pub type View = (String, String);

/// A resource tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value", default)]
    pub value: String,
}

/// A file system as stored (and as written in the state file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileSystem {
    pub id: String,
    pub region: String,
    pub account: String,
    pub creation_token: String,
    /// Epoch seconds; 0 in a seed file means "when loaded".
    pub creation_time: f64,
    /// `creating` before this instant, `available` from it on.
    pub available_at: f64,
    /// Seed-file convenience: becomes the `Name` tag on load.
    #[serde(skip_serializing)]
    pub name: Option<String>,
    pub performance_mode: String,
    pub throughput_mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioned_throughput_in_mibps: Option<f64>,
    pub encrypted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone_name: Option<String>,
    /// ReplicationOverwriteProtection: ENABLED, DISABLED or REPLICATING.
    pub protection: String,
    pub tags: Vec<Tag>,
    pub size_in_bytes: u64,
    /// Set by DeleteFileSystem: `deleting` until this instant, then gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<f64>,
}

impl Default for FileSystem {
    fn default() -> Self {
        FileSystem {
            id: String::new(),
            region: String::new(),
            account: String::new(),
            creation_token: String::new(),
            creation_time: 0.0,
            available_at: 0.0,
            name: None,
            performance_mode: "generalPurpose".into(),
            throughput_mode: "bursting".into(),
            provisioned_throughput_in_mibps: None,
            encrypted: false,
            kms_key_id: None,
            availability_zone_name: None,
            protection: "ENABLED".into(),
            tags: Vec::new(),
            size_in_bytes: 6144,
            deleted_at: None,
        }
    }
}

impl FileSystem {
    pub fn arn(&self) -> String {
        fs_arn(&self.region, &self.account, &self.id)
    }

    fn view(&self) -> View {
        (self.account.clone(), self.region.clone())
    }

    fn available(&self, now: f64) -> bool {
        now >= self.available_at && self.deleted_at.is_none()
    }

    fn life_cycle_state(&self, now: f64) -> &'static str {
        if self.deleted_at.is_some() {
            "deleting"
        } else if self.available(now) {
            "available"
        } else {
            "creating"
        }
    }

    fn describe(&self, now: f64) -> Value {
        let mut m = Map::new();
        m.insert("OwnerId".into(), json!(self.account));
        m.insert("CreationToken".into(), json!(self.creation_token));
        m.insert("FileSystemId".into(), json!(self.id));
        m.insert("FileSystemArn".into(), json!(self.arn()));
        m.insert("CreationTime".into(), json!(self.creation_time));
        m.insert("LifeCycleState".into(), json!(self.life_cycle_state(now)));
        if let Some(t) = self.tags.iter().find(|t| t.key == "Name") {
            m.insert("Name".into(), json!(t.value));
        }
        m.insert("NumberOfMountTargets".into(), json!(0));
        m.insert(
            "SizeInBytes".into(),
            json!({"Value": self.size_in_bytes, "Timestamp": now.floor(),
                   "ValueInIA": 0, "ValueInStandard": self.size_in_bytes, "ValueInArchive": 0}),
        );
        m.insert("PerformanceMode".into(), json!(self.performance_mode));
        m.insert("Encrypted".into(), json!(self.encrypted));
        if let Some(k) = &self.kms_key_id {
            m.insert("KmsKeyId".into(), json!(k));
        }
        m.insert("ThroughputMode".into(), json!(self.throughput_mode));
        if let Some(p) = self.provisioned_throughput_in_mibps {
            m.insert("ProvisionedThroughputInMibps".into(), json!(p));
        }
        if let Some(az) = &self.availability_zone_name {
            m.insert("AvailabilityZoneName".into(), json!(az));
            if let Some((_, az_id)) = validate::availability_zone(az) {
                m.insert("AvailabilityZoneId".into(), json!(az_id));
            }
        }
        m.insert("Tags".into(), json!(self.tags));
        m.insert(
            "FileSystemProtection".into(),
            json!({"ReplicationOverwriteProtection": self.protection}),
        );
        Value::Object(m)
    }
}

/// A status forced through the admin API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForcedStatus {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A replication configuration as stored. Each side (source, destination)
/// is live until its `*_gone_at` instant passes; while that instant is set
/// and in the future the side reads DELETING.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Replication {
    pub id: u64,
    pub source_file_system_id: String,
    pub source_region: String,
    pub source_account: String,
    pub destination_file_system_id: String,
    pub destination_region: String,
    pub destination_account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    pub creation_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_source_file_system_arn: Option<String>,
    /// ENABLING before this instant, ENABLED from it on.
    pub enabled_at: f64,
    /// The first LastReplicatedTimestamp; none before it.
    pub first_sync_at: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_gone_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_gone_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forced_status: Option<ForcedStatus>,
    /// LastReplicatedTimestamp stops advancing at this instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stalled_at: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Source,
    Destination,
}

impl Replication {
    fn view(&self, side: Side) -> View {
        match side {
            Side::Source => (self.source_account.clone(), self.source_region.clone()),
            Side::Destination => (
                self.destination_account.clone(),
                self.destination_region.clone(),
            ),
        }
    }

    fn gone_at(&self, side: Side) -> Option<f64> {
        match side {
            Side::Source => self.source_gone_at,
            Side::Destination => self.destination_gone_at,
        }
    }

    fn live(&self, side: Side, now: f64) -> bool {
        self.gone_at(side).is_none_or(|t| now < t)
    }

    /// The live side the view sees (source first when both are local).
    fn side_for(&self, view: &View, now: f64) -> Option<Side> {
        [Side::Source, Side::Destination]
            .into_iter()
            .find(|s| self.live(*s, now) && &self.view(*s) == view)
    }

    fn source_arn(&self) -> String {
        fs_arn(
            &self.source_region,
            &self.source_account,
            &self.source_file_system_id,
        )
    }

    fn same_view(&self) -> bool {
        self.view(Side::Source) == self.view(Side::Destination)
    }

    fn status(&self, side: Side, now: f64) -> (String, Option<String>) {
        let (mine, other, other_name) = match side {
            Side::Source => (self.source_gone_at, self.destination_gone_at, "destination"),
            Side::Destination => (self.destination_gone_at, self.source_gone_at, "source"),
        };
        if mine.is_some() {
            return ("DELETING".into(), None);
        }
        if other.is_some() {
            return (
                "ERROR".into(),
                Some(format!(
                    "The {other_name} side of this replication configuration was deleted with LOCAL_CONFIGURATION_ONLY; delete this side as well"
                )),
            );
        }
        if let Some(f) = &self.forced_status {
            return (f.status.clone(), f.message.clone());
        }
        if now < self.enabled_at {
            ("ENABLING".into(), None)
        } else {
            ("ENABLED".into(), None)
        }
    }

    fn last_replicated(&self, now: f64, interval: f64) -> Option<f64> {
        let t = self.stalled_at.map_or(now, |s| s.min(now));
        if t < self.first_sync_at {
            return None;
        }
        if interval <= 0.0 {
            return Some(t);
        }
        Some(self.first_sync_at + ((t - self.first_sync_at) / interval).floor() * interval)
    }

    /// Owner ids are left out of a same-account description under
    /// `--owner-ids cross-account-only`.
    fn describe(&self, side: Side, now: f64, t: &Timings) -> Value {
        let interval = t.sync_interval;
        let owners =
            t.owner_ids == OwnerIds::Always || self.source_account != self.destination_account;
        let (status, message) = self.status(side, now);
        let mut d = Map::new();
        d.insert("Status".into(), json!(status));
        d.insert(
            "FileSystemId".into(),
            json!(self.destination_file_system_id),
        );
        d.insert("Region".into(), json!(self.destination_region));
        if let Some(t) = self.last_replicated(now, interval) {
            d.insert("LastReplicatedTimestamp".into(), json!(t));
        }
        if owners {
            d.insert("OwnerId".into(), json!(self.destination_account));
        }
        if let Some(m) = message {
            d.insert("StatusMessage".into(), json!(m));
        }
        if let Some(r) = &self.role_arn {
            d.insert("RoleArn".into(), json!(r));
        }
        let source_arn = self.source_arn();
        let mut out = json!({
            "SourceFileSystemId": self.source_file_system_id,
            "SourceFileSystemRegion": self.source_region,
            "SourceFileSystemArn": source_arn,
            "OriginalSourceFileSystemArn": self.original_source_file_system_arn.clone().unwrap_or_else(|| source_arn.clone()),
            "CreationTime": self.creation_time,
            "Destinations": [Value::Object(d)],
        });
        if owners {
            out["SourceFileSystemOwnerId"] = json!(self.source_account);
        }
        out
    }
}

/// `arn:aws:elasticfilesystem:REGION:ACCOUNT:file-system/ID`.
pub fn fs_arn(region: &str, account: &str, id: &str) -> String {
    format!("arn:aws:elasticfilesystem:{region}:{account}:file-system/{id}")
}

/// A file-system reference from a request: a plain id, or an ARN that also
/// names the Region and account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsRef {
    pub id: String,
    pub region: Option<String>,
    pub account: Option<String>,
}

impl FsRef {
    /// Parses an id already checked against the FileSystemId pattern.
    pub fn parse(s: &str) -> FsRef {
        if let Some(rest) = s.strip_prefix("arn:") {
            // aws:elasticfilesystem:REGION:ACCOUNT:file-system/fs-...
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            if let [_, _, region, account, resource] = parts.as_slice() {
                let id = resource.rsplit('/').next().unwrap_or_default();
                return FsRef {
                    id: id.to_string(),
                    region: Some(region.to_string()),
                    account: Some(account.to_string()),
                };
            }
        }
        FsRef {
            id: s.to_string(),
            region: None,
            account: None,
        }
    }

    /// Whether this reference can denote a file system seen from `view`.
    fn matches_view(&self, view: &View) -> bool {
        self.region.as_deref().is_none_or(|r| r == view.1)
            && self.account.as_deref().is_none_or(|a| a == view.0)
    }
}

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

/// One element of CreateReplicationConfiguration's `Destinations`.
#[derive(Debug, Clone, Default)]
pub struct DestinationInput {
    pub region: Option<String>,
    pub availability_zone_name: Option<String>,
    pub kms_key_id: Option<String>,
    pub file_system_id: Option<String>,
    pub role_arn: Option<String>,
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

/// The state file's document.
#[derive(Debug, Default, Serialize, Deserialize)]
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
    pub fn new(timings: Timings) -> Store {
        Store {
            timings,
            next_rep_id: 1,
            ..Store::default()
        }
    }

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

/// Tags from a request replace existing ones with the same key.
fn merge_tags(mut existing: Vec<Tag>, new: Vec<Tag>) -> Vec<Tag> {
    for t in new {
        match existing.iter_mut().find(|e| e.key == t.key) {
            Some(e) => e.value = t.value,
            None => existing.push(t),
        }
    }
    existing
}

#[cfg(test)]
mod tests;
