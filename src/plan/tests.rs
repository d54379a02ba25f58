//! Unit tests of the planner with constructed desired and actual states, and
//! property tests: applying a plan (simulated) and planning again gives no
//! changes, and no create runs before a delete it depends on. A property
//! test rejects the cases it cannot judge (`prop_assume!`) rather than
//! passing them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;

mod graph;
mod kms;

use super::*;
use crate::model::{
    AccountId, ActualDestination, Address, AvailabilityZone, DesiredDestination, FileSystemInfo,
    FileSystemRef, InstanceKey, KmsKeyRef, Removed, RoleArn, Settings,
};

pub(super) const ACCOUNT: &str = "111122223333";
pub(super) const OTHER_ACCOUNT: &str = "444455556666";

pub(super) fn region(s: &str) -> Region {
    Region::parse(s).unwrap()
}

pub(super) fn fsid(n: u32) -> FileSystemId {
    FileSystemId::parse(&format!("fs-{n:08x}")).unwrap()
}

pub(super) fn addr(name: &str) -> Address {
    Address {
        name: name.to_owned(),
        key: None,
    }
}

pub(super) fn fs(n: u32, r: &str) -> FileSystemInfo {
    FileSystemInfo {
        id: fsid(n),
        region: region(r),
        owner: AccountId::parse(ACCOUNT).unwrap(),
        life_cycle_state: "available".into(),
        encrypted: true,
        kms_key_id: Some(format!(
            "arn:aws:kms:{r}:{ACCOUNT}:key/11111111-1111-4111-8111-111111111111"
        )),
        availability_zone: None,
        performance_mode: "generalPurpose".into(),
        throughput_mode: Some("bursting".into()),
        protection: Some(Protection::Enabled),
        name: None,
    }
}

/// A builder for observed states.
#[derive(Debug, Clone, Default)]
pub(super) struct World {
    pub(super) actual: Actual,
}

impl World {
    pub(super) fn new(regions: &[&str]) -> Self {
        let mut w = World::default();
        w.actual.regions = regions.iter().map(|r| region(r)).collect();
        w
    }
    pub(super) fn fs(mut self, n: u32, r: &str) -> Self {
        self.actual
            .file_systems
            .insert((region(r), fsid(n)), fs(n, r));
        self
    }
    pub(super) fn with_fs(mut self, n: u32, r: &str, f: impl FnOnce(&mut FileSystemInfo)) -> Self {
        let mut info = fs(n, r);
        f(&mut info);
        self.actual.file_systems.insert((region(r), fsid(n)), info);
        self
    }
    pub(super) fn repl(self, src: u32, src_r: &str, dst: u32, dst_r: &str) -> Self {
        self.repl_with(src, src_r, dst, dst_r, |_| {})
    }
    pub(super) fn repl_with(
        mut self,
        src: u32,
        src_r: &str,
        dst: u32,
        dst_r: &str,
        f: impl FnOnce(&mut ActualReplication),
    ) -> Self {
        if let Some(d) = self
            .actual
            .file_systems
            .get_mut(&(region(dst_r), fsid(dst)))
        {
            d.protection = Some(Protection::Replicating);
        }
        let mut r = ActualReplication {
            source: fsid(src),
            source_region: region(src_r),
            source_arn: format!(
                "arn:aws:elasticfilesystem:{src_r}:{ACCOUNT}:file-system/{}",
                fsid(src)
            ),
            source_owner: Some(AccountId::parse(ACCOUNT).unwrap()),
            creation_time: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            destination: ActualDestination {
                status: ReplicationStatus::Enabled,
                file_system_id: fsid(dst),
                region: region(dst_r),
                last_replicated: Some(UNIX_EPOCH + Duration::from_secs(1_700_000_100)),
                owner: Some(AccountId::parse(ACCOUNT).unwrap()),
                status_message: None,
                role_arn: None,
            },
        };
        f(&mut r);
        self.actual.replications.push(r);
        self
    }
}

pub(super) fn decl(name: &str, src: u32, src_r: &str, dst_r: &str) -> DesiredReplication {
    DesiredReplication {
        address: addr(name),
        source: fsid(src),
        source_region: region(src_r),
        source_account: None,
        destination: DesiredDestination {
            region: region(dst_r),
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

pub(super) fn to_existing(mut d: DesiredReplication, dst: u32, allow: bool) -> DesiredReplication {
    d.destination.file_system = Some(FileSystemRef::parse(fsid(dst).as_str()).unwrap());
    d.destination.allow_overwrite = allow;
    d
}

pub(super) fn desired(mut reps: Vec<DesiredReplication>) -> Desired {
    reps.sort_by(|a, b| a.address.cmp(&b.address));
    let mut d = Desired {
        replications: reps,
        removed: Vec::new(),
        settings: Settings::default(),
        accounts: Vec::new(),
        written_regions: BTreeSet::new(),
    };
    // These tests write every Region they use.
    d.written_regions = d.regions();
    d
}

pub(super) fn removed(src: u32, r: &str) -> Removed {
    Removed {
        source: fsid(src),
        source_region: region(r),
        destination: None,
    }
}

pub(super) fn run(d: &Desired, w: &World) -> Result<Plan, PlanErrors> {
    plan(d, &w.actual, &PlanOptions::default())
}

pub(super) fn kinds(p: &Plan, c: &Change) -> Vec<String> {
    c.steps
        .iter()
        .map(|id| p.step(*id).unwrap().kind.name().to_owned())
        .collect()
}

pub(super) fn change<'a>(p: &'a Plan, address: &str) -> &'a Change {
    p.changes
        .iter()
        .find(|c| c.address == address)
        .unwrap_or_else(|| panic!("no change at {address}: {:#?}", p.changes))
}

#[test]
fn missing_replication_is_created() {
    let w = World::new(&["us-east-1", "us-west-2"]).fs(1, "us-east-1");
    let d = desired(vec![decl("a", 1, "us-east-1", "us-west-2")]);
    let p = run(&d, &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::Create);
    assert_eq!(kinds(&p, c), ["create", "wait-enabled"]);
    assert_eq!(p.steps[1].depends_on, vec![p.steps[0].id]);
    assert_eq!(c.after.as_ref().unwrap().destination_file_system_id, None);
    assert_eq!(p.summary().create, 1);
}

#[test]
fn replication_as_declared_is_a_no_op() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2");
    let d = desired(vec![decl("a", 1, "us-east-1", "us-west-2")]);
    let p = run(&d, &w).unwrap();
    assert!(!p.has_changes());
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::NoOp);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    assert!(p.steps.is_empty());
    assert!(p.unmanaged.is_empty());
}

