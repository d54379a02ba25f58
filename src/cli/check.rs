//! `efs-replicator check [PATH]`: the plan's discovery and diff, plus the
//! health of every declared replication (status, replication lag), for
//! scheduled drift jobs. Prints a table, JSON (`--json`) or Prometheus text
//! (`--format prometheus`), Markdown or GitHub annotations, on stdout or
//! atomically into `--out FILE`; or, with `--serve ADDR`, runs as a
//! Prometheus exporter (`cli/serve.rs`).
//!
//! Exit codes: 0 in sync and healthy, 2 drift or unhealthy, 1 error
//! (configuration, discovery or preflight). This command never changes
//! anything in EFS.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use super::common::{
    extra_regions, load_desired_as, print_plan_errors_as, write_atomically, ConfigArgs, ErrorStyle,
};
use super::connect::discover_state_at;
use super::{quiet_broken_pipe, GlobalArgs};
use crate::health::markdown::render_markdown;
use crate::health::render::{render_json, render_prometheus, render_table};
use crate::health::{assess, HealthOptions};
use crate::plan::{plan, PlanOptions};
use crate::render::github::render_report_github;

/// Output formats of `check`: `table`, `json`, `prometheus`, `markdown`,
/// `github`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
// Plain comments, not doc comments, on the variants: a described possible
// value turns `--help` into clap's long format; `--format` describes them.
pub enum CheckFormat {
    // An aligned table with details and a summary line.
    Table,
    // JSON (schema in docs/drift-jobs.md).
    Json,
    // Prometheus text format for node_exporter's textfile collector.
    Prometheus,
    // Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY.
    Markdown,
    // The table, with GitHub Actions annotations for errors, unhealthy
    // replications and drift.
    Github,
}

/// Flags of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format: an aligned table, JSON (schema in
    /// docs/drift-jobs.md), Prometheus text for node_exporter's textfile
    /// collector, Markdown (a pull-request comment or
    /// $GITHUB_STEP_SUMMARY), or the table with GitHub Actions annotations.
    #[arg(long, value_enum, default_value = "table", conflicts_with = "json")]
    pub format: CheckFormat,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
    /// Write the output to FILE (atomically: a temporary file renamed into
    /// place) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// How long after its creation a replication may stay ENABLING.
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_duration)]
    pub enabling_grace: Duration,
    /// How long after its creation a replication may have no
    /// LastReplicatedTimestamp (the initial copy of a large file system takes time).
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub initial_sync_grace: Duration,
    /// Count replications in scope that no block declares as drift (exit 2).
    #[arg(long)]
    pub fail_on_unmanaged: bool,
    /// Run as a Prometheus exporter on ADDR (HOST:PORT): serve /metrics and
    /// /healthz, checking again every --interval, until SIGTERM or SIGINT.
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["out", "json", "format"])]
    pub serve: Option<String>,
    /// With --serve: how often to check.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration, requires = "serve")]
    pub interval: Duration,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("{e}; write a duration such as 90s, 15m or 2h"))
}

impl CheckArgs {
    fn format(&self) -> CheckFormat {
        if self.json {
            CheckFormat::Json
        } else {
            self.format
        }
    }
}

/// Runs `check`.
pub async fn run(args: CheckArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let health = HealthOptions {
        enabling_grace: args.enabling_grace,
        initial_sync_grace: args.initial_sync_grace,
        unmanaged_is_drift: args.fail_on_unmanaged,
    };
    if let Some(addr) = &args.serve {
        return super::serve::run(addr, args.interval, args.config.clone(), global, health).await;
    }
    let format = args.format();
    let style = match format {
        CheckFormat::Json => ErrorStyle::Json,
        CheckFormat::Markdown => ErrorStyle::Markdown,
        CheckFormat::Github => ErrorStyle::Github,
        CheckFormat::Table | CheckFormat::Prometheus => ErrorStyle::Human,
    };
    let Some(desired) = load_desired_as(&args.config, global, style).await? else {
        return Ok(ExitCode::from(1));
    };
    let extra = extra_regions(global)?;
    // Lag is measured against the service's clock: with --emulator, the
    // emulator's (which `POST /_emulator/clock` moves).
    let (actual, now) = discover_state_at(global, &desired, &extra).await?;
    let planned = plan(&desired, &actual, &PlanOptions::default());
    let plan = match planned {
        Ok(p) => p,
        Err(errors) => {
            print_plan_errors_as(&errors, style, global)?;
            return Ok(ExitCode::from(1));
        }
    };
    let report = assess(&desired, &actual, &plan, now, &health);
    let render = |w: &mut dyn Write| -> std::io::Result<()> {
        let mut w = w;
        match format {
            CheckFormat::Table => render_table(&report, &mut w),
            CheckFormat::Json => render_json(&report, &mut w),
            CheckFormat::Prometheus => render_prometheus(&report, &mut w),
            CheckFormat::Markdown => render_markdown(&report, &mut w),
            CheckFormat::Github => {
                render_table(&report, &mut w).and_then(|()| render_report_github(&report, &mut w))
            }
        }
    };
    match &args.out {
        Some(path) => write_atomically(path, |f| render(f))
            .with_context(|| format!("could not write {}", path.display()))?,
        None => {
            let mut stdout = super::buffered_stdout();
            quiet_broken_pipe(render(&mut stdout).and_then(|()| stdout.flush()))?;
        }
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
