//! Test kit shared by the plan, apply and check suites, and the
//! workflows suite's exporter tests (each includes it with
//! `#[path = "../kit/mod.rs"] mod kit;`): one way to start the
//! emulator, seed it, write a configuration, talk to its admin API, read its
//! request log, make SDK clients and run the built binary with a clean AWS
//! environment. [`Kit`] is the builder:
//!
//! ```ignore
//! let k = Kit::new()
//!     .account("123456789012")
//!     .file_system("fs-00000001", "us-east-1")
//!     .config(HCL)
//!     .start()
//!     .await;
//! let plan = k.plan().await;
//! let out = k.bin(&["apply", "--auto-approve"]).args([k.config_dir()]).run().await;
//! assert!(k.mutations().await.is_empty());
//! ```
//!
//! The suites' own helpers are thin names over these. Nothing here reaches
//! beyond loopback; each suite uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use aws_sdk_efs::config::{BehaviorVersion, Credentials, Region as SdkRegion};
use aws_smithy_types::retry::RetryConfig;
use efs_emulator::{Config, Emulator};
use efs_replicator::apply::{execute, ApplyOptions, ApplyReport, EfsWriter, Event, Reporter};
use efs_replicator::config::LoadOptions;
use efs_replicator::discover::{discover, ConnectOptions, EfsReader};
use efs_replicator::model::{Actual, Desired};
use efs_replicator::plan::{plan, Plan, PlanErrors, PlanOptions};
use serde_json::{json, Value};

/// The secret of every static test credential.
pub const SECRET: &str = "test-secret";

/// The EFS calls that change something.
pub const MUTATING: [&str; 3] = [
    "CreateReplicationConfiguration",
    "DeleteReplicationConfiguration",
    "UpdateFileSystemProtection",
];

/// Builds an emulator, its seed state and a configuration; [`Kit::start`]
/// starts it. Delays are zero unless set; the variant set named by
/// `EFS_EMULATOR_VARIANTS` is applied on top of the configuration.
pub struct Kit {
    config: Config,
    file_systems: Vec<Value>,
    replications: Vec<(String, String, String)>,
    hcl: Option<String>,
    key: String,
}

impl Default for Kit {
    fn default() -> Self {
        Self::new()
    }
}

impl Kit {
    /// Zero delays, the emulator's default account, no seed.
    pub fn new() -> Kit {
        Kit::with_config(Config {
            create_delay: Duration::ZERO,
            enable_delay: Duration::ZERO,
            delete_delay: Duration::ZERO,
            initial_sync_delay: Duration::ZERO,
            ..Config::default()
        })
    }

    /// Starts from this emulator configuration as it is.
    pub fn with_config(config: Config) -> Kit {
        Kit {
            config,
            file_systems: Vec::new(),
            replications: Vec::new(),
            hcl: None,
            key: "AKIDTESTKIT".to_owned(),
        }
    }

    /// The account of callers whose key is not mapped to another.
    pub fn account(mut self, id: &str) -> Kit {
        self.config.account_id = id.to_owned();
        self
    }

    /// Maps an access key to another account.
    pub fn access_key(mut self, key: &str, account: &str) -> Kit {
        self.config
            .access_key_accounts
            .insert(key.to_owned(), account.to_owned());
        self
    }

    /// The access key the handle's clients, library runs and binary use.
    pub fn key(mut self, key: &str) -> Kit {
        self.key = key.to_owned();
        self
    }

    /// ENABLING -> ENABLED, DELETING -> gone, and the first sync.
    pub fn delays(mut self, enable: Duration, delete: Duration, initial_sync: Duration) -> Kit {
        self.config.enable_delay = enable;
        self.config.delete_delay = delete;
        self.config.initial_sync_delay = initial_sync;
        self
    }

    /// Any other emulator setting.
    pub fn emulator(mut self, f: impl FnOnce(&mut Config)) -> Kit {
        f(&mut self.config);
        self
    }

    /// Persists the state to `path` (flushed on shutdown) instead of the
    /// handle's own state file.
    pub fn state_file(mut self, path: PathBuf) -> Kit {
        self.config.state_file = Some(path);
        self
    }

    /// Seeds an available, encrypted file system of the default account
    /// with overwrite protection ENABLED.
    pub fn file_system(mut self, id: &str, region: &str) -> Kit {
        let account = self.config.account_id.clone();
        self.file_systems
            .push(seed_file_system(id, region, &account));
        self
    }

