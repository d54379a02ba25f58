//! The values the planner produces: a [`Plan`] made of per-address
//! [`Change`]s, a graph of API [`Step`]s, the unmanaged replications found in
//! scope, and the fingerprint of the observed state. Plain data with serde
//! derives so a saved plan can be written and read back; nothing here does
//! I/O or knows how a plan is displayed.

use serde::{Deserialize, Serialize};

use super::ChangeAddress;

use crate::model::{
    AvailabilityZone, FileSystemId, FileSystemRef, KmsKeyRef, Protection, Region,
    ReplicationStatus, RoleArn,
};

/// What a plan does to one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Action {
    /// The replication does not exist and will be created.
    #[serde(rename = "create")]
    Create,
    /// The replication exists with a different destination: delete, then create.
    #[serde(rename = "replace")]
    Replace,
    /// The replication exists and will be deleted.
    #[serde(rename = "delete")]
    Delete,
    /// The replication exists as declared.
    #[serde(rename = "no-op")]
    NoOp,
}

impl Action {
    /// The spelling used in JSON output and saved plans.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::NoOp => "no-op",
        }
    }
}

/// The attributes of a replication shown as `before` / `after` of a change.
///
/// In `after`, `destination_file_system_id` is `None` when the destination is
/// a new file system whose id is known only after apply, and
/// `destination_kms_key_id` is `None` when the account's default EFS key is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attributes {
    /// Source file system id.
    pub source_file_system_id: FileSystemId,
    /// Source Region.
    pub source_region: Region,
    /// Destination Region.
    pub destination_region: Region,
    /// Destination file system (id, or ARN for cross-account).
    pub destination_file_system_id: Option<FileSystemRef>,
    /// One Zone destination AZ; `None` for a Regional destination.
    pub destination_availability_zone: Option<AvailabilityZone>,
    /// KMS key of the destination (as reported: a key ARN; as declared: any form).
    pub destination_kms_key_id: Option<String>,
    /// IAM role for cross-account replication.
    pub role_arn: Option<String>,
    /// Replication status as observed (`before` only).
    pub status: Option<ReplicationStatus>,
}

/// Identifier of a step, unique within a plan. Steps are numbered from 1 in
/// the order they are listed; a step only depends on steps with ids it names.
pub type StepId = u32;

/// One API operation (or wait) of the plan, with the steps it must follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Unique id within the plan.
    pub id: StepId,
    /// What to do.
    #[serde(flatten)]
    pub kind: StepKind,
    /// Steps that must have completed before this one starts.
    pub depends_on: Vec<StepId>,
    /// What the target of a destructive step (a delete or a protection
    /// change) must still be right before the call: apply re-reads it and
    /// refuses the step ("changed since plan") when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
}

/// The state a destructive step was planned against, checked again right
/// before the call (compare-and-swap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "of")]
pub enum Expect {
    /// The replication to delete, as observed.
    #[serde(rename = "replication")]
    Replication {
        /// Its destination file system.
        destination_file_system_id: FileSystemId,
        /// Its destination Region.
        destination_region: Region,
        /// Its creation time (RFC 3339, milliseconds), which tells a
        /// replication recreated since the plan from the one observed.
        creation_time: String,
        /// The existing file systems that the creates waiting for this
        /// delete replicate into, as observed: the delete is refused unless
        /// each still reads so, so that a replication is not taken away for
        /// a create that can no longer succeed.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        creates_into: Vec<ExpectDestination>,
    },
    /// The file system whose protection changes: the value it must have
    /// right before the call (after the deletions the step waits for).
    #[serde(rename = "file-system")]
    FileSystem {
        /// `ENABLED` in plans made by this version.
        replication_overwrite_protection: Protection,
    },
}

/// An existing destination file system as the plan observed it, re-read
/// before a delete that a create into it waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectDestination {
    /// The file system.
    pub file_system_id: FileSystemId,
    /// Its Region.
    pub region: Region,
    /// Its overwrite protection as observed (`ENABLED` or `DISABLED`;
    /// `REPLICATING` only when it is in the replication being deleted).
    pub replication_overwrite_protection: Protection,
    /// Whether it is encrypted, as observed.
    pub encrypted: bool,
}

