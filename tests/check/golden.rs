//! Golden output of `check` (table, JSON, Prometheus) for a state with every
//! kind of problem, read through the real SDK from an emulator seeded with
//! fixed timestamps (stalled LastReplicatedTimestamps) and with statuses
//! forced through its admin API. Health is judged at a fixed `now`, so the
//! output is byte-stable.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use efs_replicator::config::{load_str, LoadOptions};
use efs_replicator::discover::{discover, ConnectOptions, EfsReader};
use efs_replicator::health::markdown::render_markdown;
use efs_replicator::health::render::{render_json, render_prometheus, render_table};
use efs_replicator::health::{assess, CheckReport, Health, HealthOptions};
use efs_replicator::plan::{plan, Action, PlanOptions};
use serde_json::json;

use crate::{force_status, start, KEY_A};

const T0: u64 = 1_700_000_000;

fn seed() -> serde_json::Value {
    let fs = |id: &str, region: &str, name: Option<&str>| {
        let mut v =
            json!({"id": id, "region": region, "encrypted": true, "creation_time": T0 - 86_400});
        if let Some(n) = name {
            v["name"] = json!(n);
        }
        v
    };
    let rep = |src: &str, dst: &str, stalled_at: u64| {
        json!({
            "source_file_system_id": src,
            "destination_file_system_id": dst,
            "creation_time": T0,
            "enabled_at": T0,
            "first_sync_at": T0,
            "stalled_at": stalled_at,
        })
    };
    json!({
        "file_systems": [
            fs("fs-000000000000000a1", "us-east-1", Some("home")),
            fs("fs-000000000000000a2", "us-east-1", Some("db")),
            fs("fs-000000000000000a3", "us-east-1", Some("media")),
            fs("fs-000000000000000a4", "us-east-1", Some("logs")),
            fs("fs-000000000000000a5", "us-east-1", Some("archive")),
            fs("fs-000000000000000a6", "us-east-1", Some("scratch \"tmp\"")),
            fs("fs-000000000000000b1", "us-west-2", None),
            fs("fs-000000000000000b2", "us-west-2", None),
            fs("fs-000000000000000b3", "us-west-2", None),
            fs("fs-000000000000000b4", "us-west-2", None),
            fs("fs-000000000000000b6", "us-west-2", None),
        ],
        "replications": [
            // 10 minutes behind at now: within its 30m.
            rep("fs-000000000000000a1", "fs-000000000000000b1", T0 + 3_000),
            rep("fs-000000000000000a2", "fs-000000000000000b2", T0 + 3_500),
            rep("fs-000000000000000a3", "fs-000000000000000b3", T0 + 3_500),
            // 50 minutes behind at now: beyond the settings' 15m.
            rep("fs-000000000000000a4", "fs-000000000000000b4", T0 + 600),
            // Not declared.
            rep("fs-000000000000000a6", "fs-000000000000000b6", T0 + 3_500),
        ],
    })
}

const CONFIG: &str = r#"
settings {
  region              = "us-east-1"
  max_replication_lag = "15m"
}

replication "home" {
  source_file_system_id = "fs-000000000000000a1"
  max_replication_lag   = "30m"
  destination {
    region = "us-west-2"
  }
}

replication "db" {
  source_file_system_id = "fs-000000000000000a2"
  destination {
    region = "us-west-2"
  }
}

replication "media" {
  source_file_system_id = "fs-000000000000000a3"
  destination {
    region = "us-west-2"
  }
}

replication "logs" {
  source_file_system_id = "fs-000000000000000a4"
  destination {
    region = "us-west-2"
  }
}

# Its replication was deleted outside the configuration.
replication "archive" {
  source_file_system_id = "fs-000000000000000a5"
  destination {
    region = "us-west-2"
  }
}
"#;

/// Reads the seeded, faulted state through the SDK and judges it at T0 + 1h.
async fn report() -> CheckReport {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, serde_json::to_vec_pretty(&seed()).unwrap()).unwrap();
    let emu = start(Some(state)).await;
    force_status(
        &emu,
        "fs-000000000000000a2",
        "ERROR",
        "The destination file system was deleted",
    )
    .await;
    force_status(
        &emu,
        "fs-000000000000000a3",
        "PAUSED",
        "The destination Region was opted out",
    )
    .await;

    let desired = load_str("check.hcl", CONFIG, &LoadOptions::default()).expect("config loads");
    let reader = EfsReader::connect(&ConnectOptions {
        profile: None,
        endpoint_url: Some(emu.base_url().to_owned()),
        static_credentials: Some((KEY_A.to_owned(), "test-secret".to_owned())),
    })
    .await;
    let actual = discover(&reader, &desired, &[]).await.expect("discovers");
    emu.shutdown().await;
    let plan = plan(&desired, &actual, &PlanOptions::default()).expect("plans");
    let now = UNIX_EPOCH + Duration::from_secs(T0 + 3_600);
    assess(&desired, &actual, &plan, now, &HealthOptions::default())
}

fn rendered(
    report: &CheckReport,
    f: fn(&CheckReport, &mut Vec<u8>) -> std::io::Result<()>,
) -> String {
    let mut buf = Vec::new();
    f(report, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_problem_is_reported_in_every_format() {
    let r = report().await;
    let by = |a: &str| r.entries.iter().find(|e| e.address == a).unwrap();

    // The verdicts, independent of how they are printed.
    assert_eq!(by("replication.home").health, Some(Health::Healthy));
    assert_eq!(by("replication.home").lag, Some(Duration::from_secs(600)));
    assert_eq!(by("replication.db").action, Action::Replace);
    assert_eq!(by("replication.db").health, Some(Health::Unhealthy));
    assert_eq!(by("replication.media").status.as_deref(), Some("PAUSED"));
    assert_eq!(by("replication.media").action, Action::NoOp);
    assert_eq!(by("replication.media").health, Some(Health::Unhealthy));
    assert_eq!(by("replication.logs").lag, Some(Duration::from_secs(3_000)));
    assert_eq!(by("replication.logs").health, Some(Health::Unhealthy));
    assert_eq!(by("replication.archive").action, Action::Create);
    assert_eq!(r.unmanaged.len(), 1);
    assert!(!r.ok());
    assert_eq!(
        r.checked_at,
        SystemTime::UNIX_EPOCH + Duration::from_secs(T0 + 3_600)
    );

    insta::assert_snapshot!("table", rendered(&r, render_table));
    insta::assert_snapshot!("json", rendered(&r, render_json));
    insta::assert_snapshot!("prometheus", rendered(&r, render_prometheus));
    // Issue 12: the pull-request comment, destructive corrections first.
    let md = rendered(&r, render_markdown);
    assert!(
        md.find("**replace** `replication.db`").unwrap() < md.find("| Address |").unwrap(),
        "{md}"
    );
    insta::assert_snapshot!("markdown", md);
    let gh = rendered(&r, efs_replicator::render::github::render_report_github);
    assert!(
        gh.contains("::error title=efs-replicator check%3A replication.logs::replication.logs is unhealthy: replication lag 50m exceeds max_replication_lag 15m\n"),
        "{gh}"
    );
    assert!(
        gh.contains("::warning title=efs-replicator check%3A replication.archive::replication.archive drifted (create): "),
        "{gh}"
    );
    assert!(
        !gh.contains("replication.home"),
        "healthy and in sync: no annotation\n{gh}"
    );
}
