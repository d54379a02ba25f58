//! The machine-readable outputs described as Rust types with schemars
//! derives, from which docs/schemas/*.schema.json are generated: the plan
//! (`plan --json`, docs/plan-json.md), planning errors, the check report
//! (`check --json`, docs/drift-jobs.md), one line of the apply event
//! stream (`apply --json`, docs/apply.md), and configuration diagnostics
//! (`validate --json`, docs/config.md).
//!
//! These types are written from the documentation, separately from the
//! serializers in src/, and every struct denies unknown fields: a field
//! added to, renamed in or dropped from an output without updating this
//! description makes the emitted documents fail validation in `schemas.rs`.
//! The schemas are generated for the serialize contract: every field is
//! required (an absent value is written as null) except those marked
//! `skip_serializing_if`, which the output leaves out when empty.

#![allow(dead_code)]

use schemars::JsonSchema;
use serde::Deserialize;

/// `"1"`, the only format_version of these documents.
#[derive(Deserialize, JsonSchema)]
pub enum FormatVersion {
    /// Version 1.
    #[serde(rename = "1")]
    V1,
}

/// What a plan does to one address.
#[derive(Deserialize, JsonSchema)]
pub enum Action {
    /// Create the replication.
    #[serde(rename = "create")]
    Create,
    /// Delete, then create it.
    #[serde(rename = "replace")]
    Replace,
    /// Delete it.
    #[serde(rename = "delete")]
    Delete,
    /// Already as declared.
    #[serde(rename = "no-op")]
    NoOp,
}

/// `efs-replicator plan --json`: the plan.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "efs-replicator plan JSON")]
pub struct PlanDocument {
    /// Schema version.
    pub format_version: FormatVersion,
    /// One entry per address, sorted by address.
    pub changes: Vec<Change>,
    /// Replications in scope that no block declares or removes.
    pub unmanaged: Vec<Unmanaged>,
    /// Counts of changes by action.
    pub summary: Summary,
}

/// What the plan does at one address.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// `replication.NAME[...]`, `removed.fs-...`, `unmanaged.fs-...` or `orphan.fs-...`.
    pub address: String,
    /// The action.
    pub action: Action,
    /// Why, in one sentence; notes appended as `; note: ...`.
    pub reason: String,
    /// The replication as observed; null when it does not exist.
    pub before: Option<Attributes>,
    /// The replication as it will be; null for a delete.
    pub after: Option<Attributes>,
    /// The API steps of this change, in order.
    pub steps: Vec<Step>,
}

/// The attributes of a replication.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attributes {
    /// Source file system id.
    pub source_file_system_id: String,
    /// Source Region.
    pub source_region: String,
    /// Destination Region.
    pub destination_region: String,
    /// Destination file system id or ARN; null when known only after apply.
    pub destination_file_system_id: Option<String>,
    /// One Zone destination AZ; null for a Regional destination.
    pub destination_availability_zone: Option<String>,
    /// Destination KMS key; null for the default key of a new destination.
    pub destination_kms_key_id: Option<String>,
    /// IAM role for cross-account replication.
    pub role_arn: Option<String>,
    /// Observed status (`before` only).
    pub status: Option<String>,
}

