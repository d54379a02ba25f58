//! `efs-replicator apply [PATH]` and `apply --plan FILE`: plans (or reads a
//! saved plan and checks it against a fresh read of the state it observed),
//! shows the plan, asks for `yes` on a terminal, runs the step graph with
//! progress on stdout, prints the closing summary.
//!
//! Exit codes: 0 everything done (or nothing to do), 1 an error, a refusal
//! (no approval, stale saved plan) or any failed step, 130 interrupted
//! (Ctrl-C). Without a terminal, apply never acts unless `--auto-approve`
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
    execute, observe, pending_waits, read_scope, render_summary_human, summary_json, what_changed,
    ApplyOptions, EfsWriter, JsonReporter, Observed, PlainReporter, Reporter, TtyReporter,
};
use crate::discover::discover;
use crate::model::Region;
use crate::plan::{fingerprint, plan, Plan, PlanOptions, SavedPlan};
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
            Some(
                SavedPlan::read(std::io::BufReader::new(f))
                    .with_context(|| format!("could not read the saved plan {}", p.display()))?,
            )
        }
        None => None,
    };
    if saved.is_some() {
        // Without a configuration, only --region names Regions to check.
        super::common::region_flags(global, false)?;
    }
    let desired = match &saved {
        Some(_) => None,
        None => match load_desired(&args.config, global, args.json)? {
            Some(d) => Some(d),
            None => return Ok(ExitCode::from(1)),
        },
    };
    let extra = extra_regions(global)?;
    let conn = connect(global).await?;
    let result = run_connected(&args, global, saved, desired, &extra, &conn.reader).await;
    conn.close().await;
    result
}

async fn run_connected(
    args: &ApplyArgs,
    global: &GlobalArgs,
    saved: Option<SavedPlan>,
    desired: Option<crate::model::Desired>,
    extra: &[Region],
    reader: &crate::discover::EfsReader,
) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout();
    let (plan, observed): (Plan, Option<Observed>) = match (saved, desired) {
        (Some(saved), _) => {
            let path = args
                .plan_file
                .as_ref()
                .expect("saved plans come from --plan");
            if let Some(code) = refuse_if_stale(
                &saved.plan,
                saved.observed.as_ref(),
                reader,
                &format!("the saved plan {}", path.display()),
                args.json,
            )
            .await?
            {
                return Ok(code);
            }
            (saved.plan, saved.observed)
        }
        (None, Some(desired)) => {
            let actual = discover(reader, &desired, extra).await?;
            let opts = PlanOptions {
                targets: args.targets.clone(),
            };
            match plan(&desired, &actual, &opts) {
                Ok(p) => {
                    let observed = observe(&actual, &p.scope);
                    (p, Some(observed))
                }
                Err(errors) => {
                    if args.json {
                        render_errors_json(&errors, &mut stdout.lock())?;
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
        render_human(&plan, &mut stdout.lock(), &HumanOptions { color })?;
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
            waits.join(", ")
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
            )
            .await;
            writeln!(stdout, "{}", summary_json(&report))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if plan.has_changes() && args.plan_file.is_none() && !args.auto_approve {
        if !std::io::stdin().is_terminal() {
            eprintln!("error: apply needs approval, and stdin is not a terminal so it cannot ask.\n  Review the plan above and run again with --auto-approve, or save it with `efs-replicator plan --out FILE` and apply that file with `efs-replicator apply --plan FILE`.");
            return Ok(ExitCode::from(1));
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
        if let Some(code) =
            refuse_if_stale(&plan, observed.as_ref(), reader, "the plan", false).await?
        {
            return Ok(code);
        }
    }

    // From here on Ctrl-C stops launching, lets in-flight calls finish and
    // prints the summary; a second Ctrl-C exits at once.
    let (tx, rx) = tokio::sync::watch::channel(false);
    let signals = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = tx.send(true);
            eprintln!("\nInterrupt received: finishing the calls in flight, starting nothing new. Press Ctrl-C again to exit at once.");
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });

    if !args.json {
        writeln!(stdout)?;
    }
    let report = if args.json {
        let reporter = JsonReporter::new(Box::new(std::io::stdout()));
        let report = execute_plan(args, &plan, reader, &reporter, rx).await;
        reporter.line(&summary_json(&report));
        report
    } else if stdout.is_terminal() {
        let reporter = TtyReporter::new();
        let report = execute_plan(args, &plan, reader, &reporter, rx).await;
        reporter.finish();
        report
    } else {
        let reporter = PlainReporter::new(Box::new(std::io::stdout()));
        execute_plan(args, &plan, reader, &reporter, rx).await
    };
    signals.abort();
    if !args.json {
        let mut out = stdout.lock();
        super::quiet_broken_pipe(
            render_summary_human(&report, &mut out).and_then(|()| out.flush()),
        )?;
    }
    Ok(if report.interrupted {
        ExitCode::from(130)
    } else if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn never() -> tokio::sync::watch::Receiver<bool> {
    tokio::sync::watch::channel(false).1
}

async fn execute_plan(
    args: &ApplyArgs,
    plan: &Plan,
    reader: &crate::discover::EfsReader,
    reporter: &dyn Reporter,
    interrupt: tokio::sync::watch::Receiver<bool>,
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
        ..ApplyOptions::default()
    };
    let writer = EfsWriter::new(reader);
    execute(plan, &writer, &opts, reporter, interrupt).await
}

/// Re-reads the plan's scope; when its fingerprint differs, says what
/// changed and returns exit code 1.
async fn refuse_if_stale(
    plan: &Plan,
    observed: Option<&Observed>,
    reader: &crate::discover::EfsReader,
    what: &str,
    json: bool,
) -> anyhow::Result<Option<ExitCode>> {
    let actual = read_scope(reader, &plan.scope).await?;
    if fingerprint(&actual, &plan.scope) == plan.fingerprint {
        return Ok(None);
    }
    let changes = what_changed(plan, &actual, observed);
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
