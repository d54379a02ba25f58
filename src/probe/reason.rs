//! From observations to conclusions, purely: for each behaviour, what was
//! seen in words and which emulator flag plays it (or that the emulator's
//! fixed answer matches or differs, or that it was not observed and why).
//!
//! It never guesses: a behaviour with no observation is `NotObserved`, and
//! a duration is only turned into a flag when both of its ends were seen.
//! No I/O, no clock.

use serde::Serialize;

use super::observe::{
    CallOutcome, DeleteObservation, DescribeByDestination, FileSystemDeleteTrace,
    ListingObservation, Observations, OwnerIdObservation, ThrottleObservation, Timeline,
};

/// The emulator's fixed answer to a second replication of the same source.
pub const EMULATOR_SECOND_REPLICATION: &str = "BadRequest";
/// The emulator's fixed answer to a replication into a destination whose
/// protection is `ENABLED`.
pub const EMULATOR_PROTECTED_DESTINATION: &str = "BadRequest";
/// The emulator's fixed answer to a protection change on a current
/// destination (AWS's, as seen in public issues).
pub const EMULATOR_PROTECTION_CHANGE: &str = "ReplicationAlreadyExists";
/// The emulator's fixed answer to DeleteFileSystem of a replicated file system.
pub const EMULATOR_DELETE_REPLICATED: &str = "FileSystemInUse";

/// The behaviours the probe settles, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    /// Does the destination Region's unfiltered listing show incoming replications?
    ListingScope,
    /// Do same-account responses carry owner ids?
    OwnerIds,
    /// Does describing by the destination id work and report the source?
    DescribeByDestination,
    /// ENABLING -> ENABLED -> first LastReplicatedTimestamp.
    Timeline,
    /// How long the destination side outlives the source side after a delete.
    DestinationDeleteLag,
    /// The code for a second replication of the same source.
    SecondReplication,
    /// The code for a replication into a protected existing destination.
    ProtectedDestination,
    /// The code for a protection change on a current destination.
    ProtectionChange,
    /// The code for DeleteFileSystem of a replicated file system.
    DeleteReplicatedFileSystem,
    /// How long DeleteFileSystem leaves a file system `deleting`.
    FileSystemDeleteDelay,
    /// The HTTP status of throttling.
    ThrottleStatus,
}

impl Behaviour {
    /// Every behaviour, in report order.
    pub const ALL: [Behaviour; 11] = [
        Behaviour::ListingScope,
        Behaviour::OwnerIds,
        Behaviour::DescribeByDestination,
        Behaviour::Timeline,
        Behaviour::DestinationDeleteLag,
        Behaviour::SecondReplication,
        Behaviour::ProtectedDestination,
        Behaviour::ProtectionChange,
        Behaviour::DeleteReplicatedFileSystem,
        Behaviour::FileSystemDeleteDelay,
        Behaviour::ThrottleStatus,
    ];

    /// Stable key (JSON, `Observations::skipped`).
    pub fn key(self) -> &'static str {
        match self {
            Behaviour::ListingScope => "listing_scope",
            Behaviour::OwnerIds => "owner_ids",
            Behaviour::DescribeByDestination => "describe_by_destination",
            Behaviour::Timeline => "timeline",
            Behaviour::DestinationDeleteLag => "destination_delete_lag",
            Behaviour::SecondReplication => "second_replication",
            Behaviour::ProtectedDestination => "protected_destination",
            Behaviour::ProtectionChange => "protection_change",
            Behaviour::DeleteReplicatedFileSystem => "delete_replicated_file_system",
            Behaviour::FileSystemDeleteDelay => "file_system_delete_delay",
            Behaviour::ThrottleStatus => "throttle_status",
        }
    }

    /// One line saying what is asked.
    pub fn title(self) -> &'static str {
        match self {
            Behaviour::ListingScope => "unfiltered listing in the destination Region",
            Behaviour::OwnerIds => "owner ids in same-account responses",
            Behaviour::DescribeByDestination => "describe by destination id",
            Behaviour::Timeline => "status timeline after create",
            Behaviour::DestinationDeleteLag => "both sides after a delete",
            Behaviour::SecondReplication => "second replication of the same source",
            Behaviour::ProtectedDestination => "replication into a protected existing destination",
            Behaviour::ProtectionChange => "protection change on a current destination",
            Behaviour::DeleteReplicatedFileSystem => "DeleteFileSystem of a replicated source",
            Behaviour::FileSystemDeleteDelay => "DeleteFileSystem lifecycle",
            Behaviour::ThrottleStatus => "throttling",
        }
    }
}

