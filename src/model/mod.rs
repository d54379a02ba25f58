//! The data that flows between the stages: the validated desired state
//! (`Desired`, produced only by `config`) and the observed actual state
//! (`Actual`, produced only by `discover`). Newtypes keep a region from being
//! passed where a file system id belongs.
//!
//! This module does no I/O and knows nothing of HCL or of `aws_sdk_efs`.
//! Constructors that take raw strings check them against the patterns of the
//! EFS service model, so a value of these types is always well-formed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use regex::Regex;
use serde::{Deserialize, Serialize};

/// Why a raw string was refused by one of the newtype constructors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} is not a valid {what}: {expected}", crate::shown::quoted(.value))]
pub struct InvalidValue {
    /// What kind of value was expected ("file system id", "region", ...).
    pub what: &'static str,
    /// The value that was refused.
    pub value: String,
    /// A human description of the accepted form.
    pub expected: &'static str,
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("pattern from the service model compiles"))
}

/// A string newtype: serialized as the bare string, and deserialized (a
/// saved plan) only through its validating `parse`, like configuration input.
macro_rules! string_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            /// The value as the EFS API spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(s: String) -> Result<Self, InvalidValue> {
                Self::parse(&s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_newtype!(
    /// A bare file system id, `fs-` followed by 8 to 40 hex digits.
    FileSystemId
);
string_newtype!(
    /// An AWS Region name such as `us-east-1`.
    Region
);
string_newtype!(
    /// An Availability Zone name such as `us-east-1a` (One Zone destinations).
    AvailabilityZone
);
string_newtype!(
    /// A 12-digit AWS account id.
    AccountId
);
string_newtype!(
    /// An IAM role ARN (cross-account replication).
    RoleArn
);

const FS_ID_RE: &str = "^fs-[0-9a-f]{8,40}$";
const FS_ARN_RE: &str =
    "^arn:(aws[-a-z]*):elasticfilesystem:([0-9a-z-]+):([0-9]{12}):file-system/(fs-[0-9a-f]{8,40})$";
const REGION_RE: &str = "^[a-z]{2}-((iso[a-z]{0,1}-)|(gov-)){0,1}[a-z]+-{0,1}[0-9]{0,1}$";
const ACCOUNT_RE: &str = "^[0-9]{12}$";
const ROLE_ARN_RE: &str = "^arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$";
const KMS_RE: &str = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias/[a-zA-Z0-9/_-]+|(arn:aws[-a-z]*:kms:[a-z0-9-]+:\\d{12}:((key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|(key/mrk-[0-9a-f]{32})|(alias/[a-zA-Z0-9/_-]+))))$";

impl FileSystemId {
    /// Accepts a bare id (`fs-0123456789abcdef0`).
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        static C: OnceLock<Regex> = OnceLock::new();
        if s.len() <= 128 && re(&C, FS_ID_RE).is_match(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidValue {
                what: "file system id",
                value: s.to_owned(),
                expected:
                    "fs- followed by 8 to 40 lower-case hex digits, e.g. fs-0123456789abcdef0",
            })
        }
    }
}

impl Region {
    /// Accepts a region name matching the service model's `Region` pattern.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        static C: OnceLock<Regex> = OnceLock::new();
        if !s.is_empty() && s.len() <= 64 && re(&C, REGION_RE).is_match(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidValue {
                what: "region",
                value: s.to_owned(),
                expected: "a Region name such as us-east-1",
            })
        }
    }
}

impl AvailabilityZone {
    /// Accepts any AZ name of 1 to 64 characters (the model's only rule);
    /// whether it exists is checked against [`region_of_availability_zone`].
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        if !s.is_empty() && s.len() <= 64 && !s.chars().any(char::is_whitespace) {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidValue {
                what: "availability zone name",
                value: s.to_owned(),
                expected: "an Availability Zone name such as us-east-1a",
            })
        }
    }

    /// The Region this AZ belongs to, when it is a known commercial AZ.
    pub fn region(&self) -> Option<Region> {
        region_of_availability_zone(&self.0)
    }
}

impl AccountId {
    /// Accepts a 12-digit account id.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        static C: OnceLock<Regex> = OnceLock::new();
        if re(&C, ACCOUNT_RE).is_match(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidValue {
                what: "account id",
                value: s.to_owned(),
                expected: "12 digits",
            })
        }
    }
}

