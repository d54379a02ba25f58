//! The restJson1 wire layer: maps `(method, path)` to an EFS operation,
//! decodes percent-encoded path labels and query strings, reads JSON member
//! values with type checks, and encodes what goes back: response bodies as
//! `Serialize` structs of the service models' shapes (`efs.rs` for EFS,
//! `kms.rs` for KMS's JSON 1.1) built from the store's records, and
//! [`ApiError`] as the AWS error shape (`error.rs`: `x-amzn-ErrorType`
//! header plus `{"ErrorCode","Message"}` body).
//!
//! It reads records the store hands it and must never change the
//! emulator's state or decide what an operation does.

use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

pub mod efs;
mod error;
pub mod kms;

pub use error::{modeled_status, ApiError};

/// The API version prefix every EFS path starts with.
const PREFIX: &str = "2015-02-01";

/// The EFS operations the emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    CreateFileSystem,
    DescribeFileSystems,
    DeleteFileSystem,
    UpdateFileSystemProtection,
    CreateReplicationConfiguration,
    DescribeReplicationConfigurations,
    DeleteReplicationConfiguration,
    TagResource,
    UntagResource,
    ListTagsForResource,
}

impl Operation {
    /// Every operation, in service-model order.
    pub const ALL: [Operation; 10] = [
        Operation::CreateFileSystem,
        Operation::DescribeFileSystems,
        Operation::DeleteFileSystem,
        Operation::UpdateFileSystemProtection,
        Operation::CreateReplicationConfiguration,
        Operation::DescribeReplicationConfigurations,
        Operation::DeleteReplicationConfiguration,
        Operation::TagResource,
        Operation::UntagResource,
        Operation::ListTagsForResource,
    ];

    /// The operation name as it appears in the service model.
    pub fn name(self) -> &'static str {
        match self {
            Operation::CreateFileSystem => "CreateFileSystem",
            Operation::DescribeFileSystems => "DescribeFileSystems",
            Operation::DeleteFileSystem => "DeleteFileSystem",
            Operation::UpdateFileSystemProtection => "UpdateFileSystemProtection",
            Operation::CreateReplicationConfiguration => "CreateReplicationConfiguration",
            Operation::DescribeReplicationConfigurations => "DescribeReplicationConfigurations",
            Operation::DeleteReplicationConfiguration => "DeleteReplicationConfiguration",
            Operation::TagResource => "TagResource",
            Operation::UntagResource => "UntagResource",
            Operation::ListTagsForResource => "ListTagsForResource",
        }
    }

    /// Whether the operation changes state (subject to throttling and persistence).
    pub fn is_mutating(self) -> bool {
        !matches!(
            self,
            Operation::DescribeFileSystems
                | Operation::DescribeReplicationConfigurations
                | Operation::ListTagsForResource
        )
    }

    /// Whether the operation's input has body members (so a JSON body is read).
    pub fn has_body(self) -> bool {
        matches!(
            self,
            Operation::CreateFileSystem
                | Operation::UpdateFileSystemProtection
                | Operation::CreateReplicationConfiguration
                | Operation::TagResource
        )
    }

    /// The HTTP status of a successful response, from the service model.
    pub fn success_status(self) -> StatusCode {
        match self {
            Operation::CreateFileSystem => StatusCode::CREATED,
            Operation::DeleteFileSystem | Operation::DeleteReplicationConfiguration => {
                StatusCode::NO_CONTENT
            }
            _ => StatusCode::OK,
        }
    }
}

/// A routed request: the operation and its decoded path label, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub operation: Operation,
    pub label: Option<String>,
}

