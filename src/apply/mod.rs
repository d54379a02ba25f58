//! Apply: executes a plan's step graph against EFS and reports what happened
//! at each address.
//!
//! [`execute`] runs the steps in dependency order: a step starts once every
//! step it depends on is done; at most `parallelism` mutating calls are in
//! flight (waits poll and do not count). What happens after a failed attempt
//! is decided by [`policy::decide`] alone: a failed step skips every step
//! that depends on it, independent steps go on unless `--fail-fast`. An
//! interrupt stops launching, lets in-flight calls finish and cuts waits
//! short. Waits go through one [`Poller`] (`wait.rs`), which reads each
//! Region once per interval for all of its waits. Progress goes to a
//! [`Reporter`]; the result is an [`ApplyReport`].
//!
//! The executor must never do anything the plan does not list: it adds no
//! mutating step, deletes nothing by itself, and only disables overwrite
//! protection where the plan has an `update-protection` step. The one thing
//! it adds is read-only: unless `--no-wait`, a declared replication that is
//! already in place but was still ENABLING when planned (e.g. after an
//! interrupted apply) is waited for like a new one ([`pending_waits`]), so
//! that a re-run finishes what the interrupted run left. EFS is reached through the
//! [`Operations`] trait ([`EfsWriter`] over `aws-sdk-efs`); retries of
//! transient errors belong to the SDK's retry configuration, not to this module.

mod efs;
pub mod policy;
mod progress;
mod report;
mod stale;
mod wait;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use serde::Serialize;
use tokio::sync::watch;

pub use efs::EfsWriter;
pub use policy::{decide, Attempt, Decision};
pub use progress::{
    json_event, plain_line, Event, JsonReporter, PlainReporter, Reporter, TtyReporter,
};
pub use report::{render_summary_human, summary_json, AddressReport, ApplyReport, Outcome};
pub use stale::{observe, read_scope, what_changed, Observed};
pub use wait::{Listing, Poller, Side, Want, Watch};

use crate::discover::DiscoverError;
use crate::model::{ActualReplication, FileSystemId, Region};
use crate::plan::{Action, DestinationSpec, Plan, Step, StepId, StepKind};

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

/// The EFS calls apply makes. Implemented over `aws-sdk-efs` by [`EfsWriter`].
pub trait Operations: Sync {
    /// `CreateReplicationConfiguration` of `source` (called in `region`).
    fn create(
        &self,
        region: &Region,
        source: &FileSystemId,
        destination: &DestinationSpec,
    ) -> impl Future<Output = Result<(), StepError>> + Send;
    /// `DeleteReplicationConfiguration` of the replication whose source is `source`.
    fn delete(
        &self,
        region: &Region,
        source: &FileSystemId,
    ) -> impl Future<Output = Result<(), StepError>> + Send;
    /// `UpdateFileSystemProtection` of `file_system` to `value` (`DISABLED`).
    fn update_protection(
        &self,
        region: &Region,
        file_system: &FileSystemId,
        value: &str,
    ) -> impl Future<Output = Result<(), StepError>> + Send;
    /// `DescribeReplicationConfigurations` of one file system: the
    /// replication it is in, `None` when there is none (or it is gone).
    fn replication(
        &self,
        region: &Region,
        file_system: &FileSystemId,
    ) -> impl Future<Output = Result<Option<ActualReplication>, StepError>> + Send;
    /// Every replication configuration `region` lists: one paginated
    /// `DescribeReplicationConfigurations` (waits poll many at once with it).
    fn list_replications(
        &self,
        region: &Region,
    ) -> impl Future<Output = Result<Listing, StepError>> + Send;
}

