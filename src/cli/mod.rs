//! Command-line interface: parses flags with clap, dispatches to one file per
//! command, and maps the outcome to an exit code. Commands hold CLI concerns
//! only; the work lives in the library modules.
//!
//! Exit codes: 0 success, 1 error, 2 changes or drift (where a command
//! documents it), 130 interrupted.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

pub mod apply;
pub mod check;
pub mod common;
pub mod completions;
pub mod connect;
pub mod export;
pub mod fmt;
pub mod plan;
pub mod probe;
pub mod serve;
pub mod validate;

/// Flags accepted before or after the subcommand. A command that ignores
/// some (validate and fmt make no EFS call) accepts them but hides them
/// from its `--help` ([`command`]).
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// AWS Region (repeatable); what it means depends on the command (see
    /// the notes at the end of its --help).
    #[arg(long = "region", global = true, value_name = "REGION")]
    pub regions: Vec<String>,
    /// Named profile from the AWS config and credentials files (validate
    /// only reads its Region).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send EFS requests to this URL instead of AWS (also
    /// AWS_ENDPOINT_URL_EFS).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Never colour output (NO_COLOR is respected too).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Start the bundled EFS emulator in-process with this state file and
    /// talk to it instead of AWS (no AWS account needed; needs a build with
    /// the default `emulator` feature).
    #[arg(long, global = true, value_name = "STATE_FILE")]
    pub emulator: Option<PathBuf>,
    /// Accept Region names this build does not know (a Region newer than
    /// its list), in --region and in the configuration. Also
    /// EFS_REPLICATOR_SKIP_REGION_VALIDATION=true.
    #[arg(
        long,
        global = true,
        env = "EFS_REPLICATOR_SKIP_REGION_VALIDATION",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub skip_region_validation: bool,
}

#[derive(Debug, Parser)]
#[command(
    name = "efs-replicator",
    version,
    about = "Declarative reconciler for Amazon EFS replication"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// What `--region` means for commands that read a configuration and EFS.
const REGION_SCAN: &str = "--region: the first one is the default source Region of blocks when neither the file nor `settings` name one (else AWS_REGION, AWS_DEFAULT_REGION or the profile's region); every one given is also scanned for replications involving the declared file systems.";

#[derive(Debug, Subcommand)]
enum Command {
    /// Check configuration files without calling AWS.
    #[command(
        after_help = "--region: the default source Region of blocks when neither the file nor `settings` name one (else AWS_REGION, AWS_DEFAULT_REGION or the profile's region)."
    )]
    Validate(validate::ValidateArgs),
    /// Rewrite configuration files in canonical format.
    Fmt(fmt::FmtArgs),
    /// Show what apply would change: read the current state and diff it
    /// against the configuration.
    #[command(after_help = REGION_SCAN)]
    Plan(plan::PlanArgs),
    /// Carry out the plan: create, replace and delete replications, in
    /// dependency order, waiting until they are ENABLED.
    #[command(after_help = REGION_SCAN)]
    Apply(apply::ApplyArgs),
    /// Detect drift and unhealthy replications (status, lag) for scheduled
    /// jobs: exit 0 in sync and healthy, 2 drift or unhealthy, 1 error.
    #[command(after_help = REGION_SCAN)]
    Check(check::CheckArgs),
    /// Write HCL for every replication found in the given Regions.
    #[command(
        after_help = "--region: a Region to read replications from (repeatable); without it, AWS_REGION, AWS_DEFAULT_REGION or the profile's region."
    )]
    Export(export::ExportArgs),
    /// Settle undocumented EFS behaviours on a real account: creates two
    /// small tagged file systems and a replication, observes, deletes them,
    /// and names the emulator flags that reproduce the account.
    #[command(
        after_help = "--region: exactly two, the source Region then the destination Region (with --cleanup: the Regions to search for leftovers). See docs/probe.md for what it creates, its cost and the IAM actions it needs."
    )]
    Probe(probe::ProbeArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff) of the program or of one command.
    Man(completions::ManArgs),
}

