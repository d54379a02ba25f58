//! Orphaned destination sides: a replication deleted in its source Region
//! with LOCAL_CONFIGURATION_ONLY leaves its destination side listed in the
//! destination Region. Apply must never take that side for the live
//! replication, must remove it where it lives, and must converge.

use super::*;

/// Defect: the destination-Region view (eu-west-1, read first) of an
/// orphan stood in for the live replication of its source (us-west-2):
/// the second apply replaced the orphan's view by deleting the healthy new
/// replication, which the plan never showed, and apply never converged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_orphaned_destination_side_is_removed_in_its_region_and_apply_converges() {
    let k = kit::Kit::with_config(config())
        .file_system(&fsid(1), "us-west-2")
        .replication(&fsid(1), "us-west-2", "eu-west-1")
        .start()
        .await;
    let old_replica = k.replicas[0].clone();
    k.client("us-west-2")
        .delete_replication_configuration()
        .source_file_system_id(fsid(1))
        .deletion_mode(aws_sdk_efs::types::DeletionMode::LocalConfigurationOnly)
        .send()
        .await
        .expect("source-side deletion");
    // Let the source side go (delete delay).
    tokio::time::sleep(Duration::from_millis(500)).await;
    k.write_config(&format!(
        "replication \"a\" {{\n  source_file_system_id = \"{}\"\n  source_region = \"us-west-2\"\n  destination {{\n    region = \"eu-west-1\"\n  }}\n}}\n",
        fsid(1)
    ));

    let (p, report) = k.apply(&options()).await;
    assert!(report.succeeded(), "{report:#?}");
    let orphan = format!("orphan.{old_replica}");
    assert!(
        p.changes.iter().any(|c| c.address == orphan),
        "the orphan is shown: {:#?}",
        p.changes
    );
    assert_eq!(
        p.changes
            .iter()
            .find(|c| c.address == "replication.a")
            .unwrap()
            .action,
        efs_replicator::plan::Action::Create
    );
    let calls = k.mutations();
    assert!(
        calls.contains(&(
            "DeleteReplicationConfiguration".to_owned(),
            "eu-west-1".to_owned()
        )),
        "the orphan is deleted in its own Region: {calls:?}"
    );

    // Second run: nothing to do, and no delete of the new replication.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = k.mutations().len();
    let (p2, report2) = k.apply(&options()).await;
    assert!(report2.succeeded(), "{report2:#?}");
    assert!(!p2.has_changes(), "{:#?}", p2.changes);
    assert_eq!(k.mutations().len(), before);
    assert!(!k.plan().await.unwrap().has_changes());
    k.shutdown().await;
}
