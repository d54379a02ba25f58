//! The observed state: what `discover` read from EFS (and KMS) in the
//! Regions in scope. [`Actual`] holds the replication configurations (and the
//! orphaned destination-side views), the file systems described and what
//! KMS said about each declared key; [`ReplicationStatus`] and
//! [`Protection`] are the EFS enums, written as EFS spells them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::{AccountId, AvailabilityZone, FileSystemId, KmsKeyRef, Region};

/// Replication status as EFS reports it; serialized as EFS spells it
/// (`ENABLED`), an unknown value as is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(from = "String")]
pub enum ReplicationStatus {
    /// Being created.
    Enabling,
    /// Healthy.
    Enabled,
    /// Being deleted.
    Deleting,
    /// Failed unrecoverably.
    Error,
    /// Paused (Region opted out).
    Paused,
    /// On its way to Paused.
    Pausing,
    /// A value this build does not know.
    Other(String),
}

impl ReplicationStatus {
    /// The status EFS spells `s` (any other value is kept as
    /// [`ReplicationStatus::Other`]).
    pub fn parse(s: &str) -> Self {
        match s {
            "ENABLING" => ReplicationStatus::Enabling,
            "ENABLED" => ReplicationStatus::Enabled,
            "DELETING" => ReplicationStatus::Deleting,
            "ERROR" => ReplicationStatus::Error,
            "PAUSED" => ReplicationStatus::Paused,
            "PAUSING" => ReplicationStatus::Pausing,
            other => ReplicationStatus::Other(other.to_owned()),
        }
    }

    /// The spelling EFS uses for the status.
    pub fn as_str(&self) -> &str {
        match self {
            ReplicationStatus::Enabling => "ENABLING",
            ReplicationStatus::Enabled => "ENABLED",
            ReplicationStatus::Deleting => "DELETING",
            ReplicationStatus::Error => "ERROR",
            ReplicationStatus::Paused => "PAUSED",
            ReplicationStatus::Pausing => "PAUSING",
            ReplicationStatus::Other(o) => o,
        }
    }
}

/// `ReplicationOverwriteProtection` of a file system; serialized as EFS
/// spells it (`ENABLED`), an unknown value as is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(from = "String")]
pub enum Protection {
    /// Default: cannot be a destination.
    Enabled,
    /// May be used as a destination.
    Disabled,
    /// Currently a destination.
    Replicating,
    /// A value this build does not know.
    Other(String),
}

impl Protection {
    /// The value EFS spells `s` (any other value is kept as
    /// [`Protection::Other`]).
    pub fn parse(s: &str) -> Self {
        match s {
            "ENABLED" => Protection::Enabled,
            "DISABLED" => Protection::Disabled,
            "REPLICATING" => Protection::Replicating,
            other => Protection::Other(other.to_owned()),
        }
    }

    /// The spelling EFS uses for the value.
    pub fn as_str(&self) -> &str {
        match self {
            Protection::Enabled => "ENABLED",
            Protection::Disabled => "DISABLED",
            Protection::Replicating => "REPLICATING",
            Protection::Other(o) => o,
        }
    }
}

