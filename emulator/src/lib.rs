//! efs-emulator: a wire-compatible emulator of the Amazon EFS file-system
//! and replication APIs (restJson1, SigV4-scoped Regions and accounts) for
//! tests, demos and CI. One listener serves every Region.
//!
//! Code map, in the order a request flows:
//! - [`wire`]: routing `(method, path)` to an operation, query/JSON decoding,
//!   the response shapes as `Serialize` structs (`wire/efs.rs`,
//!   `wire/kms.rs`), the AWS error shape.
//! - [`auth`]: Region and account from the SigV4 credential scope.
//! - [`throttle`]: `--throttle-rps` token buckets (`ThrottlingException`).
//! - [`ops`]: per-operation input checks, a call into the store, and the
//!   encoding of the records it returns.
//! - [`validate`]: service-model patterns, lengths, enums; Region/AZ table.
//! - [`state`]: the data and the replication semantics (records, file
//!   systems, replications, KMS, seed documents); no I/O, no clock, no
//!   response encoding.
//! - [`persist`]: the state file (atomic replace).
//! - [`admin`]: `/_emulator/` stats, reset, faults, clock.
//! - [`kms`]: the KMS operations (JSON 1.1, `POST /` with
//!   `X-Amz-Target`), on the same listener and account model; their data
//!   is in `state/kms.rs`.
//! - [`sts`]: STS `AssumeRole` on the query protocol (`POST /` with a form
//!   body, XML), issuing temporary credentials that act in the role's
//!   account.
//! - [`variants`]: the behaviour variants for undocumented EFS behaviour
//!   (listing scope, owner ids, delete lags, throttling status) and named
//!   sets of them.
//!
//! Start reading at [`start`] and [`app`]. The library never prints; the
//! binary (`main.rs`) prints the listening line.

pub mod admin;
pub mod auth;
pub mod kms;
pub mod ops;
pub mod persist;
pub mod state;
pub mod sts;
pub mod throttle;
pub mod validate;
pub mod variants;
pub mod wire;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::admin::{Faults, RequestRecord, Stats};
use crate::persist::{PersistError, Persister};
use crate::state::{Store, Timings};
use crate::throttle::Throttle;
pub use crate::variants::{ListingScope, OwnerIds, VariantSet};
use crate::wire::{ApiError, Query};

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Emulator settings (see the README for each flag of the binary).
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// State file; `None` keeps state in memory only.
    pub state_file: Option<PathBuf>,
    /// Account of callers whose access key is not in `access_key_accounts`.
    pub account_id: String,
    /// Access key id -> account id, for cross-account scenarios.
    pub access_key_accounts: BTreeMap<String, String>,
    /// File system `creating` -> `available`.
    pub create_delay: Duration,
    /// Replication ENABLING -> ENABLED.
    pub enable_delay: Duration,
    /// Replication DELETING -> gone (destination protection back to ENABLED).
    pub delete_delay: Duration,
    /// From ENABLED to the first LastReplicatedTimestamp.
    pub initial_sync_delay: Duration,
    /// How often LastReplicatedTimestamp advances after the initial sync.
    pub sync_interval: Duration,
    /// Added to every API request.
    pub latency: Duration,
    /// Mutating calls per second per account and Region; `None` = unlimited.
    pub throttle_rps: Option<f64>,
    /// Which replications an unfiltered DescribeReplicationConfigurations
    /// lists in a Region (`--listing-scope`).
    pub listing_scope: ListingScope,
    /// Whether same-account replication descriptions carry owner ids
    /// (`--owner-ids`).
    pub owner_ids: OwnerIds,
    /// After a deletion, how long the destination side stays (DELETING, its
    /// file system still REPLICATING) once the source side is gone
    /// (`--destination-delete-lag`).
    pub destination_delete_lag: Duration,
    /// HTTP status of `ThrottlingException`: 400 (as EFS answers) or 429
    /// (`--throttle-status`).
    pub throttle_status: u16,
    /// DeleteFileSystem leaves the file system `deleting` this long
    /// (`--file-system-delete-delay`).
    pub file_system_delete_delay: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_file: None,
            account_id: "123456789012".into(),
            access_key_accounts: BTreeMap::new(),
            create_delay: Duration::ZERO,
            enable_delay: Duration::from_secs(2),
            delete_delay: Duration::from_secs(2),
            initial_sync_delay: Duration::from_secs(5),
            sync_interval: Duration::from_secs(60),
            latency: Duration::ZERO,
            throttle_rps: None,
            listing_scope: ListingScope::Both,
            owner_ids: OwnerIds::Always,
            destination_delete_lag: Duration::ZERO,
            throttle_status: variants::DEFAULT_THROTTLE_STATUS,
            file_system_delete_delay: variants::DEFAULT_FILE_SYSTEM_DELETE_DELAY,
        }
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A configuration value is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The state file could not be read or parsed.
    #[error(transparent)]
    State(#[from] PersistError),
    /// The state file parsed but an entry is invalid.
    #[error("state file {path}: {cause}")]
    InvalidState {
        path: PathBuf,
        cause: state::LoadError,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {cause}")]
    Bind {
        addr: SocketAddr,
        cause: std::io::Error,
    },
}

/// Everything a request handler needs; shared by all connections.
#[derive(Debug)]
pub struct AppState {
    config: Config,
    store: Mutex<Store>,
    persister: Option<Persister>,
    stats: Mutex<Stats>,
    faults: Mutex<Faults>,
    throttle: Option<Throttle>,
    /// Temporary credentials issued by STS `AssumeRole`.
    issued: Mutex<sts::Issued>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn wall_clock() -> f64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_millis() as f64) / 1000.0
}

