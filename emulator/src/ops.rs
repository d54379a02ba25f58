//! Per-operation input decoding: reads each operation's path label, query
//! parameters and JSON members, checks them against the service model
//! (types, required members, patterns, lengths, enums), calls the store, and
//! encodes what it returns as the operation's output shape (`wire/efs.rs`).
//!
//! Every rejected input becomes an AWS-shaped `BadRequest`; nothing here may
//! change state before all of an operation's input has been checked.

use crate::auth::Caller;
use crate::state::{CreateFileSystemInput, DestinationInput, Store, Tag};
use crate::validate;
use crate::wire::efs::{
    DescribeFileSystemsResponse, DescribeReplicationConfigurationsResponse, FileSystemDescription,
    FileSystemProtectionDescription, ListTagsForResourceResponse,
    ReplicationConfigurationDescription,
};
use crate::wire::{parse_body, ApiError, JsonBody, Members, Operation, Query, Route};

/// Default and largest page size for DescribeReplicationConfigurations.
pub const MAX_REPLICATION_PAGE: usize = 100;
/// Default page size for DescribeFileSystems and ListTagsForResource.
pub const DEFAULT_PAGE: usize = 100;

/// Runs one operation; `Ok(Some(body))` is the encoded response body.
pub fn execute(
    store: &mut Store,
    caller: &Caller,
    route: &Route,
    query: &Query,
    body: &[u8],
    now: f64,
) -> Result<Option<JsonBody>, ApiError> {
    let label = || -> Result<&str, ApiError> {
        route
            .label
            .as_deref()
            .ok_or_else(|| ApiError::BadRequest("missing path label".into()))
    };
    match route.operation {
        Operation::CreateFileSystem => {
            let map = parse_body(body)?;
            let m = Members::new(&map, "");
            let input = create_file_system_input(&m)?;
            let fs = store.create_file_system(caller, input, now)?;
            JsonBody::of(&FileSystemDescription::from(fs)).map(Some)
        }
        Operation::DescribeFileSystems => {
            let max = query
                .int("MaxItems", 1)?
                .map_or(DEFAULT_PAGE, |n| n as usize);
            let marker = query.get("Marker")?;
            if let Some(m) = marker {
                validate::token("Marker", m)?;
            }
            let token = query.get("CreationToken")?;
            if let Some(t) = token {
                validate::creation_token("CreationToken", t)?;
            }
            let id = query.get("FileSystemId")?;
            if let Some(i) = id {
                validate::file_system_id("FileSystemId", i)?;
            }
            let page = store.describe_file_systems(caller, id, token, marker, max, now)?;
            JsonBody::of(&DescribeFileSystemsResponse::new(page, marker)).map(Some)
        }
        Operation::DeleteFileSystem => {
            let id = label()?;
            validate::file_system_id("FileSystemId", id)?;
            store.delete_file_system(caller, id, now).map(|_| None)
        }
        Operation::UpdateFileSystemProtection => {
            let id = label()?;
            validate::file_system_id("FileSystemId", id)?;
            let map = parse_body(body)?;
            let m = Members::new(&map, "");
            let p = m
                .string("ReplicationOverwriteProtection")?
                .map(|p| {
                    validate::one_of("ReplicationOverwriteProtection", p, validate::PROTECTIONS)
                })
                .transpose()?;
            let protection = store.update_protection(caller, id, p, now)?;
            JsonBody::of(&FileSystemProtectionDescription {
                replication_overwrite_protection: protection,
            })
            .map(Some)
        }
        Operation::CreateReplicationConfiguration => {
            let id = label()?;
            validate::file_system_id("SourceFileSystemId", id)?;
            let map = parse_body(body)?;
            let m = Members::new(&map, "");
            let dests = m.objects("Destinations")?.ok_or_else(|| {
                ApiError::BadRequest(
                    "Destinations is required (a list with one destination)".into(),
                )
            })?;
            let mut inputs = Vec::with_capacity(dests.len());
            for d in &dests {
                inputs.push(destination_input(d)?);
            }
            if inputs.len() != 1 {
                return Err(ApiError::BadRequest(format!(
                    "Destinations must contain exactly one destination, got {}",
                    inputs.len()
                )));
            }
            let dest = inputs.pop().expect("one element");
            let rep = store.create_replication(caller, id, dest, now)?;
            JsonBody::of(&ReplicationConfigurationDescription::from(rep)).map(Some)
        }
        Operation::DescribeReplicationConfigurations => {
            let id = query.get("FileSystemId")?;
            if let Some(i) = id {
                validate::file_system_id("FileSystemId", i)?;
            }
            let token = query.get("NextToken")?;
            if let Some(t) = token {
                validate::token("NextToken", t)?;
            }
            let max = query
                .int("MaxResults", 1)?
                .map_or(MAX_REPLICATION_PAGE, |n| {
                    (n as usize).min(MAX_REPLICATION_PAGE)
                });
            let page = store.describe_replications(caller, id, token, max, now)?;
            JsonBody::of(&DescribeReplicationConfigurationsResponse::from(page)).map(Some)
        }
        Operation::DeleteReplicationConfiguration => {
            let id = label()?;
            validate::file_system_id("SourceFileSystemId", id)?;
            let mode = query
                .get("deletionMode")?
                .map(|v| validate::one_of("deletionMode", v, validate::DELETION_MODES))
                .transpose()?
                .unwrap_or("ALL_CONFIGURATIONS");
            store
                .delete_replication(caller, id, mode == "LOCAL_CONFIGURATION_ONLY", now)
                .map(|_| None)
        }
        Operation::TagResource => {
            let id = label()?;
            validate::resource_id("ResourceId", id)?;
            let map = parse_body(body)?;
            let m = Members::new(&map, "");
            let tags = tags(&m)?.ok_or_else(|| ApiError::BadRequest("Tags is required".into()))?;
            store.tag_resource(caller, id, tags).map(|_| None)
        }
        Operation::UntagResource => {
            let id = label()?;
            validate::resource_id("ResourceId", id)?;
            let keys = query.all("tagKeys");
            if keys.is_empty() || keys.len() > 50 {
                return Err(ApiError::BadRequest(format!(
                    "tagKeys must list 1 to 50 tag keys, got {}",
                    keys.len()
                )));
            }
            for (i, k) in keys.iter().enumerate() {
                validate::tag_key(&format!("tagKeys[{i}]"), k)?;
            }
            store.untag_resource(caller, id, &keys).map(|_| None)
        }
        Operation::ListTagsForResource => {
            let id = label()?;
            validate::resource_id("ResourceId", id)?;
            let max = query
                .int("MaxResults", 1)?
                .map_or(DEFAULT_PAGE, |n| n as usize);
            let token = query.get("NextToken")?;
            if let Some(t) = token {
                validate::token("NextToken", t)?;
            }
            let page = store.list_tags(caller, id, token, max)?;
            JsonBody::of(&ListTagsForResourceResponse::from(page)).map(Some)
        }
    }
}

