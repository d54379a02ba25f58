//! `efs-replicator fmt [--check] [PATH]`: canonical formatting.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::GlobalArgs;

/// Flags of `fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// A .hcl file or a directory of them (default: the current directory).
    pub path: Option<PathBuf>,
}

/// Runs `fmt`.
pub async fn run(_args: FmtArgs, _global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("fmt is not built yet")
}
