//! Input checks from the service model (`efs-service-2.json`): the patterns,
//! lengths and enums of every member the emulator accepts, each failure a
//! `BadRequest` naming the member and the rule. Also the table of commercial
//! Regions and their Availability Zone names used for One Zone.
//!
//! Pure functions only: this module must never look at the emulator state.

use crate::wire::ApiError;
use regex::Regex;
use std::sync::LazyLock;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("service model pattern compiles")
}

static FILE_SYSTEM_ID: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(arn:aws[-a-z]*:elasticfilesystem:[0-9a-z-:]+:file-system/fs-[0-9a-f]{8,40}|fs-[0-9a-f]{8,40})$",
    )
});
static RESOURCE_ID: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(arn:aws[-a-z]*:elasticfilesystem:[0-9a-z-:]+:(access-point/fsap|file-system/fs)-[0-9a-f]{8,40}|fs(ap)?-[0-9a-f]{8,40})$",
    )
});
static REGION: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[a-z]{2}-((iso[a-z]{0,1}-)|(gov-)){0,1}[a-z]+-{0,1}[0-9]{0,1}$"));
static KMS_KEY_ID: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias/[a-zA-Z0-9/_-]+|(arn:aws[-a-z]*:kms:[a-z0-9-]+:\d{12}:((key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|(key/mrk-[0-9a-f]{32})|(alias/[a-zA-Z0-9/_-]+))))$",
    )
});
// The model's pattern is unanchored; AWS matches it against the whole value.
static ROLE_ARN: LazyLock<Regex> =
    LazyLock::new(|| re(r"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$"));
static TAG_KEY: LazyLock<Regex> = LazyLock::new(|| re(r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$"));
static TAG_VALUE: LazyLock<Regex> = LazyLock::new(|| re(r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"));
static ACCOUNT_ID: LazyLock<Regex> = LazyLock::new(|| re(r"^(\d{12})|(\d{4}-\d{4}-\d{4})$"));

fn bad(msg: String) -> ApiError {
    ApiError::BadRequest(msg)
}

/// Checks length (in characters) and, if given, the pattern.
pub fn string(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
    pattern: Option<(&Regex, &str)>,
) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(bad(format!(
            "{field} must be {min} to {max} characters long, got {n}"
        )));
    }
    if let Some((re, shown)) = pattern {
        if !re.is_match(value) {
            return Err(bad(format!(
                "{field} '{}' does not match the pattern {shown}",
                shorten(value)
            )));
        }
    }
    Ok(())
}

fn shorten(v: &str) -> String {
    if v.chars().count() > 80 {
        format!("{}...", v.chars().take(80).collect::<String>())
    } else {
        v.to_string()
    }
}

/// A `FileSystemId` (plain id or file-system ARN).
pub fn file_system_id(field: &str, v: &str) -> Result<(), ApiError> {
    string(
        field,
        v,
        0,
        128,
        Some((
            &FILE_SYSTEM_ID,
            "fs-<8 to 40 hex digits> or a file-system ARN",
        )),
    )
}

/// A `ResourceId` (file system or access point, id or ARN).
pub fn resource_id(field: &str, v: &str) -> Result<(), ApiError> {
    string(
        field,
        v,
        0,
        128,
        Some((&RESOURCE_ID, "fs-<hex>, fsap-<hex>, or their ARNs")),
    )
}

/// A `RegionName`.
pub fn region(v: &str) -> Result<(), ApiError> {
    string(
        "Region",
        v,
        1,
        64,
        Some((&REGION, "a Region name such as us-east-1")),
    )
}

/// A `KmsKeyId`.
pub fn kms_key_id(field: &str, v: &str) -> Result<(), ApiError> {
    string(
        field,
        v,
        0,
        2048,
        Some((
            &KMS_KEY_ID,
            "a KMS key id, mrk- id, alias/NAME, or key/alias ARN",
        )),
    )
}

/// A `RoleArn`.
pub fn role_arn(field: &str, v: &str) -> Result<(), ApiError> {
    string(
        field,
        v,
        0,
        2048,
        Some((&ROLE_ARN, "arn:aws:iam::<12-digit account>:role/<name>")),
    )
}

/// An `AvailabilityZoneName` (1 to 64 characters; existence is checked separately).
pub fn availability_zone_name(field: &str, v: &str) -> Result<(), ApiError> {
    string(field, v, 1, 64, None)
}

/// A `CreationToken`.
pub fn creation_token(field: &str, v: &str) -> Result<(), ApiError> {
    string(field, v, 1, 64, None)
}

/// A pagination `Marker` or `Token` (1 to 128 characters).
pub fn token(field: &str, v: &str) -> Result<(), ApiError> {
    string(field, v, 1, 128, None)
}

/// A `TagKey`: 1 to 128 characters, the model's character set, and no
/// `aws:` prefix (the model's negative lookahead).
pub fn tag_key(field: &str, v: &str) -> Result<(), ApiError> {
    string(
        field,
        v,
        1,
        128,
        Some((&TAG_KEY, "letters, digits, spaces and _.:/=+-@")),
    )?;
    if v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        return Err(bad(format!(
            "{field} '{}' uses the reserved prefix 'aws:'",
            shorten(v)
        )));
    }
    Ok(())
}

/// A `TagValue`.
pub fn tag_value(field: &str, v: &str) -> Result<(), ApiError> {
    string(
        field,
        v,
        0,
        256,
        Some((&TAG_VALUE, "letters, digits, spaces and _.:/=+-@")),
    )
}

/// An `AwsAccountId` (used for the emulator's own configuration).
pub fn account_id(v: &str) -> bool {
    v.len() <= 14 && ACCOUNT_ID.is_match(v)
}

/// One value of an enum shape.
pub fn one_of<'a>(field: &str, v: &'a str, allowed: &[&str]) -> Result<&'a str, ApiError> {
    if allowed.contains(&v) {
        Ok(v)
    } else {
        Err(bad(format!(
            "{field} must be one of {}, got '{}'",
            allowed.join(", "),
            shorten(v)
        )))
    }
}

