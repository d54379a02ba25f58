//! `check --serve` through the binary against the in-process emulator: the
//! exporter's `/metrics` carry the check's metrics and its own; a fault rule
//! that makes discovery fail turns into `efs_replicator_check_success 0`
//! and a growing error counter while the last good result keeps being
//! served; clearing the rule recovers; SIGTERM and SIGINT stop it with exit
//! code 0. Waits poll with a generous deadline and assert nothing on timing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_efs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_efs::types::DestinationToCreate;

use crate::binary;

const KEY: &str = "AKIASERVEEXPORTER001";

const CONFIG: &str = r#"
replication "home" {
  source_file_system_id = "@home"
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
"#;

/// A minimal HTTP/1.1 GET: status and body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("the exporter accepts connections");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let (head, body) = resp.split_once("\r\n\r\n").expect("a response");
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    (status, body.to_owned())
}

/// The value of an unlabelled sample.
fn sample(metrics: &str, name: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
}

/// Polls `/metrics` until `cond` holds (at most 60 s: a wait, not a timing assertion).
fn wait_for(addr: &str, what: &str, cond: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (code, body) = get(addr, "/metrics");
        assert_eq!(code, 200);
        if cond(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "never saw {what}:\n{body}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Exporter {
    child: Child,
    addr: String,
    stderr: std::sync::mpsc::Receiver<String>,
}

impl Exporter {
    /// Starts `check --serve 127.0.0.1:0` against `endpoint` and reads the address it bound.
    fn start(cfg: &std::path::Path, endpoint: &str) -> Exporter {
        let mut child = binary(&[
            "check",
            cfg.to_str().unwrap(),
            "--serve",
            "127.0.0.1:0",
            "--interval",
            "100ms",
        ])
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_EFS", endpoint)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
        let (tx, rx) = std::sync::mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let first = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("a first line");
        let addr = first
            .strip_prefix("listening on http://")
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        Exporter {
            child,
            addr,
            stderr: rx,
        }
    }

    /// Sends `signal` and waits for the exit; returns the code and the log.
    fn stop(mut self, signal: &str) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        let log: Vec<String> = self.stderr.try_iter().collect();
        (status.code(), log.join("\n"))
    }
}

async fn seeded() -> (efs_emulator::Emulator, tempfile::TempDir) {
    let mut config = efs_emulator::Config {
        create_delay: Duration::ZERO,
        enable_delay: Duration::ZERO,
        sync_interval: Duration::ZERO,
        delete_delay: Duration::ZERO,
        initial_sync_delay: Duration::ZERO,
        ..efs_emulator::Config::default()
    };
    config.access_key_accounts.clear();
    let emu = efs_emulator::start(config).await.unwrap();
    let client = aws_sdk_efs::Client::from_conf(
        aws_sdk_efs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(KEY, "secret", None, None, "test"))
            .endpoint_url(emu.base_url())
            .build(),
    );
    let fs = client
        .create_file_system()
        .creation_token("home")
        .send()
        .await
        .unwrap()
        .file_system_id()
        .to_owned();
    client
        .create_replication_configuration()
        .source_file_system_id(&fs)
        .destinations(DestinationToCreate::builder().region("us-west-2").build())
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.hcl"), CONFIG.replace("@home", &fs)).unwrap();
    (emu, dir)
}

