//! [`StepError`]: how a failed step is reported (the operation, the Region,
//! the AWS error code, the message and what to do), and its conversion from
//! the read path's errors. Plain data; no I/O.

use serde::Serialize;

use crate::discover::DiscoverError;
use crate::plan::StepKind;

/// What failed: an EFS call (or a check made before one), or a wait step.
/// Written as text: the operation's name, or the wait step's name
/// (`wait-enabled`, `wait-deleted`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// An EFS operation, e.g. `CreateReplicationConfiguration`, or the
    /// re-read made before one (`check before DeleteReplicationConfiguration`).
    Call(String),
    /// A wait step that ended badly (ERROR, PAUSED, timed out).
    Wait(Wait),
}

/// The two kinds of wait step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Until the replication is `ENABLED`.
    Enabled,
    /// Until the replication is gone.
    Deleted,
}

impl Operation {
    /// The operation a step of this kind fails as: its wait for a wait
    /// step, else the step's name.
    pub fn of_step(kind: &StepKind) -> Self {
        match kind {
            StepKind::WaitEnabled { .. } => Operation::Wait(Wait::Enabled),
            StepKind::WaitDeleted { .. } => Operation::Wait(Wait::Deleted),
            other => Operation::Call(other.name().to_owned()),
        }
    }

    /// The text written in reports.
    pub fn as_str(&self) -> &str {
        match self {
            Operation::Call(name) => name,
            Operation::Wait(Wait::Enabled) => "wait-enabled",
            Operation::Wait(Wait::Deleted) => "wait-deleted",
        }
    }
}

impl From<&str> for Operation {
    fn from(name: &str) -> Self {
        Operation::Call(name.to_owned())
    }
}

impl From<String> for Operation {
    fn from(name: String) -> Self {
        Operation::Call(name)
    }
}

impl PartialEq<&str> for Operation {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Operation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A step that failed: the operation, the Region, the AWS error code (when
/// EFS answered), the message and what to do. A wait that ends badly (the
/// replication reached ERROR, or the wait timed out) is no failed call: its
/// `operation` is the step's name (`wait-enabled`, `wait-deleted`) and it is
/// worded as what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepError {
    /// The EFS operation, e.g. `CreateReplicationConfiguration`, or the
    /// wait step (`wait-enabled`, `wait-deleted`).
    pub operation: Operation,
    /// The Region it was called in.
    pub region: String,
    /// The AWS error code, when the service answered.
    pub code: Option<String>,
    /// The service's (or the wait's) message.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl StepError {
    /// True when the step was a wait, not an EFS call.
    pub fn is_wait(&self) -> bool {
        matches!(self.operation, Operation::Wait(_))
    }

    /// What happened, without the hint: `<operation> in <region> failed:
    /// <code>: <message>` for a call, the message alone for a wait.
    pub fn what(&self) -> String {
        if self.is_wait() {
            return self.message.clone();
        }
        match &self.code {
            Some(c) => format!(
                "{} in {} failed: {c}: {}",
                self.operation, self.region, self.message
            ),
            None => format!(
                "{} in {} failed: {}",
                self.operation, self.region, self.message
            ),
        }
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}; {}", self.what(), self.hint)
    }
}

impl std::error::Error for StepError {}

impl From<DiscoverError> for StepError {
    fn from(e: DiscoverError) -> Self {
        match e {
            DiscoverError::Api {
                operation,
                region,
                code,
                message,
                hint,
            } => StepError {
                operation: operation.into(),
                region,
                code: Some(code),
                message,
                hint,
            },
            DiscoverError::Transport {
                operation,
                region,
                message,
                hint,
            } => StepError {
                operation: operation.into(),
                region,
                code: None,
                message,
                hint,
            },
            DiscoverError::InvalidResponse {
                operation,
                region,
                message,
            } => StepError {
                operation: operation.into(),
                region,
                code: None,
                message,
                hint: "the response could not be used; check --endpoint-url".to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileSystemId, Region};

    /// Issue 15: whether a failed step was a wait comes from the step's
    /// kind, not from how its operation is spelled; the text written in
    /// reports is unchanged.
    #[test]
    fn a_wait_is_told_by_its_kind_not_its_name() {
        let fs = FileSystemId::parse("fs-00000001").unwrap();
        let region = Region::parse("us-east-1").unwrap();
        let error = |operation: Operation| StepError {
            operation,
            region: "us-east-1".into(),
            code: None,
            message: "the replication of fs-00000001 reached ERROR".into(),
            hint: "see the status message".into(),
        };
        let wait = error(Operation::of_step(&StepKind::WaitEnabled {
            source_file_system_id: fs.clone(),
            region: region.clone(),
        }));
        assert!(wait.is_wait());
        assert_eq!(wait.what(), "the replication of fs-00000001 reached ERROR");
        let deleted = Operation::of_step(&StepKind::WaitDeleted {
            source_file_system_id: fs.clone(),
            region: region.clone(),
            destination: None,
        });
        assert_eq!(deleted, Operation::Wait(Wait::Deleted));
        // A call whose name happens to look like a wait is still a call.
        let call = error("wait-enabled".into());
        assert!(!call.is_wait());
        assert!(call.what().starts_with("wait-enabled in us-east-1 failed"));
        let create = Operation::of_step(&StepKind::Delete {
            source_file_system_id: fs,
            region,
            orphan: None,
        });
        assert!(!error(create).is_wait());
        assert_eq!(
            serde_json::to_value(&wait).unwrap()["operation"],
            "wait-enabled"
        );
    }
}
