//! Why a plan could not be made: preflight failures and conflicts, each
//! naming the address it concerns and saying what to do. The planner collects
//! every one it finds; it never stops at the first.

use std::fmt;

/// One problem found while planning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The declared source file system was not found in its Region.
    #[error("{address}: source file system {source_id} was not found in {region}; check source_file_system_id and source_region, and that the credentials belong to the account that owns it")]
    SourceNotFound {
        /// Address of the declaration.
        address: String,
        /// Declared source.
        source_id: String,
        /// Declared source Region.
        region: String,
    },
    /// The source exists but is not `available`.
    #[error("{address}: source file system {source_id} in {region} is {state}, not available; wait until it is available and plan again")]
    SourceNotAvailable {
        /// Address of the declaration.
        address: String,
        /// Declared source.
        source_id: String,
        /// Its Region.
        region: String,
        /// Its life cycle state.
        state: String,
    },
    /// An existing destination named by the config was not found.
    #[error("{address}: destination file system {file_system} was not found in {region}; check destination.file_system_id and destination.region")]
    DestinationNotFound {
        /// Address of the declaration.
        address: String,
        /// Declared destination.
        file_system: String,
        /// Its Region.
        region: String,
    },
    /// An existing destination is not `available`.
    #[error("{address}: destination file system {file_system} in {region} is {state}, not available; wait until it is available and plan again")]
    DestinationNotAvailable {
        /// Address of the declaration.
        address: String,
        /// Declared destination.
        file_system: String,
        /// Its Region.
        region: String,
        /// Its life cycle state.
        state: String,
    },
    /// An existing destination has overwrite protection on and the config did not consent to turning it off.
    #[error("{address}: destination file system {file_system} in {region} has replication overwrite protection {protection}; its data would be overwritten: set allow_overwrite = true in the destination block to let the plan disable the protection, or disable it yourself")]
    DestinationProtected {
        /// Address of the declaration.
        address: String,
        /// Declared destination.
        file_system: String,
        /// Its Region.
        region: String,
        /// The protection value as observed (or as it will be once a replication is deleted).
        protection: String,
    },
    /// Cross-account replication without a role.
    #[error("{address}: the destination is in account {destination_account} but the source is in account {source_account}; cross-account replication needs destination.role_arn")]
    MissingRole {
        /// Address of the declaration.
        address: String,
        /// Account of the destination.
        destination_account: String,
        /// Account of the source.
        source_account: String,
    },
    /// The change would delete or replace a replication marked `prevent_destroy`.
    #[error("{address}: prevent_destroy is set but the plan would {action} this replication ({reason}); remove prevent_destroy or change the configuration back")]
    PreventDestroy {
        /// Address of the declaration.
        address: String,
        /// `delete` or `replace`.
        action: String,
        /// Why the change was planned.
        reason: String,
    },
    /// The change would create a replication into an existing file system
    /// (overwriting all its data) for a declaration marked `prevent_destroy`.
    #[error("{address}: prevent_destroy is set but the plan would overwrite all data on the existing file system {file_system} ({region}) by replicating into it; if that is intended, remove prevent_destroy for this run, otherwise point the destination elsewhere")]
    PreventOverwrite {
        /// Address of the declaration.
        address: String,
        /// The file system that would be overwritten.
        file_system: String,
        /// Its Region.
        region: String,
    },
    /// A file system the declaration needs is held by a replication that the
    /// config does not mark for deletion.
    #[error("{address}: {role} {file_system} ({region}) is in the replication {existing}, which is not marked for deletion; {hint}")]
    Conflict {
        /// Address of the declaration.
        address: String,
        /// "source" or "destination".
        role: String,
        /// The file system.
        file_system: String,
        /// Its Region.
        region: String,
        /// The blocking replication, e.g. `fs-a (us-east-1) -> fs-b (us-west-2)`.
        existing: String,
        /// What to add to or change in the config.
        hint: String,
    },
    /// The declared KMS key (alias, key id or ARN) does not exist in the
    /// destination's Region, so creating the destination would fail.
    #[error("{address}: KMS key {key} was not found in {region} ({message}); create the key or alias there, or correct destination.kms_key_id")]
    KmsKeyNotFound {
        /// Address of the declaration.
        address: String,
        /// The reference as declared.
        key: String,
        /// The destination Region it was looked up in.
        region: String,
        /// What KMS answered.
        message: String,
    },
    /// Two declarations cannot both hold (same destination twice, chaining, declared and removed).
    #[error("{address}: {message}")]
    Inconsistent {
        /// Address of the declaration.
        address: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// EFS refuses an encrypted source into an unencrypted existing destination.
    #[error("{address}: source {source_id} is encrypted but the existing destination {file_system} ({region}) is not, and EFS refuses that (ConflictException); replicate to a new file system (remove destination.file_system_id: EFS creates it encrypted) or to an encrypted one")]
    DestinationUnencrypted {
        /// Address of the declaration.
        address: String,
        /// Declared source.
        source_id: String,
        /// The unencrypted destination.
        file_system: String,
        /// Its Region.
        region: String,
    },
    /// A check the create depends on could not be decided from what was
    /// read, and the plan would have to take a destructive step first.
    #[error("{address}: {check} could not be verified, and the plan would first {destructive}; nothing was planned for it: {hint}")]
    Unverified {
        /// Address of the declaration.
        address: String,
        /// What could not be verified.
        check: String,
        /// The destructive step that would have run before the create.
        destructive: String,
        /// What to do.
        hint: String,
    },
    /// A file system the declaration needs reports protection `REPLICATING`,
    /// but no replication read holds it.
    #[error("{address}: {role} {file_system} ({region}) has replication overwrite protection REPLICATING: it belongs to a replication that was not read (its source Region is not in the configuration); find it with `aws efs describe-replication-configurations --file-system-id {file_system} --region {region}`, then name it in a removed block with its source_region, or delete it yourself")]
    HiddenReplication {
        /// Address of the declaration.
        address: String,
        /// "source" or "destination".
        role: String,
        /// The file system.
        file_system: String,
        /// Its Region.
        region: String,
    },
    /// An orphaned destination side of a source declared with `prevent_destroy`.
    #[error("{address}: prevent_destroy is set on {declared}, whose orphaned destination side this is, so the plan does not remove it; remove it yourself with `{command}`, or remove prevent_destroy")]
    OrphanPreventDestroy {
        /// Address of the orphan (`orphan.fs-...`).
        address: String,
        /// Address of the declaration of its source.
        declared: String,
        /// The manual AWS CLI command.
        command: String,
    },
    /// The planner's own bookkeeping does not hold together (e.g. a create
    /// waits for a deletion that has no step): nothing is planned rather
    /// than a plan that drops an ordering.
    #[error("{address}: internal error while planning: {message}; nothing was planned. This is a bug in efs-replicator: please report it with the configuration that shows it")]
    Internal {
        /// Address of the change.
        address: String,
        /// What did not hold.
        message: String,
    },
    /// A `--target` matched no address.
    #[error("--target {target} matches no declared replication and no planned change; {}", match .suggestion {
        Some(s) => format!("did you mean --target {s}?"),
        None => "addresses look like replication.NAME or replication.NAME[\"key\"]".to_owned(),
    })]
    UnknownTarget {
        /// The target as given.
        target: String,
        /// The address it was probably meant to be (`web` ->
        /// `replication.web`, or a near spelling).
        suggestion: Option<String>,
    },
}