#[test]
fn replicating_protection_on_an_existing_destination_is_not_drift() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2");
    assert_eq!(
        w.actual.file_systems[&(region("us-west-2"), fsid(2))].protection,
        Some(Protection::Replicating)
    );
    let d = desired(vec![to_existing(
        decl("a", 1, "us-east-1", "us-west-2"),
        2,
        false,
    )]);
    let p = run(&d, &w).unwrap();
    assert_eq!(change(&p, "replication.a").action, Action::NoOp);
}

#[test]
fn each_destination_difference_forces_a_replacement() {
    let base = || {
        World::new(&["us-east-1", "us-west-2", "eu-west-1"])
            .fs(1, "us-east-1")
            .fs(2, "us-west-2")
            .with_fs(3, "us-west-2", |f| {
                f.protection = Some(Protection::Disabled)
            })
            .repl(1, "us-east-1", 2, "us-west-2")
    };
    let cases: Vec<(DesiredReplication, &str)> = vec![
        (decl("a", 1, "us-east-1", "eu-west-1"), "destination region"),
        (
            to_existing(decl("a", 1, "us-east-1", "us-west-2"), 3, false),
            "destination file system",
        ),
        (
            {
                let mut d = decl("a", 1, "us-east-1", "us-west-2");
                d.destination.availability_zone =
                    Some(AvailabilityZone::parse("us-west-2b").unwrap());
                d
            },
            "availability zone",
        ),
        (
            {
                let mut d = decl("a", 1, "us-east-1", "us-west-2");
                d.destination.kms_key =
                    Some(KmsKeyRef::parse("22222222-2222-4222-8222-222222222222").unwrap());
                d
            },
            "KMS key",
        ),
        (
            {
                let mut d = decl("a", 1, "us-east-1", "us-west-2");
                d.destination.role_arn =
                    Some(RoleArn::parse("arn:aws:iam::111122223333:role/repl").unwrap());
                d
            },
            "role",
        ),
    ];
    for (d, what) in cases {
        let p = run(&desired(vec![d]), &base()).unwrap();
        let c = change(&p, "replication.a");
        assert_eq!(c.action, Action::Replace, "{what}");
        assert!(c.reason.contains(what), "{what}: {}", c.reason);
        let k = kinds(&p, c);
        assert_eq!(
            k.first().map(String::as_str),
            Some("delete"),
            "{what}: {k:?}"
        );
        assert_eq!(k.last().map(String::as_str), Some("wait-enabled"), "{what}");
        // The create waits for the old replication to be gone.
        let create = c
            .steps
            .iter()
            .map(|id| p.step(*id).unwrap())
            .find(|s| s.kind.name() == "create")
            .unwrap();
        assert!(!create.depends_on.is_empty(), "{what}");
    }
}

#[test]
fn one_zone_destination_matching_the_declared_zone_is_in_sync() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .with_fs(2, "us-west-2", |f| {
            f.availability_zone = Some(AvailabilityZone::parse("us-west-2b").unwrap())
        })
        .repl(1, "us-east-1", 2, "us-west-2");
    let mut d = decl("a", 1, "us-east-1", "us-west-2");
    d.destination.availability_zone = Some(AvailabilityZone::parse("us-west-2b").unwrap());
    let p = run(&desired(vec![d.clone()]), &w).unwrap();
    assert_eq!(change(&p, "replication.a").action, Action::NoOp);
    // Declaring it Regional is a replacement.
    d.destination.availability_zone = None;
    let p = run(&desired(vec![d]), &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::Replace);
    assert!(c.reason.contains("us-west-2b -> Regional"), "{}", c.reason);
}

#[test]
fn kms_alias_against_a_key_arn_is_not_a_diff_but_is_reported_unverified() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2");
    let mut d = decl("a", 1, "us-east-1", "us-west-2");
    d.destination.kms_key = Some(KmsKeyRef::parse("alias/dr").unwrap());
    let p = run(&desired(vec![d.clone()]), &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::NoOp);
    assert!(
        c.notes.iter().any(|n| n.contains("could not be verified")),
        "{:?}",
        c.notes
    );
    // The same key by id or by ARN matches without a note.
    for k in [
        "11111111-1111-4111-8111-111111111111",
        "arn:aws:kms:us-west-2:111122223333:key/11111111-1111-4111-8111-111111111111",
    ] {
        d.destination.kms_key = Some(KmsKeyRef::parse(k).unwrap());
        let p = run(&desired(vec![d.clone()]), &w).unwrap();
        let c = change(&p, "replication.a");
        assert_eq!(c.action, Action::NoOp, "{k}");
        assert!(c.notes.is_empty(), "{k}: {:?}", c.notes);
    }
}

#[test]
fn undeclared_replications_are_unmanaged_unless_pruned_or_removed() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .fs(3, "us-east-1")
        .fs(4, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2")
        .repl(3, "us-east-1", 4, "us-west-2");
    let mut d = desired(vec![decl("a", 1, "us-east-1", "us-west-2")]);
    let p = run(&d, &w).unwrap();
    assert!(!p.has_changes());
    assert_eq!(p.unmanaged.len(), 1);
    assert_eq!(p.unmanaged[0].source_file_system_id, fsid(3));

    d.settings.prune = true;
    let p = run(&d, &w).unwrap();
    assert!(p.unmanaged.is_empty());
    let c = change(&p, &format!("unmanaged.{}", fsid(3)));
    assert_eq!(c.action, Action::Delete);
    assert_eq!(kinds(&p, c), ["delete", "wait-deleted"]);

    d.settings.prune = false;
    d.removed.push(removed(3, "us-east-1"));
    let p = run(&d, &w).unwrap();
    assert!(p.unmanaged.is_empty());
    assert_eq!(
        change(&p, &format!("removed.{}", fsid(3))).action,
        Action::Delete
    );
    assert_eq!(p.summary().delete, 1);
    assert_eq!(p.summary().no_op, 1);
}

#[test]
fn removed_block_for_a_missing_replication_plans_nothing() {
    let w = World::new(&["us-east-1"]).fs(1, "us-east-1");
    let mut d = desired(vec![]);
    d.removed.push(removed(1, "us-east-1"));
    let p = run(&d, &w).unwrap();
    assert!(p.changes.is_empty());
}

/// The failback of the issue: actual A->B; desired B->A with A as existing
/// destination and allow_overwrite, A->B removed.
pub(super) fn failback() -> (Desired, World) {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2");
    let mut d = desired(vec![to_existing(
        decl("back", 2, "us-west-2", "us-east-1"),
        1,
        true,
    )]);
    d.removed.push(removed(1, "us-east-1"));
    (d, w)
}