/// Both enums are written as EFS spells them and read back the same way.
macro_rules! efs_spelled {
    ($name:ident) => {
        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name::parse(&s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
efs_spelled!(ReplicationStatus);
efs_spelled!(Protection);

/// The observed state of every Region in scope.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actual {
    /// The Regions that were read; a replication outside them is not known.
    pub regions: BTreeSet<Region>,
    /// Every replication configuration found, once each (keyed by source).
    /// When the source Region was read, this is the source side's view.
    pub replications: Vec<ActualReplication>,
    /// Destination-side views whose source side is gone: listed in the
    /// destination Region while the source Region (also read, same account)
    /// reports no replication of that source to that destination (left by a
    /// `LOCAL_CONFIGURATION_ONLY` deletion in the source Region). They never
    /// stand in for the live configuration of their source.
    pub orphans: Vec<ActualReplication>,
    /// Sources (Region, id) of replications known only from a
    /// destination-side view whose source side was not looked for: the
    /// source's account did not list the source Region (no `account` block
    /// for it, or its Region not read). Such a view stands as the
    /// replication, but whether it is live or an orphan is not known.
    pub unchecked_sources: BTreeSet<(Region, FileSystemId)>,
    /// File systems that were described, by Region and id.
    pub file_systems: BTreeMap<(Region, FileSystemId), FileSystemInfo>,
    /// File systems whose replication was described by id because they were
    /// `REPLICATING` with no replication into them in any listing.
    pub probed: BTreeSet<(Region, FileSystemId)>,
    /// What KMS said about each declared `kms_key_id` (DescribeKey in the
    /// destination's Region), once per distinct reference. A reference
    /// without an entry was not resolved: the planner compares as written.
    pub kms_keys: Vec<ResolvedKey>,
}

impl Actual {
    /// What KMS said about `key`, if it was asked.
    pub fn kms_key(&self, key: &KeyReference) -> Option<&KeyResolution> {
        self.kms_keys
            .iter()
            .find(|r| {
                r.account == key.account && r.region == key.region && r.reference == key.reference
            })
            .map(|r| &r.resolution)
    }
}

/// A KMS key reference as it is resolved: in a Region, with the
/// credentials of an account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KeyReference {
    /// The `account` block whose credentials resolve it; `None`: the
    /// default credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountId>,
    /// The destination's Region.
    pub region: Region,
    /// The reference as declared.
    pub reference: KmsKeyRef,
}

/// One declared KMS key reference and what DescribeKey said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedKey {
    /// The `account` block whose credentials resolved it; `None`: the
    /// default credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountId>,
    /// Region it was resolved in (the destination's).
    pub region: Region,
    /// The reference as declared.
    pub reference: KmsKeyRef,
    /// The answer.
    pub resolution: KeyResolution,
}

/// What DescribeKey said about a key reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyResolution {
    /// The key ARN the reference names.
    Key(String),
    /// KMS says the alias or key does not exist (its message).
    NotFound(String),
    /// The credentials may not call `kms:DescribeKey` (KMS's message).
    AccessDenied(String),
    /// Another error (its message); the key could not be verified.
    Failed(String),
}

/// One replication configuration as `DescribeReplicationConfigurations` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActualReplication {
    /// Source file system id.
    pub source: FileSystemId,
    /// Source Region.
    pub source_region: Region,
    /// Source ARN.
    pub source_arn: String,
    /// Source owner: as reported, else the account of the source ARN (EFS
    /// may leave owner ids out of same-account descriptions).
    pub source_owner: Option<AccountId>,
    /// When the configuration was created.
    pub creation_time: SystemTime,
    /// The single destination.
    pub destination: ActualDestination,
}

/// The destination of an observed replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActualDestination {
    /// Replication status.
    pub status: ReplicationStatus,
    /// Destination file system id.
    pub file_system_id: FileSystemId,
    /// Destination Region.
    pub region: Region,
    /// Every source change before this instant is on the destination.
    pub last_replicated: Option<SystemTime>,
    /// Destination owner: as reported, else the source owner (a missing
    /// owner id means the same account).
    pub owner: Option<AccountId>,
    /// Details for PAUSED/ERROR.
    pub status_message: Option<String>,
    /// Role used for cross-account replication.
    pub role_arn: Option<String>,
}

/// A file system as `DescribeFileSystems` reports it (the parts the plan needs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSystemInfo {
    /// Id.
    pub id: FileSystemId,
    /// Region it was described in.
    pub region: Region,
    /// Owner account.
    pub owner: AccountId,
    /// `LifeCycleState`, lower-case (`available`, `creating`, ...).
    pub life_cycle_state: String,
    /// Whether it is encrypted.
    pub encrypted: bool,
    /// KMS key ARN, when encrypted.
    pub kms_key_id: Option<String>,
    /// One Zone AZ, when One Zone.
    pub availability_zone: Option<AvailabilityZone>,
    /// `generalPurpose` or `maxIO`.
    pub performance_mode: String,
    /// `bursting`, `provisioned` or `elastic`.
    pub throughput_mode: Option<String>,
    /// Overwrite protection.
    pub protection: Option<Protection>,
    /// Value of the Name tag.
    pub name: Option<String>,
}