/// Global flags that `validate` accepts but ignores (it makes no EFS call).
const IGNORED_BY_VALIDATE: &[&str] = &["endpoint_url", "emulator"];
/// Global flags that `fmt` accepts but ignores (it only rewrites text).
const IGNORED_BY_FMT: &[&str] = &[
    "regions",
    "profile",
    "endpoint_url",
    "emulator",
    "skip_region_validation",
];

/// The clap definition of the whole command line (parsing, completions and
/// man pages): global flags a subcommand ignores are still accepted there
/// (scripts pass the same flags to every command) but hidden from its
/// `--help`.
pub fn command() -> clap::Command {
    let cmd = Cli::command();
    // A subcommand that defines a global flag itself does not get the
    // root's copy when the command is built; its value still reaches the
    // global flags. So each ignored flag is the root's definition, hidden.
    let hidden = |ids: &'static [&'static str], root: &clap::Command| -> Vec<clap::Arg> {
        root.get_arguments()
            .filter(|a| ids.contains(&a.get_id().as_str()))
            .map(|a| a.clone().hide(true))
            .collect()
    };
    let for_validate = hidden(IGNORED_BY_VALIDATE, &cmd);
    let for_fmt = hidden(IGNORED_BY_FMT, &cmd);
    // `mut_subcommand` moves the subcommand to the end: going through all
    // of them in order keeps the order of `--help` and the man pages.
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    names.iter().fold(cmd, |cmd, name| {
        cmd.mut_subcommand(name, |c| match name.as_str() {
            "validate" => c.args(for_validate.clone()),
            "fmt" => c.args(for_fmt.clone()),
            _ => c,
        })
    })
}

/// Parses `args` and runs the command; the returned code is the process exit code.
pub async fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let parsed = command()
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    let outcome = match cli.command {
        Command::Validate(a) => validate::run(a, &cli.global).await,
        Command::Fmt(a) => fmt::run(a, &cli.global).await,
        Command::Plan(a) => plan::run(a, &cli.global).await,
        Command::Apply(a) => apply::run(a, &cli.global).await,
        Command::Check(a) => check::run(a, &cli.global).await,
        Command::Export(a) => export::run(a, &cli.global).await,
        Command::Probe(a) => probe::run(a, &cli.global).await,
        Command::Completions(a) => completions::run_completions(a),
        Command::Man(a) => completions::run_man(a),
    };
    match outcome {
        Ok(code) => code,
        // The reader of stdout went away (`| head`): exit quietly, as
        // ripgrep and most Unix tools do.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// True when `e` comes from writing to a closed pipe (EPIPE): an I/O error,
/// or a `serde_json` error around one (serializing straight to stdout),
/// possibly wrapped in an I/O error again (`io::Error::other`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(epipe)
}

fn epipe(e: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return io.kind() == std::io::ErrorKind::BrokenPipe
            || io.get_ref().is_some_and(|inner| epipe(inner));
    }
    e.downcast_ref::<serde_json::Error>()
        .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
}

/// Stdout through one buffer, for a command's output document: Rust's
/// stdout is line-buffered, so a pretty-printed JSON plan of 10,000
/// changes written to it directly costs a `write` call per line.
pub(crate) type BufferedStdout = std::io::BufWriter<std::io::StdoutLock<'static>>;

/// Runs `write` against stdout through a [`BufferedStdout`] and flushes it
/// once at the end; the bytes written are those `write` produced, unchanged.
pub(crate) fn write_stdout(
    write: impl FnOnce(&mut BufferedStdout) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(STDOUT_BUFFER, std::io::stdout().lock());
    write(&mut out)?;
    out.flush()
}

/// A [`BufferedStdout`]; it flushes when dropped (a write error there is
/// lost, so flush it explicitly where the outcome matters).
pub(crate) fn buffered_stdout() -> BufferedStdout {
    std::io::BufWriter::with_capacity(STDOUT_BUFFER, std::io::stdout().lock())
}

/// Size of the stdout buffer: large enough that a big document goes out
/// in few system calls.
const STDOUT_BUFFER: usize = 64 * 1024;

/// A closed stdout (e.g. `| head`) is not an error worth reporting: the
/// command still ends with the exit code of what it did.
pub(crate) fn quiet_broken_pipe(r: std::io::Result<()>) -> anyhow::Result<()> {
    match r {
        Err(e) if epipe(&e) => Ok(()),
        other => Ok(other?),
    }
}
