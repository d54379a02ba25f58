//! Waits that cost pages, not replications: one [`Poller`] serves every wait
//! of an apply. A wait registers what it watches (a replication seen from its
//! source Region or from its destination Region) and sleeps on its own
//! growing, bounded interval; when it is due it takes the newest observation
//! of its Region if one was made recently enough (since it started, and no
//! earlier than half an interval before it was due), and otherwise makes
//! one, under a per-Region lock, for every wait of that Region at once:
//! one paginated `DescribeReplicationConfigurations` listing, or a call by
//! file system id per wait when at most [`BY_ID_LIMIT`] waits remain there.
//! Waits that start together therefore fall into step after their first
//! poll, and N waits in a Region cost about one listing per interval.
//!
//! Nothing is concluded from an absence a listing may not show: a
//! destination Region's listing need not include replications whose
//! destination is there, and a listing of several pages is not one
//! consistent snapshot, so such an absence is confirmed by id before a wait
//! acts on it. The poller only reads: it never calls a mutating operation.

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::join_all;
use tokio::sync::watch;

use super::{ApplyOptions, Attempt, Operation, Operations, StepError, Wait};
use crate::model::{ActualReplication, FileSystemId, Region, ReplicationStatus};

/// At most this many waits left in a Region are polled by file system id
/// (one call each); more are polled with one listing of the Region.
pub const BY_ID_LIMIT: usize = 3;

/// Shortest interval between polls of one wait.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// One paginated `DescribeReplicationConfigurations` listing of a Region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    /// Every replication configuration the Region listed, all pages.
    pub replications: Vec<ActualReplication>,
    /// How many pages the listing took.
    pub pages: usize,
}

/// What a wait waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The replication is `ENABLED` (fails on `ERROR`, `PAUSED` or if it
    /// disappears).
    Enabled,
    /// The replication is no longer listed on the watched side.
    Gone,
}

/// Which side of a replication a wait watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The source side, polled in the source Region.
    Source,
    /// The destination side, polled in the destination Region.
    Destination,
}

/// A replication as a wait watches it: one side, polled in that side's
/// Region, identified by that side's file system.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Watch {
    /// The side watched.
    pub side: Side,
    /// The Region polled: the source Region for [`Side::Source`], the
    /// destination Region for [`Side::Destination`].
    pub region: Region,
    /// The file system of that side.
    pub file_system: FileSystemId,
}

impl Watch {
    /// The replication of `source`, seen from its source Region `region`.
    pub fn source(region: &Region, source: &FileSystemId) -> Watch {
        Watch {
            side: Side::Source,
            region: region.clone(),
            file_system: source.clone(),
        }
    }

    /// The replication into `destination`, seen from its destination Region
    /// `region` (for a deletion whose next step needs that side gone).
    pub fn destination(region: &Region, destination: &FileSystemId) -> Watch {
        Watch {
            side: Side::Destination,
            region: region.clone(),
            file_system: destination.clone(),
        }
    }

    /// True when `r` is the watched replication.
    fn matches(&self, r: &ActualReplication) -> bool {
        match self.side {
            Side::Source => r.source == self.file_system && r.source_region == self.region,
            Side::Destination => {
                r.destination.file_system_id == self.file_system
                    && r.destination.region == self.region
            }
        }
    }

    /// How the wait names what it watches in messages.
    fn describe(&self) -> String {
        match self.side {
            Side::Source => format!("the replication of {} ({})", self.file_system, self.region),
            Side::Destination => format!(
                "the replication into {} ({})",
                self.file_system, self.region
            ),
        }
    }
}

/// What one poll of a Region saw.
#[derive(Debug)]
enum Seen {
    /// A listing of the Region (or why it failed).
    Listing(Result<Listing, StepError>),
    /// Calls by file system id, one per wait registered when polled.
    ById(HashMap<Watch, Result<Option<ActualReplication>, StepError>>),
}

/// The newest poll of a Region and when it started.
#[derive(Debug)]
struct Snapshot {
    at: Instant,
    seen: Seen,
}

/// What a snapshot says about one watch.
enum Lookup {
    Found(ActualReplication),
    Absent,
    /// Absent from a listing that may not show it: confirm by id.
    Unsure,
    Failed(StepError),
}

