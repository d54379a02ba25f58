//! Issue 11: an account id that appears only in a `role_arn`, without an
//! `account` block, gets a note on the create saying what was not verified
//! and which block to add; none when the role is in the source's account or
//! its account has a block.

use super::*;
use crate::model::{Account, AccountCredentials};

fn with_role(account: &str) -> DesiredReplication {
    let mut d = decl("a", 1, "us-east-1", "us-west-2");
    d.destination.role_arn =
        Some(RoleArn::parse(&format!("arn:aws:iam::{account}:role/repl")).unwrap());
    d
}

fn role_notes(p: &Plan) -> Vec<&String> {
    change(p, "replication.a")
        .notes
        .iter()
        .filter(|n| n.starts_with("role_arn"))
        .collect()
}

#[test]
fn a_role_in_an_account_without_a_block_is_noted_with_the_block_to_add() {
    let w = World::new(&["us-east-1", "us-west-2"]).fs(1, "us-east-1");
    let p = run(&desired(vec![with_role(OTHER_ACCOUNT)]), &w).unwrap();
    assert_eq!(change(&p, "replication.a").action, Action::Create);
    let notes = role_notes(&p);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains(&format!(
            "is in account {OTHER_ACCOUNT}, which has no account block"
        )) && notes[0].contains(&format!("the source is in account {ACCOUNT}"))
            && notes[0].contains(&format!(
                "add an account block with id = \"{OTHER_ACCOUNT}\""
            ))
            && notes[0].contains("source_account"),
        "{}",
        notes[0]
    );

    // The role in the source's own account: nothing to say.
    let p = run(&desired(vec![with_role(ACCOUNT)]), &w).unwrap();
    assert!(role_notes(&p).is_empty());

    // The account has a block: nothing to say either.
    let mut d = desired(vec![with_role(OTHER_ACCOUNT)]);
    d.accounts = vec![Account {
        name: "other".into(),
        id: AccountId::parse(OTHER_ACCOUNT).unwrap(),
        credentials: AccountCredentials::Profile("other".into()),
    }];
    let p = run(&d, &w).unwrap();
    assert!(role_notes(&p).is_empty());
}

#[test]
fn a_replication_in_place_with_its_role_gets_no_note() {
    // EFS accepted the role when it made the replication: no create, no note.
    let w = World::new(&["us-east-1", "us-west-2"])
        .fs(1, "us-east-1")
        .fs(2, "us-west-2")
        .repl_with(1, "us-east-1", 2, "us-west-2", |r| {
            r.destination.role_arn = Some(format!("arn:aws:iam::{OTHER_ACCOUNT}:role/repl"))
        });
    let p = run(&desired(vec![with_role(OTHER_ACCOUNT)]), &w).unwrap();
    assert_eq!(change(&p, "replication.a").action, Action::NoOp);
    assert!(role_notes(&p).is_empty());
}
