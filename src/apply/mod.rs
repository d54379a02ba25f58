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
//! protection where the plan has an `update-protection` step. Right before
//! each destructive call it re-reads the target and refuses the step when it
//! changed since the plan (`guard.rs`); a `restore-protection` step runs
//! only when the create it compensates fails or is skipped, even after an
//! interrupt. The one thing
//! it adds is read-only: unless `--no-wait`, a declared replication that is
//! already in place but was still ENABLING when planned (e.g. after an
//! interrupted apply) is waited for like a new one ([`pending_waits`]), so
//! that a re-run finishes what the interrupted run left. EFS is reached through the
//! [`Operations`] trait ([`EfsWriter`] over `aws-sdk-efs`); retries of
//! transient errors belong to the SDK's retry configuration, not to this module.

mod aftermath;
mod efs;
mod error;
mod guard;
mod live;
pub mod policy;
mod progress;
mod report;
mod stale;
mod states;
mod wait;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::watch;

pub use aftermath::NoDr;
pub use efs::EfsWriter;
pub use error::{Operation, StepError, Wait};
pub use live::Live;
pub use policy::{decide, needs_verify, Attempt, Decision, Note};
pub use progress::{
    json_event, plain_line, Event, JsonReporter, PlainReporter, Reporter, TtyReporter,
};
pub use report::{render_summary_human, summary_json, AddressReport, ApplyReport, Outcome};
pub use stale::{read_scope, what_changed};
pub use wait::{Listing, Poller, Side, Want, Watch};

use crate::model::{ActualReplication, FileSystemId, FileSystemInfo, Region, ReplicationStatus};
use crate::plan::{Action, ChangeAddress, DestinationSpec, Expect, Plan, Step, StepId, StepKind};
use states::{
    compensates, finish_address, is_mutating, phase, settle_compensations, skip_dependents,
    skip_pending, states_view, stop_reason, State, Stop, Track,
};

/// The EFS calls apply makes. Implemented over `aws-sdk-efs` by [`EfsWriter`].
pub trait Operations: Sync {
    /// `CreateReplicationConfiguration` of `source` (called in `region`);
    /// the id of the destination file system when EFS returned one.
    fn create(
        &self,
        region: &Region,
        source: &FileSystemId,
        destination: &DestinationSpec,
    ) -> impl Future<Output = Result<Option<String>, StepError>> + Send;
    /// `DeleteReplicationConfiguration` of the replication whose source is `source`.
    fn delete(
        &self,
        region: &Region,
        source: &FileSystemId,
    ) -> impl Future<Output = Result<(), StepError>> + Send;
    /// `DeleteReplicationConfiguration` with `DeletionMode =
    /// LOCAL_CONFIGURATION_ONLY`: removes only the side in `region` (an
    /// orphaned destination side, in its own Region), made with the
    /// credentials of the account of `destination`, the file system of that
    /// side (the one the guard re-read). An implementation that cannot make
    /// this call refuses it rather than delete more.
    fn delete_local(
        &self,
        region: &Region,
        source: &FileSystemId,
        _destination: &FileSystemId,
    ) -> impl Future<Output = Result<(), StepError>> + Send {
        let region = region.to_string();
        let source = source.to_string();
        async move {
            Err(StepError {
                operation: "DeleteReplicationConfiguration".into(),
                region,
                code: None,
                message: format!(
                    "this client cannot remove the local side of the replication of {source} only"
                ),
                hint: "nothing was deleted; remove it with the AWS CLI (--deletion-mode LOCAL_CONFIGURATION_ONLY)".into(),
            })
        }
    }
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
    /// `DescribeFileSystems` of one file system, `None` when it does not
    /// exist: the re-read before a protection change.
    fn file_system(
        &self,
        region: &Region,
        id: &FileSystemId,
    ) -> impl Future<Output = Result<Option<FileSystemInfo>, StepError>> + Send;
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
    /// Where the run records what it has done as it goes, for a caller
    /// that may have to exit before [`execute`] returns ([`Live::leftovers`]).
    pub live: Live,
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
            live: Live::default(),
        }
    }
}

type StepFuture<'a> = Pin<Box<dyn Future<Output = (StepId, Ran)> + Send + 'a>>;

/// How a step ran: the policy's decision, and whether it left an overwrite
/// protection DISABLED.
struct Ran {
    decision: Decision,
    /// An `update-protection` step whose call succeeded, or failed while
    /// EFS applied it anyway (the re-read says DISABLED): its compensation
    /// must run if the create does not happen.
    lifted: bool,
}

