//! Enables and deletions that outlast several poll intervals (issue 10): the
//! waits must keep polling until the state the next step needs is reached,
//! and the next plan must find nothing to do. With the destination delete
//! lag the destination side outlives the source side; a failback must wait
//! for it before the reverse create.

use std::time::Duration;

use super::*;

/// Delays of 2 s against polls every 100-400 ms: each wait polls several
/// times.
fn slow(c: &mut efs_emulator::Config) {
    c.enable_delay = Duration::from_secs(2);
    c.delete_delay = Duration::from_secs(2);
}

fn to_west() -> String {
    format!(
        "settings {{\n  region = \"us-east-1\"\n}}\nreplication \"a\" {{\n  source_file_system_id = \"{}\"\n  source_region = \"us-east-1\"\n  destination {{\n    region = \"us-west-2\"\n  }}\n}}\n",
        fsid(1)
    )
}

/// The DescribeReplicationConfigurations calls made in `region` after log
/// position `from`.
async fn polls(emu: &Emulator, from: usize, region: &str) -> usize {
    requests(emu)
        .await
        .split_off(from)
        .iter()
        .filter(|r| r.0 == "DescribeReplicationConfigurations" && r.1 == region)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_enables_and_deletes_are_waited_for_and_the_next_plan_has_no_changes() {
    let k = seeded(&[(1, "us-east-1")])
        .emulator(slow)
        .config(&to_west())
        .start()
        .await;
    let from = requests(&k).await.len();
    let (_, report) = k.apply(&options()).await;
    assert!(report.succeeded(), "{report:#?}");
    assert!(
        polls(&k, from, "us-east-1").await >= 3,
        "the enable was polled"
    );
    assert!(converged(&k).await, "plan after the create");

    // Remove it: the wait for the deletion outlasts several polls too.
    k.write_config(&format!(
        "settings {{\n  region = \"us-east-1\"\n}}\nremoved {{\n  source_file_system_id = \"{}\"\n  source_region = \"us-east-1\"\n}}\n",
        fsid(1)
    ));
    let from = requests(&k).await.len();
    let (_, report) = k.apply(&options()).await;
    assert!(report.succeeded(), "{report:#?}");
    assert!(
        polls(&k, from, "us-east-1").await >= 3,
        "the deletion was polled"
    );
    assert!(converged(&k).await, "plan after the delete");
}

/// The destination side stays DELETING for 3 s after the source side is
/// gone: the failback's reverse create must not run before it is gone (EFS
/// would refuse it: the file system is still in a replication).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failback_waits_for_the_destination_side_that_outlives_the_source_side() {
    let k = seeded(&[(1, "us-east-1")])
        .emulator(slow)
        .emulator(|c| c.destination_delete_lag = Duration::from_secs(3))
        .config(&to_west())
        .start()
        .await;
    let (_, report) = k.apply(&options()).await;
    assert!(report.succeeded(), "{report:#?}");
    // The new destination's id, as the next plan sees it.
    let b = make_plan(&k).await.changes[0]
        .after
        .as_ref()
        .and_then(|a| a.destination_file_system_id.clone())
        .expect("the destination is known");
    k.write_config(&format!(
        "settings {{\n  region = \"us-east-1\"\n}}\nremoved {{\n  source_file_system_id = \"{a}\"\n  source_region = \"us-east-1\"\n}}\nreplication \"back\" {{\n  source_file_system_id = \"{b}\"\n  source_region = \"us-west-2\"\n  destination {{\n    region = \"us-east-1\"\n    file_system_id = \"{a}\"\n    allow_overwrite = true\n  }}\n}}\n",
        a = fsid(1)
    ));
    let from = requests(&k).await.len();
    let (p, report) = k.apply(&options()).await;
    assert!(report.succeeded(), "{report:#?}");
    assert!(
        p.steps
            .iter()
            .any(|s| s.kind.sides_to_wait_for().len() == 2),
        "the wait watches both sides: {:#?}",
        p.steps
    );
    // The destination side was described in its Region until it was gone,
    // and no create was refused on the way.
    assert!(polls(&k, from, "us-west-2").await >= 3);
    let log = requests(&k).await.split_off(from);
    assert!(
        !log.iter()
            .any(|r| r.0 == "CreateReplicationConfiguration" && r.2 >= 300),
        "{log:?}"
    );
    assert!(converged(&k).await);
}
