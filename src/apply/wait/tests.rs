//! Poller tests with a scripted Region: how many calls a set of waits makes
//! (listings shared, by id when few), that an absence a listing may not
//! show is never taken for a deletion, and that one replication's ERROR
//! fails only its own wait. Statuses change after a number of calls, not
//! after a time, so nothing here depends on timing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use futures::future::join_all;

use super::*;
use crate::model::ActualDestination;

fn fs(n: u32) -> FileSystemId {
    FileSystemId::parse(&format!("fs-{n:08x}")).unwrap()
}

fn east() -> Region {
    Region::parse("us-east-1").unwrap()
}

fn west() -> Region {
    Region::parse("us-west-2").unwrap()
}

/// Replication `n`: fs(n) in us-east-1 to fs(1000 + n) in us-west-2.
fn rep(n: u32, status: ReplicationStatus) -> ActualReplication {
    let status_message =
        matches!(status, ReplicationStatus::Error).then(|| "the KMS key is disabled".to_owned());
    ActualReplication {
        source: fs(n),
        source_region: east(),
        source_arn: format!(
            "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/{}",
            fs(n)
        ),
        source_owner: None,
        creation_time: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        destination: ActualDestination {
            status,
            file_system_id: fs(1000 + n),
            region: west(),
            last_replicated: None,
            owner: None,
            status_message,
            role_arn: None,
        },
    }
}

/// A scripted EFS: after `flip_after` read calls (listings and calls by id
/// together), every replication but the `stuck` ones has status `then`
/// (`None`: gone).
struct Fake {
    reps: Vec<ActualReplication>,
    flip_after: usize,
    then: Option<ReplicationStatus>,
    stuck: Vec<FileSystemId>,
    /// Whether a Region's listing includes replications whose destination
    /// is there.
    lists_destinations: bool,
    /// Sources a listing leaves out (as a listing over changing pages may).
    unlisted: Vec<FileSystemId>,
    pages: usize,
    lists: AtomicUsize,
    by_id: AtomicUsize,
}

impl Fake {
    fn new(reps: Vec<ActualReplication>) -> Fake {
        Fake {
            reps,
            flip_after: usize::MAX,
            then: Some(ReplicationStatus::Enabled),
            stuck: vec![],
            lists_destinations: true,
            unlisted: vec![],
            pages: 1,
            lists: AtomicUsize::new(0),
            by_id: AtomicUsize::new(0),
        }
    }

    fn now(&self) -> Vec<ActualReplication> {
        let calls = self.lists.load(Ordering::SeqCst) + self.by_id.load(Ordering::SeqCst);
        self.reps
            .iter()
            .filter_map(|r| {
                if calls < self.flip_after || self.stuck.contains(&r.source) {
                    return Some(r.clone());
                }
                let mut r = r.clone();
                r.destination.status = self.then.clone()?;
                Some(r)
            })
            .collect()
    }
}

impl Operations for Fake {
    async fn create(
        &self,
        _: &Region,
        _: &FileSystemId,
        _: &DestinationSpec,
    ) -> Result<Option<String>, StepError> {
        unreachable!("the poller only reads")
    }
    async fn delete(&self, _: &Region, _: &FileSystemId) -> Result<(), StepError> {
        unreachable!("the poller only reads")
    }
    async fn update_protection(
        &self,
        _: &Region,
        _: &FileSystemId,
        _: &str,
    ) -> Result<(), StepError> {
        unreachable!("the poller only reads")
    }
    async fn replication(
        &self,
        region: &Region,
        file_system: &FileSystemId,
    ) -> Result<Option<ActualReplication>, StepError> {
        self.by_id.fetch_add(1, Ordering::SeqCst);
        Ok(self.now().into_iter().find(|r| {
            (&r.source_region == region && &r.source == file_system)
                || (&r.destination.region == region && &r.destination.file_system_id == file_system)
        }))
    }
    async fn file_system(
        &self,
        _: &Region,
        _: &FileSystemId,
    ) -> Result<Option<crate::model::FileSystemInfo>, StepError> {
        unreachable!("the poller does not describe file systems")
    }
    async fn list_replications(&self, region: &Region) -> Result<Listing, StepError> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        let replications = self
            .now()
            .into_iter()
            .filter(|r| {
                (&r.source_region == region
                    || (self.lists_destinations && &r.destination.region == region))
                    && !self.unlisted.contains(&r.source)
            })
            .collect();
        Ok(Listing {
            replications,
            pages: self.pages,
        })
    }
}

