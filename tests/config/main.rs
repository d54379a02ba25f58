//! Integration tests of the configuration language: every example validates,
//! the invalid-config corpus matches its golden diagnostics, `validate` and
//! `fmt` behave through the built binary, the loader survives arbitrary
//! input (property test), and the issue 9 safeguards of the language hold.
//!
//! These tests never touch the network; the binary runs with the AWS
//! environment cleared so a developer's own configuration cannot leak in.

mod cli;
mod corpus;
mod examples;
mod fuzz;
mod github;
mod regions;
mod safety;

use std::path::{Path, PathBuf};

/// The package root (integration tests run there too).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every directory under `examples/` that holds `.hcl` files.
pub fn example_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .expect("examples/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            std::fs::read_dir(p)
                .map(|mut r| {
                    r.any(|e| e.is_ok_and(|e| e.path().extension().is_some_and(|x| x == "hcl")))
                })
                .unwrap_or(false)
        })
        .collect();
    dirs.sort();
    dirs
}