    /// Seeds a file system given as a seed-state document (another
    /// account, protection DISABLED, unencrypted...); see [`seed_file_system`].
    pub fn seed(mut self, file_system: Value) -> Kit {
        self.file_systems.push(file_system);
        self
    }

    /// Replicates a file system to a new one in `destination_region` once
    /// started (through the SDK, waiting until ENABLED); the new ids are
    /// [`Running::replicas`], in this order.
    pub fn replication(mut self, source: &str, region: &str, destination_region: &str) -> Kit {
        self.replications.push((
            source.to_owned(),
            region.to_owned(),
            destination_region.to_owned(),
        ));
        self
    }

    /// The configuration written to `config/main.hcl` of the handle's directory.
    pub fn config(mut self, hcl: &str) -> Kit {
        self.hcl = Some(hcl.to_owned());
        self
    }

    /// Writes the seed and configuration, starts the emulator.
    pub async fn start(mut self) -> Running {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("config")).unwrap();
        if !self.file_systems.is_empty() {
            let state = dir.path().join("state.json");
            write_seed(&state, &self.file_systems);
            assert!(
                self.config.state_file.is_none(),
                "a seed and a state file of one's own do not go together"
            );
            self.config.state_file = Some(state);
        }
        let mut running = Running {
            emu: start_emulator(self.config).await,
            dir,
            key: self.key,
            replicas: Vec::new(),
        };
        for (source, region, to) in &self.replications {
            let client = running.client(region);
            let replica = replicate_and_wait(&client, source, to).await;
            running.replicas.push(replica);
        }
        if let Some(hcl) = &self.hcl {
            running.write_config(hcl);
        }
        running
    }
}

/// A seed-state file system: available, encrypted, overwrite protection ENABLED.
pub fn seed_file_system(id: &str, region: &str, account: &str) -> Value {
    json!({
        "id": id, "region": region, "account": account,
        "performance_mode": "generalPurpose", "throughput_mode": "elastic",
        "protection": "ENABLED", "encrypted": true,
    })
}

/// Writes a seed state file holding these file systems.
pub fn write_seed(path: &Path, file_systems: &[Value]) {
    std::fs::write(
        path,
        serde_json::to_vec_pretty(&json!({ "file_systems": file_systems })).unwrap(),
    )
    .unwrap();
}

/// Starts an emulator with `config` and the variant set named by
/// `EFS_EMULATOR_VARIANTS` on top.
pub async fn start_emulator(mut config: Config) -> Emulator {
    efs_emulator::VariantSet::from_env().apply(&mut config);
    efs_emulator::start(config).await.expect("emulator starts")
}

/// A started emulator with its directory (`config/`, the seed state file).
/// Dereferences to the [`Emulator`], so helpers taking `&Emulator` take it.
pub struct Running {
    pub emu: Emulator,
    pub dir: tempfile::TempDir,
    key: String,
    /// The destinations of [`Kit::replication`], in order.
    pub replicas: Vec<String>,
}

impl std::ops::Deref for Running {
    type Target = Emulator;
    fn deref(&self) -> &Emulator {
        &self.emu
    }
}

impl Running {
    /// Stops the emulator, flushing its state file.
    pub async fn shutdown(self) {
        self.emu.shutdown().await;
    }

    /// The configuration directory.
    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// Writes the configuration (one file, `main.hcl`).
    pub fn write_config(&self, hcl: &str) {
        std::fs::write(self.config_dir().join("main.hcl"), hcl).unwrap();
    }

    /// An SDK client of the handle's key for `region`.
    pub fn client(&self, region: &str) -> aws_sdk_efs::Client {
        efs_client(&self.emu, region, &self.key)
    }

    /// The library's reader, with the handle's key.
    pub async fn reader(&self) -> EfsReader {
        reader(&self.emu, &self.key).await
    }

    /// Loads the configuration directory, reads the state and plans.
    pub async fn plan(&self) -> Result<Plan, PlanErrors> {
        let desired = load(&self.config_dir());
        let actual = discover(&self.reader().await, &desired, &[])
            .await
            .expect("discovery");
        plan(&desired, &actual, &PlanOptions::default())
    }

    /// Plans and applies through the library.
    pub async fn apply(&self, opts: &ApplyOptions) -> (Plan, ApplyReport) {
        let reader = self.reader().await;
        let desired = load(&self.config_dir());
        let actual = discover(&reader, &desired, &[]).await.expect("discovery");
        let p = plan(&desired, &actual, &PlanOptions::default()).expect("plan");
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let report = execute(&p, &EfsWriter::new(&reader), opts, &Recorder::default(), rx).await;
        (p, report)
    }

