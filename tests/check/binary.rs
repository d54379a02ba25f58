//! The built binary against a live emulator: exit codes 0 (in sync and
//! healthy), 2 (drift or unhealthy) and 1 (error) for a replication forced
//! to ERROR and to PAUSED, a stalled LastReplicatedTimestamp, an unmanaged
//! replication and a deleted one, in each output format.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::*;

/// An emulator holding one healthy replication `home` (us-east-1 ->
/// us-west-2), a config declaring it, and a home directory for the binary.
struct Setup {
    emu: kit::Running,
    dir: tempfile::TempDir,
    config: PathBuf,
    source: String,
}

async fn setup(extra: &str) -> Setup {
    let emu = start(None).await;
    let c = client(&emu, "us-east-1", KEY_A);
    let source = create_fs(&c, "home", Some("home"), None).await;
    replicate(&c, &source, to_region("us-west-2")).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "check.hcl",
        &format!(
            r#"
replication "home" {{
  source_file_system_id = "{source}"
  source_region         = "us-east-1"
  {extra}
  destination {{
    region = "us-west-2"
  }}
}}
"#
        ),
    );
    Setup {
        emu,
        dir,
        config,
        source,
    }
}

impl Setup {
    async fn check(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec!["check".to_owned(), self.config.display().to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        run(args, self.emu.base_url(), self.dir.path()).await
    }

    async fn json(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        let o = self.check(&args).await;
        let v: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", text(&o.stdout), text(&o.stderr)));
        (code(&o), v)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_sync_and_healthy_exits_0_in_every_format() {
    let s = setup(r#"max_replication_lag = "1h""#).await;
    let o = s.check(&[]).await;
    assert_code(&o, 0);
    let out = text(&o.stdout);
    assert!(out.starts_with("ADDRESS"), "{out}");
    assert!(out.contains("replication.home"), "{out}");
    assert!(out.contains("in sync"), "{out}");
    assert!(
        out.trim_end()
            .ends_with("OK: 1 declared replication, 0 drifted, 0 unhealthy, 0 unmanaged."),
        "{out}"
    );

    let (c, v) = s.json(&[]).await;
    assert_eq!(c, 0);
    assert_eq!(v["ok"], true);
    assert_eq!(v["replications"][0]["status"], "ENABLED");
    assert_eq!(v["replications"][0]["healthy"], true);
    assert_eq!(v["replications"][0]["max_replication_lag_seconds"], 3600);

    let o = s.check(&["--format", "prometheus"]).await;
    assert_code(&o, 0);
    let prom = text(&o.stdout);
    let labels = format!("address=\"replication.home\",source=\"{}\"", s.source);
    assert!(
        prom.contains(&format!("efs_replication_healthy{{{labels}")),
        "{prom}"
    );
    assert!(
        prom.lines()
            .any(|l| l.starts_with("efs_replication_healthy{") && l.ends_with(" 1")),
        "{prom}"
    );
    assert!(
        prom.lines()
            .any(|l| l.starts_with("efs_replication_drift{") && l.ends_with(" 0")),
        "{prom}"
    );
    assert!(prom.contains("efs_replication_lag_seconds{"), "{prom}");
    assert!(prom.contains("efs_replication_check_ok 1\n"), "{prom}");
    s.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_error_exits_2_with_the_status_message() {
    let s = setup("").await;
    force_status(
        &s.emu,
        &s.source,
        "ERROR",
        "Destination file system not found",
    )
    .await;
    let o = s.check(&[]).await;
    assert_code(&o, 2);
    let out = text(&o.stdout);
    assert!(out.contains("ERROR"), "{out}");
    assert!(out.contains("Destination file system not found"), "{out}");
    // The plan recreates a replication in ERROR: that is drift too.
    assert!(out.contains("drift: replace"), "{out}");

    let (c, v) = s.json(&[]).await;
    assert_eq!(c, 2);
    let r = &v["replications"][0];
    assert_eq!(r["status"], "ERROR");
    assert_eq!(r["status_message"], "Destination file system not found");
    assert_eq!(r["drift"], true);
    assert_eq!(r["healthy"], false);

    let o = s.check(&["--format", "prometheus"]).await;
    assert_code(&o, 2);
    let prom = text(&o.stdout);
    assert!(
        prom.lines()
            .any(|l| l.starts_with("efs_replication_healthy{") && l.ends_with(" 0")),
        "{prom}"
    );
    assert!(
        prom.lines()
            .any(|l| l.starts_with("efs_replication_drift{") && l.ends_with(" 1")),
        "{prom}"
    );
    s.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_pause_exits_2_without_drift() {
    let s = setup("").await;
    force_status(&s.emu, &s.source, "PAUSED", "Region opted out").await;
    let (c, v) = s.json(&[]).await;
    assert_eq!(c, 2, "{v}");
    let r = &v["replications"][0];
    assert_eq!(r["status"], "PAUSED");
    assert_eq!(r["drift"], false);
    assert_eq!(r["healthy"], false);
    assert!(
        r["problems"][0]
            .as_str()
            .unwrap()
            .contains("Region opted out"),
        "{v}"
    );
    assert_eq!(v["summary"]["unhealthy"], 1);
    assert_eq!(v["summary"]["drifted"], 0);

    // Resuming makes it healthy again.
    let (code_, _) = admin(
        &s.emu,
        "DELETE",
        &format!("/_emulator/replications/{}/status", s.source),
        "",
    )
    .await;
    assert_eq!(code_, 200);
    let (c, v) = s.json(&[]).await;
    assert_eq!(c, 0, "{v}");
    s.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_replication_exits_2_once_beyond_max_lag() {
    let s = setup(r#"max_replication_lag = "1s""#).await;
    stall(&s.emu, &s.source).await;
    // Wait until the stalled timestamp is surely more than 1s old.
    tokio::time::sleep(std::time::Duration::from_millis(2_200)).await;
    let (c, v) = s.json(&[]).await;
    assert_eq!(c, 2, "{v}");
    let r = &v["replications"][0];
    assert_eq!(r["status"], "ENABLED");
    assert!(r["lag_seconds"].as_u64().unwrap() >= 2, "{v}");
    assert!(
        r["problems"][0]
            .as_str()
            .unwrap()
            .contains("exceeds max_replication_lag 1s"),
        "{v}"
    );
    let o = s.check(&["--format", "prometheus"]).await;
    assert_code(&o, 2);
    let prom = text(&o.stdout);
    let lag = prom
        .lines()
        .find(|l| l.starts_with("efs_replication_lag_seconds{"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse::<u64>().ok())
        .expect("a lag sample");
    assert!(lag >= 2, "{prom}");
    s.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_max_lag_a_stalled_replication_is_only_reported() {
    let s = setup("").await;
    stall(&s.emu, &s.source).await;
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let (c, v) = s.json(&[]).await;
    assert_eq!(c, 0, "{v}");
    assert!(
        v["replications"][0]["lag_seconds"].as_u64().unwrap() >= 1,
        "{v}"
    );
    assert_eq!(
        v["replications"][0]["max_replication_lag_seconds"],
        Value::Null
    );
    s.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmanaged_replication_is_listed_and_fails_only_when_asked() {
    let s = setup("").await;
    let c = client(&s.emu, "us-east-1", KEY_A);
    let other = create_fs(&c, "other", Some("other"), None).await;
    let other_dest = replicate(&c, &other, to_region("us-west-2")).await;

    let o = s.check(&[]).await;
    assert_code(&o, 0);
    let out = text(&o.stdout);
    assert!(
        out.contains("Replications in scope that no block declares:"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{other} (us-east-1) -> {other_dest} (us-west-2) ENABLED"
        )),
        "{out}"
    );
    assert!(out.contains("1 unmanaged"), "{out}");

    let (c, v) = s.json(&["--fail-on-unmanaged"]).await;
    assert_eq!(c, 2, "{v}");
    assert_eq!(v["unmanaged"][0]["source_file_system_id"], other.as_str());
    assert_eq!(v["summary"]["drifted"], 1);

    let o = s.check(&["--format", "prometheus"]).await;
    let prom = text(&o.stdout);
    assert!(
        prom.contains(&format!(
            "efs_replication_unmanaged{{address=\"unmanaged.{other}\""
        )),
        "{prom}"
    );
    s.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_replication_exits_2_as_drift() {
    let s = setup("").await;
    let c = client(&s.emu, "us-east-1", KEY_A);
    c.delete_replication_configuration()
        .source_file_system_id(&s.source)
        .send()
        .await
        .expect("DeleteReplicationConfiguration");
    // Gone from both sides (the destination side may outlive the source
    // side: `--destination-delete-lag`); while it is still DELETING, check
    // rightly reports that instead.
    settle_deletions(&s.emu).await;
    let o = s.check(&[]).await;
    assert_code(&o, 2);
    let out = text(&o.stdout);
    assert!(out.contains("missing"), "{out}");
    assert!(out.contains("drift: create"), "{out}");
    assert!(
        out.contains(&format!(
            "no replication of {} exists in us-east-1",
            s.source
        )),
        "{out}"
    );

    let (c, v) = s.json(&[]).await;
    assert_eq!(c, 2);
    assert_eq!(v["replications"][0]["action"], "create");
    assert_eq!(v["replications"][0]["status"], Value::Null);
    s.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_file_is_written_whole_and_errors_exit_1() {
    let s = setup("").await;
    force_status(&s.emu, &s.source, "PAUSED", "Region opted out").await;
    let prom = s.dir.path().join("efs.prom");
    let o = s
        .check(&[
            "--format",
            "prometheus",
            "--out",
            &prom.display().to_string(),
        ])
        .await;
    assert_code(&o, 2);
    assert!(o.stdout.is_empty());
    let written = std::fs::read_to_string(&prom).unwrap();
    assert!(
        written.contains("efs_replication_check_ok 0\n"),
        "{written}"
    );

    // A broken configuration: exit 1, the file from the last run stays.
    let bad = write(s.dir.path(), "bad.hcl", "replication \"x\" {\n");
    let o = run(
        vec![
            "check".into(),
            bad.display().to_string(),
            "--format".into(),
            "prometheus".into(),
            "--out".into(),
            prom.display().to_string(),
        ],
        s.emu.base_url(),
        s.dir.path(),
    )
    .await;
    assert_code(&o, 1);
    assert_eq!(std::fs::read_to_string(&prom).unwrap(), written);

    // No endpoint answering: exit 1 with the operation named.
    let url = s.emu.base_url().to_owned();
    let config = s.config.clone();
    let home: &Path = s.dir.path();
    s.emu.shutdown().await;
    let o = run(
        vec!["check".into(), config.display().to_string()],
        &url,
        home,
    )
    .await;
    assert_code(&o, 1);
    assert!(
        text(&o.stderr).contains("DescribeReplicationConfigurations"),
        "{}",
        text(&o.stderr)
    );
    // An invalid grace period is a usage error.
    let o = run(
        vec![
            "check".into(),
            config.display().to_string(),
            "--enabling-grace".into(),
            "soon".into(),
        ],
        &url,
        home,
    )
    .await;
    assert_code(&o, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enabling_is_unhealthy_only_beyond_its_grace_period() {
    let s = setup("").await;
    force_status(&s.emu, &s.source, "ENABLING", "").await;
    let (c, v) = s.json(&[]).await;
    assert_eq!(c, 0, "{v}");
    assert_eq!(v["replications"][0]["status"], "ENABLING");
    let (c, v) = s.json(&["--enabling-grace", "0s"]).await;
    assert_eq!(c, 2, "{v}");
    assert!(
        v["replications"][0]["problems"][0]
            .as_str()
            .unwrap()
            .contains("still ENABLING"),
        "{v}"
    );
    s.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_read_exits_1_naming_the_operation() {
    let s = setup("").await;
    let (c, v) = admin(
        &s.emu,
        "POST",
        "/_emulator/faults",
        r#"{"operation": "DescribeReplicationConfigurations", "error": "AccessDeniedException", "message": "not allowed", "count": 10}"#,
    )
    .await;
    assert_eq!(c, 201, "{v}");
    let o = s.check(&["--format", "prometheus"]).await;
    assert_code(&o, 1);
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(err.contains("DescribeReplicationConfigurations"), "{err}");
    assert!(err.contains("AccessDenied"), "{err}");
    s.emu.shutdown().await;
}
