//! Issue 9, the planner half: preflight refuses what EFS would refuse before
//! any destructive step is planned; orphaned destination sides are removed
//! with LOCAL_CONFIGURATION_ONLY, first, and never where the call could hit a
//! live replication; prune and `removed` stay inside what the configuration
//! writes and this account. Ends with the property test: no plan holds a
//! delete or protection change whose dependent create EFS would refuse.

use std::cell::Cell;
use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::tests::*;
use super::*;
use crate::model::{AccountId, FileSystemRef};

fn errs_of(r: Result<Plan, PlanErrors>) -> PlanErrors {
    match r {
        Ok(p) => panic!("expected plan errors, got a plan: {:#?}", p.steps),
        Err(e) => e,
    }
}

/// The failback of the issue's "Why": A (us-east-1, not encrypted) -> B; the
/// plan used to say "1 to create, 1 to delete", and apply then deleted the
/// working replication and lifted A's protection before the create failed.
#[test]
fn failback_into_an_unencrypted_original_is_refused_at_plan() {
    let (d, mut w) = failback();
    w.actual
        .file_systems
        .get_mut(&(region("us-east-1"), fsid(1)))
        .unwrap()
        .encrypted = false;
    let errs = errs_of(run(&d, &w));
    assert!(
        errs.0.iter().any(|e| matches!(
            e,
            PlanError::DestinationUnencrypted { address, file_system, .. }
                if address == "replication.back" && file_system == fsid(1).as_str()
        )),
        "{errs}"
    );
    assert!(errs.to_string().contains("ConflictException"), "{errs}");
    // The simulation refuses the same create.
    let (d2, _) = failback();
    let p = run(&d2, &failback().1).unwrap();
    let mut unencrypted = failback().1.actual;
    unencrypted
        .file_systems
        .get_mut(&(region("us-east-1"), fsid(1)))
        .unwrap()
        .encrypted = false;
    let refused = simulate_apply(&unencrypted, &p).unwrap_err();
    assert!(
        refused.to_string().contains("ConflictException"),
        "{refused}"
    );
}

/// A replacement whose new destination is not `available` stops at plan:
/// nothing deletes the replication that still works.
#[test]
fn replacement_into_a_destination_that_is_not_available_plans_no_delete() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .with_fs(3, "us-west-2", |f| f.life_cycle_state = "updating".into())
        .repl(1, "us-east-1", 2, "us-west-2");
    let d = desired(vec![to_existing(
        decl("a", 1, "us-east-1", "us-west-2"),
        3,
        true,
    )]);
    let errs = errs_of(run(&d, &w));
    assert!(
        errs.0
            .iter()
            .any(|e| matches!(e, PlanError::DestinationNotAvailable { .. })),
        "{errs}"
    );
}

