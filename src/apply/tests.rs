//! Executor tests with scripted operations: dependency skipping,
//! `--fail-fast`, the parallelism bound, interrupts, and compensations.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::*;
use crate::plan::{Change, Scope};

#[derive(Default)]
struct Scripted {
    calls: Mutex<Vec<String>>,
    fail: Vec<String>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// Turns this channel on when a call starts that reads like the string.
    interrupt_on: Option<(String, watch::Sender<bool>)>,
    /// The protection every file system reads once a create was called
    /// (e.g. it went through despite its error), instead of the last one set.
    protection: Option<crate::model::Protection>,
    /// The replications that exist before any call (as the plan observed
    /// them, see [`Scripted::observing`]); a delete of one removes it.
    existing: Vec<ActualReplication>,
    /// Their source sides are gone (deleted with LOCAL_CONFIGURATION_ONLY):
    /// read by the source id, they are not found; by the destination id, they are.
    source_gone: bool,
    /// File systems these credentials cannot see (another account).
    unreadable: Vec<FileSystemId>,
    /// Calls answered ReplicationNotFound (and which change nothing).
    not_found: Vec<String>,
}

/// The replication a delete step of a test plan expects: from `src` in
/// us-east-1 to `src + 0x100` in us-west-2, created `src` seconds after the epoch.
fn observed(src: &FileSystemId) -> ActualReplication {
    let n = u32::from_str_radix(src.as_str().trim_start_matches("fs-"), 16).unwrap();
    ActualReplication {
        source: src.clone(),
        source_region: region(),
        source_arn: format!("arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/{src}"),
        source_owner: None,
        creation_time: std::time::UNIX_EPOCH + Duration::from_secs(n.into()),
        destination: crate::model::ActualDestination {
            status: ReplicationStatus::Enabled,
            file_system_id: fs(n + 0x100),
            region: Region::parse("us-west-2").unwrap(),
            last_replicated: None,
            owner: None,
            status_message: None,
            role_arn: None,
        },
    }
}

/// What a delete of the replication of `src` expects: [`observed`].
fn expect_deleted(src: u32) -> Option<crate::plan::Expect> {
    let r = observed(&fs(src));
    Some(crate::plan::Expect::Replication {
        destination_file_system_id: r.destination.file_system_id,
        destination_region: r.destination.region,
        creation_time: humantime::format_rfc3339_millis(r.creation_time).to_string(),
        creates_into: vec![],
    })
}

impl Scripted {
    /// A fake whose EFS holds what `plan` expects to delete ([`observed`]).
    fn observing(plan: &Plan) -> Self {
        Scripted {
            existing: plan
                .steps
                .iter()
                .filter_map(|s| match &s.kind {
                    StepKind::Delete {
                        source_file_system_id,
                        ..
                    } => Some(observed(source_file_system_id)),
                    _ => None,
                })
                .collect(),
            ..Scripted::default()
        }
    }
}

