//! Benchmark (prints figures, asserts nothing): 200 creates against the
//! emulator throttling mutating calls to 20 per second per Region, through
//! the real SDK with the crate's retry configuration and the default
//! parallelism. The emulator's bucket starts full (a burst of one second's
//! calls), so the floor is (creates - burst) / rate: 9.5 s for 200 creates
//! at 20/s; the target is to finish within 1.2 x that, with zero failed
//! steps. Call counts are read with `Emulator::stats`.
//!
//!     cargo bench --bench apply_throttled
//!
//! Environment: BENCH_CREATES (default 200), BENCH_RPS (20),
//! BENCH_ENABLE_DELAY_MS (0: replications read ENABLED at once, so the
//! figure measures the creates; set e.g. 2000 to include waiting),
//! BENCH_PARALLELISM (10). Never talks to anything but the in-process
//! emulator on 127.0.0.1.

use std::time::{Duration, Instant};

use efs_replicator::apply::{execute, ApplyOptions, EfsWriter, Outcome};
use efs_replicator::discover::{discover, ConnectOptions, EfsReader};
use efs_replicator::plan::{plan, PlanOptions};

mod support;
use support::{env_num, seed_creates, Quiet};

#[tokio::main]
async fn main() {
    let n = env_num("BENCH_CREATES", 200) as u32;
    let rps = env_num("BENCH_RPS", 20) as f64;
    let enable = Duration::from_millis(env_num("BENCH_ENABLE_DELAY_MS", 0));
    let parallelism = env_num("BENCH_PARALLELISM", 10) as usize;

    let dir = tempfile::tempdir().unwrap();
    let (state, cfg_dir) = seed_creates(dir.path(), n);

    let emu = efs_emulator::start(efs_emulator::Config {
        state_file: Some(state),
        account_id: "123456789012".into(),
        enable_delay: enable,
        throttle_rps: Some(rps),
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

    let opts = ApplyOptions {
        parallelism,
        ..ApplyOptions::default()
    };
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let t1 = Instant::now();
    let report = execute(&p, &EfsWriter::new(&reader), &opts, &Quiet, rx).await;
    let applied = t1.elapsed();

    let s = emu.stats();
    let create_calls = s["by_operation"]["CreateReplicationConfiguration"]
        .as_u64()
        .unwrap_or(0);
    let describe_calls = s["by_operation"]["DescribeReplicationConfigurations"]
        .as_u64()
        .unwrap_or(0);
    // The bucket starts full: a burst of one second's worth of calls (at
    // least 1) goes through at once, the rest at the rate.
    let burst = rps.max(1.0).floor();
    let allowed = ((n as f64) - burst).max(0.0) / rps;
    println!("apply_throttled: {n} creates, emulator throttling mutating calls to {rps}/s per Region, parallelism {parallelism}, enable delay {enable:?}");
    println!("  discover + plan:          {:.2} s", planned.as_secs_f64());
    println!("  apply (execute):          {:.2} s", applied.as_secs_f64());
    println!(
        "  rate floor:               {allowed:.2} s = ({n} - burst {burst}) / {rps}/s (target <= {:.2} s)",
        allowed * 1.2
    );
    // Within the burst there is no rate floor to compare with.
    let ratio = if allowed > 0.0 {
        format!("{:.2}", applied.as_secs_f64() / allowed)
    } else {
        "n/a (all within burst)".to_owned()
    };
    println!("  ratio to floor:           {ratio}");
    println!(
        "  steps: done {} failed {} skipped {}",
        report.count(Outcome::Done),
        report.count(Outcome::Failed),
        report.count(Outcome::Skipped)
    );
    println!(
        "  CreateReplicationConfiguration calls: {create_calls} ({} throttled responses in total)",
        s["throttled"]
    );
    println!("  DescribeReplicationConfigurations calls: {describe_calls}");
    println!(
        "  within target: {}",
        applied.as_secs_f64() <= allowed * 1.2 && report.count(Outcome::Failed) == 0
    );
    emu.shutdown().await;
}
