//! The probe's sequence of calls: create two tagged file systems, try the
//! undocumented refusals, create a replication and watch it, delete it and
//! watch both sides go, delete the file systems and watch them go; then
//! [`cleanup`](super::cleanup::cleanup) whatever is left, whatever happened.
//!
//! Every resource enters the ledger the moment EFS acknowledges it. An
//! interrupt is noticed between calls and during every wait; it ends the
//! observing, never the cleanup. Each wait is bounded by `timeout`.

use std::time::{Duration, Instant};

use aws_sdk_efs::types::ReplicationOverwriteProtection;
use tokio::sync::watch;

use super::cleanup::{cleanup, CleanupReport, CommandStyle, Ledger};
use super::efs::{CallError, ProbeEfs, ReplicationView};
use super::observe::*;
use super::reason::Behaviour;
use crate::model::Region;

/// What the probe does and how long it waits.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Region A: the source.
    pub source_region: Region,
    /// Region B: the destination.
    pub destination_region: Region,
    /// The id in the names and tags (`efs-replicator-probe-<id>`).
    pub probe_id: String,
    /// Bound of each wait.
    pub timeout: Duration,
    /// Time between two polls.
    pub poll_interval: Duration,
    /// Run the throttling burst.
    pub throttle_probe: bool,
    /// Calls in the throttling burst at most.
    pub throttle_calls: u32,
    /// Flags of the printed manual commands.
    pub commands: CommandStyle,
}

/// How a probe run ended.
#[derive(Debug, Clone)]
pub struct ProbeRun {
    /// What was seen.
    pub observations: Observations,
    /// The error that stopped the observing early, if any.
    pub error: Option<String>,
    /// Stopped by an interrupt.
    pub interrupted: bool,
    /// The cleanup.
    pub cleanup: CleanupReport,
}

enum Stop {
    Interrupted,
    Failed(String),
}

impl From<CallError> for Stop {
    fn from(e: CallError) -> Stop {
        Stop::Failed(e.to_string())
    }
}

struct Prober<'a, 'b> {
    efs: &'a ProbeEfs<'b>,
    opts: &'a ProbeOptions,
    ledger: &'a Ledger,
    progress: &'a (dyn Fn(&str) + Sync),
    interrupt: watch::Receiver<bool>,
    obs: Observations,
}

/// Runs the probe, then cleans up (on success, error and interrupt alike).
pub async fn run_probe(
    efs: &ProbeEfs<'_>,
    opts: &ProbeOptions,
    ledger: &Ledger,
    progress: &(dyn Fn(&str) + Sync),
    interrupt: watch::Receiver<bool>,
) -> ProbeRun {
    let mut p = Prober {
        efs,
        opts,
        ledger,
        progress,
        interrupt,
        obs: Observations {
            poll_interval_secs: opts.poll_interval.as_secs_f64(),
            ..Observations::default()
        },
    };
    let outcome = p.observe().await;
    let (error, interrupted) = match outcome {
        Ok(()) => (None, false),
        Err(Stop::Interrupted) => (None, true),
        Err(Stop::Failed(e)) => (Some(e), false),
    };
    let why = if interrupted {
        "interrupted before it was observed".to_owned()
    } else if error.is_some() {
        "not reached: the probe stopped at an error (see above)".to_owned()
    } else {
        "not reached".to_owned()
    };
    let mut obs = p.obs;
    mark_unobserved(&mut obs, &why);
    if !ledger.is_empty() {
        progress("cleaning up what is left");
    }
    let cleanup = cleanup(
        efs,
        ledger,
        opts.timeout,
        opts.poll_interval,
        &opts.commands,
        progress,
    )
    .await;
    ProbeRun {
        observations: obs,
        error,
        interrupted,
        cleanup,
    }
}

