//! The desired state: what the configuration declares, validated, as the
//! planner sees it. [`Desired`] holds the replications (one per `for_each`
//! instance), the `removed` blocks, the settings, the `account` blocks and
//! the Regions the configuration text names. Only `config` builds one.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{
    AccountId, Address, AvailabilityZone, FileSystemId, FileSystemRef, KeyReference, KmsKeyRef,
    Region, RoleArn,
};

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

    /// Whose credentials resolve `d`'s `kms_key_id` with `DescribeKey`: the
    /// account of a key or alias ARN, else the source's account (the
    /// destination the replication creates is in it, and an alias is its
    /// account's own), when that account has an `account` block; `None`:
    /// the default credentials.
    pub fn key_account(&self, d: &DesiredReplication) -> Option<AccountId> {
        let key = d
            .destination
            .kms_key
            .as_ref()
            .and_then(|k| AccountId::parse(k.account()?).ok());
        key.or_else(|| d.source_account.clone())
            .filter(|a| self.account(a).is_some())
    }

    /// The distinct KMS key references the configuration declares, each as
    /// it is resolved: a replication's `kms_key_id` in its destination's
    /// Region, with [`Desired::key_account`]'s credentials. Sorted.
    pub fn key_references(&self) -> BTreeSet<KeyReference> {
        self.replications
            .iter()
            .filter_map(|d| {
                d.destination.kms_key.as_ref().map(|k| KeyReference {
                    account: self.key_account(d),
                    region: d.destination.region.clone(),
                    reference: k.clone(),
                })
            })
            .collect()
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
    /// The account the source is in (`source_account`, or a source ARN's
    /// account): the replication is read and deleted with its credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_account: Option<AccountId>,
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
