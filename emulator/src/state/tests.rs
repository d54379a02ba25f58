//! Tests of the store: every index stays consistent with the records under
//! thousands of random operations, with the default behaviour and with every
//! variant at its other value.

use super::*;
use crate::auth::Caller;

fn caller(account: &str, region: &str) -> Caller {
    Caller {
        access_key: "AKID".into(),
        account: account.into(),
        region: region.into(),
    }
}

impl Store {
    /// Every index agrees with the records it indexes.
    fn check_invariants(&self, now: f64) {
        let indexed: usize = self.fs_views.values().map(BTreeSet::len).sum();
        assert_eq!(indexed, self.file_systems.len());
        for id in &self.fs_pending {
            assert!(self.file_systems[id].deleted_at.is_some(), "{id} pending");
        }
        for fs in self.by_fs.keys() {
            let deleting = self.file_systems.get(fs).and_then(|f| f.deleted_at);
            assert!(
                deleting.is_none(),
                "{fs} is in a replication while deleting"
            );
        }
        for (view, ids) in &self.fs_views {
            for id in ids {
                assert_eq!(&self.file_systems[id].view(), view);
            }
        }
        for (fs, rid) in &self.by_fs {
            let rep = &self.replications[rid];
            let live_source = rep.source_file_system_id == *fs && rep.live(Side::Source, now);
            let live_dest =
                rep.destination_file_system_id == *fs && rep.live(Side::Destination, now);
            assert!(live_source || live_dest, "{fs} indexed for a dead side");
        }
        for rep in self.replications.values() {
            assert!(rep.live(Side::Source, now) || rep.live(Side::Destination, now));
            for side in [Side::Source, Side::Destination] {
                if rep.live(side, now) {
                    let fs = match side {
                        Side::Source => &rep.source_file_system_id,
                        Side::Destination => &rep.destination_file_system_id,
                    };
                    assert_eq!(self.by_fs.get(fs), Some(&rep.id));
                    assert!(self.rep_views[&rep.view(side)].contains(&rep.id));
                }
            }
            if rep.live(Side::Destination, now) {
                if let Some(fs) = self.file_systems.get(&rep.destination_file_system_id) {
                    assert_eq!(fs.protection, "REPLICATING");
                }
            }
        }
    }
}

#[test]
fn indexes_stay_consistent_under_random_operations() {
    let base = Timings {
        create: 0.0,
        enable: 1.0,
        delete: 3.0,
        initial_sync: 1.0,
        sync_interval: 1.0,
        ..Timings::default()
    };
    random_operations(base);
    // Every behaviour variant at its other value.
    random_operations(Timings {
        destination_delete_lag: 4.0,
        file_system_delete: 2.0,
        listing_scope: ListingScope::Source,
        owner_ids: OwnerIds::CrossAccountOnly,
        ..base
    });
}

fn random_operations(timings: Timings) {
    let views = [
        ("111111111111", "us-east-1"),
        ("111111111111", "us-west-2"),
        ("222222222222", "us-east-1"),
    ];
    let mut store = Store::new(timings);
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut now = 1_700_000_000.0;
    let mut ids: Vec<String> = Vec::new();
    let (mut created, mut deleted) = (0, 0);
    for step in 0..3000 {
        now += next(3) as f64;
        store.sweep(now);
        let (account, region) = views[next(views.len())];
        let c = caller(account, region);
        let pick = |ids: &Vec<String>, i: usize| ids.get(i).cloned().unwrap_or_default();
        match next(7) {
            0 | 1 => {
                let input = CreateFileSystemInput {
                    creation_token: format!("t{step}"),
                    ..Default::default()
                };
                let fs = store.create_file_system(&c, input, now).unwrap();
                ids.push(fs.record.id.clone());
            }
            2 => {
                let src = pick(&ids, next(ids.len().max(1)));
                let (dest_account, dest_region) = views[next(views.len())];
                let dest = if next(2) == 0 {
                    DestinationInput {
                        region: Some(dest_region.into()),
                        ..Default::default()
                    }
                } else {
                    let d = pick(&ids, next(ids.len().max(1)));
                    let _ = store.update_protection(
                        &caller(dest_account, dest_region),
                        &d,
                        Some("DISABLED"),
                        now,
                    );
                    DestinationInput {
                        region: Some(dest_region.into()),
                        file_system_id: Some(fs_arn(dest_region, dest_account, &d)),
                        role_arn: Some(format!("arn:aws:iam::{account}:role/r")),
                        ..Default::default()
                    }
                };
                if let Ok(r) = store.create_replication(&c, &src, dest, now) {
                    created += 1;
                    let d = r.record.destination_file_system_id.clone();
                    if !ids.contains(&d) {
                        ids.push(d);
                    }
                }
            }
            3 => {
                let mut reps: Vec<Replication> = store.replications.values().cloned().collect();
                reps.sort_by_key(|r| r.id);
                if let Some(r) = reps.get(next(reps.len().max(1))) {
                    let side = [Side::Source, Side::Destination][next(2)];
                    let (a, rg) = r.view(side);
                    let local = next(2) == 0;
                    if store
                        .delete_replication(&caller(&a, &rg), &r.source_file_system_id, local, now)
                        .is_ok()
                    {
                        deleted += 1;
                    }
                }
            }
            4 => {
                let id = pick(&ids, next(ids.len().max(1)));
                if store.delete_file_system(&c, &id, now).is_ok() {
                    ids.retain(|i| i != &id);
                }
            }
            5 => {
                let id = pick(&ids, next(ids.len().max(1)));
                let p = ["ENABLED", "DISABLED"][next(2)];
                let _ = store.update_protection(&c, &id, Some(p), now);
            }
            _ => {
                // Paging sees each visible configuration exactly once.
                let mut seen = BTreeSet::new();
                let mut token: Option<String> = None;
                loop {
                    let page = store
                        .describe_replications(&c, None, token.as_deref(), 3, now)
                        .unwrap();
                    for r in &page.items {
                        let key = (
                            r.record.source_file_system_id.clone(),
                            r.record.destination_file_system_id.clone(),
                        );
                        assert!(seen.insert(key), "listed twice");
                    }
                    token = page.next;
                    if token.is_none() {
                        break;
                    }
                }
                let expected = store
                    .replications
                    .values()
                    .filter(
                        |r| match r.side_for(&(account.into(), region.into()), now) {
                            Some(Side::Destination) => timings.listing_scope == ListingScope::Both,
                            Some(Side::Source) => true,
                            None => false,
                        },
                    )
                    .count();
                assert_eq!(seen.len(), expected);
            }
        }
        store.check_invariants(now);
    }
    eprintln!("replications created {created}, deletions {deleted}");
    assert!(
        created > 50 && deleted > 20,
        "created {created}, deleted {deleted}"
    );
}