/// One API step of the plan; `kind` says which.
#[derive(Deserialize, JsonSchema)]
#[serde(tag = "kind", deny_unknown_fields)]
pub enum Step {
    /// DeleteReplicationConfiguration.
    #[serde(rename = "delete")]
    Delete {
        /// Unique in the plan, from 1.
        id: u32,
        /// Steps that must complete first.
        depends_on: Vec<u32>,
        /// Source of the replication.
        source_file_system_id: String,
        /// Region of the call.
        region: String,
        /// Set when it removes an orphaned destination side (called in the
        /// destination Region with LOCAL_CONFIGURATION_ONLY).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        orphan: Option<OrphanSide>,
        /// What apply must find right before the call (compare-and-swap).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect: Option<Expect>,
    },
    /// Poll until the replication is gone.
    #[serde(rename = "wait-deleted")]
    WaitDeleted {
        /// Unique in the plan, from 1.
        id: u32,
        /// Steps that must complete first.
        depends_on: Vec<u32>,
        /// Source of the replication.
        source_file_system_id: String,
        /// Region of the source.
        region: String,
        /// Also wait until this file system is out of the replication.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        destination: Option<Side>,
    },
    /// UpdateFileSystemProtection of an existing destination.
    #[serde(rename = "update-protection")]
    UpdateProtection {
        /// Unique in the plan, from 1.
        id: u32,
        /// Steps that must complete first.
        depends_on: Vec<u32>,
        /// The file system.
        file_system_id: String,
        /// Its Region.
        region: String,
        /// Always `DISABLED`.
        replication_overwrite_protection: String,
        /// What apply must find right before the call (compare-and-swap).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect: Option<Expect>,
    },
    /// Compensation: protection set back to ENABLED, only when the create
    /// it compensates fails or is skipped.
    #[serde(rename = "restore-protection")]
    RestoreProtection {
        /// Unique in the plan, from 1.
        id: u32,
        /// Steps that must complete first.
        depends_on: Vec<u32>,
        /// The file system.
        file_system_id: String,
        /// Its Region.
        region: String,
        /// Always `ENABLED`.
        replication_overwrite_protection: String,
        /// The create step whose failure this compensates.
        compensates: u32,
    },
    /// CreateReplicationConfiguration.
    #[serde(rename = "create")]
    Create {
        /// Unique in the plan, from 1.
        id: u32,
        /// Steps that must complete first.
        depends_on: Vec<u32>,
        /// Source file system.
        source_file_system_id: String,
        /// Region of the source.
        region: String,
        /// The destination, as it will be sent.
        destination: Destination,
    },
    /// Poll until the replication is ENABLED.
    #[serde(rename = "wait-enabled")]
    WaitEnabled {
        /// Unique in the plan, from 1.
        id: u32,
        /// Steps that must complete first.
        depends_on: Vec<u32>,
        /// Source of the replication.
        source_file_system_id: String,
        /// Region of the source.
        region: String,
    },
}

/// A file system in its Region.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Side {
    /// The file system.
    pub file_system_id: String,
    /// Its Region.
    pub region: String,
}

/// Marks the delete of an orphaned destination side; what the plan observed
/// of it is the step's `expect` and the change's `before`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrphanSide {
    /// The Region of its source, whose side is gone.
    pub source_region: String,
}

/// The state a destructive step was planned against; `of` says which.
#[derive(Deserialize, JsonSchema)]
#[serde(tag = "of", deny_unknown_fields)]
pub enum Expect {
    /// The replication to delete, as observed.
    #[serde(rename = "replication")]
    Replication {
        /// Its destination file system.
        destination_file_system_id: String,
        /// Its destination Region.
        destination_region: String,
        /// Its creation time (RFC 3339, milliseconds).
        creation_time: String,
        /// The existing file systems that the creates waiting for this
        /// delete replicate into, as observed; apply refuses the delete
        /// unless each still reads so. Left out when there are none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        creates_into: Vec<ExpectDestination>,
    },
    /// The file system whose protection changes.
    #[serde(rename = "file-system")]
    FileSystem {
        /// The value it must have right before the call (`ENABLED`).
        replication_overwrite_protection: String,
    },
}

/// An existing destination file system as the plan observed it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectDestination {
    /// The file system.
    pub file_system_id: String,
    /// Its Region.
    pub region: String,
    /// Its overwrite protection as observed.
    pub replication_overwrite_protection: String,
    /// Whether it is encrypted, as observed.
    pub encrypted: bool,
}

/// The destination of a create step.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// Destination Region.
    pub region: String,
    /// One Zone AZ.
    pub availability_zone_name: Option<String>,
    /// KMS key of a new destination.
    pub kms_key_id: Option<String>,
    /// Existing destination file system (id or ARN).
    pub file_system_id: Option<String>,
    /// Role for cross-account replication.
    pub role_arn: Option<String>,
}

/// A replication in scope that no block declares.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unmanaged {
    /// Source file system id.
    pub source_file_system_id: String,
    /// Source Region.
    pub source_region: String,
    /// Destination file system id.
    pub destination_file_system_id: String,
    /// Destination Region.
    pub destination_region: String,
    /// Replication status.
    pub status: String,
}

