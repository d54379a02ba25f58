//! Drift and health of declared replications, for `check`: a pure function
//! from the desired state, the observed state, the plan made from them and
//! an instant `now` (passed in) to a [`CheckReport`] saying, per address,
//! whether the replication drifted from the configuration (the plan would
//! change it) and whether it is healthy (status ENABLED, replication lag
//! within `max_replication_lag`).
//!
//! This module must never do I/O or read a clock: the same inputs give the
//! same report. It re-uses the plan for drift and never diffs on its own.
//! [`render`] writes a report as a table, JSON or Prometheus text;
//! [`markdown`] as a pull-request comment.

pub mod markdown;
pub mod render;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use crate::model::{
    AccountId, Actual, ActualReplication, Desired, FileSystemId, FileSystemRef, Region,
    ReplicationStatus,
};
use crate::plan::{Action, AddressKind, ChangeAddress, Plan, Unmanaged};

/// Default for [`HealthOptions::enabling_grace`]: 30 minutes.
pub const DEFAULT_ENABLING_GRACE: Duration = Duration::from_secs(30 * 60);
/// Default for [`HealthOptions::initial_sync_grace`]: 24 hours.
pub const DEFAULT_INITIAL_SYNC_GRACE: Duration = Duration::from_secs(24 * 60 * 60);

/// Thresholds that are not part of the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthOptions {
    /// How long after its creation a replication may still be ENABLING.
    pub enabling_grace: Duration,
    /// How long after its creation a replication may have no
    /// LastReplicatedTimestamp (the initial copy is still running).
    pub initial_sync_grace: Duration,
    /// Count replications that no block declares as drift.
    pub unmanaged_is_drift: bool,
}

impl Default for HealthOptions {
    fn default() -> Self {
        HealthOptions {
            enabling_grace: DEFAULT_ENABLING_GRACE,
            initial_sync_grace: DEFAULT_INITIAL_SYNC_GRACE,
            unmanaged_is_drift: false,
        }
    }
}

/// The verdict on one declared replication's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Status ENABLED (or ENABLING within the grace period) and lag in bounds.
    Healthy,
    /// Something is wrong; see [`Entry::problems`].
    Unhealthy,
}

/// One address of the report: a declared replication, or a replication the
/// plan would delete (`removed.*`, `unmanaged.*` with prune).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// `replication.NAME[...]`, `removed.fs-...`, `unmanaged.fs-...` or
    /// `orphan.fs-...`.
    pub address: ChangeAddress,
    /// What the plan would do here.
    pub action: Action,
    /// The plan's reason when the action is not a no-op.
    pub drift_reason: Option<String>,
    /// Source file system id.
    pub source_file_system_id: FileSystemId,
    /// Source Region.
    pub source_region: Region,
    /// The source's account id: observed, else declared (`source_account`,
    /// a source ARN); `None` when neither says.
    pub account: Option<AccountId>,
    /// The name of its `account` block, when it has one.
    pub account_name: Option<String>,
    /// Destination file system id: observed, else declared, else unknown.
    pub destination_file_system_id: Option<FileSystemRef>,
    /// Destination Region: observed, else declared.
    pub destination_region: Region,
    /// Observed status; `None` when the replication does not exist.
    pub status: Option<ReplicationStatus>,
    /// StatusMessage reported with the status.
    pub status_message: Option<String>,
    /// LastReplicatedTimestamp.
    pub last_replicated: Option<SystemTime>,
    /// `now - last_replicated` (zero when the timestamp is in the future).
    pub lag: Option<Duration>,
    /// The threshold that applies (`None`: no lag check).
    pub max_lag: Option<Duration>,
    /// `None` for entries that are not declared (only drift applies to them).
    pub health: Option<Health>,
    /// Why it is unhealthy, one sentence each.
    pub problems: Vec<String>,
    /// The plan's notes: what could not be verified (e.g. a destination in
    /// another account, a KMS alias) and other caveats. Never dropped.
    pub notes: Vec<String>,
}