/// The addresses of declared replications that are in place (no change)
/// but were still ENABLING when planned: apply waits for them to become
/// ENABLED unless `--no-wait`.
pub fn pending_waits(plan: &Plan) -> Vec<&ChangeAddress> {
    plan.changes
        .iter()
        .filter(|c| c.action == Action::NoOp && c.steps.is_empty())
        .filter(|c| {
            c.after.is_some()
                && c.before
                    .as_ref()
                    .is_some_and(|b| b.status == Some(ReplicationStatus::Enabling))
        })
        .map(|c| &c.address)
        .collect()
}

/// `plan` with a `wait-enabled` step for each of its [`pending_waits`].
fn with_pending_waits(plan: &Plan) -> Plan {
    let mut plan = plan.clone();
    let waits: Vec<ChangeAddress> = pending_waits(&plan).into_iter().cloned().collect();
    let mut next = plan.steps.iter().map(|s| s.id).max().unwrap_or(0) + 1;
    for c in plan.changes.iter_mut() {
        if !waits.contains(&c.address) {
            continue;
        }
        let Some(b) = &c.before else { continue };
        let (region, source) = (b.source_region.clone(), b.source_file_system_id.clone());
        plan.steps.push(Step {
            id: next,
            kind: StepKind::WaitEnabled {
                source_file_system_id: source,
                region,
            },
            depends_on: vec![],
            expect: None,
        });
        c.steps.push(next);
        next += 1;
    }
    plan
}

