//! `efs-replicator probe --region A --region B`: says what it will create
//! and roughly what it costs, asks for `yes` (or `--yes`; never acts without
//! a terminal otherwise), runs the probe with progress on stderr, and
//! prints the report (text, or JSON with `--json`) on stdout.
//! `probe --cleanup --region R...` removes leftovers of earlier probes,
//! found by their tag.
//!
//! Ctrl-C or SIGTERM stops the probe and deletes what it created; a second
//! one exits at once, listing what is left with the commands to remove it.
//! Exit codes: 0 done and nothing left, 1 an error or something left, 130
//! interrupted.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use tokio::sync::watch;

use super::common::region_flags;
use super::connect::connect;
use super::GlobalArgs;
use crate::model::Region;
use crate::probe::{
    cleanup, find_leftovers, leftovers_text, new_probe_id, render_human, run_probe, CommandStyle,
    Ledger, ProbeEfs, ProbeOptions, ProbeReport, NAME_PREFIX,
};

/// Flags of `probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Print the report as JSON on stdout (progress stays on stderr).
    #[arg(long)]
    pub json: bool,
    /// Bound of each wait (file systems available, ENABLED and the first
    /// LastReplicatedTimestamp, the replication gone, file systems gone).
    #[arg(long, default_value = "30m", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// Time between two polls: the resolution of every measured duration.
    #[arg(long, default_value = "15s", value_parser = humantime::parse_duration)]
    pub poll_interval: Duration,
    /// Also send a short burst of DescribeFileSystems calls (SDK retries
    /// off) to see how EFS answers throttling.
    #[arg(long)]
    pub throttle_probe: bool,
    /// Calls in the throttling burst at most.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=2000))]
    pub throttle_calls: u32,
    /// Remove leftovers of earlier probes (file systems tagged
    /// efs-replicator-probe, and their replications) in the given Regions,
    /// instead of probing.
    #[arg(long)]
    pub cleanup: bool,
}

/// Runs `probe`.
pub async fn run(args: ProbeArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let regions = region_flags(global, false)?;
    if args.cleanup {
        if regions.is_empty() {
            anyhow::bail!("probe --cleanup needs the Regions to search: --region A --region B");
        }
        return run_cleanup(&args, global, &regions).await;
    }
    let (a, b) = match regions.as_slice() {
        [a, b] if a != b => (a.clone(), b.clone()),
        _ => anyhow::bail!(
            "probe needs two different Regions: --region A --region B (the source, then the destination of its replication)"
        ),
    };
    if args.poll_interval.is_zero() {
        anyhow::bail!("--poll-interval must be more than 0s");
    }
    let probe_id = new_probe_id();
    let mut notice = notice_stream(args.json);
    write!(notice, "{}", intro(&a, &b, &probe_id, &args))?;
    if !confirmed(args.yes, &mut notice, "run the probe")? {
        return Ok(ExitCode::from(1));
    }
    let conn = connect(global, None).await?;
    let style = CommandStyle {
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone().or_else(|| conn.emulator_url()),
    };
    let opts = ProbeOptions {
        source_region: a,
        destination_region: b,
        probe_id,
        timeout: args.timeout,
        poll_interval: args.poll_interval,
        throttle_probe: args.throttle_probe,
        throttle_calls: args.throttle_calls,
        commands: style.clone(),
    };
    let ledger = Ledger::default();
    let (rx, signals) = watch_signals(
        ledger.clone(),
        style,
        "stopping, then deleting what the probe created",
    );
    let efs = ProbeEfs::new(conn.reader.default_reader());
    let started = Instant::now();
    let progress = move |msg: &str| {
        eprintln!("[{:>7.1}s] {msg}", started.elapsed().as_secs_f64());
    };
    let run = run_probe(&efs, &opts, &ledger, &progress, rx).await;
    signals.abort();
    conn.close().await;
    let report = ProbeReport::new(&opts, &run);
    let written = super::write_stdout(|out| {
        if args.json {
            serde_json::to_writer_pretty(&mut *out, &report).map_err(std::io::Error::other)?;
            writeln!(out)
        } else {
            writeln!(out)?;
            render_human(&report, out)
        }
    });
    super::quiet_broken_pipe(written)?;
    Ok(if run.interrupted {
        ExitCode::from(130)
    } else if run.error.is_some() || !run.cleanup.leftovers.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Where notices and the question go: stdout, or stderr when stdout is JSON.
fn notice_stream(json: bool) -> Box<dyn Write> {
    if json {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    }
}

fn intro(a: &Region, b: &Region, id: &str, args: &ProbeArgs) -> String {
    let name = format!("{NAME_PREFIX}-{id}");
    format!(
        "The probe will create, tagged {tag}={id} and named {name}:\n\
         \x20 - file system {name} in {a} (the source; General Purpose, bursting, no mount targets)\n\
         \x20 - file system {name} in {b} (an existing destination, protection ENABLED)\n\
         \x20 - a replication {a} -> {b}, which makes EFS create a third file system in {b}\n\
         It then tries calls EFS refuses, watches the replication become ENABLED, deletes it and\n\
         watches both sides go, and deletes the file systems{throttle}.\n\
         Each wait is bounded by --timeout {timeout} (on AWS the whole run takes about 10 to 60 minutes).\n\
         Rough cost: less than US$0.01 (empty file systems, about 12 MiB of replication\n\
         metadata, for under an hour; EFS API calls are not charged).\n\
         Everything is deleted at the end, on error and on Ctrl-C; leftovers are listed with the\n\
         commands to remove them, and `efs-replicator probe --cleanup --region {a} --region {b}`\n\
         finds them by tag.\n",
        tag = crate::probe::TAG_KEY,
        throttle = if args.throttle_probe {
            format!(
                ", after a burst of up to {} DescribeFileSystems calls in {a} to see throttling",
                args.throttle_calls
            )
        } else {
            String::new()
        },
        timeout = humantime::format_duration(args.timeout),
    )
}

/// Asks for `yes` unless `yes`; refuses without a terminal.
fn confirmed(yes: bool, notice: &mut dyn Write, what: &str) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        eprintln!("error: probe creates and deletes resources and needs approval, and stdin is not a terminal so it cannot ask.\n  Review the list above and run again with --yes.");
        return Ok(false);
    }
    write!(
        notice,
        "\nDo you want to {what}?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    )?;
    notice.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    // (Read before any resource exists: nothing to clean up on Ctrl-C here.)
    if line.trim() != "yes" {
        writeln!(notice, "\nCancelled; nothing was created or deleted.")?;
        return Ok(false);
    }
    Ok(true)
}

/// Ctrl-C or SIGTERM sets the returned flag; a second one lists what the
/// ledger still holds, with the commands to remove it, and exits 130.
fn watch_signals(
    ledger: Ledger,
    style: CommandStyle,
    first: &'static str,
) -> (watch::Receiver<bool>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(async move {
        if !signal().await {
            return;
        }
        let _ = tx.send(true);
        eprintln!("\nInterrupt received: {first}. Press Ctrl-C again to exit at once (what is left is then listed).");
        if !signal().await {
            return;
        }
        let left = ledger.leftovers(&style);
        if !left.is_empty() {
            eprint!("{}", leftovers_text(&left));
        }
        std::process::exit(130);
    });
    (rx, task)
}

/// Waits for Ctrl-C or SIGTERM; false if signals cannot be listened to.
async fn signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return tokio::signal::ctrl_c().await.is_ok();
        };
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.is_ok(),
            _ = term.recv() => true,
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}

