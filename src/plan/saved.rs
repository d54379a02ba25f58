//! Saved plans (`plan --out FILE`): the plan, the scope it observed and the
//! fingerprint of that state, as versioned JSON (docs/plan-json.md). `apply`
//! reads one back, re-reads the same scope, and refuses it when
//! [`super::fingerprint`] no longer matches.
//!
//! Pure serialization: the caller owns the file (and writes it atomically).

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::types::Plan;

/// The `kind` marker of a saved plan file.
pub const SAVED_PLAN_KIND: &str = "efs-replicator-saved-plan";
/// The `format_version` written by this build.
pub const SAVED_PLAN_FORMAT_VERSION: &str = "1";

/// A plan as written by `plan --out`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// Always [`SAVED_PLAN_FORMAT_VERSION`] when written by this build.
    pub format_version: String,
    /// Always [`SAVED_PLAN_KIND`].
    pub kind: String,
    /// Version of efs-replicator that wrote it.
    pub efs_replicator_version: String,
    /// When it was written (RFC 3339, informational).
    pub created_at: String,
    /// The fingerprint of the observed state (same as `plan.fingerprint`).
    pub fingerprint: String,
    /// The plan, steps included.
    pub plan: Plan,
    /// What the plan observed, attribute by attribute (file systems of its
    /// scope, replications of its Regions), so that a refusal can name each
    /// change with its old and new value. Absent in plans saved before it
    /// existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed:
        Option<std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>>,
}

/// Why a saved plan could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    /// Not JSON, or not the shape of a saved plan.
    /// The parser's message is part of this error's message; it is not
    /// also exposed as a source (that would print it twice in a chain).
    #[error("not a saved plan: {0}")]
    Malformed(serde_json::Error),
    /// Written by an incompatible version.
    #[error("saved plan has kind {kind:?} and format_version {version:?}; this build reads kind {SAVED_PLAN_KIND:?} version {SAVED_PLAN_FORMAT_VERSION:?}: run plan again with this version")]
    Unsupported {
        /// The kind found.
        kind: String,
        /// The version found.
        version: String,
    },
    /// The fingerprint at top level and in the plan disagree (edited by hand?).
    #[error("saved plan is inconsistent: its fingerprints differ; run plan again")]
    Inconsistent,
}

// The JSON error is part of the message; exposing it as the source too
// would print it twice in an error chain.
impl From<serde_json::Error> for SavedPlanError {
    fn from(e: serde_json::Error) -> Self {
        SavedPlanError::Malformed(e)
    }
}

impl SavedPlan {
    /// Wraps a plan for saving.
    pub fn new(plan: Plan, created_at: String) -> Self {
        SavedPlan {
            format_version: SAVED_PLAN_FORMAT_VERSION.to_owned(),
            kind: SAVED_PLAN_KIND.to_owned(),
            efs_replicator_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at,
            fingerprint: plan.fingerprint.clone(),
            plan,
            observed: None,
        }
    }

    /// Writes it as pretty JSON.
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self).map_err(std::io::Error::other)?;
        out.write_all(b"\n")
    }

    /// Reads and checks one.
    pub fn read(input: impl Read) -> Result<Self, SavedPlanError> {
        let saved: SavedPlan = serde_json::from_reader(input)?;
        if saved.kind != SAVED_PLAN_KIND || saved.format_version != SAVED_PLAN_FORMAT_VERSION {
            return Err(SavedPlanError::Unsupported {
                kind: saved.kind,
                version: saved.format_version,
            });
        }
        if saved.fingerprint != saved.plan.fingerprint {
            return Err(SavedPlanError::Inconsistent);
        }
        Ok(saved)
    }
}