fn mark_unobserved(obs: &mut Observations, why: &str) {
    for b in Behaviour::ALL {
        let missing = match b {
            Behaviour::ListingScope => obs.listing.is_none(),
            Behaviour::OwnerIds => obs.owner_ids.is_none(),
            Behaviour::DescribeByDestination => obs.describe_by_destination.is_none(),
            Behaviour::Timeline => obs.timeline.is_none(),
            Behaviour::DestinationDeleteLag => obs.delete.is_none(),
            Behaviour::SecondReplication => obs.errors.second_replication.is_none(),
            Behaviour::ProtectedDestination => obs.errors.protected_destination.is_none(),
            Behaviour::ProtectionChange => obs.errors.protection_change.is_none(),
            Behaviour::DeleteReplicatedFileSystem => {
                obs.errors.delete_replicated_file_system.is_none()
            }
            Behaviour::FileSystemDeleteDelay => obs.file_system_deletes.is_empty(),
            Behaviour::ThrottleStatus => obs.throttle.is_none(),
        };
        if missing {
            obs.skip(b.key(), why);
        }
    }
}

impl Prober<'_, '_> {
    fn say(&self, s: &str) {
        (self.progress)(s);
    }

    fn check(&self) -> Result<(), Stop> {
        if *self.interrupt.borrow() {
            Err(Stop::Interrupted)
        } else {
            Ok(())
        }
    }

    /// Sleeps one poll interval, or returns at an interrupt.
    async fn pause(&mut self) -> Result<(), Stop> {
        self.check()?;
        tokio::select! {
            _ = tokio::time::sleep(self.opts.poll_interval) => Ok(()),
            _ = self.interrupt.changed() => Err(Stop::Interrupted),
        }
    }

    fn name(&self) -> String {
        format!("{}-{}", super::NAME_PREFIX, self.opts.probe_id)
    }