fn create_file_system_input(m: &Members) -> Result<CreateFileSystemInput, ApiError> {
    let creation_token = m.required_string("CreationToken")?;
    validate::creation_token("CreationToken", creation_token)?;
    let performance_mode = m
        .string("PerformanceMode")?
        .map(|v| validate::one_of("PerformanceMode", v, validate::PERFORMANCE_MODES))
        .transpose()?;
    let encrypted = m.bool("Encrypted")?;
    let kms_key_id = m.string("KmsKeyId")?;
    if let Some(k) = kms_key_id {
        validate::kms_key_id("KmsKeyId", k)?;
    }
    let throughput_mode = m
        .string("ThroughputMode")?
        .map(|v| validate::one_of("ThroughputMode", v, validate::THROUGHPUT_MODES))
        .transpose()?;
    let provisioned = m.f64("ProvisionedThroughputInMibps")?;
    if let Some(p) = provisioned {
        if p.is_nan() || p < 1.0 || !p.is_finite() {
            return Err(ApiError::BadRequest(format!(
                "ProvisionedThroughputInMibps must be at least 1.0, got {p}"
            )));
        }
    }
    let az = m.string("AvailabilityZoneName")?;
    if let Some(a) = az {
        validate::availability_zone_name("AvailabilityZoneName", a)?;
    }
    m.bool("Backup")?;
    Ok(CreateFileSystemInput {
        creation_token: creation_token.to_string(),
        performance_mode: performance_mode.map(str::to_string),
        encrypted,
        kms_key_id: kms_key_id.map(str::to_string),
        throughput_mode: throughput_mode.map(str::to_string),
        provisioned_throughput_in_mibps: provisioned,
        availability_zone_name: az.map(str::to_string),
        tags: tags(m)?.unwrap_or_default(),
    })
}

fn destination_input(d: &Members) -> Result<DestinationInput, ApiError> {
    let region = d.string("Region")?;
    if let Some(r) = region {
        validate::region(r)
            .map_err(|e| ApiError::BadRequest(format!("{}: {e}", d.path_of("Region"))))?;
    }
    let az = d.string("AvailabilityZoneName")?;
    if let Some(a) = az {
        validate::availability_zone_name(&d.path_of("AvailabilityZoneName"), a)?;
    }
    let kms = d.string("KmsKeyId")?;
    if let Some(k) = kms {
        validate::kms_key_id(&d.path_of("KmsKeyId"), k)?;
    }
    let fs = d.string("FileSystemId")?;
    if let Some(f) = fs {
        validate::file_system_id(&d.path_of("FileSystemId"), f)?;
    }
    let role = d.string("RoleArn")?;
    if let Some(r) = role {
        validate::role_arn(&d.path_of("RoleArn"), r)?;
    }
    Ok(DestinationInput {
        region: region.map(str::to_string),
        availability_zone_name: az.map(str::to_string),
        kms_key_id: kms.map(str::to_string),
        file_system_id: fs.map(str::to_string),
        role_arn: role.map(str::to_string),
    })
}

fn tags(m: &Members) -> Result<Option<Vec<Tag>>, ApiError> {
    let Some(list) = m.objects("Tags")? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(list.len());
    for t in &list {
        let key = t.required_string("Key")?;
        validate::tag_key(&t.path_of("Key"), key)?;
        let value = t.required_string("Value")?;
        validate::tag_value(&t.path_of("Value"), value)?;
        out.push(Tag {
            key: key.to_string(),
            value: value.to_string(),
        });
    }
    Ok(Some(out))
}
