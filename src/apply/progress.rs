//! Progress of an apply, per address: the [`Event`]s the executor emits and
//! three reporters. [`TtyReporter`]: one indicatif line per replication with
//! a spinner and the elapsed time. [`PlainReporter`]: plain lines for logs
//! (`replication.home: still creating [30s elapsed]`). [`JsonReporter`]: one
//! JSON object per line (`apply_start`, `apply_progress`, `apply_complete`,
//! `apply_errored`; the caller writes the final `summary`).
//!
//! Reporters only write what they are told; they never decide anything and
//! never fail the apply (a write error, e.g. a closed pipe, is ignored).

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use super::{verb, StepError};
use crate::plan::Action;

/// Something that happened at an address.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// The first step of the address started.
    Start {
        /// e.g. `replication.home`.
        address: &'a str,
        /// What the plan does there.
        action: Action,
    },
    /// Periodic: the address is still running.
    Progress {
        /// The address.
        address: &'a str,
        /// What the plan does there.
        action: Action,
        /// What it is doing now, e.g. `waiting for ENABLED`.
        phase: &'a str,
        /// Since its start.
        elapsed: Duration,
    },
    /// Every step of the address is done.
    Complete {
        /// The address.
        address: &'a str,
        /// What the plan does there.
        action: Action,
        /// Since its start.
        elapsed: Duration,
        /// How it was done, when not simply (e.g. `already present ...`).
        note: Option<&'a str>,
    },
    /// A step of the address failed.
    Errored {
        /// The address.
        address: &'a str,
        /// What the plan does there.
        action: Action,
        /// Since its start.
        elapsed: Duration,
        /// The error.
        error: &'a StepError,
    },
}

/// Receives progress events; called from the executor's task.
pub trait Reporter: Send + Sync {
    /// One event.
    fn event(&self, event: &Event<'_>);
    /// Called once after the last event, before the summary is printed.
    fn finish(&self) {}
}

fn past(action: Action) -> &'static str {
    match action {
        Action::Create => "created",
        Action::Replace => "replaced",
        Action::Delete => "destroyed",
        Action::NoOp => "became ENABLED",
    }
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

/// Plain lines for logs and pipes.
pub struct PlainReporter {
    out: Mutex<Box<dyn Write + Send>>,
}

impl PlainReporter {
    /// Writes to `out` (stdout in the CLI).
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        PlainReporter {
            out: Mutex::new(out),
        }
    }
}

/// The text of an event, as the plain reporter prints it.
pub fn plain_line(event: &Event<'_>) -> String {
    match event {
        Event::Start { address, action } => format!("{address}: {}...", verb(*action)),
        Event::Progress {
            address,
            action,
            phase,
            elapsed,
        } => format!(
            "{address}: still {} [{}s elapsed] ({phase})",
            verb(*action),
            secs(*elapsed)
        ),
        Event::Complete {
            address,
            action,
            elapsed,
            note,
        } => match note {
            Some(n) => format!(
                "{address}: {} after {}s ({n})",
                past(*action),
                secs(*elapsed)
            ),
            None => format!("{address}: {} after {}s", past(*action), secs(*elapsed)),
        },
        Event::Errored {
            address,
            elapsed,
            error,
            ..
        } => format!("{address}: failed after {}s: {error}", secs(*elapsed)),
    }
}

impl Reporter for PlainReporter {
    fn event(&self, event: &Event<'_>) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{}", plain_line(event));
        let _ = out.flush();
    }
}

/// One JSON object per line.
pub struct JsonReporter {
    out: Mutex<Box<dyn Write + Send>>,
}

impl JsonReporter {
    /// Writes to `out` (stdout in the CLI).
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        JsonReporter {
            out: Mutex::new(out),
        }
    }

    /// Writes one already-built object as a line (used for `summary`).
    pub fn line(&self, value: &serde_json::Value) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{value}");
        let _ = out.flush();
    }
}

/// The JSON object of an event.
pub fn json_event(event: &Event<'_>) -> serde_json::Value {
    let time = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
    match event {
        Event::Start { address, action } => json!({
            "type": "apply_start", "time": time, "address": address, "action": action,
        }),
        Event::Progress {
            address,
            action,
            phase,
            elapsed,
        } => json!({
            "type": "apply_progress", "time": time, "address": address, "action": action,
            "phase": phase, "elapsed_seconds": secs(*elapsed),
        }),
        Event::Complete {
            address,
            action,
            elapsed,
            note,
        } => json!({
            "type": "apply_complete", "time": time, "address": address, "action": action,
            "elapsed_seconds": secs(*elapsed), "note": note,
        }),
        Event::Errored {
            address,
            action,
            elapsed,
            error,
        } => json!({
            "type": "apply_errored", "time": time, "address": address, "action": action,
            "elapsed_seconds": secs(*elapsed), "error": error,
        }),
    }
}

impl Reporter for JsonReporter {
    fn event(&self, event: &Event<'_>) {
        self.line(&json_event(event));
    }
}

/// Spinners on a terminal: one line per address.
pub struct TtyReporter {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Default for TtyReporter {
    fn default() -> Self {
        Self::new()
    }
}

impl TtyReporter {
    /// Draws on stdout.
    pub fn new() -> Self {
        TtyReporter {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stdout()),
            bars: Mutex::new(HashMap::new()),
        }
    }
}

impl Reporter for TtyReporter {
    fn event(&self, event: &Event<'_>) {
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        match event {
            Event::Start { address, action } => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix}: {msg} [{elapsed}]")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_prefix(address.to_string());
                bar.set_message(verb(*action).to_owned());
                bar.enable_steady_tick(Duration::from_millis(120));
                bars.insert(address.to_string(), bar);
            }
            Event::Progress { address, phase, .. } => {
                if let Some(bar) = bars.get(*address) {
                    bar.set_message(phase.to_string());
                }
            }
            Event::Complete { address, .. } | Event::Errored { address, .. } => {
                let line = plain_line(event);
                match bars.remove(*address) {
                    Some(bar) => {
                        bar.set_style(
                            ProgressStyle::with_template("{msg}")
                                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                        );
                        bar.finish_with_message(line);
                    }
                    None => {
                        let _ = self.multi.println(line);
                    }
                }
            }
        }
    }

    fn finish(&self) {
        let bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        for bar in bars.values() {
            bar.abandon();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_read_like_a_log() {
        let e = Event::Progress {
            address: "replication.home",
            action: Action::Create,
            phase: "waiting for ENABLED",
            elapsed: Duration::from_millis(30_400),
        };
        assert_eq!(
            plain_line(&e),
            "replication.home: still creating [30s elapsed] (waiting for ENABLED)"
        );
        let j = json_event(&e);
        assert_eq!(j["type"], "apply_progress");
        assert_eq!(j["elapsed_seconds"], 30);
        assert_eq!(j["action"], "create");
        let s = Event::Start {
            address: "removed.fs-00000001",
            action: Action::Delete,
        };
        assert_eq!(plain_line(&s), "removed.fs-00000001: destroying...");
    }
}
