//! What the probe saw, as plain data: one field per behaviour, `None` when
//! it was not observed (with the reason in [`Observations::skipped`]).
//! Durations are seconds as `f64`, measured from the probe's own clock at
//! the moment a poll saw the change, so their resolution is the poll
//! interval.
//!
//! Nothing here decides what an observation means; that is `reason`.

use serde::Serialize;

/// The outcome of one API call the probe made to see how EFS answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CallOutcome {
    /// EFS accepted the call.
    Accepted,
    /// EFS refused it.
    Failed {
        /// The AWS error code (`x-amzn-ErrorType` / body), when one came.
        code: Option<String>,
        /// The HTTP status, when a response came.
        status: Option<u16>,
        /// The error message.
        message: String,
    },
}

impl CallOutcome {
    /// The error code, if the call failed with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            CallOutcome::Accepted => None,
            CallOutcome::Failed { code, .. } => code.as_deref(),
        }
    }
}

/// Whether the unfiltered listing in the destination Region showed the
/// incoming replication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListingObservation {
    /// Listed in the destination Region right after the create (ENABLING).
    pub incoming_listed_early: bool,
    /// Listed there after the wait for ENABLED (`None`: not looked again).
    pub incoming_listed_later: Option<bool>,
    /// Listed in the source Region (expected: yes).
    pub listed_in_source_region: bool,
}

/// Whether same-account responses carried owner ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerIdObservation {
    /// `SourceFileSystemOwnerId` in the create response.
    pub create_source_owner: bool,
    /// `Destinations[0].OwnerId` in the create response.
    pub create_destination_owner: bool,
    /// `SourceFileSystemOwnerId` in DescribeReplicationConfigurations.
    pub describe_source_owner: bool,
    /// `Destinations[0].OwnerId` in DescribeReplicationConfigurations.
    pub describe_destination_owner: bool,
}

impl OwnerIdObservation {
    /// (present, absent) counts over the four places.
    pub fn counts(&self) -> (usize, usize) {
        let all = [
            self.create_source_owner,
            self.create_destination_owner,
            self.describe_source_owner,
            self.describe_destination_owner,
        ];
        let present = all.iter().filter(|b| **b).count();
        (present, all.len() - present)
    }
}

/// DescribeReplicationConfigurations with the destination's id, in the
/// destination Region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DescribeByDestination {
    /// One replication came back.
    Found {
        /// Its `SourceFileSystemId` is the probe's source.
        reports_the_source: bool,
        /// Its `SourceFileSystemRegion`.
        source_region: String,
    },
    /// The call failed.
    Failed(CallOutcome),
}

/// One change seen while polling a replication after its create.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEvent {
    /// Seconds since the create call returned.
    pub after_secs: f64,
    /// The status then.
    pub status: String,
    /// Whether `LastReplicatedTimestamp` was present then.
    pub last_replicated: bool,
    /// Its value (epoch seconds), when present.
    pub last_replicated_unix_secs: Option<f64>,
}

/// The status timeline after the create.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    /// When the create call returned (epoch seconds, the probe's clock).
    pub created_at_unix_secs: f64,
    /// The status in the create response.
    pub created_status: String,
    /// Every change seen, in order.
    pub events: Vec<TimelineEvent>,
    /// Seconds until the first poll that saw `ENABLED`.
    pub enabled_after_secs: Option<f64>,
    /// Seconds until the first poll that saw a `LastReplicatedTimestamp`.
    pub first_sync_after_secs: Option<f64>,
    /// The bounded wait ended before both were seen.
    pub timed_out: bool,
}

/// The two sides of the replication after DeleteReplicationConfiguration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeleteObservation {
    /// Statuses the source side was seen in (by source id, source Region),
    /// in order, duplicates removed.
    pub source_statuses: Vec<String>,
    /// Statuses the destination side was seen in (by destination id,
    /// destination Region).
    pub destination_statuses: Vec<String>,
    /// Seconds after the delete call until the source side was gone.
    pub source_gone_after_secs: Option<f64>,
    /// Seconds after the delete call of the last poll that still saw the
    /// source side.
    pub source_last_seen_after_secs: Option<f64>,
    /// Seconds after the delete call until the destination side was gone.
    pub destination_gone_after_secs: Option<f64>,
    /// Seconds after the delete call of the last poll that still saw the
    /// destination side.
    pub destination_last_seen_after_secs: Option<f64>,
    /// Whether the destination Region's unfiltered listing showed the
    /// replication after the source side was gone.
    pub destination_listed_after_source_gone: bool,
    /// The bounded wait ended before both sides were gone.
    pub timed_out: bool,
    /// Seconds waited in all.
    pub waited_secs: f64,
}

/// One file system after DeleteFileSystem.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileSystemDeleteTrace {
    /// Its id.
    pub file_system_id: String,
    /// Its Region.
    pub region: String,
    /// `LifeCycleState` at the first poll after the call returned
    /// (`None`: already gone).
    pub first_state: Option<String>,
    /// Seconds after the call of the last poll that still found it.
    pub last_seen_after_secs: Option<f64>,
    /// Seconds after the call until DescribeFileSystems no longer found it.
    pub gone_after_secs: Option<f64>,
    /// The bounded wait ended while it was still listed.
    pub timed_out: bool,
}

/// The throttling burst (`--throttle-probe`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ThrottleObservation {
    /// The burst ended without any throttling.
    NotThrottled {
        /// Calls made.
        calls: u32,
    },
    /// A call was throttled.
    Throttled {
        /// Calls made before and including the throttled one.
        calls: u32,
        /// The HTTP status.
        status: Option<u16>,
        /// The error code.
        code: String,
        /// The message.
        message: String,
    },
}

