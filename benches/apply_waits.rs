//! Benchmark (prints figures, asserts nothing): 100 creates against the
//! in-process emulator with a 30 s enable delay, through the real SDK with
//! the default apply options. It counts the `Describe*` calls the emulator
//! saw during the whole apply (discover, plan and execute) and the wall time
//! of the execute, beside its floor (the enable delay: no wait can end
//! before it). Targets: at most 60 `Describe*` calls, wall at most 1.3 x the
//! floor.
//!
//!     cargo bench --bench apply_waits
//!
//! Environment: BENCH_CREATES (default 100), BENCH_ENABLE_DELAY_S (30),
//! BENCH_PARALLELISM (10). Never talks to anything but the in-process
//! emulator on 127.0.0.1.

use std::time::{Duration, Instant};

use efs_replicator::apply::{execute, ApplyOptions, EfsWriter, Outcome};
use efs_replicator::discover::{discover, ConnectOptions, EfsReader};
use efs_replicator::plan::{plan, PlanOptions};
use serde_json::Value;

mod support;
use support::{env_num, seed_creates, Quiet};

/// Calls per operation whose name starts with `Describe`.
fn describes(stats: &Value) -> Vec<(String, u64)> {
    stats["by_operation"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(op, _)| op.starts_with("Describe"))
                .map(|(op, n)| (op.clone(), n.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let n = env_num("BENCH_CREATES", 100) as u32;
    let enable = Duration::from_secs(env_num("BENCH_ENABLE_DELAY_S", 30));
    let parallelism = env_num("BENCH_PARALLELISM", 10) as usize;

    let dir = tempfile::tempdir().unwrap();
    let (state, cfg_dir) = seed_creates(dir.path(), n);

    let emu = efs_emulator::start(efs_emulator::Config {
        state_file: Some(state),
        account_id: "123456789012".into(),
        enable_delay: enable,
        ..efs_emulator::Config::default()
    })
    .await
    .expect("emulator starts");
    let reader = EfsReader::connect(&ConnectOptions {
        profile: None,
        endpoint_url: Some(emu.base_url().to_owned()),
        static_credentials: Some(("AKIDBENCH".into(), "secret".into())),
    })
    .await;

    let t0 = Instant::now();
    let desired = efs_replicator::config::load(&cfg_dir, &Default::default())
        .unwrap_or_else(|_| panic!("config"));
    let actual = discover(&reader, &desired, &[]).await.expect("discover");
    let p = plan(&desired, &actual, &PlanOptions::default()).expect("plan");
    let planned = t0.elapsed();
    let before: u64 = describes(&emu.stats()).iter().map(|(_, c)| c).sum();

    let opts = ApplyOptions {
        parallelism,
        ..ApplyOptions::default()
    };
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let t1 = Instant::now();
    let report = execute(&p, &EfsWriter::new(&reader), &opts, &Quiet, rx).await;
    let applied = t1.elapsed();

    let per_op = describes(&emu.stats());
    let total: u64 = per_op.iter().map(|(_, c)| c).sum();
    let floor = enable.as_secs_f64();
    println!(
        "apply_waits: {n} creates, enable delay {}, parallelism {parallelism}, polls from {:?} growing by half to {:?}",
        humantime::format_duration(enable),
        opts.poll_initial,
        opts.poll_max
    );
    println!(
        "  discover + plan:            {:.2} s",
        planned.as_secs_f64()
    );
    println!(
        "  apply (execute) wall:       {:.2} s (floor {floor:.2} s = the enable delay; target <= {:.2} s)",
        applied.as_secs_f64(),
        floor * 1.3
    );
    println!(
        "  wall / floor:               {:.2}",
        applied.as_secs_f64() / floor
    );
    println!(
        "  Describe* calls, whole apply: {total} (target <= 60; {} during discover + plan, {} during execute)",
        before,
        total - before
    );
    for (op, c) in &per_op {
        println!("    {op}: {c}");
    }
    println!(
        "  steps: done {} failed {} skipped {}",
        report.count(Outcome::Done),
        report.count(Outcome::Failed),
        report.count(Outcome::Skipped)
    );
    println!(
        "  within target: {}",
        total <= 60 && applied.as_secs_f64() <= floor * 1.3 && report.count(Outcome::Failed) == 0
    );
    emu.shutdown().await;
}
