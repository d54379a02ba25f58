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
pub use kms::{key_references, resolve_keys, KeyResolver, KmsResolver};
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
mod tests {
    use std::sync::Mutex;
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::model::{
        AccountId, ActualDestination, Address, DesiredDestination, DesiredReplication, Protection,
        ReplicationStatus,
    };

    /// A scripted state that records every call.
    struct Scripted {
        reps: Vec<ActualReplication>,
        fss: Vec<FileSystemInfo>,
        calls: Mutex<Vec<String>>,
        /// Unfiltered listings include replications whose destination is
        /// in the Region (`--listing-scope both`).
        incoming: bool,
        /// Destination sides whose source side is gone: found by id only.
        orphans: Vec<ActualReplication>,
    }

    impl StateReader for Scripted {
        async fn list_replications(
            &self,
            region: &Region,
        ) -> Result<Vec<ActualReplication>, DiscoverError> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("list-repl {region}"));
            Ok(self
                .reps
                .iter()
                .filter(|r| {
                    &r.source_region == region || (self.incoming && &r.destination.region == region)
                })
                .cloned()
                .collect())
        }
        async fn list_file_systems(
            &self,
            region: &Region,
        ) -> Result<Vec<FileSystemInfo>, DiscoverError> {
            self.calls.lock().unwrap().push(format!("list-fs {region}"));
            Ok(self
                .fss
                .iter()
                .filter(|f| &f.region == region)
                .cloned()
                .collect())
        }
        async fn describe_file_system(
            &self,
            region: &Region,
            id: &FileSystemId,
        ) -> Result<Option<FileSystemInfo>, DiscoverError> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("describe {region} {id}"));
            Ok(self
                .fss
                .iter()
                .find(|f| &f.region == region && &f.id == id)
                .cloned())
        }
        async fn describe_replication(
            &self,
            region: &Region,
            id: &FileSystemId,
        ) -> Result<Option<ActualReplication>, DiscoverError> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("describe-repl {region} {id}"));
            Ok(self
                .reps
                .iter()
                .chain(&self.orphans)
                .find(|r| {
                    (&r.source_region == region && &r.source == id)
                        || (&r.destination.region == region && &r.destination.file_system_id == id)
                })
                .cloned())
        }
    }

    fn fs(n: u32, r: &str) -> FileSystemInfo {
        FileSystemInfo {
            id: FileSystemId::parse(&format!("fs-{n:08x}")).unwrap(),
            region: Region::parse(r).unwrap(),
            owner: AccountId::parse("111122223333").unwrap(),
            life_cycle_state: "available".into(),
            encrypted: true,
            kms_key_id: None,
            availability_zone: None,
            performance_mode: "generalPurpose".into(),
            throughput_mode: None,
            protection: Some(Protection::Enabled),
            name: None,
        }
    }

    fn rep(src: u32, sr: &str, dst: u32, dr: &str) -> ActualReplication {
        ActualReplication {
            source: fs(src, sr).id,
            source_region: Region::parse(sr).unwrap(),
            source_arn: String::new(),
            source_owner: None,
            creation_time: UNIX_EPOCH + Duration::from_secs(1),
            destination: ActualDestination {
                status: ReplicationStatus::Enabled,
                file_system_id: fs(dst, dr).id,
                region: Region::parse(dr).unwrap(),
                last_replicated: None,
                owner: None,
                status_message: None,
                role_arn: None,
            },
        }
    }

    fn decl(n: u32, src: u32, sr: &str, dr: &str) -> DesiredReplication {
        DesiredReplication {
            address: Address {
                name: format!("r{n}"),
                key: None,
            },
            source: fs(src, sr).id,
            source_region: Region::parse(sr).unwrap(),
            source_account: None,
            destination: DesiredDestination {
                region: Region::parse(dr).unwrap(),
                availability_zone: None,
                kms_key: None,
                file_system: None,
                role_arn: None,
                allow_overwrite: false,
            },
            prevent_destroy: false,
            max_replication_lag: None,
        }
    }

    #[tokio::test]
    async fn few_file_systems_are_described_by_id_and_replications_listed_once_per_region() {
        let reader = Scripted {
            reps: vec![rep(1, "us-east-1", 2, "us-west-2")],
            fss: vec![fs(1, "us-east-1"), fs(2, "us-west-2")],
            calls: Mutex::new(vec![]),
            incoming: true,
            orphans: vec![],
        };
        let desired = Desired {
            replications: vec![decl(1, 1, "us-east-1", "us-west-2")],
            ..Desired::default()
        };
        let actual = discover(&reader, &desired, &[Region::parse("eu-west-1").unwrap()])
            .await
            .unwrap();
        let mut calls = reader.calls.lock().unwrap().clone();
        calls.sort();
        assert_eq!(
            calls,
            [
                "describe us-east-1 fs-00000001",
                "describe us-west-2 fs-00000002",
                "list-repl eu-west-1",
                "list-repl us-east-1",
                "list-repl us-west-2",
            ]
        );
        // Seen from both Regions, kept once.
        assert_eq!(actual.replications.len(), 1);
        assert_eq!(actual.file_systems.len(), 2);
        assert_eq!(actual.regions.len(), 3);
    }

    #[tokio::test]
    async fn many_file_systems_list_the_region_instead() {
        let n = DESCRIBE_BY_ID_LIMIT as u32 + 5;
        let reader = Scripted {
            reps: (1..=n)
                .map(|i| rep(i, "us-east-1", 1000 + i, "us-west-2"))
                .collect(),
            fss: (1..=n)
                .flat_map(|i| [fs(i, "us-east-1"), fs(1000 + i, "us-west-2")])
                .collect(),
            calls: Mutex::new(vec![]),
            incoming: true,
            orphans: vec![],
        };
        let desired = Desired {
            replications: (1..=n)
                .map(|i| decl(i, i, "us-east-1", "us-west-2"))
                .collect(),
            ..Desired::default()
        };
        let actual = discover(&reader, &desired, &[]).await.unwrap();
        let mut calls = reader.calls.lock().unwrap().clone();
        calls.sort();
        assert_eq!(
            calls,
            [
                "list-fs us-east-1",
                "list-fs us-west-2",
                "list-repl us-east-1",
                "list-repl us-west-2"
            ]
        );
        assert_eq!(actual.file_systems.len(), 2 * n as usize);
        assert_eq!(actual.replications.len(), n as usize);
    }

    /// Defect: the first view seen (Regions in alphabetical order) won, so
    /// an orphaned destination-side view left in eu-west-1 by a source-side
    /// LOCAL_CONFIGURATION_ONLY deletion stood in for the live replication
    /// of its source in us-west-2. The source Region's view wins, and the
    /// orphan is reported apart.
    #[test]
    fn the_source_regions_view_wins_and_orphans_are_reported_apart() {
        let owned = |mut r: ActualReplication| {
            r.source_owner = Some(AccountId::parse("123456789012").unwrap());
            r.destination.owner = r.source_owner.clone();
            r
        };
        let regions: BTreeSet<Region> = ["eu-west-1", "us-west-2"]
            .iter()
            .map(|r| Region::parse(r).unwrap())
            .collect();
        let eu = Region::parse("eu-west-1").unwrap();
        let west = Region::parse("us-west-2").unwrap();
        let orphan = owned(rep(1, "us-west-2", 2, "eu-west-1"));
        let live = owned(rep(1, "us-west-2", 3, "eu-west-1"));
        // eu-west-1 lists both destination sides (and first, alphabetically).
        let views = vec![
            (eu.clone(), orphan.clone()),
            (eu.clone(), live.clone()),
            (west.clone(), live.clone()),
        ];
        let (reps, orphans, _) = reconcile_views(&ReadAccounts::default_only(&regions), views);
        assert_eq!(reps, vec![live.clone()]);
        assert_eq!(orphans, vec![orphan.clone()]);

        // No source-side view at all: the destination side is an orphan,
        // never the replication.
        let (reps, orphans, _) = reconcile_views(
            &ReadAccounts::default_only(&regions),
            vec![(eu.clone(), orphan.clone())],
        );
        assert!(reps.is_empty());
        assert_eq!(orphans, vec![orphan.clone()]);

        // Source Region not read, or source in another account: the
        // destination side is all there is to see, and stands as before.
        let only_eu: BTreeSet<Region> = [eu.clone()].into_iter().collect();
        let (reps, orphans, _) = reconcile_views(
            &ReadAccounts::default_only(&only_eu),
            vec![(eu.clone(), orphan.clone())],
        );
        assert_eq!((reps.len(), orphans.len()), (1, 0));
        let mut cross = orphan.clone();
        cross.source_owner = Some(AccountId::parse("444455556666").unwrap());
        let (reps, orphans, _) =
            reconcile_views(&ReadAccounts::default_only(&regions), vec![(eu, cross)]);
        assert_eq!((reps.len(), orphans.len()), (1, 0));
    }

    /// Issue 9, several accounts: a destination side in account B whose
    /// source (account A) shows in no listing is an orphan exactly when
    /// A's listing of the source Region was read; otherwise its absence
    /// says nothing and the view stands as the replication.
    #[test]
    fn a_cross_account_orphan_needs_the_source_accounts_listing() {
        let a = AccountId::parse("111122223333").unwrap();
        let b = AccountId::parse("444455556666").unwrap();
        let west = Region::parse("us-west-2").unwrap();
        let eu = Region::parse("eu-west-1").unwrap();
        let mut view = rep(1, "us-west-2", 2, "eu-west-1");
        view.source_owner = Some(a.clone());
        view.destination.owner = Some(b.clone());
        view.destination.status = ReplicationStatus::Error;
        let listers = |default: bool, accounts: &[&AccountId]| Listers {
            default,
            accounts: accounts.iter().map(|a| (*a).clone()).collect(),
        };
        let read =
            |west_by: Listers, default_account: Option<&AccountId>, blocks: &[&AccountId]| {
                ReadAccounts {
                    by_region: [(west.clone(), west_by), (eu.clone(), listers(false, &[&b]))]
                        .into_iter()
                        .collect(),
                    default_account: default_account.cloned(),
                    blocks: blocks.iter().map(|a| (*a).clone()).collect(),
                }
            };
        let split = |r: &ReadAccounts, v: &ActualReplication| {
            let (reps, orphans, unchecked) = reconcile_views(r, vec![(eu.clone(), v.clone())]);
            (reps.len(), orphans.len(), unchecked.len())
        };
        // A is the default credentials' account, which listed us-west-2.
        assert_eq!(
            split(&read(listers(true, &[]), Some(&a), &[&b]), &view),
            (0, 1, 0)
        );
        // A has an account block that listed us-west-2.
        assert_eq!(
            split(&read(listers(false, &[&a]), None, &[&a, &b]), &view),
            (0, 1, 0)
        );
        // The default credentials listed us-west-2, but their account is
        // not known to be A: unknown (unchecked), not an orphan.
        assert_eq!(
            split(&read(listers(true, &[]), None, &[&b]), &view),
            (1, 0, 1)
        );
        // The default account is another one.
        assert_eq!(
            split(&read(listers(true, &[]), Some(&b), &[&b]), &view),
            (1, 0, 1)
        );
        // us-west-2 listed only as B.
        assert_eq!(
            split(&read(listers(false, &[&b]), Some(&a), &[&b]), &view),
            (1, 0, 1)
        );
        // us-west-2 not listed at all.
        let mut not_listed = read(listers(true, &[]), Some(&a), &[&b]);
        not_listed.by_region.remove(&west);
        assert_eq!(split(&not_listed, &view), (1, 0, 1));
        // Both sides in block account B, us-west-2 listed with the default
        // credentials only: B's source side was not looked for there.
        let mut inside_b = view.clone();
        inside_b.source_owner = Some(b.clone());
        assert_eq!(
            split(&read(listers(true, &[]), Some(&a), &[&b]), &inside_b),
            (1, 0, 1)
        );
        assert_eq!(
            split(&read(listers(true, &[&b]), Some(&a), &[&b]), &inside_b),
            (0, 1, 0)
        );
        // A DELETING destination side is a deletion in progress.
        let mut deleting = view.clone();
        deleting.destination.status = ReplicationStatus::Deleting;
        assert_eq!(
            split(&read(listers(true, &[]), Some(&a), &[&b]), &deleting),
            (1, 0, 0)
        );
    }

    fn replicating(mut f: FileSystemInfo) -> FileSystemInfo {
        f.protection = Some(Protection::Replicating);
        f
    }

    /// Issue 10: a deletion whose destination side outlives its source side
    /// (`--destination-delete-lag`) left a DELETING destination-side view
    /// that was taken for an orphan, so nothing waited for its file system
    /// to leave the replication. It is a deletion in progress.
    #[test]
    fn a_deleting_destination_side_after_its_source_side_is_a_deletion_in_progress() {
        let regions: BTreeSet<Region> = ["us-east-1", "us-west-2"]
            .iter()
            .map(|r| Region::parse(r).unwrap())
            .collect();
        let mut v = rep(1, "us-east-1", 2, "us-west-2");
        v.source_owner = Some(AccountId::parse("111122223333").unwrap());
        v.destination.owner = v.source_owner.clone();
        v.destination.status = ReplicationStatus::Deleting;
        let west = Region::parse("us-west-2").unwrap();
        let (reps, orphans, _) = reconcile_views(
            &ReadAccounts::default_only(&regions),
            vec![(west.clone(), v.clone())],
        );
        assert_eq!(reps, vec![v.clone()]);
        assert!(orphans.is_empty());
        // Not DELETING: an orphan, as before.
        v.destination.status = ReplicationStatus::Error;
        let (reps, orphans, _) = reconcile_views(
            &ReadAccounts::default_only(&regions),
            vec![(west, v.clone())],
        );
        assert!(reps.is_empty());
        assert_eq!(orphans, vec![v]);
    }

    /// Issue 10: under `--listing-scope source` the destination Region's
    /// listing does not show incoming replications, so a declared source
    /// that is the destination of a replication from a Region not read
    /// looked free. Its REPLICATING protection gets it described by id.
    #[tokio::test]
    async fn a_replicating_file_system_no_listing_explains_is_described_by_id() {
        let mut incoming = rep(9, "ap-south-1", 1, "us-east-1");
        incoming.source_owner = Some(AccountId::parse("111122223333").unwrap());
        incoming.destination.owner = incoming.source_owner.clone();
        for listed in [true, false] {
            let reader = Scripted {
                reps: vec![incoming.clone()],
                fss: vec![replicating(fs(1, "us-east-1")), fs(2, "us-west-2")],
                calls: Mutex::new(vec![]),
                incoming: listed,
                orphans: vec![],
            };
            let desired = Desired {
                replications: vec![decl(1, 1, "us-east-1", "us-west-2")],
                ..Desired::default()
            };
            let actual = discover(&reader, &desired, &[]).await.unwrap();
            assert_eq!(
                actual.replications,
                vec![incoming.clone()],
                "listed: {listed}"
            );
            let calls = reader.calls.lock().unwrap().clone();
            let by_id = calls
                .iter()
                .filter(|c| c.starts_with("describe-repl"))
                .count();
            assert_eq!(by_id, usize::from(!listed), "{calls:?}");
            assert_eq!(actual.probed.len(), usize::from(!listed));
        }
    }

    /// Issue 10: under `--listing-scope source` an orphan (a destination
    /// side left by a source-side LOCAL_CONFIGURATION_ONLY deletion) is not
    /// listed in its Region. When no listing shows any incoming replication,
    /// the destination Regions of declared sources without a replication
    /// are listed, and their unexplained REPLICATING file systems described.
    #[tokio::test]
    async fn an_orphan_no_listing_shows_is_found_through_its_file_system() {
        let mut orphan = rep(1, "us-east-1", 3, "us-west-2");
        orphan.source_owner = Some(AccountId::parse("111122223333").unwrap());
        orphan.destination.owner = orphan.source_owner.clone();
        orphan.destination.status = ReplicationStatus::Error;
        // Scripted lists by source Region only: the source side is gone, so
        // the orphan shows in no listing at all.
        let mut reader = Scripted {
            reps: vec![],
            fss: vec![fs(1, "us-east-1"), replicating(fs(3, "us-west-2"))],
            calls: Mutex::new(vec![]),
            incoming: false,
            orphans: vec![],
        };
        let desired = Desired {
            replications: vec![decl(1, 1, "us-east-1", "us-west-2")],
            ..Desired::default()
        };
        let actual = discover(&reader, &desired, &[]).await.unwrap();
        assert!(actual.orphans.is_empty(), "nothing to describe yet");
        reader.orphans = vec![orphan.clone()];
        reader.calls = Mutex::new(vec![]);
        let actual = discover(&reader, &desired, &[]).await.unwrap();
        assert_eq!(actual.orphans, vec![orphan]);
        assert!(actual.replications.is_empty());
        let calls = reader.calls.lock().unwrap().clone();
        assert!(calls.contains(&"list-fs us-west-2".to_owned()), "{calls:?}");
        assert!(
            calls.contains(&"describe-repl us-west-2 fs-00000003".to_owned()),
            "{calls:?}"
        );
    }
}
