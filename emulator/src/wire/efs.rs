//! EFS response bodies: one `Serialize` struct per output shape of the
//! service model (`shared/efs-api/efs-service-2.json`), named after it, and
//! the conversions from the store's records and reads.
//!
//! Members are declared in alphabetical order of their wire names, which is
//! the order the emulator has always sent them in (clients do not depend on
//! it; byte-identical bodies keep recorded responses comparable). Optional
//! members are left out when absent, never sent as `null`. Nothing here
//! decides a value: statuses, times and page markers come from the store.

use crate::state::{FileSystemRead, Page, ReplicationRead, Tag as TagRecord};
use serde::Serialize;

/// `FileSystemDescription`: CreateFileSystem's output and an element of
/// DescribeFileSystems.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FileSystemDescription<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone_name: Option<&'a str>,
    pub creation_time: f64,
    pub creation_token: &'a str,
    pub encrypted: bool,
    pub file_system_arn: String,
    pub file_system_id: &'a str,
    pub file_system_protection: FileSystemProtectionDescription<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<&'a str>,
    pub life_cycle_state: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    /// Mount targets are not emulated.
    pub number_of_mount_targets: u32,
    pub owner_id: &'a str,
    pub performance_mode: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioned_throughput_in_mibps: Option<f64>,
    pub size_in_bytes: FileSystemSize,
    pub tags: Vec<Tag<'a>>,
    pub throughput_mode: &'a str,
}

impl<'a> From<FileSystemRead<'a>> for FileSystemDescription<'a> {
    fn from(read: FileSystemRead<'a>) -> Self {
        let fs = read.record;
        FileSystemDescription {
            availability_zone_id: fs.availability_zone_id(),
            availability_zone_name: fs.availability_zone_name.as_deref(),
            creation_time: fs.creation_time,
            creation_token: &fs.creation_token,
            encrypted: fs.encrypted,
            file_system_arn: fs.arn(),
            file_system_id: &fs.id,
            file_system_protection: FileSystemProtectionDescription {
                replication_overwrite_protection: &fs.protection,
            },
            kms_key_id: fs.kms_key_id.as_deref(),
            life_cycle_state: read.life_cycle_state,
            name: fs.name_tag(),
            number_of_mount_targets: 0,
            owner_id: &fs.account,
            performance_mode: &fs.performance_mode,
            provisioned_throughput_in_mibps: fs.provisioned_throughput_in_mibps,
            size_in_bytes: FileSystemSize {
                timestamp: read.at.floor(),
                value: fs.size_in_bytes,
                value_in_archive: 0,
                value_in_ia: 0,
                value_in_standard: fs.size_in_bytes,
            },
            tags: fs.tags.iter().map(Tag::from).collect(),
            throughput_mode: &fs.throughput_mode,
        }
    }
}

/// `FileSystemSize`: the metered size, all of it in Standard storage.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FileSystemSize {
    /// Whole seconds: the instant of the read, rounded down.
    pub timestamp: f64,
    pub value: u64,
    pub value_in_archive: u64,
    #[serde(rename = "ValueInIA")]
    pub value_in_ia: u64,
    pub value_in_standard: u64,
}

/// `FileSystemProtectionDescription`: UpdateFileSystemProtection's output
/// and a member of every file system description.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FileSystemProtectionDescription<'a> {
    pub replication_overwrite_protection: &'a str,
}

/// `Tag`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag<'a> {
    pub key: &'a str,
    pub value: &'a str,
}

impl<'a> From<&'a TagRecord> for Tag<'a> {
    fn from(t: &'a TagRecord) -> Self {
        Tag {
            key: &t.key,
            value: &t.value,
        }
    }
}

/// `DescribeFileSystemsResponse`; `Marker` echoes the request's.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeFileSystemsResponse<'a> {
    pub file_systems: Vec<FileSystemDescription<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

impl<'a> DescribeFileSystemsResponse<'a> {
    pub fn new(page: Page<FileSystemRead<'a>>, marker: Option<&'a str>) -> Self {
        DescribeFileSystemsResponse {
            file_systems: page.items.into_iter().map(Into::into).collect(),
            marker,
            next_marker: page.next,
        }
    }
}

/// `ReplicationConfigurationDescription`: CreateReplicationConfiguration's
/// output and an element of DescribeReplicationConfigurations. Owner ids
/// are present when the read says so (`--owner-ids`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicationConfigurationDescription<'a> {
    pub creation_time: f64,
    pub destinations: [Destination<'a>; 1],
    pub original_source_file_system_arn: String,
    pub source_file_system_arn: String,
    pub source_file_system_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_file_system_owner_id: Option<&'a str>,
    pub source_file_system_region: &'a str,
}

/// `Destination`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Destination<'a> {
    pub file_system_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_replicated_timestamp: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<&'a str>,
    pub region: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<&'a str>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

impl<'a> From<ReplicationRead<'a>> for ReplicationConfigurationDescription<'a> {
    fn from(read: ReplicationRead<'a>) -> Self {
        let rep = read.record;
        let owner = |account: &'a str| read.owner_ids.then_some(account);
        ReplicationConfigurationDescription {
            creation_time: rep.creation_time,
            destinations: [Destination {
                file_system_id: &rep.destination_file_system_id,
                last_replicated_timestamp: read.last_replicated_timestamp,
                owner_id: owner(&rep.destination_account),
                region: &rep.destination_region,
                role_arn: rep.role_arn.as_deref(),
                status: read.status,
                status_message: read.status_message,
            }],
            original_source_file_system_arn: rep.original_source_arn(),
            source_file_system_arn: rep.source_arn(),
            source_file_system_id: &rep.source_file_system_id,
            source_file_system_owner_id: owner(&rep.source_account),
            source_file_system_region: &rep.source_region,
        }
    }
}

/// `DescribeReplicationConfigurationsResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeReplicationConfigurationsResponse<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub replications: Vec<ReplicationConfigurationDescription<'a>>,
}

impl<'a> From<Page<ReplicationRead<'a>>> for DescribeReplicationConfigurationsResponse<'a> {
    fn from(page: Page<ReplicationRead<'a>>) -> Self {
        DescribeReplicationConfigurationsResponse {
            next_token: page.next,
            replications: page.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// `ListTagsForResourceResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForResourceResponse<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub tags: Vec<Tag<'a>>,
}

impl<'a> From<Page<&'a TagRecord>> for ListTagsForResourceResponse<'a> {
    fn from(page: Page<&'a TagRecord>) -> Self {
        ListTagsForResourceResponse {
            next_token: page.next,
            tags: page.items.into_iter().map(Tag::from).collect(),
        }
    }
}
