//! Integration tests of `apply`: the real `aws-sdk-efs` client against the
//! emulator started in-process on 127.0.0.1:0, either through the library
//! (load, discover, plan, execute) or through the built binary with
//! `--endpoint-url`. Faults come from the emulator's fault rules, throttling
//! and latency settings; what EFS saw is read from its request log
//! (`/_emulator/stats`). No test asserts on timing.

mod cli;
mod codes;
mod failback;
mod faults;
mod interrupt;
mod orphans;
mod probe;
mod safety;
mod saved;
mod slow;
mod waits;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use efs_emulator::{Config, Emulator};
use efs_replicator::apply::{execute, ApplyOptions, ApplyReport, EfsWriter, Event, Reporter};
use efs_replicator::config::LoadOptions;
use efs_replicator::discover::{discover, ConnectOptions, EfsReader};
use efs_replicator::plan::{plan, Plan, PlanOptions};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const ACCOUNT: &str = "123456789012";

/// A file system id for test number `n`.
pub fn fsid(n: u32) -> String {
    format!("fs-{n:08x}")
}

/// Emulator settings with short, non-zero delays.
pub fn config() -> Config {
    Config {
        account_id: ACCOUNT.into(),
        enable_delay: Duration::from_millis(300),
        delete_delay: Duration::from_millis(300),
        initial_sync_delay: Duration::from_millis(100),
        sync_interval: Duration::from_secs(60),
        ..Config::default()
    }
}

/// A test directory: the seed state file and the configuration.
pub struct World {
    pub dir: tempfile::TempDir,
}

impl World {
    /// Seeds file systems `(n, region)` (available, protection ENABLED).
    pub fn new(file_systems: &[(u32, &str)]) -> World {
        let dir = tempfile::tempdir().unwrap();
        let fss: Vec<Value> = file_systems
            .iter()
            .map(|(n, r)| {
                json!({
                    "id": fsid(*n), "region": r, "account": ACCOUNT,
                    "performance_mode": "generalPurpose", "throughput_mode": "elastic",
                    "protection": "ENABLED", "encrypted": true,
                })
            })
            .collect();
        std::fs::write(
            dir.path().join("state.json"),
            serde_json::to_vec_pretty(&json!({ "file_systems": fss })).unwrap(),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("config")).unwrap();
        World { dir }
    }

