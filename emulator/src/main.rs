//! The `efs-emulator` binary: parses flags into a [`efs_emulator::Config`],
//! starts the emulator, prints `listening on http://ADDR` as the first line
//! on stdout, and on Ctrl-C or SIGTERM stops and writes the state file.
//!
//! Only CLI concerns live here; it must never contain emulator behaviour.

use anyhow::Context;
use clap::Parser;
use efs_emulator::{ListingScope, OwnerIds};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Wire-compatible emulator of the Amazon EFS replication APIs.
#[derive(Debug, Parser)]
#[command(name = "efs-emulator", version)]
struct Args {
    /// Address to listen on (port 0 = any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Persist state to this JSON file (atomic replace); in memory without it.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Account of callers whose access key is not mapped.
    #[arg(long, default_value = "123456789012")]
    account_id: String,
    /// Map an access key id to an account (repeatable), e.g. AKIDB=222233334444.
    #[arg(long, value_name = "KEY=ACCOUNT", value_parser = parse_key_account)]
    access_key_account: Vec<(String, String)>,
    /// File system creating -> available.
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    create_delay: Duration,
    /// Replication ENABLING -> ENABLED.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    enable_delay: Duration,
    /// Replication DELETING -> gone.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    delete_delay: Duration,
    /// From ENABLED to the first LastReplicatedTimestamp.
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    initial_sync_delay: Duration,
    /// How often LastReplicatedTimestamp advances.
    #[arg(long, default_value = "1m", value_parser = humantime::parse_duration)]
    sync_interval: Duration,
    /// Added to every API request.
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    latency: Duration,
    /// Mutating calls per second per account and Region (ThrottlingException beyond).
    #[arg(long, value_name = "N")]
    throttle_rps: Option<f64>,
    /// Whether an unfiltered DescribeReplicationConfigurations also lists
    /// replications whose destination is in the Region: both | source.
    #[arg(long, default_value = "both", value_parser = clap::value_parser!(ListingScope))]
    listing_scope: ListingScope,
    /// Owner ids in replication descriptions: always | cross-account-only.
    #[arg(long, default_value = "always", value_parser = clap::value_parser!(OwnerIds))]
    owner_ids: OwnerIds,
    /// After a delete, the destination side stays DELETING this long after
    /// the source side is gone.
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    destination_delete_lag: Duration,
    /// HTTP status of ThrottlingException: 400 (as EFS answers) or 429.
    #[arg(long, default_value = "400", value_parser = efs_emulator::variants::parse_throttle_status)]
    throttle_status: u16,
    /// DeleteFileSystem leaves the file system `deleting` this long.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    file_system_delete_delay: Duration,
}

fn parse_key_account(s: &str) -> Result<(String, String), String> {
    let (k, a) = s
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=ACCOUNT, got '{s}'"))?;
    if k.is_empty() || a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "expected KEY=ACCOUNT with a 12-digit account, got '{s}'"
        ));
    }
    Ok((k.to_string(), a.to_string()))
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
        .and_then(|runtime| runtime.block_on(run(args)));
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One line, each cause once (no "Caused by:" block or backtrace).
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let config = efs_emulator::Config {
        listen: args.listen,
        state_file: args.state,
        account_id: args.account_id,
        access_key_accounts: args
            .access_key_account
            .into_iter()
            .collect::<BTreeMap<_, _>>(),
        create_delay: args.create_delay,
        enable_delay: args.enable_delay,
        delete_delay: args.delete_delay,
        initial_sync_delay: args.initial_sync_delay,
        sync_interval: args.sync_interval,
        latency: args.latency,
        throttle_rps: args.throttle_rps,
        listing_scope: args.listing_scope,
        owner_ids: args.owner_ids,
        destination_delete_lag: args.destination_delete_lag,
        throttle_status: args.throttle_status,
        file_system_delete_delay: args.file_system_delete_delay,
    };
    let emulator = efs_emulator::start(config).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", emulator.base_url())?;
        out.flush()?;
    }
    wait_for_stop().await;
    emulator.shutdown().await;
    Ok(())
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
