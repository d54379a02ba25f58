//! Issue 10: waits cost pages, not replications. Many replications waited
//! for at once are polled with one listing of their Region per interval, so
//! the number of `DescribeReplicationConfigurations` calls does not grow
//! with the number of replications (the old per-replication polling made
//! at least two calls for each one here).

use std::time::Duration;

use efs_replicator::apply::{execute, EfsWriter, Outcome};

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
    let world = World::new(&(1..=n).map(|i| (i, "us-east-1")).collect::<Vec<_>>());
    world.write_config(&creates(1..=n, "us-east-1", "us-west-2"));
    let emu = world
        .start(Config {
            enable_delay: Duration::from_millis(1500),
            ..config()
        })
        .await;
    let reader = reader(&emu).await;
    let p = make_plan(&world, &reader).await;
    let before = describe_calls(&emu).await;
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let report = execute(
        &p,
        &EfsWriter::new(&reader),
        &options(),
        &Recorder::default(),
        rx,
    )
    .await;
    let during = describe_calls(&emu).await - before;
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
    assert!(converged(&world, &emu).await);
}
