//! Cost curve of `plan` and `check` at scale (prints a table; asserts
//! nothing about time).
//!
//! For each case (1,000 replications in 4 Regions, 10,000 and 20,000 in 16
//! Regions), a state file is written in the emulator's hand-written seed
//! format (every source replicated to a file system in the next Region; all
//! in sync), the emulator is started in this process with 0 ms and with
//! 50 ms of latency per request, and the release binary runs `plan --json`
//! and `check --json` against it (`--endpoint-url`), stdout to a file. Per
//! case it prints the API calls (from the emulator's stats), the median wall
//! time, the child's CPU time (user + sys, from `wait4`) and peak RSS (the
//! binary is started by a small helper process, so that its peak RSS is not
//! this process's: see `run_binary`), and
//! the page-chain bound beside them: each Region's listings run side by
//! side and the Regions concurrently, so no discovery can take less than
//! the longest chain of pages (pages per Region x latency).
//!
//! Run: `cargo bench --bench plan_discovery` (optionally `-- --runs N`
//! (default 5), `--cases 1000x4,10000x16`, `--latency-ms 0,50`,
//! `--commands plan,check`, `--bin PATH` to measure another build of the
//! binary, `--refresh` to add Terraform's per-resource refresh at the first
//! case).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_efs::config::{BehaviorVersion, Credentials, Region as SdkRegion};
use aws_sdk_efs::Client;
use futures::stream::{self, StreamExt};

/// Sixteen commercial Regions; a case uses the first N.
const REGIONS: [&str; 16] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-2",
    "us-east-2",
    "us-west-1",
    "ca-central-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "sa-east-1",
];
const KEY: &str = "AKIABENCHMARK0000001";
/// `MaxResults` default of both listings.
const PAGE: usize = 100;

/// One measured run of the binary.
#[derive(Debug, Clone, Copy)]
struct Run {
    wall: Duration,
    cpu: Duration,
    max_rss_kib: u64,
    calls: u64,
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn list<T: std::str::FromStr>(name: &str, default: &str) -> Vec<T> {
    arg(name)
        .unwrap_or_else(|| default.to_owned())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{name}: cannot read {s:?}"))
        })
        .collect()
}

/// Source and destination ids of replication `i`.
fn ids(i: usize) -> (String, String) {
    (format!("fs-0a{i:015x}"), format!("fs-0b{i:015x}"))
}

fn regions_of(i: usize, regions: usize) -> (&'static str, &'static str) {
    (REGIONS[i % regions], REGIONS[(i + 1) % regions])
}

/// Writes the seed state file and the configuration declaring every
/// replication in it; returns the configuration directory.
fn write_case(dir: &Path, n: usize, regions: usize) -> (PathBuf, PathBuf) {
    let mut fss = String::new();
    let mut reps = String::new();
    let mut hcl = String::new();
    for i in 0..n {
        let (src, dst) = ids(i);
        let (sr, dr) = regions_of(i, regions);
        let sep = if i == 0 { "" } else { ",\n" };
        let _ = write!(
            fss,
            "{sep}{{\"id\":\"{src}\",\"region\":\"{sr}\",\"creation_time\":1704067200.0}},\n{{\"id\":\"{dst}\",\"region\":\"{dr}\",\"creation_time\":1704067200.0}}"
        );
        let _ = write!(
            reps,
            "{sep}{{\"source_file_system_id\":\"{src}\",\"destination_file_system_id\":\"{dst}\"}}"
        );
        let _ = write!(
            hcl,
            "replication \"r{i}\" {{\n  source_file_system_id = \"{src}\"\n  source_region         = \"{sr}\"\n  destination {{\n    region = \"{dr}\"\n  }}\n}}\n\n"
        );
    }
    let state = dir.join("state.json");
    std::fs::write(
        &state,
        format!("{{\"file_systems\":[\n{fss}\n],\"replications\":[\n{reps}\n]}}\n"),
    )
    .expect("write the seed state");
    let cfg = dir.join("cfg");
    std::fs::create_dir_all(&cfg).expect("config directory");
    std::fs::write(cfg.join("main.hcl"), hcl).expect("write the configuration");
    (state, cfg)
}

