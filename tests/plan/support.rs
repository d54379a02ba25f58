//! Test support: an in-process emulator on 127.0.0.1:0 with zero delays,
//! SDK clients per Region and account (static credentials), helpers that set
//! up file systems and replications through the SDK, and planning through
//! the real discovery path. Ids the emulator makes up are replaced by
//! stable names (`<fs:NAME>`) in rendered output so snapshots are stable.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_efs::types::{DestinationToCreate, ReplicationOverwriteProtection, Tag};
use aws_sdk_efs::Client;
use efs_replicator::model::{Actual, Desired};
use efs_replicator::plan::{plan, Plan, PlanErrors, PlanOptions};
use efs_replicator::render::{render_errors_human, render_human, render_json, HumanOptions};

/// Access key of the default account (123456789012).
pub const KEY_MAIN: &str = "AKIAMAINACCOUNT00001";
/// The default account.
pub const MAIN_ACCOUNT: &str = "123456789012";
/// Access key mapped to the second account.
pub const KEY_OTHER: &str = "AKIAOTHERACCOUNT0001";
/// The second account.
pub const OTHER_ACCOUNT: &str = "210987654321";

pub struct Env {
    pub emu: Option<efs_emulator::Emulator>,
    pub base: String,
    pub dir: tempfile::TempDir,
    /// Real id -> stable name.
    names: BTreeMap<String, String>,
    /// Stable name -> real id.
    ids: BTreeMap<String, String>,
}

pub fn emulator_config(state_file: Option<PathBuf>) -> efs_emulator::Config {
    efs_emulator::Config {
        state_file,
        access_key_accounts: BTreeMap::from([(KEY_OTHER.to_owned(), OTHER_ACCOUNT.to_owned())]),
        enable_delay: Duration::ZERO,
        delete_delay: Duration::ZERO,
        initial_sync_delay: Duration::ZERO,
        ..efs_emulator::Config::default()
    }
}

impl Env {
    /// An emulator with in-memory state.
    pub async fn start() -> Env {
        Self::start_with(None).await
    }

    /// An emulator persisting to `state` (flushed on [`Env::stop`]).
    pub async fn start_with(state: Option<PathBuf>) -> Env {
        Self::start_config(emulator_config(state)).await
    }

    /// An emulator with this configuration.
    /// The variant set named by `EFS_EMULATOR_VARIANTS` is applied on top.
    pub async fn start_config(config: efs_emulator::Config) -> Env {
        let emu = crate::kit::start_emulator(config).await;
        Env {
            base: emu.base_url().to_owned(),
            emu: Some(emu),
            dir: tempfile::tempdir().unwrap(),
            names: BTreeMap::new(),
            ids: BTreeMap::new(),
        }
    }

    /// Stops the emulator, flushing its state file.
    pub async fn stop(&mut self) {
        if let Some(e) = self.emu.take() {
            e.shutdown().await;
        }
    }

    pub fn client_as(&self, region: &str, key: &str) -> Client {
        crate::kit::efs_client_at(&self.base, region, key)
    }

    pub fn client(&self, region: &str) -> Client {
        self.client_as(region, KEY_MAIN)
    }

    fn name(&mut self, id: &str, name: &str) {
        self.names.insert(id.to_owned(), format!("<fs:{name}>"));
        self.ids.insert(name.to_owned(), id.to_owned());
    }

    /// The real id behind a name.
    pub fn id(&self, name: &str) -> String {
        self.ids
            .get(name)
            .unwrap_or_else(|| panic!("no file system named {name}"))
            .clone()
    }

    /// Creates a file system through the SDK and names it.
    pub async fn fs(&mut self, name: &str, region: &str) -> String {
        self.fs_with(name, region, KEY_MAIN, None).await
    }

    /// Creates a file system with options (account key, One Zone AZ).
    pub async fn fs_with(
        &mut self,
        name: &str,
        region: &str,
        key: &str,
        az: Option<&str>,
    ) -> String {
        let out = self
            .client_as(region, key)
            .create_file_system()
            .creation_token(format!("token-{name}"))
            .encrypted(true)
            .set_availability_zone_name(az.map(str::to_owned))
            .tags(Tag::builder().key("Name").value(name).build().unwrap())
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateFileSystem {name}: {e:?}"));
        let id = out.file_system_id().to_owned();
        self.name(&id, name);
        id
    }

    /// Creates an unencrypted file system (EFS creates replicas encrypted).
    pub async fn fs_unencrypted(&mut self, name: &str, region: &str) -> String {
        let out = self
            .client(region)
            .create_file_system()
            .creation_token(format!("token-{name}"))
            .encrypted(false)
            .tags(Tag::builder().key("Name").value(name).build().unwrap())
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateFileSystem {name}: {e:?}"));
        let id = out.file_system_id().to_owned();
        self.name(&id, name);
        id
    }

