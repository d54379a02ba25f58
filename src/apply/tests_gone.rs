//! Executor tests of deletes that find their replication gone where the
//! call is made: "already deleted" only once its destination side reads as
//! gone too, in its own Region and account (issue 9).

use super::*;

/// What `plan` did to the delete of fs 1 ("removed.fs-0000000a"), the create that
/// waits for it (fs 2) and the independent create (fs 3).
async fn run(ops: &Scripted) -> (ApplyReport, Vec<String>) {
    let plan = failback_plan();
    let (_tx, rx) = watch::channel(false);
    let report = execute(&plan, ops, &opts(), &Quiet, rx).await;
    (report, ops.calls.lock().unwrap().clone())
}

fn failure(report: &ApplyReport) -> String {
    let a = report.address("removed.fs-0000000a").unwrap();
    assert_eq!(a.outcome, Outcome::Failed, "{a:#?}");
    a.error.as_ref().unwrap().to_string()
}

/// Defect: the source side of the replication was deleted with
/// LOCAL_CONFIGURATION_ONLY since the plan; the guard's re-read in the
/// source Region found nothing and took the delete as done, the create
/// that waited for it ran, and the destination side stayed orphaned.
#[tokio::test]
async fn issue9_a_delete_whose_destination_side_remains_is_not_already_deleted() {
    let plan = failback_plan();
    let ops = Scripted {
        source_gone: true,
        ..Scripted::observing(&plan)
    };
    let (report, calls) = run(&ops).await;
    assert!(!calls.contains(&format!("delete {}", fs(1))), "{calls:?}");
    assert!(!calls.contains(&format!("create {}", fs(2))), "{calls:?}");
    assert!(calls.contains(&format!("create {}", fs(3))), "{calls:?}");
    let message = failure(&report);
    assert!(
        message.contains("orphaned") && message.contains(&fs(0x101).to_string()),
        "{message}"
    );
}

/// The same when the guard still saw the source side but the call was
/// answered ReplicationNotFound: the answer alone does not make it done.
#[tokio::test]
async fn issue9_a_delete_answered_not_found_is_confirmed_on_its_destination_side() {
    let plan = failback_plan();
    let ops = Scripted {
        not_found: vec![format!("delete {}", fs(1))],
        ..Scripted::observing(&plan)
    };
    let (report, calls) = run(&ops).await;
    assert!(calls.contains(&format!("delete {}", fs(1))), "{calls:?}");
    assert!(!calls.contains(&format!("create {}", fs(2))), "{calls:?}");
    assert!(failure(&report).contains("orphaned"));
}

/// A destination file system these credentials cannot read (another
/// account without an account block): its side cannot be confirmed gone.
#[tokio::test]
async fn issue9_a_gone_replication_whose_destination_cannot_be_read_is_not_confirmed() {
    let plan = failback_plan();
    let ops = Scripted {
        source_gone: true,
        unreadable: vec![fs(0x101)],
        ..Scripted::observing(&plan)
    };
    let (report, calls) = run(&ops).await;
    assert!(!calls.contains(&format!("create {}", fs(2))), "{calls:?}");
    let message = failure(&report);
    assert!(
        message.contains("cannot be confirmed") && message.contains("account block"),
        "{message}"
    );
}

/// Both sides gone (e.g. a concurrent apply deleted it): done, and the
/// create that waited for it runs.
#[tokio::test]
async fn a_replication_gone_on_both_sides_is_already_deleted() {
    for ops in [
        Scripted::default(),
        Scripted {
            not_found: vec![format!("delete {}", fs(1))],
            ..Scripted::default()
        },
    ] {
        let (report, calls) = run(&ops).await;
        assert!(calls.contains(&format!("create {}", fs(2))), "{calls:?}");
        let a = report.address("removed.fs-0000000a").unwrap();
        assert_eq!(a.outcome, Outcome::Done, "{a:#?}");
    }
}
