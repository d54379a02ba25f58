//! The AWS error shape of the EFS API: [`ApiError`], one variant per error
//! code the emulator answers, its HTTP status from the service model, and
//! its encoding (`x-amzn-ErrorType` header, `{"ErrorCode","Message"}` body,
//! plus `FileSystemId` for FileSystemAlreadyExists). KMS and STS encode the
//! same values in their own protocols (`kms.rs`, `sts.rs`).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An AWS-shaped API error. The variant name is the wire error code unless
/// stated otherwise; each carries the human message.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// 400: invalid input (pattern, length, type, or a rule of the operation).
    #[error("{0}")]
    BadRequest(String),
    /// 404: the file system does not exist in the caller's account and region.
    #[error("{0}")]
    FileSystemNotFound(String),
    /// 404: the file system exists but is in no replication configuration.
    #[error("{0}")]
    ReplicationNotFound(String),
    /// 404: access points are not emulated, so every fsap- id is unknown.
    #[error("{0}")]
    AccessPointNotFound(String),
    /// 409: the file system's lifecycle state is not `available`.
    #[error("{0}")]
    IncorrectFileSystemLifeCycleState(String),
    /// 409: source encrypted but existing destination unencrypted.
    #[error("{0}")]
    ConflictException(String),
    /// 409: protection change on a replication destination.
    #[error("{0}")]
    ReplicationAlreadyExists(String),
    /// 409: a file system with this creation token exists (id in the body).
    #[error("{message}")]
    FileSystemAlreadyExists {
        message: String,
        file_system_id: String,
    },
    /// 409: the file system is part of a replication configuration.
    #[error("{0}")]
    FileSystemInUse(String),
    /// 400: the Availability Zone is unknown or not in the Region.
    #[error("{0}")]
    UnsupportedAvailabilityZone(String),
    /// 500: the emulator failed internally (e.g. the state file write).
    #[error("{0}")]
    InternalServerError(String),
    /// `ThrottlingException`: over the `--throttle-rps` budget; HTTP 400 as
    /// EFS answers it, or 429 with `--throttle-status 429`.
    #[error("{message}")]
    Throttling { status: u16, message: String },
    /// 403 `MissingAuthenticationTokenException`: no SigV4 Authorization.
    #[error("{0}")]
    MissingAuthentication(String),
    /// 403 `IncompleteSignatureException`: Authorization header unparseable.
    #[error("{0}")]
    IncompleteSignature(String),
    /// 404 `UnknownOperationException`: no operation matches method + path.
    #[error("{0}")]
    UnknownOperation(String),
    /// 413 `RequestEntityTooLargeException`: the body exceeds the size limit
    /// (a generic AWS framing error; modeled codes keep their modeled status).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Any other code and status (fault rules from the admin API).
    #[error("{message}")]
    Custom {
        code: String,
        status: u16,
        message: String,
    },
}

impl ApiError {
    /// The error code sent in `x-amzn-ErrorType` and `ErrorCode`.
    pub fn code(&self) -> &str {
        match self {
            ApiError::BadRequest(_) => "BadRequest",
            ApiError::PayloadTooLarge(_) => "RequestEntityTooLargeException",
            ApiError::FileSystemNotFound(_) => "FileSystemNotFound",
            ApiError::ReplicationNotFound(_) => "ReplicationNotFound",
            ApiError::AccessPointNotFound(_) => "AccessPointNotFound",
            ApiError::IncorrectFileSystemLifeCycleState(_) => "IncorrectFileSystemLifeCycleState",
            ApiError::ConflictException(_) => "ConflictException",
            ApiError::ReplicationAlreadyExists(_) => "ReplicationAlreadyExists",
            ApiError::FileSystemAlreadyExists { .. } => "FileSystemAlreadyExists",
            ApiError::FileSystemInUse(_) => "FileSystemInUse",
            ApiError::UnsupportedAvailabilityZone(_) => "UnsupportedAvailabilityZone",
            ApiError::InternalServerError(_) => "InternalServerError",
            ApiError::Throttling { .. } => "ThrottlingException",
            ApiError::MissingAuthentication(_) => "MissingAuthenticationTokenException",
            ApiError::IncompleteSignature(_) => "IncompleteSignatureException",
            ApiError::UnknownOperation(_) => "UnknownOperationException",
            ApiError::Custom { code, .. } => code,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::MissingAuthentication(_) | ApiError::IncompleteSignature(_) => {
                StatusCode::FORBIDDEN
            }
            ApiError::UnknownOperation(_) => StatusCode::NOT_FOUND,
            ApiError::Custom { status, .. } | ApiError::Throttling { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
            }
            other => StatusCode::from_u16(modeled_status(other.code()).unwrap_or(400))
                .unwrap_or(StatusCode::BAD_REQUEST),
        }
    }

