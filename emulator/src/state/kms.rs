//! The emulated KMS data: customer keys and aliases per account and Region,
//! what CreateKey, CreateAlias, ListAliases and DescribeKey do with them,
//! and the `kms_keys` / `kms_aliases` sections of the state file.
//!
//! Only what a replication tool needs: no key material, policies, grants or
//! key states other than `Enabled`. The account's AWS managed EFS key
//! (`alias/aws/elasticfilesystem`) always exists, as the key EFS uses by
//! default. Like the rest of the store, this does no I/O, reads no clock
//! and encodes no response: operations return [`KeyInfo`] and
//! [`AliasPage`], which `wire/kms.rs` turns into JSON 1.1 bodies.

use super::View;
use crate::wire::ApiError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The alias of the AWS managed key EFS encrypts with by default.
pub const EFS_MANAGED_ALIAS: &str = "alias/aws/elasticfilesystem";
/// Default and largest `Limit` of ListAliases.
pub const DEFAULT_ALIAS_PAGE: usize = 50;
pub const MAX_ALIAS_PAGE: usize = 100;

/// A customer managed key as stored (and as written in the state file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KmsKey {
    /// Key id (a UUID).
    pub id: String,
    pub region: String,
    pub account: String,
    pub description: String,
    /// Epoch seconds; 0 in a seed file means "when loaded".
    pub creation_date: f64,
    /// `ENCRYPT_DECRYPT` unless given.
    pub key_usage: String,
    /// `SYMMETRIC_DEFAULT` unless given.
    pub key_spec: String,
}

impl Default for KmsKey {
    fn default() -> Self {
        KmsKey {
            id: String::new(),
            region: String::new(),
            account: String::new(),
            description: String::new(),
            creation_date: 0.0,
            key_usage: "ENCRYPT_DECRYPT".into(),
            key_spec: "SYMMETRIC_DEFAULT".into(),
        }
    }
}

impl KmsKey {
    pub fn arn(&self) -> String {
        key_arn(&self.region, &self.account, &self.id)
    }

    fn info(&self) -> KeyInfo {
        KeyInfo {
            account: self.account.clone(),
            id: self.id.clone(),
            arn: self.arn(),
            creation_date: self.creation_date,
            description: self.description.clone(),
            manager: KeyManager::Customer,
            key_usage: self.key_usage.clone(),
            key_spec: self.key_spec.clone(),
        }
    }
}

/// An alias as stored (and as written in the state file).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KmsAlias {
    /// `alias/NAME`.
    pub name: String,
    pub region: String,
    pub account: String,
    /// Id of the key it points to (same account and Region).
    pub target_key_id: String,
    /// Epoch seconds; 0 in a seed file means "when loaded".
    pub creation_date: f64,
}

impl KmsAlias {
    /// `arn:aws:kms:REGION:ACCOUNT:alias/NAME`.
    pub fn arn(&self) -> String {
        format!("arn:aws:kms:{}:{}:{}", self.region, self.account, self.name)
    }
}

/// `arn:aws:kms:REGION:ACCOUNT:key/ID`.
pub fn key_arn(region: &str, account: &str, id: &str) -> String {
    format!("arn:aws:kms:{region}:{account}:key/{id}")
}

/// Who manages a key: the account (a key it created) or AWS (the managed
/// EFS key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyManager {
    Customer,
    Aws,
}

/// What CreateKey and DescribeKey report about a key. Every emulated key is
/// enabled, of origin AWS_KMS, single-Region and symmetric.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    pub account: String,
    pub id: String,
    pub arn: String,
    pub creation_date: f64,
    pub description: String,
    pub manager: KeyManager,
    pub key_usage: String,
    pub key_spec: String,
}

/// One page of ListAliases: the aliases, whether more follow, and the
/// marker of the next page.
#[derive(Debug, Clone)]
pub struct AliasPage<'a> {
    pub aliases: Vec<&'a KmsAlias>,
    pub truncated: bool,
    pub next_marker: Option<String>,
}