impl Entry {
    /// True when the plan would change something at this address.
    pub fn drift(&self) -> bool {
        self.action != Action::NoOp
    }

    /// True when the entry is declared and unhealthy.
    pub fn unhealthy(&self) -> bool {
        self.health == Some(Health::Unhealthy)
    }
}

/// Counts over a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckSummary {
    /// Declared replications.
    pub declared: usize,
    /// Entries whose plan action is not a no-op (plus unmanaged ones when
    /// they count as drift).
    pub drifted: usize,
    /// Declared replications that are unhealthy.
    pub unhealthy: usize,
    /// Replications in scope that no block declares.
    pub unmanaged: usize,
}

/// The result of `check`.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// The instant health was judged at.
    pub checked_at: SystemTime,
    /// One entry per plan change, sorted by address.
    pub entries: Vec<Entry>,
    /// Replications in scope that no block declares or removes.
    pub unmanaged: Vec<Unmanaged>,
    /// Whether [`CheckReport::unmanaged`] counts as drift.
    pub unmanaged_is_drift: bool,
}

impl CheckReport {
    /// Counts of declared, drifted, unhealthy and unmanaged replications.
    pub fn summary(&self) -> CheckSummary {
        let mut s = CheckSummary {
            unmanaged: self.unmanaged.len(),
            ..CheckSummary::default()
        };
        for e in &self.entries {
            if e.health.is_some() {
                s.declared += 1;
            }
            if e.drift() {
                s.drifted += 1;
            }
            if e.unhealthy() {
                s.unhealthy += 1;
            }
        }
        if self.unmanaged_is_drift {
            s.drifted += self.unmanaged.len();
        }
        s
    }

    /// True when nothing drifted and every declared replication is healthy.
    pub fn ok(&self) -> bool {
        let s = self.summary();
        s.drifted == 0 && s.unhealthy == 0
    }
}

/// The spelling EFS uses for a status.
pub fn status_name(s: &ReplicationStatus) -> &str {
    s.as_str()
}

