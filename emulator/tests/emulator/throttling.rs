//! `throttle_rps`: mutating calls over the budget get ThrottlingException,
//! which the SDK's standard retry mode retries until the call succeeds; the
//! emulator's stats count the throttled attempts.

use super::*;

/// Both `--throttle-status` values (400, as EFS answers, and 429) are
/// retried by the SDK's standard mode: it classifies by code.
#[tokio::test]
async fn sdk_standard_retry_succeeds_through_throttling() {
    for status in [400, 429] {
        standard_retry_gets_through(status).await;
    }
}

async fn standard_retry_gets_through(status: u16) {
    let emu = start(Config {
        throttle_rps: Some(2.0),
        throttle_status: status,
        ..config()
    })
    .await;
    let retry = RetryConfig::standard()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(200));
    let east = client_with(&emu, "us-east-1", KEY_A, retry.clone());
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(create_fs(&east, &format!("t{i}")).await);
    }
    assert_eq!(list_fs(&east).await.file_systems().len(), 8);
    let s = admin_get(&emu, "/_emulator/stats").await;
    let throttled = s["throttled"].as_u64().unwrap();
    assert!(throttled > 0, "expected throttled attempts: {s}");
    let throttled_logged = s["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["error"] == "ThrottlingException" && r["status"] == status)
        .count() as u64;
    assert_eq!(throttled_logged, throttled);
    assert_eq!(
        s["by_operation"]["CreateFileSystem"].as_u64().unwrap(),
        8 + throttled
    );
}

#[tokio::test]
async fn throttling_is_per_account_and_region_and_spares_reads() {
    let emu = start(Config {
        // One token, refilled only after 100 s: the second call is refused.
        throttle_rps: Some(0.01),
        ..config()
    })
    .await;
    let east = client(&emu, "us-east-1");
    create_fs(&east, "a").await;
    let err = east
        .create_file_system()
        .creation_token("b")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(err.message(), Some("Rate exceeded"));
    // The default status is EFS's: 400.
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    // Reads are never throttled.
    for _ in 0..5 {
        list_fs(&east).await;
    }
    // Other buckets are full.
    create_fs(&client(&emu, "us-west-2"), "a").await;
    create_fs(&client_b(&emu, "us-east-1"), "a").await;
}

/// A `ThrottlingException` fault rule without a status answers with
/// `--throttle-status`, so a read (never charged to `--throttle-rps`) can be
/// throttled the way the variant plays it; an explicit status wins.
#[tokio::test]
async fn a_throttling_fault_takes_the_throttle_status() {
    for status in [400u16, 429] {
        let emu = start(Config {
            throttle_status: status,
            ..config()
        })
        .await;
        let east = client_with(&emu, "us-east-1", KEY_A, RetryConfig::disabled());
        let rule = serde_json::json!({"operation": "DescribeFileSystems", "error": "ThrottlingException",
                          "message": "Rate exceeded", "count": 1});
        assert_eq!(admin_post(&emu, "/_emulator/faults", rule).await.0, 201);
        let err = east.describe_file_systems().send().await.unwrap_err();
        assert_eq!(err.code(), Some("ThrottlingException"));
        assert_eq!(
            err.raw_response().map(|r| r.status().as_u16()),
            Some(status)
        );
        let rule = serde_json::json!({"operation": "DescribeFileSystems", "error": "ThrottlingException",
                          "status": 503});
        admin_post(&emu, "/_emulator/faults", rule).await;
        let err = east.describe_file_systems().send().await.unwrap_err();
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(503));
    }
}