/// What an observation means for the emulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Conclusion {
    /// This emulator flag plays it.
    Flag(String),
    /// The emulator's fixed behaviour is the same.
    Matches(String),
    /// The emulator does something else and no flag changes it.
    Differs(String),
    /// Seen, recorded for the evidence table; no emulator setting involved.
    Recorded,
    /// Not observed, and why.
    NotObserved(String),
}

/// One behaviour's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which behaviour.
    pub behaviour: Behaviour,
    /// What was seen, in words (with timings).
    pub observed: String,
    /// What it means for the emulator.
    pub conclusion: Conclusion,
}

/// Every finding and the emulator command line they add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conclusions {
    /// One per behaviour, in [`Behaviour::ALL`] order.
    pub findings: Vec<Finding>,
    /// The variant flags that reproduce the account (observed ones only).
    pub emulator_flags: Vec<String>,
    /// Timing flags (`--enable-delay`, `--initial-sync-delay`,
    /// `--delete-delay`) from the measured timeline.
    pub timing_flags: Vec<String>,
}

/// Draws the conclusions from `obs`.
pub fn conclude(obs: &Observations) -> Conclusions {
    let p = obs.poll_interval_secs;
    let not_seen = |b: Behaviour| {
        Conclusion::NotObserved(
            obs.skip_reason(b.key())
                .unwrap_or("the probe did not get that far")
                .to_owned(),
        )
    };
    let mut findings = Vec::new();
    let mut flags = Vec::new();
    let mut timing = Vec::new();
    for b in Behaviour::ALL {
        let (observed, conclusion) = match b {
            Behaviour::ListingScope => match &obs.listing {
                Some(l) => listing(l),
                None => (String::new(), not_seen(b)),
            },
            Behaviour::OwnerIds => match &obs.owner_ids {
                Some(o) => owner_ids(o),
                None => (String::new(), not_seen(b)),
            },
            Behaviour::DescribeByDestination => match &obs.describe_by_destination {
                Some(d) => describe_by_destination(d),
                None => (String::new(), not_seen(b)),
            },
            Behaviour::Timeline => match &obs.timeline {
                Some(t) => timeline(t, &mut timing, obs.skip_reason(b.key())),
                None => (String::new(), not_seen(b)),
            },
            Behaviour::DestinationDeleteLag => match &obs.delete {
                Some(d) => delete_lag(d, p, &mut timing),
                None => (String::new(), not_seen(b)),
            },
            Behaviour::SecondReplication => {
                refusal(&obs.errors.second_replication, EMULATOR_SECOND_REPLICATION)
                    .unwrap_or_else(|| (String::new(), not_seen(b)))
            }
            Behaviour::ProtectedDestination => refusal(
                &obs.errors.protected_destination,
                EMULATOR_PROTECTED_DESTINATION,
            )
            .unwrap_or_else(|| (String::new(), not_seen(b))),
            Behaviour::ProtectionChange => {
                refusal(&obs.errors.protection_change, EMULATOR_PROTECTION_CHANGE)
                    .unwrap_or_else(|| (String::new(), not_seen(b)))
            }
            Behaviour::DeleteReplicatedFileSystem => refusal(
                &obs.errors.delete_replicated_file_system,
                EMULATOR_DELETE_REPLICATED,
            )
            .unwrap_or_else(|| (String::new(), not_seen(b))),
            Behaviour::FileSystemDeleteDelay => {
                if obs.file_system_deletes.is_empty() {
                    (String::new(), not_seen(b))
                } else {
                    file_system_delete(&obs.file_system_deletes, p)
                }
            }
            Behaviour::ThrottleStatus => match &obs.throttle {
                Some(t) => throttle(t),
                None => (String::new(), not_seen(b)),
            },
        };
        if let Conclusion::Flag(f) = &conclusion {
            flags.push(f.clone());
        }
        findings.push(Finding {
            behaviour: b,
            observed,
            conclusion,
        });
    }
    Conclusions {
        findings,
        emulator_flags: flags,
        timing_flags: timing,
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn listing(l: &ListingObservation) -> (String, Conclusion) {
    let mut text = format!(
        "incoming replication listed in the destination Region while ENABLING: {}",
        yes_no(l.incoming_listed_early)
    );
    if let Some(later) = l.incoming_listed_later {
        text.push_str(&format!("; after the wait: {}", yes_no(later)));
    }
    text.push_str(&format!(
        "; listed in the source Region: {}",
        yes_no(l.listed_in_source_region)
    ));
    let seen = [Some(l.incoming_listed_early), l.incoming_listed_later];
    let any = seen.iter().flatten().any(|b| *b);
    let all = seen.iter().flatten().all(|b| *b);
    let conclusion = if all {
        Conclusion::Flag("--listing-scope both".into())
    } else if !any {
        Conclusion::Flag("--listing-scope source".into())
    } else {
        Conclusion::Differs(
            "listed at one time and not at the other: no emulator setting plays that; \
             treat the listing as unreliable (the reconciler must already be right under --listing-scope source)"
                .into(),
        )
    };
    (text, conclusion)
}

fn owner_ids(o: &OwnerIdObservation) -> (String, Conclusion) {
    let text = format!(
        "create response: SourceFileSystemOwnerId {}, Destination.OwnerId {}; describe: SourceFileSystemOwnerId {}, Destination.OwnerId {}",
        present(o.create_source_owner),
        present(o.create_destination_owner),
        present(o.describe_source_owner),
        present(o.describe_destination_owner)
    );
    let conclusion = match o.counts() {
        (_, 0) => Conclusion::Flag("--owner-ids always".into()),
        (0, _) => Conclusion::Flag("--owner-ids cross-account-only".into()),
        _ => Conclusion::Differs(
            "present in some responses and absent in others: the emulator sends both or neither"
                .into(),
        ),
    };
    (text, conclusion)
}

fn present(b: bool) -> &'static str {
    if b {
        "present"
    } else {
        "absent"
    }
}

fn describe_by_destination(d: &DescribeByDestination) -> (String, Conclusion) {
    match d {
        DescribeByDestination::Found {
            reports_the_source: true,
            source_region,
        } => (
            format!("found; it reports the source (SourceFileSystemRegion {source_region})"),
            Conclusion::Matches("found, reporting the source".into()),
        ),
        DescribeByDestination::Found {
            reports_the_source: false,
            source_region,
        } => (
            format!("found, but SourceFileSystemId is not the probe's source (SourceFileSystemRegion {source_region})"),
            Conclusion::Differs("the emulator reports the source".into()),
        ),
        DescribeByDestination::Failed(c) => (
            format!("refused: {}", outcome_text(c)),
            Conclusion::Differs("the emulator finds the replication by its destination id".into()),
        ),
    }
}

fn timeline(
    t: &Timeline,
    timing: &mut Vec<String>,
    cut_short: Option<&str>,
) -> (String, Conclusion) {
    let mut text = format!("create returned {}", t.created_status);
    for e in &t.events {
        text.push_str(&format!(
            "; {} at {}{}",
            e.status,
            secs_text(e.after_secs),
            if e.last_replicated {
                " (LastReplicatedTimestamp set)"
            } else {
                ""
            }
        ));
    }
    if let Some(en) = t.enabled_after_secs {
        timing.push(format!("--enable-delay {}", flag_duration(en)));
        if let Some(sync) = t.first_sync_after_secs {
            timing.push(format!(
                "--initial-sync-delay {}",
                flag_duration((sync - en).max(0.0))
            ));
        }
    }
    if t.timed_out {
        let missing = match (t.enabled_after_secs, t.first_sync_after_secs) {
            (None, _) => "ENABLED was not reached",
            (Some(_), None) => "no LastReplicatedTimestamp yet",
            _ => "the wait ended",
        };
        text.push_str(&format!("; the wait timed out: {missing}"));
        return (
            text,
            Conclusion::NotObserved(format!(
                "{missing} within --timeout (what was seen is above)"
            )),
        );
    }
    if t.enabled_after_secs.is_none() || t.first_sync_after_secs.is_none() {
        return (
            text,
            Conclusion::NotObserved(
                cut_short
                    .unwrap_or(
                        "the wait ended before ENABLED and a LastReplicatedTimestamp were seen",
                    )
                    .to_owned(),
            ),
        );
    }
    (text, Conclusion::Recorded)
}

fn delete_lag(d: &DeleteObservation, poll: f64, timing: &mut Vec<String>) -> (String, Conclusion) {
    let side = |statuses: &[String], gone: Option<f64>| match gone {
        Some(g) => format!(
            "gone after {} (seen as {})",
            secs_text(g),
            list_or_none(statuses)
        ),
        None => format!("still there (seen as {})", list_or_none(statuses)),
    };
    let mut text = format!(
        "source side {}; destination side {}",
        side(&d.source_statuses, d.source_gone_after_secs),
        side(&d.destination_statuses, d.destination_gone_after_secs)
    );
    if d.destination_listed_after_source_gone {
        text.push_str(
            "; the destination Region's listing showed it after the source side was gone",
        );
    }
    let Some(src_gone) = d.source_gone_after_secs else {
        text.push_str(&format!(
            "; the wait timed out after {}",
            secs_text(d.waited_secs)
        ));
        return (
            text,
            Conclusion::NotObserved(
                "the source side was still there when --timeout ran out".into(),
            ),
        );
    };
    let src_last = d.source_last_seen_after_secs.unwrap_or(0.0);
    timing.push(format!(
        "--delete-delay {}",
        flag_duration((src_gone + src_last) / 2.0)
    ));
    let Some(dst_gone) = d.destination_gone_after_secs else {
        let at_least = (d.waited_secs - src_gone).max(0.0);
        text.push_str(&format!(
            "; the wait timed out after {}",
            secs_text(d.waited_secs)
        ));
        return (
            text,
            Conclusion::NotObserved(format!(
                "the destination side outlived the source side by at least {} and was still there when --timeout ran out",
                secs_text(at_least)
            )),
        );
    };
    // The destination outlived the source only if a poll saw it after a poll
    // saw the source gone; the lag lies between these bounds.
    let dst_last = d.destination_last_seen_after_secs.unwrap_or(0.0);
    let lower = dst_last - src_gone;
    let upper = dst_gone - src_last;
    if lower <= 0.0 {
        text.push_str(&format!(
            "; no poll saw the destination side after the source side was gone (resolution {})",
            secs_text(poll)
        ));
        return (text, Conclusion::Flag("--destination-delete-lag 0s".into()));
    }
    let lag = (lower + upper) / 2.0;
    text.push_str(&format!(
        "; the destination side outlived the source side by {} to {}",
        secs_text(lower),
        secs_text(upper)
    ));
    (
        text,
        Conclusion::Flag(format!("--destination-delete-lag {}", flag_duration(lag))),
    )
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(" -> ")
    }
}