/// A duration as people write it (`1h 5m`), to the second.
pub fn human_duration(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

/// Judges the health of one observed replication at `now`.
fn judge(
    r: &ActualReplication,
    max_lag: Option<Duration>,
    now: SystemTime,
    opts: &HealthOptions,
) -> (Option<Duration>, Vec<String>) {
    let d = &r.destination;
    let age = now.duration_since(r.creation_time).unwrap_or_default();
    let lag = d
        .last_replicated
        .map(|t| now.duration_since(t).unwrap_or_default());
    let mut problems = Vec::new();
    let with_message = |what: String| match &d.status_message {
        Some(m) => format!("{what}: {m}"),
        None => what,
    };
    match &d.status {
        ReplicationStatus::Enabled => {}
        ReplicationStatus::Enabling => {
            if age > opts.enabling_grace {
                problems.push(format!(
                    "still ENABLING {} after creation (grace period {})",
                    human_duration(age),
                    human_duration(opts.enabling_grace)
                ));
            }
        }
        ReplicationStatus::Error => problems.push(with_message(
            "status is ERROR; recreate the replication (apply replaces it)".to_owned(),
        )),
        ReplicationStatus::Paused => problems.push(with_message(
            "status is PAUSED; replication is not running".to_owned(),
        )),
        ReplicationStatus::Pausing => problems.push(with_message(
            "status is PAUSING; replication is stopping".to_owned(),
        )),
        ReplicationStatus::Deleting => problems.push(with_message(
            "status is DELETING; the replication is being deleted".to_owned(),
        )),
        ReplicationStatus::Other(s) => {
            problems.push(with_message(format!("status is {s}, expected ENABLED")))
        }
    }
    // Lag matters once the replication runs; an ENABLING one has no copy yet.
    let running = !matches!(d.status, ReplicationStatus::Enabling);
    match (lag, max_lag) {
        (Some(l), Some(max)) if l > max => problems.push(format!(
            "replication lag {} exceeds max_replication_lag {}",
            human_duration(l),
            human_duration(max)
        )),
        (None, _) if running && age > opts.initial_sync_grace => problems.push(format!(
            "no LastReplicatedTimestamp {} after creation: the initial copy has not completed (grace period {})",
            human_duration(age),
            human_duration(opts.initial_sync_grace)
        )),
        _ => {}
    }
    (lag, problems)
}

/// Builds the report. Pure: `now` is the instant to judge lag and grace
/// periods at.
pub fn assess(
    desired: &Desired,
    actual: &Actual,
    plan: &Plan,
    now: SystemTime,
    opts: &HealthOptions,
) -> CheckReport {
    let by_source: HashMap<(&Region, &FileSystemId), &ActualReplication> = actual
        .replications
        .iter()
        .map(|r| ((&r.source_region, &r.source), r))
        .collect();
    let declared: HashMap<&crate::model::Address, &crate::model::DesiredReplication> = desired
        .replications
        .iter()
        .map(|d| (&d.address, d))
        .collect();
    let mut entries = Vec::new();
    for c in &plan.changes {
        let d = c.address.declared().and_then(|a| declared.get(a)).copied();
        let attrs = c.before.as_ref().or(c.after.as_ref());
        let Some(attrs) = attrs else { continue };
        // An orphaned destination side is not the replication of its source:
        // never attach the live replication's status to it.
        let orphan = matches!(c.address.kind(), AddressKind::Orphan(_));
        let observed = (!orphan)
            .then(|| by_source.get(&(&attrs.source_region, &attrs.source_file_system_id)))
            .flatten()
            .copied();
        let max_lag = d.and_then(|d| d.max_replication_lag);
        let mut e = Entry {
            address: c.address.clone(),
            action: c.action,
            drift_reason: (c.action != Action::NoOp).then(|| c.reason.clone()),
            source_file_system_id: attrs.source_file_system_id.clone(),
            source_region: attrs.source_region.clone(),
            account: None,
            account_name: None,
            destination_file_system_id: c
                .before
                .as_ref()
                .and_then(|b| b.destination_file_system_id.clone())
                .or_else(|| {
                    c.after
                        .as_ref()
                        .and_then(|a| a.destination_file_system_id.clone())
                }),
            destination_region: attrs.destination_region.clone(),
            status: if orphan { attrs.status.clone() } else { None },
            status_message: None,
            last_replicated: None,
            lag: None,
            max_lag,
            health: None,
            problems: Vec::new(),
            notes: c.notes.clone(),
        };
        let source_key = Some((
            attrs.source_region.clone(),
            attrs.source_file_system_id.clone(),
        ));
        let account = observed
            .and_then(|r| r.source_owner.clone())
            .or_else(|| {
                source_key
                    .and_then(|k| actual.file_systems.get(&k))
                    .map(|f| f.owner.clone())
            })
            .or_else(|| d.and_then(|d| d.source_account.clone()));
        e.account_name = account
            .as_ref()
            .and_then(|a| desired.account(a))
            .map(|a| a.name.clone());
        e.account = account;
        if let Some(r) = observed {
            e.status = Some(r.destination.status.clone());
            e.status_message = r.destination.status_message.clone();
            e.last_replicated = r.destination.last_replicated;
            e.destination_file_system_id = Some(r.destination.file_system_id.clone().into());
            e.destination_region = r.destination.region.clone();
        }
        if d.is_some() {
            match observed {
                None => e.problems.push(format!(
                    "no replication of {} exists in {}",
                    e.source_file_system_id, e.source_region
                )),
                Some(r) => {
                    let (lag, problems) = judge(r, max_lag, now, opts);
                    e.lag = lag;
                    e.problems = problems;
                }
            }
            e.health = Some(if e.problems.is_empty() {
                Health::Healthy
            } else {
                Health::Unhealthy
            });
        }
        entries.push(e);
    }
    entries.sort_by(|a, b| a.address.cmp(&b.address));
    CheckReport {
        checked_at: now,
        entries,
        unmanaged: plan.unmanaged.clone(),
        unmanaged_is_drift: opts.unmanaged_is_drift,
    }
}