/// The operations a plan is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum StepKind {
    /// `DeleteReplicationConfiguration` of the replication whose source is given.
    #[serde(rename = "delete")]
    Delete {
        /// Source file system of the replication.
        source_file_system_id: FileSystemId,
        /// Region the call is made in: the source Region, or the destination
        /// Region for an orphaned destination side.
        region: Region,
        /// Present when the call removes an orphaned destination side: it is
        /// made in the destination Region with `DeletionMode =
        /// LOCAL_CONFIGURATION_ONLY`; the step's `expect` holds what the
        /// plan observed of it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        orphan: Option<OrphanSide>,
    },
    /// Poll until the replication of this source is gone (from its source
    /// Region, and from `destination` when given).
    #[serde(rename = "wait-deleted")]
    WaitDeleted {
        /// Source file system of the replication.
        source_file_system_id: FileSystemId,
        /// Region of the source.
        region: Region,
        /// Also wait until the destination side is gone, described by this
        /// file system's id in its Region: set when a later step of the plan
        /// uses that file system (a failback makes it a source, a
        /// replacement keeps it as the destination). EFS may keep the
        /// destination side, its file system still in the replication, after
        /// the source side is gone.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        destination: Option<Side>,
    },
    /// `UpdateFileSystemProtection` of an existing destination to `DISABLED`.
    #[serde(rename = "update-protection")]
    UpdateProtection {
        /// The file system whose protection changes.
        file_system_id: FileSystemId,
        /// Its Region.
        region: Region,
        /// The new value (always `DISABLED` in plans made by this version).
        replication_overwrite_protection: Protection,
    },
    /// `CreateReplicationConfiguration`.
    #[serde(rename = "create")]
    Create {
        /// Source file system.
        source_file_system_id: FileSystemId,
        /// Region of the source (the call is made there).
        region: Region,
        /// The destination to create.
        destination: DestinationSpec,
    },
    /// Compensation: `UpdateFileSystemProtection` of a destination back to
    /// `ENABLED` after the step it depends on lifted its protection, run
    /// only when the create `compensates` fails or is skipped (and reported
    /// as not needed when that create is done).
    #[serde(rename = "restore-protection")]
    RestoreProtection {
        /// The file system whose protection is restored.
        file_system_id: FileSystemId,
        /// Its Region.
        region: Region,
        /// The value restored (always `ENABLED`).
        replication_overwrite_protection: Protection,
        /// The create whose failure this step compensates.
        compensates: StepId,
    },
    /// Poll until the replication of this source reads `ENABLED`.
    #[serde(rename = "wait-enabled")]
    WaitEnabled {
        /// Source file system of the replication.
        source_file_system_id: FileSystemId,
        /// Region of the source.
        region: Region,
    },
}

/// One side of a replication: a file system in its Region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Side {
    /// The file system.
    pub file_system_id: FileSystemId,
    /// Its Region.
    pub region: Region,
}

impl StepKind {
    /// For a `wait-deleted` step, the file systems to describe by id, each
    /// in its Region, until none of them is in the replication of the
    /// step's source: the source, then the destination when the step says
    /// so. Empty for every other step.
    pub fn sides_to_wait_for(&self) -> Vec<Side> {
        match self {
            StepKind::WaitDeleted {
                source_file_system_id,
                region,
                destination,
            } => std::iter::once(Side {
                file_system_id: source_file_system_id.clone(),
                region: region.clone(),
            })
            .chain(destination.clone())
            .collect(),
            _ => Vec::new(),
        }
    }

    /// The `kind` spelling of this step.
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::Delete { .. } => "delete",
            StepKind::WaitDeleted { .. } => "wait-deleted",
            StepKind::UpdateProtection { .. } => "update-protection",
            StepKind::Create { .. } => "create",
            StepKind::WaitEnabled { .. } => "wait-enabled",
            StepKind::RestoreProtection { .. } => "restore-protection",
        }
    }

    /// The existing file system whose data a create overwrites (as the API
    /// names it: id or ARN) and its Region; `None` for other steps and for
    /// a create of a new file system.
    pub fn overwrites(&self) -> Option<(&FileSystemRef, &Region)> {
        match self {
            StepKind::Create { destination, .. } => destination
                .file_system_id
                .as_ref()
                .map(|f| (f, &destination.region)),
            _ => None,
        }
    }
}

/// Marks the delete of an orphaned destination side. What the plan observed
/// of it (its destination file system and creation time) is the step's
/// `expect`; its status is the change's `before`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrphanSide {
    /// The Region of its source, whose side is gone.
    pub source_region: Region,
}

/// The `Destinations[0]` of a `CreateReplicationConfiguration` call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationSpec {
    /// Destination Region.
    pub region: Region,
    /// One Zone AZ.
    pub availability_zone_name: Option<AvailabilityZone>,
    /// KMS key for a new destination.
    pub kms_key_id: Option<KmsKeyRef>,
    /// Existing destination file system (id, or ARN for cross-account).
    pub file_system_id: Option<FileSystemRef>,
    /// Role for cross-account replication.
    pub role_arn: Option<RoleArn>,
}

