//! Issue 10: waits cost pages, not replications. Many replications waited
//! for at once are polled with one listing of their Region per interval, so
//! the number of `DescribeReplicationConfigurations` calls does not grow
//! with the number of replications (the old per-replication polling made
//! at least two calls for each one here); a deletion can be watched from
//! its destination Region.

use std::time::Duration;

use efs_replicator::apply::{Attempt, EfsWriter, Operations, Outcome, Poller, Want, Watch};
use efs_replicator::model::{FileSystemId, Region};

use super::*;

async fn describe_calls(emu: &Emulator) -> usize {
    requests(emu)
        .await
        .iter()
        .filter(|(op, ..)| op == "DescribeReplicationConfigurations")
        .count()
}

#[tokio::test]
async fn waiting_for_twenty_creates_costs_listings_not_calls_per_replication() {
    let n = 20;
    let k = creating(1..=n, "us-west-2")
        .emulator(|c| c.enable_delay = Duration::from_millis(1500))
        .start()
        .await;
    let reader = k.reader().await;
    let p = make_plan(&k).await;
    let before = describe_calls(&k).await;
    let report = run_plan(&p, &reader, &options()).await;
    let during = describe_calls(&k).await - before;
    assert_eq!(report.count(Outcome::Failed), 0);
    assert_eq!(report.count(Outcome::Done) as u32, n);
    // Polls every 100 ms growing to 400 ms over a 1.5 s enable delay: about
    // eight rounds. One call per replication per round would be well over
    // a hundred; sharing a listing per round stays far below one call per
    // replication.
    assert!(
        during < n as usize,
        "{during} DescribeReplicationConfigurations calls while waiting for {n} replications"
    );
    assert!(converged(&k).await);
}

#[tokio::test]
async fn waiting_for_twenty_deletions_costs_listings_not_calls_per_replication() {
    let n = 20;
    let k = creating(1..=n, "us-west-2")
        .emulator(|c| c.delete_delay = Duration::from_millis(1500))
        .start()
        .await;
    let (_, created) = k.apply(&options()).await;
    assert!(created.succeeded(), "{created:#?}");
    let mut removed = String::from("settings {\n  region = \"us-east-1\"\n}\n");
    for i in 1..=n {
        removed.push_str(&format!(
            "removed {{\n  source_file_system_id = \"{}\"\n}}\n",
            fsid(i)
        ));
    }
    k.write_config(&removed);
    let reader = k.reader().await;
    let p = make_plan(&k).await;
    assert_eq!(
        p.steps
            .iter()
            .filter(|s| s.kind.name() == "wait-deleted")
            .count(),
        n as usize
    );
    let before = describe_calls(&k).await;
    let report = run_plan(&p, &reader, &options()).await;
    let during = describe_calls(&k).await - before;
    assert!(report.succeeded(), "{report:#?}");
    // Each delete is preceded by one re-read of its replication by id (the
    // compare-and-swap, issue 9); the waits themselves share listings.
    let waits = during.saturating_sub(n as usize);
    assert!(
        waits < n as usize,
        "{during} DescribeReplicationConfigurations calls ({n} re-reads before the deletes, {waits} for the waits) while waiting for {n} deletions"
    );
    assert!(converged(&k).await);
}

/// A deletion watched from its destination Region (what a failback needs
/// before it creates the reverse replication) ends once that side is gone,
/// read by the destination file system's id in the destination Region.
#[tokio::test]
async fn a_deletion_can_be_watched_from_the_destination_region() {
    let k = creating([1], "us-west-2").start().await;
    let (_, created) = k.apply(&options()).await;
    assert!(created.succeeded(), "{created:#?}");
    let reader = k.reader().await;
    let east = Region::parse("us-east-1").unwrap();
    let west = Region::parse("us-west-2").unwrap();
    let source = FileSystemId::parse(&fsid(1)).unwrap();
    let writer = EfsWriter::new(&reader);
    let destination = writer
        .replication(&east, &source)
        .await
        .unwrap()
        .expect("created")
        .destination
        .file_system_id;
    writer.delete(&east, &source).await.expect("delete");
    let log_before = requests(&k).await.len();

    let poller = Poller::new(&writer);
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let watch = Watch::destination(&west, &destination);
    let got = poller.wait(&watch, Want::Gone, &options(), rx).await;
    assert!(matches!(got, Attempt::Ok), "{got:?}");

    let polls: Vec<_> = requests(&k).await[log_before..]
        .iter()
        .filter(|(op, ..)| op == "DescribeReplicationConfigurations")
        .map(|(_, region, ..)| region.clone())
        .collect();
    assert!(!polls.is_empty());
    assert!(polls.iter().all(|r| r == "us-west-2"), "{polls:?}");
    // Gone on the destination side: its file system is no longer in a
    // replication there.
    assert!(writer
        .replication(&west, &destination)
        .await
        .unwrap()
        .is_none());
}