/// A KMS error in the JSON 1.1 shape (`__type`); every modeled KMS client
/// error is HTTP 400.
pub fn kms_error(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::Custom {
        code: code.to_string(),
        status: 400,
        message: message.into(),
    }
}

/// What a `KeyId` input names, once parsed against the caller's view.
#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyRef {
    Key {
        account: String,
        region: String,
        id: String,
    },
    Alias {
        account: String,
        region: String,
        name: String,
    },
}

impl KeyRef {
    fn parse(raw: &str, view: &View) -> Result<KeyRef, ApiError> {
        let (account, region) = (view.0.clone(), view.1.clone());
        if let Some(rest) = raw.strip_prefix("arn:") {
            // PARTITION:kms:REGION:ACCOUNT:RESOURCE
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            let [_, "kms", r, a, res] = parts.as_slice() else {
                return Err(kms_error(
                    "InvalidArnException",
                    format!("'{raw}' is not a valid KMS key or alias ARN"),
                ));
            };
            if let Some(id) = res.strip_prefix("key/") {
                return Ok(KeyRef::Key {
                    account: a.to_string(),
                    region: r.to_string(),
                    id: id.to_string(),
                });
            }
            if res.starts_with("alias/") {
                return Ok(KeyRef::Alias {
                    account: a.to_string(),
                    region: r.to_string(),
                    name: res.to_string(),
                });
            }
            return Err(kms_error(
                "InvalidArnException",
                format!("'{raw}' is not a valid KMS key or alias ARN"),
            ));
        }
        if raw.starts_with("alias/") {
            return Ok(KeyRef::Alias {
                account,
                region,
                name: raw.to_string(),
            });
        }
        Ok(KeyRef::Key {
            account,
            region,
            id: raw.to_string(),
        })
    }

    fn arn(&self) -> String {
        match self {
            KeyRef::Key {
                account,
                region,
                id,
            } => key_arn(region, account, id),
            KeyRef::Alias {
                account,
                region,
                name,
            } => format!("arn:aws:kms:{region}:{account}:{name}"),
        }
    }
}

/// Keys and aliases of every account and Region.
#[derive(Debug, Default)]
pub struct Kms {
    /// (account, region, key id) -> key.
    keys: BTreeMap<(String, String, String), KmsKey>,
    /// (account, region, alias name) -> alias.
    aliases: BTreeMap<(String, String, String), KmsAlias>,
}

impl Kms {
    pub fn counts(&self) -> (usize, usize) {
        (self.keys.len(), self.aliases.len())
    }

    /// Keys and aliases for the state file, sorted.
    pub fn to_document(&self) -> (Vec<KmsKey>, Vec<KmsAlias>) {
        (
            self.keys.values().cloned().collect(),
            self.aliases.values().cloned().collect(),
        )
    }

    /// Loads (possibly hand-written) keys and aliases; `Err((what, problem))`.
    pub fn from_document(
        keys: Vec<KmsKey>,
        aliases: Vec<KmsAlias>,
        default_account: &str,
        now: f64,
    ) -> Result<Kms, (String, String)> {
        let mut kms = Kms::default();
        for (i, mut k) in keys.into_iter().enumerate() {
            let what = format!("kms_keys[{i}] ({})", k.id);
            if !is_key_id(&k.id) {
                return Err((what, "\"id\" must be a key id (a lower-case UUID)".into()));
            }
            if crate::validate::region(&k.region).is_err() {
                return Err((
                    what,
                    "\"region\" is required and must be a Region name such as us-east-1".into(),
                ));
            }
            if k.account.is_empty() {
                k.account = default_account.to_string();
            }
            if k.creation_date == 0.0 {
                k.creation_date = now.floor();
            }
            let slot = (k.account.clone(), k.region.clone(), k.id.clone());
            if kms.keys.insert(slot, k).is_some() {
                return Err((what, "duplicate key id in this account and Region".into()));
            }
        }
        for (i, mut a) in aliases.into_iter().enumerate() {
            let what = format!("kms_aliases[{i}] ({})", a.name);
            if let Err(e) = check_alias_name(&a.name) {
                return Err((what, e.to_string()));
            }
            if crate::validate::region(&a.region).is_err() {
                return Err((
                    what,
                    "\"region\" is required and must be a Region name such as us-east-1".into(),
                ));
            }
            if a.account.is_empty() {
                a.account = default_account.to_string();
            }
            if a.creation_date == 0.0 {
                a.creation_date = now.floor();
            }
            let key = (a.account.clone(), a.region.clone(), a.target_key_id.clone());
            if !kms.keys.contains_key(&key) {
                return Err((
                    what,
                    format!(
                        "\"target_key_id\" {} is not in kms_keys for account {} and Region {}",
                        a.target_key_id, a.account, a.region
                    ),
                ));
            }
            let slot = (a.account.clone(), a.region.clone(), a.name.clone());
            if kms.aliases.insert(slot, a).is_some() {
                return Err((what, "duplicate alias in this account and Region".into()));
            }
        }
        Ok(kms)
    }

