//! Issue 9, the apply half: no apply removes disaster-recovery replication
//! or overwrites data beyond what was declared, approved for this run, and
//! still true at the moment of the call. Scenarios through the binary and
//! the library against the emulator; what EFS saw is read from its request
//! log.

use efs_replicator::apply::Outcome;
use efs_replicator::model::Region;
use serde_json::json;

use super::failback::{failback_config, failing_back};
use super::*;

/// The overwrite protection of a file system, as EFS reports it.
async fn protection(emu: &Emulator, region: &str, id: &str) -> String {
    let reader = reader(emu).await;
    let out = reader
        .client(&Region::parse(region).unwrap())
        .describe_file_systems()
        .file_system_id(id)
        .send()
        .await
        .unwrap();
    out.file_systems()[0]
        .file_system_protection()
        .and_then(|p| p.replication_overwrite_protection())
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default()
}

/// Waits until `source` (in `region`) is in no replication.
async fn gone(emu: &Emulator, region: &str, source: &str) {
    let reader = reader(emu).await;
    let client = reader.client(&Region::parse(region).unwrap());
    for _ in 0..200 {
        let found = client
            .describe_replication_configurations()
            .file_system_id(source)
            .send()
            .await
            .map(|o| !o.replications().is_empty())
            .unwrap_or(false);
        if !found {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the replication of {source} never went away");
}

/// Item 2: EFS refuses the create of a failback for a reason the plan could
/// not see (an injected ConflictException; the unencrypted original that
/// used to get here is now refused at plan, see tests/plan/safety.rs) after
/// the replication A -> B was deleted and A's protection lifted: apply sets
/// A's protection back to ENABLED, and the summary names both file systems
/// as without DR and says what a re-run does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_failing_after_the_protection_was_lifted_restores_it_and_names_what_has_no_dr() {
    let (k, b) = failing_back(seeded(&[(1, "us-east-1")])).await;
    let a = fsid(1);
    let before = mutations(&k).await.len();
    fault(
        &k,
        json!({"operation": "CreateReplicationConfiguration", "error": "ConflictException",
               "status": 409, "count": 1, "region": "us-west-2",
               "message": format!("Source file system {b} is encrypted but destination file system {a} is not")}),
    )
    .await;

    let out = apply_bin(&k, &["--allow-overwrite", &a]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    // Delete, lift, (create refused), restore: in that order.
    let m = |op: &str| (op.to_owned(), "us-east-1".to_owned());
    assert_eq!(
        mutations(&k).await.split_off(before),
        vec![
            m("DeleteReplicationConfiguration"),
            m("UpdateFileSystemProtection"),
            m("UpdateFileSystemProtection"),
        ]
    );
    let log = requests(&k).await;
    let create = log
        .iter()
        .position(|r| r.0 == "CreateReplicationConfiguration" && r.1 == "us-west-2" && r.2 == 409)
        .expect("the create was refused");
    let restore = log
        .iter()
        .rposition(|r| r.0 == "UpdateFileSystemProtection")
        .unwrap();
    assert!(create < restore, "{log:?}");
    assert_eq!(protection(&k, "us-east-1", &a).await, "ENABLED");

    assert!(
        stdout.contains(&format!(
            "compensation: overwrite protection of {a} (us-east-1) set back to ENABLED"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("no DR: {b} (us-west-2)")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("no DR: {a} (us-east-1)")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "replication.back: a re-run creates {b} (us-west-2) -> {a} (us-east-1)"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("is encrypted but destination"), "{stdout}");
}

/// Item 3: after a failback B -> A, a second failover deletes B -> A and A
/// takes writes again. The configuration still declares B -> A with
/// `allow_overwrite = true`; an unattended `apply --auto-approve` must not
/// wipe A: it stops before any mutating call and says how to approve.
/// `prevent_destroy` on the block makes the overwrite a plan error; a `yes`
/// on a terminal approves it for one run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unattended_apply_never_overwrites_a_file_system_that_took_writes_again() {
    let (k, b) = failing_back(seeded(&[(1, "us-east-1")])).await;
    let a = fsid(1);
    let (_, report) = k.apply(&options()).await;
    assert!(report.succeeded(), "{report:#?}");
    // Second failover: B -> A is deleted, A is writable again.
    let reader = k.reader().await;
    reader
        .client(&Region::parse("us-west-2").unwrap())
        .delete_replication_configuration()
        .source_file_system_id(&b)
        .send()
        .await
        .unwrap();
    gone(&k, "us-west-2", &b).await;
    // EFS may keep the destination side (A still in the replication) for a
    // while after the source side is gone: the failover is over, and A
    // writable, only once that side is gone too.
    gone(&k, "us-east-1", &a).await;
    let before = mutations(&k).await.len();
    let dir = k.config_dir();

    let out = apply_bin(&k, &[]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(
            "OVERWRITES all data on the existing file system {a} (us-east-1)"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("1 to overwrite."), "{stdout}");
    assert!(stderr.contains("Nothing was changed"), "{stderr}");
    assert!(
        stderr.contains(&format!("--allow-overwrite {a}")),
        "{stderr}"
    );
    assert_eq!(mutations(&k).await.len(), before);

    // Naming another file system approves nothing; --json says so too.
    let out = apply_bin(&k, &["--json", "--allow-overwrite", &fsid(0x99)]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("\"type\":\"overwrite_not_approved\""),
        "{stdout}"
    );
    assert_eq!(mutations(&k).await.len(), before);

    // prevent_destroy on the owning block: a plan error.
    k.write_config(&failback_config(&b).replace(
        "replication \"back\" {\n",
        "replication \"back\" {\n  prevent_destroy = true\n",
    ));
    let out = apply_bin(&k, &["--allow-overwrite", &a]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains(&format!(
            "prevent_destroy is set but the plan would overwrite all data on the existing file system {a}"
        )),
        "{stdout}\n{stderr}"
    );
    assert_eq!(mutations(&k).await.len(), before);

    // A `yes` typed on a terminal to a plan that showed the overwrite
    // approves it.
    k.write_config(&failback_config(&b));
    let out = super::cli::run_on_tty(&k, &["apply", path_str(&dir)], "yes\n").await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(
            "These actions OVERWRITE all data on {a} (us-east-1); 'yes' approves that for this run."
        )),
        "{stdout}"
    );
    assert_eq!(
        mutations(&k).await.split_off(before),
        vec![
            (
                "UpdateFileSystemProtection".to_owned(),
                "us-east-1".to_owned()
            ),
            (
                "CreateReplicationConfiguration".to_owned(),
                "us-west-2".to_owned()
            ),
        ]
    );
}

/// Item 7: the replication a plan deletes is recreated to another
/// destination after the plan was made (another apply, a person). The
/// re-read right before the delete sees it: no delete is sent, the address
/// fails with "changed since plan", and the create that waited for the
/// delete is skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replication_recreated_since_the_plan_is_not_deleted() {
    let (k, _) = failing_back(seeded(&[(1, "us-east-1"), (3, "us-east-1")])).await;
    let a = fsid(1);
    let reader = k.reader().await;
    let p = make_plan(&k).await;
    // Meanwhile A -> B is deleted and A replicated elsewhere (a new file
    // system in eu-west-1).
    let east = reader.client(&Region::parse("us-east-1").unwrap());
    east.delete_replication_configuration()
        .source_file_system_id(&a)
        .send()
        .await
        .unwrap();
    gone(&k, "us-east-1", &a).await;
    kit::create_replication(&east, &a, "eu-west-1", None)
        .await
        .unwrap();
    let before = mutations(&k).await.len();

    let report = run_plan(&p, &reader, &options()).await;
    let removed = report.address(&format!("removed.{a}")).unwrap();
    assert_eq!(removed.outcome, Outcome::Failed, "{report:#?}");
    let e = removed.error.as_ref().unwrap();
    assert!(e.message.starts_with("changed since plan"), "{e:?}");
    assert!(e.message.contains("eu-west-1"), "{e:?}");
    assert_eq!(
        report.address("replication.back").unwrap().outcome,
        Outcome::Skipped
    );
    // Nothing was sent: the new replication is intact.
    assert_eq!(mutations(&k).await.len(), before);
    // The one delete EFS ever saw is the concurrent actor's.
    let deletes = requests(&k)
        .await
        .into_iter()
        .filter(|r| r.0 == "DeleteReplicationConfiguration")
        .count();
    assert_eq!(deletes, 1);
}

/// Item 7: the destination's protection changed after the plan (here a
/// concurrent actor disabled it): the protection step fails with "changed
/// since plan" without a call, and the create is not sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protection_changed_since_the_plan_is_not_touched() {
    let k = into_existing().start().await;
    let reader = k.reader().await;
    let p = make_plan(&k).await;
    kit::disable_protection(
        &reader.client(&Region::parse("us-west-2").unwrap()),
        &fsid(2),
    )
    .await;
    let before = mutations(&k).await.len();
    let report = run_plan(&p, &reader, &options()).await;
    let r = report.address("replication.r").unwrap();
    assert_eq!(r.outcome, Outcome::Failed, "{report:#?}");
    let e = r.error.as_ref().unwrap();
    assert_eq!(e.operation, "check before UpdateFileSystemProtection");
    assert!(
        e.message
            .contains("now has overwrite protection DISABLED (the plan expected ENABLED)"),
        "{e:?}"
    );
    assert_eq!(mutations(&k).await.len(), before);
}

