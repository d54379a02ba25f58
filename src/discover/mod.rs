//! Discovery: reads what exists and returns it as a [`model::Actual`].
//!
//! [`StateReader`] is the small interface the orchestration needs (list the
//! replications of a Region, list or describe its file systems);
//! [`EfsReader`] implements it with `aws-sdk-efs`, and is the only code in
//! the crate that imports `aws_sdk_efs` types (in [`efs`]). SDK values are
//! converted to model types at once.
//!
//! [`discover`] reads every Region in scope concurrently: one paginated
//! `DescribeReplicationConfigurations` per Region (never a call per declared
//! replication), and the file systems the planner needs: a paginated
//! `DescribeFileSystems` where many are needed, by id where few are. It never
//! writes anything.
//!
//! Whether a Region's listing includes replications whose destination is
//! there, and whether same-account descriptions carry owner ids, is not
//! documented; discovery concludes nothing from either absence: a
//! `REPLICATING` file system no listing explains has its replication
//! described by id (`probe_replicating`), and missing owner ids mean the
//! same account (`efs.rs`).
//!
//! [`model::Actual`]: crate::model::Actual

mod accounts;
mod efs;
mod http;
mod kms;
mod read;
mod reconcile;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::future::Future;

use futures::stream::{self, StreamExt};

pub use accounts::AccountReaders;
pub(crate) use efs::{convert_replication, invalid, sdk_error};
pub use efs::{
    retry_config, ConnectOptions, EfsReader, SharedCredentialsProvider, StaticCredentials,
    DEFAULT_SESSION_NAME, MAX_ATTEMPTS,
};
pub use kms::{resolve_keys, resolve_references, KeyResolver, KmsResolver};
pub use read::{read_file_systems, read_scope, CONCURRENT_DESCRIBES};
use reconcile::dest_key;
pub use reconcile::{reconcile_views, Listers, ReadAccounts};

use crate::model::{
    AccountId, Actual, ActualReplication, Desired, FileSystemId, FileSystemInfo, Protection, Region,
};
use crate::plan::required_keys;

/// Above this many file systems possibly needed in a Region, the whole Region
/// is listed (pages of 100) instead of describing them one by one.
pub const DESCRIBE_BY_ID_LIMIT: usize = 10;

