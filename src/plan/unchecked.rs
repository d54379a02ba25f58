//! Replications known only from a destination-side view whose source side
//! was not looked for (`Actual::unchecked_sources`): the source's account
//! did not list the source Region, so the view may be the live replication
//! or an orphan whose source side is gone, and nothing here tells which. A
//! change that would delete such a replication is refused (`unverified`:
//! its delete could be answered "not found" in the source Region while the
//! orphaned side stays); a declaration that only reads it gets a note. Both
//! name the account block that would settle it.

use super::{describe_replication, key_of, Draft, PlanError};
use crate::model::{Actual, ActualReplication};

/// What cannot be told about `r`, and what to add.
fn what_and_how(r: &ActualReplication) -> (String, String) {
    let account = r.source_owner.as_ref().map_or_else(
        || "the source's account".to_owned(),
        |a| format!("account {a}"),
    );
    (
        format!(
            "whether the replication {} still has its source side (only its destination side was read: {account} did not list {})",
            describe_replication(r),
            r.source_region
        ),
        format!(
            "add an account block for {account} (docs/config.md), so that {} is listed with its credentials, then plan again",
            r.source_region
        ),
    )
}

/// Refuses every change that deletes a replication whose source side was
/// not looked for; notes it on a declaration that only reads it.
pub(super) fn unchecked_sources(drafts: &mut [Draft<'_>], actual: &Actual) -> Vec<PlanError> {
    let mut errors = Vec::new();
    if actual.unchecked_sources.is_empty() {
        return errors;
    }
    let unchecked = |r: &ActualReplication| actual.unchecked_sources.contains(&key_of(r));
    for dr in drafts.iter_mut() {
        if let Some(e) = dr.deletes.filter(|e| unchecked(e)) {
            let (check, hint) = what_and_how(e);
            errors.push(PlanError::Unverified {
                address: dr.address.to_string(),
                check,
                destructive: format!("delete the current replication {}", describe_replication(e)),
                hint: format!("nothing is deleted on a guess; {hint}"),
            });
            continue;
        }
        let Some(d) = dr.declared else {
            continue;
        };
        let seen = actual
            .replications
            .iter()
            .find(|r| r.source == d.source && r.source_region == d.source_region)
            .filter(|r| unchecked(r));
        if let Some(r) = seen {
            let (check, hint) = what_and_how(r);
            dr.notes.push(format!("{check}: not verified; {hint}"));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::super::PlanError;

    /// fs 1 (us-east-1) -> fs 2 (us-west-2), known only from its destination
    /// side: its source's account did not list us-east-1.
    fn world() -> World {
        let mut w = World::new(&["us-east-1", "us-west-2", "eu-west-1"])
            .fs(1, "us-east-1")
            .fs(2, "us-west-2")
            .repl(1, "us-east-1", 2, "us-west-2");
        w.actual
            .unchecked_sources
            .insert((region("us-east-1"), fsid(1)));
        w
    }

    /// Issue 9, several accounts: a replace or a removal of such a
    /// replication is refused, naming the account block to add; a
    /// declaration it satisfies gets a note. Without the mark, the replace
    /// is planned as before.
    #[test]
    fn a_replication_whose_source_side_was_not_looked_for_is_not_deleted() {
        for d in [desired(vec![decl("a", 1, "us-east-1", "eu-west-1")]), {
            let mut d = desired(vec![]);
            d.removed.push(removed(1, "us-east-1"));
            d
        }] {
            let errs = run(&d, &world()).unwrap_err();
            assert!(
                errs.0
                    .iter()
                    .any(|e| matches!(e, PlanError::Unverified { .. })),
                "{errs}"
            );
            assert!(errs.to_string().contains("add an account block"), "{errs}");
            let mut checked = world();
            checked.actual.unchecked_sources.clear();
            assert!(run(&d, &checked).is_ok());
        }
        let p = run(
            &desired(vec![decl("a", 1, "us-east-1", "us-west-2")]),
            &world(),
        )
        .unwrap();
        let notes = &change(&p, "replication.a").notes;
        assert!(
            notes
                .iter()
                .any(|n| n.contains("still has its source side")),
            "{notes:?}"
        );
    }
}
