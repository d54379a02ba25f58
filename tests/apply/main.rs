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
#[path = "../kit/mod.rs"]
mod kit;
mod orphans;
mod probe;
mod safety;
mod saved;
mod slow;
mod waits;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use efs_emulator::{Config, Emulator};
use efs_replicator::apply::{execute, ApplyOptions, ApplyReport, EfsWriter};
use efs_replicator::discover::{ConnectOptions, EfsReader};
use efs_replicator::plan::Plan;
use serde_json::{json, Value};

pub use kit::Recorder;

pub const ACCOUNT: &str = "123456789012";

/// The access key of library runs.
const KEY: &str = "AKIDTESTAPPLY";

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
    kit::reader(emu, KEY).await
}

/// The suite's [`kit::Kit`]: [`config`]'s short delays, the library runs'
/// access key, and file systems `(n, region)` seeded (available,
/// protection ENABLED).
pub fn seeded(file_systems: &[(u32, &str)]) -> kit::Kit {
    file_systems
        .iter()
        .fold(kit::Kit::with_config(config()).key(KEY), |k, (n, r)| {
            k.file_system(&fsid(*n), r)
        })
}

/// [`seeded`] with file system n in us-east-1 for every n, and
/// [`creates`] of them into `dest_region` configured.
pub fn creating(ns: impl IntoIterator<Item = u32>, dest_region: &str) -> kit::Kit {
    let ns: Vec<u32> = ns.into_iter().collect();
    seeded(&ns.iter().map(|n| (*n, "us-east-1")).collect::<Vec<_>>()).config(&creates(
        ns.iter().copied(),
        "us-east-1",
        dest_region,
    ))
}

/// Loads the configuration, reads the state and plans.
pub async fn make_plan(k: &kit::Running) -> Plan {
    k.plan().await.expect("plan")
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

/// Applies `plan` through the library, never interrupted, recording events.
pub async fn run_plan(plan: &Plan, reader: &EfsReader, opts: &ApplyOptions) -> ApplyReport {
    let (_tx, rx) = tokio::sync::watch::channel(false);
    execute(
        plan,
        &EfsWriter::new(reader),
        opts,
        &Recorder::default(),
        rx,
    )
    .await
}

/// True when planning again finds nothing to do.
pub async fn converged(k: &kit::Running) -> bool {
    !make_plan(k).await.has_changes()
}

/// One admin request; returns the JSON body.
pub async fn admin(emu: &Emulator, method: &str, path: &str, body: Option<Value>) -> Value {
    kit::admin_ok(emu.base_url(), method, path, body.as_ref()).await
}

/// Adds a fault rule.
pub async fn fault(emu: &Emulator, rule: Value) {
    admin(emu, "POST", "/_emulator/faults", Some(rule)).await;
}

/// The request log: (operation, region, status, error) in order.
pub async fn requests(emu: &Emulator) -> Vec<(String, String, u64, Option<String>)> {
    kit::requests(emu)
        .into_iter()
        .map(|r| (r.operation, r.region, r.status, r.error))
        .collect()
}

/// The successful mutating calls, in order, as (operation, region).
pub async fn mutations(emu: &Emulator) -> Vec<(String, String)> {
    kit::mutations(emu)
}

/// A command for the built binary pointed at `emu`, isolated from any AWS
/// configuration of the machine.
pub fn bin(emu_url: &str, args: &[&str]) -> std::process::Command {
    kit::Bin::new(args)
        .args(["--endpoint-url", emu_url])
        .credentials("AKIDTESTBIN")
        .env("NO_COLOR", "1")
        .command()
}

/// Runs the binary to completion off the async runtime (the emulator keeps serving).
pub async fn run_bin(emu: &Emulator, args: &[&str]) -> Output {
    let mut c = bin(emu.base_url(), args);
    tokio::task::spawn_blocking(move || c.output().expect("binary runs"))
        .await
        .unwrap()
}

pub fn text(o: &Output) -> (String, String) {
    (kit::text(&o.stdout), kit::text(&o.stderr))
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Fs 1 (us-east-1) and fs 2 (us-west-2) seeded, and `replication "r"`
/// configured: fs 1 into the existing fs 2, whose data it may overwrite.
pub fn into_existing() -> kit::Kit {
    seeded(&[(1, "us-east-1"), (2, "us-west-2")]).config(&format!(
        "settings {{\n  region = \"us-east-1\"\n}}\nreplication \"r\" {{\n  source_file_system_id = \"{}\"\n  destination {{\n    region = \"us-west-2\"\n    file_system_id = \"{}\"\n    allow_overwrite = true\n  }}\n}}\n",
        fsid(1),
        fsid(2)
    ))
}

/// Sends `signal` (`-INT`, `-TERM`) to process `pid`.
pub fn send(signal: &str, pid: u32) {
    let ok = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill {signal} {pid}");
}

/// `apply CONFIG_DIR --auto-approve`, then `more`, through the binary
/// against the handle's emulator, run to completion.
pub async fn apply_bin(k: &kit::Running, more: &[&str]) -> Output {
    let dir = k.config_dir();
    let mut args = vec!["apply", path_str(&dir), "--auto-approve"];
    args.extend_from_slice(more);
    run_bin(k, &args).await
}

/// Waits for a spawned binary off the async runtime (the emulator keeps
/// serving); its output.
pub async fn finish(child: std::process::Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().expect("binary runs"))
        .await
        .unwrap()
}
