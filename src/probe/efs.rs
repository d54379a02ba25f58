//! [`ProbeEfs`]: the probe's EFS calls over `aws-sdk-efs`, through the
//! per-Region clients of an [`EfsReader`] (same credentials, endpoint and
//! SDK retry configuration as every other command). SDK values become the
//! small views below at once; SDK errors become a [`CallError`] that keeps
//! the code, HTTP status and message (what the probe is there to see) and
//! the reader's explanation naming the operation, Region and what to do.
//!
//! Only the probe creates and deletes file systems, and only its own: the
//! calls here take ids the caller owns; nothing here decides what to delete.

use aws_sdk_efs::config::http::HttpResponse;
use aws_sdk_efs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_efs::types::{
    DestinationToCreate, FileSystemDescription, ReplicationConfigurationDescription,
    ReplicationOverwriteProtection, Tag,
};
use aws_sdk_efs::Client;
use aws_smithy_types::retry::RetryConfig;

use super::observe::{CallOutcome, ThrottleObservation};
use super::TAG_KEY;
use crate::discover::{sdk_error, DiscoverError, EfsReader};
use crate::model::Region;

/// A refused or failed call.
#[derive(Debug, thiserror::Error)]
#[error("{described}")]
pub struct CallError {
    /// The AWS error code, when EFS sent one.
    pub code: Option<String>,
    /// The HTTP status, when a response came.
    pub status: Option<u16>,
    /// The message.
    pub message: String,
    /// The error as every command reports it (operation, Region, code, hint).
    pub described: DiscoverError,
}

impl CallError {
    fn new<E>(operation: &'static str, region: &Region, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let code = err.code().map(str::to_owned);
        let message = err
            .message()
            .map(str::to_owned)
            .unwrap_or_else(|| err.to_string());
        CallError {
            code,
            status,
            message,
            described: sdk_error(operation, region, err),
        }
    }

    /// True when EFS answered with `code`.
    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// True for EFS refusing the request itself (a 4xx with a code): what
    /// the probe's refused calls are there to see. Not a transport failure,
    /// a server error, throttling, or a refusal of the caller (credentials,
    /// a missing IAM permission: HTTP 403), which say nothing about EFS's
    /// rules.
    pub fn is_refusal(&self) -> bool {
        let about_caller = self.status == Some(403)
            || self.code.as_deref().is_some_and(|c| {
                c.starts_with("AccessDenied")
                    || c.starts_with("Unrecognized")
                    || c.starts_with("InvalidClientToken")
                    || c.starts_with("ExpiredToken")
                    || c.starts_with("InvalidSignature")
                    || c.starts_with("SignatureDoesNotMatch")
                    || c.starts_with("MissingAuthenticationToken")
                    || c.starts_with("IncompleteSignature")
            });
        self.code.is_some()
            && self.status.is_some_and(|s| (400..500).contains(&s))
            && !about_caller
            && !is_throttling(self)
    }

    /// True when trying again later may succeed: no response, a server
    /// error, or throttling.
    pub fn is_transient(&self) -> bool {
        self.code.is_none() || self.status.is_none_or(|s| s >= 500) || is_throttling(self)
    }

    /// The outcome as the probe records it.
    pub fn outcome(&self) -> CallOutcome {
        CallOutcome::Failed {
            code: self.code.clone(),
            status: self.status,
            message: self.message.clone(),
        }
    }
}

/// One replication as described.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationView {
    /// `SourceFileSystemId`.
    pub source_id: String,
    /// `SourceFileSystemRegion`.
    pub source_region: String,
    /// `Destinations[0].FileSystemId`.
    pub destination_id: String,
    /// `Destinations[0].Region`.
    pub destination_region: String,
    /// `Destinations[0].Status`.
    pub status: String,
    /// `Destinations[0].LastReplicatedTimestamp`, epoch seconds.
    pub last_replicated: Option<f64>,
    /// `SourceFileSystemOwnerId` is present.
    pub source_owner: bool,
    /// `Destinations[0].OwnerId` is present.
    pub destination_owner: bool,
}

/// One file system as described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSystemView {
    /// Its id.
    pub id: String,
    /// `LifeCycleState`.
    pub state: String,
    /// The value of the probe's tag, if it has it.
    pub probe_tag: Option<String>,
}

/// The probe's EFS calls.
pub struct ProbeEfs<'a> {
    reader: &'a EfsReader,
}

impl<'a> ProbeEfs<'a> {
    /// Uses the clients of `reader`.
    pub fn new(reader: &'a EfsReader) -> Self {
        ProbeEfs { reader }
    }