/// Counts of changes by action.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Replications to create.
    pub create: u64,
    /// Replications to replace.
    pub replace: u64,
    /// Replications to delete.
    pub delete: u64,
    /// Replications already as declared.
    pub no_op: u64,
    /// Existing file systems whose data a create overwrites.
    pub overwrite: u64,
}

/// `plan --json` (and `check --json`, `apply --json`) when no plan could be made.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "efs-replicator planning errors JSON")]
pub struct PlanErrorsDocument {
    /// Schema version.
    pub format_version: FormatVersion,
    /// Every problem found.
    pub errors: Vec<PlanError>,
}

/// One planning error.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanError {
    /// The address it concerns, if any.
    pub address: Option<String>,
    /// A stable code, e.g. `unknown_target`.
    pub code: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// `efs-replicator check --json`: drift and health.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "efs-replicator check JSON")]
pub struct CheckDocument {
    /// Schema version.
    pub format_version: FormatVersion,
    /// RFC 3339 instant health was judged at.
    pub checked_at: String,
    /// True when nothing drifted and everything declared is healthy (exit 0).
    pub ok: bool,
    /// Counts.
    pub summary: CheckSummary,
    /// One entry per address, sorted.
    pub replications: Vec<CheckEntry>,
    /// Replications in scope that no block declares.
    pub unmanaged: Vec<Unmanaged>,
}

/// Counts of a check.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckSummary {
    /// Declared replications.
    pub declared: u64,
    /// Addresses that drifted.
    pub drifted: u64,
    /// Declared replications that are unhealthy.
    pub unhealthy: u64,
    /// Replications no block declares.
    pub unmanaged: u64,
}

/// One address of a check.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckEntry {
    /// The address.
    pub address: String,
    /// Source file system id.
    pub source_file_system_id: String,
    /// Source Region.
    pub source_region: String,
    /// The source's account id: observed, else declared; null when unknown.
    pub account: Option<String>,
    /// The name of its `account` block; absent when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// Destination file system: observed, else declared, else null.
    pub destination_file_system_id: Option<String>,
    /// Destination Region.
    pub destination_region: String,
    /// What the plan would do here.
    pub action: Action,
    /// True when the action is not a no-op.
    pub drift: bool,
    /// The plan's reason when drifted.
    pub drift_reason: Option<String>,
    /// Observed status; null when the replication does not exist.
    pub status: Option<String>,
    /// StatusMessage.
    pub status_message: Option<String>,
    /// RFC 3339 LastReplicatedTimestamp.
    pub last_replicated_timestamp: Option<String>,
    /// Seconds since the last replicated timestamp.
    pub lag_seconds: Option<u64>,
    /// The max_replication_lag that applies.
    pub max_replication_lag_seconds: Option<u64>,
    /// Null for addresses that are not declared.
    pub healthy: Option<bool>,
    /// Why it is unhealthy.
    pub problems: Vec<String>,
    /// What could not be verified.
    pub notes: Vec<String>,
}

/// The failed step of an address.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepError {
    /// The EFS operation or the wait step.
    pub operation: String,
    /// The Region it was called in.
    pub region: String,
    /// The AWS error code; null when EFS did not answer or for a wait.
    pub code: Option<String>,
    /// The message.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

/// How an address ended.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every step done.
    Done,
    /// A step failed.
    Failed,
    /// Not (completely) carried out.
    Skipped,
}

/// One address of the apply summary.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressReport {
    /// The address.
    pub address: String,
    /// What the plan did there.
    pub action: Action,
    /// How it ended.
    pub outcome: Outcome,
    /// The error of the failed step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
    /// Why it was skipped, or how it was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Seconds from its first step to its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_seconds: Option<f64>,
    /// What its compensation did (protection set back), or why it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation: Option<String>,
}

/// A file system left in no replication by the run.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoDr {
    /// The file system id.
    pub file_system_id: String,
    /// Its Region.
    pub region: String,
    /// The address whose create did not happen.
    pub address: String,
    /// Why it has no replication now.
    pub reason: String,
}

