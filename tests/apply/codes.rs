//! Issue 10: EFS's error code for a create refused because the source is
//! already in a replication, because an existing destination's protection
//! is not DISABLED, or because the destination Region does not support
//! replication is not documented. Apply reads every plausible code
//! (BadRequest, ValidationException, ReplicationAlreadyExists,
//! ConflictException) as those conditions, through the real SDK: the
//! replication is looked at, and a create that meets its own replication is
//! done, while a real refusal fails naming the conditions.

use efs_replicator::apply::policy::ALREADY_CODES;
use efs_replicator::apply::Outcome;
use serde_json::json;

use super::*;

/// Plans r1 (fs 1 -> new destination in us-west-2); the create then meets
/// `code` (a fault rule), with the replication made meanwhile or not.
async fn create_refused_with(
    code: &str,
    made_meanwhile: bool,
) -> efs_replicator::apply::ApplyReport {
    let k = kit::Kit::with_config(config())
        .file_system(&fsid(1), "us-east-1")
        .config(&creates([1], "us-east-1", "us-west-2"))
        .start()
        .await;
    let p = k.plan().await.expect("plan");
    if made_meanwhile {
        kit::create_replication(&k.client("us-east-1"), &fsid(1), "us-west-2", None)
            .await
            .expect("the same replication, made meanwhile");
    }
    fault(
        &k,
        json!({"operation": "CreateReplicationConfiguration", "error": code, "count": 1}),
    )
    .await;
    let report = run_plan(&p, &k.reader().await, &options()).await;
    k.shutdown().await;
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_plausible_code_is_read_as_the_undocumented_refusals() {
    assert_eq!(ALREADY_CODES.len(), 4);
    for code in ALREADY_CODES {
        let report = create_refused_with(code, true).await;
        assert!(report.succeeded(), "{code}: {report:#?}");
        let r1 = report.address("replication.r1").unwrap();
        assert_eq!(r1.outcome, Outcome::Done, "{code}");

        let report = create_refused_with(code, false).await;
        let r1 = report.address("replication.r1").unwrap();
        assert_eq!(r1.outcome, Outcome::Failed, "{code}: {report:#?}");
        let e = r1.error.as_ref().unwrap();
        assert_eq!(e.code.as_deref(), Some(*code));
        assert!(e.hint.contains("not DISABLED"), "{code}: {}", e.hint);
    }
}