    pub fn state_file(&self) -> PathBuf {
        self.dir.path().join("state.json")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// Writes the configuration (one file).
    pub fn write_config(&self, hcl: &str) {
        std::fs::write(self.config_dir().join("main.hcl"), hcl).unwrap();
    }

    /// Starts the emulator on this world's state file, with the variant set
    /// named by `EFS_EMULATOR_VARIANTS` applied on top of `config`.
    pub async fn start(&self, mut config: Config) -> Emulator {
        config.state_file = Some(self.state_file());
        efs_emulator::VariantSet::from_env().apply(&mut config);
        efs_emulator::start(config).await.expect("emulator starts")
    }
}

/// `replication "rN"` blocks: source `fs(n)` in `region` to a new
/// destination in `dest_region`, for every n.
pub fn creates(ns: impl IntoIterator<Item = u32>, region: &str, dest_region: &str) -> String {
    let mut s = String::from("settings {\n  region = \"us-east-1\"\n}\n");
    for n in ns {
        s.push_str(&format!(
            "replication \"r{n}\" {{\n  source_file_system_id = \"{}\"\n  source_region = \"{region}\"\n  destination {{\n    region = \"{dest_region}\"\n  }}\n}}\n",
            fsid(n)
        ));
    }
    s
}

/// Connects the library's reader to the emulator.
pub async fn reader(emu: &Emulator) -> EfsReader {
    EfsReader::connect(&ConnectOptions {
        profile: None,
        endpoint_url: Some(emu.base_url().to_owned()),
        static_credentials: Some(("AKIDTESTAPPLY".into(), "secret".into())),
    })
    .await
}

/// Loads the configuration, reads the state and plans.
pub async fn make_plan(world: &World, reader: &EfsReader) -> Plan {
    let desired = efs_replicator::config::load(&world.config_dir(), &LoadOptions::default())
        .unwrap_or_else(|d| panic!("config errors: {}", d.len()));
    let actual = discover(reader, &desired, &[]).await.expect("discovery");
    plan(&desired, &actual, &PlanOptions::default()).expect("plan")
}

/// Test options: fast polls.
pub fn options() -> ApplyOptions {
    ApplyOptions {
        poll_initial: Duration::from_millis(100),
        poll_max: Duration::from_millis(400),
        wait_timeout: Duration::from_secs(60),
        ..ApplyOptions::default()
    }
}

/// Collects the events' text.
#[derive(Default)]
pub struct Recorder(pub std::sync::Mutex<Vec<String>>);

impl Reporter for Recorder {
    fn event(&self, e: &Event<'_>) {
        self.0
            .lock()
            .unwrap()
            .push(efs_replicator::apply::json_event(e)["type"].to_string());
    }
}

/// Plans and applies through the library.
pub async fn apply_lib(world: &World, emu: &Emulator, opts: &ApplyOptions) -> (Plan, ApplyReport) {
    let reader = reader(emu).await;
    let p = make_plan(world, &reader).await;
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let report = execute(&p, &EfsWriter::new(&reader), opts, &Recorder::default(), rx).await;
    (p, report)
}

/// True when planning again finds nothing to do.
pub async fn converged(world: &World, emu: &Emulator) -> bool {
    let reader = reader(emu).await;
    !make_plan(world, &reader).await.has_changes()
}

/// One admin request; returns the JSON body.
pub async fn admin(emu: &Emulator, method: &str, path: &str, body: Option<Value>) -> Value {
    let mut s = tokio::net::TcpStream::connect(emu.local_addr())
        .await
        .unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        emu.local_addr(),
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text.split_once("\r\n\r\n").expect("HTTP response");
    assert!(
        head.starts_with("HTTP/1.1 2"),
        "admin {method} {path} failed: {head}\n{body}"
    );
    serde_json::from_str(body).unwrap_or_else(|e| panic!("admin body ({e}): {body}"))
}

/// Adds a fault rule.
pub async fn fault(emu: &Emulator, rule: Value) {
    admin(emu, "POST", "/_emulator/faults", Some(rule)).await;
}

/// The request log: (operation, region, status, error) in order.
pub async fn requests(emu: &Emulator) -> Vec<(String, String, u64, Option<String>)> {
    let stats = admin(emu, "GET", "/_emulator/stats", None).await;
    stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["operation"].as_str().unwrap_or("").to_owned(),
                r["region"].as_str().unwrap_or("").to_owned(),
                r["status"].as_u64().unwrap_or(0),
                r["error"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// The successful mutating calls, in order, as (operation, region).
pub async fn mutations(emu: &Emulator) -> Vec<(String, String)> {
    requests(emu)
        .await
        .into_iter()
        .filter(|(op, _, status, _)| {
            *status < 300
                && matches!(
                    op.as_str(),
                    "CreateReplicationConfiguration"
                        | "DeleteReplicationConfiguration"
                        | "UpdateFileSystemProtection"
                )
        })
        .map(|(op, region, _, _)| (op, region))
        .collect()
}

/// A command for the built binary pointed at `emu`, isolated from any AWS
/// configuration of the machine.
pub fn bin(emu_url: &str, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_efs-replicator"));
    c.args(args)
        .args(["--endpoint-url", emu_url])
        .env("AWS_ACCESS_KEY_ID", "AKIDTESTBIN")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_EFS")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .stdin(std::process::Stdio::null());
    c
}

/// Runs the binary to completion off the async runtime (the emulator keeps serving).
pub async fn run_bin(emu: &Emulator, args: &[&str]) -> Output {
    let mut c = bin(emu.base_url(), args);
    tokio::task::spawn_blocking(move || c.output().expect("binary runs"))
        .await
        .unwrap()
}

pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}
