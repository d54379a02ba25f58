//! Putting the views of every (account, Region) listing together: one
//! configuration per source, and the orphaned destination sides
//! ([`reconcile_views`]).
//!
//! A destination-side view whose source side no listing shows is an orphan
//! only when the listing that would show that source side was read: the
//! source Region, listed with the credentials of the source's account (an
//! `account` block's, or the default ones when the source is in their
//! account). When that listing was not read, the absence says nothing (the
//! source side may well be there), so the view stands as the replication,
//! as before, and nothing is planned from the absence. [`ReadAccounts`] says
//! which listings were read.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{AccountId, ActualReplication, FileSystemId, Region, ReplicationStatus};

/// Whose replications a Region's listing shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listers {
    /// The account of the default credentials is among them.
    pub default: bool,
    /// The accounts of `account` blocks among them.
    pub accounts: BTreeSet<AccountId>,
}

impl Listers {
    /// The default credentials alone.
    pub fn default_only() -> Self {
        Listers {
            default: true,
            accounts: BTreeSet::new(),
        }
    }
}

/// Which (account, Region) listings a reading covered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadAccounts {
    /// The Regions listed, each with the accounts it was listed in.
    pub by_region: BTreeMap<Region, Listers>,
    /// The id of the default credentials' account, when something read with
    /// them showed it.
    pub default_account: Option<AccountId>,
    /// The accounts of every `account` block.
    pub blocks: BTreeSet<AccountId>,
}

impl ReadAccounts {
    /// Every Region of `regions` listed with the default credentials alone,
    /// whose account id is not known.
    pub fn default_only<'a>(regions: impl IntoIterator<Item = &'a Region>) -> Self {
        ReadAccounts {
            by_region: regions
                .into_iter()
                .map(|r| (r.clone(), Listers::default_only()))
                .collect(),
            ..ReadAccounts::default()
        }
    }

    /// True when the listing of `r`'s source Region in the source's
    /// account was read, so that its source side would have shown there.
    /// `r` is a destination-side view: whoever read it owns its destination.
    fn source_side_read(&self, r: &ActualReplication) -> bool {
        let Some(owner) = &r.source_owner else {
            return false;
        };
        let Some(l) = self.by_region.get(&r.source_region) else {
            return false;
        };
        if l.accounts.contains(owner) {
            return true;
        }
        if !l.default {
            return false;
        }
        match &self.default_account {
            Some(d) => d == owner,
            // Not known: a destination side of an account without a block
            // can only have been read with the default credentials, so a
            // source in that same account is theirs.
            None => r.destination.owner.as_ref() == Some(owner) && !self.blocks.contains(owner),
        }
    }
}

/// Splits the views of every Region into one configuration per source and
/// the orphaned destination sides.
///
/// The source Region's view is authoritative: a destination-side view never
/// stands in for it. A destination-side view is kept as the replication only
/// when its source side cannot be seen (the source Region was not listed in
/// the source's account: see [`ReadAccounts`]), or when it is `DELETING`: a
/// deletion whose destination side outlives its source side, its file
/// system still in the replication until it goes (a deletion in progress,
/// which a plan waits for, never an orphan to delete). When the source's
/// account listed the source Region and reports no replication of that
/// source to that destination, any other destination-side view is an
/// orphan, whichever accounts its two sides are in.
///
/// Views may come from unfiltered listings or from describing a file system
/// by id ([`StateReader::describe_replication`]); a Region's listing may or
/// may not include replications whose destination is there, so nothing here
/// concludes anything from a view's absence in a destination Region.
///
/// [`StateReader::describe_replication`]: super::StateReader::describe_replication
pub fn reconcile_views(read: &ReadAccounts, views: Vec<(Region, ActualReplication)>) -> Reconciled {
    // Indexes by sorting the views themselves (stable: the first view of a
    // key wins) and searching them, so no key is cloned.
    let (source_views, dest_views): (Vec<_>, Vec<_>) = views
        .into_iter()
        .partition(|(listed_in, r)| listed_in == &r.source_region);
    let mut by_source: Vec<ActualReplication> = source_views.into_iter().map(|(_, r)| r).collect();
    by_source.sort_by(|a, b| source_key(a).cmp(&source_key(b)));
    by_source.dedup_by(|later, first| source_key(later) == source_key(first));
    let mut adopted: Vec<ActualReplication> = Vec::new();
    let mut orphans: Vec<ActualReplication> = Vec::new();
    let mut unchecked = BTreeSet::new();
    for (_, r) in dest_views {
        if let Ok(i) = by_source.binary_search_by(|s| source_key(s).cmp(&source_key(&r))) {
            if dest_key(&by_source[i]) != dest_key(&r) {
                orphans.push(r);
            }
            continue;
        }
        let read_there = read.source_side_read(&r);
        if read_there && r.destination.status != ReplicationStatus::Deleting {
            orphans.push(r);
        } else {
            if !read_there {
                unchecked.insert((r.source_region.clone(), r.source.clone()));
            }
            adopted.push(r);
        }
    }
    adopted.sort_by(|a, b| source_key(a).cmp(&source_key(b)));
    adopted.dedup_by(|later, first| source_key(later) == source_key(first));
    by_source.extend(adopted);
    by_source.sort_by(|a, b| source_key(a).cmp(&source_key(b)));
    orphans.sort_by(|a, b| both_keys(a).cmp(&both_keys(b)));
    orphans.dedup_by(|later, first| both_keys(later) == both_keys(first));
    (by_source, orphans, unchecked)
}

/// What [`reconcile_views`] found: one configuration per source, the
/// orphaned destination sides, and the sources of configurations known only
/// from a destination side whose source side was not looked for.
pub type Reconciled = (
    Vec<ActualReplication>,
    Vec<ActualReplication>,
    BTreeSet<(Region, FileSystemId)>,
);

fn source_key(r: &ActualReplication) -> (&Region, &FileSystemId) {
    (&r.source_region, &r.source)
}

#[allow(clippy::type_complexity)]
fn both_keys(r: &ActualReplication) -> ((&Region, &FileSystemId), (&Region, &FileSystemId)) {
    (source_key(r), dest_key(r))
}

pub(super) fn dest_key(r: &ActualReplication) -> (&Region, &FileSystemId) {
    (&r.destination.region, &r.destination.file_system_id)
}