pub const PERFORMANCE_MODES: &[&str] = &["generalPurpose", "maxIO"];
pub const THROUGHPUT_MODES: &[&str] = &["bursting", "provisioned", "elastic"];
pub const PROTECTIONS: &[&str] = &["ENABLED", "DISABLED", "REPLICATING"];
pub const DELETION_MODES: &[&str] = &["ALL_CONFIGURATIONS", "LOCAL_CONFIGURATION_ONLY"];
pub const REPLICATION_STATUSES: &[&str] = &[
    "ENABLED", "ENABLING", "DELETING", "ERROR", "PAUSED", "PAUSING",
];

/// Commercial Regions: name, short code for Availability Zone ids, and the
/// letters of its Availability Zone names.
const REGIONS: &[(&str, &str, &str)] = &[
    ("us-east-1", "use1", "abcdef"),
    ("us-east-2", "use2", "abc"),
    ("us-west-1", "usw1", "abc"),
    ("us-west-2", "usw2", "abcd"),
    ("af-south-1", "afs1", "abc"),
    ("ap-east-1", "ape1", "abc"),
    ("ap-east-2", "ape2", "abc"),
    ("ap-south-1", "aps1", "abc"),
    ("ap-south-2", "aps2", "abc"),
    ("ap-southeast-1", "apse1", "abc"),
    ("ap-southeast-2", "apse2", "abc"),
    ("ap-southeast-3", "apse3", "abc"),
    ("ap-southeast-4", "apse4", "abc"),
    ("ap-southeast-5", "apse5", "abc"),
    ("ap-southeast-7", "apse7", "abc"),
    ("ap-northeast-1", "apne1", "acd"),
    ("ap-northeast-2", "apne2", "abcd"),
    ("ap-northeast-3", "apne3", "abc"),
    ("ca-central-1", "cac1", "abd"),
    ("ca-west-1", "caw1", "abc"),
    ("eu-central-1", "euc1", "abc"),
    ("eu-central-2", "euc2", "abc"),
    ("eu-west-1", "euw1", "abc"),
    ("eu-west-2", "euw2", "abc"),
    ("eu-west-3", "euw3", "abc"),
    ("eu-south-1", "eus1", "abc"),
    ("eu-south-2", "eus2", "abc"),
    ("eu-north-1", "eun1", "abc"),
    ("il-central-1", "ilc1", "abc"),
    ("me-south-1", "mes1", "abc"),
    ("me-central-1", "mec1", "abc"),
    ("mx-central-1", "mxc1", "abc"),
    ("sa-east-1", "sae1", "abc"),
];

/// Whether `region` is a known commercial Region.
pub fn known_region(region: &str) -> bool {
    REGIONS.iter().any(|(r, _, _)| *r == region)
}

/// The Region and Availability Zone id of an Availability Zone name, if the
/// name is a known commercial AZ.
pub fn availability_zone(name: &str) -> Option<(&'static str, String)> {
    let letter = name.chars().last()?;
    let region = &name[..name.len() - letter.len_utf8()];
    let (r, code, letters) = REGIONS.iter().find(|(r, _, _)| *r == region)?;
    let pos = letters.find(letter)?;
    Some((r, format!("{code}-az{}", pos + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn az_table() {
        assert_eq!(
            availability_zone("us-east-1f"),
            Some(("us-east-1", "use1-az6".to_string()))
        );
        assert_eq!(availability_zone("us-east-1g"), None);
        assert_eq!(availability_zone("mars-east-1a"), None);
        assert_eq!(availability_zone(""), None);
    }

    #[test]
    fn model_patterns() {
        assert!(file_system_id("x", "fs-0123456789abcdef0").is_ok());
        assert!(file_system_id("x", "fs-123").is_err());
        assert!(file_system_id(
            "x",
            "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-01234567"
        )
        .is_ok());
        assert!(region("us-east-1").is_ok());
        assert!(region("US-EAST-1").is_err());
        assert!(tag_key("k", "aws:x").is_err());
        assert!(tag_key("k", "Name").is_ok());
        assert!(tag_key("k", "AwS:x").is_err());
        // Multi-byte characters around the prefix length must not panic.
        assert!(tag_key("k", "日本語キー").is_ok());
        assert!(tag_key("k", "aé:x").is_ok());
        assert!(tag_key("k", "ключ").is_ok());
        assert!(tag_value("v", "a|b").is_err());
        assert!(role_arn("r", "arn:aws:iam::123456789012:role/x").is_ok());
        assert!(role_arn("r", "xx arn:aws:iam::123456789012:role/x").is_err());
        assert!(kms_key_id("k", "alias/aws/elasticfilesystem").is_ok());
        assert!(kms_key_id("k", "nope").is_err());
    }
}