#[test]
fn failback_orders_delete_wait_protection_create_wait() {
    let (d, w) = failback();
    let p = run(&d, &w).unwrap();
    let del = change(&p, &format!("removed.{}", fsid(1)));
    let back = change(&p, "replication.back");
    assert_eq!(del.action, Action::Delete);
    assert_eq!(back.action, Action::Create);
    assert_eq!(
        kinds(&p, back),
        [
            "update-protection",
            "create",
            "restore-protection",
            "wait-enabled"
        ]
    );
    let wait_deleted = p.step(del.steps[1]).unwrap();
    assert_eq!(wait_deleted.kind.name(), "wait-deleted");
    let prot = p.step(back.steps[0]).unwrap();
    assert_eq!(prot.depends_on, vec![wait_deleted.id]);
    match &prot.kind {
        StepKind::UpdateProtection { file_system_id, .. } => assert_eq!(file_system_id, &fsid(1)),
        other => panic!("{other:?}"),
    }
    let create = p.step(back.steps[1]).unwrap();
    assert_eq!(create.depends_on, vec![prot.id]);
    // Its compensation restores the protection only if the create fails.
    let restore = p.step(back.steps[2]).unwrap();
    assert_eq!(restore.depends_on, vec![prot.id]);
    assert!(matches!(
        &restore.kind,
        StepKind::RestoreProtection { compensates, replication_overwrite_protection, .. }
            if *compensates == create.id && *replication_overwrite_protection == Protection::Enabled
    ));
    // And it really ends where the config says.
    let after = simulate_apply(&w.actual, &p).unwrap();
    let again = plan(&d, &after, &PlanOptions::default()).unwrap();
    assert!(!again.has_changes(), "{:#?}", again.changes);
}

#[test]
fn failback_without_removed_block_says_what_to_add() {
    let (mut d, w) = failback();
    d.removed.clear();
    let errs = run(&d, &w).unwrap_err();
    let text = errs.to_string();
    assert!(
        errs.0
            .iter()
            .all(|e| matches!(e, PlanError::Conflict { .. })),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "removed {{ source_file_system_id = \"{}\" source_region = \"us-east-1\" }}",
            fsid(1)
        )),
        "{text}"
    );
    // Pruning resolves it too.
    d.settings.prune = true;
    assert!(run(&d, &w).is_ok());
}

#[test]
fn conflict_with_another_declaration_names_it() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .fs(5, "us-east-1")
        .repl(1, "us-east-1", 2, "us-west-2");
    // fs 2 is declared as a source although it is the destination of replication.a.
    let d = desired(vec![
        decl("a", 1, "us-east-1", "us-west-2"),
        to_existing(decl("b", 5, "us-east-1", "us-west-2"), 2, true),
    ]);
    let errs = run(&d, &w).unwrap_err();
    let text = errs.to_string();
    assert!(text.contains("it is declared as replication.a"), "{text}");
}

#[test]
fn existing_destination_needs_consent_to_disable_protection() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2");
    let d = desired(vec![to_existing(
        decl("a", 1, "us-east-1", "us-west-2"),
        2,
        false,
    )]);
    let errs = run(&d, &w).unwrap_err();
    assert!(matches!(errs.0[0], PlanError::DestinationProtected { .. }));
    assert!(errs.to_string().contains("allow_overwrite = true"));

    let d = desired(vec![to_existing(
        decl("a", 1, "us-east-1", "us-west-2"),
        2,
        true,
    )]);
    let p = run(&d, &w).unwrap();
    assert_eq!(
        kinds(&p, change(&p, "replication.a")),
        [
            "update-protection",
            "create",
            "restore-protection",
            "wait-enabled"
        ]
    );

    // Already DISABLED: no protection step, no consent needed.
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .with_fs(2, "us-west-2", |f| {
            f.protection = Some(Protection::Disabled)
        });
    let d = desired(vec![to_existing(
        decl("a", 1, "us-east-1", "us-west-2"),
        2,
        false,
    )]);
    let p = run(&d, &w).unwrap();
    assert_eq!(
        kinds(&p, change(&p, "replication.a")),
        ["create", "wait-enabled"]
    );
}

#[test]
fn every_preflight_problem_is_reported_at_once() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .with_fs(1, "us-east-1", |f| f.life_cycle_state = "creating".into())
        .fs(3, "us-east-1")
        .fs(4, "us-west-2")
        .fs(5, "us-east-1")
        .fs(6, "us-west-2")
        .fs(7, "us-east-1")
        .fs(8, "us-west-2")
        .repl(7, "us-east-1", 8, "us-west-2");
    let mut guarded = decl("g", 7, "us-east-1", "eu-west-1");
    guarded.prevent_destroy = true;
    let mut xacct = to_existing(decl("x", 5, "us-east-1", "us-west-2"), 6, false);
    xacct.destination.file_system = Some(
        FileSystemRef::parse(&format!(
            "arn:aws:elasticfilesystem:us-west-2:{OTHER_ACCOUNT}:file-system/{}",
            fsid(6)
        ))
        .unwrap(),
    );
    let d = desired(vec![
        decl("not_available", 1, "us-east-1", "us-west-2"),
        decl("missing", 2, "us-east-1", "us-west-2"),
        to_existing(decl("protected", 3, "us-east-1", "us-west-2"), 4, false),
        xacct,
        guarded,
    ]);
    let errs = run(&d, &w).unwrap_err();
    let codes: BTreeSet<&str> = errs.0.iter().map(|e| e.code()).collect();
    assert_eq!(
        codes,
        BTreeSet::from([
            "source_not_available",
            "source_not_found",
            "destination_protected",
            "missing_role",
            "prevent_destroy"
        ]),
        "{errs}"
    );
    let pd = errs
        .0
        .iter()
        .find(|e| e.code() == "prevent_destroy")
        .unwrap();
    assert_eq!(pd.address(), Some("replication.g"));
}

