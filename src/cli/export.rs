//! `efs-replicator export [--region R]... [--out FILE]`: writes HCL for every
//! replication found in the given Regions (default: the configured Region),
//! one `replication` block each, which `validate` accepts and `plan` then
//! reports as `No changes.`. Output goes to stdout or, atomically, to FILE.
//!
//! Exit codes: 0 written, 1 error. This command never changes anything in
//! EFS and never overwrites FILE with a partial result.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use super::common::{default_region, region_flags, write_atomically};
use super::connect::connect;
use super::{quiet_broken_pipe, write_stdout, GlobalArgs};
use crate::export::{read, to_hcl};
use crate::model::Region;

/// Flags of `export` (the Regions come from the global `--region`).
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the configuration to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `export`.
pub async fn run(args: ExportArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let mut regions: Vec<Region> = Vec::new();
    for r in region_flags(global, false)? {
        if !regions.contains(&r) {
            regions.push(r);
        }
    }
    if regions.is_empty() {
        match default_region(global) {
            Some(r) => regions.push(r),
            None => anyhow::bail!(
                "no Region to read: pass --region REGION (repeatable), or set AWS_REGION or a region in the AWS config"
            ),
        }
    }
    let conn = connect(global).await?;
    let found = read(&conn.reader, &regions).await;
    conn.close().await;
    let actual = found?;
    let text = to_hcl(&actual)?;
    let blocks = actual
        .replications
        .iter()
        .filter(|r| r.destination.status != crate::model::ReplicationStatus::Deleting)
        .count();
    match &args.out {
        Some(path) => {
            write_atomically(path, |f| f.write_all(text.as_bytes()))
                .with_context(|| format!("could not write {}", path.display()))?;
            eprintln!(
                "Wrote {} to {}; check it with `efs-replicator plan {}`.",
                match blocks {
                    1 => "1 replication".to_owned(),
                    n => format!("{n} replications"),
                },
                path.display(),
                path.display()
            );
        }
        None => quiet_broken_pipe(write_stdout(|out| out.write_all(text.as_bytes())))?,
    }
    Ok(ExitCode::SUCCESS)
}