impl RoleArn {
    /// Accepts an IAM role ARN matching the service model's `RoleArn` pattern.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        static C: OnceLock<Regex> = OnceLock::new();
        if s.len() <= 2048 && re(&C, ROLE_ARN_RE).is_match(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidValue {
                what: "role ARN",
                value: s.to_owned(),
                expected: "arn:aws:iam::123456789012:role/NAME",
            })
        }
    }

    /// The account the role lives in.
    pub fn account(&self) -> AccountId {
        AccountId(self.0.split(':').nth(4).unwrap_or_default().to_owned())
    }
}

/// A file system named by id or by ARN, as the config may write it.
/// Written as that text (id or ARN) and read back through [`FileSystemRef::parse`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct FileSystemRef {
    /// The bare id.
    pub id: FileSystemId,
    /// Present when the file system was named by ARN.
    pub arn: Option<FileSystemArn>,
}

/// The parts of a file system ARN.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FileSystemArn {
    /// Partition, e.g. `aws`.
    pub partition: String,
    /// Region the file system lives in.
    pub region: Region,
    /// Account that owns it.
    pub account: AccountId,
}

impl Serialize for FileSystemRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_api_string())
    }
}

impl TryFrom<String> for FileSystemRef {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, InvalidValue> {
        Self::parse(&s)
    }
}

impl From<FileSystemId> for FileSystemRef {
    fn from(id: FileSystemId) -> Self {
        FileSystemRef { id, arn: None }
    }
}

impl fmt::Display for FileSystemRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_api_string())
    }
}

impl FileSystemRef {
    /// Accepts an id or an ARN (the model's `FileSystemId` pattern).
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        static C: OnceLock<Regex> = OnceLock::new();
        if s.starts_with("arn:") {
            let bad = || InvalidValue {
                what: "file system ARN",
                value: s.to_owned(),
                expected: "arn:aws:elasticfilesystem:REGION:ACCOUNT:file-system/fs-...",
            };
            let caps = re(&C, FS_ARN_RE).captures(s).ok_or_else(bad)?;
            if s.len() > 128 {
                return Err(bad());
            }
            Ok(Self {
                id: FileSystemId(caps[4].to_owned()),
                arn: Some(FileSystemArn {
                    partition: caps[1].to_owned(),
                    region: Region::parse(&caps[2]).map_err(|_| bad())?,
                    account: AccountId(caps[3].to_owned()),
                }),
            })
        } else {
            Ok(Self {
                id: FileSystemId::parse(s)?,
                arn: None,
            })
        }
    }

    /// The ARN text, or the bare id when named by id.
    pub fn to_api_string(&self) -> String {
        match &self.arn {
            Some(a) => format!(
                "arn:{}:elasticfilesystem:{}:{}:file-system/{}",
                a.partition, a.region, a.account, self.id
            ),
            None => self.id.to_string(),
        }
    }
}

/// A KMS key as the config names it. EFS reports the key of a file system as
/// a key ARN; a config may use a key id, an alias or either ARN.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct KmsKeyRef(String);

impl Serialize for KmsKeyRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl TryFrom<String> for KmsKeyRef {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, InvalidValue> {
        Self::parse(&s)
    }
}

impl KmsKeyRef {
    /// Accepts a value matching the service model's `KmsKeyId` pattern.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        static C: OnceLock<Regex> = OnceLock::new();
        if s.len() <= 2048 && re(&C, KMS_RE).is_match(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidValue {
                what: "KMS key",
                value: s.to_owned(),
                expected: "a key id, mrk- id, alias/NAME, or a key or alias ARN",
            })
        }
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when this names the key by alias (`alias/...` or an alias ARN),
    /// which cannot be compared with a key ARN without asking KMS.
    pub fn is_alias(&self) -> bool {
        self.0.starts_with("alias/") || self.0.contains(":alias/")
    }

    /// The Region named by a key or alias ARN (`None` for an id or alias name).
    pub fn region(&self) -> Option<&str> {
        self.0
            .strip_prefix("arn:")
            .and_then(|rest| rest.split(':').nth(2))
    }

    /// The key id part (`UUID` or `mrk-...`) when this names a key, not an alias.
    pub fn key_id(&self) -> Option<&str> {
        if self.is_alias() {
            None
        } else {
            Some(self.0.rsplit('/').next().unwrap_or(&self.0))
        }
    }
}

impl fmt::Display for KmsKeyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `for_each` key of one instance of a replication block.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum InstanceKey {
    /// A map key, or a list element that is a string (`for_each` over a set of strings).
    Str(String),
    /// A list index.
    Int(u64),
}