/// How to run a plan.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Mutating calls in flight at once (at least 1).
    pub parallelism: usize,
    /// How long one wait may take before its step fails.
    pub wait_timeout: Duration,
    /// Do not wait for replications to become ENABLED, nor for deletions
    /// that nothing else depends on.
    pub no_wait: bool,
    /// After a failure, launch nothing new.
    pub fail_fast: bool,
    /// First interval between polls of a wait; it grows by half each time.
    pub poll_initial: Duration,
    /// Largest interval between polls.
    pub poll_max: Duration,
    /// How often progress is reported for running addresses.
    pub progress_interval: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            parallelism: 10,
            wait_timeout: Duration::from_secs(20 * 60),
            no_wait: false,
            fail_fast: false,
            poll_initial: Duration::from_secs(1),
            poll_max: Duration::from_secs(15),
            progress_interval: Duration::from_secs(10),
        }
    }
}

/// Where a step stands.
#[derive(Debug, Clone)]
enum State {
    Pending,
    Running,
    Done(Option<String>),
    Failed(StepError),
    Skipped(String),
}

impl State {
    fn finished(&self) -> bool {
        !matches!(self, State::Pending | State::Running)
    }
}

/// Why launching stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stop {
    FailFast(String),
    Interrupted,
}

/// True for steps that call a mutating EFS operation.
fn is_mutating(kind: &StepKind) -> bool {
    matches!(
        kind,
        StepKind::Create { .. } | StepKind::Delete { .. } | StepKind::UpdateProtection { .. }
    )
}

/// What an address is doing while one of its steps runs.
fn phase(kind: &StepKind) -> &'static str {
    match kind {
        StepKind::Delete { .. } => "deleting",
        StepKind::WaitDeleted { .. } => "waiting for the deletion",
        StepKind::UpdateProtection { .. } => "disabling overwrite protection",
        StepKind::Create { .. } => "creating",
        StepKind::WaitEnabled { .. } => "waiting for ENABLED",
    }
}

/// Progress of one address.
#[derive(Debug)]
struct Track {
    started: Option<Instant>,
    phase: &'static str,
    ended: bool,
}

type StepFuture<'a> = Pin<Box<dyn Future<Output = (StepId, Decision)> + Send + 'a>>;

/// The addresses of declared replications that are in place (no change)
/// but were still ENABLING when planned: apply waits for them to become
/// ENABLED unless `--no-wait`.
pub fn pending_waits(plan: &Plan) -> Vec<&str> {
    plan.changes
        .iter()
        .filter(|c| c.action == Action::NoOp && c.steps.is_empty())
        .filter(|c| {
            c.after.is_some()
                && c.before
                    .as_ref()
                    .is_some_and(|b| b.status.as_deref() == Some("ENABLING"))
        })
        .map(|c| c.address.as_str())
        .collect()
}

/// `plan` with a `wait-enabled` step for each of its [`pending_waits`].
fn with_pending_waits(plan: &Plan) -> Plan {
    let mut plan = plan.clone();
    let waits: Vec<String> = pending_waits(&plan)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut next = plan.steps.iter().map(|s| s.id).max().unwrap_or(0) + 1;
    for c in plan.changes.iter_mut() {
        if !waits.contains(&c.address) {
            continue;
        }
        let Some(b) = &c.before else { continue };
        let (Ok(region), Ok(source)) = (
            Region::parse(&b.source_region),
            FileSystemId::parse(&b.source_file_system_id),
        ) else {
            continue;
        };
        plan.steps.push(Step {
            id: next,
            kind: StepKind::WaitEnabled {
                source_file_system_id: source,
                region,
            },
            depends_on: vec![],
        });
        c.steps.push(next);
        next += 1;
    }
    plan
}

