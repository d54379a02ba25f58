//! `efs-replicator validate [PATH]`: loads and validates the configuration
//! without any network call.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::GlobalArgs;

/// Flags of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A .hcl file or a directory of them (default: the current directory).
    pub path: Option<PathBuf>,
}

/// Runs `validate`.
pub async fn run(_args: ValidateArgs, _global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("validate is not built yet")
}
