//! The one read path every command's reads go through: [`discover`] (what a
//! configuration needs), [`read_file_systems`] (export's descriptions of
//! what it found) and [`read_scope`] (the stale-plan check's re-read of
//! exactly what a plan observed). All of them describe file systems through
//! [`describe_all`], under the one concurrency limit [`CONCURRENT_DESCRIBES`];
//! KMS key references go through [`super::resolve_references`].
//!
//! [`discover`]: super::discover
//!
//! Reads only; never writes.

use std::collections::{BTreeMap, BTreeSet};

use futures::stream::{self, StreamExt};

use super::kms::{resolve_references, KeyResolver};
use super::{
    finish, insert_described, probe_replicating, reconcile_views, DiscoverError, DiscoverErrors,
    StateReader, DESCRIBE_BY_ID_LIMIT,
};
use crate::model::{Actual, FileSystemId, FileSystemInfo, KeyReference, Region};

/// How many single-file-system calls run at once, for every read.
pub const CONCURRENT_DESCRIBES: usize = 16;

/// Describes each file system by id in its Region, [`CONCURRENT_DESCRIBES`]
/// at a time; results in the order of `ids`.
pub(crate) async fn describe_all<'a, R: StateReader>(
    reader: &R,
    ids: impl IntoIterator<Item = (&'a Region, &'a FileSystemId)>,
) -> Vec<Result<Option<FileSystemInfo>, DiscoverError>> {
    stream::iter(ids)
        .map(|(r, id)| reader.describe_file_system(r, id))
        .buffered(CONCURRENT_DESCRIBES)
        .collect()
        .await
}

/// Adds the file systems `wanted` names to `actual` (those already there
/// are not read again): one paginated listing of a Region where it needs
/// more than [`DESCRIBE_BY_ID_LIMIT`], by id where it needs fewer.
pub async fn read_file_systems<R: StateReader>(
    reader: &R,
    actual: &mut Actual,
    wanted: &BTreeSet<(Region, FileSystemId)>,
) -> Result<(), DiscoverErrors> {
    let mut per_region: BTreeMap<&Region, Vec<&FileSystemId>> = BTreeMap::new();
    for (r, id) in wanted {
        if !actual.file_systems.contains_key(&(r.clone(), id.clone())) {
            per_region.entry(r).or_default().push(id);
        }
    }
    let (list, by_id): (Vec<_>, Vec<_>) = per_region
        .into_iter()
        .partition(|(_, ids)| ids.len() > DESCRIBE_BY_ID_LIMIT);
    let listed = futures::future::join_all(
        list.iter()
            .map(|(region, _)| reader.list_file_systems(region)),
    );
    let singles = by_id
        .iter()
        .flat_map(|(r, ids)| ids.iter().map(move |id| (*r, *id)));
    let (listed, found) = futures::join!(listed, describe_all(reader, singles));
    let mut errors = Vec::new();
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
    insert_described(actual, found, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DiscoverErrors(errors))
    }
}

/// Reads the replications of every Region in `regions` and each file system
/// of `file_systems` by id, and reads the views as discovery does (the same
/// probing of unexplained `REPLICATING` file systems, the same
/// reconciliation), so that fingerprints of the two agree; resolves each
/// KMS key reference of `kms_keys` as discovery resolves the declared ones,
/// concurrently with the rest.
pub async fn read_scope<'a, R: StateReader>(
    reader: &R,
    keys: &impl KeyResolver,
    regions: impl IntoIterator<Item = &'a Region>,
    file_systems: impl IntoIterator<Item = &'a (Region, FileSystemId)>,
    kms_keys: impl IntoIterator<Item = &'a KeyReference>,
) -> Result<Actual, DiscoverErrors> {
    let regions: BTreeSet<Region> = regions.into_iter().cloned().collect();
    let mut actual = Actual {
        regions: regions.clone(),
        ..Actual::default()
    };
    let lists = futures::future::join_all(regions.iter().map(|r| reader.list_replications(r)));
    let describes = describe_all(reader, file_systems.into_iter().map(|(r, id)| (r, id)));
    let resolved = resolve_references(keys, kms_keys.into_iter().cloned());
    let (lists, describes, resolved) = futures::join!(lists, describes, resolved);
    actual.kms_keys = resolved;
    let mut errors = Vec::new();
    let mut views = Vec::new();
    for (region, l) in regions.iter().zip(lists) {
        match l {
            Ok(reps) => views.extend(reps.into_iter().map(|r| (region.clone(), r))),
            Err(e) => errors.push(e),
        }
    }
    insert_described(&mut actual, describes, &mut errors);
    let (found, probed) = probe_replicating(reader, &actual.file_systems, &views).await;
    for f in found {
        match f {
            Ok(v) => views.extend(v),
            Err(e) => errors.push(e),
        }
    }
    actual.probed = probed;
    let (replications, orphans, unchecked) =
        reconcile_views(&reader.read_accounts(&actual.regions), views);
    actual.replications = replications;
    actual.orphans = orphans;
    actual.unchecked_sources = unchecked;
    finish(actual, errors)
}