/// Runs the plan's steps. `interrupt` turning `true` (Ctrl-C) stops
/// launching new steps, cuts waits short and lets in-flight calls finish.
/// Unless `opts.no_wait`, it also waits for the plan's [`pending_waits`].
pub async fn execute<O: Operations>(
    plan: &Plan,
    ops: &O,
    opts: &ApplyOptions,
    reporter: &dyn Reporter,
    mut interrupt: watch::Receiver<bool>,
) -> ApplyReport {
    let augmented;
    let plan = if opts.no_wait || pending_waits(plan).is_empty() {
        plan
    } else {
        augmented = with_pending_waits(plan);
        &augmented
    };
    let started = Instant::now();
    let parallelism = opts.parallelism.max(1);
    let mut states: BTreeMap<StepId, State> =
        plan.steps.iter().map(|s| (s.id, State::Pending)).collect();
    let steps: BTreeMap<StepId, &Step> = plan.steps.iter().map(|s| (s.id, s)).collect();
    let owner: HashMap<StepId, usize> = plan
        .changes
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.steps.iter().map(move |s| (*s, i)))
        .collect();
    let has_dependents: std::collections::BTreeSet<StepId> = plan
        .steps
        .iter()
        .flat_map(|s| s.depends_on.iter().copied())
        .collect();
    let mut tracks: Vec<Track> = plan
        .changes
        .iter()
        .map(|_| Track {
            started: None,
            phase: "",
            ended: false,
        })
        .collect();
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let poller = Poller::new(ops);
    let poller = &poller;
    let mut running: FuturesUnordered<StepFuture<'_>> = FuturesUnordered::new();
    let mut mutating_in_flight = 0usize;
    let mut stop: Option<Stop> = None;
    let mut interrupt_open = true;
    if *interrupt.borrow_and_update() {
        stop = Some(Stop::Interrupted);
    }
    let mut ticker = tokio::time::interval(opts.progress_interval.max(Duration::from_millis(100)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;

    loop {
        skip_dependents(&steps, &mut states, &owner, plan);
        for (i, c) in plan.changes.iter().enumerate() {
            finish_address(i, c, &states, &mut tracks, reporter);
        }
        if stop.is_none() {
            let ready: Vec<StepId> = states
                .iter()
                .filter(|(id, st)| {
                    matches!(st, State::Pending)
                        && steps[id]
                            .depends_on
                            .iter()
                            .all(|d| matches!(states.get(d), Some(State::Done(_))))
                })
                .map(|(id, _)| *id)
                .collect();
            let mut progressed = false;
            for id in ready {
                let step = steps[&id];
                let mutating = is_mutating(&step.kind);
                if mutating && mutating_in_flight >= parallelism {
                    continue;
                }
                if let Some(&i) = owner.get(&id) {
                    let t = &mut tracks[i];
                    t.phase = phase(&step.kind);
                    if t.started.is_none() {
                        t.started = Some(Instant::now());
                        reporter.event(&Event::Start {
                            address: &plan.changes[i].address,
                            action: plan.changes[i].action,
                        });
                    }
                }
                let is_wait = !mutating;
                if is_wait && opts.no_wait && !has_dependents.contains(&id) {
                    states.insert(id, State::Done(Some("not waited for (--no-wait)".into())));
                    progressed = true;
                    continue;
                }
                states.insert(id, State::Running);
                if mutating {
                    mutating_in_flight += 1;
                }
                let cancel = cancel_rx.clone();
                running.push(Box::pin(async move {
                    (id, run_step(ops, poller, step, opts, cancel).await)
                }));
            }
            // A --no-wait shortcut may have finished an address or made
            // more steps ready.
            if progressed {
                continue;
            }
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            Some((id, decision)) = running.next() => {
                if is_mutating(&steps[&id].kind) {
                    mutating_in_flight -= 1;
                }
                let state = match decision {
                    Decision::Done { note } => State::Done(note),
                    Decision::Fail { error, stop_launching } => {
                        if stop_launching && stop.is_none() {
                            let who = owner.get(&id).map(|i| plan.changes[*i].address.clone()).unwrap_or_else(|| format!("step {id}"));
                            stop = Some(Stop::FailFast(who));
                        }
                        State::Failed(error)
                    }
                    Decision::Skip { reason } => State::Skipped(reason),
                    Decision::Verify => State::Failed(StepError {
                        operation: steps[&id].kind.name().to_owned(),
                        region: String::new(),
                        code: None,
                        message: "the step could not be verified".to_owned(),
                        hint: "run apply again".to_owned(),
                    }),
                };
                if let (Some(&i), State::Failed(error)) = (owner.get(&id), &state) {
                    let t = &mut tracks[i];
                    if !t.ended {
                        t.ended = true;
                        reporter.event(&Event::Errored {
                            address: &plan.changes[i].address,
                            action: plan.changes[i].action,
                            elapsed: t.started.map(|s| s.elapsed()).unwrap_or_default(),
                            error,
                        });
                    }
                }
                states.insert(id, state);
            }
            _ = ticker.tick() => {
                for (i, t) in tracks.iter().enumerate() {
                    if let (Some(s), false) = (t.started, t.ended) {
                        reporter.event(&Event::Progress {
                            address: &plan.changes[i].address,
                            action: plan.changes[i].action,
                            phase: t.phase,
                            elapsed: s.elapsed(),
                        });
                    }
                }
            }
            changed = interrupt.changed(), if interrupt_open => {
                match changed {
                    Err(_) => interrupt_open = false,
                    Ok(()) => {
                        if *interrupt.borrow_and_update() {
                            stop = Some(Stop::Interrupted);
                            let _ = cancel_tx.send(true);
                        }
                    }
                }
            }
        }
    }

    let reason = match &stop {
        Some(Stop::Interrupted) => "not started: apply was interrupted".to_owned(),
        Some(Stop::FailFast(a)) => format!("not started: --fail-fast stopped after {a} failed"),
        None => "not started".to_owned(),
    };
    for st in states.values_mut() {
        if !st.finished() {
            *st = State::Skipped(reason.clone());
        }
    }
    skip_dependents(&steps, &mut states, &owner, plan);
    for (i, c) in plan.changes.iter().enumerate() {
        finish_address(i, c, &states, &mut tracks, reporter);
    }
    report::build(
        plan,
        &states_view(&states),
        stop == Some(Stop::Interrupted),
        started.elapsed(),
        &tracks.iter().map(|t| t.started).collect::<Vec<_>>(),
    )
}

/// Marks every pending step that depends on a failed or skipped step as
/// skipped, naming the address whose failure caused it; repeats until stable.
fn skip_dependents(
    steps: &BTreeMap<StepId, &Step>,
    states: &mut BTreeMap<StepId, State>,
    owner: &HashMap<StepId, usize>,
    plan: &Plan,
) {
    loop {
        let mut changed = false;
        let ids: Vec<StepId> = states.keys().copied().collect();
        for id in ids {
            if !matches!(states[&id], State::Pending) {
                continue;
            }
            let blocked = steps[&id]
                .depends_on
                .iter()
                .find_map(|d| match states.get(d) {
                    Some(State::Failed(_)) => Some(format!(
                        "depends on {} ({}), which failed",
                        address_of(*d, owner, plan),
                        steps[d].kind.name()
                    )),
                    Some(State::Skipped(why)) => {
                        let a = address_of(*d, owner, plan);
                        let own = address_of(id, owner, plan);
                        Some(if a == own {
                            why.clone()
                        } else if address_failed(*d, owner, plan, states) {
                            format!("depends on {a}, which failed")
                        } else {
                            format!("depends on {a}, which was skipped")
                        })
                    }
                    None => Some(format!("depends on step {d}, which is not in the plan")),
                    _ => None,
                });
            if let Some(why) = blocked {
                states.insert(id, State::Skipped(why));
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// True when a step of the address that owns step `id` failed.
fn address_failed(
    id: StepId,
    owner: &HashMap<StepId, usize>,
    plan: &Plan,
    states: &BTreeMap<StepId, State>,
) -> bool {
    owner.get(&id).is_some_and(|i| {
        plan.changes[*i]
            .steps
            .iter()
            .any(|s| matches!(states.get(s), Some(State::Failed(_))))
    })
}

fn address_of(id: StepId, owner: &HashMap<StepId, usize>, plan: &Plan) -> String {
    owner
        .get(&id)
        .map(|i| plan.changes[*i].address.clone())
        .unwrap_or_else(|| format!("step {id}"))
}

/// Reports the completion of an address once all its steps are finished.
fn finish_address(
    i: usize,
    change: &crate::plan::Change,
    states: &BTreeMap<StepId, State>,
    tracks: &mut [Track],
    reporter: &dyn Reporter,
) {
    let t = &mut tracks[i];
    if t.ended || change.steps.is_empty() {
        return;
    }
    let all_done = change
        .steps
        .iter()
        .all(|s| matches!(states.get(s), Some(State::Done(_))));
    if all_done {
        t.ended = true;
        let note = change.steps.iter().rev().find_map(|s| match states.get(s) {
            Some(State::Done(Some(n))) => Some(n.clone()),
            _ => None,
        });
        reporter.event(&Event::Complete {
            address: &change.address,
            action: change.action,
            elapsed: t.started.map(|s| s.elapsed()).unwrap_or_default(),
            note: note.as_deref(),
        });
    }
}

/// The final state of each step, as the report reads it.
fn states_view(states: &BTreeMap<StepId, State>) -> BTreeMap<StepId, report::StepEnd> {
    states
        .iter()
        .map(|(id, s)| {
            let end = match s {
                State::Done(n) => report::StepEnd::Done(n.clone()),
                State::Failed(e) => report::StepEnd::Failed(e.clone()),
                State::Skipped(r) => report::StepEnd::Skipped(r.clone()),
                State::Pending | State::Running => report::StepEnd::Skipped("not started".into()),
            };
            (*id, end)
        })
        .collect()
}

/// One step: the call (or the wait), then the policy's decision.
async fn run_step<O: Operations>(
    ops: &O,
    poller: &Poller<'_, O>,
    step: &Step,
    opts: &ApplyOptions,
    cancel: watch::Receiver<bool>,
) -> Decision {
    let attempt = match &step.kind {
        StepKind::Delete {
            source_file_system_id,
            region,
        } => to_attempt(ops.delete(region, source_file_system_id).await),
        StepKind::UpdateProtection {
            file_system_id,
            region,
            replication_overwrite_protection,
        } => to_attempt(
            ops.update_protection(region, file_system_id, replication_overwrite_protection)
                .await,
        ),
        StepKind::Create {
            source_file_system_id,
            region,
            destination,
        } => to_attempt(ops.create(region, source_file_system_id, destination).await),
        StepKind::WaitEnabled {
            source_file_system_id,
            region,
        } => {
            let w = Watch::source(region, source_file_system_id);
            poller.wait(&w, Want::Enabled, opts, cancel).await
        }
        StepKind::WaitDeleted {
            source_file_system_id,
            region,
        } => {
            let w = Watch::source(region, source_file_system_id);
            poller.wait(&w, Want::Gone, opts, cancel).await
        }
    };
    match decide(&step.kind, &attempt, None, opts.fail_fast) {
        Decision::Verify => {
            let (region, source) = match &step.kind {
                StepKind::Create {
                    source_file_system_id,
                    region,
                    ..
                } => (region, source_file_system_id),
                _ => unreachable!("only creates are verified"),
            };
            let seen = ops.replication(region, source).await;
            let found = seen.ok().flatten();
            decide(&step.kind, &attempt, Some(found.as_ref()), opts.fail_fast)
        }
        d => d,
    }
}

fn to_attempt(r: Result<(), StepError>) -> Attempt {
    match r {
        Ok(()) => Attempt::Ok,
        Err(e) => Attempt::Err(e),
    }
}

/// The human verb of an action, for progress lines ("still creating").
pub fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "creating",
        Action::Replace => "replacing",
        Action::Delete => "destroying",
        Action::NoOp => "waiting to become ENABLED",
    }
}
