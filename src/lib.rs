//! efs-replicator: a declarative reconciler for Amazon EFS replication
//! configurations.
//!
//! Code map, in the order data flows (see ARCHITECTURE.md):
//! - [`config`]: reads `*.hcl` files, evaluates variables and `for_each`,
//!   validates, and produces a [`model::Desired`] or diagnostics.
//! - [`model`]: the validated desired state and the observed actual state.
//! - [`discover`]: reads the observed state from EFS (the only user of
//!   `aws_sdk_efs` on the read path) into a [`model::Actual`], and resolves
//!   declared KMS keys with `aws_sdk_kms` (its only user).
//! - [`plan`]: the pure planner, (Desired, Actual) -> Plan or preflight errors.
//! - [`render`]: writes a plan as human text, JSON, Markdown (pull-request
//!   comments) or GitHub Actions annotations.
//! - [`apply`]: executes a plan's step graph against EFS (waits, error
//!   policy, progress, summary).
//! - [`health`]: drift and health of declared replications for `check`
//!   (pure, `now` passed in), and its table / JSON / Prometheus writers.
//! - [`export`]: HCL for the replications that exist (`export`).
//! - [`exporter`]: `check --serve`: checks on an interval and serves
//!   `/metrics` and `/healthz` (axum).
//! - [`probe`]: settles undocumented EFS behaviours on an account and names
//!   the emulator flags that reproduce them (`probe`); the only module that
//!   creates and deletes file systems (its own, tagged).
//! - [`cli`]: one file per command; flags in, exit code out.

pub mod apply;
pub mod cli;
pub mod config;
pub mod discover;
pub mod export;
pub mod exporter;
pub mod health;
pub mod model;
pub mod plan;
pub mod probe;
pub mod render;
