//! Integration tests of the CI and operations integrations (issue 12): shell
//! completions and man pages (`completions`), the JSON Schemas of the
//! machine-readable outputs (`schemas`), the example GitHub Actions workflow
//! and the script it runs (`ci`), and the `check --serve` exporter (`serve`).
//!
//! The emulator stands in for AWS; nothing here reaches beyond loopback.

mod ci;
mod completions;
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
    let home = std::env::temp_dir();
    let mut c = Command::new(env!("CARGO_BIN_EXE_efs-replicator"));
    c.args(args).current_dir(root());
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") || k.starts_with("EFS_REPLICATOR_") {
            c.env_remove(k);
        }
    }
    c.env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("efs-replicator-no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("efs-replicator-no-aws-credentials"),
        )
        .env("NO_COLOR", "1");
    c
}

/// Stdout or stderr as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