/// Item 7: two applies of the same saved failback plan at once. The order
/// is fixed through the emulator rather than left to the scheduler: the
/// second starts once the first has made its create (read from the request
/// log), while the first is held waiting for ENABLED (the new replication
/// stalled through the admin API). The second then finds the observed state
/// changed since the plan and refuses the whole plan without a call; the
/// first finishes once the replication is resumed. One replication B -> A
/// is created, A ends as its destination, and neither run undoes the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_applies_of_one_saved_plan_do_not_undo_each_other() {
    let (k, b) = failing_back(seeded(&[(1, "us-east-1")])).await;
    let a = fsid(1);
    let saved = k.dir.path().join("plan.json");
    let out = run_bin(
        &k,
        &["plan", path_str(&k.config_dir()), "--out", path_str(&saved)],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let before = mutations(&k).await.len();

    let args = ["apply", "--plan", path_str(&saved)];
    let second = async {
        let created = |m: &Vec<(String, String)>| {
            m[before..]
                .iter()
                .any(|(op, _)| op == "CreateReplicationConfiguration")
        };
        let mut polls = 0;
        while !created(&mutations(&k).await) {
            polls += 1;
            assert!(polls < 600, "the first apply never created the replication");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        admin(
            &k,
            "POST",
            &format!("/_emulator/replications/{b}/stall"),
            None,
        )
        .await;
        let mark = mutations(&k).await.len();
        let out = run_bin(&k, &args).await;
        let calls = mutations(&k).await.len() - mark;
        admin(
            &k,
            "DELETE",
            &format!("/_emulator/replications/{b}/stall"),
            None,
        )
        .await;
        (out, calls)
    };
    let (one, (two, calls_of_two)) = tokio::join!(run_bin(&k, &args), second);
    let (stdout, stderr) = text(&one);
    assert_eq!(one.status.code(), Some(0), "{stdout}\n{stderr}");
    let (stdout, stderr) = text(&two);
    assert_eq!(two.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("stale"),
        "the second run says the plan is stale: {stdout}\n{stderr}"
    );
    assert_eq!(calls_of_two, 0, "the second run makes no call");
    // One replication B -> A was created, and A is its destination.
    let creates = mutations(&k)
        .await
        .split_off(before)
        .into_iter()
        .filter(|m| m.0 == "CreateReplicationConfiguration")
        .count();
    assert_eq!(creates, 1);
    assert_eq!(protection(&k, "us-east-1", &a).await, "REPLICATING");
    assert!(converged(&k).await);
}

/// A replace into another existing file system: A -> B is to become
/// A -> C. After the plan, C is taken by another replication (a person
/// lifts its protection and replicates fs 3 into it). The delete of A -> B
/// re-reads C first and is refused: A keeps its replication, and no
/// protection is touched. Before, the delete ran and only the protection
/// step after it saw C had changed, leaving A without DR.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue9_a_replace_keeps_the_old_replication_when_the_new_destination_changed() {
    // A (fs 1) -> a new B; the configuration moves it into C (fs 2).
    let k = into_existing()
        .file_system(&fsid(3), "us-east-1")
        .replication(&fsid(1), "us-east-1", "us-west-2")
        .start()
        .await;
    let (a, b, c) = (fsid(1), k.replicas[0].clone(), fsid(2));
    let reader = k.reader().await;
    let p = make_plan(&k).await;
    let r = p
        .changes
        .iter()
        .find(|c| c.address == "replication.r")
        .unwrap();
    assert_eq!(r.action, efs_replicator::plan::Action::Replace);

    kit::disable_protection(&reader.client(&Region::parse("us-west-2").unwrap()), &c).await;
    kit::create_replication(
        &reader.client(&Region::parse("us-east-1").unwrap()),
        &fsid(3),
        "us-west-2",
        Some(&c),
    )
    .await
    .unwrap();
    let before = mutations(&k).await.len();

    let report = run_plan(&p, &reader, &options()).await;
    let r = report.address("replication.r").unwrap();
    assert_eq!(r.outcome, Outcome::Failed, "{report:#?}");
    let e = r.error.as_ref().unwrap();
    assert_eq!(e.operation, "check before DeleteReplicationConfiguration");
    assert!(
        e.message.starts_with("changed since plan")
            && e.message.contains(&format!("{c} (us-west-2)"))
            && e.message
                .contains(&format!("now in the replication of {}", fsid(3))),
        "{e:?}"
    );
    assert!(report.no_dr.is_empty(), "{:?}", report.no_dr);
    // Nothing was sent, and A -> B is still there.
    assert_eq!(mutations(&k).await.len(), before);
    let still = reader
        .client(&Region::parse("us-east-1").unwrap())
        .describe_replication_configurations()
        .file_system_id(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(
        still.replications()[0].destinations()[0].file_system_id(),
        b
    );
}

/// A protection change whose answer is lost: EFS disables the protection
/// of the existing destination, but apply sees an error (the emulator's
/// `after` fault rule; a code the SDK does not retry, so that the test
/// needs no backoff). The re-read finds it DISABLED: the step fails (the
/// create is not attempted on an errored call) but counts as lifted, and
/// the compensation sets the protection back to ENABLED. Before, it was
/// taken as never lifted and stayed DISABLED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue9_a_lost_answer_to_a_protection_change_still_has_it_set_back() {
    let k = into_existing().start().await;
    fault(
        &k,
        json!({"operation": "UpdateFileSystemProtection", "error": "BadRequest", "status": 400,
               "after": true, "count": 1, "region": "us-west-2"}),
    )
    .await;
    let out = apply_bin(&k, &["--allow-overwrite", &fsid(2)]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let log = requests(&k).await;
    let updates: Vec<u64> = log
        .iter()
        .filter(|r| r.0 == "UpdateFileSystemProtection")
        .map(|r| r.2)
        .collect();
    // The lift (applied, answered 400), then the restore.
    assert_eq!(updates, vec![400, 200], "{log:?}");
    assert!(
        !log.iter().any(|r| r.0 == "CreateReplicationConfiguration"),
        "{log:?}"
    );
    assert_eq!(protection(&k, "us-west-2", &fsid(2)).await, "ENABLED");
    assert!(
        stdout.contains(&format!(
            "compensation: overwrite protection of {} (us-west-2) set back to ENABLED",
            fsid(2)
        )),
        "{stdout}"
    );
}
