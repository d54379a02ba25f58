//! `efs-replicator completions SHELL` and `efs-replicator man`: shell
//! completion scripts (clap_complete) and roff man pages (clap_mangen),
//! generated from the same clap definitions that parse the command line, so
//! they cannot fall behind the flags. `man` prints the page of the program
//! or of one command; `man --out-dir DIR` writes every page
//! (`efs-replicator.1`, `efs-replicator-plan.1`, ...) for packaging.
//!
//! Nothing here reads a configuration or calls AWS.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use clap_complete::Shell;

use super::quiet_broken_pipe;

/// Shells `completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    /// Bash: `source <(efs-replicator completions bash)`.
    Bash,
    /// Zsh: write to a file named `_efs-replicator` on `$fpath`.
    Zsh,
    /// Fish: write to ~/.config/fish/completions/efs-replicator.fish.
    Fish,
    /// PowerShell: add `efs-replicator completions powershell | Out-String | Invoke-Expression` to $PROFILE.
    Powershell,
}

impl CompletionShell {
    fn shell(self) -> Shell {
        match self {
            CompletionShell::Bash => Shell::Bash,
            CompletionShell::Zsh => Shell::Zsh,
            CompletionShell::Fish => Shell::Fish,
            CompletionShell::Powershell => Shell::PowerShell,
        }
    }
}

/// Flags of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// Flags of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (default: the program's page).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
    /// Write every page (efs-replicator.1, efs-replicator-COMMAND.1) into DIR
    /// instead of printing one.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub out_dir: Option<PathBuf>,
}

/// The completion script for `shell`.
pub fn completion_script(shell: CompletionShell) -> Vec<u8> {
    let mut cmd = super::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell.shell(), &mut cmd, "efs-replicator", &mut buf);
    buf
}

/// Every man page as (file name, roff text): the program's, then one per
/// command, in the order of `--help`.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = super::command();
    cmd.build();
    let mut pages = Vec::new();
    let mut top = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut top)?;
    pages.push(("efs-replicator.1".to_owned(), top));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("efs-replicator-{}", sub.get_name());
        let sub = sub
            .clone()
            .bin_name(format!("efs-replicator {}", sub.get_name()))
            .display_name(name.clone())
            .version(env!("CARGO_PKG_VERSION"));
        let mut page = Vec::new();
        clap_mangen::Man::new(sub)
            .title(name.to_uppercase())
            .source(format!("efs-replicator {}", env!("CARGO_PKG_VERSION")))
            .render(&mut page)?;
        pages.push((format!("{name}.1"), page));
    }
    Ok(pages)
}

/// Runs `completions`.
pub fn run_completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let script = completion_script(args.shell);
    let mut out = std::io::stdout().lock();
    quiet_broken_pipe(out.write_all(&script).and_then(|()| out.flush()))?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `man`.
pub fn run_man(args: ManArgs) -> anyhow::Result<ExitCode> {
    let pages = man_pages()?;
    if let Some(dir) = &args.out_dir {
        write_pages(dir, &pages)?;
        return Ok(ExitCode::SUCCESS);
    }
    let wanted = match &args.command {
        Some(c) => format!("efs-replicator-{c}.1"),
        None => "efs-replicator.1".to_owned(),
    };
    let Some((_, page)) = pages.iter().find(|(n, _)| *n == wanted) else {
        let names: Vec<&str> = pages
            .iter()
            .skip(1)
            .map(|(n, _)| {
                n.trim_start_matches("efs-replicator-")
                    .trim_end_matches(".1")
            })
            .collect();
        anyhow::bail!(
            "no command {:?}: man takes one of {}",
            args.command.unwrap_or_default(),
            names.join(", ")
        );
    };
    let mut out = std::io::stdout().lock();
    quiet_broken_pipe(out.write_all(page).and_then(|()| out.flush()))?;
    Ok(ExitCode::SUCCESS)
}

fn write_pages(dir: &Path, pages: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    for (name, page) in pages {
        let path = dir.join(name);
        std::fs::write(&path, page)
            .with_context(|| format!("could not write {}", path.display()))?;
    }
    Ok(())
}