async fn admin(emu: &efs_emulator::Emulator, method: &str, body: &str) {
    let (status, v) = crate::kit::admin(emu.base_url(), method, "/_emulator/faults", body).await;
    // A rule added is 201 Created; the rules cleared, 200.
    let want = if method == "POST" { 201 } else { 200 };
    assert_eq!(status, want, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_survive_a_failing_discovery_and_sigterm_stops_the_exporter() {
    let (emu, dir) = seeded().await;
    let exporter = Exporter::start(dir.path(), emu.base_url());
    let addr = exporter.addr.clone();

    let good = tokio::task::spawn_blocking({
        let addr = addr.clone();
        move || {
            wait_for(&addr, "a successful check", |m| {
                sample(m, "efs_replicator_check_success") == Some(1.0)
            })
        }
    })
    .await
    .unwrap();
    assert!(
        good.contains("efs_replication_healthy{address=\"replication.home\""),
        "{good}"
    );
    assert_eq!(
        sample(&good, "efs_replicator_check_errors_total"),
        Some(0.0)
    );
    let last_success = sample(&good, "efs_replicator_last_success_timestamp_seconds")
        .expect("a last success time");
    assert!(sample(&good, "efs_replicator_check_duration_seconds").is_some());
    let (code, health) = get(&addr, "/healthz");
    assert_eq!(
        (code, health.as_str()),
        (200, "ok: the last check succeeded\n")
    );

    // Discovery fails from now on: the error shows as metrics, the last good
    // result stays.
    admin(
        &emu,
        "POST",
        r#"{"operation": "DescribeReplicationConfigurations", "error": "AccessDeniedException", "count": 1000000}"#,
    )
    .await;
    let failing = tokio::task::spawn_blocking({
        let addr = addr.clone();
        move || {
            wait_for(&addr, "a failed check", |m| {
                sample(m, "efs_replicator_check_success") == Some(0.0)
                    && sample(m, "efs_replicator_check_errors_total").unwrap_or(0.0) >= 2.0
            })
        }
    })
    .await
    .unwrap();
    assert!(
        failing.contains("efs_replication_healthy{address=\"replication.home\""),
        "the last good result is still served:\n{failing}"
    );
    assert_eq!(
        sample(&failing, "efs_replicator_last_success_timestamp_seconds"),
        Some(last_success)
    );
    assert!(
        failing.contains("efs_replicator_check_last_error_info{error=\"reading EFS: ")
            && failing.contains("AccessDenied"),
        "{failing}"
    );
    let (code, health) = get(&addr, "/healthz");
    assert_eq!(code, 200);
    assert!(
        health.starts_with("ok: the last check failed: reading EFS"),
        "{health}"
    );

    // The rule is cleared: the next check succeeds again.
    admin(&emu, "DELETE", "").await;
    let recovered = tokio::task::spawn_blocking({
        let addr = addr.clone();
        move || {
            wait_for(&addr, "a recovered check", |m| {
                sample(m, "efs_replicator_check_success") == Some(1.0)
            })
        }
    })
    .await
    .unwrap();
    assert!(!recovered.contains("efs_replicator_check_last_error_info"));

    let (code, log) = tokio::task::spawn_blocking(move || exporter.stop("-TERM"))
        .await
        .unwrap();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("terminated (SIGTERM), shutting down"), "{log}");
    assert!(log.contains("check failed"), "{log}");
    assert!(
        TcpStream::connect(&addr).is_err(),
        "the port is closed after shutdown"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_it_too_and_a_bad_configuration_is_a_metric_not_an_exit() {
    let (emu, dir) = seeded().await;
    std::fs::write(dir.path().join("broken.hcl"), "replication \"x\" {\n").unwrap();
    let exporter = Exporter::start(dir.path(), emu.base_url());
    let addr = exporter.addr.clone();
    let m = tokio::task::spawn_blocking(move || {
        wait_for(&addr, "a failed check", |m| {
            sample(m, "efs_replicator_check_errors_total").unwrap_or(0.0) >= 1.0
        })
    })
    .await
    .unwrap();
    assert_eq!(sample(&m, "efs_replicator_check_success"), Some(0.0));
    assert!(sample(&m, "efs_replicator_last_success_timestamp_seconds").is_none());
    assert!(
        m.contains("efs_replicator_check_last_error_info{error=\"configuration: 1 error in the configuration; first: "),
        "{m}"
    );
    let (code, log) = tokio::task::spawn_blocking(move || exporter.stop("-INT"))
        .await
        .unwrap();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("interrupted (SIGINT), shutting down"), "{log}");
    emu.shutdown().await;
}