/// The address of a declared replication: `replication.NAME` or
/// `replication.NAME["key"]` (Terraform's resource address convention).
/// Deserialized (a saved plan) from its text, which must read back the same.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Address {
    /// The block label.
    pub name: String,
    /// The `for_each` key, if the block has one.
    pub key: Option<InstanceKey>,
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "replication.{}", self.name)?;
        match &self.key {
            None => Ok(()),
            Some(InstanceKey::Int(i)) => write!(f, "[{i}]"),
            Some(InstanceKey::Str(s)) => write!(f, "[{s:?}]"),
        }
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl TryFrom<String> for Address {
    type Error = InvalidValue;
    /// Parses `replication.NAME`, `replication.NAME[N]` or
    /// `replication.NAME["key"]`.
    fn try_from(text: String) -> Result<Self, InvalidValue> {
        let bad = || InvalidValue {
            what: "address",
            value: text.clone(),
            expected: "replication.NAME, replication.NAME[N] or replication.NAME[\"key\"]",
        };
        let rest = text.strip_prefix("replication.").ok_or_else(bad)?;
        let (name, key) = match rest.find('[') {
            None => (rest, None),
            Some(i) => {
                let inner = rest[i..]
                    .strip_prefix('[')
                    .and_then(|k| k.strip_suffix(']'))
                    .ok_or_else(bad)?;
                let key = if inner.starts_with('"') {
                    InstanceKey::Str(serde_json::from_str(inner).map_err(|_| bad())?)
                } else {
                    InstanceKey::Int(inner.parse().map_err(|_| bad())?)
                };
                (&rest[..i], Some(key))
            }
        };
        let ok_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let address = Address {
            name: name.to_owned(),
            key,
        };
        if ok_name && address.to_string() == text {
            Ok(address)
        } else {
            Err(bad())
        }
    }
}

/// The validated desired state: the only thing the planner sees of the config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// Declared replications, sorted by address, addresses unique.
    pub replications: Vec<DesiredReplication>,
    /// `removed` blocks: replications to delete if they exist.
    pub removed: Vec<Removed>,
    /// The `settings` block (defaults when absent).
    pub settings: Settings,
    /// `account` blocks, sorted by name; names and ids unique.
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// The Regions written in the configuration text: `source_region`,
    /// `settings.region`, destination Regions (written, or read from an
    /// Availability Zone or an ARN) and the Regions of file system ARNs. A
    /// Region that only came from `--region`, `AWS_REGION` or a profile is
    /// not here. Only these Regions are in reach of `prune`.
    #[serde(default)]
    pub written_regions: BTreeSet<Region>,
}

/// An `account` block: how to get credentials for one AWS account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Account {
    /// The block's label, used by `source_account = "NAME"`.
    pub name: String,
    /// The account id.
    pub id: AccountId,
    /// Where its credentials come from.
    pub credentials: AccountCredentials,
}

/// How an account's credentials are obtained (exactly one way).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AccountCredentials {
    /// `sts:AssumeRole` on this role, with the default chain's credentials.
    AssumeRole {
        /// The role, in the account itself.
        role_arn: RoleArn,
        /// `ExternalId` for the role's trust policy.
        external_id: Option<String>,
        /// `RoleSessionName` (default `efs-replicator`).
        session_name: Option<String>,
    },
    /// A named profile of the AWS config files.
    Profile(String),
}

impl Desired {
    /// The `account` block for an account id, if any.
    pub fn account(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.iter().find(|a| &a.id == id)
    }
}

/// One declared replication (one instance, after `for_each` expansion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredReplication {
    /// `replication.NAME` or `replication.NAME["key"]`.
    pub address: Address,
    /// The source file system.
    pub source: FileSystemId,
    /// The source's Region, resolved (ARN, `source_region`, settings, --region, AWS config).
    pub source_region: Region,
    /// The source's owner when the config named it by ARN.
    pub source_account: Option<AccountId>,
    /// Where it replicates to.
    pub destination: DesiredDestination,
    /// A plan that would delete or replace this replication is an error.
    pub prevent_destroy: bool,
    /// Health threshold for `check` (the block's, else the settings').
    pub max_replication_lag: Option<Duration>,
}

