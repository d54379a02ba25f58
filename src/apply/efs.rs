//! [`EfsWriter`]: apply's [`Operations`] over `aws-sdk-efs`, using the
//! per-Region clients of an [`EfsReader`] (same credentials, endpoint and
//! SDK retry configuration). Errors become [`StepError`]s naming the
//! operation, the Region, the AWS error code and what to do.
//!
//! It makes exactly the call it is asked for: it never deletes, creates or
//! changes protection on its own initiative, and never retries by hand.

use aws_sdk_efs::types::{DeletionMode, DestinationToCreate, ReplicationOverwriteProtection};

use super::{Listing, Operations, StepError};
use crate::discover::{convert_replication, invalid, sdk_error, EfsReader, StateReader};
use crate::model::{ActualReplication, FileSystemId, FileSystemInfo, Region};
use crate::plan::DestinationSpec;

/// Makes apply's EFS calls.
pub struct EfsWriter<'a> {
    reader: &'a EfsReader,
}

impl<'a> EfsWriter<'a> {
    /// Uses the clients of `reader`.
    pub fn new(reader: &'a EfsReader) -> Self {
        EfsWriter { reader }
    }
}

impl Operations for EfsWriter<'_> {
    async fn create(
        &self,
        region: &Region,
        source: &FileSystemId,
        destination: &DestinationSpec,
    ) -> Result<(), StepError> {
        const OP: &str = "CreateReplicationConfiguration";
        let mut d = DestinationToCreate::builder().region(destination.region.as_str());
        if let Some(az) = &destination.availability_zone_name {
            d = d.availability_zone_name(az.as_str());
        }
        if let Some(k) = &destination.kms_key_id {
            d = d.kms_key_id(k.to_string());
        }
        if let Some(f) = &destination.file_system_id {
            d = d.file_system_id(f);
        }
        if let Some(r) = &destination.role_arn {
            d = d.role_arn(r.to_string());
        }
        self.reader
            .client(region)
            .create_replication_configuration()
            .source_file_system_id(source.as_str())
            .destinations(d.build())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error(OP, region, e).into())
    }

    async fn delete(&self, region: &Region, source: &FileSystemId) -> Result<(), StepError> {
        const OP: &str = "DeleteReplicationConfiguration";
        self.reader
            .client(region)
            .delete_replication_configuration()
            .source_file_system_id(source.as_str())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error(OP, region, e).into())
    }

    async fn delete_local(&self, region: &Region, source: &FileSystemId) -> Result<(), StepError> {
        const OP: &str = "DeleteReplicationConfiguration";
        self.reader
            .client(region)
            .delete_replication_configuration()
            .source_file_system_id(source.as_str())
            .deletion_mode(DeletionMode::LocalConfigurationOnly)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error(OP, region, e).into())
    }

    async fn update_protection(
        &self,
        region: &Region,
        file_system: &FileSystemId,
        value: &str,
    ) -> Result<(), StepError> {
        const OP: &str = "UpdateFileSystemProtection";
        self.reader
            .client(region)
            .update_file_system_protection()
            .file_system_id(file_system.as_str())
            .replication_overwrite_protection(ReplicationOverwriteProtection::from(value))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error(OP, region, e).into())
    }

    async fn replication(
        &self,
        region: &Region,
        file_system: &FileSystemId,
    ) -> Result<Option<ActualReplication>, StepError> {
        Ok(self.reader.replication_of(region, file_system).await?)
    }

    async fn file_system(
        &self,
        region: &Region,
        id: &FileSystemId,
    ) -> Result<Option<FileSystemInfo>, StepError> {
        self.reader
            .describe_file_system(region, id)
            .await
            .map_err(Into::into)
    }

    async fn list_replications(&self, region: &Region) -> Result<Listing, StepError> {
        const OP: &str = "DescribeReplicationConfigurations";
        let mut pages = self
            .reader
            .client(region)
            .describe_replication_configurations()
            .into_paginator()
            .send();
        let mut listing = Listing::default();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| StepError::from(sdk_error(OP, region, e)))?;
            listing.pages += 1;
            for r in page.replications() {
                listing
                    .replications
                    .push(convert_replication(r).map_err(|m| invalid(OP, region, m))?);
            }
        }
        Ok(listing)
    }
}
