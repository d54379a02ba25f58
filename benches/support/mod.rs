//! What the apply benchmarks share: a quiet progress reporter, numbers from
//! the environment, and the seed of `n` source file systems in us-east-1
//! with a configuration replicating each to us-west-2. Writes only under
//! the directory it is given.

use std::path::{Path, PathBuf};

use efs_replicator::apply::{Event, Reporter};
use serde_json::{json, Value};

/// A reporter that prints nothing.
pub struct Quiet;
impl Reporter for Quiet {
    fn event(&self, _: &Event<'_>) {}
}

/// The number in environment variable `name`, else `default`.
pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Writes, under `dir`, an emulator state file with `n` source file systems
/// `fs-00000001`... in us-east-1 (account 123456789012) and a configuration
/// directory declaring a replication of each to us-west-2. Returns (state
/// file, configuration directory).
pub fn seed_creates(dir: &Path, n: u32) -> (PathBuf, PathBuf) {
    let fss: Vec<Value> = (1..=n)
        .map(|i| {
            json!({"id": format!("fs-{i:08x}"), "region": "us-east-1", "account": "123456789012",
                   "performance_mode": "generalPurpose", "throughput_mode": "elastic",
                   "encrypted": true, "protection": "ENABLED"})
        })
        .collect();
    let state = dir.join("state.json");
    std::fs::write(&state, json!({"file_systems": fss}).to_string()).unwrap();
    let mut hcl = String::from("settings {\n  region = \"us-east-1\"\n}\n");
    for i in 1..=n {
        hcl.push_str(&format!(
            "replication \"r{i}\" {{\n  source_file_system_id = \"fs-{i:08x}\"\n  destination {{\n    region = \"us-west-2\"\n  }}\n}}\n"
        ));
    }
    let cfg_dir = dir.join("config");
    std::fs::create_dir(&cfg_dir).unwrap();
    std::fs::write(cfg_dir.join("main.hcl"), hcl).unwrap();
    (state, cfg_dir)
}
