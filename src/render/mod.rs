//! Renderers: pure functions writing a [`crate::plan::Plan`] (or the errors
//! that prevented one) to any `impl Write`, as human text in Terraform's
//! conventions or as the stable JSON schema of docs/plan-json.md.
//!
//! Renderers never decide anything: they print what the plan says. They do
//! no I/O beyond the writer they are given and never look at the terminal or
//! the environment (the caller decides on colour).

mod human;
mod json;

pub use human::{render_errors_human, render_human, HumanOptions};
pub use json::{render_errors_json, render_json, JSON_FORMAT_VERSION};
