//! `efs-replicator export [--region R]... [--account NAME=ROLE_ARN]...
//! [--out FILE]`: writes HCL for every replication found in the given
//! Regions (default: the configured Region), one `replication` block each,
//! which `validate` accepts and `plan` then reports as `No changes.`. Each
//! `--account` is read too (its role assumed), and the account blocks the
//! replications found need are written with them. Output goes to stdout
//! or, atomically, to FILE.
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
use crate::export::{read, to_hcl_with_accounts};
use crate::model::{Account, AccountCredentials, Desired, Region, RoleArn};

/// Flags of `export` (the Regions come from the global `--region`).
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the configuration to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also read another account, through this role (repeatable); its
    /// `account "NAME"` block is written when a replication needs it.
    #[arg(long = "account", value_name = "NAME=ROLE_ARN", value_parser = parse_account)]
    pub accounts: Vec<Account>,
}

/// `NAME=ROLE_ARN`: the account's id is the role's.
fn parse_account(s: &str) -> Result<Account, String> {
    let (name, role) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=ROLE_ARN, got {s:?}"))?;
    let ok_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok_name {
        return Err(format!(
            "{name:?} is not a valid account name (a letter or _, then letters, digits, _ and -)"
        ));
    }
    let role_arn = RoleArn::parse(role).map_err(|e| {
        format!(
            "{:?} is not a valid role ARN: expected {}",
            e.value, e.expected
        )
    })?;
    Ok(Account {
        name: name.to_owned(),
        id: role_arn.account(),
        credentials: AccountCredentials::AssumeRole {
            role_arn,
            external_id: None,
            session_name: None,
        },
    })
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
        match default_region(global).await {
            Some(r) => regions.push(r),
            None => anyhow::bail!(
                "no Region to read: pass --region REGION (repeatable), or set AWS_REGION or a region in the AWS config"
            ),
        }
    }
    let desired = Desired {
        accounts: args.accounts.clone(),
        ..Desired::default()
    };
    let mut conn = connect(global, Some(&desired)).await?;
    conn.reader = conn.reader.read_everywhere(&regions);
    let found = read(&conn.reader, &regions).await;
    conn.close().await;
    let actual = found?;
    let text = to_hcl_with_accounts(&actual, &args.accounts)?;
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