/// The `destination` block of a declared replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredDestination {
    /// Destination Region: as written, or derived from the AZ.
    pub region: Region,
    /// One Zone destination AZ.
    pub availability_zone: Option<AvailabilityZone>,
    /// KMS key for a new destination (None = the account's default EFS key).
    pub kms_key: Option<KmsKeyRef>,
    /// An existing destination file system (id, or ARN for cross-account).
    pub file_system: Option<FileSystemRef>,
    /// Role for cross-account replication.
    pub role_arn: Option<RoleArn>,
    /// Consent to disable overwrite protection on the existing destination.
    pub allow_overwrite: bool,
}

/// A `removed` block: delete the replication of this source if it exists.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Removed {
    /// Source file system of the replication to delete.
    pub source: FileSystemId,
    /// Its Region.
    pub source_region: Region,
    /// When set, only a replication to this destination file system may be
    /// deleted; a replication of the source to another destination is a
    /// plan error.
    #[serde(default)]
    pub destination: Option<FileSystemId>,
}

/// The `settings` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Default source Region.
    pub region: Option<Region>,
    /// Delete replications found in scope but not declared.
    pub prune: bool,
    /// Default health threshold.
    pub max_replication_lag: Option<Duration>,
    /// Accept Region names this build does not know (newer Regions).
    pub skip_region_validation: bool,
}

impl Desired {
    /// Every Region the config names: sources, destinations, removed blocks, settings.
    pub fn regions(&self) -> BTreeSet<Region> {
        let mut out = BTreeSet::new();
        for r in &self.replications {
            out.insert(r.source_region.clone());
            out.insert(r.destination.region.clone());
            if let Some(arn) = r
                .destination
                .file_system
                .as_ref()
                .and_then(|f| f.arn.as_ref())
            {
                out.insert(arn.region.clone());
            }
        }
        for r in &self.removed {
            out.insert(r.source_region.clone());
        }
        if let Some(r) = &self.settings.region {
            out.insert(r.clone());
        }
        out
    }
}

/// Replication status as EFS reports it; serialized as EFS spells it
/// (`ENABLED`), an unknown value as is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(from = "String")]
pub enum ReplicationStatus {
    /// Being created.
    Enabling,
    /// Healthy.
    Enabled,
    /// Being deleted.
    Deleting,
    /// Failed unrecoverably.
    Error,
    /// Paused (Region opted out).
    Paused,
    /// On its way to Paused.
    Pausing,
    /// A value this build does not know.
    Other(String),
}

impl ReplicationStatus {
    /// The status EFS spells `s` (any other value is kept as
    /// [`ReplicationStatus::Other`]).
    pub fn parse(s: &str) -> Self {
        match s {
            "ENABLING" => ReplicationStatus::Enabling,
            "ENABLED" => ReplicationStatus::Enabled,
            "DELETING" => ReplicationStatus::Deleting,
            "ERROR" => ReplicationStatus::Error,
            "PAUSED" => ReplicationStatus::Paused,
            "PAUSING" => ReplicationStatus::Pausing,
            other => ReplicationStatus::Other(other.to_owned()),
        }
    }

    /// The spelling EFS uses for the status.
    pub fn as_str(&self) -> &str {
        match self {
            ReplicationStatus::Enabling => "ENABLING",
            ReplicationStatus::Enabled => "ENABLED",
            ReplicationStatus::Deleting => "DELETING",
            ReplicationStatus::Error => "ERROR",
            ReplicationStatus::Paused => "PAUSED",
            ReplicationStatus::Pausing => "PAUSING",
            ReplicationStatus::Other(o) => o,
        }
    }
}

/// `ReplicationOverwriteProtection` of a file system; serialized as EFS
/// spells it (`ENABLED`), an unknown value as is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(from = "String")]
pub enum Protection {
    /// Default: cannot be a destination.
    Enabled,
    /// May be used as a destination.
    Disabled,
    /// Currently a destination.
    Replicating,
    /// A value this build does not know.
    Other(String),
}

impl Protection {
    /// The value EFS spells `s` (any other value is kept as
    /// [`Protection::Other`]).
    pub fn parse(s: &str) -> Self {
        match s {
            "ENABLED" => Protection::Enabled,
            "DISABLED" => Protection::Disabled,
            "REPLICATING" => Protection::Replicating,
            other => Protection::Other(other.to_owned()),
        }
    }

    /// The spelling EFS uses for the value.
    pub fn as_str(&self) -> &str {
        match self {
            Protection::Enabled => "ENABLED",
            Protection::Disabled => "DISABLED",
            Protection::Replicating => "REPLICATING",
            Protection::Other(o) => o,
        }
    }
}