impl AppState {
    /// Validates the configuration and loads the state file, if any.
    pub fn new(config: Config) -> Result<Arc<AppState>, StartError> {
        if !validate::account_id(&config.account_id) {
            return Err(StartError::Config(format!(
                "account id '{}' must be 12 digits",
                config.account_id
            )));
        }
        for (key, account) in &config.access_key_accounts {
            if key.is_empty() || !validate::account_id(account) {
                return Err(StartError::Config(format!(
                    "access key mapping '{key}={account}' needs a non-empty key and a 12-digit account"
                )));
            }
        }
        if let Some(r) = config.throttle_rps {
            if !(r > 0.0 && r.is_finite()) {
                return Err(StartError::Config(format!(
                    "throttle rate must be a positive number, got {r}"
                )));
            }
        }
        if !matches!(config.throttle_status, 400 | 429) {
            return Err(StartError::Config(format!(
                "throttle status must be 400 or 429, got {}",
                config.throttle_status
            )));
        }
        let secs = |d: Duration| d.as_secs_f64();
        let timings = Timings {
            create: secs(config.create_delay),
            enable: secs(config.enable_delay),
            delete: secs(config.delete_delay),
            initial_sync: secs(config.initial_sync_delay),
            sync_interval: secs(config.sync_interval),
            destination_delete_lag: secs(config.destination_delete_lag),
            file_system_delete: secs(config.file_system_delete_delay),
            listing_scope: config.listing_scope,
            owner_ids: config.owner_ids,
        };
        if let Some(path) = &config.state_file {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if !dir.is_dir() {
                return Err(StartError::Config(format!(
                    "the directory of state file {} does not exist; create it first",
                    path.display()
                )));
            }
        }
        let store = match &config.state_file {
            None => Store::new(timings),
            Some(path) => match persist::load(path)? {
                None => Store::new(timings),
                Some(doc) => {
                    let store =
                        Store::from_document(doc, timings, &config.account_id, wall_clock())
                            .map_err(|source| StartError::InvalidState {
                                path: path.clone(),
                                cause: source,
                            })?;
                    // A hand-written seed gets its defaults (creation times
                    // = load time, ...) filled in at load: write them back
                    // at once so that the next start sees the same state.
                    let normalised = persist::encode(&store.to_document());
                    if std::fs::read(path).ok().as_deref() != Some(normalised.as_slice()) {
                        persist::write_atomic(path, &normalised)?;
                    }
                    store
                }
            },
        };
        Ok(Arc::new(AppState {
            persister: config.state_file.clone().map(Persister::new),
            throttle: config.throttle_rps.map(Throttle::new),
            store: Mutex::new(store),
            stats: Mutex::new(Stats::default()),
            faults: Mutex::new(Faults::default()),
            issued: Mutex::new(sts::Issued::default()),
            config,
        }))
    }