#[test]
fn cross_account_with_role_is_planned_with_a_note() {
    let w = World::new(&["us-east-1", "us-west-2"]).fs(5, "us-east-1");
    let mut d = decl("x", 5, "us-east-1", "us-west-2");
    d.destination.file_system = Some(
        FileSystemRef::parse(&format!(
            "arn:aws:elasticfilesystem:us-west-2:{OTHER_ACCOUNT}:file-system/{}",
            fsid(6)
        ))
        .unwrap(),
    );
    d.destination.role_arn = Some(RoleArn::parse("arn:aws:iam::111122223333:role/r").unwrap());
    let p = run(&desired(vec![d]), &w).unwrap();
    let c = change(&p, "replication.x");
    assert_eq!(c.action, Action::Create);
    assert_eq!(kinds(&p, c), ["create", "wait-enabled"]);
    assert!(c.notes.iter().any(|n| n.contains(OTHER_ACCOUNT)));
    match &p.step(c.steps[0]).unwrap().kind {
        StepKind::Create { destination, .. } => {
            assert!(destination
                .file_system_id
                .as_ref()
                .unwrap()
                .to_string()
                .starts_with("arn:aws:elasticfilesystem:us-west-2:444455556666:"));
            assert!(destination.role_arn.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn deleting_replication_is_waited_for_before_creating_again() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl_with(1, "us-east-1", 2, "us-west-2", |r| {
            r.destination.status = ReplicationStatus::Deleting
        });
    let d = desired(vec![decl("a", 1, "us-east-1", "us-west-2")]);
    let p = run(&d, &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::Create);
    assert_eq!(kinds(&p, c), ["wait-deleted", "create", "wait-enabled"]);
    // The replication being deleted is the declared one, not an unmanaged one.
    assert!(p.unmanaged.is_empty(), "{:?}", p.unmanaged);
}

#[test]
fn error_status_is_replaced_and_paused_is_left_to_check() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl_with(1, "us-east-1", 2, "us-west-2", |r| {
            r.destination.status = ReplicationStatus::Error;
            r.destination.status_message = Some("destination deleted".into());
        });
    let d = desired(vec![decl("a", 1, "us-east-1", "us-west-2")]);
    let p = run(&d, &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::Replace);
    assert!(c.reason.contains("ERROR"), "{}", c.reason);

    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl_with(1, "us-east-1", 2, "us-west-2", |r| {
            r.destination.status = ReplicationStatus::Paused
        });
    let p = run(&d, &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::NoOp);
    assert!(c.notes[0].contains("PAUSED"));
}

#[test]
fn targets_restrict_the_plan_and_pull_in_dependencies() {
    let (mut d, w) = failback();
    d.replications
        .push(decl("other", 9, "us-east-1", "us-west-2"));
    let w = w.fs(9, "us-east-1");
    let p = plan(
        &d,
        &w.actual,
        &PlanOptions {
            targets: vec!["replication.back".into()],
        },
    )
    .unwrap();
    let addrs: Vec<&str> = p.changes.iter().map(|c| c.address.as_str()).collect();
    assert_eq!(
        addrs,
        [format!("removed.{}", fsid(1)), "replication.back".into()]
    );
    assert!(simulate_apply(&w.actual, &p).is_ok());

    let p = plan(
        &d,
        &w.actual,
        &PlanOptions {
            targets: vec!["replication.other".into()],
        },
    )
    .unwrap();
    assert_eq!(p.changes.len(), 1);
    assert_eq!(p.steps.len(), 2);

    let errs = plan(
        &d,
        &w.actual,
        &PlanOptions {
            targets: vec!["replication.nope".into()],
        },
    )
    .unwrap_err();
    assert_eq!(errs.0[0].code(), "unknown_target");

    // Issue 15: a bare block name or a near spelling gets a suggestion.
    for (given, meant) in [
        ("other", "replication.other"),
        ("replication.othr", "replication.other"),
    ] {
        let errs = plan(
            &d,
            &w.actual,
            &PlanOptions {
                targets: vec![given.into()],
            },
        )
        .unwrap_err();
        assert_eq!(
            errs.0[0].to_string(),
            format!("--target {given} matches no declared replication and no planned change; did you mean --target {meant}?")
        );
    }
}

#[test]
fn targets_match_every_instance_of_a_block() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-east-1");
    let mut a = decl("m", 1, "us-east-1", "us-west-2");
    a.address.key = Some(InstanceKey::Str("x".into()));
    let mut b = decl("m", 2, "us-east-1", "us-west-2");
    b.address.key = Some(InstanceKey::Str("y".into()));
    let d = desired(vec![a, b, decl("mm", 3, "us-east-1", "us-west-2")]);
    let p = plan(
        &d,
        &w.actual,
        &PlanOptions {
            targets: vec!["replication.m".into()],
        },
    )
    .unwrap();
    let addrs: Vec<&str> = p.changes.iter().map(|c| c.address.as_str()).collect();
    assert_eq!(addrs, ["replication.m[\"x\"]", "replication.m[\"y\"]"]);
}

#[test]
fn chained_or_duplicate_declarations_are_errors() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .fs(3, "us-east-1")
        .with_fs(4, "us-west-2", |f| {
            f.protection = Some(Protection::Disabled)
        });
    let d = desired(vec![
        to_existing(decl("a", 1, "us-east-1", "us-west-2"), 4, false),
        to_existing(decl("b", 3, "us-east-1", "us-west-2"), 4, false),
    ]);
    let errs = run(&d, &w).unwrap_err();
    assert!(errs
        .to_string()
        .contains("also the destination of replication.a"));
    let d = desired(vec![
        to_existing(decl("a", 1, "us-east-1", "us-west-2"), 4, false),
        decl("b", 4, "us-west-2", "us-east-1"),
    ]);
    let errs = run(&d, &w).unwrap_err();
    assert!(errs.to_string().contains("chained"), "{errs}");
}

#[test]
fn fingerprint_ignores_sync_progress_but_sees_protection() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .fs(3, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2");
    let d = desired(vec![
        decl("a", 1, "us-east-1", "us-west-2"),
        to_existing(decl("b", 5, "us-east-1", "us-west-2"), 3, true),
    ]);
    let w = w.fs(5, "us-east-1");
    let p1 = run(&d, &w).unwrap();
    assert!(p1.fingerprint.starts_with("sha256:"));
    assert_eq!(p1.fingerprint.len(), 7 + 64);
    let mut w2 = World {
        actual: w.actual.clone(),
    };
    w2.actual.replications[0].destination.last_replicated =
        Some(UNIX_EPOCH + Duration::from_secs(1_800_000_000));
    w2.actual.replications[0].destination.status = ReplicationStatus::Enabling;
    assert_eq!(run(&d, &w2).unwrap().fingerprint, p1.fingerprint);
    w2.actual
        .file_systems
        .get_mut(&(region("us-west-2"), fsid(3)))
        .unwrap()
        .protection = Some(Protection::Disabled);
    let p3 = run(&d, &w2).unwrap();
    assert_ne!(p3.fingerprint, p1.fingerprint);
    assert_eq!(fingerprint(&w2.actual, &p3.scope), p3.fingerprint);
}

#[test]
fn simulated_apply_refuses_a_graph_without_its_dependencies() {
    let (d, w) = failback();
    let mut p = run(&d, &w).unwrap();
    for s in &mut p.steps {
        if s.kind.name() == "update-protection" {
            s.depends_on.clear();
        }
    }
    assert!(simulate_apply(&w.actual, &p).is_err());
}

// ---------------------------------------------------------------------------
// Property tests.

pub(super) const REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];