    async fn observe(&mut self) -> Result<(), Stop> {
        let (a, b) = (
            self.opts.source_region.clone(),
            self.opts.destination_region.clone(),
        );
        let name = self.name();
        self.check()?;
        self.say(&format!("creating file system {name} in {a} (source)"));
        let source = self
            .efs
            .create_file_system(&a, &format!("{name}-source"), &name, &self.opts.probe_id)
            .await?;
        self.ledger.add_file_system(&a, &source);
        self.check()?;
        self.say(&format!(
            "creating file system {name} in {b} (existing destination, protection ENABLED)"
        ));
        let target = self
            .efs
            .create_file_system(&b, &format!("{name}-target"), &name, &self.opts.probe_id)
            .await?;
        self.ledger.add_file_system(&b, &target);

        // The burst comes first, so that it is the first DescribeFileSystems
        // (any lifecycle state answers it).
        if self.opts.throttle_probe {
            self.check()?;
            self.say(&format!(
                "throttle probe: up to {} DescribeFileSystems calls in {a}, SDK retries off",
                self.opts.throttle_calls
            ));
            let t = self
                .efs
                .throttle_burst(&a, &source, self.opts.throttle_calls, 10)
                .await?;
            self.obs.throttle = Some(t);
        } else {
            self.obs.skip(
                Behaviour::ThrottleStatus.key(),
                "not run: add --throttle-probe for a short burst of DescribeFileSystems calls",
            );
        }
        self.wait_available(&a, &source).await?;
        self.wait_available(&b, &target).await?;

        // A replication into the protected existing file system.
        self.check()?;
        self.say(&format!(
            "replicating {source} into {target} (protection ENABLED): expecting a refusal"
        ));
        let replication = match self
            .efs
            .create_replication(&a, &source, &b, Some(&target))
            .await
        {
            Ok(r) => {
                self.obs.errors.protected_destination = Some(CallOutcome::Accepted);
                self.say("accepted: that replication is observed from here on");
                self.ledger
                    .add_replication(&a, &source, &b, &r.destination_id);
                Some(r)
            }
            Err(e) if e.is_refusal() => {
                self.obs.errors.protected_destination = Some(e.outcome());
                None
            }
            Err(e) => return Err(e.into()),
        };
        self.check()?;
        let created = match replication {
            Some(r) => r,
            None => {
                self.say(&format!(
                    "creating the replication {source} ({a}) -> new file system in {b}"
                ));
                let r = self.efs.create_replication(&a, &source, &b, None).await?;
                self.ledger
                    .add_replication(&a, &source, &b, &r.destination_id);
                r
            }
        };
        let created_at = Instant::now();
        let dest = created.destination_id.clone();
        self.ledger.add_file_system(&b, &dest);
        if dest != target {
            if let Err(e) = self.efs.tag(&b, &dest, &name, &self.opts.probe_id).await {
                self.say(&format!(
                    "warning: could not tag the destination {dest}, so `probe --cleanup` will only find it through its source: {e}"
                ));
            }
        }

        // Right after the create: listings and owner ids.
        self.check()?;
        let early = self.listed_in(&b, &source).await?;
        let in_source = self.listed_in(&a, &source).await?;
        let described = self.describe(&a, &source).await?;
        if let Some(d) = &described {
            self.obs.owner_ids = Some(OwnerIdObservation {
                create_source_owner: created.source_owner,
                create_destination_owner: created.destination_owner,
                describe_source_owner: d.source_owner,
                describe_destination_owner: d.destination_owner,
            });
        }
        self.obs.listing = Some(ListingObservation {
            incoming_listed_early: early,
            incoming_listed_later: None,
            listed_in_source_region: in_source,
        });

        // A second replication of the same source.
        self.check()?;
        self.say("replicating the same source again: expecting a refusal");
        match self.efs.create_replication(&a, &source, &b, None).await {
            Ok(r) => {
                self.obs.errors.second_replication = Some(CallOutcome::Accepted);
                self.ledger.add_file_system(&b, &r.destination_id);
            }
            Err(e) if e.is_refusal() => self.obs.errors.second_replication = Some(e.outcome()),
            Err(e) => return Err(e.into()),
        }

        self.timeline(&a, &source, &created, created_at).await?;
        let later = self.listed_in(&b, &source).await?;
        if let Some(l) = &mut self.obs.listing {
            l.incoming_listed_later = Some(later);
        }
        // By the destination's id once it is settled (right after the
        // create, EFS may still be creating it).
        self.check()?;
        self.obs.describe_by_destination =
            Some(match self.efs.describe_replication_raw(&b, &dest).await {
                Ok(Some(r)) => DescribeByDestination::Found {
                    reports_the_source: r.source_id == source,
                    source_region: r.source_region,
                },
                Ok(None) => DescribeByDestination::Failed(CallOutcome::Failed {
                    code: None,
                    status: Some(200),
                    message: "an empty list".into(),
                }),
                Err(e) if e.is_refusal() => DescribeByDestination::Failed(e.outcome()),
                Err(e) => return Err(e.into()),
            });

        // Refusals that need a current replication.
        self.check()?;
        self.say(&format!(
            "changing the protection of the destination {dest}: expecting a refusal"
        ));
        match self
            .efs
            .update_protection(&b, &dest, ReplicationOverwriteProtection::Disabled)
            .await
        {
            Ok(()) => self.obs.errors.protection_change = Some(CallOutcome::Accepted),
            Err(e) if e.is_refusal() => self.obs.errors.protection_change = Some(e.outcome()),
            Err(e) => return Err(e.into()),
        }
        self.check()?;
        self.say(&format!(
            "deleting the replicated source {source}: expecting a refusal"
        ));
        match self.efs.delete_file_system(&a, &source).await {
            Ok(()) => {
                self.obs.errors.delete_replicated_file_system = Some(CallOutcome::Accepted);
                self.ledger.file_system_deleted(&source);
            }
            Err(e) if e.is_refusal() => {
                self.obs.errors.delete_replicated_file_system = Some(e.outcome())
            }
            Err(e) => return Err(e.into()),
        }

        self.delete_replication(&a, &source, &b, &dest).await?;
        self.delete_file_systems().await
    }

    async fn wait_available(&mut self, region: &Region, id: &str) -> Result<(), Stop> {
        let start = Instant::now();
        loop {
            self.check()?;
            match self.efs.describe_file_system(region, id).await? {
                Some(f) if f.state == "available" => return Ok(()),
                Some(f) if f.state == "creating" => {}
                Some(f) => {
                    return Err(Stop::Failed(format!(
                        "file system {id} in {region} is {} instead of becoming available",
                        f.state
                    )))
                }
                None => {
                    return Err(Stop::Failed(format!(
                        "file system {id} in {region} disappeared while being created"
                    )))
                }
            }
            if start.elapsed() >= self.opts.timeout {
                return Err(Stop::Failed(format!(
                    "file system {id} in {region} was not available within --timeout {}",
                    humantime::format_duration(self.opts.timeout)
                )));
            }
            self.say(&format!("waiting for {id} to become available"));
            self.pause().await?;
        }
    }