    /// The configuration the emulator runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    pub(crate) fn stats(&self) -> MutexGuard<'_, Stats> {
        lock(&self.stats)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, Faults> {
        lock(&self.faults)
    }

    /// The emulator's clock: wall clock plus the admin offset.
    pub(crate) fn now(&self, store: &Store) -> f64 {
        wall_clock() + store.clock_offset
    }

    /// Records that the store changed (its generation was bumped): wakes
    /// the writer task, which writes the state file behind the change.
    /// Must be called without the store lock held, inside the runtime.
    pub(crate) fn changed(self: &Arc<Self>) {
        let Some(p) = &self.persister else { return };
        if p.claim_writer() {
            let wake = p.wake().clone();
            let weak = Arc::downgrade(self);
            tokio::spawn(async move {
                loop {
                    wake.notified().await;
                    let Some(state) = weak.upgrade() else { break };
                    if let Err(e) = state.flush().await {
                        eprintln!("efs-emulator: {e}");
                    }
                }
            });
        }
        p.wake().notify_one();
    }

    /// Writes the state file now if it lags the store (blocking I/O).
    /// The records are cloned under the store lock; encoding and the
    /// atomic replace happen outside it.
    pub fn flush_blocking(&self) -> Result<(), PersistError> {
        let Some(p) = &self.persister else {
            return Ok(());
        };
        let wrote = p.write_current(|written| {
            let store = self.store();
            (store.generation > written).then(|| (store.generation, store.to_document()))
        })?;
        if wrote {
            self.stats().state_writes += 1;
        }
        Ok(())
    }

    /// Writes the state file now if it lags the store (if there is one).
    pub async fn flush(self: &Arc<Self>) -> Result<(), PersistError> {
        let Some(p) = &self.persister else {
            return Ok(());
        };
        let path = p.path().to_path_buf();
        let state = self.clone();
        tokio::task::spawn_blocking(move || state.flush_blocking())
            .await
            .unwrap_or_else(|e| {
                Err(PersistError::Write {
                    path,
                    cause: std::io::Error::other(e.to_string()),
                })
            })
    }
}

/// The router: EFS API plus `/_emulator/` admin, without a socket.
pub fn app(state: Arc<AppState>) -> Router {
    admin::router().fallback(dispatch).with_state(state)
}

struct Outcome {
    operation: &'static str,
    caller: Option<auth::Caller>,
    result: Result<(StatusCode, Option<wire::JsonBody>), ApiError>,
    /// The request body was not read to the end: the connection must close.
    close: bool,
}

async fn dispatch(State(state): State<Arc<AppState>>, req: Request) -> Response {
    if !state.config.latency.is_zero() {
        tokio::time::sleep(state.config.latency).await;
    }
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    // Other services share the listener: `POST /` with their protocol's marker.
    if kms::is_kms(&req) {
        let served = kms::serve(&state, req).await;
        return finish(
            &state,
            served.response,
            served.operation,
            served.caller,
            served.error,
            (method, path, started),
        );
    }
    if is_post_root(&req) {
        let (resp, operation, caller, error) = post_root(&state, req).await;
        return finish(
            &state,
            resp,
            operation,
            caller,
            error,
            (method, path, started),
        );
    }
    let outcome = handle(&state, req).await;
    let error = outcome.result.as_ref().err().map(|e| e.code().to_string());
    let mut resp = match outcome.result {
        Ok((status, Some(body))) => (status, body).into_response(),
        Ok((status, None)) => (status, Body::empty()).into_response(),
        Err(e) => e.into_response(),
    };
    if outcome.close {
        resp.headers_mut().insert(
            axum::http::header::CONNECTION,
            HeaderValue::from_static("close"),
        );
    }
    finish(
        &state,
        resp,
        outcome.operation,
        outcome.caller,
        error,
        (method, path, started),
    )
}

