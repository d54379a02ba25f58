//! The long-running exporter behind `check --serve ADDR`: runs a check now
//! and then every interval, keeps the last result, and answers `/metrics`
//! (Prometheus text: the check's metrics from the last successful check plus
//! the exporter's own `efs_replicator_*` metrics) and `/healthz`.
//!
//! A failed check (configuration, discovery or planning error) never stops
//! the exporter: it increments `efs_replicator_check_errors_total`, sets
//! `efs_replicator_check_success` to 0, and the last good result keeps being
//! served. The check itself is a function handed in by the caller, so this
//! module knows nothing of AWS or configuration files; it reads the clock
//! (to time checks and stamp successes) and serves HTTP, nothing else.

use std::fmt::Write as _;
use std::future::{Future, IntoFuture};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::health::render::{escape_label_value, render_prometheus};
use crate::health::CheckReport;

/// The content type of the Prometheus text exposition format 0.0.4.
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What the exporter knows: the last good report and the history of attempts.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The report of the last successful check, rendered as Prometheus text.
    pub last_good: Option<String>,
    /// When the last successful check ended.
    pub last_success: Option<SystemTime>,
    /// Whether the last attempt succeeded (`None` before the first ends).
    pub last_attempt_ok: Option<bool>,
    /// The error of the last attempt, when it failed.
    pub last_error: Option<String>,
    /// Checks attempted.
    pub checks_total: u64,
    /// Checks that failed.
    pub errors_total: u64,
    /// How long the last attempt took.
    pub last_duration: Option<Duration>,
}

/// Shared between the check loop and the HTTP handlers.
pub type Shared = Arc<Mutex<Snapshot>>;

impl Snapshot {
    /// Records one attempt.
    pub fn record(&mut self, result: Result<&CheckReport, &str>, took: Duration, at: SystemTime) {
        self.checks_total += 1;
        self.last_duration = Some(took);
        match result {
            Ok(report) => {
                let mut text = Vec::new();
                // Writing to a Vec cannot fail.
                let _ = render_prometheus(report, &mut text);
                self.last_good = Some(String::from_utf8_lossy(&text).into_owned());
                self.last_success = Some(at);
                self.last_attempt_ok = Some(true);
                self.last_error = None;
            }
            Err(e) => {
                self.errors_total += 1;
                self.last_attempt_ok = Some(false);
                self.last_error = Some(e.to_owned());
            }
        }
    }

    /// `/metrics`: the last good report's metrics, then the exporter's.
    pub fn metrics(&self) -> String {
        let mut s = self.last_good.clone().unwrap_or_default();
        let mut gauge = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(s, "# HELP {name} {help}");
            let _ = writeln!(s, "# TYPE {name} {kind}");
            let _ = writeln!(s, "{name} {value}");
        };
        gauge(
            "efs_replicator_check_success",
            "gauge",
            "1 when the last check completed (configuration loaded, state read, plan made), else 0; the metrics above are from the last successful check.",
            u8::from(self.last_attempt_ok == Some(true)).to_string(),
        );
        if let Some(t) = self.last_success {
            gauge(
                "efs_replicator_last_success_timestamp_seconds",
                "gauge",
                "Unix time at which the last successful check ended.",
                t.duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
                    .to_string(),
            );
        }
        gauge(
            "efs_replicator_checks_total",
            "counter",
            "Checks attempted since the exporter started.",
            self.checks_total.to_string(),
        );
        gauge(
            "efs_replicator_check_errors_total",
            "counter",
            "Checks that failed (configuration, discovery or planning error) since the exporter started.",
            self.errors_total.to_string(),
        );
        if let Some(d) = self.last_duration {
            gauge(
                "efs_replicator_check_duration_seconds",
                "gauge",
                "How long the last check took.",
                format!("{:.3}", d.as_secs_f64()),
            );
        }
        if let Some(e) = &self.last_error {
            let name = "efs_replicator_check_last_error_info";
            let _ = writeln!(
                s,
                "# HELP {name} 1, labelled with the error of the last check, while it failed."
            );
            let _ = writeln!(s, "# TYPE {name} gauge");
            let _ = writeln!(s, "{name}{{error=\"{}\"}} 1", escape_label_value(e));
        }
        s
    }

    /// `/healthz` body and status: 200 once the exporter runs (also when
    /// checks fail: that is what the metrics are for).
    pub fn health(&self) -> (StatusCode, String) {
        let last = match self.last_attempt_ok {
            None => "no check has finished yet".to_owned(),
            Some(true) => "the last check succeeded".to_owned(),
            Some(false) => format!(
                "the last check failed: {}",
                self.last_error.as_deref().unwrap_or("")
            ),
        };
        (StatusCode::OK, format!("ok: {last}\n"))
    }
}