/// Maps a method and raw (still percent-encoded) path to an operation.
pub fn route(method: &Method, raw_path: &str) -> Result<Route, ApiError> {
    let unknown = || {
        ApiError::UnknownOperation(format!(
            "No EFS operation matches {method} {raw_path}; see the paths in the EFS API reference (they start with /{PREFIX}/)"
        ))
    };
    let trimmed = raw_path.strip_prefix('/').ok_or_else(unknown)?;
    let raw: Vec<&str> = trimmed.split('/').collect();
    if raw.first() != Some(&PREFIX) {
        return Err(unknown());
    }
    let seg = |i: usize| raw.get(i).copied();
    let label = |i: usize| -> Result<String, ApiError> {
        let s = seg(i).unwrap_or_default();
        if s.is_empty() {
            return Err(unknown());
        }
        percent_decode(s)
    };
    use Operation::*;
    let (operation, label) = match (raw.len(), seg(1)) {
        (2, Some("file-systems")) => match *method {
            Method::POST => (CreateFileSystem, None),
            Method::GET => (DescribeFileSystems, None),
            _ => return Err(unknown()),
        },
        (3, Some("file-systems")) if seg(2) == Some("replication-configurations") => {
            match *method {
                Method::GET => (DescribeReplicationConfigurations, None),
                _ => return Err(unknown()),
            }
        }
        (3, Some("file-systems")) => match *method {
            Method::DELETE => (DeleteFileSystem, Some(label(2)?)),
            _ => return Err(unknown()),
        },
        (4, Some("file-systems")) if seg(3) == Some("protection") => match *method {
            Method::PUT => (UpdateFileSystemProtection, Some(label(2)?)),
            _ => return Err(unknown()),
        },
        (4, Some("file-systems")) if seg(3) == Some("replication-configuration") => match *method {
            Method::POST => (CreateReplicationConfiguration, Some(label(2)?)),
            Method::DELETE => (DeleteReplicationConfiguration, Some(label(2)?)),
            _ => return Err(unknown()),
        },
        (3, Some("resource-tags")) => match *method {
            Method::POST => (TagResource, Some(label(2)?)),
            Method::DELETE => (UntagResource, Some(label(2)?)),
            Method::GET => (ListTagsForResource, Some(label(2)?)),
            _ => return Err(unknown()),
        },
        _ => return Err(unknown()),
    };
    Ok(Route { operation, label })
}

/// Decodes one percent-encoded component; invalid UTF-8 is a BadRequest.
pub fn percent_decode(s: &str) -> Result<String, ApiError> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| ApiError::BadRequest(format!("'{s}' is not valid percent-encoded UTF-8")))
}

/// Decoded query parameters, in order; names may repeat (`tagKeys`).
#[derive(Debug, Default, Clone)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Parses a raw query string (without the `?`).
    pub fn parse(raw: Option<&str>) -> Result<Query, ApiError> {
        let mut out = Vec::new();
        for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = percent_decode(&k.replace('+', " "))?;
            let v = percent_decode(&v.replace('+', " "))?;
            out.push((k, v));
        }
        Ok(Query(out))
    }

    /// The single value of `name`; a repeated scalar parameter is a BadRequest.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut it = self.0.iter().filter(|(k, _)| k == name);
        let first = it.next().map(|(_, v)| v.as_str());
        if it.next().is_some() {
            return Err(ApiError::BadRequest(format!(
                "Query parameter {name} was given more than once"
            )));
        }
        Ok(first)
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// An integer parameter that must be at least `min`.
    pub fn int(&self, name: &str, min: i64) -> Result<Option<i64>, ApiError> {
        let Some(v) = self.get(name)? else {
            return Ok(None);
        };
        let n: i64 = v
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("{name} must be an integer, got '{v}'")))?;
        if n < min {
            return Err(ApiError::BadRequest(format!(
                "{name} must be at least {min}, got {n}"
            )));
        }
        Ok(Some(n))
    }
}

/// A response body already encoded as JSON; sent with
/// `Content-Type: application/json`.
#[derive(Debug, Clone)]
pub struct JsonBody(Vec<u8>);