    /// The request log.
    pub fn requests(&self) -> Vec<Request> {
        requests(&self.emu)
    }

    /// The successful mutating calls, as (operation, Region).
    pub fn mutations(&self) -> Vec<(String, String)> {
        mutations(&self.emu)
    }

    /// The built binary against this emulator, with the handle's key.
    pub fn bin(&self, args: &[&str]) -> Bin {
        Bin::new(args)
            .endpoint(self.emu.base_url())
            .credentials(&self.key)
    }
}

/// Replicates `source` (in the client's Region) to a new file system in
/// `destination_region` and waits until the replication is ENABLED;
/// returns the new file system's id.
pub async fn replicate_and_wait(
    client: &aws_sdk_efs::Client,
    source: &str,
    destination_region: &str,
) -> String {
    let out = create_replication(client, source, destination_region, None)
        .await
        .unwrap_or_else(|e| panic!("CreateReplicationConfiguration {source}: {e:?}"));
    let replica = out.destinations()[0].file_system_id().to_owned();
    for _ in 0..600 {
        let d = client
            .describe_replication_configurations()
            .file_system_id(source)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeReplicationConfigurations {source}: {e:?}"));
        if d.replications()[0].destinations()[0].status().as_str() == "ENABLED" {
            return replica;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the replication of {source} never became ENABLED")
}

/// Asks EFS (the client's Region) to replicate `source` into
/// `destination_region`: to a new file system, or to `file_system_id`.
/// Returns at once, with EFS's answer.
pub async fn create_replication(
    client: &aws_sdk_efs::Client,
    source: &str,
    destination_region: &str,
    file_system_id: Option<&str>,
) -> Result<
    aws_sdk_efs::operation::create_replication_configuration::CreateReplicationConfigurationOutput,
    aws_sdk_efs::error::SdkError<
        aws_sdk_efs::operation::create_replication_configuration::CreateReplicationConfigurationError,
    >,
>{
    client
        .create_replication_configuration()
        .source_file_system_id(source)
        .destinations(
            aws_sdk_efs::types::DestinationToCreate::builder()
                .region(destination_region)
                .set_file_system_id(file_system_id.map(str::to_owned))
                .build(),
        )
        .send()
        .await
}

/// Turns off the replication overwrite protection of file system `id`
/// (in the client's Region), as a person would before reusing it as a
/// destination.
pub async fn disable_protection(client: &aws_sdk_efs::Client, id: &str) {
    client
        .update_file_system_protection()
        .file_system_id(id)
        .replication_overwrite_protection(
            aws_sdk_efs::types::ReplicationOverwriteProtection::Disabled,
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateFileSystemProtection {id}: {e:?}"));
}

/// Loads a configuration directory, panicking with the rendered diagnostics.
pub fn load(dir: &Path) -> Desired {
    efs_replicator::config::load(dir, &LoadOptions::default()).unwrap_or_else(|d| {
        let mut buf = Vec::new();
        d.render_human(&mut buf, false).unwrap();
        panic!("config does not load:\n{}", String::from_utf8_lossy(&buf))
    })
}

/// Discovers through the library's reader with `key`, scanning `extra`
/// Regions too.
pub async fn observe(emu_url: &str, key: &str, desired: &Desired, extra: &[&str]) -> Actual {
    let reader = EfsReader::connect(&ConnectOptions {
        profile: None,
        endpoint_url: Some(emu_url.to_owned()),
        static_credentials: Some((key.to_owned(), SECRET.to_owned())),
    })
    .await;
    let extra: Vec<efs_replicator::model::Region> = extra
        .iter()
        .map(|r| efs_replicator::model::Region::parse(r).unwrap())
        .collect();
    discover(&reader, desired, &extra)
        .await
        .expect("discovery works")
}

/// The library's reader against `emu` with `key`.
pub async fn reader(emu: &Emulator, key: &str) -> EfsReader {
    EfsReader::connect(&ConnectOptions {
        profile: None,
        endpoint_url: Some(emu.base_url().to_owned()),
        static_credentials: Some((key.to_owned(), SECRET.to_owned())),
    })
    .await
}

/// An SDK client for `region` with `key`, no retries (a test sees the
/// first answer).
pub fn efs_client(emu: &Emulator, region: &str, key: &str) -> aws_sdk_efs::Client {
    efs_client_at(emu.base_url(), region, key)
}

/// [`efs_client`] by URL.
pub fn efs_client_at(url: &str, region: &str, key: &str) -> aws_sdk_efs::Client {
    let conf = aws_sdk_efs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(SdkRegion::new(region.to_owned()))
        .credentials_provider(Credentials::new(key, SECRET, None, None, "tests"))
        .endpoint_url(url)
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_efs::Client::from_conf(conf)
}

/// Collects the apply events' types.
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

/// One entry of the emulator's request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub operation: String,
    pub region: String,
    pub status: u64,
    pub error: Option<String>,
}

/// The request log, read in process.
pub fn requests(emu: &Emulator) -> Vec<Request> {
    emu.stats()["requests"]
        .as_array()
        .expect("a request log")
        .iter()
        .map(|r| Request {
            operation: r["operation"].as_str().unwrap_or("").to_owned(),
            region: r["region"].as_str().unwrap_or("").to_owned(),
            status: r["status"].as_u64().unwrap_or(0),
            error: r["error"].as_str().map(str::to_owned),
        })
        .collect()
}

/// The successful mutating calls, in order, as (operation, Region).
pub fn mutations(emu: &Emulator) -> Vec<(String, String)> {
    requests(emu)
        .into_iter()
        .filter(|r| r.status < 300 && MUTATING.contains(&r.operation.as_str()))
        .map(|r| (r.operation, r.region))
        .collect()
}

/// One admin request; the status and the JSON body (`Null` when none).
pub async fn admin(emu_url: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
    let addr = emu_url.trim_start_matches("http://");
    let (status, text) = admin_request(addr, method, path, body).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// One admin request that must succeed; its JSON body.
pub async fn admin_ok(emu_url: &str, method: &str, path: &str, body: Option<&Value>) -> Value {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let (status, v) = admin(emu_url, method, path, &body).await;
    assert!(
        (200..300).contains(&status),
        "admin {method} {path} failed: {status}\n{v}"
    );
    v
}

/// The built binary with a clean AWS environment: no AWS_*,
/// EFS_REPLICATOR_* or NO_COLOR variable of the machine, no AWS config
/// files (under `HOME`, a directory that does not exist unless set), no
/// instance metadata, stdin closed.
pub struct Bin {
    cmd: Command,
}

impl Bin {
    pub fn new(args: &[&str]) -> Bin {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_efs-replicator"));
        cmd.args(args);
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") || k.starts_with("EFS_REPLICATOR_") || k == "NO_COLOR" {
                cmd.env_remove(k);
            }
        }
        cmd.env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null());
        Bin { cmd }.home(Path::new("/nonexistent/home"))
    }

    /// `HOME`, and the AWS config files in it.
    pub fn home(mut self, home: &Path) -> Bin {
        self.cmd
            .env("HOME", home)
            .env("AWS_CONFIG_FILE", home.join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"));
        self
    }

    /// EFS, STS and KMS at `url` (through the environment).
    pub fn endpoint(mut self, url: &str) -> Bin {
        self.cmd
            .env("AWS_ENDPOINT_URL_EFS", url)
            .env("AWS_ENDPOINT_URL_STS", url)
            .env("AWS_ENDPOINT_URL_KMS", url);
        self
    }

    /// Static credentials with this access key.
    pub fn credentials(mut self, key: &str) -> Bin {
        self.cmd
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", SECRET);
        self
    }

    /// More arguments.
    pub fn args<S: AsRef<std::ffi::OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Bin {
        self.cmd.args(args);
        self
    }

    /// An environment variable; an empty value removes it.
    pub fn env(mut self, key: &str, value: &str) -> Bin {
        if value.is_empty() {
            self.cmd.env_remove(key);
        } else {
            self.cmd.env(key, value);
        }
        self
    }

    /// The command, to spawn it oneself.
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Runs it to completion off the async runtime (the emulator keeps serving).
    pub async fn run(self) -> Output {
        let mut cmd = self.cmd;
        tokio::task::spawn_blocking(move || cmd.output().expect("binary runs"))
            .await
            .unwrap()
    }
}

/// Stdout or stderr as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends one admin request to the emulator at `addr` (`host:port`) and
/// returns the status code and the body (de-chunked), as text: the one
/// HTTP/1.1 client of the admin API (`/_emulator/...`, loopback only).
pub async fn admin_request(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("admin {method} {path}: connect to {addr}: {e}"));
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    let (head, rest) = text.split_once("\r\n\r\n").expect("HTTP response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}