async fn run_cleanup(
    args: &ProbeArgs,
    global: &GlobalArgs,
    regions: &[Region],
) -> anyhow::Result<ExitCode> {
    let conn = connect(global, None).await?;
    let result = cleanup_connected(args, global, regions, &conn).await;
    conn.close().await;
    result
}

async fn cleanup_connected(
    args: &ProbeArgs,
    global: &GlobalArgs,
    regions: &[Region],
    conn: &super::connect::Connection,
) -> anyhow::Result<ExitCode> {
    let efs = ProbeEfs::new(conn.reader.default_reader());
    let style = CommandStyle {
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone().or_else(|| conn.emulator_url()),
    };
    let ledger = find_leftovers(&efs, regions).await?;
    let region_list = regions
        .iter()
        .map(Region::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let mut notice = notice_stream(args.json);
    let found = ledger.leftovers(&style);
    if found.is_empty() {
        writeln!(notice, "No probe leftovers in {region_list}.")?;
        if args.json {
            println!(
                "{}",
                serde_json::json!({"found": [], "removed": [], "leftovers": [], "errors": []})
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(notice, "Probe leftovers in {region_list} (replications are deleted first, then, once they are gone, the file systems):")?;
    for l in &found {
        writeln!(notice, "  {}", l.resource)?;
    }
    if !confirmed(args.yes, &mut notice, "delete these")? {
        return Ok(ExitCode::from(1));
    }
    let (_rx, signals) = watch_signals(ledger.clone(), style.clone(), "the cleanup goes on");
    let started = Instant::now();
    let progress = move |msg: &str| {
        eprintln!("[{:>7.1}s] {msg}", started.elapsed().as_secs_f64());
    };
    let report = cleanup(
        &efs,
        &ledger,
        args.timeout,
        args.poll_interval,
        &style,
        &progress,
    )
    .await;
    signals.abort();
    if args.json {
        let found: Vec<&str> = found.iter().map(|l| l.resource.as_str()).collect();
        println!(
            "{}",
            serde_json::json!({"found": found, "removed": report.removed, "leftovers": report.leftovers, "errors": report.errors})
        );
    } else if report.leftovers.is_empty() {
        println!("Removed: {}.", report.removed.join(", "));
    } else {
        print!("{}", leftovers_text(&report.leftovers));
    }
    for e in &report.errors {
        eprintln!("error: {e}");
    }
    Ok(if report.leftovers.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
