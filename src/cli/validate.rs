//! `efs-replicator validate [PATH]`: loads and validates the configuration
//! without any network call. Exit 0 when valid, 1 on any error.
//!
//! This command must never call AWS: it only reads the configuration, var
//! files and the AWS config file (for the default Region).

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::common::{load_desired_as, ConfigArgs, ErrorStyle};
use super::GlobalArgs;

/// Flags of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format of the result and the diagnostics.
    #[arg(long, value_enum, default_value = "human", conflicts_with = "json")]
    pub format: ValidateFormat,
    /// Same as --format json: the result and the diagnostics as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Output formats of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// Diagnostics with source lines on stderr.
    Human,
    /// JSON on stdout (schema in docs/config.md).
    Json,
    /// GitHub Actions workflow commands on stdout (`::error file=...,line=...::...`),
    /// which show as annotations on the pull request's diff.
    Github,
}

/// Runs `validate`.
pub async fn run(args: ValidateArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let format = if args.json {
        ValidateFormat::Json
    } else {
        args.format
    };
    let style = match format {
        ValidateFormat::Human => ErrorStyle::Human,
        ValidateFormat::Json => ErrorStyle::Json,
        ValidateFormat::Github => ErrorStyle::Github,
    };
    let Some(desired) = load_desired_as(&args.config, global, style).await? else {
        return Ok(ExitCode::from(1));
    };
    let mut out = super::buffered_stdout();
    let (n, m) = (desired.replications.len(), desired.removed.len());
    if format == ValidateFormat::Json {
        let doc = serde_json::json!({
            "valid": true,
            "replications": desired.replications.iter().map(|r| r.address.to_string()).collect::<Vec<_>>(),
            "removed": m,
            "error_count": 0,
            "diagnostics": [],
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "The configuration is valid: {n} replication{}, {m} removed block{}.",
            if n == 1 { "" } else { "s" },
            if m == 1 { "" } else { "s" }
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
