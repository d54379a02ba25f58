//! Benchmark of `check` across many accounts (prints figures; asserts
//! nothing about time).
//!
//! 50 accounts x 4 Regions x 20 replications (4,000 in all, every account
//! with its `account` block and role), against the emulator with 50 ms of
//! latency per request, then, on the same machine, the single-account
//! 1,000-replication plan of `benches/plan_discovery.rs`. Prints the walls,
//! their ratio, and the calls by operation: one listing chain per (account,
//! Region) and one `AssumeRole` per account are expected.
//!
//! Run: `cargo bench --bench check_accounts` (optionally `-- --accounts N
//! --per-account M --latency-ms L --single N`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use efs_replicator::config::{self, LoadOptions};
use efs_replicator::discover::{discover, AccountReaders, ConnectOptions, EfsReader};
use efs_replicator::health::{assess, HealthOptions};
use efs_replicator::plan::{plan, PlanOptions};

const REGIONS: [&str; 4] = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];
const DEFAULT_KEY: &str = "AKIABENCHDEFAULT0001";

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn account_id(a: usize) -> String {
    format!("{:012}", 200_000_000_000u64 + a as u64)
}

fn by_op(stats: &serde_json::Value) -> BTreeMap<String, u64> {
    stats["by_operation"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

fn emu_config(state: &Path, latency: Duration) -> efs_emulator::Config {
    efs_emulator::Config {
        state_file: Some(state.to_owned()),
        enable_delay: Duration::ZERO,
        delete_delay: Duration::ZERO,
        initial_sync_delay: Duration::ZERO,
        latency,
        ..efs_emulator::Config::default()
    }
}

/// Writes the seed state of `per_account` replications in each account
/// (`None`: the default one) and returns the configuration declaring them.
/// The emulator loads the seed (faster than creating through the API).
fn set_up(state: &Path, accounts: Option<usize>, per_account: usize) -> String {
    let owners: Vec<Option<usize>> = match accounts {
        Some(n) => (0..n).map(Some).collect(),
        None => vec![None],
    };
    let mut fss = Vec::new();
    let mut reps = Vec::new();
    let mut hcl = String::new();
    for a in accounts.into_iter().flat_map(|n| 0..n) {
        let id = account_id(a);
        let _ = write!(
            hcl,
            "account \"a{a}\" {{\n  id = \"{id}\"\n  role_arn = \"arn:aws:iam::{id}:role/efs-replicator\"\n}}\n\n"
        );
    }
    let mut n = 0u64;
    for owner in &owners {
        let account = owner
            .map(account_id)
            .unwrap_or_else(|| "123456789012".to_owned());
        for i in 0..per_account {
            n += 1;
            let src = format!("fs-{:017x}", n);
            let dst = format!("fs-{:017x}", 1u64 << 40 | n);
            let (sr, dr) = (REGIONS[i % 4], REGIONS[(i + 1) % 4]);
            fss.push(
                serde_json::json!({"id": src, "region": sr, "account": account, "encrypted": true}),
            );
            fss.push(
                serde_json::json!({"id": dst, "region": dr, "account": account, "encrypted": true}),
            );
            reps.push(serde_json::json!({"source_file_system_id": src, "destination_file_system_id": dst}));
            let (name, acct) = match owner {
                Some(a) => (
                    format!("a{a}_r{i}"),
                    format!("  source_account = \"a{a}\"\n"),
                ),
                None => (format!("r{i}"), String::new()),
            };
            let _ = write!(
                hcl,
                "replication \"{name}\" {{\n  source_file_system_id = \"{src}\"\n  source_region = \"{sr}\"\n{acct}  destination {{\n    region = \"{dr}\"\n  }}\n}}\n\n"
            );
        }
    }
    let doc = serde_json::json!({"file_systems": fss, "replications": reps});
    std::fs::write(state, serde_json::to_vec(&doc).unwrap()).unwrap();
    hcl
}

struct Run {
    wall: Duration,
    /// (stage, time): load, discover (with connect), plan, health.
    stages: Vec<(&'static str, Duration)>,
    calls: BTreeMap<String, u64>,
    healthy: usize,
    entries: usize,
}

/// Loads, connects (a reader per account block), discovers, plans and
/// assesses health, as `check` does; with latency.
async fn check(dir: &Path, hcl: &str, latency: Duration) -> Run {
    let cfg = dir.join("cfg");
    let _ = std::fs::remove_dir_all(&cfg);
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(cfg.join("main.hcl"), hcl).unwrap();
    let emu = efs_emulator::start(emu_config(&dir.join("state.json"), latency))
        .await
        .unwrap();
    let base = emu.base_url().to_owned();
    let before = by_op(&emu.stats());
    let t = Instant::now();
    let desired = config::load(&cfg, &LoadOptions::default()).expect("config loads");
    let loaded = t.elapsed();
    let default = EfsReader::connect(&ConnectOptions {
        profile: None,
        endpoint_url: Some(base),
        static_credentials: Some((DEFAULT_KEY.to_owned(), "secret".to_owned())),
    })
    .await;
    let mut readers = Vec::new();
    for a in &desired.accounts {
        readers.push((a.clone(), default.for_account(a).await));
    }
    let reader = AccountReaders::new(default, readers, &desired);
    let actual = discover(&reader, &desired, &[]).await.expect("discovery");
    let discovered = t.elapsed();
    let p = plan(&desired, &actual, &PlanOptions::default()).expect("plan");
    let planned = t.elapsed();
    let report = assess(
        &desired,
        &actual,
        &p,
        SystemTime::now(),
        &HealthOptions::default(),
    );
    let wall = t.elapsed();
    let after = by_op(&emu.stats());
    emu.shutdown().await;
    let calls = after
        .into_iter()
        .map(|(k, v)| {
            let d = v - before.get(&k).copied().unwrap_or(0);
            (k, d)
        })
        .filter(|(_, d)| *d > 0)
        .collect();
    Run {
        wall,
        stages: vec![
            ("config load", loaded),
            ("connect + discover", discovered - loaded),
            ("plan", planned - discovered),
            ("health", wall - planned),
        ],
        calls,
        healthy: report.entries.iter().filter(|e| !e.unhealthy()).count(),
        entries: report.entries.len(),
    }
}

fn print(title: &str, r: &Run) {
    println!("{title}");
    println!(
        "  wall (load + connect + discover + plan + health): {:.1} ms",
        r.wall.as_secs_f64() * 1e3
    );
    for (stage, d) in &r.stages {
        println!("    {stage}: {:.1} ms", d.as_secs_f64() * 1e3);
    }
    println!("  entries: {} ({} not unhealthy)", r.entries, r.healthy);
    println!("  API calls: {}", r.calls.values().sum::<u64>());
    for (op, n) in &r.calls {
        println!("    {op}: {n}");
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let accounts = arg("--accounts", 50) as usize;
    let per_account = arg("--per-account", 80) as usize;
    let single = arg("--single", 1000) as usize;
    let latency = Duration::from_millis(arg("--latency-ms", 50));

    let multi_dir = tempfile::tempdir().unwrap();
    let setup = Instant::now();
    let multi_hcl = set_up(
        &multi_dir.path().join("state.json"),
        Some(accounts),
        per_account,
    );
    let single_dir = tempfile::tempdir().unwrap();
    let single_hcl = set_up(&single_dir.path().join("state.json"), None, single);
    let setup_time = setup.elapsed();

    let multi = check(multi_dir.path(), &multi_hcl, latency).await;
    let one = check(single_dir.path(), &single_hcl, latency).await;

    println!(
        "check across accounts: {accounts} accounts x {} Regions, {} replications, emulator latency {latency:?} (seed states written in {:.1} s)",
        REGIONS.len(),
        accounts * per_account,
        setup_time.as_secs_f64()
    );
    print(
        &format!(
            "{} replications in {accounts} accounts:",
            accounts * per_account
        ),
        &multi,
    );
    print(&format!("{single} replications in one account:"), &one);
    println!(
        "  ratio of walls (many accounts / one account): {:.2}",
        multi.wall.as_secs_f64() / one.wall.as_secs_f64()
    );
}
