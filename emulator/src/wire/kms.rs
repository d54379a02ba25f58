//! KMS response bodies (AWS JSON 1.1): one `Serialize` struct per output
//! shape the emulator sends (CreateKey / DescribeKey's `KeyMetadata`,
//! ListAliases' `AliasListEntry`), the conversions from the store's
//! [`KeyInfo`] and [`AliasPage`], and the JSON 1.1 error body.
//!
//! As in `efs.rs`, members are in alphabetical order of their wire names
//! (the order the emulator has always sent), and nothing here decides a
//! value; the constant members say what every emulated key is.

use crate::state::kms::{AliasPage, KeyInfo, KeyManager};
use serde::Serialize;

/// `KeyMetadata`. Every emulated key is enabled, of origin AWS_KMS,
/// single-Region and symmetric.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadata<'a> {
    #[serde(rename = "AWSAccountId")]
    pub aws_account_id: &'a str,
    pub arn: &'a str,
    pub creation_date: f64,
    pub customer_master_key_spec: &'a str,
    pub description: &'a str,
    pub enabled: bool,
    pub encryption_algorithms: [&'static str; 1],
    pub key_id: &'a str,
    pub key_manager: &'static str,
    pub key_spec: &'a str,
    pub key_state: &'static str,
    pub key_usage: &'a str,
    pub multi_region: bool,
    pub origin: &'static str,
}

impl<'a> From<&'a KeyInfo> for KeyMetadata<'a> {
    fn from(k: &'a KeyInfo) -> Self {
        KeyMetadata {
            aws_account_id: &k.account,
            arn: &k.arn,
            creation_date: k.creation_date,
            customer_master_key_spec: &k.key_spec,
            description: &k.description,
            enabled: true,
            encryption_algorithms: ["SYMMETRIC_DEFAULT"],
            key_id: &k.id,
            key_manager: match k.manager {
                KeyManager::Customer => "CUSTOMER",
                KeyManager::Aws => "AWS",
            },
            key_spec: &k.key_spec,
            key_state: "Enabled",
            key_usage: &k.key_usage,
            multi_region: false,
            origin: "AWS_KMS",
        }
    }
}

/// `CreateKeyResponse` and `DescribeKeyResponse` (the same shape).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadataResponse<'a> {
    pub key_metadata: KeyMetadata<'a>,
}

impl<'a> From<&'a KeyInfo> for KeyMetadataResponse<'a> {
    fn from(k: &'a KeyInfo) -> Self {
        KeyMetadataResponse {
            key_metadata: k.into(),
        }
    }
}

/// `AliasListEntry`. Aliases are never updated, so `LastUpdatedDate` is
/// the creation date.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasListEntry<'a> {
    pub alias_arn: String,
    pub alias_name: &'a str,
    pub creation_date: f64,
    pub last_updated_date: f64,
    pub target_key_id: &'a str,
}

/// `ListAliasesResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAliasesResponse<'a> {
    pub aliases: Vec<AliasListEntry<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    pub truncated: bool,
}

impl<'a> From<AliasPage<'a>> for ListAliasesResponse<'a> {
    fn from(page: AliasPage<'a>) -> Self {
        ListAliasesResponse {
            aliases: page
                .aliases
                .into_iter()
                .map(|a| AliasListEntry {
                    alias_arn: a.arn(),
                    alias_name: &a.name,
                    creation_date: a.creation_date,
                    last_updated_date: a.creation_date,
                    target_key_id: &a.target_key_id,
                })
                .collect(),
            next_marker: page.next_marker,
            truncated: page.truncated,
        }
    }
}

/// A JSON 1.1 error: `{"__type": CODE, "message": ...}`.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    #[serde(rename = "__type")]
    pub kind: &'a str,
    pub message: String,
}
