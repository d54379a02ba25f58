//! What several commands share: the configuration arguments (`PATH`,
//! `--var`, `--var-file`), loading the desired state with diagnostics
//! printed, and the offline default Region.
//!
//! Nothing here may touch the network: the default Region comes from
//! `--region`, the environment or the AWS config files, never from IMDS.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;

use super::{quiet_broken_pipe, GlobalArgs};
use crate::config::{self, LoadOptions};
use crate::model::{Desired, Region};
use crate::plan::PlanErrors;
use crate::render::github::{render_diagnostics_github, render_plan_errors_github};
use crate::render::markdown::render_diagnostics_markdown;
use crate::render::{
    render_errors_human, render_errors_json, render_errors_markdown, HumanOptions,
};

/// How a command prints configuration diagnostics and planning errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorStyle {
    /// For people, on stderr.
    Human,
    /// JSON on stdout.
    Json,
    /// GitHub Actions workflow commands on stdout (annotations), and the
    /// human form on stderr for the log.
    Github,
    /// Markdown on stdout (for `$GITHUB_STEP_SUMMARY`), and the human form
    /// on stderr for the log.
    Markdown,
}

impl ErrorStyle {
    /// `Json` when `json`, else `Human`.
    pub fn json_or_human(json: bool) -> Self {
        if json {
            ErrorStyle::Json
        } else {
            ErrorStyle::Human
        }
    }
}

/// The Regions given with the global `--region` flags, parsed.
pub fn extra_regions(global: &GlobalArgs) -> anyhow::Result<Vec<Region>> {
    Ok(global
        .regions
        .iter()
        .map(|r| Region::parse(r))
        .collect::<Result<_, _>>()?)
}

/// How to skip the check of `--region` flags, for its error message.
const SKIP_FLAG: &str =
    "pass --skip-region-validation (or set EFS_REPLICATOR_SKIP_REGION_VALIDATION=true)";

/// The `--region` flags, each a valid Region name and, unless `skip` or
/// `--skip-region-validation`, a known one (`config::regions`); an unknown
/// one is an error with the closest known names.
pub fn region_flags(global: &GlobalArgs, skip: bool) -> anyhow::Result<Vec<Region>> {
    let mut out = Vec::new();
    for r in &global.regions {
        let region = Region::parse(r).map_err(|_| {
            anyhow::anyhow!("--region {r:?} is not a valid Region name (e.g. us-east-1)")
        })?;
        if !(skip || global.skip_region_validation) {
            if let Some((msg, help)) = config::regions::unknown(r, SKIP_FLAG) {
                anyhow::bail!("--region {msg}; {help}");
            }
        }
        out.push(region);
    }
    Ok(out)
}

/// Prints why no plan could be made: JSON on stdout with `json`, else for
/// people on stderr; a closed pipe is not an error.
pub fn print_plan_errors(
    errors: &PlanErrors,
    json: bool,
    global: &GlobalArgs,
) -> anyhow::Result<()> {
    print_plan_errors_as(errors, ErrorStyle::json_or_human(json), global)
}

/// Prints why no plan could be made in `style`; a closed pipe is not an error.
pub fn print_plan_errors_as(
    errors: &PlanErrors,
    style: ErrorStyle,
    global: &GlobalArgs,
) -> anyhow::Result<()> {
    let human = || {
        render_errors_human(
            errors,
            &mut std::io::stderr().lock(),
            &HumanOptions {
                color: stderr_color(global),
            },
        )
    };
    let stdout = super::buffered_stdout;
    let written = match style {
        ErrorStyle::Human => human(),
        ErrorStyle::Json => render_errors_json(errors, &mut stdout()),
        ErrorStyle::Github => {
            render_plan_errors_github(errors, &mut stdout()).and_then(|()| human())
        }
        ErrorStyle::Markdown => {
            render_errors_markdown(errors, &mut stdout()).and_then(|()| human())
        }
    };
    quiet_broken_pipe(written)
}

/// Where the configuration is and the values of its variables.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// A .hcl file or a directory of them (default: the current directory).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Set a variable: NAME=VALUE (repeatable; beats --var-file and the environment).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Read variables from a file of NAME = VALUE lines (repeatable, later files win).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected NAME=VALUE, got {s:?}")),
    }
}