/// Runs the plan's steps. `interrupt` turning `true` (Ctrl-C, SIGTERM)
/// stops launching new steps, cuts waits short and lets in-flight calls
/// finish; compensations (restoring a protection lifted for a create that
/// then failed or was skipped) still run. Unless `opts.no_wait`, it also
/// waits for the plan's [`pending_waits`].
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
    // The source of the create each protection change prepares.
    let creates_from: HashMap<StepId, &FileSystemId> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.kind {
            StepKind::Create {
                source_file_system_id,
                ..
            } => Some(
                s.depends_on
                    .iter()
                    .map(move |d| (*d, source_file_system_id)),
            ),
            _ => None,
        })
        .flatten()
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
    // Protection changes that left the protection DISABLED, failed or not.
    let mut lifted: std::collections::BTreeSet<StepId> = std::collections::BTreeSet::new();
    if *interrupt.borrow_and_update() {
        stop = Some(Stop::Interrupted);
    }
    let mut ticker = tokio::time::interval(opts.progress_interval.max(Duration::from_millis(100)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;

    loop {
        skip_dependents(&steps, &mut states, &owner, plan);
        if let Some(s) = &stop {
            // Nothing new starts, but compensations still run: mark the
            // rest skipped now so that they can tell.
            skip_pending(&steps, &mut states, &stop_reason(s));
            skip_dependents(&steps, &mut states, &owner, plan);
        }
        settle_compensations(&steps, &mut states, &lifted);
        for (i, c) in plan.changes.iter().enumerate() {
            finish_address(i, c, &states, &mut tracks, reporter);
        }
        {
            let ready: Vec<StepId> = states
                .iter()
                .filter(|(id, st)| {
                    let step = steps[id];
                    let is_compensation = compensates(&step.kind).is_some();
                    // A compensation also runs after a protection change
                    // that failed but was applied all the same.
                    let deps_done = step.depends_on.iter().all(|d| {
                        matches!(states.get(d), Some(State::Done(_)))
                            || (is_compensation && lifted.contains(d))
                    });
                    matches!(st, State::Pending)
                        && deps_done
                        && match compensates(&step.kind) {
                            Some(c) => {
                                matches!(states.get(&c), Some(State::Failed(_) | State::Skipped(_)))
                            }
                            None => stop.is_none(),
                        }
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
                            address: plan.changes[i].address.as_str(),
                            action: plan.changes[i].action,
                        });
                    }
                }
                let is_wait = !mutating;
                if is_wait && opts.no_wait && !has_dependents.contains(&id) {
                    states.insert(id, State::Done(Some("not waited for (--no-wait)".into())));
                    opts.live.marked_done(id);
                    progressed = true;
                    continue;
                }
                states.insert(id, State::Running);
                opts.live.started(id);
                if mutating {
                    mutating_in_flight += 1;
                }
                let cancel = cancel_rx.clone();
                let from = creates_from.get(&id).copied();
                running.push(Box::pin(async move {
                    (id, run_step(ops, poller, step, opts, cancel, from).await)
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
            Some((id, Ran { decision, lifted: lifted_it })) = running.next() => {
                if is_mutating(&steps[&id].kind) {
                    mutating_in_flight -= 1;
                }
                if lifted_it {
                    lifted.insert(id);
                }
                opts.live.ended(id, matches!(decision, Decision::Done { .. }), lifted_it);
                let state = match decision {
                    Decision::Done { note } => State::Done(note),
                    Decision::Fail { error, stop_launching } => {
                        if stop_launching && stop.is_none() {
                            let who = states::address_of(id, &owner, plan);
                            stop = Some(Stop::FailFast(who));
                        }
                        State::Failed(error)
                    }
                    Decision::Skip { reason } => State::Skipped(reason),
                };
                if let (Some(&i), State::Failed(error)) = (owner.get(&id), &state) {
                    let t = &mut tracks[i];
                    if !t.ended {
                        t.ended = true;
                        reporter.event(&Event::Errored {
                            address: plan.changes[i].address.as_str(),
                            action: plan.changes[i].action,
                            elapsed: t.started.map(|s| s.elapsed()).unwrap_or_default(),
                            error,
                        });
                    }
                }
                states.insert(id, state);
            }
            _ = ticker.tick() => {
                let pending: Vec<Event<'_>> = tracks
                    .iter()
                    .enumerate()
                    .filter_map(|(i, t)| match (t.started, t.ended) {
                        (Some(s), false) => Some(Event::Progress {
                            address: plan.changes[i].address.as_str(),
                            action: plan.changes[i].action,
                            phase: t.phase,
                            elapsed: s.elapsed(),
                        }),
                        _ => None,
                    })
                    .collect();
                if !pending.is_empty() {
                    reporter.tick(&pending);
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
        Some(s) => stop_reason(s),
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

/// One step: for a destructive one the compare-and-swap re-read, then the
/// call (or the wait), then the policy's decision. `creates_from` is the
/// source of the create a protection change prepares.
async fn run_step<O: Operations>(
    ops: &O,
    poller: &Poller<'_, O>,
    step: &Step,
    opts: &ApplyOptions,
    cancel: watch::Receiver<bool>,
    creates_from: Option<&FileSystemId>,
) -> Ran {
    let ran = |decision| Ran {
        decision,
        lifted: false,
    };
    match guard::check(ops, step, creates_from).await {
        Ok(guard::Guard::Proceed) => {}
        Ok(guard::Guard::Done(note)) => return ran(Decision::Done { note: Some(note) }),
        Ok(guard::Guard::Changed(error)) => {
            return ran(Decision::Fail {
                error,
                stop_launching: opts.fail_fast,
            })
        }
        Err(mut error) => {
            error.hint = format!(
                "{}; nothing was changed: apply re-reads the target right before each destructive call and does not act on a guess",
                error.hint
            );
            return ran(Decision::Fail {
                error,
                stop_launching: opts.fail_fast,
            });
        }
    }
    // What a create returned, for its note: `new destination fs-... (REGION)`.
    let mut destination_id = None;
    let attempt = match &step.kind {
        StepKind::Delete {
            source_file_system_id,
            region,
            orphan,
        } => to_attempt(match (orphan, &step.expect) {
            (None, _) => ops.delete(region, source_file_system_id).await,
            // The guard refused an orphan delete without an expectation.
            (
                Some(_),
                Some(Expect::Replication {
                    destination_file_system_id,
                    ..
                }),
            ) => {
                ops.delete_local(region, source_file_system_id, destination_file_system_id)
                    .await
            }
            (Some(_), _) => Err(StepError {
                operation: "DeleteReplicationConfiguration".into(),
                region: region.to_string(),
                code: None,
                message: format!(
                    "the removal of the orphaned side of {source_file_system_id} does not name its destination file system"
                ),
                hint: "nothing was deleted; run plan again and apply the new plan".into(),
            }),
        }),
        StepKind::UpdateProtection {
            file_system_id,
            region,
            replication_overwrite_protection,
        } => {
            let attempt = to_attempt(
                ops.update_protection(
                    region,
                    file_system_id,
                    replication_overwrite_protection.as_str(),
                )
                .await,
            );
            return protection_changed(ops, step, attempt, opts.fail_fast).await;
        }
        StepKind::Create {
            source_file_system_id,
            region,
            destination,
        } => match ops.create(region, source_file_system_id, destination).await {
            Ok(id) => {
                destination_id = id.map(|id| {
                    let new = if destination.file_system_id.is_none() {
                        "new "
                    } else {
                        ""
                    };
                    format!("{new}destination {id} ({})", destination.region)
                });
                Attempt::Ok
            }
            Err(e) => Attempt::Err(e),
        },
        StepKind::WaitEnabled {
            source_file_system_id,
            region,
        } => {
            let w = Watch::source(region, source_file_system_id);
            poller.wait(&w, Want::Enabled, opts, cancel).await
        }
        StepKind::WaitDeleted { .. } => {
            // The source side, then the destination side when the step
            // names it (it may outlive the source side; a later step needs
            // its file system out of the replication).
            let mut attempt = Attempt::Ok;
            for (i, side) in step.kind.sides_to_wait_for().into_iter().enumerate() {
                let w = if i == 0 {
                    Watch::source(&side.region, &side.file_system_id)
                } else {
                    Watch::destination(&side.region, &side.file_system_id)
                };
                attempt = poller.wait(&w, Want::Gone, opts, cancel.clone()).await;
                if attempt != Attempt::Ok {
                    break;
                }
            }
            attempt
        }
        StepKind::RestoreProtection {
            file_system_id,
            region,
            replication_overwrite_protection,
            ..
        } => {
            let attempt = to_attempt(
                ops.update_protection(
                    region,
                    file_system_id,
                    replication_overwrite_protection.as_str(),
                )
                .await,
            );
            return ran(match decide(&step.kind, &attempt, None, opts.fail_fast) {
                Decision::Done { note: None } => Decision::Done {
                    note: Some(Note::from(format!(
                        "overwrite protection of {file_system_id} ({region}) set back to {replication_overwrite_protection}"
                    ))),
                },
                Decision::Fail {
                    mut error,
                    stop_launching,
                } => {
                    error.hint = format!(
                        "set it back yourself: aws efs update-file-system-protection --file-system-id {file_system_id} --replication-overwrite-protection {replication_overwrite_protection} --region {region}"
                    );
                    Decision::Fail {
                        error,
                        stop_launching,
                    }
                }
                d => d,
            });
        }
    };
    // A delete answered "not found": done only once the destination side
    // reads as gone too (see `guard::confirm_gone`).
    if let (StepKind::Delete { .. }, Attempt::Err(e)) = (&step.kind, &attempt) {
        if policy::is_gone(e) {
            let confirmed = match guard::confirm_gone(ops, step).await {
                Ok(guard::Guard::Done(note)) => Ok(note),
                Ok(guard::Guard::Proceed) => Ok(Note::already("already deleted")),
                Ok(guard::Guard::Changed(error)) | Err(error) => Err(error),
            };
            return ran(policy::decide_gone(confirmed, opts.fail_fast));
        }
    }
    // A create answered with a code that may mean "already there": read
    // the replication of its source and decide with what is found (a read
    // that fails too is a failure that says so).
    let seen = match &step.kind {
        StepKind::Create {
            source_file_system_id,
            region,
            ..
        } if needs_verify(&step.kind, &attempt) => {
            ops.replication(region, source_file_system_id).await.ok()
        }
        _ => None,
    };
    ran(
        match decide(
            &step.kind,
            &attempt,
            seen.as_ref().map(Option::as_ref),
            opts.fail_fast,
        ) {
            Decision::Done { note: None } if destination_id.is_some() => Decision::Done {
                note: destination_id.map(Note::from),
            },
            d => d,
        },
    )
}

/// The decision on a protection change to DISABLED. A call that failed is
/// checked by reading the file system again: an answer lost on the way back
/// (EFS applied the change, the client saw an error) leaves it DISABLED,
/// and then the step still fails (nothing is built on an errored call) but
/// counts as lifted, so that its compensation sets it back.
async fn protection_changed<O: Operations>(
    ops: &O,
    step: &Step,
    attempt: Attempt,
    fail_fast: bool,
) -> Ran {
    let decision = decide(&step.kind, &attempt, None, fail_fast);
    let StepKind::UpdateProtection {
        file_system_id,
        region,
        ..
    } = &step.kind
    else {
        return Ran {
            decision,
            lifted: false,
        };
    };
    match decision {
        Decision::Done { note } => Ran {
            // A note means the guard or the policy found nothing to change.
            lifted: note.is_none(),
            decision: Decision::Done { note },
        },
        Decision::Fail {
            mut error,
            stop_launching,
        } => {
            let now = ops.file_system(region, file_system_id).await;
            let lifted = matches!(
                &now,
                Ok(Some(info)) if info.protection == Some(crate::model::Protection::Disabled)
            );
            if lifted {
                error.hint = format!(
                    "{}; the overwrite protection of {file_system_id} ({region}) reads DISABLED all the same (EFS applied the change, its answer was lost), so it is set back",
                    error.hint
                );
            } else if now.is_err() {
                error.hint = format!(
                    "{}; whether the overwrite protection of {file_system_id} ({region}) changed could not be read: check it with `aws efs describe-file-systems --file-system-id {file_system_id} --region {region}` and set it back with `aws efs update-file-system-protection --file-system-id {file_system_id} --replication-overwrite-protection ENABLED --region {region}` if it reads DISABLED",
                    error.hint
                );
            }
            Ran {
                decision: Decision::Fail {
                    error,
                    stop_launching,
                },
                lifted,
            }
        }
        d => Ran {
            decision: d,
            lifted: false,
        },
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
