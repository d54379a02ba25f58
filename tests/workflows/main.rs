//! Integration tests of the CI and operations integrations (issue 12): shell
//! completions and man pages (`completions`), the JSON Schemas of the
//! machine-readable outputs (`schemas`), the example GitHub Actions workflow
//! and the script it runs (`ci`), and the `check --serve` exporter (`serve`).
//!
//! The emulator stands in for AWS; nothing here reaches beyond loopback.

mod ci;
mod completions;
#[path = "../kit/mod.rs"]
mod kit;
mod schema_types;
mod schemas;
mod serve;

use std::path::Path;
use std::process::{Command, Output};

/// The package root (integration tests run there too).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary with the AWS environment cleared (no config files, no IMDS).
pub fn run(args: &[&str]) -> Output {
    binary(args).output().expect("the binary runs")
}

/// The binary as a command with the AWS environment cleared.
pub fn binary(args: &[&str]) -> Command {
    let mut c = kit::Bin::new(args).env("NO_COLOR", "1").command();
    c.current_dir(root());
    c
}

/// Stdout or stderr as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
