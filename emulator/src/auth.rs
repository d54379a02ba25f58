//! Caller identity from SigV4: the Region and access key come from the
//! credential scope (`AKID/DATE/REGION/elasticfilesystem/aws4_request`) of
//! the `Authorization` header (or the `X-Amz-Credential` query parameter of a
//! presigned request); the account is looked up from the access key.
//!
//! Signatures are not verified (the emulator has no secret keys). This
//! module must never accept a request without a credential scope.

use crate::wire::ApiError;
use std::collections::BTreeMap;

/// Who is calling and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub access_key: String,
    pub account: String,
    pub region: String,
}

/// The SigV4 service name EFS clients sign with.
pub const SIGNING_NAME: &str = "elasticfilesystem";

/// Extracts the caller from the `Authorization` header value, or from the
/// `X-Amz-Credential` query value when the header is absent.
pub fn caller(
    authorization: Option<&str>,
    query_credential: Option<&str>,
    default_account: &str,
    key_accounts: &BTreeMap<String, String>,
) -> Result<Caller, ApiError> {
    caller_for(
        SIGNING_NAME,
        authorization,
        query_credential,
        default_account,
        key_accounts,
    )
}

/// [`caller`] for a request signed for `service` (`kms` for KMS).
pub fn caller_for(
    service_name: &str,
    authorization: Option<&str>,
    query_credential: Option<&str>,
    default_account: &str,
    key_accounts: &BTreeMap<String, String>,
) -> Result<Caller, ApiError> {
    let scope = match (authorization, query_credential) {
        (Some(header), _) => credential_from_header(header)?,
        (None, Some(q)) => q.to_string(),
        (None, None) => {
            return Err(ApiError::MissingAuthentication(
                "Missing Authentication Token: the request carries no SigV4 Authorization header; sign it with any access key (the emulator does not check signatures)".into(),
            ))
        }
    };
    let parts: Vec<&str> = scope.split('/').collect();
    let [akid, date, region, service, terminator] = parts.as_slice() else {
        return Err(ApiError::IncompleteSignature(format!(
            "Credential '{scope}' is not of the form ACCESS_KEY/YYYYMMDD/REGION/{service_name}/aws4_request"
        )));
    };
    if akid.is_empty() || date.len() != 8 || *terminator != "aws4_request" {
        return Err(ApiError::IncompleteSignature(format!(
            "Credential '{scope}' is not of the form ACCESS_KEY/YYYYMMDD/REGION/{service_name}/aws4_request"
        )));
    }
    if *service != service_name {
        return Err(ApiError::IncompleteSignature(format!(
            "Credential should be scoped to correct service: '{service_name}', not '{service}'"
        )));
    }
    if crate::validate::region(region).is_err() {
        return Err(ApiError::IncompleteSignature(format!(
            "Credential scope names an invalid Region '{region}'"
        )));
    }
    let account = key_accounts
        .get(*akid)
        .cloned()
        .unwrap_or_else(|| default_account.to_string());
    Ok(Caller {
        access_key: akid.to_string(),
        account,
        region: region.to_string(),
    })
}

fn credential_from_header(header: &str) -> Result<String, ApiError> {
    let rest = header
        .trim()
        .strip_prefix("AWS4-HMAC-SHA256")
        .ok_or_else(|| {
            ApiError::IncompleteSignature(format!(
                "Authorization header must use AWS4-HMAC-SHA256, got '{}'",
                header.split_whitespace().next().unwrap_or_default()
            ))
        })?;
    rest.split(',')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("Credential="))
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::IncompleteSignature(
                "Authorization header is missing 'Credential=' (SigV4 credential scope)".into(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_and_mapped_account_from_header() {
        let mut keys = BTreeMap::new();
        keys.insert("AKIDB".to_string(), "222233334444".to_string());
        let h = "AWS4-HMAC-SHA256 Credential=AKIDB/20240101/eu-central-1/elasticfilesystem/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        let c = caller(Some(h), None, "123456789012", &keys).unwrap();
        assert_eq!(c.region, "eu-central-1");
        assert_eq!(c.account, "222233334444");
        let h2 = h.replace("AKIDB", "OTHER");
        assert_eq!(
            caller(Some(&h2), None, "123456789012", &keys)
                .unwrap()
                .account,
            "123456789012"
        );
    }

    #[test]
    fn missing_or_malformed_is_refused() {
        let keys = BTreeMap::new();
        assert!(matches!(
            caller(None, None, "1", &keys),
            Err(ApiError::MissingAuthentication(_))
        ));
        assert!(caller(Some("Basic abc"), None, "1", &keys).is_err());
        let wrong = "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/s3/aws4_request";
        assert!(caller(Some(wrong), None, "1", &keys).is_err());
    }
}