/// The error codes EFS gave for the undocumented refusals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ErrorProbes {
    /// A second CreateReplicationConfiguration for a source already in one.
    pub second_replication: Option<CallOutcome>,
    /// A replication into an existing file system whose protection is
    /// `ENABLED`.
    pub protected_destination: Option<CallOutcome>,
    /// UpdateFileSystemProtection(DISABLED) on a current destination.
    pub protection_change: Option<CallOutcome>,
    /// DeleteFileSystem of a source that is in a replication.
    pub delete_replicated_file_system: Option<CallOutcome>,
}

/// A behaviour that was not observed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The behaviour's key (see `reason::Behaviour::key`).
    pub behaviour: String,
    /// Why.
    pub reason: String,
}

/// Everything the probe saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Observations {
    /// Seconds between two polls: the resolution of every duration.
    pub poll_interval_secs: f64,
    /// The unfiltered listing in the destination Region.
    pub listing: Option<ListingObservation>,
    /// Owner ids in same-account responses.
    pub owner_ids: Option<OwnerIdObservation>,
    /// Describe by destination id.
    pub describe_by_destination: Option<DescribeByDestination>,
    /// ENABLING -> ENABLED -> first LastReplicatedTimestamp.
    pub timeline: Option<Timeline>,
    /// Both sides after a delete.
    pub delete: Option<DeleteObservation>,
    /// Error codes of the undocumented refusals.
    pub errors: ErrorProbes,
    /// DeleteFileSystem's lifecycle, one trace per file system.
    pub file_system_deletes: Vec<FileSystemDeleteTrace>,
    /// The throttling burst, when it ran.
    pub throttle: Option<ThrottleObservation>,
    /// Behaviours not observed, with the reason.
    pub skipped: Vec<Skipped>,
}

impl Observations {
    /// Records that `behaviour` was not observed (first reason wins).
    pub fn skip(&mut self, behaviour: &str, reason: impl Into<String>) {
        if !self.skipped.iter().any(|s| s.behaviour == behaviour) {
            self.skipped.push(Skipped {
                behaviour: behaviour.to_owned(),
                reason: reason.into(),
            });
        }
    }

    /// Why `behaviour` was not observed, if recorded.
    pub fn skip_reason(&self, behaviour: &str) -> Option<&str> {
        self.skipped
            .iter()
            .find(|s| s.behaviour == behaviour)
            .map(|s| s.reason.as_str())
    }
}

/// Observations for unit tests.
#[cfg(test)]
pub(crate) mod sample {
    use super::*;

    fn failed(code: &str, status: u16) -> Option<CallOutcome> {
        Some(CallOutcome::Failed {
            code: Some(code.into()),
            status: Some(status),
            message: "m".into(),
        })
    }

    /// What an account behaving like the emulator's defaults shows.
    pub fn like_defaults() -> Observations {
        Observations {
            poll_interval_secs: 0.2,
            listing: Some(ListingObservation {
                incoming_listed_early: true,
                incoming_listed_later: Some(true),
                listed_in_source_region: true,
            }),
            owner_ids: Some(OwnerIdObservation {
                create_source_owner: true,
                create_destination_owner: true,
                describe_source_owner: true,
                describe_destination_owner: true,
            }),
            describe_by_destination: Some(DescribeByDestination::Found {
                reports_the_source: true,
                source_region: "us-east-1".into(),
            }),
            timeline: Some(Timeline {
                created_at_unix_secs: 1_800_000_000.0,
                created_status: "ENABLING".into(),
                events: vec![
                    TimelineEvent {
                        after_secs: 2.1,
                        status: "ENABLED".into(),
                        last_replicated: false,
                        last_replicated_unix_secs: None,
                    },
                    TimelineEvent {
                        after_secs: 7.2,
                        status: "ENABLED".into(),
                        last_replicated: true,
                        last_replicated_unix_secs: Some(1_800_000_006.0),
                    },
                ],
                enabled_after_secs: Some(2.1),
                first_sync_after_secs: Some(7.2),
                timed_out: false,
            }),
            delete: Some(DeleteObservation {
                source_statuses: vec!["DELETING".into()],
                destination_statuses: vec!["DELETING".into()],
                source_last_seen_after_secs: Some(1.9),
                source_gone_after_secs: Some(2.1),
                // The destination side went between the same two polls.
                destination_last_seen_after_secs: Some(1.95),
                destination_gone_after_secs: Some(2.15),
                destination_listed_after_source_gone: false,
                timed_out: false,
                waited_secs: 2.2,
            }),
            errors: ErrorProbes {
                second_replication: failed("BadRequest", 400),
                protected_destination: failed("BadRequest", 400),
                protection_change: failed("ReplicationAlreadyExists", 409),
                delete_replicated_file_system: failed("FileSystemInUse", 409),
            },
            file_system_deletes: vec![FileSystemDeleteTrace {
                file_system_id: "fs-00000001".into(),
                region: "us-east-1".into(),
                first_state: Some("deleting".into()),
                last_seen_after_secs: Some(0.9),
                gone_after_secs: Some(1.1),
                timed_out: false,
            }],
            throttle: Some(ThrottleObservation::Throttled {
                calls: 40,
                status: Some(400),
                code: "ThrottlingException".into(),
                message: "Rate exceeded".into(),
            }),
            skipped: vec![],
        }
    }
}