/// Why reading the state failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoverError {
    /// The service answered with an error.
    #[error("{operation} in {region} failed: {code}: {message}; {hint}")]
    Api {
        /// The EFS operation, e.g. `DescribeReplicationConfigurations`.
        operation: &'static str,
        /// The Region it was called in.
        region: String,
        /// The AWS error code, e.g. `AccessDeniedException`.
        code: String,
        /// The service's message.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// No answer: connection, timeout, credentials or signing problem.
    #[error("{operation} in {region} failed: {message}; {hint}")]
    Transport {
        /// The EFS operation.
        operation: &'static str,
        /// The Region it was called in.
        region: String,
        /// The error chain.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// The service answered with something this build cannot use.
    #[error("{operation} in {region} returned an unusable value: {message}")]
    InvalidResponse {
        /// The EFS operation.
        operation: &'static str,
        /// The Region it was called in.
        region: String,
        /// What was wrong.
        message: String,
    },
}

/// Every error from every Region, in Region order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoverErrors(pub Vec<DiscoverError>);

impl fmt::Display for DiscoverErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The same transport problem (no credentials, endpoint unreachable)
        // hits every call: say it once, naming the calls it hit.
        let mut lines: Vec<(String, Vec<String>)> = Vec::new();
        for e in &self.0 {
            let (key, call) = match e {
                DiscoverError::Transport {
                    operation,
                    region,
                    message,
                    hint,
                } => (
                    format!("failed: {message}; {hint}"),
                    format!("{operation} in {region}"),
                ),
                other => (other.to_string(), String::new()),
            };
            match lines
                .iter_mut()
                .find(|(k, _)| *k == key && !call.is_empty())
            {
                Some((_, calls)) => calls.push(call),
                None => lines.push((key, if call.is_empty() { vec![] } else { vec![call] })),
            }
        }
        let render = |(key, calls): &(String, Vec<String>)| {
            if calls.is_empty() {
                key.clone()
            } else {
                format!("{} {key}", calls.join(", "))
            }
        };
        match lines.as_slice() {
            [one] => write!(f, "could not read the current state: {}", render(one)),
            many => {
                write!(
                    f,
                    "could not read the current state ({} problems):",
                    many.len()
                )?;
                for l in many {
                    write!(f, "\n  - {}", render(l))?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for DiscoverErrors {}

/// The reads discovery needs from a Region. Implemented over EFS by
/// [`EfsReader`]; the planner never sees it.
pub trait StateReader: Sync {
    /// Every replication configuration visible in `region` (all pages).
    fn list_replications(
        &self,
        region: &Region,
    ) -> impl Future<Output = Result<Vec<ActualReplication>, DiscoverError>> + Send;
    /// Every file system of the caller's account in `region` (all pages).
    fn list_file_systems(
        &self,
        region: &Region,
    ) -> impl Future<Output = Result<Vec<FileSystemInfo>, DiscoverError>> + Send;
    /// One file system; `None` when it does not exist there.
    fn describe_file_system(
        &self,
        region: &Region,
        id: &FileSystemId,
    ) -> impl Future<Output = Result<Option<FileSystemInfo>, DiscoverError>> + Send;
    /// The replication a file system of `region` is in, as source or as
    /// destination (`DescribeReplicationConfigurations` with `FileSystemId`,
    /// which finds either side); `None` when it is in none or does not exist.
    fn describe_replication(
        &self,
        region: &Region,
        id: &FileSystemId,
    ) -> impl Future<Output = Result<Option<ActualReplication>, DiscoverError>> + Send;
    /// Whose replications [`StateReader::list_replications`] of `region`
    /// shows: by default the caller's, the default credentials' account.
    fn listers(&self, _region: &Region) -> Listers {
        Listers::default_only()
    }
    /// The id of the default credentials' account, once something read
    /// with them has shown it; `None` when not known.
    fn default_account(&self) -> Option<AccountId> {
        None
    }
    /// The accounts of every `account` block this reader has credentials for.
    fn block_accounts(&self) -> BTreeSet<AccountId> {
        BTreeSet::new()
    }
    /// Which listings of `regions` this reader reads (call it after the
    /// reads, so that what they showed of the default account counts).
    fn read_accounts<'a>(&self, regions: impl IntoIterator<Item = &'a Region>) -> ReadAccounts
    where
        Self: Sized,
    {
        ReadAccounts {
            by_region: regions
                .into_iter()
                .map(|r| (r.clone(), self.listers(r)))
                .collect(),
            default_account: self.default_account(),
            blocks: self.block_accounts(),
        }
    }
}

/// The Regions to read: every Region the config names, plus `extra`.
pub fn scope_regions(desired: &Desired, extra: &[Region]) -> BTreeSet<Region> {
    let mut out = desired.regions();
    out.extend(extra.iter().cloned());
    out
}

/// Reads the state of every Region in scope.
pub async fn discover<R: StateReader>(
    reader: &R,
    desired: &Desired,
    extra_regions: &[Region],
) -> Result<Actual, DiscoverErrors> {
    let regions = scope_regions(desired, extra_regions);
    // File systems known to be needed before anything is read, and how many
    // may be needed per Region (declared sources and existing destinations,
    // plus the destinations of replications declared towards that Region).
    let known_keys = required_keys(desired, &[]);
    let known_by_region = by_region(&known_keys);
    let mut potential: BTreeMap<&Region, usize> = BTreeMap::new();
    for (r, ids) in &known_by_region {
        *potential.entry(*r).or_default() += ids.len();
    }
    for d in &desired.replications {
        *potential.entry(&d.destination.region).or_default() += 1;
    }
    let list_all: BTreeSet<Region> = regions
        .iter()
        .filter(|r| potential.get(*r).copied().unwrap_or(0) > DESCRIBE_BY_ID_LIMIT)
        .cloned()
        .collect();

    // Phase 1, every Region at once: replications, and file systems either
    // listed in full or described by id.
    let phase1 = regions.iter().map(|region| {
        let listed = list_all.contains(region);
        let ids: &[&FileSystemId] = known_by_region
            .get(region)
            .map(Vec::as_slice)
            .unwrap_or_default();
        async move {
            let reps = reader.list_replications(region);
            let fss = async {
                if listed {
                    reader.list_file_systems(region).await
                } else {
                    describe_many(reader, region, ids).await
                }
            };
            let (reps, fss) = futures::join!(reps, fss);
            (region.clone(), reps, fss)
        }
    });
    let results = futures::future::join_all(phase1).await;
    let known: HashSet<(&Region, &FileSystemId)> = known_keys.iter().copied().collect();

    let mut errors = Vec::new();
    let mut actual = Actual {
        regions: regions.clone(),
        ..Actual::default()
    };
    // Every view of a replication, with the Region that listed it.
    let mut views: Vec<(Region, ActualReplication)> = Vec::new();
    let mut found_fss = Vec::new();
    for (listed_in, reps, fss) in results {
        match reps {
            Ok(reps) => views.extend(reps.into_iter().map(|r| (listed_in.clone(), r))),
            Err(e) => errors.push(e),
        }
        match fss {
            Ok(fss) => found_fss.push(fss),
            Err(e) => errors.push(e),
        }
    }
    actual.file_systems = index_file_systems(found_fss);
    if !errors.is_empty() {
        return Err(DiscoverErrors(errors));
    }

    // Phase 1b: whether a Region's unfiltered listing includes replications
    // whose destination is there is undocumented. When no listing showed
    // one, a declared source without a replication may still have a
    // destination side left in its destination Region (an orphan): list the
    // file systems there, so that phase 1c can find it by its protection.
    let incoming_listed = views.iter().any(|(l, r)| l != &r.source_region);
    if !incoming_listed {
        let seen: BTreeSet<(&Region, &FileSystemId)> = views
            .iter()
            .map(|(_, r)| (&r.source_region, &r.source))
            .collect();
        let to_list: BTreeSet<&Region> = desired
            .replications
            .iter()
            .filter(|d| !seen.contains(&(&d.source_region, &d.source)))
            .map(|d| &d.destination.region)
            .filter(|r| regions.contains(*r) && !list_all.contains(*r))
            .collect();
        let listed =
            futures::future::join_all(to_list.iter().map(|r| reader.list_file_systems(r))).await;
        for l in listed {
            match l {
                Ok(fss) => {
                    for f in fss {
                        actual
                            .file_systems
                            .insert((f.region.clone(), f.id.clone()), f);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
    }
    // Phase 1c: file systems that are REPLICATING with no replication into
    // them in any listing, described by id.
    let (found, probed) = probe_replicating(reader, &actual.file_systems, &views).await;
    for f in found {
        match f {
            Ok(v) => views.extend(v),
            Err(e) => errors.push(e),
        }
    }
    actual.probed = probed;
    if !errors.is_empty() {
        return Err(DiscoverErrors(errors));
    }
    let (replications, orphans, unchecked) =
        reconcile_views(&reader.read_accounts(&regions), views);
    actual.replications = replications;
    actual.orphans = orphans;
    actual.unchecked_sources = unchecked;

    // Phase 2: the destinations of existing replications, where not known yet.
    let missing: Vec<(Region, FileSystemId)> = required_keys(desired, &actual.replications)
        .into_iter()
        .filter(|k| !list_all.contains(k.0) && !known.contains(k))
        .map(|(r, id)| (r.clone(), id.clone()))
        .filter(|k| !actual.file_systems.contains_key(k))
        .collect();
    let found = read::describe_all(reader, missing.iter().map(|(r, id)| (r, id))).await;
    insert_described(&mut actual, found, &mut errors);
    finish(actual, errors)
}

/// Describes by id, in its Region, the replication of every file system in
/// `file_systems` whose protection is `REPLICATING` although no view shows a
/// replication into it: its replication was not listed (a Region's listing
/// may leave out replications whose destination is there, or whose source
/// is in a Region or account not read). Returns the views found (with the
/// Region they were read in) and the file systems described this way, which
/// a plan's scope includes so that a stale-plan check reads them again.
async fn probe_replicating<R: StateReader>(
    reader: &R,
    file_systems: &BTreeMap<(Region, FileSystemId), FileSystemInfo>,
    views: &[(Region, ActualReplication)],
) -> (
    Vec<Result<Option<(Region, ActualReplication)>, DiscoverError>>,
    BTreeSet<(Region, FileSystemId)>,
) {
    let explained: HashSet<(&Region, &FileSystemId)> =
        views.iter().map(|(_, r)| dest_key(r)).collect();
    let probe: BTreeSet<(Region, FileSystemId)> = file_systems
        .iter()
        .filter(|(_, f)| f.protection == Some(Protection::Replicating))
        .filter(|((r, id), _)| !explained.contains(&(r, id)))
        .map(|(k, _)| k.clone())
        .collect();
    let found = stream::iter(probe.iter())
        .map(|(r, id)| async move {
            reader
                .describe_replication(r, id)
                .await
                .map(|v| v.map(|v| (r.clone(), v)))
        })
        .buffered(CONCURRENT_DESCRIBES)
        .collect()
        .await;
    (found, probe)
}

/// Adds every file system that was found to `actual` and every failed
/// describe to `errors`; a file system that does not exist adds nothing.
fn insert_described(
    actual: &mut Actual,
    found: impl IntoIterator<Item = Result<Option<FileSystemInfo>, DiscoverError>>,
    errors: &mut Vec<DiscoverError>,
) {
    for f in found {
        match f {
            Ok(Some(f)) => {
                actual
                    .file_systems
                    .insert((f.region.clone(), f.id.clone()), f);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
}

/// The state read, or every error met while reading it; replications are
/// sorted by source Region and source.
fn finish(mut actual: Actual, errors: Vec<DiscoverError>) -> Result<Actual, DiscoverErrors> {
    if !errors.is_empty() {
        return Err(DiscoverErrors(errors));
    }
    actual
        .replications
        .sort_by(|a, b| (&a.source_region, &a.source).cmp(&(&b.source_region, &b.source)));
    Ok(actual)
}

/// Keys grouped by Region (an index built once, not a filter per Region).
fn by_region<'a>(
    keys: &[(&'a Region, &'a FileSystemId)],
) -> BTreeMap<&'a Region, Vec<&'a FileSystemId>> {
    let mut out: BTreeMap<&Region, Vec<&FileSystemId>> = BTreeMap::new();
    for (r, id) in keys {
        out.entry(*r).or_default().push(*id);
    }
    out
}

/// The file systems read, by Region and id, built in one pass from the
/// listings (a later duplicate wins, as with inserts one by one).
fn index_file_systems(
    listings: Vec<Vec<FileSystemInfo>>,
) -> BTreeMap<(Region, FileSystemId), FileSystemInfo> {
    listings
        .into_iter()
        .flatten()
        .map(|f| ((f.region.clone(), f.id.clone()), f))
        .collect()
}

async fn describe_many<R: StateReader>(
    reader: &R,
    region: &Region,
    ids: &[&FileSystemId],
) -> Result<Vec<FileSystemInfo>, DiscoverError> {
    let found = read::describe_all(reader, ids.iter().map(|id| (region, *id))).await;
    let mut out = Vec::new();
    for f in found {
        if let Some(f) = f? {
            out.push(f);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