/// Adds the request id and records the request in the statistics.
fn finish(
    state: &AppState,
    mut resp: Response,
    operation: &str,
    caller: Option<auth::Caller>,
    error: Option<String>,
    (method, path, started): (String, String, Instant),
) -> Response {
    // STS puts its request id in the body too; it is kept in the header.
    if !resp.headers().contains_key("x-amzn-RequestId") {
        let request_id = uuid::Uuid::new_v4().to_string();
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            resp.headers_mut().insert("x-amzn-RequestId", v);
        }
    }
    let record = RequestRecord {
        seq: 0,
        operation: operation.to_string(),
        region: caller.as_ref().map(|c| c.region.clone()),
        account: caller.as_ref().map(|c| c.account.clone()),
        status: resp.status().as_u16(),
        error,
        method,
        path,
        duration_us: started.elapsed().as_micros() as u64,
        time: wall_clock(),
    };
    state.stats().record(record);
    resp
}

/// A response, the operation, the caller and the error code, for the log.
type Handled = (Response, &'static str, Option<auth::Caller>, Option<String>);

/// `POST /` without KMS's `X-Amz-Target`: STS's query protocol (EFS's
/// paths all start with its API version).
fn is_post_root(req: &Request) -> bool {
    req.method() == axum::http::Method::POST && req.uri().path() == "/"
}

/// An STS request (query protocol, form body).
async fn post_root(state: &Arc<AppState>, req: Request) -> Handled {
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        let e = too_large();
        let code = e.code().to_string();
        return (e.into_response(), "Unknown", None, Some(code));
    };
    let mut o = sts::handle(state, &parts, &body, &request_id);
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        o.response.headers_mut().insert("x-amzn-RequestId", v);
    }
    (o.response, o.operation, o.caller, o.error)
}

async fn handle(state: &Arc<AppState>, req: Request) -> Outcome {
    let mut out = Outcome {
        operation: "Unknown",
        caller: None,
        result: Ok((StatusCode::OK, None)),
        close: false,
    };
    let (parts, body) = req.into_parts();
    let announced = parts
        .headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Ok(r) = wire::route(&parts.method, parts.uri.path()) {
        out.operation = r.operation.name();
    }
    if announced.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        out.close = true;
        out.result = Err(too_large());
        return out;
    }
    // Checks that need no body answer at once; the body is then drained in
    // the background so the kept-alive connection stays usable.
    let checked = guarded(|| precheck(state, &parts, &mut out.caller));
    let (route, query, caller) = match checked {
        Ok(c) => c,
        Err(e) => {
            tokio::spawn(async move {
                let _ = axum::body::to_bytes(body, MAX_BODY_BYTES).await;
            });
            out.result = Err(e);
            return out;
        }
    };
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            out.close = true;
            out.result = Err(too_large());
            return out;
        }
    };
    out.result = run(state, &route, &query, &caller, &body).await;
    // An `after` fault rule: the call was carried out, its answer is lost.
    if out.result.is_ok() {
        if let Some(e) = state
            .faults()
            .take_after(route.operation.name(), &caller.region)
        {
            out.result = Err(e);
        }
    }
    out
}