/// The HTTP routes: `GET /metrics`, `GET /healthz`.
pub fn app(state: Shared) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(state)
}

async fn metrics(State(s): State<Shared>) -> Response {
    let body = s.lock().unwrap_or_else(|p| p.into_inner()).metrics();
    ([(header::CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE)], body).into_response()
}

async fn healthz(State(s): State<Shared>) -> Response {
    let (code, body) = s.lock().unwrap_or_else(|p| p.into_inner()).health();
    (code, body).into_response()
}

/// Runs checks every `interval` (the first right away) and serves the
/// results on `listener` until `shutdown` completes; then stops accepting,
/// finishes the requests in flight and returns. `log` receives one line per
/// check (its summary, or its error).
pub async fn serve<C, F>(
    listener: TcpListener,
    interval: Duration,
    mut check: C,
    log: impl Fn(&str),
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    C: FnMut() -> F,
    F: Future<Output = Result<CheckReport, String>>,
{
    let state: Shared = Arc::default();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut checker_stop = stop_rx.clone();
    let mut server_stop = stop_rx;
    // The checks run on this task (their futures need not be Send); the
    // server spawns a task per connection.
    let checker = async {
        loop {
            let started = Instant::now();
            let result = tokio::select! {
                r = check() => r,
                _ = checker_stop.wait_for(|stop| *stop) => return,
            };
            let took = started.elapsed();
            match &result {
                Ok(r) => {
                    let s = r.summary();
                    log(&format!(
                        "check {}: {} declared, {} drifted, {} unhealthy, {} unmanaged ({:.1}s)",
                        if r.ok() { "ok" } else { "found problems" },
                        s.declared,
                        s.drifted,
                        s.unhealthy,
                        s.unmanaged,
                        took.as_secs_f64()
                    ))
                }
                Err(e) => log(&format!(
                    "check failed ({:.1}s), serving the last good result: {e}",
                    took.as_secs_f64()
                )),
            }
            state.lock().unwrap_or_else(|p| p.into_inner()).record(
                result.as_ref().map_err(String::as_str),
                took,
                SystemTime::now(),
            );
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = checker_stop.wait_for(|stop| *stop) => return,
            }
        }
    };
    let server = axum::serve(listener, app(state.clone())).with_graceful_shutdown(async move {
        let _ = server_stop.wait_for(|stop| *stop).await;
    });
    let stopper = async {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    let (served, (), ()) = tokio::join!(server.into_future(), checker, stopper);
    served
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> CheckReport {
        CheckReport {
            checked_at: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            entries: vec![],
            unmanaged: vec![],
            unmanaged_is_drift: false,
        }
    }

    #[test]
    fn a_failure_keeps_the_last_good_metrics_and_counts_the_error() {
        let mut s = Snapshot::default();
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_100);
        s.record(Ok(&report()), Duration::from_millis(1500), t);
        let ok = s.metrics();
        assert!(ok.contains("efs_replication_check_ok 1\n"), "{ok}");
        assert!(ok.contains("efs_replicator_check_success 1\n"), "{ok}");
        assert!(ok.contains("efs_replicator_last_success_timestamp_seconds 1700000100\n"));
        assert!(ok.contains("efs_replicator_check_duration_seconds 1.500\n"));
        assert!(!ok.contains("last_error_info"));

        s.record(
            Err("AccessDenied \"x\"\nmore"),
            Duration::from_secs(2),
            t + Duration::from_secs(60),
        );
        let failed = s.metrics();
        assert!(
            failed.contains("efs_replication_check_ok 1\n"),
            "last good kept: {failed}"
        );
        assert!(failed.contains("efs_replicator_check_success 0\n"));
        assert!(failed.contains("efs_replicator_check_errors_total 1\n"));
        assert!(failed.contains("efs_replicator_checks_total 2\n"));
        assert!(failed.contains("efs_replicator_last_success_timestamp_seconds 1700000100\n"));
        assert!(
            failed.contains(
                "efs_replicator_check_last_error_info{error=\"AccessDenied \\\"x\\\"\\nmore\"} 1\n"
            ),
            "{failed}"
        );
    }
}
