//! Progress of an apply, per address: the [`Event`]s the executor emits and
//! three reporters. [`TtyReporter`]: one indicatif line per replication with
//! a spinner and the elapsed time. [`PlainReporter`]: plain lines for logs,
//! with one line per interval summarising what is still pending
//! (`still pending [30s]: replication.home (creating, waiting for ENABLED)`).
//! [`JsonReporter`]: one
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

use super::{verb, Note, StepError};
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
        note: Option<&'a Note>,
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
    /// Periodic: the [`Event::Progress`] of every address still running,
    /// all at once. By default each is reported as an event of its own.
    fn tick(&self, pending: &[Event<'_>]) {
        for e in pending {
            self.event(e);
        }
    }
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
            // Nothing was done: the replication was already there (or
            // already gone); "created" would claim otherwise.
            Some(n) if n.already => {
                format!("{address}: {n} [{}s]", secs(*elapsed))
            }
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

/// Addresses a pending line names one by one, each with what it is doing;
/// more are counted by phase, with the first few named.
const PENDING_DETAILED: usize = 3;

/// The one line the plain reporter prints per interval for the addresses
/// still running (`pending` holds their [`Event::Progress`]); `None` when
/// nothing is.
pub fn pending_line(pending: &[Event<'_>]) -> Option<String> {
    let items: Vec<(&str, Action, &str, Duration)> = pending
        .iter()
        .filter_map(|e| match e {
            Event::Progress {
                address,
                action,
                phase,
                elapsed,
            } => Some((*address, *action, *phase, *elapsed)),
            _ => None,
        })
        .collect();
    let longest = items.iter().map(|i| i.3).max()?;
    let head = format!("still pending [{}s]", secs(longest));
    if items.len() <= PENDING_DETAILED {
        let each: Vec<String> = items
            .iter()
            .map(|(address, action, phase, _)| match action {
                // "waiting to become ENABLED (waiting for ENABLED)" would
                // say it twice: the phase says it all.
                Action::NoOp => format!("{address} ({phase})"),
                _ => format!("{address} ({}, {phase})", verb(*action)),
            })
            .collect();
        return Some(format!("{head}: {}", each.join(", ")));
    }
    let mut by_phase: Vec<(&str, usize)> = Vec::new();
    for (_, _, phase, _) in &items {
        match by_phase.iter_mut().find(|(p, _)| p == phase) {
            Some((_, n)) => *n += 1,
            None => by_phase.push((phase, 1)),
        }
    }
    let counts: Vec<String> = by_phase
        .iter()
        .map(|(phase, n)| format!("{n} {phase}"))
        .collect();
    let named: Vec<&str> = items.iter().take(PENDING_DETAILED).map(|i| i.0).collect();
    Some(format!(
        "{head}: {} addresses ({}): {} and {} more",
        items.len(),
        counts.join(", "),
        named.join(", "),
        items.len() - named.len()
    ))
}

impl Reporter for PlainReporter {
    fn event(&self, event: &Event<'_>) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{}", plain_line(event));
        let _ = out.flush();
    }

    fn tick(&self, pending: &[Event<'_>]) {
        if let Some(line) = pending_line(pending) {
            let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
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

    /// Issue 15: a create that found its replication in place does not
    /// say "created".
    #[test]
    fn already_present_is_not_created() {
        let found = Note::already(
            "already present with the desired destination fs-0123456789abcdef0 (us-west-2)",
        );
        let e = Event::Complete {
            address: "replication.home",
            action: Action::Create,
            elapsed: Duration::from_secs(1),
            note: Some(&found),
        };
        assert_eq!(
            plain_line(&e),
            "replication.home: already present with the desired destination fs-0123456789abcdef0 (us-west-2) [1s]"
        );
        assert_eq!(
            json_event(&e)["note"],
            "already present with the desired destination fs-0123456789abcdef0 (us-west-2)"
        );
        let made = Note::from("new destination fs-0123456789abcdef0 (us-west-2)");
        let e = Event::Complete {
            address: "replication.home",
            action: Action::Create,
            elapsed: Duration::from_secs(41),
            note: Some(&made),
        };
        assert_eq!(
            plain_line(&e),
            "replication.home: created after 41s (new destination fs-0123456789abcdef0 (us-west-2))"
        );
        // Whether the work was found done is the note's kind, not its wording.
        let worded = Note::from("already looked like this");
        let e = Event::Complete {
            address: "replication.home",
            action: Action::Create,
            elapsed: Duration::from_secs(2),
            note: Some(&worded),
        };
        assert_eq!(
            plain_line(&e),
            "replication.home: created after 2s (already looked like this)"
        );
    }

    fn progress<'a>(address: &'a str, action: Action, phase: &'a str, s: u64) -> Event<'a> {
        Event::Progress {
            address,
            action,
            phase,
            elapsed: Duration::from_secs(s),
        }
    }

    /// Issue 15: one line per interval for everything pending, and a
    /// replication waited for in place does not say "waiting" twice.
    #[test]
    fn one_pending_line_per_interval_says_waiting_once() {
        assert_eq!(pending_line(&[]), None);
        let few = [
            progress("replication.a", Action::Create, "waiting for ENABLED", 30),
            progress("replication.b", Action::NoOp, "waiting for ENABLED", 40),
        ];
        assert_eq!(
            pending_line(&few).unwrap(),
            "still pending [40s]: replication.a (creating, waiting for ENABLED), replication.b (waiting for ENABLED)"
        );
        let many = [
            progress("replication.a", Action::Create, "waiting for ENABLED", 30),
            progress("replication.b", Action::Create, "waiting for ENABLED", 30),
            progress("replication.c", Action::Create, "creating", 30),
            progress(
                "removed.fs-1",
                Action::Delete,
                "waiting for the deletion",
                50,
            ),
            progress("replication.d", Action::NoOp, "waiting for ENABLED", 30),
        ];
        assert_eq!(
            pending_line(&many).unwrap(),
            "still pending [50s]: 5 addresses (3 waiting for ENABLED, 1 creating, 1 waiting for the deletion): replication.a, replication.b, replication.c and 2 more"
        );
    }
}
