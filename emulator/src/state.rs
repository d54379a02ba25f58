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

use crate::auth::Caller;
use crate::validate;
use crate::variants::{ListingScope, OwnerIds};
use crate::wire::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

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
}

/// The state file's document.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StateDocument {
    pub version: u32,
    pub clock_offset_seconds: f64,
    pub file_systems: Vec<FileSystem>,
    pub replications: Vec<Replication>,
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
        StateDocument {
            version: 1,
            clock_offset_seconds: self.clock_offset,
            file_systems,
            replications,
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

    // ---- file systems -------------------------------------------------

    pub fn create_file_system(
        &mut self,
        caller: &Caller,
        input: CreateFileSystemInput,
        now: f64,
    ) -> Result<Value, ApiError> {
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
                |k| kms_arn(k, &caller.region, &caller.account),
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
        let out = fs.describe(now);
        self.insert_fs(fs);
        Ok(out)
    }

    pub fn describe_file_systems(
        &self,
        caller: &Caller,
        file_system_id: Option<&str>,
        creation_token: Option<&str>,
        marker: Option<&str>,
        max_items: usize,
        now: f64,
    ) -> Result<Value, ApiError> {
        let view = (caller.account.clone(), caller.region.clone());
        let mut out = Map::new();
        if let Some(m) = marker {
            out.insert("Marker".into(), json!(m));
        }
        if let Some(id) = file_system_id {
            let fs = self.fs_or_not_found(id, &view)?;
            let matches = creation_token.is_none_or(|t| t == fs.creation_token);
            let list: Vec<Value> = if matches {
                vec![fs.describe(now)]
            } else {
                vec![]
            };
            out.insert("FileSystems".into(), Value::Array(list));
            return Ok(Value::Object(out));
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
        let mut page = Vec::new();
        let mut next = None;
        for id in ids.range(start..) {
            let fs = &self.file_systems[id];
            if creation_token.is_some_and(|t| t != fs.creation_token) {
                continue;
            }
            if page.len() == max_items {
                next = Some(id.clone());
                break;
            }
            page.push(fs.describe(now));
        }
        out.insert("FileSystems".into(), Value::Array(page));
        if let Some(n) = next {
            out.insert("NextMarker".into(), json!(n));
        }
        Ok(Value::Object(out))
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

    pub fn update_protection(
        &mut self,
        caller: &Caller,
        raw_id: &str,
        protection: Option<&str>,
        now: f64,
    ) -> Result<Value, ApiError> {
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
        Ok(json!({"ReplicationOverwriteProtection": fs.protection}))
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

    pub fn list_tags(
        &mut self,
        caller: &Caller,
        raw_id: &str,
        next_token: Option<&str>,
        max: usize,
    ) -> Result<Value, ApiError> {
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
        let mut out = json!({"Tags": fs.tags[start..end]});
        if end < fs.tags.len() {
            out["NextToken"] = json!(end.to_string());
        }
        Ok(out)
    }

    // ---- replication --------------------------------------------------

    pub fn create_replication(
        &mut self,
        caller: &Caller,
        raw_source: &str,
        dest: DestinationInput,
        now: f64,
    ) -> Result<Value, ApiError> {
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
                        |k| kms_arn(k, &dest_region, &source.account),
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
        let out = rep.describe(Side::Source, now, &self.timings);
        self.insert_rep(rep, now);
        Ok(out)
    }

    /// The replication a local file system is in, with the side the view sees.
    fn rep_of_fs(&self, fs_id: &str, view: &View, now: f64) -> Option<(&Replication, Side)> {
        let rep = self.replications.get(self.by_fs.get(fs_id)?)?;
        let side = rep.side_for(view, now)?;
        Some((rep, side))
    }

    pub fn describe_replications(
        &self,
        caller: &Caller,
        file_system_id: Option<&str>,
        next_token: Option<&str>,
        max_results: usize,
        now: f64,
    ) -> Result<Value, ApiError> {
        let view = (caller.account.clone(), caller.region.clone());
        let t = &self.timings;
        if let Some(raw) = file_system_id {
            let fs = self.fs_or_not_found(raw, &view)?;
            return match self.rep_of_fs(&fs.id, &view, now) {
                Some((rep, side)) => Ok(json!({"Replications": [rep.describe(side, now, t)]})),
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
            page.push(rep.describe(side, now, t));
        }
        let mut out = json!({"Replications": page});
        if let Some(n) = next {
            out["NextToken"] = json!(encode_token(n));
        }
        Ok(out)
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

    /// Forces (or with `None` clears) a replication's status.
    pub fn force_status(
        &mut self,
        fs_id: &str,
        forced: Option<ForcedStatus>,
    ) -> Result<Value, String> {
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
        Ok(
            json!({"source_file_system_id": rep.source_file_system_id, "forced_status": rep.forced_status}),
        )
    }

    /// Freezes (or resumes) a replication's LastReplicatedTimestamp.
    pub fn stall(&mut self, fs_id: &str, stalled: bool, now: f64) -> Result<Value, String> {
        let rid = self
            .rep_id_by_any_fs(fs_id)
            .ok_or_else(|| format!("no replication configuration includes file system {fs_id}"))?;
        let rep = self.replications.get_mut(&rid).expect("indexed");
        rep.stalled_at = if stalled {
            Some(rep.stalled_at.unwrap_or(now))
        } else {
            None
        };
        Ok(
            json!({"source_file_system_id": rep.source_file_system_id, "stalled_at": rep.stalled_at}),
        )
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

/// The ARN of the account's `aws/elasticfilesystem` key in a Region
/// (a stable made-up key id per account and Region).
pub fn default_kms_key(region: &str, account: &str) -> String {
    made_up_key_arn(region, account, "")
}

/// A key ARN with a stable made-up UUID derived from the Region, account and
/// `salt` (an alias name, or empty for the default key).
fn made_up_key_arn(region: &str, account: &str, salt: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in region.bytes().chain(account.bytes()).chain(salt.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let hex = format!("{h:016x}{:016x}", h.rotate_left(17) ^ 0x5bd1_e995);
    format!(
        "arn:aws:kms:{region}:{account}:key/{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The key ARN EFS reports for a `KmsKeyId` as given: key ARNs are kept,
/// key ids are qualified with the Region and account, and aliases (`alias/NAME`
/// or an alias ARN) are resolved, as KMS does, to the key they name: here a
/// stable made-up key per account, Region and alias (`alias/aws/elasticfilesystem`
/// is the default key). EFS never reports an alias.
fn kms_arn(k: &str, region: &str, account: &str) -> String {
    let alias = |region: &str, account: &str, name: &str| {
        if name == "alias/aws/elasticfilesystem" {
            default_kms_key(region, account)
        } else {
            made_up_key_arn(region, account, name)
        }
    };
    if let Some(rest) = k.strip_prefix("arn:") {
        // arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        match parts.as_slice() {
            [_, "kms", r, a, res] if res.starts_with("alias/") => alias(r, a, res),
            _ => k.to_string(),
        }
    } else if k.starts_with("alias/") {
        alias(region, account, k)
    } else {
        format!("arn:aws:kms:{region}:{account}:key/{k}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(account: &str, region: &str) -> Caller {
        Caller {
            access_key: "AKID".into(),
            account: account.into(),
            region: region.into(),
        }
    }

    impl Store {
        /// Every index agrees with the records it indexes.
        fn check_invariants(&self, now: f64) {
            let indexed: usize = self.fs_views.values().map(BTreeSet::len).sum();
            assert_eq!(indexed, self.file_systems.len());
            for (view, ids) in &self.fs_views {
                for id in ids {
                    assert_eq!(&self.file_systems[id].view(), view);
                }
            }
            for (fs, rid) in &self.by_fs {
                let rep = &self.replications[rid];
                let live_source = rep.source_file_system_id == *fs && rep.live(Side::Source, now);
                let live_dest =
                    rep.destination_file_system_id == *fs && rep.live(Side::Destination, now);
                assert!(live_source || live_dest, "{fs} indexed for a dead side");
            }
            for rep in self.replications.values() {
                assert!(rep.live(Side::Source, now) || rep.live(Side::Destination, now));
                for side in [Side::Source, Side::Destination] {
                    if rep.live(side, now) {
                        let fs = match side {
                            Side::Source => &rep.source_file_system_id,
                            Side::Destination => &rep.destination_file_system_id,
                        };
                        assert_eq!(self.by_fs.get(fs), Some(&rep.id));
                        assert!(self.rep_views[&rep.view(side)].contains(&rep.id));
                    }
                }
                if rep.live(Side::Destination, now) {
                    if let Some(fs) = self.file_systems.get(&rep.destination_file_system_id) {
                        assert_eq!(fs.protection, "REPLICATING");
                    }
                }
            }
        }
    }

    #[test]
    fn indexes_stay_consistent_under_random_operations() {
        let views = [
            ("111111111111", "us-east-1"),
            ("111111111111", "us-west-2"),
            ("222222222222", "us-east-1"),
        ];
        let mut store = Store::new(Timings {
            create: 0.0,
            enable: 1.0,
            delete: 3.0,
            initial_sync: 1.0,
            sync_interval: 1.0,
            ..Timings::default()
        });
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut now = 1_700_000_000.0;
        let mut ids: Vec<String> = Vec::new();
        let (mut created, mut deleted) = (0, 0);
        for step in 0..3000 {
            now += next(3) as f64;
            store.sweep(now);
            let (account, region) = views[next(views.len())];
            let c = caller(account, region);
            let pick = |ids: &Vec<String>, i: usize| ids.get(i).cloned().unwrap_or_default();
            match next(7) {
                0 | 1 => {
                    let input = CreateFileSystemInput {
                        creation_token: format!("t{step}"),
                        ..Default::default()
                    };
                    let v = store.create_file_system(&c, input, now).unwrap();
                    ids.push(v["FileSystemId"].as_str().unwrap().to_string());
                }
                2 => {
                    let src = pick(&ids, next(ids.len().max(1)));
                    let (dest_account, dest_region) = views[next(views.len())];
                    let dest = if next(2) == 0 {
                        DestinationInput {
                            region: Some(dest_region.into()),
                            ..Default::default()
                        }
                    } else {
                        let d = pick(&ids, next(ids.len().max(1)));
                        let _ = store.update_protection(
                            &caller(dest_account, dest_region),
                            &d,
                            Some("DISABLED"),
                            now,
                        );
                        DestinationInput {
                            region: Some(dest_region.into()),
                            file_system_id: Some(fs_arn(dest_region, dest_account, &d)),
                            role_arn: Some(format!("arn:aws:iam::{account}:role/r")),
                            ..Default::default()
                        }
                    };
                    if let Ok(v) = store.create_replication(&c, &src, dest, now) {
                        created += 1;
                        let d = v["Destinations"][0]["FileSystemId"].as_str().unwrap();
                        if !ids.iter().any(|i| i == d) {
                            ids.push(d.to_string());
                        }
                    }
                }
                3 => {
                    let mut reps: Vec<Replication> = store.replications.values().cloned().collect();
                    reps.sort_by_key(|r| r.id);
                    if let Some(r) = reps.get(next(reps.len().max(1))) {
                        let side = [Side::Source, Side::Destination][next(2)];
                        let (a, rg) = r.view(side);
                        let local = next(2) == 0;
                        if store
                            .delete_replication(
                                &caller(&a, &rg),
                                &r.source_file_system_id,
                                local,
                                now,
                            )
                            .is_ok()
                        {
                            deleted += 1;
                        }
                    }
                }
                4 => {
                    let id = pick(&ids, next(ids.len().max(1)));
                    if store.delete_file_system(&c, &id, now).is_ok() {
                        ids.retain(|i| i != &id);
                    }
                }
                5 => {
                    let id = pick(&ids, next(ids.len().max(1)));
                    let p = ["ENABLED", "DISABLED"][next(2)];
                    let _ = store.update_protection(&c, &id, Some(p), now);
                }
                _ => {
                    // Paging sees each visible configuration exactly once.
                    let mut seen = BTreeSet::new();
                    let mut token: Option<String> = None;
                    loop {
                        let page = store
                            .describe_replications(&c, None, token.as_deref(), 3, now)
                            .unwrap();
                        for r in page["Replications"].as_array().unwrap() {
                            let key = (
                                r["SourceFileSystemId"].as_str().unwrap().to_string(),
                                r["Destinations"][0]["FileSystemId"]
                                    .as_str()
                                    .unwrap()
                                    .to_string(),
                            );
                            assert!(seen.insert(key), "listed twice");
                        }
                        token = page["NextToken"].as_str().map(str::to_string);
                        if token.is_none() {
                            break;
                        }
                    }
                    let expected = store
                        .replications
                        .values()
                        .filter(|r| r.side_for(&(account.into(), region.into()), now).is_some())
                        .count();
                    assert_eq!(seen.len(), expected);
                }
            }
            store.check_invariants(now);
        }
        eprintln!("replications created {created}, deletions {deleted}");
        assert!(
            created > 50 && deleted > 20,
            "created {created}, deleted {deleted}"
        );
    }
}