    /// A file system that does not exist in the caller's account and Region.
    pub fn fs_not_found(id: &str) -> ApiError {
        ApiError::FileSystemNotFound(format!("File system '{id}' does not exist."))
    }

    /// Builds an error from a code name (fault rules); known codes get their
    /// modeled variant and status, unknown ones need `status` (default 400).
    pub fn from_code(code: &str, message: String, status: Option<u16>) -> ApiError {
        let known = match code {
            "BadRequest" => Some(ApiError::BadRequest(message.clone())),
            "FileSystemNotFound" => Some(ApiError::FileSystemNotFound(message.clone())),
            "ReplicationNotFound" => Some(ApiError::ReplicationNotFound(message.clone())),
            "IncorrectFileSystemLifeCycleState" => {
                Some(ApiError::IncorrectFileSystemLifeCycleState(message.clone()))
            }
            "ConflictException" => Some(ApiError::ConflictException(message.clone())),
            "FileSystemInUse" => Some(ApiError::FileSystemInUse(message.clone())),
            "InternalServerError" => Some(ApiError::InternalServerError(message.clone())),
            "ThrottlingException" => Some(ApiError::Throttling {
                status: 400,
                message: message.clone(),
            }),
            _ => None,
        };
        match (known, status) {
            (Some(e), None) => e,
            _ => ApiError::Custom {
                code: code.to_string(),
                status: status.or_else(|| modeled_status(code)).unwrap_or(400),
                message,
            },
        }
    }
}

/// The HTTP status the service model gives each EFS error shape.
pub fn modeled_status(code: &str) -> Option<u16> {
    Some(match code {
        "BadRequest"
        | "ValidationException"
        | "UnsupportedAvailabilityZone"
        | "ThroughputLimitExceeded" => 400,
        "FileSystemLimitExceeded" => 403,
        "FileSystemNotFound" | "ReplicationNotFound" | "AccessPointNotFound" => 404,
        "IncorrectFileSystemLifeCycleState"
        | "ConflictException"
        | "ReplicationAlreadyExists"
        | "FileSystemAlreadyExists"
        | "FileSystemInUse" => 409,
        "TooManyRequests" => 429,
        // Not an EFS model shape; EFS is seen answering it with 400.
        "ThrottlingException" => 400,
        "InternalServerError" => 500,
        "InsufficientThroughputCapacity" => 503,
        _ => return None,
    })
}

/// The body of an EFS error; members in alphabetical order, as the
/// emulator has always sent them.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorBody<'a> {
    error_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_system_id: Option<&'a str>,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error_code: self.code(),
            file_system_id: match &self {
                ApiError::FileSystemAlreadyExists { file_system_id, .. } => Some(file_system_id),
                _ => None,
            },
            message: self.to_string(),
        };
        let mut resp = (self.status(), axum::Json(body)).into_response();
        if let Ok(v) = HeaderValue::from_str(self.code()) {
            resp.headers_mut().insert("x-amzn-ErrorType", v);
        }
        resp
    }
}
