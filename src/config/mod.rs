//! HCL loading, variable evaluation, validation and diagnostics. Produces a
//! [`crate::model::Desired`] or every diagnostic found; never calls AWS.
//!
//! Stages, in order: [`load`] reads the files (one `.hcl` file, or every
//! `*.hcl` file of a directory, sorted by name), parses them with hcl-edit
//! (spans kept), checks the schema, evaluates variables, locals and
//! `for_each` with hcl-rs, converts values into model newtypes and runs the
//! cross-replication checks. [`format`] is the canonical formatter behind
//! `fmt`. Nothing here may touch the network or write a file.

mod depth;
pub mod diagnostics;
pub mod format;
mod functions;
pub mod limits;
mod load;
mod refs;
pub mod regions;

use std::path::{Path, PathBuf};

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use load::{load_str, suggest, ENV_PREFIX};

/// Inputs of [`load`] that do not come from the configuration files.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--var NAME=VALUE`, in order (later ones win).
    pub vars: Vec<(String, String)>,
    /// `--var-file FILE`, in order (later ones win; `--var` beats them).
    pub var_files: Vec<PathBuf>,
    /// `EFS_REPLICATOR_VAR_*` from the environment (the caller passes
    /// `std::env::vars()`); lowest precedence after defaults.
    pub env_vars: Vec<(String, String)>,
    /// From `--region`, else the AWS config (offline): the last fallback for
    /// a source Region.
    pub default_region: Option<crate::model::Region>,
    /// Accept Region names missing from [`regions`] (`--skip-region-validation`;
    /// `settings { skip_region_validation = true }` does the same from the file).
    pub skip_region_validation: bool,
}

/// Loads and validates the configuration at `path` (a `.hcl` file or a
/// directory of them). Returns every problem found, not only the first.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<crate::model::Desired, Diagnostics> {
    load::load(path, opts)
}

/// Why the configuration files could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// The path does not exist or cannot be read.
    #[error("cannot read {path}: {cause}")]
    Unreadable {
        /// The path given.
        path: PathBuf,
        /// The I/O error; part of the message, so not exposed as a source
        /// (that would print it twice in an error chain).
        cause: std::io::Error,
    },
    /// A directory without any `.hcl` file.
    #[error("no .hcl files in {0}")]
    Empty(PathBuf),
}

/// The configuration files at `path`: the file itself, or the `*.hcl` files
/// of a directory sorted by name (subdirectories are not read).
pub fn config_files(path: &Path) -> Result<Vec<PathBuf>, FilesError> {
    let unreadable = |cause| FilesError::Unreadable {
        path: path.to_owned(),
        cause,
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        // `./main.hcl` reads better as `main.hcl`.
        let p = if path == Path::new(".") {
            PathBuf::from(entry.file_name())
        } else {
            entry.path()
        };
        if p.extension().is_some_and(|e| e == "hcl") && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(FilesError::Empty(path.to_owned()));
    }
    Ok(files)
}