/// Pages in the longest listing chain of any Region: each Region lists
/// every replication with a side there, and every file system there.
fn pages_per_region(n: usize, regions: usize) -> usize {
    let mut per = vec![0usize; regions];
    for i in 0..n {
        per[i % regions] += 1;
        per[(i + 1) % regions] += 1;
    }
    // Replications listed and file systems both number `per[r]`; an empty
    // listing is still one page.
    per.iter()
        .map(|c| c.div_ceil(PAGE).max(1))
        .max()
        .unwrap_or(1)
}

/// Environment variable that makes this benchmark's executable a measuring
/// helper (see [`run_binary`]).
const HELPER: &str = "PLAN_DISCOVERY_MEASURE";

/// Runs the binary once; its stdout goes to `out`. Returns wall time, CPU
/// time (user + sys), peak RSS in KiB and the exit code.
///
/// The binary is started by a helper (this executable again, in the mode
/// of [`helper_main`]), not by this process: Linux counts in a child's peak
/// RSS the memory of the process it was forked from (the parent's resident
/// set is the starting high-water mark of the copy that `exec` replaces),
/// and this process holds the emulator with its whole state. The helper is
/// small when it starts the binary, so the peak it reports is the binary's.
fn run_binary(bin: &Path, args: &[&str], base: &str, out: &Path) -> (Duration, Duration, u64, i32) {
    let stdout = std::fs::File::create(out).expect("output file");
    let report = out.with_extension("measure");
    let status = Command::new(std::env::current_exe().expect("benchmark executable"))
        .env(HELPER, &report)
        .arg(bin)
        .args(args)
        .args(["--endpoint-url", base])
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_CONFIG_FILE", "/nonexistent/efs-replicator-bench")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/efs-replicator-bench",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("EFS_EMULATOR_VARIANTS")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .status()
        .expect("start the measuring helper");
    assert!(status.success(), "measuring helper: {status}");
    let text = std::fs::read_to_string(&report).expect("the helper's measurement");
    let f: Vec<u64> = text
        .split_whitespace()
        .map(|v| v.parse().expect("a number"))
        .collect();
    let [wall_ns, cpu_us, rss, code] = f[..] else {
        panic!("measurement {text:?}")
    };
    (
        Duration::from_nanos(wall_ns),
        Duration::from_micros(cpu_us),
        rss,
        code as i32,
    )
}

/// The measuring helper: runs the command in its arguments (stdin, stdout,
/// stderr and environment inherited), reaps it with `wait4` (which gives
/// its CPU time and peak RSS) and writes `wall_ns cpu_us max_rss_kib exit`
/// to the file named by [`HELPER`].
#[allow(clippy::zombie_processes)]
fn helper_main(report: &str) {
    let mut args = std::env::args_os().skip(1);
    let bin = args.next().expect("the binary to measure");
    let start = Instant::now();
    let child = Command::new(bin)
        .args(args)
        .env_remove(HELPER)
        .spawn()
        .expect("start the binary");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status) as u64
    } else {
        255
    };
    std::fs::write(
        report,
        format!(
            "{} {} {} {code}",
            wall.as_nanos(),
            cpu.as_micros(),
            usage.ru_maxrss
        ),
    )
    .expect("write the measurement");
}