    /// The request log: (operation, Region) of every call, in order.
    pub async fn calls(&self) -> Vec<(String, String)> {
        let emu = self.emu.as_ref().expect("the emulator is running");
        crate::kit::requests(emu)
            .into_iter()
            .map(|r| (r.operation, r.region))
            .collect()
    }

    /// Sets replication overwrite protection through the SDK.
    pub async fn protection(&self, name: &str, region: &str, key: &str, value: &str) {
        self.client_as(region, key)
            .update_file_system_protection()
            .file_system_id(self.id(name))
            .replication_overwrite_protection(ReplicationOverwriteProtection::from(value))
            .send()
            .await
            .unwrap_or_else(|e| panic!("UpdateFileSystemProtection {name}: {e:?}"));
    }

    /// Creates a replication through the SDK; a new destination is named `<source>-replica`.
    pub async fn replicate(
        &mut self,
        source: &str,
        region: &str,
        dest: DestinationToCreate,
    ) -> String {
        let out = self
            .client(region)
            .create_replication_configuration()
            .source_file_system_id(self.id(source))
            .destinations(dest)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateReplicationConfiguration {source}: {e:?}"));
        let dest_id = out.destinations()[0].file_system_id().to_owned();
        if !self.names.contains_key(&dest_id) {
            self.name(&dest_id, &format!("{source}-replica"));
        }
        dest_id
    }

    /// Replaces `@name` in a config with the real id.
    pub fn config_text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        // Longest names first so `@a` does not eat `@ab`.
        let mut names: Vec<&String> = self.ids.keys().collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for n in names {
            out = out.replace(&format!("@{n}"), &self.ids[n]);
        }
        out
    }

    /// Writes a config (with `@name` substituted) and returns its directory.
    pub fn write_config(&self, sub: &str, text: &str) -> PathBuf {
        let dir = self.dir.path().join(sub);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("main.hcl"), self.config_text(text)).unwrap();
        dir
    }

    pub fn load(&self, text: &str) -> Desired {
        crate::kit::load(&self.write_config("cfg", text))
    }

    /// Discovers through the real SDK path and plans.
    pub async fn plan(&self, text: &str, targets: &[&str]) -> (Result<Plan, PlanErrors>, Actual) {
        self.plan_scanning(text, targets, &[]).await
    }

    /// Like [`Env::plan`], also scanning extra Regions (`--region`).
    pub async fn plan_scanning(
        &self,
        text: &str,
        targets: &[&str],
        extra_regions: &[&str],
    ) -> (Result<Plan, PlanErrors>, Actual) {
        let desired = self.load(text);
        let actual = crate::kit::observe(&self.base, KEY_MAIN, &desired, extra_regions).await;
        let opts = PlanOptions {
            targets: targets.iter().map(|t| t.to_string()).collect(),
        };
        (plan(&desired, &actual, &opts), actual)
    }

    /// Replaces every known id with its name, and creation times (which
    /// the emulator takes from the clock) with `<time>`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (id, name) in &self.names {
            out = out.replace(id, name);
        }
        let time = regex::Regex::new(r#""creation_time": "[^"]*""#).unwrap();
        time.replace_all(&out, r#""creation_time": "<time>""#)
            .into_owned()
    }

    /// The human rendering (plan or errors), redacted.
    pub fn human(&self, result: &Result<Plan, PlanErrors>) -> String {
        let mut buf = Vec::new();
        match result {
            Ok(p) => render_human(p, &mut buf, &HumanOptions { color: false }).unwrap(),
            Err(e) => render_errors_human(e, &mut buf, &HumanOptions { color: false }).unwrap(),
        }
        self.redact(&String::from_utf8(buf).unwrap())
    }

    /// The JSON rendering, redacted.
    pub fn json(&self, plan: &Plan) -> String {
        let mut buf = Vec::new();
        render_json(plan, &mut buf).unwrap();
        self.redact(&String::from_utf8(buf).unwrap())
    }

    /// `GET` an admin path and parse the JSON.
    pub async fn admin_get(&self, path: &str) -> serde_json::Value {
        crate::kit::admin_ok(&self.base, "GET", path, None).await
    }

    /// `POST` JSON to an admin path.
    pub async fn admin_post(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        crate::kit::admin_ok(&self.base, "POST", path, Some(body)).await
    }

    /// The built binary against this emulator with the main account's
    /// static credentials, `HOME` in the test directory, us-east-1.
    pub fn bin(&self, args: &[&str]) -> crate::kit::Bin {
        crate::kit::Bin::new(args)
            .home(self.dir.path())
            .credentials(KEY_MAIN)
            .endpoint(&self.base)
            .env("AWS_REGION", "us-east-1")
    }
}

/// Copies a directory's config for a binary run.
pub fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