impl JsonBody {
    /// Encodes a response shape.
    pub fn of<T: serde::Serialize>(value: &T) -> Result<JsonBody, ApiError> {
        serde_json::to_vec(value).map(JsonBody).map_err(|e| {
            ApiError::InternalServerError(format!("The response could not be encoded: {e}"))
        })
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl IntoResponse for JsonBody {
    fn into_response(self) -> Response {
        let mut resp = self.0.into_response();
        resp.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    }
}

/// Parses a request body as a JSON object; an empty body is `{}`.
pub fn parse_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(ApiError::BadRequest(format!(
            "The request body must be a JSON object, got {}",
            type_name(&other)
        ))),
        Err(e) => Err(ApiError::BadRequest(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

/// The JSON type name of a value, for error messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Typed access to the members of a JSON object, with `where` paths in errors.
pub struct Members<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Members<'a> {
    pub fn new(map: &'a Map<String, Value>, path: impl Into<String>) -> Self {
        Members {
            map,
            path: path.into(),
        }
    }

    fn at(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    fn wrong(&self, name: &str, want: &str, got: &Value) -> ApiError {
        ApiError::BadRequest(format!(
            "{} must be {want}, got {}",
            self.at(name),
            type_name(got)
        ))
    }

    /// A present member (`null` counts as absent).
    fn member(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    pub fn string(&self, name: &str) -> Result<Option<&'a str>, ApiError> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.wrong(name, "a string", v)),
        }
    }

    pub fn required_string(&self, name: &str) -> Result<&'a str, ApiError> {
        self.string(name)?
            .ok_or_else(|| ApiError::BadRequest(format!("{} is required", self.at(name))))
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.wrong(name, "a boolean", v)),
        }
    }

    pub fn f64(&self, name: &str) -> Result<Option<f64>, ApiError> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(v) => Err(self.wrong(name, "a number", v)),
        }
    }

    pub fn list(&self, name: &str) -> Result<Option<&'a Vec<Value>>, ApiError> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(v) => Err(self.wrong(name, "a list", v)),
        }
    }

    /// The objects of a list member, each wrapped for further typed access.
    pub fn objects(&self, name: &str) -> Result<Option<Vec<Members<'a>>>, ApiError> {
        let Some(list) = self.list(name)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, v) in list.iter().enumerate() {
            match v {
                Value::Object(m) => out.push(Members::new(m, format!("{}[{i}]", self.at(name)))),
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "{}[{i}] must be an object, got {}",
                        self.at(name),
                        type_name(other)
                    )))
                }
            }
        }
        Ok(Some(out))
    }

    /// The path of a member, for messages written by callers.
    pub fn path_of(&self, name: &str) -> String {
        self.at(name)
    }
}

#[cfg(test)]
mod encoding_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_percent_encoded_arn_label() {
        let r = route(
            &Method::POST,
            "/2015-02-01/file-systems/arn%3Aaws%3Aelasticfilesystem%3Aus-east-1%3A123456789012%3Afile-system%2Ffs-0123456789abcdef0/replication-configuration",
        )
        .unwrap();
        assert_eq!(r.operation, Operation::CreateReplicationConfiguration);
        assert_eq!(
            r.label.as_deref(),
            Some(
                "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123456789abcdef0"
            )
        );
    }

    #[test]
    fn static_segment_wins_over_label() {
        let r = route(
            &Method::GET,
            "/2015-02-01/file-systems/replication-configurations",
        )
        .unwrap();
        assert_eq!(r.operation, Operation::DescribeReplicationConfigurations);
        assert!(route(&Method::PATCH, "/2015-02-01/file-systems").is_err());
        assert!(route(&Method::GET, "/2015-02-01/file-systems/fs-1/extra/x").is_err());
    }

    #[test]
    fn query_repeats_and_decodes() {
        let q = Query::parse(Some("tagKeys=a%20b&tagKeys=c&MaxResults=5")).unwrap();
        assert_eq!(q.all("tagKeys"), vec!["a b", "c"]);
        assert_eq!(q.int("MaxResults", 1).unwrap(), Some(5));
        assert!(q.get("tagKeys").is_err());
        assert!(Query::parse(Some("MaxResults=0"))
            .unwrap()
            .int("MaxResults", 1)
            .is_err());
    }
}