    async fn listed_in(&self, region: &Region, source: &str) -> Result<bool, Stop> {
        Ok(self
            .efs
            .list_replications(region)
            .await?
            .iter()
            .any(|r| r.source_id == source))
    }

    async fn describe(&self, region: &Region, fs: &str) -> Result<Option<ReplicationView>, Stop> {
        Ok(self.efs.describe_replication(region, fs).await?)
    }

    async fn timeline(
        &mut self,
        a: &Region,
        source: &str,
        created: &ReplicationView,
        created_at: Instant,
    ) -> Result<(), Stop> {
        let mut t = Timeline {
            created_at_unix_secs: unix_now() - created_at.elapsed().as_secs_f64(),
            created_status: created.status.clone(),
            events: Vec::new(),
            enabled_after_secs: None,
            first_sync_after_secs: None,
            timed_out: false,
        };
        let mut last = (created.status.clone(), created.last_replicated.is_some());
        self.say(&format!(
            "watching the replication: created {}, waiting up to {} for ENABLED and the first LastReplicatedTimestamp",
            created.status,
            humantime::format_duration(self.opts.timeout)
        ));
        let result = loop {
            if let Err(s) = self.pause().await {
                break Err(s);
            }
            let now = created_at.elapsed().as_secs_f64();
            let r = match self.describe(a, source).await {
                Ok(r) => r,
                Err(s) => break Err(s),
            };
            let Some(r) = r else {
                break Err(Stop::Failed(format!(
                    "the replication of {source} disappeared while it was being watched"
                )));
            };
            if (r.status.clone(), r.last_replicated.is_some()) != last {
                self.say(&format!(
                    "{} after {}{}",
                    r.status,
                    super::reason::secs_text(now),
                    if r.last_replicated.is_some() {
                        ", LastReplicatedTimestamp set"
                    } else {
                        ""
                    }
                ));
                last = (r.status.clone(), r.last_replicated.is_some());
                t.events.push(TimelineEvent {
                    after_secs: now,
                    status: r.status.clone(),
                    last_replicated: r.last_replicated.is_some(),
                    last_replicated_unix_secs: r.last_replicated,
                });
            }
            if r.status == "ENABLED" && t.enabled_after_secs.is_none() {
                t.enabled_after_secs = Some(now);
            }
            if r.last_replicated.is_some() && t.first_sync_after_secs.is_none() {
                t.first_sync_after_secs = Some(now);
            }
            if t.enabled_after_secs.is_some() && t.first_sync_after_secs.is_some() {
                break Ok(());
            }
            if matches!(r.status.as_str(), "ERROR" | "PAUSED" | "DELETING") {
                break Err(Stop::Failed(format!(
                    "the replication of {source} went {} while it was being watched",
                    r.status
                )));
            }
            if created_at.elapsed() >= self.opts.timeout {
                t.timed_out = true;
                self.say("the wait for ENABLED timed out; going on with what was seen");
                break Ok(());
            }
        };
        if let Err(stop) = &result {
            self.obs.skip(
                Behaviour::Timeline.key(),
                match stop {
                    Stop::Interrupted => "interrupted while waiting for ENABLED",
                    Stop::Failed(_) => "the wait ended at an error (see above)",
                },
            );
        }
        self.obs.timeline = Some(t);
        result
    }

