//! The operator API under `/_emulator/` (JSON, not AWS-shaped): request
//! statistics and log, reset, fault rules (fail the next N calls of an
//! operation), forced replication status, stalled LastReplicatedTimestamp,
//! and the adjustable clock. Also the request log and fault-rule types the
//! dispatcher uses.
//!
//! Admin requests are never counted in the statistics, never throttled and
//! never subject to fault rules or `--latency`. A request that changes
//! something is refused when it carries a foreign `Origin` (a web page).

use crate::state::{ForcedStatus, Replication};
use crate::wire::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// How many recent requests the log keeps.
pub const LOG_CAPACITY: usize = 10_000;

/// One logged API request.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub seq: u64,
    pub operation: String,
    pub region: Option<String>,
    pub account: Option<String>,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub method: String,
    pub path: String,
    /// Server time spent on the request, excluding `--latency`.
    pub duration_us: u64,
    pub time: f64,
}

/// Request counters and the recent-request log.
#[derive(Debug, Default)]
pub struct Stats {
    total: u64,
    throttled: u64,
    by_operation: BTreeMap<String, u64>,
    log: VecDeque<RequestRecord>,
    seq: u64,
    /// Writes of the state file since start (or reset).
    pub(crate) state_writes: u64,
}

impl Stats {
    /// Records a request; `seq` is assigned here.
    pub fn record(&mut self, mut r: RequestRecord) {
        self.seq += 1;
        r.seq = self.seq;
        self.total += 1;
        if r.error.as_deref() == Some("ThrottlingException") {
            self.throttled += 1;
        }
        *self.by_operation.entry(r.operation.clone()).or_default() += 1;
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(r);
    }

    fn to_json(&self) -> Value {
        json!({
            "total": self.total,
            "throttled": self.throttled,
            "by_operation": self.by_operation,
            "requests": self.log,
            "state_writes": self.state_writes,
        })
    }
}

/// A fault rule: the next `remaining` calls of `operation` (optionally only
/// in `region`) fail with `error`; with `after`, each of them is carried out
/// first and then answered with `error` (an answer lost on the way back).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaultRule {
    #[serde(default)]
    pub id: u64,
    pub operation: String,
    pub error: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub region: Option<String>,
    /// Apply the call, then answer with the error.
    #[serde(default)]
    pub after: bool,
}

fn one() -> u32 {
    1
}

/// The active fault rules.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Vec<FaultRule>,
    next_id: u64,
}

impl Faults {
    /// Consumes one use of the first matching rule that fails a call
    /// before it is carried out, and returns its error.
    pub fn take(&mut self, operation: &str, region: &str) -> Option<ApiError> {
        self.take_when(operation, region, false)
    }

    /// Consumes one use of the first matching `after` rule (the call was
    /// carried out) and returns its error.
    pub fn take_after(&mut self, operation: &str, region: &str) -> Option<ApiError> {
        self.take_when(operation, region, true)
    }

    fn take_when(&mut self, operation: &str, region: &str, after: bool) -> Option<ApiError> {
        let i = self.rules.iter().position(|r| {
            r.after == after
                && r.operation == operation
                && r.region.as_deref().is_none_or(|x| x == region)
        })?;
        let rule = &mut self.rules[i];
        rule.count -= 1;
        let err = ApiError::from_code(
            &rule.error,
            rule.message
                .clone()
                .unwrap_or_else(|| format!("Injected {} fault", rule.error)),
            rule.status,
        );
        if rule.count == 0 {
            self.rules.remove(i);
        }
        Some(err)
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }
}

/// The admin router, mounted under `/_emulator`.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_emulator/stats", get(stats))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/flush", post(flush))
        .route(
            "/_emulator/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route(
            "/_emulator/replications/{fs}/status",
            post(force_status).delete(clear_status),
        )
        .route(
            "/_emulator/replications/{fs}/stall",
            post(stall).delete(resume),
        )
        .route("/_emulator/clock", get(clock).post(advance_clock))
        .route("/_emulator/state", get(dump_state))
        .layer(axum::middleware::from_fn(same_origin_only))
}

