//! The `/_emulator/` operator API: stats and request log, reset, fault
//! rules, forced replication status, stalled sync timestamps, clock.

use super::*;
use aws_sdk_efs::types::{ReplicationOverwriteProtection, ReplicationStatus};
use serde_json::json;

async fn replicated(emu: &Emulator) -> (Client, String) {
    let east = client(emu, "us-east-1");
    let src = create_fs(&east, "src").await;
    replicate(&east, &src, "us-west-2").await;
    (east, src)
}

#[tokio::test]
async fn stats_count_operations_and_log_requests_in_order() {
    let emu = start(config()).await;
    let (east, src) = replicated(&emu).await;
    let west = client_b(&emu, "us-west-2");
    list_replications(&east).await;
    let _ = west
        .describe_file_systems()
        .file_system_id("fs-00000000000000000")
        .send()
        .await;
    let s = admin_get(&emu, "/_emulator/stats").await;
    assert_eq!(s["total"], 4);
    assert_eq!(s["by_operation"]["CreateFileSystem"], 1);
    assert_eq!(s["by_operation"]["CreateReplicationConfiguration"], 1);
    assert_eq!(s["by_operation"]["DescribeReplicationConfigurations"], 1);
    assert_eq!(s["by_operation"]["DescribeFileSystems"], 1);
    let reqs = s["requests"].as_array().unwrap();
    let ops: Vec<&str> = reqs
        .iter()
        .map(|r| r["operation"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops,
        [
            "CreateFileSystem",
            "CreateReplicationConfiguration",
            "DescribeReplicationConfigurations",
            "DescribeFileSystems"
        ]
    );
    let seqs: Vec<u64> = reqs.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    assert_eq!(reqs[1]["status"], 200);
    assert_eq!(reqs[1]["region"], "us-east-1");
    assert!(reqs[1]["path"].as_str().unwrap().contains(&src));
    assert_eq!(reqs[3]["status"], 404);
    assert_eq!(reqs[3]["error"], "FileSystemNotFound");
    assert_eq!(reqs[3]["account"], ACCOUNT_B);
    assert_eq!(reqs[3]["region"], "us-west-2");
    assert_eq!(s["replications"], 1);
    // The in-process handle returns the same document.
    assert_eq!(emu.stats()["by_operation"], s["by_operation"]);
}

#[tokio::test]
async fn reset_clears_state_stats_and_faults() {
    let emu = start(config()).await;
    let (east, _) = replicated(&emu).await;
    let (st, _) = admin_post(
        &emu,
        "/_emulator/faults",
        json!({"operation": "DescribeFileSystems", "error": "InternalServerError", "count": 5}),
    )
    .await;
    assert_eq!(st, 201);
    let (st, _) = admin_post(&emu, "/_emulator/reset", json!({})).await;
    assert_eq!(st, 200);
    assert!(list_fs(&east).await.file_systems().is_empty());
    assert!(list_replications(&east).await.replications().is_empty());
    let s = admin_get(&emu, "/_emulator/stats").await;
    assert_eq!(s["total"], 2);
    assert_eq!(
        admin_get(&emu, "/_emulator/faults").await["faults"],
        json!([])
    );
}

#[tokio::test]
async fn fault_rules_fail_the_next_n_calls_then_expire() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let (st, rule) = admin_post(
        &emu,
        "/_emulator/faults",
        json!({"operation": "CreateFileSystem", "error": "InsufficientThroughputCapacity", "count": 2, "message": "try later"}),
    )
    .await;
    assert_eq!(st, 201, "{rule}");
    for _ in 0..2 {
        let err = east
            .create_file_system()
            .creation_token("t")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(503));
        let e = err.into_service_error();
        assert!(e.is_insufficient_throughput_capacity(), "{e:?}");
        assert_eq!(e.meta().message(), Some("try later"));
    }
    create_fs(&east, "t").await;
    // Region-scoped rule: only us-west-2 fails.
    admin_post(&emu, "/_emulator/faults", json!({"operation": "DescribeFileSystems", "error": "InternalServerError", "region": "us-west-2"})).await;
    list_fs(&east).await;
    let e = client(&emu, "us-west-2")
        .describe_file_systems()
        .send()
        .await;
    assert_eq!(code(e), "InternalServerError");
    client(&emu, "us-west-2")
        .describe_file_systems()
        .send()
        .await
        .unwrap();
    for bad in [
        json!({"operation": "X"}),
        json!({"operation": "Nope", "error": "InternalServerError"}),
        json!({"operation": "DescribeFileSystems", "error": "Bad\nCode"}),
        json!({"operation": "DescribeFileSystems", "error": "InternalServerError", "count": 0}),
    ] {
        let (st, v) = admin_post(&emu, "/_emulator/faults", bad.clone()).await;
        assert_eq!(st, 400, "{bad} -> {v}");
    }
}

