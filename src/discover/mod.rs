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
//! [`model::Actual`]: crate::model::Actual

mod efs;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::future::Future;

use futures::stream::{self, StreamExt};

pub(crate) use efs::{convert_replication, invalid, sdk_error};
pub use efs::{retry_config, ConnectOptions, EfsReader, MAX_ATTEMPTS};

use crate::model::{Actual, ActualReplication, Desired, FileSystemId, FileSystemInfo, Region};
use crate::plan::required_file_systems;

/// Above this many file systems possibly needed in a Region, the whole Region
/// is listed (pages of 100) instead of describing them one by one.
pub const DESCRIBE_BY_ID_LIMIT: usize = 10;

/// How many single-file-system calls run at once.
const CONCURRENT_DESCRIBES: usize = 16;

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
    let known: BTreeSet<(Region, FileSystemId)> = required_file_systems(desired, &[]);
    let mut potential: BTreeMap<Region, usize> = BTreeMap::new();
    for (r, _) in &known {
        *potential.entry(r.clone()).or_default() += 1;
    }
    for d in &desired.replications {
        *potential.entry(d.destination.region.clone()).or_default() += 1;
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
        let ids: Vec<FileSystemId> = known
            .iter()
            .filter(|(r, _)| r == region)
            .map(|(_, id)| id.clone())
            .collect();
        async move {
            let reps = reader.list_replications(region);
            let fss = async {
                if listed {
                    reader.list_file_systems(region).await
                } else {
                    describe_many(reader, region, &ids).await
                }
            };
            let (reps, fss) = futures::join!(reps, fss);
            (region.clone(), reps, fss)
        }
    });
    let results = futures::future::join_all(phase1).await;

    let mut errors = Vec::new();
    let mut actual = Actual {
        regions: regions.clone(),
        ..Actual::default()
    };
    // Every view of a replication, with the Region that listed it.
    let mut views: Vec<(Region, ActualReplication)> = Vec::new();
    for (listed_in, reps, fss) in results {
        match reps {
            Ok(reps) => views.extend(reps.into_iter().map(|r| (listed_in.clone(), r))),
            Err(e) => errors.push(e),
        }
        match fss {
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
    if !errors.is_empty() {
        return Err(DiscoverErrors(errors));
    }
    let (replications, orphans) = reconcile_views(&regions, views);
    actual.replications = replications;
    actual.orphans = orphans;

    // Phase 2: the destinations of existing replications, where not known yet.
    let missing: Vec<(Region, FileSystemId)> = required_file_systems(desired, &actual.replications)
        .into_iter()
        .filter(|k| !list_all.contains(&k.0) && !known.contains(k))
        .filter(|k| !actual.file_systems.contains_key(k))
        .collect();
    let found: Vec<Result<Option<FileSystemInfo>, DiscoverError>> = stream::iter(missing.iter())
        .map(|(r, id)| reader.describe_file_system(r, id))
        .buffered(CONCURRENT_DESCRIBES)
        .collect()
        .await;
    insert_described(&mut actual, found, &mut errors);
    finish(actual, errors)
}

/// Adds every file system that was found to `actual` and every failed
/// describe to `errors`; a file system that does not exist adds nothing.
pub(crate) fn insert_described(
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
pub(crate) fn finish(
    mut actual: Actual,
    errors: Vec<DiscoverError>,
) -> Result<Actual, DiscoverErrors> {
    if !errors.is_empty() {
        return Err(DiscoverErrors(errors));
    }
    actual
        .replications
        .sort_by(|a, b| (&a.source_region, &a.source).cmp(&(&b.source_region, &b.source)));
    Ok(actual)
}

/// Splits the views of every Region into one configuration per source and
/// the orphaned destination sides.
///
/// The source Region's view is authoritative: a destination-side view never
/// stands in for it. A destination-side view is kept as the replication only
/// when its source side cannot be seen (source Region not read, or the source
/// in another account); when the source Region was read under the same
/// account and reports no replication of that source to that destination,
/// the view is an orphan.
pub fn reconcile_views(
    regions: &BTreeSet<Region>,
    views: Vec<(Region, ActualReplication)>,
) -> (Vec<ActualReplication>, Vec<ActualReplication>) {
    type Key = (Region, FileSystemId);
    let dest_of = |r: &ActualReplication| {
        (
            r.destination.region.clone(),
            r.destination.file_system_id.clone(),
        )
    };
    let (source_views, dest_views): (Vec<_>, Vec<_>) = views
        .into_iter()
        .partition(|(listed_in, r)| listed_in == &r.source_region);
    let mut by_source: BTreeMap<Key, ActualReplication> = BTreeMap::new();
    for (_, r) in source_views {
        by_source
            .entry((r.source_region.clone(), r.source.clone()))
            .or_insert(r);
    }
    let seen_from_source: BTreeSet<Key> = by_source.keys().cloned().collect();
    let mut orphans: BTreeMap<(Key, Key), ActualReplication> = BTreeMap::new();
    for (_, r) in dest_views {
        let k = (r.source_region.clone(), r.source.clone());
        if seen_from_source.contains(&k) {
            if by_source.get(&k).map(dest_of) != Some(dest_of(&r)) {
                orphans.entry((k, dest_of(&r))).or_insert(r);
            }
            continue;
        }
        let source_side_visible = regions.contains(&r.source_region)
            && r.source_owner.is_some()
            && r.source_owner == r.destination.owner;
        if source_side_visible {
            orphans.entry((k, dest_of(&r))).or_insert(r);
        } else {
            by_source.entry(k).or_insert(r);
        }
    }
    (
        by_source.into_values().collect(),
        orphans.into_values().collect(),
    )
}

async fn describe_many<R: StateReader>(
    reader: &R,
    region: &Region,
    ids: &[FileSystemId],
) -> Result<Vec<FileSystemInfo>, DiscoverError> {
    let found: Vec<Result<Option<FileSystemInfo>, DiscoverError>> = stream::iter(ids.iter())
        .map(|id| reader.describe_file_system(region, id))
        .buffered(CONCURRENT_DESCRIBES)
        .collect()
        .await;
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
                .filter(|r| &r.source_region == region || &r.destination.region == region)
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
        let (reps, orphans) = reconcile_views(&regions, views);
        assert_eq!(reps, vec![live.clone()]);
        assert_eq!(orphans, vec![orphan.clone()]);

        // No source-side view at all: the destination side is an orphan,
        // never the replication.
        let (reps, orphans) = reconcile_views(&regions, vec![(eu.clone(), orphan.clone())]);
        assert!(reps.is_empty());
        assert_eq!(orphans, vec![orphan.clone()]);

        // Source Region not read, or source in another account: the
        // destination side is all there is to see, and stands as before.
        let only_eu: BTreeSet<Region> = [eu.clone()].into_iter().collect();
        let (reps, orphans) = reconcile_views(&only_eu, vec![(eu.clone(), orphan.clone())]);
        assert_eq!((reps.len(), orphans.len()), (1, 0));
        let mut cross = orphan.clone();
        cross.source_owner = Some(AccountId::parse("444455556666").unwrap());
        let (reps, orphans) = reconcile_views(&regions, vec![(eu, cross)]);
        assert_eq!((reps.len(), orphans.len()), (1, 0));
    }
}