impl ConfigArgs {
    /// The configuration path, defaulting to the current directory.
    pub fn path(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(|| PathBuf::from("."))
    }
}

/// True when diagnostics on stderr may be coloured.
pub fn stderr_color(global: &GlobalArgs) -> bool {
    !global.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// The default Region: `--region`, else AWS_REGION / AWS_DEFAULT_REGION,
/// else the profile's region in the AWS config file. Never the network.
pub async fn default_region(global: &GlobalArgs) -> Option<Region> {
    if let Some(r) = global.regions.first() {
        return Region::parse(r).ok();
    }
    use aws_config::meta::region::ProvideRegion;
    let env = aws_config::environment::EnvironmentVariableRegionProvider::new();
    let found = match env.region().await {
        Some(r) => r,
        None => {
            let mut b = aws_config::profile::ProfileFileRegionProvider::builder();
            if let Some(p) = &global.profile {
                b = b.profile_name(p);
            }
            b.build().region().await?
        }
    };
    Region::parse(found.as_ref()).ok()
}

/// The loader's options from the flags and the environment.
pub async fn load_options(args: &ConfigArgs, global: &GlobalArgs) -> LoadOptions {
    LoadOptions {
        vars: args.vars.clone(),
        var_files: args.var_files.clone(),
        env_vars: std::env::vars()
            .filter(|(k, _)| k.starts_with(config::ENV_PREFIX))
            .collect(),
        default_region: default_region(global).await,
        skip_region_validation: global.skip_region_validation,
    }
}

/// Loads the desired state. Prints every diagnostic itself (JSON on stdout
/// with `json`, else the human form on stderr) and returns `None` when the
/// configuration has errors.
pub async fn load_desired(
    args: &ConfigArgs,
    global: &GlobalArgs,
    json: bool,
) -> anyhow::Result<Option<Desired>> {
    load_desired_as(args, global, ErrorStyle::json_or_human(json)).await
}

/// Like [`load_desired`], printing the diagnostics in `style`.
pub async fn load_desired_as(
    args: &ConfigArgs,
    global: &GlobalArgs,
    style: ErrorStyle,
) -> anyhow::Result<Option<Desired>> {
    if let Some(r) = global.regions.iter().find(|r| Region::parse(r).is_err()) {
        anyhow::bail!("--region {r:?} is not a valid Region name (e.g. us-east-1)");
    }
    let opts = load_options(args, global).await;
    match config::load(&args.path(), &opts) {
        Ok(d) => {
            region_flags(global, d.settings.skip_region_validation)?;
            Ok(Some(d))
        }
        Err(diags) => {
            let mut out = super::buffered_stdout();
            let human = || diags.render_human(&mut std::io::stderr().lock(), stderr_color(global));
            match style {
                ErrorStyle::Human => human()?,
                ErrorStyle::Json => diags.render_json(&mut out)?,
                ErrorStyle::Github => {
                    render_diagnostics_github(&diags, &mut out)?;
                    human()?;
                }
                ErrorStyle::Markdown => {
                    render_diagnostics_markdown(&diags, &mut out)?;
                    human()?;
                }
            }
            out.flush()?;
            Ok(None)
        }
    }
}

/// Writes a file completely or not at all: a temporary file in the same
/// directory, synced, then renamed over `path` (keeping the permissions of
/// the file it replaces), so a reader never sees half a file and a failure
/// leaves the old file as it was.
pub(crate) fn write_atomically(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::io::BufWriter<&mut std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    // A serializer makes many small writes: buffer them.
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, tmp.as_file_mut());
    write(&mut buffered)?;
    buffered.flush()?;
    drop(buffered);
    tmp.as_file_mut().sync_all()?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_flags_split_at_the_first_equals_sign() {
        assert_eq!(
            parse_var("a=b=c").unwrap(),
            ("a".to_owned(), "b=c".to_owned())
        );
        assert!(parse_var("novalue").is_err());
        assert!(parse_var("=x").is_err());
    }

    #[tokio::test]
    async fn region_flag_comes_first() {
        let g = GlobalArgs {
            regions: vec!["eu-west-3".into(), "us-east-1".into()],
            ..GlobalArgs::default()
        };
        assert_eq!(default_region(&g).await.unwrap().as_str(), "eu-west-3");
    }
}
