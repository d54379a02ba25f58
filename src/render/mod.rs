//! Renderers: pure functions writing a [`crate::plan::Plan`] (or the errors
//! that prevented one) to any `impl Write`, as human text in Terraform's
//! conventions, as the stable JSON schema of docs/plan-json.md, as Markdown
//! for pull-request comments (`markdown.rs`), or as GitHub Actions workflow
//! commands (`github.rs`, also for configuration diagnostics).
//!
//! Renderers never decide anything: they print what the plan says. They do
//! no I/O beyond the writer they are given and never look at the terminal or
//! the environment (the caller decides on colour).

pub mod github;
mod human;
mod json;
pub mod markdown;

pub use human::{render_errors_human, render_human, HumanOptions};
pub use json::{render_errors_json, render_json, JSON_FORMAT_VERSION};
pub use markdown::{render_errors_markdown, render_markdown};
