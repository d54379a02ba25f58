//! `efs-replicator apply [PATH]` and `apply --plan FILE`: plans (or reads a
//! saved plan and checks it against a fresh read of the state it observed),
//! shows the plan, asks for `yes` on a terminal, runs the step graph with
//! progress on stdout, prints the closing summary.
//!
//! Exit codes: 0 everything done (or nothing to do), 1 an error, a refusal
//! (no approval, stale or altered saved plan, an overwrite not approved for
//! this run) or any failed step, 130 interrupted by Ctrl-C (SIGINT), 143 by
//! SIGTERM. Without a terminal, apply never acts unless `--auto-approve`
//! (or `--plan FILE`) says so.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::common::{extra_regions, load_desired, stderr_color, ConfigArgs};
use super::connect::connect;
use super::GlobalArgs;
use crate::apply::{
    execute, pending_waits, read_scope, render_summary_human, summary_json, what_changed,
    ApplyOptions, EfsWriter, JsonReporter, Live, PlainReporter, Reporter, TtyReporter,
};
use crate::model::{Actual, FileSystemId, FileSystemRef, Region};
use crate::plan::{plan, Observation, Plan, PlanOptions, SavedPlan};
use crate::render::{render_errors_human, render_errors_json, render_human, HumanOptions};

/// Flags of `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Apply without asking for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Apply this saved plan (from `plan --out FILE`) as is; refused when the
    /// state it was planned against has changed since.
    #[arg(long = "plan", value_name = "FILE", conflicts_with_all = ["path", "vars", "var_files", "targets"])]
    pub plan_file: Option<PathBuf>,
    /// Apply only this address (repeatable), as `plan --target`.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Mutating EFS calls in flight at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
    /// How long to wait for a replication to become ENABLED (or to be deleted).
    #[arg(long, default_value = "20m", value_parser = humantime::parse_duration)]
    pub wait_timeout: Duration,
    /// Do not wait for new replications to become ENABLED.
    #[arg(long)]
    pub no_wait: bool,
    /// After the first failure, start nothing new.
    #[arg(long)]
    pub fail_fast: bool,
    /// Stream progress as JSON lines on stdout (needs --auto-approve or --plan).
    #[arg(long)]
    pub json: bool,
    /// Approve, for this run, overwriting all data on this existing file
    /// system (repeatable). With --auto-approve, every file system the plan
    /// overwrites must be named here; `allow_overwrite = true` in the
    /// configuration is required as well.
    #[arg(long = "allow-overwrite", value_name = "FILE_SYSTEM_ID", value_parser = parse_file_system_id)]
    pub allow_overwrite: Vec<FileSystemId>,
}

fn parse_file_system_id(s: &str) -> Result<FileSystemId, String> {
    FileSystemId::parse(s).map_err(|e| e.to_string())
}

/// Runs `apply`.
pub async fn run(args: ApplyArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    if args.json && !args.auto_approve && args.plan_file.is_none() {
        anyhow::bail!("--json cannot ask for approval: add --auto-approve, or apply a saved plan with --plan FILE");
    }
    let saved = match &args.plan_file {
        Some(p) => {
            let f = std::fs::File::open(p)
                .with_context(|| format!("could not open the saved plan {}", p.display()))?;
            let saved = SavedPlan::read(std::io::BufReader::new(f))
                .with_context(|| format!("could not read the saved plan {}", p.display()))?;
            // Bound to what was shown: planning again from what it records
            // must give exactly its steps, changes, scope and fingerprint.
            saved
                .verify()
                .with_context(|| format!("refusing the saved plan {}", p.display()))?;
            Some(saved)
        }
        None => None,
    };
    if saved.is_some() {
        // Without a configuration, only --region names Regions to check.
        super::common::region_flags(global, false)?;
    }
    let desired = match &saved {
        Some(_) => None,
        None => match load_desired(&args.config, global, args.json).await? {
            Some(d) => Some(d),
            None => return Ok(ExitCode::from(1)),
        },
    };
    let extra = extra_regions(global)?;
    let for_accounts = desired
        .as_ref()
        .or_else(|| saved.as_ref().and_then(|s| s.desired.as_ref()));
    let conn = connect(global, for_accounts).await?;
    let result = run_connected(&args, global, saved, desired, &extra, &conn).await;
    conn.close().await;
    result
}