fn refusal(outcome: &Option<CallOutcome>, emulator: &str) -> Option<(String, Conclusion)> {
    let o = outcome.as_ref()?;
    let text = outcome_text(o);
    let conclusion = match o {
        CallOutcome::Accepted => {
            Conclusion::Differs(format!("the emulator refuses it with {emulator}"))
        }
        CallOutcome::Failed { code, .. } if code.as_deref() == Some(emulator) => {
            Conclusion::Matches(emulator.to_owned())
        }
        CallOutcome::Failed { .. } => {
            Conclusion::Differs(format!("the emulator answers {emulator}"))
        }
    };
    Some((text, conclusion))
}

/// `BadRequest (HTTP 400): message`, or `accepted`.
pub fn outcome_text(o: &CallOutcome) -> String {
    match o {
        CallOutcome::Accepted => "accepted".into(),
        CallOutcome::Failed {
            code,
            status,
            message,
        } => format!(
            "{} (HTTP {}): {}",
            code.as_deref().unwrap_or("no error code"),
            status.map_or("?".into(), |s| s.to_string()),
            message
        ),
    }
}

fn file_system_delete(traces: &[FileSystemDeleteTrace], poll: f64) -> (String, Conclusion) {
    let text = traces
        .iter()
        .map(|t| {
            let first = t.first_state.as_deref().unwrap_or("already gone");
            match (t.gone_after_secs, t.timed_out) {
                (Some(g), _) => {
                    format!("{}: {first}, gone after {}", t.file_system_id, secs_text(g))
                }
                (None, _) => format!(
                    "{}: {first}, still listed when the wait ended",
                    t.file_system_id
                ),
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    if traces.iter().any(|t| t.gone_after_secs.is_none()) {
        return (
            text,
            Conclusion::NotObserved("a file system was still listed when --timeout ran out".into()),
        );
    }
    // Per file system: zero when no poll saw it; else between the last poll
    // that saw it and the first that did not. The emulator has one delay: the
    // longest.
    let delay = traces
        .iter()
        .map(|t| match t.last_seen_after_secs {
            None => 0.0,
            Some(last) => (last + t.gone_after_secs.unwrap_or(last)) / 2.0,
        })
        .fold(0.0, f64::max);
    let text = if delay == 0.0 {
        format!("{text} (resolution {})", secs_text(poll))
    } else {
        text
    };
    (
        text,
        Conclusion::Flag(format!(
            "--file-system-delete-delay {}",
            flag_duration(delay)
        )),
    )
}

fn throttle(t: &ThrottleObservation) -> (String, Conclusion) {
    match t {
        ThrottleObservation::NotThrottled { calls } => (
            format!("{calls} DescribeFileSystems calls in a burst were all answered"),
            Conclusion::NotObserved(
                "the burst was not throttled; the status of throttling is still unknown".into(),
            ),
        ),
        ThrottleObservation::Throttled {
            calls,
            status,
            code,
            message,
        } => {
            let text = format!(
                "throttled after {calls} calls: {code} (HTTP {}): {message}",
                status.map_or("?".into(), |s| s.to_string())
            );
            let conclusion = match (code.as_str(), status) {
                ("ThrottlingException", Some(s @ (400 | 429))) => {
                    Conclusion::Flag(format!("--throttle-status {s}"))
                }
                ("ThrottlingException", _) => Conclusion::Differs(
                    "the emulator's --throttle-status takes 400 or 429 only".into(),
                ),
                _ => Conclusion::Differs("the emulator throttles with ThrottlingException".into()),
            };
            (text, conclusion)
        }
    }
}

/// A duration in seconds as the probe prints it: `850ms`, `12.3s`, `3m 5s`.
pub fn secs_text(secs: f64) -> String {
    let secs = secs.max(0.0);
    if secs < 1.0 {
        format!("{}ms", (secs * 1000.0).round() as u64)
    } else if secs < 60.0 {
        format!("{:.1}s", secs)
    } else {
        let s = secs.round() as u64;
        format!("{}m {}s", s / 60, s % 60)
    }
}

/// A duration as one humantime token for an emulator flag, rounded to what
/// a poll can resolve: 100 ms steps below 10 s (`1500ms`, `2s`), whole
/// seconds above (`185s`), whole minutes when exact (`3m`).
pub fn flag_duration(secs: f64) -> String {
    let secs = secs.max(0.0);
    if secs < 10.0 {
        let ms = ((secs * 10.0).round() as u64) * 100;
        if ms % 1000 == 0 {
            format!("{}s", ms / 1000)
        } else {
            format!("{ms}ms")
        }
    } else {
        let s = secs.round() as u64;
        if s % 60 == 0 {
            format!("{}m", s / 60)
        } else {
            format!("{s}s")
        }
    }
}

#[cfg(test)]
#[path = "reason_tests.rs"]
mod tests;