    fn client(&self, region: &Region) -> Client {
        self.reader.client(region)
    }

    /// CreateFileSystem (bursting, General Purpose, no mount targets) with
    /// the `Name` and probe tags; returns its id.
    pub async fn create_file_system(
        &self,
        region: &Region,
        creation_token: &str,
        name: &str,
        probe_id: &str,
    ) -> Result<String, CallError> {
        let out = self
            .client(region)
            .create_file_system()
            .creation_token(creation_token)
            .set_tags(Some(tags(name, probe_id)))
            .send()
            .await
            .map_err(|e| CallError::new("CreateFileSystem", region, e))?;
        Ok(out.file_system_id().to_owned())
    }

    /// TagResource with the `Name` and probe tags (for the destination EFS
    /// creates, which has no tags).
    pub async fn tag(
        &self,
        region: &Region,
        id: &str,
        name: &str,
        probe_id: &str,
    ) -> Result<(), CallError> {
        self.client(region)
            .tag_resource()
            .resource_id(id)
            .set_tags(Some(tags(name, probe_id)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| CallError::new("TagResource", region, e))
    }

    /// DescribeFileSystems by id; `None` when it is not found.
    pub async fn describe_file_system(
        &self,
        region: &Region,
        id: &str,
    ) -> Result<Option<FileSystemView>, CallError> {
        match self
            .client(region)
            .describe_file_systems()
            .file_system_id(id)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .file_systems()
                .iter()
                .find(|f| f.file_system_id() == id)
                .map(file_system_view)),
            Err(e) => {
                let e = CallError::new("DescribeFileSystems", region, e);
                if e.is("FileSystemNotFound") {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// Every file system in `region` carrying the probe's tag.
    pub async fn list_probe_file_systems(
        &self,
        region: &Region,
    ) -> Result<Vec<FileSystemView>, CallError> {
        let items: Vec<FileSystemDescription> = self
            .client(region)
            .describe_file_systems()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| CallError::new("DescribeFileSystems", region, e))?;
        Ok(items
            .iter()
            .map(file_system_view)
            .filter(|f| f.probe_tag.is_some())
            .collect())
    }

    /// DeleteFileSystem.
    pub async fn delete_file_system(&self, region: &Region, id: &str) -> Result<(), CallError> {
        self.client(region)
            .delete_file_system()
            .file_system_id(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| CallError::new("DeleteFileSystem", region, e))
    }

    /// CreateReplicationConfiguration from `source` in `region` to
    /// `destination_region`, into `existing` when given.
    pub async fn create_replication(
        &self,
        region: &Region,
        source: &str,
        destination_region: &Region,
        existing: Option<&str>,
    ) -> Result<ReplicationView, CallError> {
        let mut d = DestinationToCreate::builder().region(destination_region.as_str());
        if let Some(f) = existing {
            d = d.file_system_id(f);
        }
        let out = self
            .client(region)
            .create_replication_configuration()
            .source_file_system_id(source)
            .destinations(d.build())
            .send()
            .await
            .map_err(|e| CallError::new("CreateReplicationConfiguration", region, e))?;
        let first = out.destinations().first();
        Ok(ReplicationView {
            source_id: out.source_file_system_id().to_owned(),
            source_region: out.source_file_system_region().to_owned(),
            destination_id: first
                .map(|d| d.file_system_id().to_owned())
                .unwrap_or_default(),
            destination_region: first.map(|d| d.region().to_owned()).unwrap_or_default(),
            status: first
                .map(|d| d.status().as_str().to_owned())
                .unwrap_or_default(),
            last_replicated: first
                .and_then(|d| d.last_replicated_timestamp())
                .map(|t| t.as_secs_f64()),
            source_owner: out.source_file_system_owner_id().is_some(),
            destination_owner: first.is_some_and(|d| d.owner_id().is_some()),
        })
    }

    /// DescribeReplicationConfigurations for `file_system` (either side) in
    /// `region`; `None` when it is in none (ReplicationNotFound) or gone
    /// (FileSystemNotFound).
    pub async fn describe_replication(
        &self,
        region: &Region,
        file_system: &str,
    ) -> Result<Option<ReplicationView>, CallError> {
        match self.describe_replication_raw(region, file_system).await {
            Ok(v) => Ok(v),
            Err(e) if e.is("ReplicationNotFound") || e.is("FileSystemNotFound") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// As [`Self::describe_replication`], but every error is returned.
    pub async fn describe_replication_raw(
        &self,
        region: &Region,
        file_system: &str,
    ) -> Result<Option<ReplicationView>, CallError> {
        self.client(region)
            .describe_replication_configurations()
            .file_system_id(file_system)
            .send()
            .await
            .map(|out| out.replications().first().map(replication_view))
            .map_err(|e| CallError::new("DescribeReplicationConfigurations", region, e))
    }

    /// The unfiltered DescribeReplicationConfigurations of `region`.
    pub async fn list_replications(
        &self,
        region: &Region,
    ) -> Result<Vec<ReplicationView>, CallError> {
        let items: Vec<ReplicationConfigurationDescription> = self
            .client(region)
            .describe_replication_configurations()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| CallError::new("DescribeReplicationConfigurations", region, e))?;
        Ok(items.iter().map(replication_view).collect())
    }

    /// DeleteReplicationConfiguration of the replication whose source is `source`.
    pub async fn delete_replication(&self, region: &Region, source: &str) -> Result<(), CallError> {
        self.client(region)
            .delete_replication_configuration()
            .source_file_system_id(source)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| CallError::new("DeleteReplicationConfiguration", region, e))
    }

    /// UpdateFileSystemProtection.
    pub async fn update_protection(
        &self,
        region: &Region,
        id: &str,
        value: ReplicationOverwriteProtection,
    ) -> Result<(), CallError> {
        self.client(region)
            .update_file_system_protection()
            .file_system_id(id)
            .replication_overwrite_protection(value)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| CallError::new("UpdateFileSystemProtection", region, e))
    }

    /// At most `max_calls` DescribeFileSystems of `id`, `concurrency` at a
    /// time, with the SDK's retries off so that throttling is seen as EFS
    /// sends it; stops at the first throttled call.
    pub async fn throttle_burst(
        &self,
        region: &Region,
        id: &str,
        max_calls: u32,
        concurrency: u32,
    ) -> Result<ThrottleObservation, CallError> {
        let base = self.client(region);
        let client = Client::from_conf(
            base.config()
                .to_builder()
                .retry_config(RetryConfig::disabled())
                .build(),
        );
        let mut calls = 0u32;
        while calls < max_calls {
            let wave = concurrency.min(max_calls - calls).max(1);
            let results = futures::future::join_all(
                (0..wave).map(|_| client.describe_file_systems().file_system_id(id).send()),
            )
            .await;
            for (i, r) in results.into_iter().enumerate() {
                if let Err(e) = r {
                    let e = CallError::new("DescribeFileSystems", region, e);
                    if is_throttling(&e) {
                        return Ok(ThrottleObservation::Throttled {
                            calls: calls + i as u32 + 1,
                            status: e.status,
                            code: e.code.clone().unwrap_or_default(),
                            message: e.message.clone(),
                        });
                    }
                    return Err(e);
                }
            }
            calls += wave;
        }
        Ok(ThrottleObservation::NotThrottled { calls })
    }
}

/// Throttling by any of the names AWS services use, or a bare 429.
fn is_throttling(e: &CallError) -> bool {
    matches!(
        e.code.as_deref(),
        Some(
            "ThrottlingException"
                | "Throttling"
                | "ThrottledException"
                | "TooManyRequests"
                | "TooManyRequestsException"
                | "RequestLimitExceeded"
        )
    ) || e.status == Some(429)
}

fn tags(name: &str, probe_id: &str) -> Vec<Tag> {
    [("Name", name), (TAG_KEY, probe_id)]
        .into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .expect("key and value are set")
        })
        .collect()
}

fn file_system_view(f: &FileSystemDescription) -> FileSystemView {
    FileSystemView {
        id: f.file_system_id().to_owned(),
        state: f.life_cycle_state().as_str().to_owned(),
        probe_tag: f
            .tags()
            .iter()
            .find(|t| t.key() == TAG_KEY)
            .map(|t| t.value().to_owned()),
    }
}

fn replication_view(r: &ReplicationConfigurationDescription) -> ReplicationView {
    let first = r.destinations().first();
    ReplicationView {
        source_id: r.source_file_system_id().to_owned(),
        source_region: r.source_file_system_region().to_owned(),
        destination_id: first
            .map(|d| d.file_system_id().to_owned())
            .unwrap_or_default(),
        destination_region: first.map(|d| d.region().to_owned()).unwrap_or_default(),
        status: first
            .map(|d| d.status().as_str().to_owned())
            .unwrap_or_default(),
        last_replicated: first
            .and_then(|d| d.last_replicated_timestamp())
            .map(|t| t.as_secs_f64()),
        source_owner: r.source_file_system_owner_id().is_some(),
        destination_owner: first.is_some_and(|d| d.owner_id().is_some()),
    }
}