    /// CreateKey: a new symmetric key in the caller's account and Region.
    pub fn create_key(
        &mut self,
        view: &View,
        description: Option<&str>,
        key_usage: Option<&str>,
        key_spec: Option<&str>,
        now: f64,
    ) -> Result<KeyInfo, ApiError> {
        if let Some(u) = key_usage.filter(|u| *u != "ENCRYPT_DECRYPT") {
            return Err(kms_error(
                "UnsupportedOperationException",
                format!("The emulator only creates ENCRYPT_DECRYPT keys, not {u}"),
            ));
        }
        if let Some(s) = key_spec.filter(|s| *s != "SYMMETRIC_DEFAULT") {
            return Err(kms_error(
                "UnsupportedOperationException",
                format!("The emulator only creates SYMMETRIC_DEFAULT keys, not {s}"),
            ));
        }
        let key = KmsKey {
            id: uuid::Uuid::new_v4().to_string(),
            region: view.1.clone(),
            account: view.0.clone(),
            description: description.unwrap_or_default().to_string(),
            creation_date: now,
            ..KmsKey::default()
        };
        let info = key.info();
        self.keys.insert(
            (key.account.clone(), key.region.clone(), key.id.clone()),
            key,
        );
        Ok(info)
    }

    /// CreateAlias: `name` for the key `target` (key id or key ARN).
    pub fn create_alias(
        &mut self,
        view: &View,
        name: &str,
        target: &str,
        now: f64,
    ) -> Result<(), ApiError> {
        check_alias_name(name)?;
        let id = match KeyRef::parse(target, view)? {
            KeyRef::Key {
                account,
                region,
                id,
            } if (account.as_str(), region.as_str()) == (view.0.as_str(), view.1.as_str()) => id,
            KeyRef::Key { .. } => {
                return Err(kms_error(
                    "NotFoundException",
                    format!(
                        "Key '{target}' is not in account {} and Region {}; an alias must be in the key's account and Region",
                        view.0, view.1
                    ),
                ))
            }
            KeyRef::Alias { .. } => {
                return Err(kms_error(
                    "ValidationException",
                    format!("TargetKeyId '{target}' must be a key id or key ARN, not an alias"),
                ))
            }
        };
        if !self
            .keys
            .contains_key(&(view.0.clone(), view.1.clone(), id.clone()))
        {
            return Err(kms_error(
                "NotFoundException",
                format!("Key '{}' does not exist", key_arn(&view.1, &view.0, &id)),
            ));
        }
        let slot = (view.0.clone(), view.1.clone(), name.to_string());
        if self.aliases.contains_key(&slot) {
            return Err(kms_error(
                "AlreadyExistsException",
                format!(
                    "An alias with the name arn:aws:kms:{}:{}:{name} already exists",
                    view.1, view.0
                ),
            ));
        }
        self.aliases.insert(
            slot,
            KmsAlias {
                name: name.to_string(),
                region: view.1.clone(),
                account: view.0.clone(),
                target_key_id: id,
                creation_date: now,
            },
        );
        Ok(())
    }

