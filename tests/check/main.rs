//! Integration tests of `check` and `export` (and of several accounts end to
//! end, `organisation.rs`, `removed.rs`) against the EFS emulator
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
mod kms_accounts;
mod organisation;
mod pipe;
mod removed;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use aws_sdk_efs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_efs::types::{DestinationToCreate, ReplicationOverwriteProtection, Tag};
use aws_sdk_efs::Client;
use aws_smithy_types::retry::RetryConfig;
use efs_emulator::{Config, Emulator};
use serde_json::Value;

/// Access key of the default account.
pub const KEY_A: &str = "AKIDCHECKACCOUNTA";
/// Access key of the second account.
pub const KEY_B: &str = "AKIDCHECKACCOUNTB";
pub const ACCOUNT_A: &str = "111122223333";
pub const ACCOUNT_B: &str = "444455556666";

/// An emulator with zero delays and two accounts, optionally on a state file.
pub async fn start(state_file: Option<PathBuf>) -> Emulator {
    let mut c = Config {
        state_file,
        account_id: ACCOUNT_A.into(),
        create_delay: Duration::ZERO,
        enable_delay: Duration::ZERO,
        delete_delay: Duration::ZERO,
        initial_sync_delay: Duration::ZERO,
        sync_interval: Duration::ZERO,
        ..Config::default()
    };
    c.access_key_accounts.insert(KEY_B.into(), ACCOUNT_B.into());
    // The variant set named by EFS_EMULATOR_VARIANTS, if any.
    efs_emulator::VariantSet::from_env().apply(&mut c);
    efs_emulator::start(c).await.expect("emulator starts")
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
    let conf = aws_sdk_efs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(key, "test-secret", None, None, "tests"))
        .endpoint_url(emu.base_url())
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
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
    let addr = emu.local_addr().to_string();
    let (status, text) = kit::admin_request(&addr, method, path, body).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
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
    let home = home.to_owned();
    let url = url.to_owned();
    let extra: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_efs-replicator"));
        cmd.args(&args);
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") || k.starts_with("EFS_REPLICATOR_") || k == "NO_COLOR" {
                cmd.env_remove(k);
            }
        }
        cmd.env("HOME", &home)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", home.join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
            .env("AWS_ACCESS_KEY_ID", KEY_A)
            .env("AWS_SECRET_ACCESS_KEY", "test-secret")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL_EFS", &url)
            .env("AWS_ENDPOINT_URL_STS", &url)
            .env("AWS_ENDPOINT_URL_KMS", &url);
        for (k, v) in &extra {
            if v.is_empty() {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        cmd.output().expect("binary runs")
    })
    .await
    .unwrap()
}

/// Stdout (or stderr) as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
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