impl PlanError {
    /// The address this error concerns, when it concerns one.
    pub fn address(&self) -> Option<&str> {
        match self {
            PlanError::SourceNotFound { address, .. }
            | PlanError::SourceNotAvailable { address, .. }
            | PlanError::DestinationNotFound { address, .. }
            | PlanError::DestinationNotAvailable { address, .. }
            | PlanError::DestinationProtected { address, .. }
            | PlanError::MissingRole { address, .. }
            | PlanError::PreventDestroy { address, .. }
            | PlanError::PreventOverwrite { address, .. }
            | PlanError::Conflict { address, .. }
            | PlanError::KmsKeyNotFound { address, .. }
            | PlanError::Inconsistent { address, .. }
            | PlanError::DestinationUnencrypted { address, .. }
            | PlanError::Unverified { address, .. }
            | PlanError::HiddenReplication { address, .. }
            | PlanError::OrphanPreventDestroy { address, .. }
            | PlanError::Internal { address, .. } => Some(address),
            PlanError::UnknownTarget { .. } => None,
        }
    }

    /// A stable short name for machine output.
    pub fn code(&self) -> &'static str {
        match self {
            PlanError::SourceNotFound { .. } => "source_not_found",
            PlanError::SourceNotAvailable { .. } => "source_not_available",
            PlanError::DestinationNotFound { .. } => "destination_not_found",
            PlanError::DestinationNotAvailable { .. } => "destination_not_available",
            PlanError::DestinationProtected { .. } => "destination_protected",
            PlanError::MissingRole { .. } => "missing_role",
            PlanError::PreventDestroy { .. } | PlanError::PreventOverwrite { .. } => {
                "prevent_destroy"
            }
            PlanError::Conflict { .. } => "conflict",
            PlanError::KmsKeyNotFound { .. } => "kms_key_not_found",
            PlanError::Inconsistent { .. } => "inconsistent",
            PlanError::UnknownTarget { .. } => "unknown_target",
            PlanError::DestinationUnencrypted { .. } => "destination_unencrypted",
            PlanError::Unverified { .. } => "unverified",
            PlanError::HiddenReplication { .. } => "hidden_replication",
            PlanError::OrphanPreventDestroy { .. } => "orphan_prevent_destroy",
            PlanError::Internal { .. } => "internal",
        }
    }
}

/// Every problem found while planning, sorted by address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanErrors(pub Vec<PlanError>);

impl fmt::Display for PlanErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} found while planning",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanErrors {}
