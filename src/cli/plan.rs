//! `efs-replicator plan [PATH]`: loads the configuration, reads the current
//! state of every Region in scope, and prints what apply would do.
//!
//! Exit codes: 0 success (with `--detailed-exitcode`: success and no
//! changes), 1 error (configuration, discovery or preflight), 2 with
//! `--detailed-exitcode` when there are changes. `--out FILE` writes a saved
//! plan (JSON with the fingerprint of the observed state). This command never
//! changes anything in EFS.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use super::common::{
    extra_regions, load_desired_as, print_plan_errors_as, write_atomically, ConfigArgs, ErrorStyle,
};
use super::connect::discover_state;
use super::{quiet_broken_pipe, GlobalArgs};
use crate::plan::{plan, PlanOptions, SavedPlan};
use crate::render::github::render_plan_warnings_github;
use crate::render::{render_human, render_json, render_markdown, HumanOptions};

/// Output formats of `plan`: `human`, `json`, `markdown`, `github`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
// Plain comments, not doc comments, on the variants: a described possible
// value turns `--help` into clap's long format; `--format` describes them.
pub enum PlanFormat {
    // Terraform-style text for people.
    Human,
    // JSON (schema: docs/plan-json.md, docs/schemas/plan.schema.json).
    Json,
    // Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY.
    Markdown,
    // The human plan, with GitHub Actions annotations for errors and
    // destructive changes.
    Github,
}

impl PlanArgs {
    /// The format, `--json` included.
    pub fn format(&self) -> PlanFormat {
        if self.json {
            PlanFormat::Json
        } else {
            self.format
        }
    }
}

/// Flags of `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format of the plan (and of configuration and planning
    /// errors): Terraform-style text for people, JSON (docs/plan-json.md),
    /// Markdown (a pull-request comment or $GITHUB_STEP_SUMMARY), or the
    /// text with GitHub Actions annotations.
    #[arg(long, value_enum, default_value = "human", conflicts_with = "json")]
    pub format: PlanFormat,
    /// Same as --format json: the plan (or the errors) as JSON on stdout
    /// (schema: docs/plan-json.md).
    #[arg(long)]
    pub json: bool,
    /// Exit 2 when the plan has changes (0: no changes, 1: error).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan only this address (repeatable), e.g. replication.home or
    /// replication.home["eu"]; changes it depends on are included.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Also write the plan, with the fingerprint of the state it observed, to FILE.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// True when stdout may be coloured.
fn stdout_color(global: &GlobalArgs) -> bool {
    !global.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// Runs `plan`.
pub async fn run(args: PlanArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let format = args.format();
    let style = match format {
        PlanFormat::Human => ErrorStyle::Human,
        PlanFormat::Json => ErrorStyle::Json,
        PlanFormat::Markdown => ErrorStyle::Markdown,
        PlanFormat::Github => ErrorStyle::Github,
    };
    let Some(desired) = load_desired_as(&args.config, global, style).await? else {
        return Ok(ExitCode::from(1));
    };
    let extra = extra_regions(global)?;
    let actual = discover_state(global, &desired, &extra).await?;
    let opts = PlanOptions {
        targets: args.targets.clone(),
    };
    let result = plan(&desired, &actual, &opts);
    let mut stdout = super::buffered_stdout();
    let plan = match result {
        Ok(p) => p,
        Err(errors) => {
            print_plan_errors_as(&errors, style, global)?;
            return Ok(ExitCode::from(1));
        }
    };
    if !args.targets.is_empty() {
        eprintln!(
            "warning: --target was used: this plan covers only the selected addresses and the changes they wait for, so it may not reach the state the configuration declares"
        );
    }
    if let Some(path) = &args.out {
        let created = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        let saved = SavedPlan {
            desired: Some(desired.clone()),
            targets: args.targets.clone(),
            actual: Some((&actual).into()),
            ..SavedPlan::new(plan.clone(), created)
        };
        write_atomically(path, |w| saved.write(w))
            .with_context(|| format!("could not write the saved plan to {}", path.display()))?;
    }
    // The plan owns what it shows: the configuration and the observed state
    // (tens of megabytes at 10,000 replications) are freed before it is
    // written, so the output does not add to them.
    drop(actual);
    drop(desired);
    let written = match format {
        PlanFormat::Json => render_json(&plan, &mut stdout),
        PlanFormat::Markdown => render_markdown(&plan, &mut stdout),
        PlanFormat::Human | PlanFormat::Github => render_human(
            &plan,
            &mut stdout,
            &HumanOptions {
                color: format == PlanFormat::Human && stdout_color(global),
            },
        )
        .and_then(|()| match format {
            PlanFormat::Github => render_plan_warnings_github(&plan, &mut stdout),
            _ => Ok(()),
        })
        .and_then(|()| match &args.out {
            Some(p) => writeln!(
                stdout,
                "\nSaved the plan to {}; apply it with `efs-replicator apply --plan {}`.",
                p.display(),
                p.display()
            ),
            None => Ok(()),
        }),
    };
    quiet_broken_pipe(written.and_then(|()| stdout.flush()))?;
    Ok(if args.detailed_exitcode && plan.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