/// Refuses an admin request that changes something (any method but GET
/// and HEAD) when it carries an `Origin` other than the emulator's own
/// address: a browser sends one with every cross-origin POST, so a web
/// page cannot reset or reconfigure a running emulator. Clients that are
/// not browsers (tests, curl, boto3) send no `Origin` and are not affected.
async fn same_origin_only(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::{header, Method};
    if req.method() != Method::GET && req.method() != Method::HEAD {
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok());
            let origin_host = origin
                .to_str()
                .ok()
                .and_then(|o| o.split_once("://"))
                .map(|(_, h)| h.trim_end_matches('/'));
            if origin_host.is_none() || origin_host != host {
                return admin_error(
                    StatusCode::FORBIDDEN,
                    format!(
                        "cross-origin admin request refused (Origin {}): the admin API changes the emulator's state and accepts no request from a web page of another origin",
                        origin.to_str().unwrap_or("?")
                    ),
                );
            }
        }
    }
    next.run(req).await
}

fn admin_error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, Box<Response>> {
    let bytes: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(bytes).map_err(|e| {
        Box::new(admin_error(
            StatusCode::BAD_REQUEST,
            format!("invalid JSON body: {e}"),
        ))
    })
}

/// The `GET /_emulator/stats` document.
pub(crate) fn stats_json(s: &AppState) -> Value {
    let mut v = s.stats().to_json();
    let store = s.store();
    let (fs, reps) = store.counts();
    let (keys, aliases) = store.kms.counts();
    v["file_systems"] = json!(fs);
    v["replications"] = json!(reps);
    v["kms_keys"] = json!(keys);
    v["kms_aliases"] = json!(aliases);
    v
}

async fn stats(State(s): State<Arc<AppState>>) -> Response {
    Json(stats_json(&s)).into_response()
}

