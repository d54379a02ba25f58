//! The stored records of the emulated EFS data (file systems, replication
//! configurations, tags), how each reads at an instant (lifecycle state,
//! replication status, LastReplicatedTimestamp), and the reads the store's
//! operations return for the wire layer to encode.
//!
//! Records are also the state file's entries (`seed.rs`), so their serde
//! shape is the state file format, not the EFS wire format: `wire/efs.rs`
//! builds the EFS response shapes from the reads here. Nothing here does
//! I/O or reads the clock; `now` is always passed in.

use super::{Timings, View};
use crate::validate;
use crate::variants::OwnerIds;
use serde::{Deserialize, Serialize};

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

    pub(super) fn view(&self) -> View {
        (self.account.clone(), self.region.clone())
    }

    pub(super) fn available(&self, now: f64) -> bool {
        now >= self.available_at && self.deleted_at.is_none()
    }

    /// `creating`, `available` or `deleting` at `now`.
    pub fn life_cycle_state(&self, now: f64) -> &'static str {
        if self.deleted_at.is_some() {
            "deleting"
        } else if self.available(now) {
            "available"
        } else {
            "creating"
        }
    }

    /// The `Name` tag's value, which EFS also reports as `Name`.
    pub fn name_tag(&self) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key == "Name")
            .map(|t| t.value.as_str())
    }

    /// The id of a One Zone file system's Availability Zone.
    pub fn availability_zone_id(&self) -> Option<String> {
        let az = self.availability_zone_name.as_deref()?;
        validate::availability_zone(az).map(|(_, id)| id)
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

/// One side of a replication configuration: each is seen from its own
/// account and Region, and can be deleted on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Source,
    Destination,
}

impl Replication {
    pub(super) fn view(&self, side: Side) -> View {
        match side {
            Side::Source => (self.source_account.clone(), self.source_region.clone()),
            Side::Destination => (
                self.destination_account.clone(),
                self.destination_region.clone(),
            ),
        }
    }

    pub(super) fn gone_at(&self, side: Side) -> Option<f64> {
        match side {
            Side::Source => self.source_gone_at,
            Side::Destination => self.destination_gone_at,
        }
    }

    pub(super) fn live(&self, side: Side, now: f64) -> bool {
        self.gone_at(side).is_none_or(|t| now < t)
    }

    /// The live side the view sees (source first when both are local).
    pub(super) fn side_for(&self, view: &View, now: f64) -> Option<Side> {
        [Side::Source, Side::Destination]
            .into_iter()
            .find(|s| self.live(*s, now) && &self.view(*s) == view)
    }

    /// The source file system's ARN.
    pub fn source_arn(&self) -> String {
        fs_arn(
            &self.source_region,
            &self.source_account,
            &self.source_file_system_id,
        )
    }

    /// The ARN of the file system this replication originally came from
    /// (the source itself unless the seed says otherwise).
    pub fn original_source_arn(&self) -> String {
        self.original_source_file_system_arn
            .clone()
            .unwrap_or_else(|| self.source_arn())
    }

    pub(super) fn same_view(&self) -> bool {
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

    /// How the side `side` reads at `now`. Owner ids are left out of a
    /// same-account description under `--owner-ids cross-account-only`.
    pub(super) fn read(&self, side: Side, now: f64, t: &Timings) -> ReplicationRead<'_> {
        let (status, status_message) = self.status(side, now);
        ReplicationRead {
            record: self,
            status,
            status_message,
            last_replicated_timestamp: self.last_replicated(now, t.sync_interval),
            owner_ids: t.owner_ids == OwnerIds::Always
                || self.source_account != self.destination_account,
        }
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
    pub(super) fn matches_view(&self, view: &View) -> bool {
        self.region.as_deref().is_none_or(|r| r == view.1)
            && self.account.as_deref().is_none_or(|a| a == view.0)
    }
}

/// Tags from a request replace existing ones with the same key.
pub(super) fn merge_tags(mut existing: Vec<Tag>, new: Vec<Tag>) -> Vec<Tag> {
    for t in new {
        match existing.iter_mut().find(|e| e.key == t.key) {
            Some(e) => e.value = t.value,
            None => existing.push(t),
        }
    }
    existing
}

/// A file system as read at an instant.
#[derive(Debug, Clone, Copy)]
pub struct FileSystemRead<'a> {
    pub record: &'a FileSystem,
    /// `creating`, `available` or `deleting` at `at`.
    pub life_cycle_state: &'static str,
    /// The instant of the read; the size is metered then.
    pub at: f64,
}

impl FileSystem {
    /// How this file system reads at `now`.
    pub(super) fn read(&self, now: f64) -> FileSystemRead<'_> {
        FileSystemRead {
            record: self,
            life_cycle_state: self.life_cycle_state(now),
            at: now,
        }
    }
}

/// One side of a replication configuration as read at an instant.
#[derive(Debug, Clone)]
pub struct ReplicationRead<'a> {
    pub record: &'a Replication,
    /// The ReplicationStatus the side reads (forced, ENABLING, ENABLED,
    /// DELETING, or ERROR once the other side was deleted on its own).
    pub status: String,
    pub status_message: Option<String>,
    /// None before the initial sync; frozen while stalled.
    pub last_replicated_timestamp: Option<f64>,
    /// Whether the description carries the source and destination owner ids.
    pub owner_ids: bool,
}

/// One page of a listing and where the next one starts (the NextMarker or
/// NextToken to send back), if there is one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}