/// What the plan does at one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// `replication.NAME[...]` for declared replications, `removed.fs-...`
    /// for `removed` blocks, `unmanaged.fs-...` for replications deleted by `prune`.
    pub address: ChangeAddress,
    /// The action.
    pub action: Action,
    /// Why, in one sentence.
    pub reason: String,
    /// Things the planner could not check (e.g. a KMS alias against a key ARN).
    pub notes: Vec<String>,
    /// The replication as observed, if it exists.
    pub before: Option<Attributes>,
    /// The replication as it will be, unless deleted.
    pub after: Option<Attributes>,
    /// The ids of the steps that carry out this change, in order.
    pub steps: Vec<StepId>,
}

/// A replication found in scope that no block declares or removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmanaged {
    /// Source file system id.
    pub source_file_system_id: FileSystemId,
    /// Source Region.
    pub source_region: Region,
    /// Destination file system id.
    pub destination_file_system_id: FileSystemId,
    /// Destination Region.
    pub destination_region: Region,
    /// Replication status, or that only its destination side is left.
    pub status: UnmanagedStatus,
    /// Why the plan leaves it alone when that is not simply "not declared"
    /// (another account's source, an orphan it cannot safely remove), and
    /// what to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The status shown for an unmanaged replication: as observed, or
/// orphaned (only its destination side is left). Written as text: the EFS
/// spelling, or [`UnmanagedStatus::ORPHANED`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum UnmanagedStatus {
    /// The replication's status.
    Replication(ReplicationStatus),
    /// A destination side whose source side is gone.
    Orphaned,
}

impl UnmanagedStatus {
    /// How an orphaned destination side is shown.
    pub const ORPHANED: &'static str = "ORPHANED (destination side only; its source side is gone)";

    /// The text shown and written.
    pub fn as_str(&self) -> &str {
        match self {
            UnmanagedStatus::Replication(s) => s.as_str(),
            UnmanagedStatus::Orphaned => Self::ORPHANED,
        }
    }
}

impl From<String> for UnmanagedStatus {
    fn from(s: String) -> Self {
        if s == Self::ORPHANED {
            UnmanagedStatus::Orphaned
        } else {
            UnmanagedStatus::Replication(ReplicationStatus::parse(&s))
        }
    }
}

impl Serialize for UnmanagedStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for UnmanagedStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts of changes by action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Replications to create.
    pub create: usize,
    /// Replications to replace.
    pub replace: usize,
    /// Replications to delete.
    pub delete: usize,
    /// Declared replications already as declared.
    pub no_op: usize,
    /// Existing file systems whose data a create overwrites (destructive:
    /// needs consent for the run, see docs/apply.md).
    pub overwrite: usize,
}

/// What was observed to make the plan: the Regions read and the file systems
/// the plan looked at. Re-reading this scope and recomputing the fingerprint
/// tells whether a saved plan is stale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Regions whose replications were listed.
    pub regions: Vec<Region>,
    /// File systems the plan depends on, as (Region, id).
    pub file_systems: Vec<(Region, FileSystemId)>,
}

/// The result of planning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// One entry per address, sorted by address; declared replications in
    /// sync appear with [`Action::NoOp`].
    pub changes: Vec<Change>,
    /// Every step of every change, ids ascending; a graph through `depends_on`.
    pub steps: Vec<Step>,
    /// Replications in scope left alone.
    pub unmanaged: Vec<Unmanaged>,
    /// What was observed.
    pub scope: Scope,
    /// `sha256:` digest of the observed state within [`Plan::scope`].
    pub fingerprint: String,
}

impl Plan {
    /// Counts of changes by action.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::Create => s.create += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.delete += 1,
                Action::NoOp => s.no_op += 1,
            }
        }
        s.overwrite = self.overwrites().len();
        s
    }

    /// The existing file systems whose data this plan overwrites, as
    /// (address, file system as the API names it, Region), in step order.
    pub fn overwrites(&self) -> Vec<(&str, &FileSystemRef, &Region)> {
        let mut out = Vec::new();
        for s in &self.steps {
            if let Some((fs, region)) = s.kind.overwrites() {
                let address = self
                    .changes
                    .iter()
                    .find(|c| c.steps.contains(&s.id))
                    .map(|c| c.address.as_str())
                    .unwrap_or("");
                out.push((address, fs, region));
            }
        }
        out
    }

    /// True when some change is not a no-op (applying it would change something).
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }

    /// The step with this id.
    pub fn step(&self, id: StepId) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}