use crate::plan::DestinationSpec;

fn opts() -> ApplyOptions {
    ApplyOptions {
        poll_initial: Duration::from_millis(10),
        poll_max: Duration::from_millis(20),
        wait_timeout: Duration::from_secs(30),
        ..ApplyOptions::default()
    }
}

async fn wait_all(fake: &Fake, watches: &[Watch], want: Want, opts: &ApplyOptions) -> Vec<Attempt> {
    let poller = Poller::new(fake);
    let (_tx, rx) = watch::channel(false);
    join_all(
        watches
            .iter()
            .map(|w| poller.wait(w, want, opts, rx.clone())),
    )
    .await
}

fn sources(ns: std::ops::RangeInclusive<u32>) -> Vec<Watch> {
    ns.map(|n| Watch::source(&east(), &fs(n))).collect()
}

#[tokio::test]
async fn many_waits_share_one_listing_per_interval() {
    let mut fake = Fake::new(
        (1..=20)
            .map(|n| rep(n, ReplicationStatus::Enabling))
            .collect(),
    );
    fake.flip_after = 3;
    let out = wait_all(&fake, &sources(1..=20), Want::Enabled, &opts()).await;
    assert!(out.iter().all(|a| matches!(a, Attempt::Ok)), "{out:?}");
    // Three listings see ENABLING, ENABLING, ENABLED... for all twenty at
    // once; one call per replication per poll would be 60.
    assert_eq!(fake.by_id.load(Ordering::SeqCst), 0);
    assert!(
        fake.lists.load(Ordering::SeqCst) <= 4,
        "{}",
        fake.lists.load(Ordering::SeqCst)
    );
}

#[tokio::test]
async fn a_few_waits_are_polled_by_id() {
    let mut fake = Fake::new(
        (1..=3)
            .map(|n| rep(n, ReplicationStatus::Enabling))
            .collect(),
    );
    fake.flip_after = 4;
    let out = wait_all(&fake, &sources(1..=3), Want::Enabled, &opts()).await;
    assert!(out.iter().all(|a| matches!(a, Attempt::Ok)), "{out:?}");
    assert_eq!(fake.lists.load(Ordering::SeqCst), 0);
    assert!(fake.by_id.load(Ordering::SeqCst) >= 3);
}

#[tokio::test]
async fn error_fails_only_its_own_wait() {
    let mut reps: Vec<_> = (1..=6)
        .map(|n| rep(n, ReplicationStatus::Enabling))
        .collect();
    reps[2] = rep(3, ReplicationStatus::Error);
    let mut fake = Fake::new(reps);
    fake.flip_after = 2;
    fake.stuck = vec![fs(3)];
    let out = wait_all(&fake, &sources(1..=6), Want::Enabled, &opts()).await;
    for (i, a) in out.iter().enumerate() {
        match (i, a) {
            (2, Attempt::Err(e)) => {
                assert_eq!(e.operation, "wait-enabled");
                assert!(e.message.contains("reached ERROR"), "{}", e.message);
                assert!(
                    e.message.contains("the KMS key is disabled"),
                    "{}",
                    e.message
                );
            }
            (2, other) => panic!("fs 3 reached ERROR but its wait gave {other:?}"),
            (_, Attempt::Ok) => {}
            (_, other) => panic!("wait {i} gave {other:?}"),
        }
    }
}