/// Both enums are written as EFS spells them and read back the same way.
macro_rules! efs_spelled {
    ($name:ident) => {
        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name::parse(&s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
efs_spelled!(ReplicationStatus);
efs_spelled!(Protection);

/// The observed state of every Region in scope.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actual {
    /// The Regions that were read; a replication outside them is not known.
    pub regions: BTreeSet<Region>,
    /// Every replication configuration found, once each (keyed by source).
    /// When the source Region was read, this is the source side's view.
    pub replications: Vec<ActualReplication>,
    /// Destination-side views whose source side is gone: listed in the
    /// destination Region while the source Region (also read, same account)
    /// reports no replication of that source to that destination (left by a
    /// `LOCAL_CONFIGURATION_ONLY` deletion in the source Region). They never
    /// stand in for the live configuration of their source.
    pub orphans: Vec<ActualReplication>,
    /// File systems that were described, by Region and id.
    pub file_systems: BTreeMap<(Region, FileSystemId), FileSystemInfo>,
    /// File systems whose replication was described by id because they were
    /// `REPLICATING` with no replication into them in any listing.
    pub probed: BTreeSet<(Region, FileSystemId)>,
    /// What KMS said about each declared `kms_key_id` (DescribeKey in the
    /// destination's Region), once per distinct reference. A reference
    /// without an entry was not resolved: the planner compares as written.
    pub kms_keys: Vec<ResolvedKey>,
}

impl Actual {
    /// What KMS said about `key` in `region`, if it was asked.
    pub fn kms_key(&self, region: &Region, key: &KmsKeyRef) -> Option<&KeyResolution> {
        self.kms_keys
            .iter()
            .find(|r| &r.region == region && &r.reference == key)
            .map(|r| &r.resolution)
    }
}

/// One declared KMS key reference and what DescribeKey said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedKey {
    /// Region it was resolved in (the destination's).
    pub region: Region,
    /// The reference as declared.
    pub reference: KmsKeyRef,
    /// The answer.
    pub resolution: KeyResolution,
}

/// What DescribeKey said about a key reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyResolution {
    /// The key ARN the reference names.
    Key(String),
    /// KMS says the alias or key does not exist (its message).
    NotFound(String),
    /// The credentials may not call `kms:DescribeKey` (KMS's message).
    AccessDenied(String),
    /// Another error (its message); the key could not be verified.
    Failed(String),
}

/// One replication configuration as `DescribeReplicationConfigurations` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActualReplication {
    /// Source file system id.
    pub source: FileSystemId,
    /// Source Region.
    pub source_region: Region,
    /// Source ARN.
    pub source_arn: String,
    /// Source owner: as reported, else the account of the source ARN (EFS
    /// may leave owner ids out of same-account descriptions).
    pub source_owner: Option<AccountId>,
    /// When the configuration was created.
    pub creation_time: SystemTime,
    /// The single destination.
    pub destination: ActualDestination,
}

/// The destination of an observed replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActualDestination {
    /// Replication status.
    pub status: ReplicationStatus,
    /// Destination file system id.
    pub file_system_id: FileSystemId,
    /// Destination Region.
    pub region: Region,
    /// Every source change before this instant is on the destination.
    pub last_replicated: Option<SystemTime>,
    /// Destination owner: as reported, else the source owner (a missing
    /// owner id means the same account).
    pub owner: Option<AccountId>,
    /// Details for PAUSED/ERROR.
    pub status_message: Option<String>,
    /// Role used for cross-account replication.
    pub role_arn: Option<String>,
}

/// A file system as `DescribeFileSystems` reports it (the parts the plan needs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSystemInfo {
    /// Id.
    pub id: FileSystemId,
    /// Region it was described in.
    pub region: Region,
    /// Owner account.
    pub owner: AccountId,
    /// `LifeCycleState`, lower-case (`available`, `creating`, ...).
    pub life_cycle_state: String,
    /// Whether it is encrypted.
    pub encrypted: bool,
    /// KMS key ARN, when encrypted.
    pub kms_key_id: Option<String>,
    /// One Zone AZ, when One Zone.
    pub availability_zone: Option<AvailabilityZone>,
    /// `generalPurpose` or `maxIO`.
    pub performance_mode: String,
    /// `bursting`, `provisioned` or `elastic`.
    pub throughput_mode: Option<String>,
    /// Overwrite protection.
    pub protection: Option<Protection>,
    /// Value of the Name tag.
    pub name: Option<String>,
}