/// Routing, query decoding, authentication, fault rules and throttling.
fn precheck(
    state: &Arc<AppState>,
    parts: &axum::http::request::Parts,
    caller_slot: &mut Option<auth::Caller>,
) -> Result<(wire::Route, Query, auth::Caller), ApiError> {
    let route = wire::route(&parts.method, parts.uri.path())?;
    let query = Query::parse(parts.uri.query())?;
    let authorization = parts
        .headers
        .get("authorization")
        .map(|v| {
            v.to_str().map_err(|_| {
                ApiError::IncompleteSignature("Authorization header is not ASCII".into())
            })
        })
        .transpose()?;
    let caller = state.resolve_issued(auth::caller(
        authorization,
        query.get("X-Amz-Credential")?,
        &state.config.account_id,
        &state.config.access_key_accounts,
    )?);
    *caller_slot = Some(caller.clone());
    let op = route.operation;
    if let Some(mut e) = state.faults().take(op.name(), &caller.region) {
        // A throttling fault without its own status plays --throttle-status,
        // so that read calls (never charged to --throttle-rps) can be
        // throttled the way the chosen variant answers.
        if let ApiError::Throttling { status, .. } = &mut e {
            *status = state.config.throttle_status;
        }
        return Err(e);
    }
    if op.is_mutating() {
        if let Some(t) = &state.throttle {
            if !t.try_acquire(&caller.account, &caller.region) {
                // AWS's wording, exactly (the budget is in the README).
                return Err(ApiError::Throttling {
                    status: state.config.throttle_status,
                    message: "Rate exceeded".into(),
                });
            }
        }
    }
    Ok((route, query, caller))
}

/// Runs the operation against the store and persists a change.
async fn run(
    state: &Arc<AppState>,
    route: &wire::Route,
    query: &Query,
    caller: &auth::Caller,
    body: &[u8],
) -> Result<(StatusCode, Option<wire::JsonBody>), ApiError> {
    let op = route.operation;
    let body: &[u8] = if op.has_body() { body } else { &[] };
    let (result, changed) = {
        let mut store = state.store();
        let now = state.now(&store);
        store.sweep(now);
        let result = guarded(|| ops::execute(&mut store, caller, route, query, body, now));
        let changed = result.is_ok() && op.is_mutating();
        if changed {
            store.generation += 1;
        }
        (result, changed)
    };
    if changed {
        state.changed();
    }
    Ok((op.success_status(), result?))
}

/// Runs request handling so that a bug answers 500 InternalServerError
/// instead of dropping the connection.
fn guarded<T>(f: impl FnOnce() -> Result<T, ApiError>) -> Result<T, ApiError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(ApiError::InternalServerError(
            "The emulator hit an internal error handling this request; please report it with the request".into(),
        ))
    })
}

fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "The request body is larger than {MAX_BODY_BYTES} bytes or could not be read"
    ))
}

/// A running emulator.
#[derive(Debug)]
pub struct Emulator {
    base_url: String,
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Emulator {
    /// `http://IP:PORT`, for `endpoint_url`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (for in-process inspection).
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// The same document as `GET /_emulator/stats` (counts and request log).
    pub fn stats(&self) -> serde_json::Value {
        admin::stats_json(&self.state)
    }

    /// The emulator's clock in seconds since the Unix epoch: the wall
    /// clock plus what `POST /_emulator/clock` added.
    pub fn now(&self) -> f64 {
        let store = self.state.store();
        self.state.now(&store)
    }

    /// Moves the emulator's clock forward (like `POST /_emulator/clock`).
    /// Writes the state file before returning.
    pub async fn advance_clock(&self, by: Duration) -> Result<(), PersistError> {
        {
            let mut store = self.state.store();
            let now = self.state.now(&store);
            store.sweep(now);
            store.clock_offset += by.as_secs_f64();
            store.generation += 1;
        }
        self.state.flush().await
    }

    /// Stops accepting requests, waits (up to 5 s) for in-flight ones, and
    /// writes the state file.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.task).await;
        self.task.abort();
        if let Err(e) = self.state.flush().await {
            eprintln!("efs-emulator: {e}");
        }
    }
}

/// Dropping the handle without [`Emulator::shutdown`] still writes the
/// last state (blocking), so a test's state file is current afterwards.
impl Drop for Emulator {
    fn drop(&mut self) {
        if let Err(e) = self.state.flush_blocking() {
            eprintln!("efs-emulator: {e}");
        }
    }
}

/// Loads state, binds the listener and serves in a background task.
pub async fn start(config: Config) -> Result<Emulator, StartError> {
    let listen = config.listen;
    let state = AppState::new(config)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: listen,
            cause: source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: listen,
        cause: source,
    })?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = app(state.clone());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(Emulator {
        base_url: format!("http://{addr}"),
        addr,
        state,
        stop: Some(stop),
        task,
    })
}