async fn run_connected(
    args: &ApplyArgs,
    global: &GlobalArgs,
    saved: Option<SavedPlan>,
    desired: Option<crate::model::Desired>,
    extra: &[Region],
    conn: &super::connect::Connection,
) -> anyhow::Result<ExitCode> {
    let reader = &conn.reader;
    let mut stdout = std::io::stdout();
    let (plan, observed): (Plan, Observation) = match (saved, desired) {
        (Some(saved), _) => {
            let path = args
                .plan_file
                .as_ref()
                .expect("saved plans come from --plan");
            // Verified before: it records the observed state it was made from.
            let then = Observation::of(
                &saved.actual.as_ref().map(Actual::from).unwrap_or_default(),
                &saved.plan.scope,
            );
            if let Some(code) = refuse_if_stale(
                &saved.plan,
                &then,
                reader,
                &format!("the saved plan {}", path.display()),
                args.json,
            )
            .await?
            {
                return Ok(code);
            }
            (saved.plan, then)
        }
        (None, Some(desired)) => {
            let actual = super::connect::observe(conn, &desired, extra).await?;
            let opts = PlanOptions {
                targets: args.targets.clone(),
            };
            match plan(&desired, &actual, &opts) {
                Ok(p) => {
                    let observed = Observation::of(&actual, &p.scope);
                    (p, observed)
                }
                Err(errors) => {
                    if args.json {
                        super::write_stdout(|out| render_errors_json(&errors, out))?;
                    } else {
                        render_errors_human(
                            &errors,
                            &mut std::io::stderr().lock(),
                            &HumanOptions {
                                color: stderr_color(global),
                            },
                        )?;
                    }
                    return Ok(ExitCode::from(1));
                }
            }
        }
        (None, None) => unreachable!("either a saved plan or a configuration"),
    };
    let color = !global.no_color && std::env::var_os("NO_COLOR").is_none() && stdout.is_terminal();
    if !args.json {
        super::write_stdout(|out| render_human(&plan, out, &HumanOptions { color }))?;
    }
    // Declared replications in place but still ENABLING (e.g. after an
    // interrupted apply) are waited for, read-only: no approval needed.
    let waits = if args.no_wait {
        Vec::new()
    } else {
        pending_waits(&plan)
    };
    if !plan.has_changes() && !waits.is_empty() && !args.json {
        writeln!(
            stdout,
            "\nNo changes, but {} declared replication{} still ENABLING: waiting for {} to become ENABLED (--no-wait skips this).",
            waits.len(),
            if waits.len() == 1 { " is" } else { "s are" },
            waits.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
        )?;
    }
    if !plan.has_changes() && waits.is_empty() {
        if args.json {
            let report = execute_plan(
                args,
                &plan,
                reader,
                &JsonReporter::new(Box::new(std::io::stdout())),
                never(),
                Live::default(),
            )
            .await;
            writeln!(stdout, "{}", summary_json(&report))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Overwriting a file system's data needs consent for this run: a saved
    // plan that showed it, an interactive `yes` to a plan that showed it, or
    // --allow-overwrite naming it; --auto-approve alone is not enough.
    let overwrites: Vec<(String, FileSystemRef, Region)> = plan
        .overwrites()
        .into_iter()
        .map(|(a, fs, r)| (a.to_owned(), fs.clone(), r.clone()))
        .collect();
    if args.plan_file.is_none() && args.auto_approve {
        let missing: Vec<&(String, FileSystemRef, Region)> = overwrites
            .iter()
            .filter(|(_, fs, _)| !args.allow_overwrite.contains(&fs.id))
            .collect();
        if !missing.is_empty() {
            let list: Vec<String> = missing
                .iter()
                .map(|(a, fs, r)| format!("{fs} ({r}) by {a}"))
                .collect();
            let flags: Vec<String> = missing
                .iter()
                .map(|(_, fs, _)| format!("--allow-overwrite {}", fs.id))
                .collect();
            let message = format!(
                "this plan overwrites all data on {}, and --auto-approve alone does not approve that. Nothing was changed. To approve it for this run: review the plan and run again with {}, answer yes to it on a terminal (without --auto-approve), or save it with `efs-replicator plan --out FILE` and apply that file with `efs-replicator apply --plan FILE`",
                list.join(", "),
                flags.join(" ")
            );
            if args.json {
                writeln!(
                    stdout,
                    "{}",
                    serde_json::json!({"type": "overwrite_not_approved", "message": message, "file_systems": missing.iter().map(|(a, fs, r)| serde_json::json!({"address": a, "file_system_id": fs, "region": r})).collect::<Vec<_>>()})
                )?;
            }
            eprintln!("error: {message}.");
            return Ok(ExitCode::from(1));
        }
    }
    if plan.has_changes() && args.plan_file.is_none() && !args.auto_approve {
        if !std::io::stdin().is_terminal() {
            eprintln!("error: apply needs approval, and stdin is not a terminal so it cannot ask.\n  Review the plan above and run again with --auto-approve, or save it with `efs-replicator plan --out FILE` and apply that file with `efs-replicator apply --plan FILE`.");
            return Ok(ExitCode::from(1));
        }
        if !overwrites.is_empty() {
            let list: Vec<String> = overwrites
                .iter()
                .map(|(_, fs, r)| format!("{fs} ({r})"))
                .collect();
            write!(
                stdout,
                "\nThese actions OVERWRITE all data on {}; 'yes' approves that for this run.",
                list.join(", ")
            )?;
        }
        write!(stdout, "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")?;
        stdout.flush()?;
        let answer = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map(|_| line)
        })
        .await??;
        if answer.trim() != "yes" {
            writeln!(stdout, "\nApply cancelled.")?;
            return Ok(ExitCode::from(1));
        }
        writeln!(stdout)?;
        // Time has passed while the plan was read: check it still holds.
        if let Some(code) = refuse_if_stale(&plan, &observed, reader, "the plan", false).await? {
            return Ok(code);
        }
    }

    // From here on Ctrl-C (SIGINT) or SIGTERM stops launching, lets
    // in-flight calls finish (and compensations run) and prints the
    // summary; a second signal exits at once, after printing how to restore
    // each protection lifted and not set back, and what has no DR.
    let (tx, rx) = tokio::sync::watch::channel(false);
    let live = Live::default();
    let (live_now, plan_now) = (live.clone(), plan.clone());
    let exit_code = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(130));
    let mut stops = StopSignals::new();
    let code = exit_code.clone();
    let signals = tokio::spawn(async move {
        if let Some(first) = stops.next().await {
            code.store(first, std::sync::atomic::Ordering::SeqCst);
            let _ = tx.send(true);
            let (what, again) = if first == 143 {
                ("SIGTERM", "Send it again (or press Ctrl-C)")
            } else {
                ("Interrupt", "Press Ctrl-C again")
            };
            eprintln!("\n{what} received: finishing the calls in flight and restoring any protection lifted for a create that will not run, starting nothing new. {again} to exit at once.");
            if let Some(second) = stops.next().await {
                let left = live_now.leftovers(&plan_now);
                if !left.is_empty() {
                    eprintln!("\nExiting at once, with calls possibly in flight. Left behind:");
                    for l in &left {
                        eprintln!("  {l}");
                    }
                }
                std::process::exit(second.into());
            }
        }
    });

    if !args.json {
        writeln!(stdout)?;
    }
    let report = if args.json {
        let reporter = JsonReporter::new(Box::new(std::io::stdout()));
        let report = execute_plan(args, &plan, reader, &reporter, rx, live).await;
        reporter.line(&summary_json(&report));
        report
    } else if stdout.is_terminal() {
        let reporter = TtyReporter::new();
        let report = execute_plan(args, &plan, reader, &reporter, rx, live).await;
        reporter.finish();
        report
    } else {
        let reporter = PlainReporter::new(Box::new(std::io::stdout()));
        execute_plan(args, &plan, reader, &reporter, rx, live).await
    };
    signals.abort();
    if !args.json {
        super::quiet_broken_pipe(super::write_stdout(|out| {
            render_summary_human(&report, out)
        }))?;
    }
    Ok(if report.interrupted {
        ExitCode::from(exit_code.load(std::sync::atomic::Ordering::SeqCst))
    } else if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// SIGINT (Ctrl-C) and, on Unix, SIGTERM, registered when created.
struct StopSignals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    fn new() -> Self {
        StopSignals {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok(),
        }
    }

    /// Waits for the next signal; returns the exit code it stands for
    /// (130 for SIGINT, 143 for SIGTERM), `None` when none can be received.
    async fn next(&mut self) -> Option<u8> {
        #[cfg(unix)]
        let term = async {
            match &mut self.term {
                Some(t) => t.recv().await,
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<Option<()>>();
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.ok().map(|()| 130),
            r = term => r.map(|()| 143),
        }
    }
}

fn never() -> tokio::sync::watch::Receiver<bool> {
    tokio::sync::watch::channel(false).1
}

async fn execute_plan(
    args: &ApplyArgs,
    plan: &Plan,
    reader: &crate::discover::AccountReaders,
    reporter: &dyn Reporter,
    interrupt: tokio::sync::watch::Receiver<bool>,
    live: Live,
) -> crate::apply::ApplyReport {
    let tty = !args.json && std::io::stdout().is_terminal();
    let opts = ApplyOptions {
        parallelism: args.parallelism as usize,
        wait_timeout: args.wait_timeout,
        no_wait: args.no_wait,
        fail_fast: args.fail_fast,
        progress_interval: if tty {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(10)
        },
        live,
        ..ApplyOptions::default()
    };
    let writer = EfsWriter::accounts(reader);
    execute(plan, &writer, &opts, reporter, interrupt).await
}

/// Re-reads the plan's scope; when its fingerprint differs, says what
/// changed and returns exit code 1.
async fn refuse_if_stale(
    plan: &Plan,
    then: &Observation,
    reader: &crate::discover::AccountReaders,
    what: &str,
    json: bool,
) -> anyhow::Result<Option<ExitCode>> {
    let actual = read_scope(reader, &plan.scope).await?;
    let now = Observation::of(&actual, &plan.scope);
    if now.fingerprint() == plan.fingerprint {
        return Ok(None);
    }
    let changes = what_changed(plan, then, &now);
    if json {
        writeln!(
            std::io::stdout(),
            "{}",
            serde_json::json!({"type": "stale_plan", "message": format!("{what} is stale: the state changed since it was planned"), "changes": changes})
        )?;
    } else {
        eprintln!("error: {what} is stale: the state changed since it was planned:");
        for c in &changes {
            eprintln!("  - {c}");
        }
        eprintln!("Nothing was changed. Run plan again and review the new plan.");
    }
    Ok(Some(ExitCode::from(1)))
}
