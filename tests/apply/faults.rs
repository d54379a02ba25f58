//! Faults the SDK's retry configuration must absorb (a throttling storm,
//! 5xx bursts, latency), a failure it must not hide (one create refused
//! among ten others), and a replication that goes to ERROR or PAUSED while
//! waited for.

use std::time::Duration;

use efs_replicator::apply::{render_summary_human, ApplyReport, Outcome};
use serde_json::json;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttling_storm_is_absorbed_by_sdk_retries() {
    let ns: Vec<u32> = (1..=20).collect();
    let k = creating(ns.clone(), "us-west-2")
        .emulator(|c| c.throttle_rps = Some(4.0))
        .start()
        .await;
    let (_, report) = k.apply(&options()).await;
    assert_eq!(report.count(Outcome::Done), 20, "{report:#?}");
    assert_eq!(report.count(Outcome::Failed), 0);
    let log = requests(&k).await;
    let throttled = log
        .iter()
        .filter(|r| r.3.as_deref() == Some("ThrottlingException"))
        .count();
    assert!(throttled > 0, "the storm did not happen");
    assert_eq!(mutations(&k).await.len(), 20, "one successful create each");
    assert!(converged(&k).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_of_5xx_on_writes_and_polls_are_retried() {
    let ns: Vec<u32> = (1..=4).collect();
    let k = creating(ns.clone(), "eu-west-1").start().await;
    let reader = k.reader().await;
    let p = make_plan(&k).await;
    // Armed after planning, so the writes and the waits meet them.
    fault(&k, json!({"operation": "CreateReplicationConfiguration", "error": "InternalServerError", "count": 5})).await;
    fault(&k, json!({"operation": "DescribeReplicationConfigurations", "error": "ServiceUnavailable", "status": 503, "count": 4})).await;
    let report = run_plan(&p, &reader, &options()).await;
    assert_eq!(report.count(Outcome::Done), 4, "{report:#?}");
    let log = requests(&k).await;
    let count = |code: &str| log.iter().filter(|r| r.3.as_deref() == Some(code)).count();
    assert_eq!(count("InternalServerError"), 5);
    assert_eq!(count("ServiceUnavailable"), 4);
    assert_eq!(mutations(&k).await.len(), 4);
    assert!(converged(&k).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_latency_slows_but_does_not_break_apply() {
    let ns: Vec<u32> = (1..=5).collect();
    let k = creating(ns.clone(), "us-west-2")
        .emulator(|c| c.latency = Duration::from_millis(250))
        .start()
        .await;
    let (_, report) = k.apply(&options()).await;
    assert!(report.succeeded(), "{report:#?}");
    assert!(requests(&k).await.iter().all(|r| r.2 < 400));
    assert!(converged(&k).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_create_among_ten_others_fails_alone_then_a_rerun_converges() {
    let mut fss: Vec<(u32, &str)> = (1..=10).map(|n| (n, "us-east-1")).collect();
    fss.push((11, "eu-west-1"));
    let mut hcl = creates(1..=10, "us-east-1", "us-west-2");
    hcl.push_str(
        &creates([11], "eu-west-1", "eu-central-1")
            .replace("settings {\n  region = \"us-east-1\"\n}\n", ""),
    );
    let k = seeded(&fss).config(&hcl).start().await;
    fault(
        &k,
        json!({"operation": "CreateReplicationConfiguration", "error": "AccessDeniedException", "status": 403,
               "message": "User is not authorized to perform: elasticfilesystem:CreateReplicationConfiguration",
               "region": "eu-west-1", "count": 1}),
    )
    .await;
    let dir = k.config_dir();
    let out = apply_bin(&k, &[]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("10 done, 1 failed, 0 skipped"), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("failed"))
        .unwrap_or_else(|| panic!("no failed line: {stdout}"));
    assert!(line.contains("replication.r11"), "{line}");
    assert!(line.contains("AccessDeniedException"), "{line}");
    assert!(line.contains("eu-west-1"), "{line}");
    assert!(
        stdout.contains("hint: ")
            && stdout.contains("elasticfilesystem:CreateReplicationConfiguration"),
        "{stdout}"
    );
    assert_eq!(mutations(&k).await.len(), 10);

    let again = apply_bin(&k, &[]).await;
    let (stdout, stderr) = text(&again);
    assert_eq!(again.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 done, 0 failed"), "{stdout}");
    let plan = run_bin(&k, &["plan", path_str(&dir), "--detailed-exitcode"]).await;
    assert_eq!(plan.status.code(), Some(0));
    assert!(text(&plan).0.contains("No changes."));
}

/// Applies the creation of r1 and r2 while the emulator, once both are
/// created, turns r1 to `status` with `message` and r2 to ENABLED.
async fn apply_while_r1_turns(status: &str, message: &str) -> ApplyReport {
    let k = creating([1, 2], "us-west-2")
        .emulator(|c| c.enable_delay = Duration::from_secs(3600))
        .start()
        .await;
    let reader = k.reader().await;
    let p = make_plan(&k).await;
    let opts = options();
    let run = run_plan(&p, &reader, &opts);
    let poke = async {
        while mutations(&k).await.len() < 2 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        admin(
            &k,
            "POST",
            &format!("/_emulator/replications/{}/status", fsid(1)),
            Some(json!({"status": status, "message": message})),
        )
        .await;
        admin(
            &k,
            "POST",
            &format!("/_emulator/replications/{}/status", fsid(2)),
            Some(json!({"status": "ENABLED"})),
        )
        .await;
    };
    let (report, ()) = tokio::join!(run, poke);
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_sees_error_fails_with_the_status_message() {
    let report = apply_while_r1_turns("ERROR", "The destination KMS key is disabled").await;
    let r1 = report.address("replication.r1").unwrap();
    assert_eq!(r1.outcome, Outcome::Failed);
    let e = r1.error.as_ref().unwrap();
    assert!(e.message.contains("ERROR"), "{e:?}");
    assert!(
        e.message.contains("The destination KMS key is disabled"),
        "{e:?}"
    );
    assert_eq!(
        report.address("replication.r2").unwrap().outcome,
        Outcome::Done
    );
    // Worded as what happened, not as a failed call.
    let mut summary = Vec::new();
    render_summary_human(&report, &mut summary).unwrap();
    let summary = String::from_utf8(summary).unwrap();
    assert!(
        summary.contains(&format!("the replication of {} (us-east-1) to ", fsid(1)))
            && summary.contains(
                "reached ERROR while waiting for ENABLED: The destination KMS key is disabled"
            ),
        "{summary}"
    );
    assert!(!summary.contains("no error code"), "{summary}");
    assert!(
        !summary.contains("DescribeReplicationConfigurations"),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_sees_paused_fails_with_the_status_message() {
    let report = apply_while_r1_turns(
        "PAUSED",
        "Replication paused: the destination is out of capacity",
    )
    .await;
    assert!(!report.succeeded());
    let r1 = report.address("replication.r1").unwrap();
    assert_eq!(r1.outcome, Outcome::Failed);
    let e = r1.error.as_ref().unwrap();
    assert_eq!(e.operation, "wait-enabled", "{e:?}");
    assert_eq!(e.code, None, "{e:?}");
    assert!(e.message.contains("reached PAUSED"), "{e:?}");
    assert!(
        e.message
            .contains("Replication paused: the destination is out of capacity"),
        "{e:?}"
    );
    assert_eq!(
        report.address("replication.r2").unwrap().outcome,
        Outcome::Done
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_wait_does_not_wait_for_enabled() {
    let k = creating([1], "us-west-2")
        .emulator(|c| c.enable_delay = Duration::from_secs(3600))
        .start()
        .await;
    let opts = efs_replicator::apply::ApplyOptions {
        no_wait: true,
        wait_timeout: Duration::from_secs(3600),
        ..options()
    };
    let (_, report) = k.apply(&opts).await;
    assert!(report.succeeded(), "{report:#?}");
    let r = report.address("replication.r1").unwrap();
    assert!(r.detail.as_deref().unwrap().contains("--no-wait"), "{r:?}");
    // Still ENABLING, and in place for the planner.
    assert!(converged(&k).await);
}
