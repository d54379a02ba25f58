//! Issue 9, the step graph: a delete that a create into an existing file
//! system waits for records that file system as observed (apply re-reads it
//! before the delete), and a create waiting for a deletion that has no step
//! is an internal error rather than a dependency silently dropped.

use super::*;

fn expect_of(p: &Plan, address: &str) -> Expect {
    let c = change(p, address);
    let del = p.step(c.steps[0]).unwrap();
    assert_eq!(del.kind.name(), "delete");
    del.expect.clone().expect("a delete carries an expectation")
}

#[test]
fn issue9_a_replace_into_another_existing_destination_records_it_on_the_delete() {
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .fs(3, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2");
    let d = desired(vec![to_existing(
        decl("a", 1, "us-east-1", "us-west-2"),
        3,
        true,
    )]);
    let p = run(&d, &w).unwrap();
    assert_eq!(change(&p, "replication.a").action, Action::Replace);
    match expect_of(&p, "replication.a") {
        Expect::Replication { creates_into, .. } => assert_eq!(
            creates_into,
            vec![ExpectDestination {
                file_system_id: fsid(3),
                region: region("us-west-2"),
                replication_overwrite_protection: Protection::Enabled,
                encrypted: true,
            }]
        ),
        other => panic!("{other:?}"),
    }
    // Every destructive step carries an expectation.
    for s in &p.steps {
        if matches!(
            s.kind,
            StepKind::Delete { .. } | StepKind::UpdateProtection { .. }
        ) {
            assert!(s.expect.is_some(), "{s:?}");
        }
    }
}

#[test]
fn issue9_a_failback_records_the_original_on_the_delete_of_its_replication() {
    let (d, w) = failback();
    let p = run(&d, &w).unwrap();
    match expect_of(&p, &format!("removed.{}", fsid(1))) {
        Expect::Replication { creates_into, .. } => {
            assert_eq!(creates_into.len(), 1, "{creates_into:?}");
            assert_eq!(creates_into[0].file_system_id, fsid(1));
            assert_eq!(
                creates_into[0].replication_overwrite_protection,
                Protection::Enabled
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn issue9_a_create_waiting_for_a_deletion_without_a_step_is_an_internal_error() {
    let w = World::new(&["us-east-1", "us-west-2"]).fs(1, "us-east-1");
    let declared = decl("a", 1, "us-east-1", "us-west-2");
    let spec = DestinationSpec {
        region: region("us-west-2"),
        availability_zone_name: None,
        kms_key_id: None,
        file_system_id: None,
        role_arn: None,
    };
    let draft = |waits_for: Dep| Draft {
        address: ChangeAddress::parse("replication.a").unwrap(),
        action: Action::Create,
        reason: String::new(),
        notes: vec![],
        before: None,
        after: None,
        declared: Some(&declared),
        deletes: None,
        removes_orphan: None,
        create: Some(CreatePart {
            source: fsid(1),
            region: region("us-east-1"),
            spec: spec.clone(),
            protection: None,
            waits_for: BTreeSet::from([waits_for]),
        }),
        steps: vec![],
    };
    // No draft deletes the replication of fs 9 that the create waits for.
    let mut drafts = vec![draft(Dep::Planned((region("us-east-1"), fsid(9))))];
    let err =
        crate::plan::graph::build_steps(&mut drafts, &BTreeMap::new(), &w.actual.file_systems)
            .unwrap_err();
    assert_eq!(err.code(), "internal");
    assert_eq!(err.address(), Some("replication.a"));
    assert!(err.to_string().contains(fsid(9).as_str()), "{err}");

    let mut drafts = vec![draft(Dep::Orphan(
        ChangeAddress::parse("orphan.fs-00000009").unwrap(),
    ))];
    let err =
        crate::plan::graph::build_steps(&mut drafts, &BTreeMap::new(), &w.actual.file_systems)
            .unwrap_err();
    assert_eq!(err.code(), "internal");
}