/// A file system whose protection reads REPLICATING belongs to a
/// replication, even when that replication was not read (its source Region
/// is outside the configuration, or the destination Region does not list
/// incoming replications): as a destination or as a source it is refused.
#[test]
fn a_replicating_file_system_held_by_an_unseen_replication_is_refused() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .with_fs(3, "us-west-2", |f| {
            f.protection = Some(Protection::Replicating)
        })
        .with_fs(4, "us-east-1", |f| {
            f.protection = Some(Protection::Replicating)
        })
        .repl(1, "us-east-1", 2, "us-west-2");
    // Replace 1 -> 2 by 1 -> 3: would delete 1 -> 2, then fail.
    let d = desired(vec![
        to_existing(decl("a", 1, "us-east-1", "us-west-2"), 3, true),
        decl("b", 4, "us-east-1", "us-west-2"),
    ]);
    let errs = errs_of(run(&d, &w));
    let hidden: Vec<(&str, &str)> = errs
        .0
        .iter()
        .filter_map(|e| match e {
            PlanError::HiddenReplication { address, role, .. } => {
                Some((address.as_str(), role.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        hidden,
        [
            ("replication.a", "destination"),
            ("replication.b", "source")
        ],
        "{errs}"
    );
    assert!(errs
        .to_string()
        .contains("aws efs describe-replication-configurations"));
}

/// A replacement whose source could not be described cannot be checked:
/// it is an error, not a delete followed by a create that may fail.
#[test]
fn a_replacement_that_cannot_be_checked_is_an_error() {
    let mut w = World::new(&["us-east-1", "us-west-2", "eu-west-1"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2");
    w.actual
        .file_systems
        .remove(&(region("us-east-1"), fsid(1)));
    let d = desired(vec![decl("a", 1, "us-east-1", "eu-west-1")]);
    let errs = errs_of(run(&d, &w));
    match &errs.0[..] {
        [PlanError::Unverified {
            address,
            destructive,
            ..
        }] => {
            assert_eq!(address, "replication.a");
            assert!(destructive.starts_with("delete the current replication"));
        }
        other => panic!("{other:?}"),
    }
}

/// The source or the destination of a create held by an orphaned
/// destination side is refused, with the way out.
#[test]
fn a_file_system_held_by_an_orphan_is_refused_with_the_way_out() {
    let mut w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .with_fs(2, "us-west-2", |f| {
            f.protection = Some(Protection::Replicating)
        });
    let mut o = World::new(&["us-east-1"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2")
        .actual
        .replications
        .remove(0);
    o.destination.status = ReplicationStatus::Error;
    w.actual.orphans.push(o);
    // Failback 2 -> 1 while 2 is still held by the orphaned side of 1 -> 2.
    let d = desired(vec![
        to_existing(decl("back", 2, "us-west-2", "us-east-1"), 1, true),
        decl("x", 1, "us-east-1", "eu-west-1"),
    ]);
    let errs = errs_of(run(&d, &w));
    let text = errs.to_string();
    assert!(
        text.contains("orphaned destination side") && text.contains("--target orphan."),
        "{text}"
    );
}

/// Issue 9 item 4: the orphan's delete carries what apply needs (its
/// Region, LOCAL_CONFIGURATION_ONLY, what was observed) and precedes any
/// create of the same source into that Region.
#[test]
fn an_orphan_is_removed_locally_before_its_source_replicates_there_again() {
    let mut w = World::new(&["us-west-2", "eu-west-1"])
        .fs(1, "us-west-2")
        .fs(2, "eu-west-1");
    let mut o = World::new(&["us-west-2"])
        .repl(1, "us-west-2", 2, "eu-west-1")
        .actual
        .replications
        .remove(0);
    o.destination.status = ReplicationStatus::Error;
    w.actual.orphans.push(o.clone());
    let d = desired(vec![decl("a", 1, "us-west-2", "eu-west-1")]);
    let p = run(&d, &w).unwrap();
    let orphan = change(&p, &format!("orphan.{}", fsid(2)));
    let del = p.step(orphan.steps[0]).unwrap();
    match &del.kind {
        StepKind::Delete {
            region: r,
            orphan: Some(side),
            ..
        } => {
            assert_eq!(r, &region("eu-west-1"));
            assert_eq!(side.source_region, region("us-west-2"));
        }
        other => panic!("{other:?}"),
    }
    // What the plan saw of it is said once: in the step's expect and the
    // change's before.
    assert_eq!(
        del.expect,
        Some(Expect::Replication {
            destination_file_system_id: fsid(2),
            destination_region: region("eu-west-1"),
            creation_time: humantime::format_rfc3339_millis(o.creation_time).to_string(),
            creates_into: vec![],
        })
    );
    assert_eq!(
        orphan.before.as_ref().and_then(|b| b.status.clone()),
        Some(ReplicationStatus::Error)
    );
    let a = change(&p, "replication.a");
    let create = p.step(a.steps[0]).unwrap();
    assert_eq!(create.kind.name(), "create");
    assert_eq!(create.depends_on, vec![del.id]);
    // --target of the replication pulls the orphan's removal in.
    let targeted = plan(
        &d,
        &w.actual,
        &PlanOptions {
            targets: vec!["replication.a".into()],
        },
    )
    .unwrap();
    assert!(targeted.changes.iter().any(|c| c.address == orphan.address));
    simulate_apply(&w.actual, &p).unwrap();

    // A create into another Region does not wait for it.
    let elsewhere = desired(vec![decl("a", 1, "us-west-2", "us-east-1")]);
    let p = run(&elsewhere, &w).unwrap();
    let create = p.step(change(&p, "replication.a").steps[0]).unwrap();
    assert!(create.depends_on.is_empty());
}

/// Issue 9 item 4: where a live replication of the same source has its
/// destination in the orphan's Region, the call could remove the live side:
/// the orphan is reported with the manual command, never deleted. Neither
/// is an orphan still DELETING, nor one whose source is `prevent_destroy`.
#[test]
fn an_orphan_is_never_deleted_where_the_call_is_ambiguous_or_protected() {
    let mut w = World::new(&["us-west-2", "eu-west-1"])
        .fs(1, "us-west-2")
        .fs(2, "eu-west-1")
        .fs(3, "eu-west-1")
        .repl(1, "us-west-2", 3, "eu-west-1");
    let mut o = w.actual.replications[0].clone();
    o.destination.file_system_id = fsid(2);
    o.destination.status = ReplicationStatus::Error;
    w.actual.orphans.push(o);
    let d = desired(vec![decl("a", 1, "us-west-2", "eu-west-1")]);
    let p = run(&d, &w).unwrap();
    assert!(!p.has_changes(), "{:#?}", p.changes);
    assert!(p.steps.is_empty());
    let u = &p.unmanaged[0];
    assert_eq!(u.destination_file_system_id, fsid(2));
    let note = u.note.as_deref().unwrap();
    assert!(
        note.contains("--deletion-mode LOCAL_CONFIGURATION_ONLY --region eu-west-1"),
        "{note}"
    );

    // prevent_destroy on the declared source blocks the removal.
    let mut w2 = World::new(&["us-west-2", "eu-west-1"])
        .fs(1, "us-west-2")
        .fs(2, "eu-west-1");
    let mut o2 = w.actual.orphans[0].clone();
    w2.actual.orphans.push(o2.clone());
    let mut decl_a = decl("a", 1, "us-west-2", "us-east-1");
    decl_a.prevent_destroy = true;
    let errs = errs_of(run(&desired(vec![decl_a]), &w2));
    assert!(
        errs.0.iter().any(|e| matches!(
            e,
            PlanError::OrphanPreventDestroy { declared, .. } if declared == "replication.a"
        )),
        "{errs}"
    );

    // Still DELETING (a destination side outliving its source side): left alone.
    o2.destination.status = ReplicationStatus::Deleting;
    w2.actual.orphans = vec![o2];
    let p = run(&d, &w2).unwrap();
    assert!(p
        .changes
        .iter()
        .all(|c| !matches!(c.address.kind(), super::AddressKind::Orphan(_))));
}

/// Issue 9 item 5: prune reaches written Regions only; an inbound
/// replication (source in another account) is listed, never deleted.
#[test]
fn prune_stays_in_written_regions_and_this_account() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .fs(5, "us-west-2")
        .fs(6, "us-east-1")
        .repl(1, "us-east-1", 2, "us-west-2")
        .repl_with(7, "us-east-1", 6, "us-east-1", |r| {
            r.source_owner = Some(AccountId::parse(OTHER_ACCOUNT).unwrap());
        });
    let mut d = desired(vec![decl("e", 5, "us-west-2", "us-west-2")]);
    d.settings.prune = true;
    // us-east-1 read (e.g. --region), but not written.
    d.written_regions = [region("us-west-2")].into();
    let p = run(&d, &w).unwrap();
    assert_eq!(p.summary().delete, 0, "{:#?}", p.changes);
    // Written: the own replication is pruned, the inbound one listed.
    d.written_regions.insert(region("us-east-1"));
    let p = run(&d, &w).unwrap();
    let deleted: Vec<&str> = p
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.address.as_str())
        .collect();
    assert_eq!(deleted, [format!("unmanaged.{}", fsid(1))]);
    let inbound = p
        .unmanaged
        .iter()
        .find(|u| u.source_file_system_id == fsid(7))
        .unwrap();
    assert!(inbound
        .note
        .as_deref()
        .unwrap()
        .starts_with("inbound: its source belongs to account 444455556666"));
}

/// Issue 9 item 5: a removed block pinned to another destination is an
/// error, not a delete; pinned to the right one it deletes; naming an
/// inbound replication is an error.
#[test]
fn removed_blocks_pin_their_destination_and_never_reach_another_account() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .fs(6, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2")
        .repl_with(7, "us-east-1", 6, "us-west-2", |r| {
            r.source_owner = Some(AccountId::parse(OTHER_ACCOUNT).unwrap());
        });
    let mut d = desired(vec![]);
    let mut r = removed(1, "us-east-1");
    r.destination = Some(fsid(3));
    d.removed.push(r.clone());
    let errs = errs_of(run(&d, &w));
    assert!(
        errs.to_string().contains(&format!(
            "removed.{}: destination_file_system_id is {}",
            fsid(1),
            fsid(3)
        )),
        "{errs}"
    );
    d.removed[0].destination = Some(fsid(2));
    let p = run(&d, &w).unwrap();
    assert_eq!(
        change(&p, &format!("removed.{}", fsid(1))).action,
        Action::Delete
    );
    d.removed = vec![removed(7, "us-east-1")];
    let errs = errs_of(run(&d, &w));
    assert!(errs.to_string().contains("inbound"), "{errs}");
}

/// A cross-account destination cannot be described: a plain create is
/// planned with a note, a replacement into it is refused.
#[test]
fn a_cross_account_destination_is_noted_for_a_create_and_refused_for_a_replace() {
    let arn = format!(
        "arn:aws:elasticfilesystem:us-west-2:{OTHER_ACCOUNT}:file-system/{}",
        fsid(9)
    );
    let w = World::new(&["us-east-1", "us-west-2"]).fs(1, "us-east-1");
    let mut d = decl("a", 1, "us-east-1", "us-west-2");
    d.destination.file_system = Some(FileSystemRef::parse(&arn).unwrap());
    d.destination.allow_overwrite = true;
    d.destination.role_arn =
        Some(crate::model::RoleArn::parse(&format!("arn:aws:iam::{ACCOUNT}:role/r")).unwrap());
    let p = run(&desired(vec![d.clone()]), &w).unwrap();
    assert!(change(&p, "replication.a").notes[0].contains("were not verified"));
    let w = w.fs(2, "us-west-2").repl(1, "us-east-1", 2, "us-west-2");
    let errs = errs_of(run(&desired(vec![d]), &w));
    assert!(
        errs.0
            .iter()
            .any(|e| matches!(e, PlanError::Unverified { .. })),
        "{errs}"
    );
}

// ---------------------------------------------------------------------------
// Property test.

/// A random observed state with what preflight must see through: unencrypted
/// and unavailable file systems, protection REPLICATING held by a
/// replication that was not read, and orphaned destination sides.
fn arb_unsafe_world() -> impl Strategy<Value = World> {
    (
        4u32..10,
        prop::collection::vec((0usize..3, 0u8..10, 0u8..10, 0u8..10), 10),
        prop::collection::vec((0u32..10, 0u32..10), 0..4),
        prop::collection::vec((0u32..10, 0u32..10, 0u8..3), 0..3),
    )
        .prop_map(|(n, per_fs, pairs, orphans)| {
            let mut w = World::new(&REGIONS);
            for i in 1..=n {
                let (ri, prot, enc, state) = per_fs[i as usize - 1];
                w = w.with_fs(i, REGIONS[ri], |f| {
                    f.protection = Some(match prot {
                        0..=4 => Protection::Disabled,
                        5 => Protection::Replicating,
                        _ => Protection::Enabled,
                    });
                    f.encrypted = enc >= 3;
                    if state == 0 {
                        f.life_cycle_state = "updating".into();
                    }
                });
            }
            let region_of = |w: &World, i: u32| {
                w.actual
                    .file_systems
                    .keys()
                    .find(|k| k.1 == fsid(i))
                    .unwrap()
                    .0
                    .clone()
            };
            let mut used = BTreeSet::new();
            for (a, b) in pairs {
                let (a, b) = (a % n + 1, b % n + 1);
                if a == b || used.contains(&a) || used.contains(&b) {
                    continue;
                }
                used.insert(a);
                used.insert(b);
                let (ra, rb) = (region_of(&w, a), region_of(&w, b));
                w = w.repl(a, ra.as_str(), b, rb.as_str());
            }
            for (a, b, status) in orphans {
                let (a, b) = (a % n + 1, b % n + 1);
                let (ra, rb) = (region_of(&w, a), region_of(&w, b));
                if a == b || used.contains(&b) || ra == rb {
                    continue;
                }
                used.insert(b);
                let mut o = World::new(&REGIONS)
                    .repl(a, ra.as_str(), b, rb.as_str())
                    .actual
                    .replications
                    .remove(0);
                o.destination.status = match status {
                    0 => ReplicationStatus::Deleting,
                    1 => ReplicationStatus::Error,
                    _ => ReplicationStatus::Enabled,
                };
                w.actual
                    .file_systems
                    .get_mut(&(rb, fsid(b)))
                    .unwrap()
                    .protection = Some(Protection::Replicating);
                w.actual.orphans.push(o);
            }
            w
        })
}

/// For random observed states and configurations, every plan that is made
/// runs to the end under the EFS rules of the simulation: in particular no
/// delete or protection change is followed by a create EFS refuses. Enough
/// cases must exercise a destructive step for this to mean something.
#[test]
fn no_destructive_step_precedes_a_create_that_efs_refuses() {
    let mut runner = TestRunner::new(Config {
        cases: 600,
        max_global_rejects: 100_000,
        failure_persistence: None,
        ..Config::default()
    });
    let destructive = Cell::new(0u32);
    let planned = Cell::new(0u32);
    let refused = Cell::new(0u32);
    runner
        .run(&(arb_unsafe_world(), arb_desired(10)), |(w, spec)| {
            let d = build_desired(&w, &spec);
            let p = plan(&d, &w.actual, &PlanOptions::default());
            if p.is_err() {
                refused.set(refused.get() + 1);
            }
            prop_assume!(p.is_ok());
            let p = p.unwrap();
            planned.set(planned.get() + 1);
            if p.steps.iter().any(|s| {
                matches!(
                    s.kind,
                    StepKind::Delete { .. } | StepKind::UpdateProtection { .. }
                )
            }) {
                destructive.set(destructive.get() + 1);
            }
            if let Err(e) = simulate_apply(&w.actual, &p) {
                return Err(TestCaseError::fail(format!("{e}\nsteps: {:#?}", p.steps)));
            }
            // Apply refuses a destructive step without an expectation.
            for s in &p.steps {
                if matches!(
                    s.kind,
                    StepKind::Delete { .. } | StepKind::UpdateProtection { .. }
                ) && s.expect.is_none()
                {
                    return Err(TestCaseError::fail(format!("no expect: {s:#?}")));
                }
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "{} plans made ({} states refused at plan); {} had a destructive step",
        planned.get(),
        refused.get(),
        destructive.get()
    );
    assert!(
        destructive.get() >= 100,
        "only {} of {} plans had a destructive step",
        destructive.get(),
        planned.get()
    );
}