impl Snapshot {
    fn covers(&self, w: &Watch) -> bool {
        match &self.seen {
            Seen::Listing(_) => true,
            Seen::ById(m) => m.contains_key(w),
        }
    }

    fn lookup(&self, w: &Watch) -> Lookup {
        match &self.seen {
            Seen::Listing(Err(e)) => Lookup::Failed(e.clone()),
            Seen::Listing(Ok(l)) => match l.replications.iter().find(|r| w.matches(r)) {
                Some(r) => Lookup::Found(r.clone()),
                // A source Region always lists its sources; one page is one
                // consistent view.
                None if w.side == Side::Source && l.pages <= 1 => Lookup::Absent,
                None => Lookup::Unsure,
            },
            Seen::ById(m) => match m.get(w) {
                Some(Ok(Some(r))) => Lookup::Found(r.clone()),
                Some(Ok(None)) | None => Lookup::Absent,
                Some(Err(e)) => Lookup::Failed(e.clone()),
            },
        }
    }
}

/// The polls of one Region: the waits registered there and the newest
/// snapshot (its lock is held while polling, so one poll runs at a time and
/// waits due meanwhile take its result).
#[derive(Default)]
struct RegionPolls {
    watching: Mutex<BTreeMap<Watch, usize>>,
    snapshot: tokio::sync::Mutex<Option<Snapshot>>,
}

/// Serves the waits of one apply; see the module documentation.
pub struct Poller<'a, O> {
    ops: &'a O,
    regions: Mutex<HashMap<Region, Arc<RegionPolls>>>,
}

