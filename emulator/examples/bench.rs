//! Benchmark of the EFS emulator (prints figures; asserts nothing):
//! 1. creates 10,000 replications in us-east-1 through the real SDK;
//! 2. pages through them with DescribeReplicationConfigurations
//!    (MaxResults=100), reporting server-side time per page (measured inside
//!    the emulator around routing, the store call and JSON encoding, read
//!    from its request log) and the SDK round trip over loopback;
//! 3. opens 200 TCP connections at once and sends requests on all of them
//!    concurrently, counting errors.
//!
//! Run: `cargo run --release -p efs-emulator --example bench`, and with
//! `-- --state [FILE]` to persist the state to a file (a temporary one when
//! no FILE is given) as `--state` does (written behind the mutations,
//! coalesced); the number of writes, the state file's size, and the time a
//! write's parts take at that size are printed at the end. `--replications
//! N` changes the 10,000.
//! It talks only to 127.0.0.1 and must never be used as a test.

use aws_sdk_efs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_efs::types::DestinationToCreate;
use aws_sdk_efs::Client;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DEFAULT_REPLICATIONS: usize = 10_000;
const PASSES: usize = 5;
const CONNECTIONS: usize = 200;
const REQUESTS_PER_CONNECTION: usize = 10;

fn client(url: &str, region: &str) -> Client {
    let conf = aws_sdk_efs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new("AKIDBENCH", "secret", None, None, "bench"))
        .endpoint_url(url)
        .build();
    Client::from_conf(conf)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn summary(label: &str, mut v: Vec<f64>) {
    v.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{label}: n={} median={:.3} ms p99={:.3} ms max={:.3} ms",
        v.len(),
        percentile(&v, 0.5),
        percentile(&v, 0.99),
        v.last().copied().unwrap_or(f64::NAN)
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let temp = tempfile::tempdir()?;
    let mut state_file = None;
    let mut replications = DEFAULT_REPLICATIONS;
    let mut args = std::env::args().skip(1).peekable();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--state" => {
                state_file = Some(match args.next_if(|v| !v.starts_with("--")) {
                    Some(path) => std::path::PathBuf::from(path),
                    None => temp.path().join("state.json"),
                })
            }
            "--replications" => {
                replications = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--replications needs a positive number")?
            }
            other => {
                return Err(format!(
                "unknown argument {other:?}; the arguments are --state [FILE] and --replications N"
            )
                .into())
            }
        }
    }
    let config = efs_emulator::Config {
        enable_delay: Duration::ZERO,
        initial_sync_delay: Duration::ZERO,
        state_file: state_file.clone(),
        ..efs_emulator::Config::default()
    };
    let emu = efs_emulator::start(config).await?;
    let url = emu.base_url().to_string();
    match &state_file {
        Some(f) => println!("emulator at {url}, state persisted to {}", f.display()),
        None => println!("emulator at {url}, state in memory only"),
    }

    // 1. Populate.
    let started = Instant::now();
    let east = client(&url, "us-east-1");
    let workers = 16;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let c = east.clone();
        tasks.push(tokio::spawn(async move {
            for i in (w..replications).step_by(workers) {
                let fs = c
                    .create_file_system()
                    .creation_token(format!("bench-{i}"))
                    .send()
                    .await
                    .expect("CreateFileSystem");
                c.create_replication_configuration()
                    .source_file_system_id(fs.file_system_id())
                    .destinations(DestinationToCreate::builder().region("us-east-1").build())
                    .send()
                    .await
                    .expect("CreateReplicationConfiguration");
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "populate: {replications} replications (+{} file systems) via the SDK with {workers} workers in {secs:.1} s ({:.0} calls/s)",
        replications * 2,
        (replications * 2) as f64 / secs
    );

    // 2. Page through everything PASSES times.
    let stats_before = emu.stats();
    let seq_before = stats_before["requests"]
        .as_array()
        .and_then(|a| a.last())
        .and_then(|r| r["seq"].as_u64())
        .unwrap_or(0);
    let mut client_ms = Vec::new();
    let mut pages = 0;
    for _ in 0..PASSES {
        let mut token: Option<String> = None;
        let mut seen = 0;
        loop {
            let t = Instant::now();
            let out = east
                .describe_replication_configurations()
                .max_results(100)
                .set_next_token(token.clone())
                .send()
                .await?;
            client_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            pages += 1;
            seen += out.replications().len();
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        assert_eq!(seen, replications, "every replication listed once");
    }
    let stats = emu.stats();
    let server_ms: Vec<f64> = stats["requests"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|r| r["seq"].as_u64().unwrap_or(0) > seq_before)
                .filter(|r| r["operation"] == "DescribeReplicationConfigurations")
                .filter_map(|r| r["duration_us"].as_u64())
                .map(|us| us as f64 / 1000.0)
                .collect()
        })
        .unwrap_or_default();
    println!("DescribeReplicationConfigurations, {replications} replications, pages of 100, {pages} pages:");
    summary(
        "  server-side time per page (inside the emulator)",
        server_ms,
    );
    summary(
        "  SDK round trip per page (client loop over loopback)",
        client_ms,
    );

    // 3. 200 concurrent connections.
    let addr = emu.local_addr();
    let auth = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20240101/us-east-1/elasticfilesystem/aws4_request, SignedHeaders=host, Signature=00";
    let mut conns = Vec::new();
    for _ in 0..CONNECTIONS {
        conns.push(tokio::net::TcpStream::connect(addr).await?);
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(CONNECTIONS));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mut s in conns {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut ok = 0usize;
            let mut errors = 0usize;
            let mut latencies = Vec::new();
            for _ in 0..REQUESTS_PER_CONNECTION {
                let t = Instant::now();
                match one_request(&mut s, auth).await {
                    Ok(200) => ok += 1,
                    _ => {
                        errors += 1;
                        break;
                    }
                }
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            (ok, errors, latencies)
        }));
    }
    let (mut ok, mut errors, mut lat) = (0, 0, Vec::new());
    for t in tasks {
        let (o, e, l) = t.await?;
        ok += o;
        errors += e;
        lat.extend(l);
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{CONNECTIONS} concurrent keep-alive connections x {REQUESTS_PER_CONNECTION} DescribeReplicationConfigurations (100 items): {ok} ok, {errors} errors, {secs:.2} s ({:.0} req/s)",
        ok as f64 / secs
    );
    summary("  round trip under 200-connection load", lat);
    if state_file.is_some() {
        println!(
            "state file writes during the run: {}",
            emu.stats()["state_writes"]
        );
    }
    emu.shutdown().await;
    if let Some(f) = &state_file {
        println!(
            "state file: {} bytes",
            std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)
        );
        // What one write pays at this size: cloning the records (under
        // the store's lock), encoding them and the atomic replace of the
        // file (both outside it).
        let doc = efs_emulator::persist::load(f)?.ok_or("the state file is missing")?;
        let (mut clone_ms, mut encode_ms, mut write_ms) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..5 {
            let t = Instant::now();
            let copy = doc.clone();
            clone_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let bytes = efs_emulator::persist::encode(&copy);
            encode_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            efs_emulator::persist::write_atomic(f, &bytes)?;
            write_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        summary(
            "  cloning the records, per write (under the lock)",
            clone_ms,
        );
        summary("  encoding the state document, per write", encode_ms);
        summary("  atomic replace of the state file, per write", write_ms);
    }
    Ok(())
}

/// One keep-alive request; returns the status after reading the whole body.
async fn one_request(s: &mut tokio::net::TcpStream, auth: &str) -> std::io::Result<u16> {
    let req = format!(
        "GET /2015-02-01/file-systems/replication-configurations?MaxResults=100 HTTP/1.1\r\nHost: bench\r\nAuthorization: {auth}\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut chunk = [0u8; 16 * 1024];
    let header_end = loop {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_lowercase();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + len {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(status)
}