    /// ListAliases: the caller's aliases by name, optionally of one key,
    /// `limit` at a time after `marker` (the last name of the previous page).
    pub fn list_aliases(
        &self,
        view: &View,
        key_id: Option<&str>,
        limit: usize,
        marker: Option<&str>,
    ) -> Result<AliasPage<'_>, ApiError> {
        let filter = match key_id {
            None => None,
            Some(k) => match KeyRef::parse(k, view)? {
                KeyRef::Key { id, .. } => Some(id),
                KeyRef::Alias { .. } => {
                    return Err(kms_error(
                        "InvalidArnException",
                        format!("KeyId '{k}' must be a key id or key ARN"),
                    ))
                }
            },
        };
        let start = match marker {
            None => None,
            Some(m) => {
                let name = decode_marker(m).ok_or_else(|| {
                    kms_error(
                        "InvalidMarkerException",
                        format!("Marker '{m}' is not a marker this service returned"),
                    )
                })?;
                Some(name)
            }
        };
        let range_start = (view.0.clone(), view.1.clone(), String::new());
        let mut page = Vec::new();
        let mut more = false;
        for ((acc, reg, name), a) in self.aliases.range(range_start..) {
            if (acc, reg) != (&view.0, &view.1) {
                break;
            }
            if start.as_deref().is_some_and(|s| name.as_str() <= s) {
                continue;
            }
            if filter.as_deref().is_some_and(|f| f != a.target_key_id) {
                continue;
            }
            if page.len() == limit {
                more = true;
                break;
            }
            page.push(a);
        }
        let next_marker = if more {
            page.last().map(|last| encode_marker(&last.name))
        } else {
            None
        };
        Ok(AliasPage {
            aliases: page,
            truncated: more,
            next_marker,
        })
    }

    /// DescribeKey: the key a key id, key ARN, alias name or alias ARN names.
    pub fn describe_key(&self, view: &View, key: &str) -> Result<KeyInfo, ApiError> {
        let r = KeyRef::parse(key, view)?;
        match &r {
            KeyRef::Key {
                account,
                region,
                id,
            } => {
                if region == &view.1 {
                    if let Some(k) = self
                        .keys
                        .get(&(account.clone(), region.clone(), id.clone()))
                    {
                        return Ok(k.info());
                    }
                    if key_arn(region, account, id) == default_kms_key(region, account) {
                        return Ok(managed_key(account, region));
                    }
                }
                if !is_key_id(id) && !id.starts_with("mrk-") {
                    return Err(kms_error(
                        "NotFoundException",
                        format!("Invalid keyId '{key}'"),
                    ));
                }
                Err(kms_error(
                    "NotFoundException",
                    format!("Key '{}' does not exist", r.arn()),
                ))
            }
            KeyRef::Alias {
                account,
                region,
                name,
            } => {
                if region == &view.1 {
                    if name == EFS_MANAGED_ALIAS {
                        return Ok(managed_key(account, region));
                    }
                    if let Some(k) = self.alias_target(account, region, name) {
                        return Ok(k.info());
                    }
                }
                Err(kms_error(
                    "NotFoundException",
                    format!("Alias {} is not found.", r.arn()),
                ))
            }
        }
    }

    fn alias_target(&self, account: &str, region: &str, name: &str) -> Option<&KmsKey> {
        let a = self
            .aliases
            .get(&(account.to_string(), region.to_string(), name.to_string()))?;
        self.keys
            .get(&(a.account.clone(), a.region.clone(), a.target_key_id.clone()))
    }

    /// The key ARN an alias (`alias/NAME` or alias ARN, as EFS receives it
    /// for a destination in `region` of `account`) points to, if it exists.
    pub fn resolve_alias(&self, raw: &str, region: &str, account: &str) -> Option<String> {
        let view = (account.to_string(), region.to_string());
        match KeyRef::parse(raw, &view).ok()? {
            KeyRef::Alias {
                account,
                region,
                name,
            } => self.alias_target(&account, &region, &name).map(KmsKey::arn),
            KeyRef::Key { .. } => None,
        }
    }
}