/// The Region of a known commercial Availability Zone name.
pub fn region_of_availability_zone(az: &str) -> Option<Region> {
    // The last character, whatever its width: the name is user input and a
    // byte split could fall inside a multi-byte character.
    let last = az.chars().next_back()?;
    let (region, suffix) = az.split_at(az.len() - last.len_utf8());
    let known = AVAILABILITY_ZONES
        .iter()
        .find(|(r, _)| *r == region)
        .is_some_and(|(_, zones)| zones.contains(suffix));
    known.then(|| Region(region.to_owned()))
}

/// Commercial Regions and the letters of their Availability Zones.
pub const AVAILABILITY_ZONES: &[(&str, &str)] = &[
    ("us-east-1", "abcdef"),
    ("us-east-2", "abc"),
    ("us-west-1", "abc"),
    ("us-west-2", "abcd"),
    ("af-south-1", "abc"),
    ("ap-east-1", "abc"),
    ("ap-south-1", "abc"),
    ("ap-south-2", "abc"),
    ("ap-southeast-1", "abc"),
    ("ap-southeast-2", "abc"),
    ("ap-southeast-3", "abc"),
    ("ap-southeast-4", "abc"),
    ("ap-southeast-5", "abc"),
    ("ap-southeast-7", "abc"),
    ("ap-northeast-1", "acd"),
    ("ap-northeast-2", "abcd"),
    ("ap-northeast-3", "abc"),
    ("ca-central-1", "abd"),
    ("ca-west-1", "abc"),
    ("eu-central-1", "abc"),
    ("eu-central-2", "abc"),
    ("eu-west-1", "abc"),
    ("eu-west-2", "abc"),
    ("eu-west-3", "abc"),
    ("eu-south-1", "abc"),
    ("eu-south-2", "abc"),
    ("eu-north-1", "abc"),
    ("il-central-1", "abc"),
    ("me-south-1", "abc"),
    ("me-central-1", "abc"),
    ("mx-central-1", "abc"),
    ("sa-east-1", "abc"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_system_ref_parses_id_and_arn() {
        let id = FileSystemRef::parse("fs-0123456789abcdef0").unwrap();
        assert_eq!(id.id.as_str(), "fs-0123456789abcdef0");
        assert!(id.arn.is_none());
        let arn = FileSystemRef::parse(
            "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0123456789abcdef0",
        )
        .unwrap();
        assert_eq!(arn.id.as_str(), "fs-0123456789abcdef0");
        let parts = arn.arn.as_ref().unwrap();
        assert_eq!(parts.region.as_str(), "eu-west-1");
        assert_eq!(parts.account.as_str(), "111122223333");
        assert_eq!(
            arn.to_api_string(),
            "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0123456789abcdef0"
        );
        assert!(FileSystemRef::parse("fs-XYZ").is_err());
        assert!(FileSystemRef::parse("arn:aws:s3:::bucket").is_err());
    }

    #[test]
    fn availability_zones_map_to_regions() {
        assert_eq!(
            region_of_availability_zone("us-east-1f").unwrap().as_str(),
            "us-east-1"
        );
        assert!(region_of_availability_zone("us-east-1z").is_none());
        assert!(region_of_availability_zone("ap-northeast-1b").is_none());
        assert!(region_of_availability_zone("").is_none());
        // Issue 9: a multi-byte last character used to panic the byte split.
        assert!(region_of_availability_zone("us-east-1é").is_none());
        assert!(region_of_availability_zone("é").is_none());
        assert!(AvailabilityZone::parse("us-east-1é")
            .unwrap()
            .region()
            .is_none());
    }

    #[test]
    fn kms_refs_distinguish_aliases() {
        let alias = KmsKeyRef::parse("alias/dr").unwrap();
        assert!(alias.is_alias());
        let arn = KmsKeyRef::parse(
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        )
        .unwrap();
        assert_eq!(arn.key_id(), Some("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert_eq!(arn.region(), Some("us-east-1"));
        assert_eq!(alias.region(), None);
        assert!(KmsKeyRef::parse("not a key").is_err());
    }

    #[test]
    fn addresses_render_like_terraform() {
        let a = Address {
            name: "home".into(),
            key: Some(InstanceKey::Str("eu".into())),
        };
        assert_eq!(a.to_string(), "replication.home[\"eu\"]");
        let b = Address {
            name: "home".into(),
            key: None,
        };
        assert_eq!(b.to_string(), "replication.home");
    }
}