/// Keeps a watch registered while its wait runs.
struct Registration<'p> {
    polls: &'p RegionPolls,
    watch: Watch,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        let mut w = lock(&self.polls.watching);
        if let Some(n) = w.get_mut(&self.watch) {
            *n -= 1;
            if *n == 0 {
                w.remove(&self.watch);
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<'a, O: Operations> Poller<'a, O> {
    /// A poller reading through `ops`.
    pub fn new(ops: &'a O) -> Self {
        Poller {
            ops,
            regions: Mutex::new(HashMap::new()),
        }
    }

    fn region(&self, region: &Region) -> Arc<RegionPolls> {
        lock(&self.regions)
            .entry(region.clone())
            .or_default()
            .clone()
    }

    /// Waits until `watch` is as `want` says, with a growing, bounded
    /// interval (`opts.poll_initial` growing by half up to `opts.poll_max`),
    /// until `opts.wait_timeout` or until `cancel` turns `true`. `ERROR` or
    /// `PAUSED` while waiting for `ENABLED` fails the wait with EFS's status
    /// message. A failed poll fails the waits that needed it.
    pub async fn wait(
        &self,
        watch: &Watch,
        want: Want,
        opts: &ApplyOptions,
        mut cancel: watch::Receiver<bool>,
    ) -> Attempt {
        let op = match want {
            Want::Enabled => Operation::Wait(Wait::Enabled),
            Want::Gone => Operation::Wait(Wait::Deleted),
        };
        let polls = self.region(&watch.region);
        *lock(&polls.watching).entry(watch.clone()).or_default() += 1;
        let _registered = Registration {
            polls: &polls,
            watch: watch.clone(),
        };
        let fail = |message: String, hint: String| {
            Attempt::Err(StepError {
                operation: op.clone(),
                region: watch.region.to_string(),
                code: None,
                message,
                hint,
            })
        };
        let what = watch.describe();
        let joined = Instant::now();
        let deadline = joined + opts.wait_timeout;
        let max = opts.poll_max.max(MIN_INTERVAL);
        let mut interval = opts.poll_initial.max(MIN_INTERVAL);
        let mut due = (joined + interval).min(deadline);
        let mut last_seen: Option<Instant> = None;
        let mut last;
        loop {
            if *cancel.borrow() {
                return Attempt::Interrupted;
            }
            tokio::select! {
                _ = tokio::time::sleep_until(due.into()) => {}
                _ = cancel.wait_for(|c| *c) => return Attempt::Interrupted,
            }
            let not_before = joined.max(due.checked_sub(interval / 2).unwrap_or(joined));
            let (at, found) = self.observe(&polls, watch, not_before, last_seen).await;
            last_seen = Some(at);
            let found = match found {
                Ok(f) => f,
                Err(e) => return Attempt::Err(e),
            };
            match (want, found) {
                (Want::Gone, None) => return Attempt::Ok,
                (Want::Gone, Some(r)) => last = r.destination.status.as_str().to_owned(),
                (Want::Enabled, None) => {
                    return fail(
                        format!("{what} disappeared while waiting for it to become ENABLED"),
                        "someone deleted it meanwhile; run plan and apply again".to_owned(),
                    )
                }
                (Want::Enabled, Some(r)) => match &r.destination.status {
                    ReplicationStatus::Enabled => return Attempt::Ok,
                    s @ (ReplicationStatus::Error | ReplicationStatus::Paused) => {
                        return fail(
                            format!(
                                "the replication of {} ({}) to {} ({}) reached {} while waiting for ENABLED: {}",
                                r.source,
                                r.source_region,
                                r.destination.file_system_id,
                                r.destination.region,
                                s.as_str(),
                                r.destination
                                    .status_message
                                    .as_deref()
                                    .unwrap_or("no status message")
                            ),
                            "fix the cause the status message names (e.g. the KMS key or role of the destination), then delete the replication with a removed block, or wait for EFS to recover, and run apply again".to_owned(),
                        )
                    }
                    s => last = s.as_str().to_owned(),
                },
            }
            let now = Instant::now();
            if now >= deadline {
                let state = match want {
                    Want::Enabled => "ENABLED",
                    Want::Gone => "deleted",
                };
                return fail(
                    format!(
                        "timed out after {} waiting for {what} to be {state}: it is still {last}",
                        humantime::format_duration(opts.wait_timeout)
                    ),
                    "it may still finish on its own: run apply again later, or raise --wait-timeout"
                        .to_owned(),
                );
            }
            interval = (interval * 3 / 2).min(max);
            due = (at + interval).min(deadline);
        }
    }

    /// The watched replication as the newest acceptable snapshot of its
    /// Region shows it (polling if there is none), and when that snapshot
    /// was taken. Acceptable: started at or after `not_before` and after
    /// `last_seen`, and covering `watch`.
    async fn observe(
        &self,
        polls: &RegionPolls,
        watch: &Watch,
        not_before: Instant,
        last_seen: Option<Instant>,
    ) -> (Instant, Result<Option<ActualReplication>, StepError>) {
        let mut snapshot = polls.snapshot.lock().await;
        let fresh = snapshot.as_ref().is_some_and(|s| {
            s.at >= not_before && last_seen.is_none_or(|l| s.at > l) && s.covers(watch)
        });
        if !fresh {
            *snapshot = Some(self.poll(polls, &watch.region).await);
        }
        let Some(s) = snapshot.as_ref() else {
            unreachable!("a snapshot was just stored")
        };
        let at = s.at;
        match s.lookup(watch) {
            Lookup::Found(r) => (at, Ok(Some(r))),
            Lookup::Absent => (at, Ok(None)),
            Lookup::Failed(e) => (at, Err(e)),
            Lookup::Unsure => {
                drop(snapshot);
                (at, self.by_id(watch).await)
            }
        }
    }

    /// One poll of `region` for every wait registered there.
    async fn poll(&self, polls: &RegionPolls, region: &Region) -> Snapshot {
        let at = Instant::now();
        let watching: Vec<Watch> = lock(&polls.watching).keys().cloned().collect();
        let seen = if watching.len() <= BY_ID_LIMIT {
            let found = join_all(watching.iter().map(|w| self.by_id(w))).await;
            Seen::ById(watching.into_iter().zip(found).collect())
        } else {
            Seen::Listing(self.ops.list_replications(region).await)
        };
        Snapshot { at, seen }
    }

    /// `DescribeReplicationConfigurations` of the watched side's file system.
    async fn by_id(&self, watch: &Watch) -> Result<Option<ActualReplication>, StepError> {
        self.ops
            .replication(&watch.region, &watch.file_system)
            .await
            .map(|r| r.filter(|r| watch.matches(r)))
    }
}
