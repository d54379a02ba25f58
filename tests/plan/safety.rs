//! Regression tests for safety defects in planning, each through the real
//! aws-sdk-efs discovery path against the in-process emulator: what a plan
//! may delete or overwrite, and which view of a replication it trusts. The
//! issue 9 scenarios also run the built binary (`plan`, `apply
//! --auto-approve`) and assert from the emulator's request log which calls
//! were and were not made.

use std::process::Output;

use aws_sdk_efs::types::{DeletionMode, DestinationToCreate};
use efs_replicator::plan::{Action, PlanError};

use crate::binary::text;
use crate::support::{Env, KEY_MAIN, KEY_OTHER, OTHER_ACCOUNT};

use crate::kit::MUTATING;

/// Runs the binary against the emulator with static credentials;
/// `AWS_REGION` is us-east-1 unless `env` says otherwise.
async fn binary(env: &Env, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let mut bin = env.bin(args);
    for (k, v) in extra_env {
        bin = bin.env(k, v);
    }
    bin.run().await
}

/// Whether an unfiltered listing of `region` shows a destination side there
/// of a replication of `source`. The emulator may list source sides only,
/// as real EFS may: then discovery finds such a side only by describing
/// file systems by id, and the tests require only that what the plan does
/// follows what it saw (a side that is listed must be seen).
async fn lists_destination_sides(env: &Env, region: &str, source: &str) -> bool {
    env.client(region)
        .describe_replication_configurations()
        .send()
        .await
        .unwrap()
        .replications()
        .iter()
        .any(|r| {
            r.source_file_system_id() == source
                && r.destinations().iter().any(|d| d.region() == region)
        })
}

/// The mutating calls in the request log, as (operation, Region); the
/// set-up's own calls included (compare the tail after a mark).
async fn mutating_calls(env: &Env) -> Vec<(String, String)> {
    env.calls()
        .await
        .into_iter()
        .filter(|(op, _)| MUTATING.contains(&op.as_str()))
        .collect()
}

const E: &str = "us-east-1";
const W: &str = "us-west-2";
const EU: &str = "eu-west-1";

fn to_region(r: &str) -> DestinationToCreate {
    DestinationToCreate::builder().region(r).build()
}

/// The failback of issue 9's "Why": A (us-east-1) is not encrypted and
/// replicates to B; failing back B -> A into A must fail at plan. It used to
/// plan "1 to create, 1 to delete", and apply deleted the working
/// replication and lifted A's protection before the create failed with
/// ConflictException, leaving no replication in either direction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue9_unencrypted_failback_fails_at_plan_and_apply_makes_no_call() {
    let mut env = Env::start().await;
    env.fs_unencrypted("a", E).await;
    env.replicate("a", E, to_region(W)).await;
    let cfg = r#"
replication "back" {
  source_file_system_id = "@a-replica"
  source_region         = "us-west-2"
  destination {
    region          = "us-east-1"
    file_system_id  = "@a"
    allow_overwrite = true
  }
}

