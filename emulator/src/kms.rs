//! The KMS API on the emulator's listener, on the real wire protocol (AWS
//! JSON 1.1): `POST /` with `X-Amz-Target: TrentService.<Operation>`, a JSON
//! body, and errors as `{"__type": CODE, "message": ...}` (HTTP 400 for
//! every modeled client error). Serves CreateKey, CreateAlias, ListAliases
//! and DescribeKey; the caller's account comes from the access key and the
//! Region from the SigV4 scope (signed for `kms`), as for EFS.
//!
//! Input checks live here; the data and its rules are in `state/kms.rs`,
//! the response shapes in `wire/kms.rs`.
//! Fault rules apply to these operations by name; throttling does not.

use crate::auth::{self, Caller};
use crate::state::kms::{kms_error, DEFAULT_ALIAS_PAGE, MAX_ALIAS_PAGE};
use crate::wire::kms::{ErrorBody, KeyMetadataResponse, ListAliasesResponse};
use crate::wire::{parse_body, ApiError, JsonBody, Members};
use crate::{guarded, AppState, MAX_BODY_BYTES};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The SigV4 service name KMS clients sign with.
pub const SIGNING_NAME: &str = "kms";
/// The `X-Amz-Target` prefix of every KMS operation.
pub const TARGET_PREFIX: &str = "TrentService.";
/// The KMS operations the emulator serves (also valid in fault rules).
pub const OPERATIONS: [&str; 4] = ["CreateKey", "CreateAlias", "ListAliases", "DescribeKey"];

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Whether `req` is a KMS call: `POST /` with a `TrentService.` target.
pub fn is_kms(req: &Request) -> bool {
    req.method() == axum::http::Method::POST
        && req.uri().path() == "/"
        && req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with(TARGET_PREFIX))
}

/// A handled KMS request, for the request log.
pub struct Served {
    pub operation: &'static str,
    pub caller: Option<Caller>,
    pub error: Option<String>,
    pub response: Response,
}

/// Handles one KMS request (the caller checked [`is_kms`]).
pub async fn serve(state: &Arc<AppState>, req: Request) -> Served {
    let (parts, body) = req.into_parts();
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim_start_matches(TARGET_PREFIX)
        .to_string();
    let operation = OPERATIONS
        .iter()
        .copied()
        .find(|o| *o == target)
        .unwrap_or("Unknown");
    let mut caller = None;
    let result = match guarded(|| precheck(state, &parts, operation, &mut caller)) {
        Err(e) => Err(e),
        Ok(c) => match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Err(_) => Err(kms_error(
                "ValidationException",
                format!(
                    "The request body is larger than {MAX_BODY_BYTES} bytes or could not be read"
                ),
            )),
            Ok(bytes) => run(state, operation, &c, &bytes).await,
        },
    };
    let error = result.as_ref().err().map(|e| e.code().to_string());
    let response = match result {
        Ok(Some(v)) => (StatusCode::OK, v).into_response(),
        Ok(None) => (StatusCode::OK, Body::empty()).into_response(),
        Err(e) => error_response(&e),
    };
    let mut response = response;
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE),
    );
    Served {
        operation,
        caller,
        error,
        response,
    }
}

/// The JSON 1.1 error shape.
fn error_response(e: &ApiError) -> Response {
    let body = ErrorBody {
        kind: e.code(),
        message: e.to_string(),
    };
    (e.status(), axum::Json(body)).into_response()
}

/// Operation, content type, caller, fault rules.
fn precheck(
    state: &Arc<AppState>,
    parts: &axum::http::request::Parts,
    operation: &'static str,
    slot: &mut Option<Caller>,
) -> Result<Caller, ApiError> {
    let authorization = parts
        .headers
        .get("authorization")
        .map(|v| {
            v.to_str().map_err(|_| {
                ApiError::IncompleteSignature("Authorization header is not ASCII".into())
            })
        })
        .transpose()?;
    let caller = state.resolve_issued(auth::caller_for(
        SIGNING_NAME,
        authorization,
        None,
        &state.config.account_id,
        &state.config.access_key_accounts,
    )?);
    *slot = Some(caller.clone());
    if operation == "Unknown" {
        return Err(kms_error(
            "UnknownOperationException",
            format!(
                "The emulator serves the KMS operations {} only",
                OPERATIONS.join(", ")
            ),
        ));
    }
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/x-amz-json-1.") {
        return Err(kms_error(
            "SerializationException",
            format!("Content-Type must be {CONTENT_TYPE}, got '{content_type}'"),
        ));
    }
    if let Some(e) = state.faults().take(operation, &caller.region) {
        return Err(e);
    }
    Ok(caller)
}