#[tokio::test]
async fn forced_status_shows_with_message_and_can_be_cleared() {
    let emu = start(config()).await;
    let (east, src) = replicated(&emu).await;
    let (st, v) = admin_post(
        &emu,
        &format!("/_emulator/replications/{src}/status"),
        json!({"status": "PAUSED", "message": "Destination Region us-west-2 was opted out"}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let d = east
        .describe_replication_configurations()
        .file_system_id(&src)
        .send()
        .await
        .unwrap()
        .replications()[0]
        .destinations()[0]
        .clone();
    assert_eq!(d.status(), &ReplicationStatus::Paused);
    assert_eq!(
        d.status_message(),
        Some("Destination Region us-west-2 was opted out")
    );
    // The destination side sees the same status.
    let west = client(&emu, "us-west-2");
    let seen = list_replications(&west).await;
    assert_eq!(
        seen.replications()[0].destinations()[0].status(),
        &ReplicationStatus::Paused
    );
    admin_post(
        &emu,
        &format!("/_emulator/replications/{src}/status"),
        json!({"status": "ERROR", "message": "boom"}),
    )
    .await;
    let d = list_replications(&east).await.replications()[0].destinations()[0].clone();
    assert_eq!(d.status(), &ReplicationStatus::Error);
    let r = raw(
        &emu,
        "DELETE",
        &format!("/_emulator/replications/{src}/status"),
        &[],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    let d = list_replications(&east).await.replications()[0].destinations()[0].clone();
    assert_eq!(d.status(), &ReplicationStatus::Enabled);
    assert!(d.status_message().is_none());
    let (st, _) = admin_post(
        &emu,
        &format!("/_emulator/replications/{src}/status"),
        json!({"status": "BROKEN"}),
    )
    .await;
    assert_eq!(st, 400);
    let (st, _) = admin_post(
        &emu,
        "/_emulator/replications/fs-0000000000000000f/status",
        json!({"status": "ERROR"}),
    )
    .await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn stalled_sync_timestamp_stops_advancing_until_resumed() {
    let emu = start(Config {
        sync_interval: Duration::from_secs(60),
        ..config()
    })
    .await;
    let (east, src) = replicated(&emu).await;
    let lrt = |c: Client, s: String| async move {
        c.describe_replication_configurations()
            .file_system_id(s)
            .send()
            .await
            .unwrap()
            .replications()[0]
            .destinations()[0]
            .last_replicated_timestamp()
            .unwrap()
            .as_secs_f64()
    };
    let t0 = lrt(east.clone(), src.clone()).await;
    let (st, _) = admin_post(
        &emu,
        &format!("/_emulator/replications/{src}/stall"),
        json!({}),
    )
    .await;
    assert_eq!(st, 200);
    advance(&emu, 600.0).await;
    assert_eq!(lrt(east.clone(), src.clone()).await, t0);
    raw(
        &emu,
        "DELETE",
        &format!("/_emulator/replications/{src}/stall"),
        &[],
        b"",
    )
    .await;
    let t1 = lrt(east.clone(), src.clone()).await;
    assert!(t1 >= t0 + 600.0, "{t1} vs {t0}");
}

#[tokio::test]
async fn clock_only_moves_forward() {
    let emu = start(config()).await;
    let before = admin_get(&emu, "/_emulator/clock").await;
    advance(&emu, 100.0).await;
    let after = admin_get(&emu, "/_emulator/clock").await;
    assert_eq!(after["offset_seconds"], 100.0);
    assert!(after["now"].as_f64().unwrap() >= before["now"].as_f64().unwrap() + 100.0);
    let (st, _) = admin_post(&emu, "/_emulator/clock", json!({"advance_seconds": -5})).await;
    assert_eq!(st, 400);
    // The in-process handle does the same.
    emu.advance_clock(Duration::from_secs(50)).await.unwrap();
    assert_eq!(
        admin_get(&emu, "/_emulator/clock").await["offset_seconds"],
        150.0
    );
}

#[tokio::test]
async fn latency_is_added_to_api_calls_but_not_counted_as_server_time() {
    let emu = start(Config {
        latency: Duration::from_millis(300),
        ..config()
    })
    .await;
    let east = client(&emu, "us-east-1");
    let t = std::time::Instant::now();
    list_fs(&east).await;
    // A lower bound only: the call cannot be faster than the added latency.
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    let s = admin_get(&emu, "/_emulator/stats").await;
    let server_us = s["requests"][0]["duration_us"].as_u64().unwrap();
    assert!(
        server_us < 300_000,
        "duration_us {server_us} includes the latency"
    );
}

/// Issue 15: a web page cannot change a running emulator: a changing admin
/// request with a foreign `Origin` is refused; reads, requests without an
/// `Origin` and same-origin ones are served.
#[tokio::test]
async fn cross_origin_admin_posts_are_refused() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    create_fs(&east, "keep").await;
    let foreign = [
        ("Origin", "https://evil.example"),
        ("Content-Type", "text/plain"),
    ];
    let r = raw(&emu, "POST", "/_emulator/reset", &foreign, b"").await;
    assert_eq!(r.status, 403, "{}", String::from_utf8_lossy(&r.body));
    assert!(String::from_utf8_lossy(&r.body).contains("cross-origin"));
    let r = raw(&emu, "DELETE", "/_emulator/faults", &foreign, b"").await;
    assert_eq!(r.status, 403);
    assert_eq!(list_fs(&east).await.file_systems().len(), 1);
    let r = raw(&emu, "GET", "/_emulator/stats", &foreign, b"").await;
    assert_eq!(r.status, 200);
    let own = format!("http://{}", emu.local_addr());
    let r = raw(
        &emu,
        "POST",
        "/_emulator/clock",
        &[
            ("Origin", own.as_str()),
            ("Content-Type", "application/json"),
        ],
        br#"{"advance_seconds": 1}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = raw(&emu, "POST", "/_emulator/reset", &[], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(list_fs(&east).await.file_systems().len(), 0);
}

/// An `after` fault rule carries the call out, then answers with the
/// error: the 500 a client sees when the answer to a change that took
/// effect is lost. A rule without `after` still fails before the call.
#[tokio::test]
async fn an_after_fault_applies_the_call_then_answers_with_the_error() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let fs = create_fs(&east, "f").await;
    let protection = |east: Client, fs: String| async move {
        east.describe_file_systems()
            .file_system_id(fs)
            .send()
            .await
            .unwrap()
            .file_systems()[0]
            .file_system_protection()
            .unwrap()
            .replication_overwrite_protection()
            .unwrap()
            .as_str()
            .to_owned()
    };
    assert_eq!(protection(east.clone(), fs.clone()).await, "ENABLED");
    let (st, rule) = admin_post(
        &emu,
        "/_emulator/faults",
        json!({"operation": "UpdateFileSystemProtection", "error": "InternalServerError", "after": true}),
    )
    .await;
    assert_eq!(st, 201, "{rule}");
    assert_eq!(rule["after"], true);
    let update = |east: Client, fs: String, value: ReplicationOverwriteProtection| async move {
        east.update_file_system_protection()
            .file_system_id(fs)
            .replication_overwrite_protection(value)
            .send()
            .await
    };
    let r = update(
        east.clone(),
        fs.clone(),
        ReplicationOverwriteProtection::Disabled,
    )
    .await;
    assert_eq!(code(r), "InternalServerError");
    assert_eq!(protection(east.clone(), fs.clone()).await, "DISABLED");
    let log = admin_get(&emu, "/_emulator/stats").await["requests"]
        .as_array()
        .unwrap()
        .clone();
    let last_update = log
        .iter()
        .rev()
        .find(|r| r["operation"] == "UpdateFileSystemProtection")
        .unwrap();
    assert_eq!(last_update["status"], 500);
    // Used up: the next call is answered as usual.
    update(
        east.clone(),
        fs.clone(),
        ReplicationOverwriteProtection::Enabled,
    )
    .await
    .unwrap();
    assert_eq!(protection(east.clone(), fs.clone()).await, "ENABLED");
    // Without `after` the call fails before it is carried out.
    admin_post(
        &emu,
        "/_emulator/faults",
        json!({"operation": "UpdateFileSystemProtection", "error": "InternalServerError"}),
    )
    .await;
    let r = update(
        east.clone(),
        fs.clone(),
        ReplicationOverwriteProtection::Disabled,
    )
    .await;
    assert_eq!(code(r), "InternalServerError");
    assert_eq!(protection(east, fs).await, "ENABLED");
}