fn total_calls(emu: &efs_emulator::Emulator) -> u64 {
    emu.stats()["total"].as_u64().unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

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

/// Terraform's refresh of `aws_efs_replication_configuration`: one
/// `DescribeReplicationConfigurations(FileSystemId)` per resource, 10 at a
/// time (its default parallelism). Returns calls and wall.
async fn per_resource_refresh(
    emu: &efs_emulator::Emulator,
    n: usize,
    regions: usize,
) -> (u64, Duration) {
    let base = emu.base_url().to_owned();
    let before = total_calls(emu);
    let start = Instant::now();
    stream::iter(0..n)
        .map(|i| {
            let c = client(&base, regions_of(i, regions).0);
            async move {
                c.describe_replication_configurations()
                    .file_system_id(ids(i).0)
                    .send()
                    .await
                    .expect("DescribeReplicationConfigurations");
            }
        })
        .buffer_unordered(10)
        .collect::<Vec<()>>()
        .await;
    (total_calls(emu) - before, start.elapsed())
}

fn main() {
    if let Some(report) = std::env::var_os(HELPER) {
        return helper_main(&report.to_string_lossy());
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(bench());
}

async fn bench() {
    let runs: usize = arg("--runs").and_then(|r| r.parse().ok()).unwrap_or(5);
    let cases: Vec<(usize, usize)> = arg("--cases")
        .unwrap_or_else(|| "1000x4,10000x16,20000x16".to_owned())
        .split(',')
        .map(|c| {
            let (n, r) = c
                .split_once('x')
                .expect("--cases: NxREGIONS, e.g. 10000x16");
            let r: usize = r.parse().expect("Regions");
            assert!((1..=REGIONS.len()).contains(&r), "1 to 16 Regions");
            (n.parse().expect("replications"), r)
        })
        .collect();
    let latencies: Vec<u64> = list("--latency-ms", "0,50");
    let commands: Vec<String> = list("--commands", "plan,check");
    let bin = arg("--bin")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_efs-replicator")));
    let refresh = std::env::args().any(|a| a == "--refresh");

    println!(
        "plan/check cost curve: {} ({} runs per case, medians; client = the binary's process)",
        bin.display(),
        runs
    );
    println!(
        "{:>7} {:>4} {:>8} {:>6} {:>6} {:>9} {:>9} {:>9} {:>8} {:>9} {:>8}",
        "repl",
        "reg",
        "latency",
        "cmd",
        "calls",
        "wall s",
        "bound s",
        "wall/bnd",
        "cpu s",
        "rss MB",
        "exit"
    );
    let mut refresh_done = !refresh;
    for &(n, regions) in &cases {
        let dir = tempfile::tempdir().expect("temporary directory");
        let t_seed = Instant::now();
        let (state, cfg) = write_case(dir.path(), n, regions);
        let seed_time = t_seed.elapsed();
        let pages = pages_per_region(n, regions);
        for &latency_ms in &latencies {
            let latency = Duration::from_millis(latency_ms);
            let emu = efs_emulator::start(efs_emulator::Config {
                state_file: Some(state.clone()),
                latency,
                ..efs_emulator::Config::default()
            })
            .await
            .expect("emulator starts with the seed");
            let bound = pages as f64 * latency.as_secs_f64();
            for cmd in &commands {
                let cfg_s = cfg.to_string_lossy().into_owned();
                let args: Vec<&str> = vec![cmd.as_str(), "--json", cfg_s.as_str()];
                let out = dir.path().join(format!("{cmd}.json"));
                let mut measured: Vec<Run> = Vec::new();
                let mut code = 0;
                // One warm-up run (page cache, emulator connections), then the runs.
                for r in 0..=runs {
                    let before = total_calls(&emu);
                    let bin = bin.clone();
                    let base = emu.base_url().to_owned();
                    let out = out.clone();
                    let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
                    let (wall, cpu, rss, c) = tokio::task::spawn_blocking(move || {
                        let a: Vec<&str> = a.iter().map(String::as_str).collect();
                        run_binary(&bin, &a, &base, &out)
                    })
                    .await
                    .expect("runner");
                    code = c;
                    if r > 0 {
                        measured.push(Run {
                            wall,
                            cpu,
                            max_rss_kib: rss,
                            calls: total_calls(&emu) - before,
                        });
                    }
                }
                let wall = median(measured.iter().map(|r| r.wall.as_secs_f64()).collect());
                let cpu = median(measured.iter().map(|r| r.cpu.as_secs_f64()).collect());
                let rss = median(
                    measured
                        .iter()
                        .map(|r| r.max_rss_kib as f64 / 1024.0)
                        .collect(),
                );
                let calls = median(measured.iter().map(|r| r.calls as f64).collect());
                let ratio = if bound > 0.0 {
                    format!("{:.2}", wall / bound)
                } else {
                    "-".to_owned()
                };
                println!(
                    "{n:>7} {regions:>4} {:>6}ms {cmd:>6} {calls:>6} {wall:>9.3} {bound:>9.3} {ratio:>9} {cpu:>8.3} {rss:>9.1} {code:>8}",
                    latency_ms
                );
            }
            if !refresh_done && latency_ms > 0 {
                let (calls, wall) = per_resource_refresh(&emu, n, regions).await;
                println!(
                    "  per-resource refresh (Terraform style, 10 in parallel) at {n} / {regions} / {latency_ms} ms: {calls} calls, {:.2} s wall",
                    wall.as_secs_f64()
                );
                refresh_done = true;
            }
            emu.shutdown().await;
        }
        println!(
            "  ({n} / {regions}: {pages} pages per listing chain; seed and configuration written in {:.0} ms)",
            seed_time.as_secs_f64() * 1e3
        );
    }
}