/// A file system the plan overwrites without the run's consent.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Overwritten {
    /// The address of the create.
    pub address: String,
    /// The file system (id or ARN).
    pub file_system_id: String,
    /// Its Region.
    pub region: String,
}

/// One line of `efs-replicator apply --json`; `type` says which event.
#[derive(Deserialize, JsonSchema)]
#[serde(tag = "type", deny_unknown_fields)]
#[schemars(title = "efs-replicator apply event (one JSON line)")]
pub enum ApplyEvent {
    /// The first step of the address started.
    #[serde(rename = "apply_start")]
    Start {
        /// RFC 3339.
        time: String,
        /// The address.
        address: String,
        /// Its action.
        action: Action,
    },
    /// The address is still running.
    #[serde(rename = "apply_progress")]
    Progress {
        /// RFC 3339.
        time: String,
        /// The address.
        address: String,
        /// Its action.
        action: Action,
        /// What it is doing now.
        phase: String,
        /// Since its start.
        elapsed_seconds: u64,
    },
    /// Every step of the address is done.
    #[serde(rename = "apply_complete")]
    Complete {
        /// RFC 3339.
        time: String,
        /// The address.
        address: String,
        /// Its action.
        action: Action,
        /// Since its start.
        elapsed_seconds: u64,
        /// How it was done, when not simply.
        note: Option<String>,
    },
    /// A step of the address failed.
    #[serde(rename = "apply_errored")]
    Errored {
        /// RFC 3339.
        time: String,
        /// The address.
        address: String,
        /// Its action.
        action: Action,
        /// Since its start.
        elapsed_seconds: u64,
        /// The error.
        error: StepError,
    },
    /// The last line, always.
    #[serde(rename = "summary")]
    Summary {
        /// Addresses done.
        done: u64,
        /// Addresses failed.
        failed: u64,
        /// Addresses skipped.
        skipped: u64,
        /// True after Ctrl-C.
        interrupted: bool,
        /// Wall time of the run.
        elapsed_seconds: f64,
        /// Per address, sorted.
        addresses: Vec<AddressReport>,
        /// File systems now in no replication.
        no_dr: Vec<NoDr>,
        /// What a re-run does, one sentence each.
        rerun: Vec<String>,
    },
    /// Instead of everything else when `--auto-approve` lacks
    /// `--allow-overwrite` for a file system the plan overwrites.
    #[serde(rename = "overwrite_not_approved")]
    OverwriteNotApproved {
        /// What to do.
        message: String,
        /// The file systems that need consent.
        file_systems: Vec<Overwritten>,
    },
    /// Instead of everything else when a saved plan is refused.
    #[serde(rename = "stale_plan")]
    StalePlan {
        /// What is stale.
        message: String,
        /// What changed, one sentence each.
        changes: Vec<String>,
    },
}

/// Configuration errors as JSON: `validate --json`, and `plan`, `check` and
/// `apply` with `--json` when the configuration does not load.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "efs-replicator configuration diagnostics JSON")]
pub struct DiagnosticsDocument {
    /// Number of diagnostics.
    pub error_count: u64,
    /// Every problem found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

/// One configuration problem.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Diagnostic {
    /// The file, as given on the command line; null without a place.
    pub path: Option<String>,
    /// 1-based line.
    pub line: Option<u64>,
    /// 1-based column, in characters.
    pub column: Option<u64>,
    /// Where the span ends (exclusive).
    pub end: Option<LineCol>,
    /// Always `error` today.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

/// A line and column.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineCol {
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

/// How bad a diagnostic is.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The configuration cannot be used.
    Error,
}

/// `validate --json`: the configuration is valid, or its diagnostics.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(title = "efs-replicator validate JSON")]
pub enum ValidateDocument {
    /// The configuration is valid.
    Valid(Valid),
    /// The configuration has errors.
    Invalid(DiagnosticsDocument),
}

/// A valid configuration.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Valid {
    /// Always true.
    pub valid: bool,
    /// The declared addresses.
    pub replications: Vec<String>,
    /// Number of removed blocks.
    pub removed: u64,
    /// Always 0.
    pub error_count: u64,
    /// Always empty.
    pub diagnostics: Vec<Diagnostic>,
}
