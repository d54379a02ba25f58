//! Issue 11: the planner with KMS resolutions among its inputs: an alias of
//! the key in use is no drift and no note, an alias of another key is a
//! replace that says so, a missing key a preflight error naming the address
//! and the reference, a denied DescribeKey a note naming `kms:DescribeKey`
//! with the comparison as without KMS.

use super::*;
use crate::model::{KeyResolution, ResolvedKey};

const IN_USE: &str = "arn:aws:kms:us-west-2:111122223333:key/11111111-1111-4111-8111-111111111111";
const OTHER: &str = "arn:aws:kms:us-west-2:111122223333:key/22222222-2222-4222-8222-222222222222";

fn world_with(key: &str, resolution: KeyResolution) -> World {
    let mut w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl(1, "us-east-1", 2, "us-west-2");
    w.actual.kms_keys.push(ResolvedKey {
        account: None,
        region: region("us-west-2"),
        reference: KmsKeyRef::parse(key).unwrap(),
        resolution,
    });
    w
}

fn declared(key: &str) -> Desired {
    let mut d = decl("a", 1, "us-east-1", "us-west-2");
    d.destination.kms_key = Some(KmsKeyRef::parse(key).unwrap());
    desired(vec![d])
}

#[test]
fn an_alias_of_the_key_in_use_is_in_sync_without_a_note() {
    for key in ["alias/dr", "arn:aws:kms:us-west-2:111122223333:alias/dr"] {
        let w = world_with(key, KeyResolution::Key(IN_USE.into()));
        let p = run(&declared(key), &w).unwrap();
        let c = change(&p, "replication.a");
        assert_eq!(c.action, Action::NoOp, "{key}");
        assert!(c.notes.is_empty(), "{key}: {:?}", c.notes);
    }
}

#[test]
fn an_alias_of_another_key_is_a_replace_that_says_so() {
    let w = world_with("alias/dr", KeyResolution::Key(OTHER.into()));
    let p = run(&declared("alias/dr"), &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::Replace);
    assert!(
        c.reason.contains(IN_USE)
            && c.reason.contains(OTHER)
            && c.reason
                .contains("alias/dr names another key than the one in use"),
        "{}",
        c.reason
    );
}

#[test]
fn a_key_id_is_compared_through_its_resolved_arn() {
    let id = "22222222-2222-4222-8222-222222222222";
    let w = world_with(id, KeyResolution::Key(OTHER.into()));
    let p = run(&declared(id), &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::Replace);
    assert!(c.reason.contains(OTHER), "{}", c.reason);
}

#[test]
fn a_missing_key_is_a_preflight_error_naming_address_and_reference() {
    let w = world_with(
        "alias/nope",
        KeyResolution::NotFound("NotFoundException: Alias is not found.".into()),
    );
    let errors = run(&declared("alias/nope"), &w).unwrap_err();
    let e = errors
        .0
        .iter()
        .find(|e| e.code() == "kms_key_not_found")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!(e.address(), Some("replication.a"));
    let text = e.to_string();
    assert!(
        text.contains("alias/nope") && text.contains("us-west-2"),
        "{text}"
    );
    // Also when the replication would be created.
    let w = World::new(&["us-east-1", "us-west-2"]).fs(1, "us-east-1");
    let mut w2 = w.clone();
    w2.actual.kms_keys = world_with("alias/nope", KeyResolution::NotFound("gone".into()))
        .actual
        .kms_keys;
    let errors = run(&declared("alias/nope"), &w2).unwrap_err();
    assert!(errors.0.iter().any(|e| e.code() == "kms_key_not_found"));
}

#[test]
fn a_denied_describe_key_is_a_note_naming_the_action_and_compares_as_before() {
    let w = world_with(
        "alias/dr",
        KeyResolution::AccessDenied("AccessDeniedException: not authorized".into()),
    );
    let p = run(&declared("alias/dr"), &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::NoOp);
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("kms:DescribeKey") && n.contains("alias/dr")),
        "{:?}",
        c.notes
    );
    assert!(
        c.notes.iter().any(|n| n.contains("could not be verified")),
        "{:?}",
        c.notes
    );
}

/// A replace (here: another availability zone) of a declaration whose alias
/// could not be resolved.
fn replace_with_unresolved(resolution: KeyResolution) -> Result<Plan, PlanErrors> {
    let w = world_with("alias/dr", resolution);
    let mut d = decl("a", 1, "us-east-1", "us-west-2");
    d.destination.kms_key = Some(KmsKeyRef::parse("alias/dr").unwrap());
    d.destination.availability_zone = Some(AvailabilityZone::parse("us-west-2b").unwrap());
    run(&desired(vec![d]), &w)
}

#[test]
fn an_unresolved_alias_before_a_replace_is_unverified_not_a_note() {
    for (resolution, why) in [
        (
            KeyResolution::AccessDenied("AccessDeniedException: not authorized".into()),
            "kms:DescribeKey was denied",
        ),
        (
            KeyResolution::Failed("DescribeKey failed: timed out".into()),
            "DescribeKey failed",
        ),
    ] {
        let errors = replace_with_unresolved(resolution).unwrap_err();
        let e = errors
            .0
            .iter()
            .find(|e| e.code() == "unverified")
            .unwrap_or_else(|| panic!("{errors:?}"));
        assert_eq!(e.address(), Some("replication.a"));
        let text = e.to_string();
        assert!(
            text.contains("alias/dr")
                && text.contains(why)
                && text.contains("delete the current replication fs-00000001"),
            "{text}"
        );
    }
}

#[test]
fn an_unresolved_alias_without_a_delete_stays_a_note() {
    // The same declaration created where no replication exists: a note.
    let mut w = World::new(&["us-east-1", "us-west-2"]).fs(1, "us-east-1");
    w.actual.kms_keys = world_with(
        "alias/dr",
        KeyResolution::Failed("DescribeKey failed: timed out".into()),
    )
    .actual
    .kms_keys;
    let p = run(&declared("alias/dr"), &w).unwrap();
    let c = change(&p, "replication.a");
    assert_eq!(c.action, Action::Create);
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("alias/dr could not be resolved")),
        "{:?}",
        c.notes
    );
    // A key id is compared exactly without KMS: a replace stays possible.
    let id = "11111111-1111-4111-8111-111111111111";
    let w = world_with(
        id,
        KeyResolution::AccessDenied("AccessDeniedException: not authorized".into()),
    );
    let mut d = decl("a", 1, "us-east-1", "us-west-2");
    d.destination.kms_key = Some(KmsKeyRef::parse(id).unwrap());
    d.destination.availability_zone = Some(AvailabilityZone::parse("us-west-2b").unwrap());
    let p = run(&desired(vec![d]), &w).unwrap();
    assert_eq!(change(&p, "replication.a").action, Action::Replace);
}