/// A random but well-formed observed state: file systems 1..=n spread over
/// Regions, some replications between them (each file system in at most one,
/// no chains), random protections and a few Regions' AZs.
fn arb_world() -> impl Strategy<Value = World> {
    (
        4u32..10,
        prop::collection::vec((0usize..3, 0usize..3, any::<bool>(), 0u8..4), 10),
        prop::collection::vec((0u32..10, 0u32..10), 0..4),
    )
        .prop_map(|(n, per_fs, pairs)| {
            let mut w = World::new(&REGIONS);
            for i in 1..=n {
                let (ri, _, disabled, _) = per_fs[i as usize - 1];
                w = w.with_fs(i, REGIONS[ri], |f| {
                    if disabled {
                        f.protection = Some(Protection::Disabled)
                    }
                });
            }
            let mut used = BTreeSet::new();
            for (a, b) in pairs {
                let (a, b) = (a % n + 1, b % n + 1);
                if a == b || used.contains(&a) || used.contains(&b) {
                    continue;
                }
                used.insert(a);
                used.insert(b);
                let ra = w
                    .actual
                    .file_systems
                    .keys()
                    .find(|k| k.1 == fsid(a))
                    .unwrap()
                    .0
                    .clone();
                let rb = w
                    .actual
                    .file_systems
                    .keys()
                    .find(|k| k.1 == fsid(b))
                    .unwrap()
                    .0
                    .clone();
                w = w.repl(a, ra.as_str(), b, rb.as_str());
            }
            w
        })
}

/// Declarations (source, kind, Region, destination, consent), removed sources, prune.
pub(super) type DesiredSpec = (Vec<(u32, u8, usize, u32, bool)>, Vec<u32>, bool);

/// A random well-formed desired state over the same file systems.
pub(super) fn arb_desired(n_max: u32) -> impl Strategy<Value = DesiredSpec> {
    (
        prop::collection::vec(
            (1..=n_max, 0u8..4, 0usize..3, 1..=n_max, any::<bool>()),
            0..5,
        ),
        prop::collection::vec(1..=n_max, 0..3),
        any::<bool>(),
    )
}

pub(super) fn build_desired(w: &World, spec: &DesiredSpec) -> Desired {
    let region_of = |i: u32| {
        w.actual
            .file_systems
            .keys()
            .find(|k| k.1 == fsid(i))
            .map(|k| k.0.clone())
    };
    let mut used = BTreeSet::new();
    let mut reps = Vec::new();
    for (n, (src, kind, ri, dst, allow)) in spec.0.iter().enumerate() {
        let Some(src_r) = region_of(*src) else {
            continue;
        };
        if used.contains(src) {
            continue;
        }
        let mut d = decl(&format!("r{n}"), *src, src_r.as_str(), REGIONS[*ri]);
        match kind {
            // Existing destination.
            0 => {
                let Some(dst_r) = region_of(*dst) else {
                    continue;
                };
                if dst == src || used.contains(dst) {
                    continue;
                }
                d.destination.region = dst_r;
                // Consent varies; without it a protected destination is a preflight error.
                d = to_existing(d, *dst, *allow);
                used.insert(*dst);
            }
            // One Zone.
            1 => {
                d.destination.availability_zone =
                    Some(AvailabilityZone::parse(&format!("{}a", REGIONS[*ri])).unwrap())
            }
            // Customer key by id.
            2 => {
                d.destination.kms_key =
                    Some(KmsKeyRef::parse("33333333-3333-4333-8333-333333333333").unwrap())
            }
            _ => {}
        }
        used.insert(*src);
        reps.push(d);
    }
    let declared: BTreeSet<(Region, FileSystemId)> = reps
        .iter()
        .map(|d| (d.source_region.clone(), d.source.clone()))
        .collect();
    let mut dsr = desired(reps);
    for r in &spec.1 {
        if let Some(rr) = region_of(*r) {
            if !declared.contains(&(rr.clone(), fsid(*r))) {
                dsr.removed.push(removed(*r, rr.as_str()));
            }
        }
    }
    dsr.removed.sort();
    dsr.removed.dedup();
    dsr.settings.prune = spec.2;
    dsr.written_regions = dsr.regions();
    dsr
}

/// Transitive dependencies of a step.
fn ancestors(p: &Plan, id: StepId) -> BTreeSet<StepId> {
    let mut out = BTreeSet::new();
    let mut todo = vec![id];
    while let Some(s) = todo.pop() {
        for d in &p.step(s).unwrap().depends_on {
            if out.insert(*d) {
                todo.push(*d);
            }
        }
    }
    out
}

/// Runs `check` on random (world, configuration, index) triples whose
/// configuration plans, until `cases` of them passed. The others are
/// rejected (`prop_assume!`, as is a case `check` rejects), never counted
/// as passes; more than twice `cases` rejections fail the run, so a generator
/// that stops producing plannable states fails the test instead of letting
/// it pass having exercised little.
fn for_planned_cases(
    cases: u32,
    check: impl Fn(&World, &Desired, Plan, prop::sample::Index) -> Result<(), TestCaseError>,
) {
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases,
        max_global_rejects: cases * 2,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    });
    let exercised = std::cell::Cell::new(0u32);
    let result = runner.run(
        &(arb_world(), arb_desired(10), any::<prop::sample::Index>()),
        |(w, spec, pick)| {
            let d = build_desired(&w, &spec);
            let p = plan(&d, &w.actual, &PlanOptions::default());
            prop_assume!(p.is_ok());
            exercised.set(exercised.get() + 1);
            check(&w, &d, p.unwrap(), pick)
        },
    );
    eprintln!("{} cases planned, {cases} passed", exercised.get());
    result.unwrap();
}

#[test]
fn applying_a_plan_then_planning_again_gives_no_changes() {
    for_planned_cases(400, |w, d, p, _| {
        let after = simulate_apply(&w.actual, &p)
            .map_err(|e| TestCaseError::fail(format!("{e}\nplan: {p:#?}")))?;
        let again = plan(d, &after, &PlanOptions::default())
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert!(!again.has_changes(), "{:#?}", again.changes);
        prop_assert!(again.steps.is_empty());
        // Planning the resulting state against itself is stable too.
        let third = plan(d, &after, &PlanOptions::default()).unwrap();
        prop_assert_eq!(&third.fingerprint, &again.fingerprint);
        if d.settings.prune {
            // Only sources in Regions the configuration does not name are left.
            let named = d.regions();
            prop_assert!(again
                .unmanaged
                .iter()
                .all(|u| !named.contains(&u.source_region)));
        }
        Ok(())
    });
}

