//! [`EfsWriter`]: apply's [`Operations`] over `aws-sdk-efs`, using the
//! per-Region clients of an [`EfsReader`] (same credentials, endpoint and
//! SDK retry configuration), or of [`AccountReaders`], where each call is
//! made with the credentials of the account its file system is in. Errors become [`StepError`]s naming the
//! operation, the Region, the AWS error code and what to do.
//!
//! It makes exactly the call it is asked for: it never deletes, creates or
//! changes protection on its own initiative, and never retries by hand.

use aws_sdk_efs::types::{DeletionMode, DestinationToCreate, ReplicationOverwriteProtection};

use super::{Listing, Operations, StepError};
use crate::discover::{
    convert_replication, invalid, sdk_error, AccountReaders, EfsReader, StateReader,
};
use crate::model::{ActualReplication, FileSystemId, FileSystemInfo, Region};
use crate::plan::DestinationSpec;

/// Makes apply's EFS calls.
pub struct EfsWriter<'a> {
    readers: Readers<'a>,
}

enum Readers<'a> {
    One(&'a EfsReader),
    Accounts(&'a AccountReaders),
}

impl<'a> EfsWriter<'a> {
    /// Uses the clients of `reader`.
    pub fn new(reader: &'a EfsReader) -> Self {
        EfsWriter {
            readers: Readers::One(reader),
        }
    }

    /// Uses, for each call, the clients of the account its file system is in.
    pub fn accounts(readers: &'a AccountReaders) -> Self {
        EfsWriter {
            readers: Readers::Accounts(readers),
        }
    }

    /// The reader for a call about `file_system` in `region`.
    fn reader(&self, region: &Region, file_system: &FileSystemId) -> &EfsReader {
        match &self.readers {
            Readers::One(r) => r,
            Readers::Accounts(a) => a.reader_for(region, file_system),
        }
    }
}

impl Operations for EfsWriter<'_> {
    async fn create(
        &self,
        region: &Region,
        source: &FileSystemId,
        destination: &DestinationSpec,
    ) -> Result<Option<String>, StepError> {
        const OP: &str = "CreateReplicationConfiguration";
        let mut d = DestinationToCreate::builder().region(destination.region.as_str());
        if let Some(az) = &destination.availability_zone_name {
            d = d.availability_zone_name(az.as_str());
        }
        if let Some(k) = &destination.kms_key_id {
            d = d.kms_key_id(k.to_string());
        }
        if let Some(f) = &destination.file_system_id {
            d = d.file_system_id(f.to_api_string());
        }
        if let Some(r) = &destination.role_arn {
            d = d.role_arn(r.to_string());
        }
        self.reader(region, source)
            .client(region)
            .create_replication_configuration()
            .source_file_system_id(source.as_str())
            .destinations(d.build())
            .send()
            .await
            .map(|out| {
                out.destinations()
                    .first()
                    .map(|d| d.file_system_id().to_owned())
                    .filter(|id| !id.is_empty())
            })
            .map_err(|e| sdk_error(OP, region, e).into())
    }

    async fn delete(&self, region: &Region, source: &FileSystemId) -> Result<(), StepError> {
        const OP: &str = "DeleteReplicationConfiguration";
        self.reader(region, source)
            .client(region)
            .delete_replication_configuration()
            .source_file_system_id(source.as_str())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error(OP, region, e).into())
    }

    async fn delete_local(
        &self,
        region: &Region,
        source: &FileSystemId,
        destination: &FileSystemId,
    ) -> Result<(), StepError> {
        const OP: &str = "DeleteReplicationConfiguration";
        // The side removed is the destination's, in its Region: the call is
        // made as the account that owns the destination, as the guard's
        // re-read of it was.
        self.reader(region, destination)
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
        self.reader(region, file_system)
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
        Ok(match &self.readers {
            Readers::One(r) => r.replication_of(region, file_system).await?,
            Readers::Accounts(a) => a.replication_of(region, file_system).await?,
        })
    }

    async fn file_system(
        &self,
        region: &Region,
        id: &FileSystemId,
    ) -> Result<Option<FileSystemInfo>, StepError> {
        match &self.readers {
            Readers::One(r) => r.describe_file_system(region, id).await,
            Readers::Accounts(a) => a.describe_file_system(region, id).await,
        }
        .map_err(Into::into)
    }

    async fn list_replications(&self, region: &Region) -> Result<Listing, StepError> {
        const OP: &str = "DescribeReplicationConfigurations";
        let readers = match &self.readers {
            Readers::One(r) => vec![*r],
            Readers::Accounts(a) => a.readers_in(region),
        };
        let mut listing = Listing::default();
        // One listing per account the Region is read in.
        for reader in readers {
            let mut pages = reader
                .client(region)
                .describe_replication_configurations()
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| StepError::from(sdk_error(OP, region, e)))?;
                listing.pages += 1;
                for r in page.replications.unwrap_or_default() {
                    listing
                        .replications
                        .push(convert_replication(r).map_err(|m| invalid(OP, region, m))?);
                }
            }
        }
        Ok(listing)
    }
}