/// Decodes the input, runs the operation and marks a change for the state file.
async fn run(
    state: &Arc<AppState>,
    operation: &'static str,
    caller: &Caller,
    body: &[u8],
) -> Result<Option<JsonBody>, ApiError> {
    let map = parse_body(body).map_err(|e| kms_error("SerializationException", e.to_string()))?;
    let m = Members::new(&map, "");
    let mutating = matches!(operation, "CreateKey" | "CreateAlias");
    let (result, changed) = {
        let mut store = state.store();
        let now = state.now(&store);
        let view = (caller.account.clone(), caller.region.clone());
        let result = guarded(|| execute(&mut store.kms, &view, operation, &m, now));
        let changed = result.is_ok() && mutating;
        if changed {
            store.generation += 1;
        }
        (result, changed)
    };
    if changed {
        state.changed();
    }
    result
}

fn validation(e: ApiError) -> ApiError {
    kms_error("ValidationException", e.to_string())
}

fn execute(
    kms: &mut crate::state::kms::Kms,
    view: &crate::state::View,
    operation: &str,
    m: &Members<'_>,
    now: f64,
) -> Result<Option<JsonBody>, ApiError> {
    let key_id = |name: &str, required: bool| -> Result<Option<&str>, ApiError> {
        let v = m.string(name).map_err(validation)?;
        match v {
            None if required => Err(kms_error(
                "ValidationException",
                format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", lower_first(name)),
            )),
            Some(s) if s.is_empty() || s.len() > 2048 => Err(kms_error(
                "ValidationException",
                format!("1 validation error detected: Value '{s}' at '{}' failed to satisfy constraint: Member must have length between 1 and 2048", lower_first(name)),
            )),
            other => Ok(other),
        }
    };
    match operation {
        "CreateKey" => {
            let description = m.string("Description").map_err(validation)?;
            if description.is_some_and(|d| d.chars().count() > 8192) {
                return Err(kms_error(
                    "ValidationException",
                    "Description must be at most 8192 characters",
                ));
            }
            let usage = m.string("KeyUsage").map_err(validation)?;
            let spec = match m.string("KeySpec").map_err(validation)? {
                Some(s) => Some(s),
                None => m.string("CustomerMasterKeySpec").map_err(validation)?,
            };
            let key = kms.create_key(view, description, usage, spec, now)?;
            JsonBody::of(&KeyMetadataResponse::from(&key)).map(Some)
        }
        "CreateAlias" => {
            let name = key_id("AliasName", true)?.unwrap_or_default();
            let target = key_id("TargetKeyId", true)?.unwrap_or_default();
            kms.create_alias(view, name, target, now).map(|()| None)
        }
        "ListAliases" => {
            let key = key_id("KeyId", false)?;
            let limit = match m.f64("Limit").map_err(validation)? {
                None => DEFAULT_ALIAS_PAGE,
                Some(n) if n.fract() == 0.0 && (1.0..=1000.0).contains(&n) => {
                    (n as usize).min(MAX_ALIAS_PAGE)
                }
                Some(n) => {
                    return Err(kms_error(
                        "ValidationException",
                        format!("1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000"),
                    ))
                }
            };
            let marker = m.string("Marker").map_err(validation)?;
            let page = kms.list_aliases(view, key, limit, marker)?;
            JsonBody::of(&ListAliasesResponse::from(page)).map(Some)
        }
        "DescribeKey" => {
            let key = key_id("KeyId", true)?.unwrap_or_default();
            let key = kms.describe_key(view, key)?;
            JsonBody::of(&KeyMetadataResponse::from(&key)).map(Some)
        }
        other => Err(kms_error(
            "UnknownOperationException",
            format!("Unknown operation {other}"),
        )),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}