#[tokio::test]
async fn deletions_are_seen_through_the_shared_listing() {
    let mut fake = Fake::new(
        (1..=8)
            .map(|n| rep(n, ReplicationStatus::Deleting))
            .collect(),
    );
    fake.flip_after = 2;
    fake.then = None;
    let out = wait_all(&fake, &sources(1..=8), Want::Gone, &opts()).await;
    assert!(out.iter().all(|a| matches!(a, Attempt::Ok)), "{out:?}");
    assert_eq!(fake.by_id.load(Ordering::SeqCst), 0);
    assert!(fake.lists.load(Ordering::SeqCst) <= 3);
}

/// A destination Region whose listing leaves out replications whose
/// destination is there: their absence proves nothing, so a destination
/// side that stays must keep its wait waiting (here until the timeout).
#[tokio::test]
async fn destination_side_absent_from_listing_is_not_taken_for_gone() {
    let mut fake = Fake::new(
        (1..=5)
            .map(|n| rep(n, ReplicationStatus::Deleting))
            .collect(),
    );
    fake.lists_destinations = false;
    let watches: Vec<Watch> = (1..=5)
        .map(|n| Watch::destination(&west(), &fs(1000 + n)))
        .collect();
    let short = ApplyOptions {
        wait_timeout: Duration::from_millis(60),
        ..opts()
    };
    let out = wait_all(&fake, &watches, Want::Gone, &short).await;
    for a in &out {
        match a {
            Attempt::Err(e) => {
                assert!(e.message.contains("timed out"), "{}", e.message);
                assert!(
                    e.message.contains("the replication into fs-"),
                    "{}",
                    e.message
                );
                assert_eq!(e.region, "us-west-2");
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn destination_side_wait_ends_when_that_side_is_gone() {
    let mut fake = Fake::new(
        (1..=5)
            .map(|n| rep(n, ReplicationStatus::Deleting))
            .collect(),
    );
    fake.lists_destinations = false;
    fake.flip_after = 12;
    fake.then = None;
    let watches: Vec<Watch> = (1..=5)
        .map(|n| Watch::destination(&west(), &fs(1000 + n)))
        .collect();
    let out = wait_all(&fake, &watches, Want::Gone, &opts()).await;
    assert!(out.iter().all(|a| matches!(a, Attempt::Ok)), "{out:?}");
    // Not before the by-id calls could have seen the flip.
    assert!(fake.lists.load(Ordering::SeqCst) + fake.by_id.load(Ordering::SeqCst) >= 12);
}

/// An absence from a listing of several pages (which can skip an entry
/// when the set changes between pages) is confirmed by id.
#[tokio::test]
async fn absence_from_a_multi_page_listing_is_confirmed_by_id() {
    let mut fake = Fake::new(
        (1..=5)
            .map(|n| rep(n, ReplicationStatus::Deleting))
            .collect(),
    );
    fake.pages = 2;
    fake.unlisted = vec![fs(4)];
    let short = ApplyOptions {
        wait_timeout: Duration::from_millis(60),
        ..opts()
    };
    let out = wait_all(
        &fake,
        &sources(4..=4)
            .into_iter()
            .chain(sources(1..=3))
            .collect::<Vec<_>>(),
        Want::Gone,
        &short,
    )
    .await;
    assert!(
        matches!(&out[0], Attempt::Err(e) if e.message.contains("timed out")),
        "{:?}",
        out[0]
    );
}

#[tokio::test]
async fn an_interrupt_ends_the_waits() {
    let fake = Fake::new(
        (1..=5)
            .map(|n| rep(n, ReplicationStatus::Enabling))
            .collect(),
    );
    let poller = Poller::new(&fake);
    let (tx, rx) = watch::channel(false);
    let o = opts();
    let watches = sources(1..=5);
    let waits = join_all(
        watches
            .iter()
            .map(|w| poller.wait(w, Want::Enabled, &o, rx.clone())),
    );
    let stop = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        tx.send(true).unwrap();
    };
    let (out, ()) = tokio::join!(waits, stop);
    assert!(
        out.iter().all(|a| matches!(a, Attempt::Interrupted)),
        "{out:?}"
    );
}
