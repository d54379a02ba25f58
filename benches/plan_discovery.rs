//! Benchmark of `plan` at scale (prints figures; asserts nothing about time).
//!
//! 1,000 declared replications across 4 Regions, all in sync, against the
//! emulator with 50 ms of latency per request. Prints the API calls `plan`
//! made (from the emulator's stats, `Emulator::stats`), its wall time, and what a
//! per-resource refresh (Terraform's `aws_efs_replication_configuration`
//! reads one `DescribeReplicationConfigurations(FileSystemId)` per resource,
//! 10 at a time by default) costs on the same emulator.
//!
//! Run: `cargo bench --bench plan_discovery` (optionally
//! `-- --replications N --latency-ms M`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use aws_sdk_efs::config::{BehaviorVersion, Credentials, Region as SdkRegion};
use aws_sdk_efs::types::DestinationToCreate;
use aws_sdk_efs::Client;
use efs_replicator::config::{self, LoadOptions};
use efs_replicator::discover::{discover, ConnectOptions, EfsReader};
use efs_replicator::plan::{plan, PlanOptions};
use futures::stream::{self, StreamExt};

const REGIONS: [&str; 4] = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];
const KEY: &str = "AKIABENCHMARK0000001";

fn client(base: &str, region: &str) -> Client {
    Client::from_conf(
        aws_sdk_efs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(SdkRegion::new(region.to_owned()))
            .credentials_provider(Credentials::new(KEY, "secret", None, None, "bench"))
            .endpoint_url(base)
            .build(),
    )
}

fn by_op(before: &serde_json::Value, after: &serde_json::Value) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    if let Some(ops) = after["by_operation"].as_object() {
        for (op, n) in ops {
            let d = n.as_u64().unwrap_or(0) - before["by_operation"][op].as_u64().unwrap_or(0);
            if d > 0 {
                out.insert(op.clone(), d);
            }
        }
    }
    out
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n = arg("--replications", 1000) as usize;
    let latency = Duration::from_millis(arg("--latency-ms", 50));
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let emu_config = |latency| efs_emulator::Config {
        state_file: Some(state.clone()),
        enable_delay: Duration::ZERO,
        delete_delay: Duration::ZERO,
        initial_sync_delay: Duration::ZERO,
        latency,
        ..efs_emulator::Config::default()
    };

    // Set up through the SDK without latency: n sources, each replicated to
    // a new file system in the next Region.
    let setup = Instant::now();
    let emu = efs_emulator::start(emu_config(Duration::ZERO))
        .await
        .unwrap();
    let base = emu.base_url().to_owned();
    let sources: Vec<(usize, String)> = stream::iter(0..n)
        .map(|i| {
            let base = base.clone();
            async move {
                let src_region = REGIONS[i % 4];
                let dst_region = REGIONS[(i + 1) % 4];
                let c = client(&base, src_region);
                let fs = c
                    .create_file_system()
                    .creation_token(format!("bench-{i}"))
                    .encrypted(true)
                    .send()
                    .await
                    .expect("CreateFileSystem");
                let id = fs.file_system_id().to_owned();
                c.create_replication_configuration()
                    .source_file_system_id(&id)
                    .destinations(DestinationToCreate::builder().region(dst_region).build())
                    .send()
                    .await
                    .expect("CreateReplicationConfiguration");
                (i, id)
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    emu.shutdown().await;
    let setup_time = setup.elapsed();

    let mut hcl = String::new();
    let mut sources = sources;
    sources.sort();
    for (i, id) in &sources {
        let _ = write!(
            hcl,
            "replication \"r{i}\" {{\n  source_file_system_id = \"{id}\"\n  source_region = \"{}\"\n  destination {{\n    region = \"{}\"\n  }}\n}}\n\n",
            REGIONS[i % 4],
            REGIONS[(i + 1) % 4]
        );
    }
    let cfg_dir = dir.path().join("cfg");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    std::fs::write(cfg_dir.join("main.hcl"), &hcl).unwrap();

    // The measured run, with latency.
    let emu = efs_emulator::start(emu_config(latency)).await.unwrap();
    let base = emu.base_url().to_owned();
    let t_load = Instant::now();
    let desired = config::load(&cfg_dir, &LoadOptions::default()).expect("config loads");
    let load_time = t_load.elapsed();

    let before = emu.stats();
    let t_plan = Instant::now();
    let reader = EfsReader::connect(&ConnectOptions {
        profile: None,
        endpoint_url: Some(base.clone()),
        static_credentials: Some((KEY.to_owned(), "secret".to_owned())),
    })
    .await;
    let actual = discover(&reader, &desired, &[]).await.expect("discovery");
    let t_discovered = t_plan.elapsed();
    let p = plan(&desired, &actual, &PlanOptions::default()).expect("plan");
    let plan_time = t_plan.elapsed();
    let after = emu.stats();
    let ops = by_op(&before, &after);
    let calls: u64 = ops.values().sum();
    let s = p.summary();

    // A per-resource refresh: one DescribeReplicationConfigurations per
    // declared replication, 10 in flight (Terraform's default parallelism).
    let before_tf = emu.stats();
    let t_tf = Instant::now();
    let _: Vec<()> = stream::iter(desired.replications.iter())
        .map(|d| {
            let c = client(&base, d.source_region.as_str());
            async move {
                c.describe_replication_configurations()
                    .file_system_id(d.source.as_str())
                    .send()
                    .await
                    .expect("DescribeReplicationConfigurations");
            }
        })
        .buffer_unordered(10)
        .collect()
        .await;
    let tf_time = t_tf.elapsed();
    let after_tf = emu.stats();
    let tf_calls: u64 = by_op(&before_tf, &after_tf).values().sum();
    emu.shutdown().await;

    println!(
        "plan benchmark: {n} declared replications across {} Regions, emulator latency {:?}",
        REGIONS.len(),
        latency
    );
    println!(
        "  setup (SDK, no latency): {:.1} s",
        setup_time.as_secs_f64()
    );
    println!(
        "  plan result: {} no-op, {} create, {} replace, {} delete, {} unmanaged",
        s.no_op,
        s.create,
        s.replace,
        s.delete,
        p.unmanaged.len()
    );
    println!(
        "  config load + validate:  {:>7.1} ms",
        load_time.as_secs_f64() * 1e3
    );
    println!(
        "  discovery:               {:>7.1} ms",
        t_discovered.as_secs_f64() * 1e3
    );
    println!(
        "  discovery + diff (plan): {:>7.1} ms wall",
        plan_time.as_secs_f64() * 1e3
    );
    println!("  plan API calls:          {calls:>7}");
    for (op, c) in &ops {
        println!("    {op}: {c}");
    }
    println!("  per-resource refresh (Terraform style, 10 in parallel):");
    println!("    API calls:             {tf_calls:>7} (one DescribeReplicationConfigurations per replication; destination KMS/AZ not even checked)");
    println!(
        "    wall:                  {:>7.1} ms",
        tf_time.as_secs_f64() * 1e3
    );
    println!(
        "  ratio of calls:          {:>7.1}x fewer",
        tf_calls as f64 / calls.max(1) as f64
    );
}
