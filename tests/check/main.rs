//! Integration tests of `check` and `export` against the EFS emulator
//! (in-process on 127.0.0.1:0) through the real `aws-sdk-efs` client: the
//! library path with a fixed `now` for golden output, and the built binary
//! for exit codes and output. Faults are made with the emulator's admin API
//! (forced status, stalled LastReplicatedTimestamp) and its state file.
//!
//! Nothing here reaches beyond loopback, and no test asserts on timing.

mod binary;
mod cross_account;
mod export;
mod golden;
#[path = "../kit/mod.rs"]
mod kit;
mod organisation;
mod pipe;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use aws_sdk_efs::types::{DestinationToCreate, ReplicationOverwriteProtection, Tag};
use aws_sdk_efs::Client;
use efs_emulator::Emulator;
use serde_json::Value;

pub use kit::text;

/// Access key of the default account.
pub const KEY_A: &str = "AKIDCHECKACCOUNTA";
/// Access key of the second account.
pub const KEY_B: &str = "AKIDCHECKACCOUNTB";
pub const ACCOUNT_A: &str = "111122223333";
pub const ACCOUNT_B: &str = "444455556666";

/// An emulator with zero delays and two accounts, optionally on a state file.
pub async fn start(state_file: Option<PathBuf>) -> kit::Running {
    let mut k = kit::Kit::new()
        .account(ACCOUNT_A)
        .access_key(KEY_B, ACCOUNT_B)
        .key(KEY_A)
        .emulator(|c| c.sync_interval = Duration::ZERO);
    if let Some(path) = state_file {
        k = k.state_file(path);
    }
    k.start().await
}

/// Moves the emulator's clock past every deletion delay, so that a deleted
/// replication is gone from both sides under every variant set.
pub async fn settle_deletions(emu: &Emulator) {
    let c = emu.state().config();
    let by = c.delete_delay + c.destination_delete_lag + Duration::from_secs(1);
    emu.advance_clock(by).await.expect("advance the clock");
}

/// An EFS client of account A (or B with `KEY_B`) for `region`.
pub fn client(emu: &Emulator, region: &str, key: &str) -> Client {
    kit::efs_client(emu, region, key)
}

/// Creates an available file system, tagged with `name` if given.
pub async fn create_fs(c: &Client, token: &str, name: Option<&str>, az: Option<&str>) -> String {
    let mut req = c.create_file_system().creation_token(token).encrypted(true);
    if let Some(n) = name {
        req = req.tags(Tag::builder().key("Name").value(n).build().unwrap());
    }
    if let Some(az) = az {
        req = req.availability_zone_name(az);
    }
    req.send()
        .await
        .expect("CreateFileSystem")
        .file_system_id()
        .to_owned()
}

/// Sets an existing file system's overwrite protection to DISABLED.
pub async fn allow_overwrite(c: &Client, id: &str) {
    c.update_file_system_protection()
        .file_system_id(id)
        .replication_overwrite_protection(ReplicationOverwriteProtection::Disabled)
        .send()
        .await
        .expect("UpdateFileSystemProtection");
}

/// Replicates `source` (in the client's Region) as described by `dest`;
/// returns the destination file system id.
pub async fn replicate(c: &Client, source: &str, dest: DestinationToCreate) -> String {
    let out = c
        .create_replication_configuration()
        .source_file_system_id(source)
        .destinations(dest)
        .send()
        .await
        .expect("CreateReplicationConfiguration");
    out.destinations()[0].file_system_id().to_owned()
}

/// A destination in `region`.
pub fn to_region(region: &str) -> DestinationToCreate {
    DestinationToCreate::builder().region(region).build()
}

/// Sends one admin request (`/_emulator/...`) and returns status and JSON body.
pub async fn admin(emu: &Emulator, method: &str, path: &str, body: &str) -> (u16, Value) {
    kit::admin(emu.base_url(), method, path, body).await
}

/// Forces the replication of source `fs` into `status` with `message`.
pub async fn force_status(emu: &Emulator, fs: &str, status: &str, message: &str) {
    let body = serde_json::json!({"status": status, "message": message}).to_string();
    let (code, v) = admin(
        emu,
        "POST",
        &format!("/_emulator/replications/{fs}/status"),
        &body,
    )
    .await;
    assert_eq!(code, 200, "{v}");
}

/// Stops the LastReplicatedTimestamp of source `fs` from advancing.
pub async fn stall(emu: &Emulator, fs: &str) {
    let (code, v) = admin(
        emu,
        "POST",
        &format!("/_emulator/replications/{fs}/stall"),
        "",
    )
    .await;
    assert_eq!(code, 200, "{v}");
}

/// Writes `text` as `name` in `dir` and returns its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs the binary with a clean AWS environment (account A's key, no
/// config files, no IMDS) against the emulator at `url`.
pub async fn run(args: Vec<String>, url: &str, home: &Path) -> Output {
    run_env(args, url, home, &[]).await
}

/// [`run`], with extra environment variables (set after the defaults; an
/// empty value removes the variable).
pub async fn run_env(args: Vec<String>, url: &str, home: &Path, extra: &[(&str, &str)]) -> Output {
    let mut bin = kit::Bin::new(&[])
        .args(&args)
        .home(home)
        .credentials(KEY_A)
        .endpoint(url)
        .env("AWS_REGION", "us-east-1");
    for (k, v) in extra {
        bin = bin.env(k, v);
    }
    bin.run().await
}

/// The exit code, with both streams in the failure message.
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or_else(|| {
        panic!(
            "killed by a signal\nstdout:\n{}\nstderr:\n{}",
            text(&o.stdout),
            text(&o.stderr)
        )
    })
}

/// Asserts the exit code, printing both streams when it differs.
#[track_caller]
pub fn assert_code(o: &Output, want: i32) {
    assert_eq!(
        code(o),
        want,
        "stdout:\n{}\nstderr:\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
}
