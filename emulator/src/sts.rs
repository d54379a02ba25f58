//! STS on the AWS query protocol: `POST /` with a form body
//! (`Action=AssumeRole&Version=2011-06-15&RoleArn=...&RoleSessionName=...`)
//! answered in XML (`AssumeRoleResponse`, errors as `ErrorResponse`).
//!
//! `AssumeRole` issues temporary credentials (`ASIA...` access key, secret,
//! session token, expiration) whose access key maps to the role's account:
//! later EFS calls signed with them act in that account, on the same
//! listener and account model as every other caller. `GetCallerIdentity`
//! says which account a key acts in. Roles are not modelled (any role ARN
//! of a valid shape can be assumed); refusals are played with the admin
//! fault rules (operation `AssumeRole`), e.g. `AccessDenied` with status 403.
//!
//! Requests must be signed for the `sts` service; signatures are not
//! verified. This module never touches the EFS store.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::distr::{Alphanumeric, SampleString};
use rand::Rng;

use crate::auth::{self, Caller};
use crate::wire::{ApiError, Query};
use crate::AppState;

/// The SigV4 service name STS clients sign with.
pub const SIGNING_NAME: &str = "sts";

/// The STS operations served (also the names fault rules may use).
pub const OPERATIONS: &[&str] = &["AssumeRole", "GetCallerIdentity"];

/// The API version every request must name.
pub const VERSION: &str = "2011-06-15";

const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Temporary credentials issued by `AssumeRole`: access key -> account.
#[derive(Debug, Default)]
pub struct Issued(BTreeMap<String, String>);

impl Issued {
    /// The account an issued access key acts in.
    pub fn account(&self, access_key: &str) -> Option<&str> {
        self.0.get(access_key).map(String::as_str)
    }
}

/// What one STS request did, for the request log.
pub struct Outcome {
    /// `AssumeRole`, `GetCallerIdentity`, or `Unknown`.
    pub operation: &'static str,
    /// Who called, once known.
    pub caller: Option<Caller>,
    /// The error code, when it failed.
    pub error: Option<String>,
    /// The XML response.
    pub response: Response,
}

/// An STS error: code, HTTP status, message; `Sender` or `Receiver` fault.
struct StsError {
    code: String,
    status: StatusCode,
    message: String,
}

impl StsError {
    fn validation(message: impl Into<String>) -> Self {
        StsError {
            code: "ValidationError".into(),
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    fn from_api(e: &ApiError) -> Self {
        StsError {
            code: e.code().to_string(),
            status: e.status(),
            message: e.to_string(),
        }
    }

    fn into_xml(self, request_id: &str) -> Response {
        let fault = if self.status.is_server_error() {
            "Receiver"
        } else {
            "Sender"
        };
        let body = format!(
            "<ErrorResponse xmlns=\"{XMLNS}\">\n  <Error>\n    <Type>{fault}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
            escape(&self.code),
            escape(&self.message)
        );
        xml(self.status, body)
    }
}

fn xml(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("text/xml"));
    r
}

/// Escapes text for an XML element.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Handles one `POST /` query-protocol request (headers and body read).
pub fn handle(
    state: &Arc<AppState>,
    parts: &axum::http::request::Parts,
    body: &[u8],
    request_id: &str,
) -> Outcome {
    let mut out = Outcome {
        operation: "Unknown",
        caller: None,
        error: None,
        response: StatusCode::OK.into_response(),
    };
    let result = run(state, parts, body, &mut out);
    out.response = match result {
        Ok(xml_body) => xml(StatusCode::OK, xml_body.replace("{request_id}", request_id)),
        Err(e) => {
            out.error = Some(e.code.clone());
            e.into_xml(request_id)
        }
    };
    out
}

fn run(
    state: &Arc<AppState>,
    parts: &axum::http::request::Parts,
    body: &[u8],
    out: &mut Outcome,
) -> Result<String, StsError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| StsError::validation("The request body is not UTF-8 form data"))?;
    let form = Query::parse(Some(text)).map_err(|e| StsError::from_api(&e))?;
    let get = |name: &str| param(&form, name);
    let action = get("Action")?.map(str::to_owned);
    out.operation = match action.as_deref() {
        Some("AssumeRole") => "AssumeRole",
        Some("GetCallerIdentity") => "GetCallerIdentity",
        _ => "Unknown",
    };
    let authorization = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let caller = auth::caller_for(
        SIGNING_NAME,
        authorization,
        None,
        &state.config().account_id,
        &state.config().access_key_accounts,
    )
    .map_err(|e| StsError::from_api(&e))?;
    let caller = state.resolve_issued(caller);
    out.caller = Some(caller.clone());
    let Some(action) = action else {
        return Err(StsError {
            code: "MissingAction".into(),
            status: StatusCode::BAD_REQUEST,
            message: "Missing Action".into(),
        });
    };
    if get("Version")? != Some(VERSION) {
        return Err(StsError {
            code: "InvalidAction".into(),
            status: StatusCode::BAD_REQUEST,
            message: format!(
                "Could not find operation {action} for version {}",
                get("Version")?.unwrap_or("NO_VERSION_SPECIFIED")
            ),
        });
    }
    if let Some(e) = state.faults().take(out.operation, &caller.region) {
        return Err(StsError::from_api(&e));
    }
    match action.as_str() {
        "AssumeRole" => assume_role(state, &form),
        "GetCallerIdentity" => Ok(caller_identity(&caller)),
        other => Err(StsError {
            code: "InvalidAction".into(),
            status: StatusCode::BAD_REQUEST,
            message: format!("Could not find operation {other} for version {VERSION}"),
        }),
    }
}

