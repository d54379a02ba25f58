//! `efs-replicator validate [PATH]`: loads and validates the configuration
//! without any network call. Exit 0 when valid, 1 on any error.
//!
//! This command must never call AWS: it only reads the configuration, var
//! files and the AWS config file (for the default Region).

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::common::{load_desired, ConfigArgs};
use super::{quiet_broken_pipe, write_stdout, GlobalArgs};

/// Flags of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print the result and the diagnostics as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `validate`.
pub async fn run(args: ValidateArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let Some(desired) = load_desired(&args.config, global, args.json)? else {
        return Ok(ExitCode::from(1));
    };
    let (n, m) = (desired.replications.len(), desired.removed.len());
    let written = write_stdout(|out| {
        if args.json {
            let doc = serde_json::json!({
                "valid": true,
                "replications": desired.replications.iter().map(|r| r.address.to_string()).collect::<Vec<_>>(),
                "removed": m,
                "error_count": 0,
                "diagnostics": [],
            });
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        } else {
            writeln!(
                out,
                "The configuration is valid: {n} replication{}, {m} removed block{}.",
                if n == 1 { "" } else { "s" },
                if m == 1 { "" } else { "s" }
            )
        }
    });
    quiet_broken_pipe(written)?;
    Ok(ExitCode::SUCCESS)
}
