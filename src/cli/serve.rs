//! `efs-replicator check --serve ADDR`: the check as a long-running
//! Prometheus exporter. Binds ADDR, prints `listening on http://ADDR` on
//! stderr, then re-reads the configuration, reads EFS, plans and judges
//! health every `--interval` (default 5m), serving `/metrics` and `/healthz`
//! from [`crate::exporter`]. A failed check becomes an error metric and a
//! line on stderr, never an exit. SIGTERM or SIGINT (Ctrl-C) stops it
//! gracefully: requests in flight finish, the exit code is 0.
//!
//! Like `check`, this never changes anything in EFS.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;

use super::common::{extra_regions, load_options, region_flags, ConfigArgs};
use super::connect::discover_state_at;
use super::GlobalArgs;
use crate::config;
use crate::exporter;
use crate::health::{assess, CheckReport, HealthOptions};
use crate::model::Region;
use crate::plan::{plan, PlanOptions};

/// What one check needs, owned so the loop can run it again and again.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The configuration and its variables.
    pub config: ConfigArgs,
    /// The global flags (endpoint, profile, emulator).
    pub global: GlobalArgs,
    /// Extra Regions to scan.
    pub extra: Vec<Region>,
    /// Grace periods and whether unmanaged replications count as drift.
    pub health: HealthOptions,
}

/// One check: load the configuration, read EFS, plan, judge health. Every
/// failure is returned as one line of text (for the log and the metric).
pub async fn check_once(opts: &ServeOptions) -> Result<CheckReport, String> {
    let load = load_options(&opts.config, &opts.global).await;
    let desired = config::load(&opts.config.path(), &load).map_err(|diags| {
        let first = diags.iter().next().map(|d| {
            diags
                .location(d)
                .map(|(p, at, _)| format!("{p}:{}:{}: {}", at.line, at.column, d.message))
                .unwrap_or_else(|| d.message.clone())
        });
        match first {
            Some(f) => format!("configuration: {diags}; first: {f}"),
            None => format!("configuration: {diags}"),
        }
    })?;
    region_flags(&opts.global, desired.settings.skip_region_validation)
        .map_err(|e| format!("{e:#}"))?;
    // Lag against the service's clock (the emulator's with --emulator).
    let (actual, now) = discover_state_at(&opts.global, &desired, &opts.extra)
        .await
        .map_err(|e| format!("reading EFS: {e:#}"))?;
    let plan = plan(&desired, &actual, &PlanOptions::default()).map_err(|errors| {
        let all: Vec<String> = errors.0.iter().map(|e| e.to_string()).collect();
        format!("planning: {}", all.join("; "))
    })?;
    Ok(assess(&desired, &actual, &plan, now, &opts.health))
}

/// Runs the exporter until SIGTERM or SIGINT.
pub async fn run(
    addr: &str,
    interval: Duration,
    config: ConfigArgs,
    global: &GlobalArgs,
    health: HealthOptions,
) -> anyhow::Result<ExitCode> {
    if interval.is_zero() {
        anyhow::bail!("--interval must be longer than zero, e.g. 5m");
    }
    let opts = ServeOptions {
        extra: extra_regions(global)?,
        config,
        global: global.clone(),
        health,
    };
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("could not listen on {addr} (--serve takes HOST:PORT, e.g. 0.0.0.0:9465)")
    })?;
    let local = listener.local_addr()?;
    eprintln!(
        "listening on http://{local} (/metrics, /healthz); checking every {}",
        humantime::format_duration(interval)
    );
    exporter::serve(
        listener,
        interval,
        move || {
            let opts = opts.clone();
            async move { check_once(&opts).await }
        },
        |line| eprintln!("{line}"),
        shutdown_signal(),
    )
    .await
    .context("the exporter stopped")?;
    eprintln!("shut down");
    Ok(ExitCode::SUCCESS)
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => eprintln!("interrupted (SIGINT), shutting down"),
        _ = term => eprintln!("terminated (SIGTERM), shutting down"),
    }
}
