//! The data that flows between the stages: the validated desired state
//! (`Desired`, produced only by `config`) and the observed actual state
//! (`Actual`, produced only by `discover`). Newtypes keep a region from being
//! passed where a file system id belongs.
//!
//! This module does no I/O and knows nothing of HCL or of `aws_sdk_efs`.
//! Constructors that take raw strings check them against the patterns of the
//! EFS service model, so a value of these types is always well-formed.
//!
//! `ids.rs` holds the newtypes and names, `desired.rs` the desired state,
//! `actual.rs` the observed state and the EFS enums; every type is
//! re-exported here, so it is always named `crate::model::X`.

mod actual;
mod desired;
mod ids;

pub use actual::{
    Actual, ActualDestination, ActualReplication, FileSystemInfo, KeyReference, KeyResolution,
    Protection, ReplicationStatus, ResolvedKey,
};
pub use desired::{
    Account, AccountCredentials, Desired, DesiredDestination, DesiredReplication, Removed, Settings,
};
pub use ids::{
    region_of_availability_zone, AccountId, Address, AvailabilityZone, FileSystemArn, FileSystemId,
    FileSystemRef, InstanceKey, InvalidValue, KmsKeyRef, Region, RoleArn, AVAILABILITY_ZONES,
};

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