#[test]
fn no_create_is_ordered_before_a_delete_it_depends_on() {
    let with_delete = std::cell::Cell::new(0u32);
    for_planned_cases(400, |w, _, p, _| {
        // Replications deleted by the plan, by the step that deletes them.
        let involved: BTreeMap<StepId, BTreeSet<(Region, FileSystemId)>> = p
            .steps
            .iter()
            .filter_map(|s| match &s.kind {
                StepKind::Delete {
                    source_file_system_id,
                    region,
                    ..
                } => {
                    let r = w.actual.replications.iter().find(|r| {
                        &r.source == source_file_system_id && &r.source_region == region
                    })?;
                    Some((
                        s.id,
                        BTreeSet::from([
                            (r.source_region.clone(), r.source.clone()),
                            (
                                r.destination.region.clone(),
                                r.destination.file_system_id.clone(),
                            ),
                        ]),
                    ))
                }
                _ => None,
            })
            .collect();
        if !involved.is_empty() {
            with_delete.set(with_delete.get() + 1);
        }
        for s in &p.steps {
            let StepKind::Create {
                source_file_system_id,
                region,
                destination,
            } = &s.kind
            else {
                continue;
            };
            let mut mine = BTreeSet::from([(region.clone(), source_file_system_id.clone())]);
            if let Some(f) = &destination.file_system_id {
                mine.insert((destination.region.clone(), f.id.clone()));
            }
            let before = ancestors(&p, s.id);
            for (del, fss) in &involved {
                if !fss.is_disjoint(&mine) {
                    prop_assert!(
                        before.contains(del),
                        "create {} does not wait for delete {}",
                        s.id,
                        del
                    );
                }
            }
        }
        Ok(())
    });
    assert!(
        with_delete.get() >= 50,
        "only {} plans deleted anything",
        with_delete.get()
    );
}

