//! Failback: the replication A -> B is removed and B -> A created with A as
//! the (overwritable) destination. A failure in the middle must keep the
//! dependent create from running; a re-run finishes the job in the order
//! delete, protection, create, as the emulator's request log shows.

use efs_replicator::apply::Outcome;
use serde_json::json;

use super::*;

/// Starts `kit` with A (fs 1, us-east-1) replicating to a new B
/// (us-west-2), ENABLED, and the failback B -> A ([`failback_config`])
/// written; returns the id of B with it.
pub(super) async fn failing_back(kit: kit::Kit) -> (kit::Running, String) {
    let k = kit
        .replication(&fsid(1), "us-east-1", "us-west-2")
        .start()
        .await;
    let b = k.replicas[0].clone();
    k.write_config(&failback_config(&b));
    (k, b)
}

pub(super) fn failback_config(b: &str) -> String {
    format!(
        r#"settings {{
  region = "us-east-1"
}}

replication "back" {{
  source_file_system_id = "{b}"
  source_region         = "us-west-2"
  destination {{
    region          = "us-east-1"
    file_system_id  = "{a}"
    allow_overwrite = true
  }}
}}

removed {{
  source_file_system_id = "{a}"
  source_region         = "us-east-1"
}}
"#,
        a = fsid(1)
    )
}

/// [`failing_back`] from fs 1 alone, with the next call of `operation`
/// refused (AccessDeniedException); returns the number of mutating calls
/// made before, with the handle.
async fn failing_back_refused(operation: &str) -> (kit::Running, usize) {
    let (k, _) = failing_back(seeded(&[(1, "us-east-1")])).await;
    let before = mutations(&k).await.len();
    fault(
        &k,
        json!({"operation": operation, "error": "AccessDeniedException",
               "status": 403, "count": 1}),
    )
    .await;
    (k, before)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delete_in_a_failback_keeps_the_reverse_create_from_running() {
    let (k, before) = failing_back_refused("DeleteReplicationConfiguration").await;

    let (_, report) = k.apply(&options()).await;
    let removed = report.address(&format!("removed.{}", fsid(1))).unwrap();
    assert_eq!(removed.outcome, Outcome::Failed, "{report:#?}");
    let e = removed.error.as_ref().unwrap();
    assert_eq!(e.code.as_deref(), Some("AccessDeniedException"));
    assert_eq!(e.region, "us-east-1");
    assert!(
        e.hint
            .contains("elasticfilesystem:DeleteReplicationConfiguration"),
        "{e:?}"
    );
    let back = report.address("replication.back").unwrap();
    assert_eq!(back.outcome, Outcome::Skipped);
    // It names the failure as a failure (it used to say "was skipped").
    let why = back.detail.as_deref().unwrap_or_default();
    assert!(
        why.contains(&format!("removed.{}, which failed", fsid(1))),
        "{why}"
    );
    // Nothing after the failed delete reached EFS: no protection change, no create.
    let log = requests(&k).await;
    assert!(
        !log.iter()
            .any(|r| r.0 == "CreateReplicationConfiguration" && r.1 == "us-west-2"),
        "{log:?}"
    );
    assert!(
        !log.iter().any(|r| r.0 == "UpdateFileSystemProtection"),
        "{log:?}"
    );
    assert_eq!(mutations(&k).await.len(), before);

    // A re-run converges, in the only safe order.
    let (_, report) = k.apply(&options()).await;
    assert!(report.succeeded(), "{report:#?}");
    let order: Vec<(String, String)> = mutations(&k).await.split_off(before);
    assert_eq!(
        order,
        vec![
            (
                "DeleteReplicationConfiguration".to_owned(),
                "us-east-1".to_owned()
            ),
            (
                "UpdateFileSystemProtection".to_owned(),
                "us-east-1".to_owned()
            ),
            (
                "CreateReplicationConfiguration".to_owned(),
                "us-west-2".to_owned()
            ),
        ]
    );
    assert!(converged(&k).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_apply_that_got_there_first_counts_as_done() {
    let k = into_existing().start().await;
    let reader = k.reader().await;
    let p = make_plan(&k).await;
    // Another apply of the same plan runs first, to the end.
    let first = run_plan(&p, &reader, &options()).await;
    assert!(first.succeeded(), "{first:#?}");
    // The stale copy of the plan finds everything in place.
    let second = run_plan(&p, &reader, &options()).await;
    assert!(second.succeeded(), "{second:#?}");
    let r = second.address("replication.r").unwrap();
    assert!(
        r.detail
            .as_deref()
            .unwrap_or("")
            .contains("already present"),
        "{r:?}"
    );
    // Exactly one replication was ever created.
    let creates = mutations(&k)
        .await
        .into_iter()
        .filter(|m| m.0 == "CreateReplicationConfiguration")
        .count();
    assert_eq!(creates, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_protection_change_after_the_delete_keeps_the_reverse_create_from_running() {
    let (k, before) = failing_back_refused("UpdateFileSystemProtection").await;

    let (_, report) = k.apply(&options()).await;
    // The delete (and its wait) belong to removed.A and are done; the
    // protection change of replication.back failed, so its create never ran.
    assert_eq!(
        report
            .address(&format!("removed.{}", fsid(1)))
            .unwrap()
            .outcome,
        Outcome::Done,
        "{report:#?}"
    );
    let back = report.address("replication.back").unwrap();
    assert_eq!(back.outcome, Outcome::Failed);
    assert_eq!(
        back.error.as_ref().unwrap().operation,
        "UpdateFileSystemProtection"
    );
    let log = requests(&k).await;
    assert!(
        !log.iter()
            .any(|r| r.0 == "CreateReplicationConfiguration" && r.1 == "us-west-2"),
        "{log:?}"
    );
    assert_eq!(
        mutations(&k).await.split_off(before),
        vec![(
            "DeleteReplicationConfiguration".to_owned(),
            "us-east-1".to_owned()
        )]
    );

    // The re-run does only what is left: protection, then create.
    let (_, report) = k.apply(&options()).await;
    assert!(report.succeeded(), "{report:#?}");
    assert_eq!(
        mutations(&k).await.split_off(before + 1),
        vec![
            (
                "UpdateFileSystemProtection".to_owned(),
                "us-east-1".to_owned()
            ),
            (
                "CreateReplicationConfiguration".to_owned(),
                "us-west-2".to_owned()
            ),
        ]
    );
    assert!(converged(&k).await);
}