    async fn delete_replication(
        &mut self,
        a: &Region,
        source: &str,
        b: &Region,
        dest: &str,
    ) -> Result<(), Stop> {
        self.check()?;
        self.say(&format!(
            "deleting the replication of {source}; watching both sides"
        ));
        self.efs.delete_replication(a, source).await?;
        self.ledger.replication_delete_requested(source);
        let start = Instant::now();
        let mut d = DeleteObservation {
            source_statuses: Vec::new(),
            destination_statuses: Vec::new(),
            source_gone_after_secs: None,
            source_last_seen_after_secs: None,
            destination_gone_after_secs: None,
            destination_last_seen_after_secs: None,
            destination_listed_after_source_gone: false,
            timed_out: false,
            waited_secs: 0.0,
        };
        let result = loop {
            let now = start.elapsed().as_secs_f64();
            let seen = async {
                let src = self.efs.describe_replication(a, source).await?;
                let dst = self.efs.describe_replication(b, dest).await?;
                Ok::<_, CallError>((src, dst))
            }
            .await;
            let (src, dst) = match seen {
                Ok(x) => x,
                Err(e) => break Err(e.into()),
            };
            observe_side(
                &src,
                now,
                &mut d.source_statuses,
                &mut d.source_last_seen_after_secs,
                &mut d.source_gone_after_secs,
            );
            observe_side(
                &dst,
                now,
                &mut d.destination_statuses,
                &mut d.destination_last_seen_after_secs,
                &mut d.destination_gone_after_secs,
            );
            if src.is_none() && dst.is_some() && !d.destination_listed_after_source_gone {
                match self.listed_in(b, source).await {
                    Ok(l) => d.destination_listed_after_source_gone = l,
                    Err(s) => break Err(s),
                }
            }
            d.waited_secs = now;
            if d.source_gone_after_secs.is_some() && d.destination_gone_after_secs.is_some() {
                self.ledger.replication_gone(source);
                break Ok(());
            }
            if start.elapsed() >= self.opts.timeout {
                d.timed_out = true;
                self.say("the wait for the replication to go timed out");
                break Ok(());
            }
            if let Err(s) = self.pause().await {
                break Err(s);
            }
        };
        self.say(&format!(
            "source side gone after {}, destination side {}",
            d.source_gone_after_secs
                .map_or("not yet".into(), super::reason::secs_text),
            d.destination_gone_after_secs
                .map_or("not yet".into(), |s| format!(
                    "gone after {}",
                    super::reason::secs_text(s)
                ))
        ));
        self.obs.delete = Some(d);
        result
    }

    async fn delete_file_systems(&mut self) -> Result<(), Stop> {
        let mut traces = Vec::new();
        let start = Instant::now();
        let mut deleted: Vec<(Region, String, f64)> = Vec::new();
        for (region, id) in self.ledger.live_file_systems() {
            self.check()?;
            self.say(&format!("deleting file system {id} ({region})"));
            let called = start.elapsed().as_secs_f64();
            match self.efs.delete_file_system(&region, &id).await {
                Ok(()) => {
                    self.ledger.file_system_deleted(&id);
                    deleted.push((region, id, called));
                }
                // Still in a replication (a lingering side): cleanup retries.
                Err(e) if e.is("FileSystemInUse") => {
                    self.say(&format!("{id} is still in use; cleanup will retry: {e}"))
                }
                Err(e) => return Err(e.into()),
            }
        }
        for (region, id, _) in &deleted {
            traces.push(FileSystemDeleteTrace {
                file_system_id: id.clone(),
                region: region.to_string(),
                first_state: None,
                last_seen_after_secs: None,
                gone_after_secs: None,
                timed_out: false,
            });
        }
        let mut result = Ok(());
        loop {
            let now = start.elapsed();
            let mut pending = 0;
            for (i, (region, id, called)) in deleted.iter().enumerate() {
                let t = &mut traces[i];
                if t.gone_after_secs.is_some() {
                    continue;
                }
                let at = now.as_secs_f64() - called;
                match self.efs.describe_file_system(region, id).await {
                    Ok(Some(f)) => {
                        if t.first_state.is_none() {
                            t.first_state = Some(f.state);
                        }
                        t.last_seen_after_secs = Some(at);
                        pending += 1;
                    }
                    Ok(None) => t.gone_after_secs = Some(at),
                    Err(e) => {
                        result = Err(e.into());
                        break;
                    }
                }
            }
            if result.is_err() || pending == 0 {
                break;
            }
            if now >= self.opts.timeout {
                for t in traces.iter_mut().filter(|t| t.gone_after_secs.is_none()) {
                    t.timed_out = true;
                }
                break;
            }
            if let Err(s) = self.pause().await {
                result = Err(s);
                break;
            }
        }
        if !traces.is_empty() {
            self.say(&format!("{} file system(s) deleted", traces.len()));
            self.obs.file_system_deletes = traces;
        }
        result
    }
}

fn observe_side(
    seen: &Option<ReplicationView>,
    now: f64,
    statuses: &mut Vec<String>,
    last_seen: &mut Option<f64>,
    gone: &mut Option<f64>,
) {
    if gone.is_some() {
        return;
    }
    match seen {
        Some(r) => {
            if statuses.last() != Some(&r.status) {
                statuses.push(r.status.clone());
            }
            *last_seen = Some(now);
        }
        None => *gone = Some(now),
    }
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}