async fn reset(State(s): State<Arc<AppState>>) -> Response {
    *s.stats() = Stats::default();
    s.faults().clear();
    if let Some(t) = &s.throttle {
        t.reset();
    }
    s.store().reset();
    match s.flush().await {
        Ok(()) => Json(json!({"reset": true})).into_response(),
        Err(e) => admin_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Writes the state file now (if it lags), so that it holds every change
/// acknowledged before this request.
async fn flush(State(s): State<Arc<AppState>>) -> Response {
    match s.flush().await {
        Ok(()) => Json(json!({
            "state_file": s.config().state_file.as_ref().map(|p| p.display().to_string()),
            "state_writes": s.stats().state_writes,
        }))
        .into_response(),
        Err(e) => admin_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn list_faults(State(s): State<Arc<AppState>>) -> Response {
    Json(json!({"faults": s.faults().rules})).into_response()
}

async fn add_fault(State(s): State<Arc<AppState>>, body: Bytes) -> Response {
    let mut rule: FaultRule = match parse(&body) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    if rule.count == 0 {
        return admin_error(StatusCode::BAD_REQUEST, "count must be at least 1");
    }
    if rule.operation.is_empty() || rule.error.is_empty() {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "operation and error are required, e.g. {\"operation\":\"CreateReplicationConfiguration\",\"error\":\"InternalServerError\",\"count\":2}",
        );
    }
    let names: Vec<&str> = crate::wire::Operation::ALL
        .iter()
        .map(|o| o.name())
        .chain(crate::kms::OPERATIONS)
        .chain(crate::sts::OPERATIONS.iter().copied())
        .collect();
    if !names.contains(&rule.operation.as_str()) {
        return admin_error(
            StatusCode::BAD_REQUEST,
            format!("operation must be one of {}", names.join(", ")),
        );
    }
    if !rule
        .error
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.:#-".contains(c))
    {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "error must be an error code such as InternalServerError (letters, digits, _.:#-)",
        );
    }
    if let Some(st) = rule.status {
        if !(400..=599).contains(&st) {
            return admin_error(StatusCode::BAD_REQUEST, "status must be 400 to 599");
        }
    }
    let mut faults = s.faults();
    faults.next_id += 1;
    rule.id = faults.next_id;
    faults.rules.push(rule.clone());
    (StatusCode::CREATED, Json(json!(rule))).into_response()
}

async fn clear_faults(State(s): State<Arc<AppState>>) -> Response {
    s.faults().clear();
    Json(json!({"faults": []})).into_response()
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
    #[serde(default)]
    message: Option<String>,
}

async fn store_change(
    s: &Arc<AppState>,
    f: impl FnOnce(&mut crate::state::Store, f64) -> Result<Value, String>,
) -> Response {
    let result = {
        let mut store = s.store();
        let now = s.now(&store);
        store.sweep(now);
        let result = f(&mut store, now);
        if result.is_ok() {
            store.generation += 1;
        }
        result
    };
    match result {
        Ok(v) => {
            s.changed();
            Json(v).into_response()
        }
        Err(e) => admin_error(StatusCode::NOT_FOUND, e),
    }
}

async fn force_status(
    State(s): State<Arc<AppState>>,
    Path(fs): Path<String>,
    body: Bytes,
) -> Response {
    let b: StatusBody = match parse(&body) {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    if !crate::validate::REPLICATION_STATUSES.contains(&b.status.as_str()) {
        return admin_error(
            StatusCode::BAD_REQUEST,
            format!(
                "status must be one of {}",
                crate::validate::REPLICATION_STATUSES.join(", ")
            ),
        );
    }
    let forced = ForcedStatus {
        status: b.status,
        message: b.message,
    };
    store_change(&s, |st, _| {
        st.force_status(&fs, Some(forced)).map(forced_status_json)
    })
    .await
}

async fn clear_status(State(s): State<Arc<AppState>>, Path(fs): Path<String>) -> Response {
    store_change(&s, |st, _| {
        st.force_status(&fs, None).map(forced_status_json)
    })
    .await
}

async fn stall(State(s): State<Arc<AppState>>, Path(fs): Path<String>) -> Response {
    store_change(&s, |st, now| st.stall(&fs, true, now).map(stall_json)).await
}

async fn resume(State(s): State<Arc<AppState>>, Path(fs): Path<String>) -> Response {
    store_change(&s, |st, now| st.stall(&fs, false, now).map(stall_json)).await
}

/// The answer to a status control: the replication and its forced status.
pub(crate) fn forced_status_json(rep: &Replication) -> Value {
    json!({"source_file_system_id": rep.source_file_system_id, "forced_status": rep.forced_status})
}

/// The answer to a stall control: the replication and where it stalled.
pub(crate) fn stall_json(rep: &Replication) -> Value {
    json!({"source_file_system_id": rep.source_file_system_id, "stalled_at": rep.stalled_at})
}

fn clock_json(s: &AppState, store: &crate::state::Store) -> Value {
    json!({"now": s.now(store), "offset_seconds": store.clock_offset})
}

async fn clock(State(s): State<Arc<AppState>>) -> Response {
    let store = s.store();
    Json(clock_json(&s, &store)).into_response()
}

#[derive(Deserialize)]
struct ClockBody {
    advance_seconds: f64,
}

async fn advance_clock(State(s): State<Arc<AppState>>, body: Bytes) -> Response {
    let b: ClockBody = match parse(&body) {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    if !b.advance_seconds.is_finite() || b.advance_seconds < 0.0 {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "advance_seconds must be a non-negative number (the clock never goes back)",
        );
    }
    let s2 = s.clone();
    store_change(&s, move |st, _| {
        st.clock_offset += b.advance_seconds;
        Ok(clock_json(&s2, st))
    })
    .await
}

async fn dump_state(State(s): State<Arc<AppState>>) -> Response {
    let doc = s.store().to_document();
    Json(json!(doc)).into_response()
}