#[test]
fn a_targeted_plan_carries_everything_it_waits_for() {
    for_planned_cases(400, |w, d, full, pick| {
        prop_assume!(!full.changes.is_empty());
        let target = full.changes[pick.index(full.changes.len())].address.clone();
        let p = plan(
            d,
            &w.actual,
            &PlanOptions {
                targets: vec![target.to_string()],
            },
        )
        .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert!(p.changes.iter().any(|c| c.address == target));
        // Every dependency is inside the targeted plan, and it runs.
        for s in &p.steps {
            for dep in &s.depends_on {
                prop_assert!(
                    p.step(*dep).is_some(),
                    "step {} depends on missing {}",
                    s.id,
                    dep
                );
            }
        }
        simulate_apply(&w.actual, &p).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        Ok(())
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn inconsistent_observed_states_never_panic(
        w in arb_world(),
        spec in arb_desired(10),
        extra in prop::collection::vec((1u32..10, 1u32..10, 0usize..3, 0usize..3, 0u8..7), 0..6),
    ) {
        // Replications EFS would never report together: chains, shared
        // destinations, unknown statuses, missing file systems.
        let mut w = w;
        for (a, b, ra, rb, st) in extra {
            w = w.repl_with(a, REGIONS[ra], b, REGIONS[rb], |r| {
                r.destination.status = match st {
                    0 => ReplicationStatus::Enabling,
                    1 => ReplicationStatus::Deleting,
                    2 => ReplicationStatus::Error,
                    3 => ReplicationStatus::Paused,
                    4 => ReplicationStatus::Pausing,
                    5 => ReplicationStatus::Other("NEW".into()),
                    _ => ReplicationStatus::Enabled,
                }
            });
        }
        let d = build_desired(&w, &spec);
        if let Ok(p) = plan(&d, &w.actual, &PlanOptions::default()) {
            let mut buf = Vec::new();
            crate::render::render_human(&p, &mut buf, &crate::render::HumanOptions::default()).unwrap();
            crate::render::render_json(&p, &mut buf).unwrap();
            for s in &p.steps {
                prop_assert!(s.depends_on.iter().all(|d| *d < s.id));
            }
        }
    }

    #[test]
    fn planning_is_deterministic(w in arb_world(), spec in arb_desired(10)) {
        let d = build_desired(&w, &spec);
        let a = plan(&d, &w.actual, &PlanOptions::default());
        let mut shuffled = w.actual.clone();
        shuffled.replications.reverse();
        let b = plan(&d, &shuffled, &PlanOptions::default());
        prop_assert_eq!(a, b);
    }
}

#[test]
fn kms_alias_reported_as_alias_arn_is_compared_by_name() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .with_fs(2, "us-west-2", |f| {
            f.kms_key_id = Some(format!("arn:aws:kms:us-west-2:{ACCOUNT}:alias/dr"))
        })
        .repl(1, "us-east-1", 2, "us-west-2");
    let mut d = decl("a", 1, "us-east-1", "us-west-2");
    d.destination.kms_key = Some(KmsKeyRef::parse("alias/dr").unwrap());
    let p = run(&desired(vec![d.clone()]), &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::NoOp);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    d.destination.kms_key = Some(KmsKeyRef::parse("alias/other").unwrap());
    let p = run(&desired(vec![d]), &w).unwrap();
    assert_eq!(change(&p, "replication.a").action, Action::Replace);
}

#[test]
fn deleting_or_replacing_says_the_old_destination_is_kept() {
    let w = World::new(&["us-east-1", "us-west-2", "eu-west-1"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2");
    let p = run(&desired(vec![decl("a", 1, "us-east-1", "eu-west-1")]), &w).unwrap();
    let c = change(&p, "replication.a");
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains(&format!("{} (us-west-2) is not deleted", fsid(2)))),
        "{:?}",
        c.notes
    );
    let mut d = desired(vec![]);
    d.removed.push(removed(1, "us-east-1"));
    let p = run(&d, &w).unwrap();
    assert!(!p.changes[0].notes.is_empty());
    // A replacement that keeps its destination says nothing of the kind.
    let mut keep = to_existing(decl("a", 1, "us-east-1", "us-west-2"), 2, true);
    keep.destination.role_arn = Some(RoleArn::parse("arn:aws:iam::111122223333:role/r").unwrap());
    let p = run(&desired(vec![keep]), &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::Replace);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    assert_eq!(
        kinds(&p, c),
        [
            "delete",
            "wait-deleted",
            "update-protection",
            "create",
            "restore-protection",
            "wait-enabled"
        ]
    );
}

/// Defect: after a failover (the replication deleted from the destination
/// Region, the destination writable, the source side left in ERROR), a replace
/// into the same destination disabled its protection and overwrote it without
/// `allow_overwrite`. Consent is needed every time the plan would lift
/// overwrite protection, even on the live replica of this very source.
#[test]
fn replacing_into_a_failed_over_destination_needs_consent() {
    let failed_over = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl_with(1, "us-east-1", 2, "us-west-2", |r| {
            r.destination.status = ReplicationStatus::Error;
        })
        .with_fs(2, "us-west-2", |f| f.protection = Some(Protection::Enabled));
    let d = desired(vec![to_existing(
        decl("a", 1, "us-east-1", "us-west-2"),
        2,
        false,
    )]);
    let errs = run(&d, &failed_over).unwrap_err();
    assert!(
        matches!(errs.0[0], PlanError::DestinationProtected { .. }),
        "{errs}"
    );
    assert!(errs.to_string().contains("allow_overwrite = true"));

    // ERROR while the destination still says REPLICATING: same answer.
    let error = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl_with(1, "us-east-1", 2, "us-west-2", |r| {
            r.destination.status = ReplicationStatus::Error;
        });
    let errs = run(&d, &error).unwrap_err();
    assert!(matches!(errs.0[0], PlanError::DestinationProtected { .. }));

    // With consent: delete, protection, create.
    let d = desired(vec![to_existing(
        decl("a", 1, "us-east-1", "us-west-2"),
        2,
        true,
    )]);
    let p = run(&d, &failed_over).unwrap();
    assert_eq!(change(&p, "replication.a").action, Action::Replace);

    // A healthy replica replaced for another reason (role) needs consent
    // too: without `allow_overwrite` the tool never touches protection.
    let healthy = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2");
    let mut decl_role = to_existing(decl("a", 1, "us-east-1", "us-west-2"), 2, false);
    decl_role.destination.role_arn =
        Some(RoleArn::parse(&format!("arn:aws:iam::{ACCOUNT}:role/r")).unwrap());
    let errs = run(&desired(vec![decl_role.clone()]), &healthy).unwrap_err();
    assert!(matches!(errs.0[0], PlanError::DestinationProtected { .. }));
    decl_role.destination.allow_overwrite = true;
    let p = run(&desired(vec![decl_role]), &healthy).unwrap();
    assert_eq!(change(&p, "replication.a").action, Action::Replace);
    assert!(kinds(&p, change(&p, "replication.a")).contains(&"update-protection".to_owned()));
}

/// Defect: `prune = true` deleted a replication whose source Region the
/// configuration never names, because it showed up in a scoped Region as
/// the destination side. Prune reaches only sources in named Regions.
#[test]
fn prune_never_reaches_a_source_region_the_config_does_not_name() {
    let w = World::new(&["eu-west-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .fs(5, "eu-west-1")
        .repl(1, "us-east-1", 2, "us-west-2");
    let mut d = desired(vec![decl("e", 5, "eu-west-1", "us-west-2")]);
    d.settings.prune = true;
    let p = run(&d, &w).unwrap();
    assert!(
        p.changes
            .iter()
            .all(|c| c.address != ChangeAddress::unmanaged(fsid(1))),
        "{:#?}",
        p.changes
    );
    assert_eq!(p.unmanaged.len(), 1);
    assert_eq!(p.unmanaged[0].source_region, region("us-east-1"));
    assert_eq!(p.summary().delete, 0);
}

/// Defect: an orphaned destination-side view could stand in for the live
/// replication, and nothing removed it. The orphan is its own change,
/// deleted in the destination Region, when the configuration manages its
/// source; otherwise it is listed as unmanaged. The live replication keeps
/// its own verdict.
#[test]
fn orphaned_destination_sides_are_removed_where_they_live_or_listed() {
    // The live replication goes to another Region than the orphan (issue 9:
    // in the same Region the orphan is never removed, see tests_safety).
    let mut w = World::new(&["us-west-2", "eu-west-1", "us-east-1"])
        .fs(1, "us-west-2")
        .fs(2, "eu-west-1")
        .fs(3, "us-east-1")
        .repl(1, "us-west-2", 3, "us-east-1");
    let mut orphan = w.actual.replications[0].clone();
    orphan.destination.file_system_id = fsid(2);
    orphan.destination.region = region("eu-west-1");
    orphan.destination.status = ReplicationStatus::Error;
    w.actual.orphans.push(orphan);
    let d = desired(vec![decl("a", 1, "us-west-2", "us-east-1")]);
    let p = run(&d, &w).unwrap();
    assert_eq!(change(&p, "replication.a").action, Action::NoOp);
    let o = change(&p, &format!("orphan.{}", fsid(2)));
    assert_eq!(o.action, Action::Delete);
    assert_eq!(kinds(&p, o), ["delete"]);
    match &p.step(o.steps[0]).unwrap().kind {
        StepKind::Delete { region: r, .. } => assert_eq!(r, &region("eu-west-1")),
        other => panic!("{other:?}"),
    }
    let after = simulate_apply(&w.actual, &p).unwrap();
    assert!(after.orphans.is_empty());
    assert!(!plan(&d, &after, &PlanOptions::default())
        .unwrap()
        .has_changes());

    // Its source not managed: listed, not touched.
    let other = desired(vec![decl("b", 9, "us-west-2", "eu-west-1")]);
    let w2 = {
        let mut w2 = w.clone();
        w2.actual.replications.clear();
        w2.fs(9, "us-west-2")
    };
    let p = run(&other, &w2).unwrap();
    assert!(p
        .changes
        .iter()
        .all(|c| !matches!(c.address.kind(), AddressKind::Orphan(_))));
    assert_eq!(p.unmanaged.len(), 1);
    assert_eq!(p.unmanaged[0].status, UnmanagedStatus::Orphaned);
}

/// Defect: a replication into a file system of another account was "No
/// changes" against a block declaring a new destination in the source's own
/// account (or a file_system_id ARN in a third account): the destination
/// owner was never compared.
#[test]
fn a_destination_in_another_account_than_declared_is_replaced() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .repl_with(1, "us-east-1", 2, "us-west-2", |r| {
            r.destination.owner = Some(AccountId::parse(OTHER_ACCOUNT).unwrap());
            r.destination.role_arn = Some(format!("arn:aws:iam::{ACCOUNT}:role/r"));
        });
    let mut d = decl("a", 1, "us-east-1", "us-west-2");
    d.destination.role_arn =
        Some(RoleArn::parse(&format!("arn:aws:iam::{ACCOUNT}:role/r")).unwrap());
    let p = run(&desired(vec![d.clone()]), &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::Replace, "{c:#?}");
    assert!(c.reason.contains("destination account"), "{}", c.reason);

    // Declared by ARN in that very account: in sync.
    let mut same = d.clone();
    same.destination.file_system = Some(
        FileSystemRef::parse(&format!(
            "arn:aws:elasticfilesystem:us-west-2:{OTHER_ACCOUNT}:file-system/{}",
            fsid(2)
        ))
        .unwrap(),
    );
    let p = run(&desired(vec![same]), &w).unwrap();
    assert_eq!(change(&p, "replication.a").action, Action::NoOp);

    // Declared by ARN in a third account: a replacement, but the new
    // destination cannot be described, so the delete is not planned (issue 9).
    let mut third = d;
    third.destination.file_system = Some(
        FileSystemRef::parse(&format!(
            "arn:aws:elasticfilesystem:us-west-2:999988887777:file-system/{}",
            fsid(2)
        ))
        .unwrap(),
    );
    let errs = run(&desired(vec![third]), &w).unwrap_err();
    assert!(
        errs.0
            .iter()
            .any(|e| matches!(e, PlanError::Unverified { .. })),
        "{errs}"
    );
    assert!(errs.to_string().contains("delete the current replication"));
}

/// Defect: a destination reporting a KMS alias ARN was replaced when the
/// configuration named a key ARN (or key id): exact string comparison.
/// Which key the alias names cannot be known without KMS: a note, no diff.
#[test]
fn kms_key_declared_against_a_reported_alias_is_unverified_not_a_diff() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .with_fs(2, "us-west-2", |f| {
            f.kms_key_id = Some(format!("arn:aws:kms:us-west-2:{ACCOUNT}:alias/dr"))
        })
        .repl(1, "us-east-1", 2, "us-west-2");
    for k in [
        format!("arn:aws:kms:us-west-2:{ACCOUNT}:key/11111111-1111-4111-8111-111111111111"),
        "11111111-1111-4111-8111-111111111111".to_owned(),
    ] {
        let mut d = decl("a", 1, "us-east-1", "us-west-2");
        d.destination.kms_key = Some(KmsKeyRef::parse(&k).unwrap());
        let p = run(&desired(vec![d]), &w).unwrap();
        let c = change(&p, "replication.a");
        assert_eq!(c.action, Action::NoOp, "{k}: {}", c.reason);
        assert!(
            c.notes.iter().any(|n| n.contains("could not be verified")),
            "{k}: {:?}",
            c.notes
        );
    }
}

/// Issue 9: a create into an existing file system overwrites its data: the
/// plan counts it, gives each lifted protection its compensation, records
/// what each destructive step expects, and `prevent_destroy` blocks it.
#[test]
fn an_overwrite_is_counted_compensated_and_blocked_by_prevent_destroy() {
    let (d, w) = failback();
    let p = run(&d, &w).unwrap();
    assert_eq!(p.summary().overwrite, 1);
    let overwrites = p.overwrites();
    assert_eq!(overwrites.len(), 1);
    assert_eq!(overwrites[0].0, "replication.back");
    assert_eq!(overwrites[0].1, &FileSystemRef::from(fsid(1)));
    for s in &p.steps {
        let destructive = matches!(
            s.kind,
            StepKind::Delete { .. } | StepKind::UpdateProtection { .. }
        );
        assert_eq!(s.expect.is_some(), destructive, "{s:?}");
    }
    // A new destination overwrites nothing.
    let p = run(
        &desired(vec![decl("a", 1, "us-east-1", "us-west-2")]),
        &World::new(&["us-east-1", "us-west-2"]).fs(1, "us-east-1"),
    )
    .unwrap();
    assert_eq!(p.summary().overwrite, 0);

    let (mut d, w) = failback();
    d.replications[0].prevent_destroy = true;
    let errs = run(&d, &w).unwrap_err();
    assert!(
        errs.0.iter().any(|e| matches!(
            e,
            PlanError::PreventOverwrite { address, file_system, .. }
                if address == "replication.back" && file_system == fsid(1).as_str()
        )),
        "{errs}"
    );
}

/// Issue 11: with an `account` block for the destination's account, the
/// destination (described with that account's credentials) is preflighted
/// as one in the source's account: protection, no note; without the
/// block, the note names the block to add; an existing replication whose
/// destination could not be described says which account it is in.
#[test]
fn a_cross_account_destination_with_an_account_block_is_preflighted_as_any() {
    let other = AccountId::parse(OTHER_ACCOUNT).unwrap();
    let mut d = decl("x", 5, "us-east-1", "us-west-2");
    d.destination.file_system = Some(
        FileSystemRef::parse(&format!(
            "arn:aws:elasticfilesystem:us-west-2:{OTHER_ACCOUNT}:file-system/{}",
            fsid(6)
        ))
        .unwrap(),
    );
    d.destination.role_arn = Some(RoleArn::parse("arn:aws:iam::111122223333:role/r").unwrap());
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(5, "us-east-1")
        .with_fs(6, "us-west-2", |f| f.owner = other.clone());
    let mut with_block = desired(vec![d.clone()]);
    with_block.accounts = vec![crate::model::Account {
        name: "dr".into(),
        id: other.clone(),
        credentials: crate::model::AccountCredentials::Profile("dr".into()),
    }];
    let errs = run(&with_block, &w).unwrap_err();
    assert!(
        errs.0
            .iter()
            .any(|e| matches!(e, PlanError::DestinationProtected { .. })),
        "{errs:?}"
    );
    let w2 = World::new(&["us-east-1", "us-west-2"])
        .fs(5, "us-east-1")
        .with_fs(6, "us-west-2", |f| {
            f.owner = other.clone();
            f.protection = Some(Protection::Disabled);
        });
    let p = run(&with_block, &w2).unwrap();
    let c = change(&p, "replication.x");
    assert_eq!(c.action, Action::Create);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    // Without the block: not verified, and the note says what to add.
    let p = run(&desired(vec![d]), &w).unwrap();
    let c = change(&p, "replication.x");
    assert!(
        c.notes.iter().any(|n| n.contains("has no account block")
            && n.contains(&format!("id = \"{OTHER_ACCOUNT}\""))),
        "{:?}",
        c.notes
    );

    // An existing replication into another account whose destination could
    // not be described: the note names that account.
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .repl_with(1, "us-east-1", 2, "us-west-2", |r| {
            r.destination.owner = Some(other.clone());
            r.destination.role_arn = Some("arn:aws:iam::111122223333:role/r".into());
        });
    let mut d = decl("a", 1, "us-east-1", "us-west-2");
    d.destination.file_system = Some(
        FileSystemRef::parse(&format!(
            "arn:aws:elasticfilesystem:us-west-2:{OTHER_ACCOUNT}:file-system/{}",
            fsid(2)
        ))
        .unwrap(),
    );
    d.destination.role_arn = Some(RoleArn::parse("arn:aws:iam::111122223333:role/r").unwrap());
    d.destination.kms_key = Some(KmsKeyRef::parse("alias/dr").unwrap());
    let p = run(&desired(vec![d]), &w).unwrap();
    let c = change(&p, "replication.a");
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains(&format!("it is in account {OTHER_ACCOUNT}"))),
        "{:?}",
        c.notes
    );
}