impl Scripted {
    async fn call(&self, what: String) -> Result<(), StepError> {
        if let Some((on, tx)) = &self.interrupt_on {
            if &what == on {
                let _ = tx.send(true);
            }
        }
        let n = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(n, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.calls.lock().unwrap().push(what.clone());
        if self.not_found.contains(&what) {
            return Err(StepError {
                operation: "DeleteReplicationConfiguration".into(),
                region: "us-east-1".into(),
                code: Some("ReplicationNotFound".into()),
                message: "not found".into(),
                hint: String::new(),
            });
        }
        if self.fail.contains(&what) {
            return Err(StepError {
                operation: "Op".into(),
                region: "us-east-1".into(),
                code: Some("AccessDeniedException".into()),
                message: "no".into(),
                hint: "grant it".into(),
            });
        }
        Ok(())
    }
}

impl Operations for Scripted {
    async fn create(
        &self,
        _: &Region,
        s: &FileSystemId,
        _: &DestinationSpec,
    ) -> Result<Option<String>, StepError> {
        self.call(format!("create {s}")).await.map(|()| None)
    }
    async fn delete(&self, _: &Region, s: &FileSystemId) -> Result<(), StepError> {
        self.call(format!("delete {s}")).await
    }
    async fn delete_local(
        &self,
        _: &Region,
        s: &FileSystemId,
        _: &FileSystemId,
    ) -> Result<(), StepError> {
        self.call(format!("delete-local {s}")).await
    }
    async fn update_protection(
        &self,
        _: &Region,
        f: &FileSystemId,
        v: &str,
    ) -> Result<(), StepError> {
        self.call(format!("protect {f} {v}")).await
    }
    /// The existing replication `f` is in (as source or destination),
    /// until a delete of it was called.
    async fn replication(
        &self,
        _: &Region,
        f: &FileSystemId,
    ) -> Result<Option<ActualReplication>, StepError> {
        let calls = self.calls.lock().unwrap();
        let deleted = |c: String| calls.contains(&c) && !self.not_found.contains(&c);
        Ok(self
            .existing
            .iter()
            .find(|r| {
                ((&r.source == f && !self.source_gone) || &r.destination.file_system_id == f)
                    && !self.unreadable.contains(f)
                    && !deleted(format!("delete {}", r.source))
                    && !deleted(format!("delete-local {}", r.source))
            })
            .cloned())
    }
    /// A file system whose protection is the last one set by this fake
    /// (`ENABLED` before any), so that a compensation finds what the run
    /// left.
    async fn file_system(
        &self,
        r: &Region,
        f: &FileSystemId,
    ) -> Result<Option<FileSystemInfo>, StepError> {
        if self.unreadable.contains(f) {
            return Ok(None);
        }
        let prefix = format!("protect {f} ");
        let calls = self.calls.lock().unwrap();
        let protection = calls
            .iter()
            .rev()
            .find_map(|c| c.strip_prefix(&prefix).map(crate::model::Protection::parse))
            .unwrap_or(crate::model::Protection::Enabled);
        let protection = match &self.protection {
            Some(p) if calls.iter().any(|c| c.starts_with("create ")) => p.clone(),
            _ => protection,
        };
        Ok(Some(FileSystemInfo {
            id: f.clone(),
            region: r.clone(),
            owner: crate::model::AccountId::parse("111122223333").unwrap(),
            life_cycle_state: "available".into(),
            encrypted: true,
            kms_key_id: None,
            availability_zone: None,
            performance_mode: "generalPurpose".into(),
            throughput_mode: None,
            protection: Some(protection),
            name: None,
        }))
    }
    async fn list_replications(&self, _: &Region) -> Result<Listing, StepError> {
        Ok(Listing::default())
    }
}

struct Quiet;
impl Reporter for Quiet {
    fn event(&self, _: &Event<'_>) {}
}

fn fs(n: u32) -> FileSystemId {
    FileSystemId::parse(&format!("fs-{n:08x}")).unwrap()
}

fn region() -> Region {
    Region::parse("us-east-1").unwrap()
}

fn change(address: &str, action: Action, steps: Vec<StepId>) -> Change {
    Change {
        address: crate::plan::ChangeAddress::parse(address).unwrap(),
        action,
        reason: String::new(),
        notes: vec![],
        before: None,
        after: None,
        steps,
    }
}

fn create_step(id: StepId, src: u32, deps: Vec<StepId>) -> Step {
    Step {
        id,
        kind: StepKind::Create {
            source_file_system_id: fs(src),
            region: region(),
            destination: DestinationSpec {
                region: Region::parse("us-west-2").unwrap(),
                availability_zone_name: None,
                kms_key_id: None,
                file_system_id: None,
                role_arn: None,
            },
        },
        depends_on: deps,
        expect: None,
    }
}

/// delete A (1), create B->A (2, after 1), and an independent create C (3).
fn failback_plan() -> Plan {
    Plan {
        changes: vec![
            change("removed.fs-0000000a", Action::Delete, vec![1]),
            change("replication.back", Action::Create, vec![2]),
            change("replication.other", Action::Create, vec![3]),
        ],
        steps: vec![
            Step {
                id: 1,
                kind: StepKind::Delete {
                    source_file_system_id: fs(1),
                    region: region(),
                    orphan: None,
                },
                depends_on: vec![],
                expect: expect_deleted(1),
            },
            create_step(2, 2, vec![1]),
            create_step(3, 3, vec![]),
        ],
        unmanaged: vec![],
        scope: Scope::default(),
        fingerprint: String::new(),
    }
}

fn opts() -> ApplyOptions {
    ApplyOptions {
        poll_initial: Duration::from_millis(10),
        ..ApplyOptions::default()
    }
}

#[tokio::test]
async fn a_failed_delete_skips_the_create_that_depends_on_it_but_not_the_others() {
    let ops = Scripted {
        fail: vec![format!("delete {}", fs(1))],
        ..Scripted::observing(&failback_plan())
    };
    let (_tx, rx) = watch::channel(false);
    let report = execute(&failback_plan(), &ops, &opts(), &Quiet, rx).await;
    let calls = ops.calls.lock().unwrap().clone();
    assert!(!calls.contains(&format!("create {}", fs(2))), "{calls:?}");
    assert!(calls.contains(&format!("create {}", fs(3))), "{calls:?}");
    assert_eq!(
        report.address("removed.fs-0000000a").unwrap().outcome,
        Outcome::Failed
    );
    let back = report.address("replication.back").unwrap();
    assert_eq!(back.outcome, Outcome::Skipped);
    assert!(back
        .detail
        .as_deref()
        .unwrap()
        .contains("removed.fs-0000000a"));
    assert_eq!(
        report.address("replication.other").unwrap().outcome,
        Outcome::Done
    );
}

#[tokio::test]
async fn fail_fast_launches_nothing_after_a_failure() {
    let ops = Scripted {
        fail: vec![format!("delete {}", fs(1))],
        ..Scripted::observing(&failback_plan())
    };
    let mut plan = failback_plan();
    // Make the independent create wait behind the failing delete.
    plan.steps[2].depends_on = vec![];
    let o = ApplyOptions {
        parallelism: 1,
        fail_fast: true,
        ..opts()
    };
    let (_tx, rx) = watch::channel(false);
    let report = execute(&plan, &ops, &o, &Quiet, rx).await;
    assert_eq!(ops.calls.lock().unwrap().len(), 1);
    let other = report.address("replication.other").unwrap();
    assert_eq!(other.outcome, Outcome::Skipped);
    assert!(other.detail.as_deref().unwrap().contains("--fail-fast"));
}

#[tokio::test]
async fn parallelism_bounds_mutating_calls_in_flight() {
    let n = 25;
    let plan = Plan {
        changes: (1..=n)
            .map(|i| change(&format!("replication.r{i}"), Action::Create, vec![i]))
            .collect(),
        steps: (1..=n).map(|i| create_step(i, i, vec![])).collect(),
        unmanaged: vec![],
        scope: Scope::default(),
        fingerprint: String::new(),
    };
    let ops = Scripted::default();
    let o = ApplyOptions {
        parallelism: 4,
        ..opts()
    };
    let (_tx, rx) = watch::channel(false);
    let report = execute(&plan, &ops, &o, &Quiet, rx).await;
    assert_eq!(report.count(Outcome::Done), n as usize);
    assert!(ops.max_in_flight.load(Ordering::SeqCst) <= 4);
    assert!(ops.max_in_flight.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn an_interrupt_before_start_launches_nothing() {
    let ops = Scripted::observing(&failback_plan());
    let (_tx, rx) = watch::channel(true);
    let report = execute(&failback_plan(), &ops, &opts(), &Quiet, rx).await;
    assert!(ops.calls.lock().unwrap().is_empty());
    assert!(report.interrupted);
    assert_eq!(report.count(Outcome::Skipped), 3);
}

#[tokio::test]
async fn a_step_behind_a_failed_address_says_it_failed_not_that_it_was_skipped() {
    // removed.fs-0000000a: delete (1) then wait-deleted (2); replication.back waits on 2.
    let mut plan = failback_plan();
    plan.changes[0].steps = vec![1, 4];
    plan.steps.push(Step {
        id: 4,
        kind: StepKind::WaitDeleted {
            source_file_system_id: fs(1),
            region: region(),
            destination: None,
        },
        depends_on: vec![1],
        expect: None,
    });
    plan.steps[1].depends_on = vec![4];
    let ops = Scripted {
        fail: vec![format!("delete {}", fs(1))],
        ..Scripted::observing(&failback_plan())
    };
    let (_tx, rx) = watch::channel(false);
    let report = execute(&plan, &ops, &opts(), &Quiet, rx).await;
    assert_eq!(
        report.address("removed.fs-0000000a").unwrap().outcome,
        Outcome::Failed
    );
    let back = report.address("replication.back").unwrap();
    assert_eq!(back.outcome, Outcome::Skipped);
    assert_eq!(
        back.detail.as_deref(),
        Some("depends on removed.fs-0000000a, which failed")
    );
}

/// replication.back: lift the protection of fs 9 (1), create into it (2),
/// restore the protection if the create fails (3).
fn overwrite_plan() -> Plan {
    let mut create = create_step(2, 2, vec![1]);
    if let StepKind::Create { destination, .. } = &mut create.kind {
        destination.file_system_id = Some(fs(9).into());
    }
    Plan {
        changes: vec![change("replication.back", Action::Create, vec![1, 2, 3])],
        steps: vec![
            Step {
                id: 1,
                kind: StepKind::UpdateProtection {
                    file_system_id: fs(9),
                    region: region(),
                    replication_overwrite_protection: crate::model::Protection::Disabled,
                },
                depends_on: vec![],
                expect: Some(crate::plan::Expect::FileSystem {
                    replication_overwrite_protection: crate::model::Protection::Enabled,
                }),
            },
            create,
            Step {
                id: 3,
                kind: StepKind::RestoreProtection {
                    file_system_id: fs(9),
                    region: region(),
                    replication_overwrite_protection: crate::model::Protection::Enabled,
                    compensates: 2,
                },
                depends_on: vec![1],
                expect: None,
            },
        ],
        unmanaged: vec![],
        scope: Scope::default(),
        fingerprint: String::new(),
    }
}

/// Issue 9: a create that fails after the protection of its destination
/// was lifted has the protection set back; one that succeeds does not.
#[tokio::test]
async fn a_failed_create_has_the_lifted_protection_restored() {
    let ops = Scripted {
        fail: vec![format!("create {}", fs(2))],
        ..Scripted::default()
    };
    let (_tx, rx) = watch::channel(false);
    let report = execute(&overwrite_plan(), &ops, &opts(), &Quiet, rx).await;
    let calls = ops.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        vec![
            format!("protect {} DISABLED", fs(9)),
            format!("create {}", fs(2)),
            format!("protect {} ENABLED", fs(9)),
        ]
    );
    let back = report.address("replication.back").unwrap();
    assert_eq!(back.outcome, Outcome::Failed);
    assert_eq!(back.error.as_ref().unwrap().message, "no");
    assert!(
        back.compensation
            .as_deref()
            .unwrap()
            .contains("set back to ENABLED"),
        "{back:?}"
    );

    let ops = Scripted::default();
    let (_tx, rx) = watch::channel(false);
    let report = execute(&overwrite_plan(), &ops, &opts(), &Quiet, rx).await;
    assert_eq!(ops.calls.lock().unwrap().len(), 2);
    let back = report.address("replication.back").unwrap();
    assert_eq!(back.outcome, Outcome::Done);
    assert_eq!(back.compensation, None);
}

/// Issue 9: a compensation writes only where the protection still reads
/// DISABLED: a file system that reads REPLICATING when the create failed
/// (it is a destination after all) is left alone, with a note.
#[tokio::test]
async fn a_compensation_leaves_a_protection_it_does_not_find_disabled() {
    let ops = Scripted {
        fail: vec![format!("create {}", fs(2))],
        protection: Some(crate::model::Protection::Replicating),
        ..Scripted::default()
    };
    let (_tx, rx) = watch::channel(false);
    let report = execute(&overwrite_plan(), &ops, &opts(), &Quiet, rx).await;
    let calls = ops.calls.lock().unwrap().clone();
    assert!(
        !calls.contains(&format!("protect {} ENABLED", fs(9))),
        "{calls:?}"
    );
    let back = report.address("replication.back").unwrap();
    assert!(
        back.compensation
            .as_deref()
            .is_some_and(|c| c.contains("not restored") && c.contains("REPLICATING")),
        "{back:?}"
    );
}

/// Issue 9: an interrupt after the protection was lifted skips the create,
/// and the compensation still runs.
#[tokio::test]
async fn an_interrupt_between_lifting_and_creating_restores_the_protection() {
    let (tx, rx) = watch::channel(false);
    let ops = Scripted {
        interrupt_on: Some((format!("protect {} DISABLED", fs(9)), tx)),
        ..Scripted::default()
    };
    let report = execute(&overwrite_plan(), &ops, &opts(), &Quiet, rx).await;
    let calls = ops.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        vec![
            format!("protect {} DISABLED", fs(9)),
            format!("protect {} ENABLED", fs(9)),
        ]
    );
    assert!(report.interrupted);
    let back = report.address("replication.back").unwrap();
    assert_eq!(back.outcome, Outcome::Skipped);
    assert!(back.compensation.is_some(), "{back:?}");
}

/// Issue 9: the delete of an orphaned destination side is made with
/// `DeletionMode = LOCAL_CONFIGURATION_ONLY`; an ordinary delete is not.
#[tokio::test]
async fn an_orphan_delete_is_local_only() {
    let ops = Scripted::observing(&failback_plan());
    let mut plan = failback_plan();
    if let StepKind::Delete {
        orphan,
        region: called_in,
        ..
    } = &mut plan.steps[0].kind
    {
        // Deleted where the orphaned side lives, the destination Region.
        *called_in = Region::parse("us-west-2").unwrap();
        *orphan = Some(crate::plan::OrphanSide {
            source_region: region(),
        });
    }
    let (_tx, rx) = watch::channel(false);
    execute(&plan, &ops, &opts(), &Quiet, rx).await;
    let calls = ops.calls.lock().unwrap().clone();
    assert!(
        calls.contains(&format!("delete-local {}", fs(1))),
        "{calls:?}"
    );

    let ops = Scripted::observing(&failback_plan());
    let (_tx, rx) = watch::channel(false);
    execute(&failback_plan(), &ops, &opts(), &Quiet, rx).await;
    let calls = ops.calls.lock().unwrap().clone();
    assert!(calls.contains(&format!("delete {}", fs(1))), "{calls:?}");
}

/// Issue 9: a delete or a protection change that carries no expectation
/// (an edited plan, or a planner bug) is refused, not run unchecked; its
/// dependents are skipped.
#[tokio::test]
async fn issue9_a_destructive_step_without_an_expectation_is_refused() {
    let mut plan = failback_plan();
    plan.steps[0].expect = None;
    let ops = Scripted::observing(&plan);
    let (_tx, rx) = watch::channel(false);
    let report = execute(&plan, &ops, &opts(), &Quiet, rx).await;
    let calls = ops.calls.lock().unwrap().clone();
    assert!(!calls.contains(&format!("delete {}", fs(1))), "{calls:?}");
    assert!(!calls.contains(&format!("create {}", fs(2))), "{calls:?}");
    let a = report.address("removed.fs-0000000a").unwrap();
    assert_eq!(a.outcome, Outcome::Failed);
    assert!(
        a.error
            .as_ref()
            .unwrap()
            .message
            .contains("carries no expectation"),
        "{a:?}"
    );
    assert_eq!(
        report.address("replication.back").unwrap().outcome,
        Outcome::Skipped
    );

    let mut plan = overwrite_plan();
    plan.steps[0].expect = None;
    let ops = Scripted::default();
    let (_tx, rx) = watch::channel(false);
    let report = execute(&plan, &ops, &opts(), &Quiet, rx).await;
    assert!(ops.calls.lock().unwrap().is_empty());
    let back = report.address("replication.back").unwrap();
    assert_eq!(back.outcome, Outcome::Failed);
    assert!(
        back.error
            .as_ref()
            .unwrap()
            .message
            .contains("carries no expectation"),
        "{back:?}"
    );
}

/// Issue 9: a delete that a create into an existing file system waits for
/// re-reads that file system too, and is refused when it no longer reads
/// as the plan observed it (here: encryption).
#[tokio::test]
async fn issue9_a_delete_is_refused_when_the_destination_of_its_create_changed() {
    let plan_with = |encrypted: bool| {
        let mut plan = failback_plan();
        if let Some(crate::plan::Expect::Replication { creates_into, .. }) =
            &mut plan.steps[0].expect
        {
            creates_into.push(crate::plan::ExpectDestination {
                file_system_id: fs(9),
                region: region(),
                replication_overwrite_protection: crate::model::Protection::Enabled,
                encrypted,
            });
        }
        plan
    };
    // The fake's file systems are encrypted: as planned, the delete runs.
    let plan = plan_with(true);
    let ops = Scripted::observing(&plan);
    let (_tx, rx) = watch::channel(false);
    execute(&plan, &ops, &opts(), &Quiet, rx).await;
    assert!(ops
        .calls
        .lock()
        .unwrap()
        .contains(&format!("delete {}", fs(1))));

    let plan = plan_with(false);
    let ops = Scripted::observing(&plan);
    let (_tx, rx) = watch::channel(false);
    let report = execute(&plan, &ops, &opts(), &Quiet, rx).await;
    let calls = ops.calls.lock().unwrap().clone();
    assert!(!calls.contains(&format!("delete {}", fs(1))), "{calls:?}");
    let a = report.address("removed.fs-0000000a").unwrap();
    assert_eq!(a.outcome, Outcome::Failed);
    let message = &a.error.as_ref().unwrap().message;
    assert!(
        message.contains(&format!("{} (us-east-1)", fs(9))) && message.contains("encrypted"),
        "{message}"
    );
}

/// Issue 9: a protection change whose call failed although EFS applied it
/// (the answer was lost) reads DISABLED afterwards: it counts as lifted,
/// the create is not attempted, and the compensation sets it back.
#[tokio::test]
async fn issue9_a_failed_protection_change_that_took_effect_is_set_back() {
    // The fake records a failing call before answering: the protection
    // reads DISABLED after it, as after a lost answer.
    let ops = Scripted {
        fail: vec![format!("protect {} DISABLED", fs(9))],
        ..Scripted::default()
    };
    let (_tx, rx) = watch::channel(false);
    let report = execute(&overwrite_plan(), &ops, &opts(), &Quiet, rx).await;
    let calls = ops.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        vec![
            format!("protect {} DISABLED", fs(9)),
            format!("protect {} ENABLED", fs(9)),
        ]
    );
    let back = report.address("replication.back").unwrap();
    assert_eq!(back.outcome, Outcome::Failed);
    assert!(
        back.error
            .as_ref()
            .unwrap()
            .hint
            .contains("reads DISABLED all the same"),
        "{back:?}"
    );
    assert!(
        back.compensation
            .as_deref()
            .is_some_and(|c| c.contains("set back to ENABLED")),
        "{back:?}"
    );
}

/// Issue 9: what a second signal prints before exiting at once: the
/// restore command of a protection lifted and not set back (none once it
/// is set back or the create went through), and the file systems without DR.
#[test]
fn issue9_leftovers_name_each_lifted_protection_and_what_has_no_dr() {
    let live = Live::default();
    let plan = overwrite_plan();
    assert!(live.leftovers(&plan).is_empty());
    live.started(1);
    let left = live.leftovers(&plan);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].contains("may have been disabled"), "{left:?}");
    live.ended(1, true, true);
    let command = format!(
        "aws efs update-file-system-protection --file-system-id {} --replication-overwrite-protection ENABLED --region us-east-1",
        fs(9)
    );
    let left = live.leftovers(&plan);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].ends_with(&command), "{left:?}");
    assert!(left[0].contains("replication.back"), "{left:?}");
    // The create in flight does not count as done: still printed.
    live.started(2);
    assert_eq!(live.leftovers(&plan).len(), 1);
    live.ended(2, true, false);
    assert!(live.leftovers(&plan).is_empty());

    // A failback stopped after its delete: the no-DR lines.
    let mut plan = failback_plan();
    plan.changes[0].before = Some(crate::plan::Attributes {
        source_file_system_id: fs(1),
        source_region: region(),
        destination_region: Region::parse("us-west-2").unwrap(),
        destination_file_system_id: Some(fs(0x101).into()),
        destination_availability_zone: None,
        destination_kms_key_id: None,
        role_arn: None,
        status: Some(ReplicationStatus::Enabled),
    });
    let live = Live::default();
    live.started(1);
    let left = live.leftovers(&plan);
    assert!(
        left.iter()
            .any(|l| l.starts_with(&format!("no DR: {} (us-east-1)", fs(2)))),
        "{left:?}"
    );
    assert!(
        left.iter()
            .any(|l| l.starts_with(&format!("no DR: {} (us-east-1)", fs(1)))),
        "{left:?}"
    );
}

#[path = "tests_gone.rs"]
mod gone;