/// `arn:aws:iam::ACCOUNT:role/PATH/NAME` -> (account, role name).
fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn
        .strip_prefix("arn:aws:iam::")
        .or_else(|| arn.strip_prefix("arn:aws-cn:iam::"))
        .or_else(|| arn.strip_prefix("arn:aws-us-gov:iam::"))?;
    let (account, resource) = rest.split_once(':')?;
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next()?;
    let ok_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    (crate::validate::account_id(account) && ok_name).then_some((account, name))
}

fn valid_session_name(s: &str) -> bool {
    (2..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// One form parameter; a repeated one is refused.
fn param<'q>(form: &'q Query, name: &str) -> Result<Option<&'q str>, StsError> {
    form.get(name).map_err(|e| StsError::from_api(&e))
}

fn assume_role(state: &Arc<AppState>, form: &Query) -> Result<String, StsError> {
    let get = |name: &str| param(form, name);
    let role_arn = get("RoleArn")?
        .ok_or_else(|| StsError::validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"))?;
    let session = get("RoleSessionName")?
        .ok_or_else(|| StsError::validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"))?;
    let Some((account, role_name)) = parse_role_arn(role_arn) else {
        return Err(StsError::validation(format!(
            "{role_arn} is invalid: expected arn:aws:iam::ACCOUNT_ID:role/NAME"
        )));
    };
    if !valid_session_name(session) {
        return Err(StsError::validation(format!(
            "1 validation error detected: Value '{session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )));
    }
    if let Some(e) = get("ExternalId")? {
        if !(2..=1224).contains(&e.len()) {
            return Err(StsError::validation(
                "1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must have length between 2 and 1224",
            ));
        }
    }
    let duration = match get("DurationSeconds")? {
        None => 3600,
        Some(d) => match d.parse::<u64>() {
            Ok(n) if (900..=43200).contains(&n) => n,
            _ => {
                return Err(StsError::validation(format!(
                    "1 validation error detected: Value '{d}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"
                )))
            }
        },
    };
    let mut rng = rand::rng();
    let key_id = format!(
        "ASIA{}",
        Alphanumeric
            .sample_string(&mut rng, 16)
            .to_ascii_uppercase()
    );
    let secret = Alphanumeric.sample_string(&mut rng, 40);
    let token = Alphanumeric.sample_string(&mut rng, 64);
    let role_id = format!("AROA{:016X}", rng.random::<u64>());
    let expiration = SystemTime::now() + Duration::from_secs(duration);
    let expiration = humantime::format_rfc3339_seconds(expiration).to_string();
    state.issue(&key_id, account);
    Ok(format!(
        "<AssumeRoleResponse xmlns=\"{XMLNS}\">\n  <AssumeRoleResult>\n    <AssumedRoleUser>\n      <AssumedRoleId>{role_id}:{session}</AssumedRoleId>\n      <Arn>arn:aws:sts::{account}:assumed-role/{role}/{session}</Arn>\n    </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>{key_id}</AccessKeyId>\n      <SecretAccessKey>{secret}</SecretAccessKey>\n      <SessionToken>{token}</SessionToken>\n      <Expiration>{expiration}</Expiration>\n    </Credentials>\n  </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>{{request_id}}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleResponse>\n",
        role = escape(role_name),
        session = escape(session),
    ))
}

fn caller_identity(caller: &Caller) -> String {
    let account = &caller.account;
    let key = escape(&caller.access_key);
    format!(
        "<GetCallerIdentityResponse xmlns=\"{XMLNS}\">\n  <GetCallerIdentityResult>\n    <Arn>arn:aws:iam::{account}:user/emulator</Arn>\n    <UserId>{key}</UserId>\n    <Account>{account}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{{request_id}}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n"
    )
}

impl AppState {
    /// Remembers that `access_key` acts in `account`.
    fn issue(&self, access_key: &str, account: &str) {
        crate::lock(&self.issued)
            .0
            .insert(access_key.to_owned(), account.to_owned());
    }

    /// The caller with the account of its temporary credentials, when its
    /// access key was issued by `AssumeRole`.
    pub(crate) fn resolve_issued(&self, mut caller: Caller) -> Caller {
        if let Some(a) = crate::lock(&self.issued).account(&caller.access_key) {
            caller.account = a.to_owned();
        }
        caller
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_give_their_account_and_name() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::222222222222:role/path/dr-role"),
            Some(("222222222222", "dr-role"))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::2222:role/x"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::222222222222:user/x"), None);
        assert_eq!(escape("a<&>\"'"), "a&lt;&amp;&gt;&quot;&apos;");
    }
}
