//! Discovery tests with a scripted state: which calls discovery makes per
//! Region, how the views of every listing become replications and orphans
//! (several accounts included), and what is described by id.

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
    let read = |west_by: Listers, default_account: Option<&AccountId>, blocks: &[&AccountId]| {
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