/// The account's AWS managed EFS key in a Region.
fn managed_key(account: &str, region: &str) -> KeyInfo {
    let arn = default_kms_key(region, account);
    KeyInfo {
        account: account.to_string(),
        id: arn.rsplit('/').next().unwrap_or_default().to_string(),
        arn,
        creation_date: 0.0,
        description: "Default key that protects my EFS filesystems when no other key is defined"
            .into(),
        manager: KeyManager::Aws,
        key_usage: "ENCRYPT_DECRYPT".into(),
        key_spec: "SYMMETRIC_DEFAULT".into(),
    }
}

/// A lower-case UUID, the form of a KMS key id.
fn is_key_id(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok_and(|u| u.hyphenated().to_string() == s)
}

/// AliasName: `alias/` then 1 to 250 of `[a-zA-Z0-9/_-]`, not `alias/aws/`
/// (InvalidAliasNameException; a value outside the model's pattern is a
/// ValidationException).
fn check_alias_name(name: &str) -> Result<(), ApiError> {
    let Some(rest) = name.strip_prefix("alias/") else {
        return Err(kms_error(
            "InvalidAliasNameException",
            format!("Alias must start with the prefix \"alias/\": '{name}'"),
        ));
    };
    if rest.is_empty()
        || name.len() > 256
        || !rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c))
    {
        return Err(kms_error(
            "ValidationException",
            format!("1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$"),
        ));
    }
    if name.starts_with("alias/aws/") {
        return Err(kms_error(
            "InvalidAliasNameException",
            format!("Alias '{name}' is reserved for AWS managed keys (alias/aws/...)"),
        ));
    }
    Ok(())
}

fn encode_marker(name: &str) -> String {
    let hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
    format!("AM{hex}")
}

fn decode_marker(m: &str) -> Option<String> {
    let hex = m.strip_prefix("AM")?;
    if hex.len() % 2 != 0 || !hex.is_ascii() {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

/// The ARN of the account's `aws/elasticfilesystem` key in a Region
/// (a stable made-up key id per account and Region).
pub fn default_kms_key(region: &str, account: &str) -> String {
    made_up_key_arn(region, account, "")
}

/// A key ARN with a stable made-up UUID derived from the Region, account and
/// `salt` (an alias name, or empty for the default key).
fn made_up_key_arn(region: &str, account: &str, salt: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in region.bytes().chain(account.bytes()).chain(salt.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let hex = format!("{h:016x}{:016x}", h.rotate_left(17) ^ 0x5bd1_e995);
    format!(
        "arn:aws:kms:{region}:{account}:key/{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The key ARN EFS reports for a `KmsKeyId` as given: key ARNs are kept,
/// key ids are qualified with the Region and account, and aliases (`alias/NAME`
/// or an alias ARN) are resolved, as KMS does, to the key they name: the
/// target of the alias when the emulated KMS has it (`kms.rs`), else a
/// stable made-up key per account, Region and alias (`alias/aws/elasticfilesystem`
/// is the default key). EFS never reports an alias.
pub(super) fn kms_arn(kms: &Kms, k: &str, region: &str, account: &str) -> String {
    if let Some(arn) = kms.resolve_alias(k, region, account) {
        return arn;
    }
    let alias = |region: &str, account: &str, name: &str| {
        if name == "alias/aws/elasticfilesystem" {
            default_kms_key(region, account)
        } else {
            made_up_key_arn(region, account, name)
        }
    };
    if let Some(rest) = k.strip_prefix("arn:") {
        // arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        match parts.as_slice() {
            [_, "kms", r, a, res] if res.starts_with("alias/") => alias(r, a, res),
            _ => k.to_string(),
        }
    } else if k.starts_with("alias/") {
        alias(region, account, k)
    } else {
        format!("arn:aws:kms:{region}:{account}:key/{k}")
    }
}
