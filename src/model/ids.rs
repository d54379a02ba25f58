//! Identifiers and names: the string newtypes (`FileSystemId`, `Region`,
//! `AvailabilityZone`, `AccountId`, `RoleArn`), a file system named by id or
//! ARN (`FileSystemRef`), a KMS key reference (`KmsKeyRef`), a replication's
//! `Address` and `for_each` key, and the known Availability Zones. Each is
//! built only through a constructor that checks it against the pattern of
//! the EFS service model (or, for an address, reads back the same text), so
//! a value of these types is always well-formed; [`InvalidValue`] says why
//! a string was refused.

use std::fmt;
use std::sync::OnceLock;

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

/// The service model's pattern, which [`is_file_system_id`] checks by hand.
#[cfg(test)]
const FS_ID_RE: &str = "^fs-[0-9a-f]{8,40}$";
const FS_ARN_RE: &str =
    "^arn:(aws[-a-z]*):elasticfilesystem:([0-9a-z-]+):([0-9]{12}):file-system/(fs-[0-9a-f]{8,40})$";
const REGION_RE: &str = "^[a-z]{2}-((iso[a-z]{0,1}-)|(gov-)){0,1}[a-z]+-{0,1}[0-9]{0,1}$";
/// The service model's pattern, which [`is_account_id`] checks by hand.
#[cfg(test)]
const ACCOUNT_RE: &str = "^[0-9]{12}$";
const ROLE_ARN_RE: &str = "^arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$";
const KMS_RE: &str = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias/[a-zA-Z0-9/_-]+|(arn:aws[-a-z]*:kms:[a-z0-9-]+:\\d{12}:((key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|(key/mrk-[0-9a-f]{32})|(alias/[a-zA-Z0-9/_-]+))))$";

/// `^fs-[0-9a-f]{8,40}$` (the service model's pattern), checked by hand: ids are parsed
/// by the ten thousand in a large discovery.
fn is_file_system_id(s: &str) -> bool {
    s.strip_prefix("fs-").is_some_and(|hex| {
        (8..=40).contains(&hex.len()) && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// `^[0-9]{12}$` (the service model's pattern), checked by hand (see [`is_file_system_id`]).
fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

impl FileSystemId {
    /// Accepts a bare id (`fs-0123456789abcdef0`).
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::parse_owned(s.to_owned())
    }

    /// [`FileSystemId::parse`] of a string that is kept (not copied).
    pub fn parse_owned(s: String) -> Result<Self, InvalidValue> {
        if is_file_system_id(&s) {
            Ok(Self(s))
        } else {
            Err(InvalidValue {
                what: "file system id",
                value: s,
                expected:
                    "fs- followed by 8 to 40 lower-case hex digits, e.g. fs-0123456789abcdef0",
            })
        }
    }
}

impl Region {
    /// Accepts a region name matching the service model's `Region` pattern.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::parse_owned(s.to_owned())
    }

    /// [`Region::parse`] of a string that is kept (not copied).
    pub fn parse_owned(s: String) -> Result<Self, InvalidValue> {
        static C: OnceLock<Regex> = OnceLock::new();
        if !s.is_empty() && s.len() <= 64 && re(&C, REGION_RE).is_match(&s) {
            Ok(Self(s))
        } else {
            Err(InvalidValue {
                what: "region",
                value: s,
                expected: "a Region name such as us-east-1",
            })
        }
    }
}

impl AvailabilityZone {
    /// Accepts any AZ name of 1 to 64 characters (the model's only rule);
    /// whether it exists is checked against [`region_of_availability_zone`].
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::parse_owned(s.to_owned())
    }

    /// [`AvailabilityZone::parse`] of a string that is kept (not copied).
    pub fn parse_owned(s: String) -> Result<Self, InvalidValue> {
        if !s.is_empty() && s.len() <= 64 && !s.chars().any(char::is_whitespace) {
            Ok(Self(s))
        } else {
            Err(InvalidValue {
                what: "availability zone name",
                value: s,
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
        Self::parse_owned(s.to_owned())
    }

    /// [`AccountId::parse`] of a string that is kept (not copied).
    pub fn parse_owned(s: String) -> Result<Self, InvalidValue> {
        if is_account_id(&s) {
            Ok(Self(s))
        } else {
            Err(InvalidValue {
                what: "account id",
                value: s,
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

    /// True when this is a full ARN (of a key or an alias), which EFS
    /// reports as written.
    pub fn is_arn(&self) -> bool {
        self.region().is_some()
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

    /// The hand-written id checks accept exactly what the service model's
    /// patterns accept.
    #[test]
    fn id_checks_agree_with_the_patterns() {
        let fs = Regex::new(FS_ID_RE).unwrap();
        let account = Regex::new(ACCOUNT_RE).unwrap();
        let samples = [
            "",
            "fs-",
            "fs-0123456",
            "fs-01234567",
            "fs-0123456789abcdef0",
            "fs-0123456789ABCDEF0",
            "fs-0123456789abcdeg0",
            &format!("fs-{}", "a".repeat(40)),
            &format!("fs-{}", "a".repeat(41)),
            "fs-01234567\n",
            " fs-01234567",
            "fsx-01234567",
            "fs-0123456٣",
            "111122223333",
            "11112222333",
            "1111222233334",
            "11112222333a",
            "111122223333\n",
            "١١١١٢٢٢٢٣٣٣٣",
        ];
        for s in samples {
            assert_eq!(is_file_system_id(s), fs.is_match(s), "{s:?}");
            assert_eq!(is_account_id(s), account.is_match(s), "{s:?}");
            assert_eq!(FileSystemId::parse(s).is_ok(), fs.is_match(s), "{s:?}");
            assert_eq!(AccountId::parse(s).is_ok(), account.is_match(s), "{s:?}");
        }
    }
}
