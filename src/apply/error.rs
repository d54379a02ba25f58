//! [`StepError`]: how a failed step is reported (the operation, the Region,
//! the AWS error code, the message and what to do), and its conversion from
//! the read path's errors. Plain data; no I/O.

use serde::Serialize;

use crate::discover::DiscoverError;

/// A step that failed: the operation, the Region, the AWS error code (when
/// EFS answered), the message and what to do. A wait that ends badly (the
/// replication reached ERROR, or the wait timed out) is no failed call: its
/// `operation` is the step's name (`wait-enabled`, `wait-deleted`) and it is
/// worded as what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepError {
    /// The EFS operation, e.g. `CreateReplicationConfiguration`, or the
    /// wait step (`wait-enabled`, `wait-deleted`).
    pub operation: String,
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
        self.operation.starts_with("wait-")
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
                operation: operation.to_owned(),
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
                operation: operation.to_owned(),
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
                operation: operation.to_owned(),
                region,
                code: None,
                message,
                hint: "the response could not be used; check --endpoint-url".to_owned(),
            },
        }
    }
}