removed {
  source_file_system_id = "@a"
  source_region         = "us-east-1"
}
"#;
    let (plan, _) = env.plan(cfg, &[]).await;
    let errs = plan.expect_err("the create would fail with ConflictException");
    assert!(
        errs.0.iter().any(|e| matches!(
            e,
            PlanError::DestinationUnencrypted { address, .. } if address == "replication.back"
        )),
        "{errs}"
    );

    let dir = env.write_config("failback", cfg);
    let dir = dir.to_str().unwrap();
    let mark = mutating_calls(&env).await.len();
    let out = binary(&env, &["plan", dir], &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let out = binary(&env, &["apply", dir, "--auto-approve"], &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = env.redact(&text(&out.stderr));
    assert!(
        stderr.contains("replication.back: source <fs:a-replica> is encrypted but the existing destination <fs:a> (us-east-1) is not"),
        "{stderr}"
    );
    assert_eq!(mutating_calls(&env).await[mark..], []);
    // The working replication is still there.
    let still = env
        .client(E)
        .describe_replication_configurations()
        .file_system_id(env.id("a"))
        .send()
        .await
        .unwrap();
    assert_eq!(still.replications().len(), 1);
}

/// Issue 9 item 1: `availability_zone_name` with `file_system_id` is refused
/// when the configuration loads, before any call to EFS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue9_az_with_existing_destination_is_refused_before_any_call() {
    let mut env = Env::start().await;
    env.fs("a", E).await;
    env.fs("b", W).await;
    let before = env.calls().await.len();
    let dir = env.write_config(
        "az",
        r#"
replication "a" {
  source_file_system_id = "@a"
  source_region         = "us-east-1"
  destination {
    availability_zone_name = "us-west-2a"
    file_system_id         = "@b"
    allow_overwrite        = true
  }
}
"#,
    );
    let out = binary(
        &env,
        &["apply", dir.to_str().unwrap(), "--auto-approve"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("main.hcl:6:30: error: destination.availability_zone_name applies only to a destination the replication creates"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(env.calls().await.len(), before, "no call at all");
}

/// Issue 9 item 4: an orphaned destination side (its source side deleted
/// with LOCAL_CONFIGURATION_ONLY) is removed in its own Region before the
/// source replicates there again; apply converges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue9_an_orphan_is_removed_before_its_source_replicates_into_that_region() {
    let mut env = Env::start().await;
    env.fs("a", W).await;
    env.replicate("a", W, to_region(EU)).await;
    env.client(W)
        .delete_replication_configuration()
        .source_file_system_id(env.id("a"))
        .deletion_mode(DeletionMode::LocalConfigurationOnly)
        .send()
        .await
        .expect("source-side deletion");
    let cfg = r#"
replication "a" {
  source_file_system_id = "@a"
  source_region         = "us-west-2"
  destination {
    region = "eu-west-1"
  }
}
"#;
    // Seen under either listing scope: listed in its Region, or found by
    // describing the file system the declared replication would use.
    let (plan, _) = env.plan(cfg, &[]).await;
    let p = plan.unwrap();
    let orphan = format!("orphan.{}", env.id("a-replica"));
    assert!(
        p.changes.iter().any(|c| c.address == orphan),
        "{:#?}",
        p.changes
    );

    let dir = env.write_config("orphan", cfg);
    let mark = mutating_calls(&env).await.len();
    let out = binary(
        &env,
        &["apply", dir.to_str().unwrap(), "--auto-approve"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        mutating_calls(&env).await[mark..],
        [
            ("DeleteReplicationConfiguration".to_owned(), EU.to_owned()),
            ("CreateReplicationConfiguration".to_owned(), W.to_owned()),
        ]
    );
    let (again, _) = env.plan(cfg, &[]).await;
    assert!(!again.unwrap().has_changes());
}

/// Issue 9 item 4: where a live replication of the same source has its
/// destination side in the orphan's Region, DeleteReplicationConfiguration
/// (which names the source only) could remove the live side: the orphan is
/// reported with the manual command and never deleted. With prevent_destroy
/// on the declared source, the plan refuses to remove an orphan at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue9_an_orphan_beside_a_live_replication_is_reported_not_deleted() {
    let mut env = Env::start().await;
    env.fs("a", W).await;
    env.replicate("a", W, to_region(EU)).await;
    env.client(W)
        .delete_replication_configuration()
        .source_file_system_id(env.id("a"))
        .deletion_mode(DeletionMode::LocalConfigurationOnly)
        .send()
        .await
        .expect("source-side deletion");
    // The source replicates into the same Region again.
    let live = env
        .client(W)
        .create_replication_configuration()
        .source_file_system_id(env.id("a"))
        .destinations(to_region(EU))
        .send()
        .await
        .unwrap();
    assert_ne!(live.destinations()[0].file_system_id(), env.id("a-replica"));
    let cfg = r#"
replication "a" {
  source_file_system_id = "@a"
  source_region         = "us-west-2"
  destination {
    region = "eu-west-1"
  }
}
"#;
    let listed = lists_destination_sides(&env, EU, &env.id("a")).await;
    let (plan, _) = env.plan(cfg, &[]).await;
    let visible = plan
        .unwrap()
        .unmanaged
        .iter()
        .any(|u| u.destination_file_system_id.as_str() == env.id("a-replica"));
    // Seen exactly where the destination Region lists it (listing scope
    // `both`); with `source`, nothing leads discovery to it.
    assert_eq!(visible, listed);
    let dir = env.write_config("live", cfg);
    let dir = dir.to_str().unwrap();
    let mark = mutating_calls(&env).await.len();
    let out = binary(&env, &["plan", dir], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = env.redact(&text(&out.stdout));
    assert!(stdout.contains("No changes."), "{stdout}");
    assert_eq!(
        visible,
        stdout.contains(&format!(
            "aws efs delete-replication-configuration --source-file-system-id {} --deletion-mode LOCAL_CONFIGURATION_ONLY --region eu-west-1",
            env.redact(&env.id("a"))
        )),
        "{stdout}"
    );
    let out = binary(&env, &["apply", dir, "--auto-approve"], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(mutating_calls(&env).await[mark..], [], "no call at all");

    // prevent_destroy on the source: an orphan without a live neighbour is
    // refused, not deleted.
    env.fs("p", W).await;
    env.replicate("p", W, to_region(EU)).await;
    env.client(W)
        .delete_replication_configuration()
        .source_file_system_id(env.id("p"))
        .deletion_mode(DeletionMode::LocalConfigurationOnly)
        .send()
        .await
        .unwrap();
    let guarded = r#"
replication "p" {
  source_file_system_id = "@p"
  source_region         = "us-west-2"
  prevent_destroy       = true
  destination {
    region = "eu-west-1"
  }
}
"#;
    let dir = env.write_config("guarded", guarded);
    let before = mutating_calls(&env).await.len();
    let out = binary(
        &env,
        &["apply", dir.to_str().unwrap(), "--auto-approve"],
        &[],
    )
    .await;
    let calls = mutating_calls(&env).await[before..].to_vec();
    let (plan, _) = env.plan(guarded, &[]).await;
    // Seen under either listing scope (listed, or found by describing the
    // declared replication's would-be destination), so refused.
    assert!(plan.is_err(), "{plan:#?}");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("prevent_destroy is set on replication.p"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(calls, []);
}

/// Issue 9 item 5: the Region taken from AWS_REGION is read, but prune does
/// not reach it: only Regions written in the file count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue9_prune_never_reaches_the_default_region() {
    let mut env = Env::start().await;
    env.fs("stray", E).await;
    env.replicate("stray", E, to_region(W)).await;
    env.fs("e", E).await;
    let cfg = r#"
settings {
  prune = true
}

replication "e" {
  source_file_system_id = "@e"
  destination {
    region = "us-west-2"
  }
}
"#;
    let dir = env.write_config("prune", cfg);
    let mark = mutating_calls(&env).await.len();
    let out = binary(
        &env,
        &["apply", dir.to_str().unwrap(), "--auto-approve"],
        &[("AWS_REGION", E)],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let calls = mutating_calls(&env).await[mark..].to_vec();
    assert!(
        calls
            .iter()
            .all(|(op, _)| op != "DeleteReplicationConfiguration"),
        "{calls:?}"
    );
    assert!(calls.contains(&("CreateReplicationConfiguration".to_owned(), E.to_owned())));
    // Planned again: the stray replication is listed, left alone.
    let out = binary(&env, &["plan", dir.to_str().unwrap()], &[("AWS_REGION", E)]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Unmanaged replications (1)"),
        "{}",
        text(&out.stdout)
    );
}

/// Issue 9 item 5: a replication from another account's file system into
/// ours is inbound: listed, never pruned, and a removed block naming it, or
/// pinning another destination, is an error rather than a delete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue9_inbound_replications_and_pinned_removed_blocks_are_never_deleted() {
    let mut env = Env::start().await;
    env.fs_with("theirs", E, KEY_OTHER, None).await;
    env.fs("ours", W).await;
    env.protection("ours", W, KEY_MAIN, "DISABLED").await;
    env.client_as(E, KEY_OTHER)
        .create_replication_configuration()
        .source_file_system_id(env.id("theirs"))
        .destinations(
            DestinationToCreate::builder()
                .region(W)
                .file_system_id(format!(
                    "arn:aws:elasticfilesystem:us-west-2:{}:file-system/{}",
                    crate::support::MAIN_ACCOUNT,
                    env.id("ours")
                ))
                .role_arn(format!("arn:aws:iam::{OTHER_ACCOUNT}:role/efs-replication"))
                .build(),
        )
        .send()
        .await
        .expect("inbound replication");
    env.fs("mine", E).await;
    env.replicate("mine", E, to_region(W)).await;
    let cfg = r#"
settings {
  region = "us-east-1"
  prune  = true
}

replication "other" {
  source_file_system_id = "@ours2"
  source_region         = "us-west-2"
  destination {
    region = "eu-west-1"
  }
}
"#;
    env.fs("ours2", W).await;
    let (plan, _) = env.plan(cfg, &[]).await;
    let p = plan.unwrap();
    let deleted: Vec<&str> = p
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.address.as_str())
        .collect();
    assert_eq!(
        deleted,
        [format!("unmanaged.{}", env.id("mine"))],
        "{}",
        env.human(&Ok(p.clone()))
    );
    // Seen where the destination Region lists incoming replications (or
    // found by describing the file system); either way never deleted.
    let listed = lists_destination_sides(&env, W, &env.id("theirs")).await;
    let inbound = p
        .unmanaged
        .iter()
        .find(|u| u.source_file_system_id.as_str() == env.id("theirs"));
    // Seen exactly where the destination Region lists incoming replications.
    let visible = inbound.is_some();
    assert_eq!(visible, listed, "{:#?}", p.unmanaged);
    if let Some(inbound) = inbound {
        assert!(
            inbound.note.as_deref().unwrap().starts_with("inbound"),
            "{inbound:?}"
        );
    }

    let removed = format!(
        "removed {{\n  source_file_system_id = \"{}\"\n  source_region = \"us-east-1\"\n}}\n",
        env.id("theirs")
    );
    let (plan, _) = env.plan(&format!("{cfg}{removed}"), &[]).await;
    if visible {
        assert!(plan.unwrap_err().to_string().contains("inbound"));
    } else {
        let p = plan.unwrap();
        assert!(p
            .changes
            .iter()
            .all(|c| c.address != format!("removed.{}", env.id("theirs"))));
    }

    let pinned = r#"
removed {
  source_file_system_id      = "@mine"
  source_region              = "us-east-1"
  destination_file_system_id = "@ours2"
}
"#;
    let dir = env.write_config("pinned", pinned);
    let before = mutating_calls(&env).await.len();
    let out = binary(
        &env,
        &["apply", dir.to_str().unwrap(), "--auto-approve"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        env.redact(&text(&out.stderr)).contains("destination_file_system_id is <fs:ours2>, but the replication of <fs:mine> (us-east-1) goes to <fs:mine-replica> (us-west-2)"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(mutating_calls(&env).await.len(), before);
}

/// Issue 9 items 8 and 10: an environment variable cannot switch
/// prevent_destroy off, and a non-ASCII Availability Zone is an error; in
/// both cases apply stops before any call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue9_lifecycle_literals_and_odd_zone_names_stop_before_any_call() {
    let mut env = Env::start().await;
    env.fs("a", E).await;
    let before = env.calls().await.len();
    let variable = env.write_config(
        "var",
        r#"
variable "keep" {
  default = true
}

replication "a" {
  source_file_system_id = "@a"
  source_region         = "us-east-1"
  prevent_destroy       = var.keep
  destination {
    region = "us-west-2"
  }
}
"#,
    );
    let out = binary(
        &env,
        &["apply", variable.to_str().unwrap(), "--auto-approve"],
        &[("EFS_REPLICATOR_VAR_keep", "false")],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr)
            .contains("main.hcl:9:27: error: prevent_destroy must be a literal true or false"),
        "{}",
        text(&out.stderr)
    );

    let zone = env.write_config(
        "zone",
        "replication \"a\" {\n  source_file_system_id = \"@a\"\n  source_region = \"us-east-1\"\n  destination {\n    availability_zone_name = \"us-west-2\u{e9}\"\n  }\n}\n",
    );
    let out = binary(
        &env,
        &["apply", zone.to_str().unwrap(), "--auto-approve"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("is not a known Availability Zone"),
        "{stderr}"
    );
    assert_eq!(env.calls().await.len(), before, "no call at all");
}

/// Defect: `prune = true` deleted a replication whose source Region
/// (us-east-1) the configuration never names, because its destination side
/// showed up in us-west-2, a Region the configuration does name.
#[tokio::test]
async fn prune_leaves_replications_whose_source_region_is_not_named() {
    let mut env = Env::start().await;
    env.fs("a", E).await;
    env.replicate("a", E, to_region(W)).await;
    env.fs("e", EU).await;
    let cfg = r#"
settings {
  region = "eu-west-1"
  prune  = true
}
replication "e" {
  source_file_system_id = "@e"
  destination {
    region = "us-west-2"
  }
}
"#;
    let (plan, _) = env.plan(cfg, &[]).await;
    let p = plan.as_ref().unwrap();
    assert_eq!(p.summary().delete, 0, "{}", env.human(&plan));
    assert_eq!(p.unmanaged.len(), 1);
    assert_eq!(p.unmanaged[0].source_file_system_id.as_str(), env.id("a"));
    assert!(p
        .changes
        .iter()
        .all(|c| c.action != Action::Delete && c.address != format!("unmanaged.{}", env.id("a"))));
}

/// Defect (critical): after a failover (the replication deleted from the
/// destination Region with LOCAL_CONFIGURATION_ONLY, so the destination is
/// writable and the source side reports ERROR), the plan replaced into the
/// former replica, disabling its protection, without `allow_overwrite`.
#[tokio::test]
async fn replacing_into_a_failed_over_replica_needs_allow_overwrite() {
    let mut env = Env::start().await;
    env.fs("a", E).await;
    env.replicate("a", E, to_region(W)).await;
    env.client(W)
        .delete_replication_configuration()
        .source_file_system_id(env.id("a"))
        .deletion_mode(aws_sdk_efs::types::DeletionMode::LocalConfigurationOnly)
        .send()
        .await
        .expect("failover from the destination Region");
    let cfg = r#"
replication "a" {
  source_file_system_id = "@a"
  source_region         = "us-east-1"
  destination {
    region         = "us-west-2"
    file_system_id = "@a-replica"
  }
}
"#;
    let (plan, _) = env.plan(cfg, &[]).await;
    let errs = plan.expect_err("overwriting the failed-over replica needs consent");
    assert!(
        errs.0
            .iter()
            .any(|e| matches!(e, PlanError::DestinationProtected { .. })),
        "{errs}"
    );
    assert!(errs.to_string().contains("allow_overwrite = true"));

    // With consent, the replace goes ahead.
    let (plan, _) = env
        .plan(
            &cfg.replace(
                "file_system_id = \"@a-replica\"",
                "file_system_id = \"@a-replica\"\n    allow_overwrite = true",
            ),
            &[],
        )
        .await;
    assert_eq!(plan.unwrap().changes[0].action, Action::Replace);
}
