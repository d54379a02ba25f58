//! `efs-replicator fmt [--check] [PATH]`: rewrites configuration files in
//! canonical format, or with `--check` prints a unified diff of what would
//! change (and names each such file on stderr) and exits 1, as it does
//! when a file cannot be parsed.
//!
//! A file is replaced atomically (temporary file in the same directory, then
//! rename) and only when every file parsed: a syntax error anywhere means no
//! file is written.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use super::common::{stderr_color, write_atomically};
use super::{quiet_broken_pipe, write_stdout, GlobalArgs};
use crate::config::{self, format::format_source};

/// Flags of `fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// A .hcl file or a directory of them (default: the current directory).
    pub path: Option<PathBuf>,
    /// Do not write; print a diff and exit 1 when a file is not formatted.
    #[arg(long)]
    pub check: bool,
}

/// Runs `fmt`.
pub async fn run(args: FmtArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let path = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let files = config::config_files(&path)?;
    let mut changed: Vec<(PathBuf, String, String)> = Vec::new();
    let mut failed = false;
    for f in &files {
        let text = config::limits::read_file(f)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display()))?;
        match format_source(&f.display().to_string(), &text) {
            Ok(formatted) if formatted != text => changed.push((f.clone(), text, formatted)),
            Ok(_) => {}
            Err(diags) => {
                failed = true;
                diags.render_human(&mut std::io::stderr().lock(), stderr_color(global))?;
            }
        }
    }
    if failed && !args.check {
        eprintln!("no file was changed: fmt rewrites files only when every one parses");
        return Ok(ExitCode::from(1));
    }
    if args.check {
        for (f, _, _) in &changed {
            eprintln!("{}: not formatted (the diff is on stdout)", f.display());
        }
        quiet_broken_pipe(write_stdout(|out| {
            for (f, old, new) in &changed {
                let name = f.display().to_string();
                let diff = similar::TextDiff::from_lines(old, new);
                write!(
                    out,
                    "{}",
                    diff.unified_diff().context_radius(3).header(&name, &name)
                )?;
            }
            Ok(())
        }))?;
        if failed {
            eprintln!("the files with syntax errors above could not be checked");
        } else if !changed.is_empty() {
            eprintln!(
                "{} of {} file(s) not formatted; run `efs-replicator fmt` to rewrite them",
                changed.len(),
                files.len()
            );
        }
        return Ok(if changed.is_empty() && !failed {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let mut out = std::io::stdout().lock();
    for (f, _, new) in &changed {
        write_atomically(f, |w| w.write_all(new.as_bytes()))
            .with_context(|| format!("cannot write {}", f.display()))?;
        writeln!(out, "{}", f.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
