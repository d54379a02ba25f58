//! Golden plans: each scenario sets up state in the emulator through
//! aws-sdk-efs, plans a configuration through the real discovery path, and
//! compares the rendered plan (human, and JSON for some) with a reviewed
//! snapshot in tests/plan/snapshots. Scenarios: create, no-op, each kind of
//! replace, removed, prune, unmanaged, failback, preflight failures,
//! alias-vs-ARN keys, cross-account, One Zone, --target.

use aws_sdk_efs::types::DestinationToCreate;
use efs_replicator::plan::{simulate_apply, Action, PlanOptions};

use crate::support::{Env, KEY_OTHER, OTHER_ACCOUNT};

const E: &str = "us-east-1";
const W: &str = "us-west-2";

fn to_region(r: &str) -> DestinationToCreate {
    DestinationToCreate::builder().region(r).build()
}

const HOME_TO_WEST: &str = r#"
replication "home" {
  source_file_system_id = "@home"
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
"#;

/// One source in us-east-1 replicated to a new file system in us-west-2.
async fn replicated_home() -> Env {
    let mut env = Env::start().await;
    env.fs("home", E).await;
    env.replicate("home", E, to_region(W)).await;
    env
}

#[tokio::test]
async fn create() {
    let mut env = Env::start().await;
    env.fs("home", E).await;
    let (plan, _) = env.plan(HOME_TO_WEST, &[]).await;
    let plan_ok = plan.as_ref().unwrap();
    assert_eq!(plan_ok.summary().create, 1);
    insta::assert_snapshot!("create_human", env.human(&plan));
    insta::assert_snapshot!("create_json", env.json(plan_ok));
}

#[tokio::test]
async fn no_op_reads_each_region_once() {
    let env = replicated_home().await;
    let before = env.admin_get("/_emulator/stats").await;
    let (plan, _) = env.plan(HOME_TO_WEST, &[]).await;
    let after = env.admin_get("/_emulator/stats").await;
    assert!(!plan.as_ref().unwrap().has_changes());
    insta::assert_snapshot!("no_op_human", env.human(&plan));
    let count = |v: &serde_json::Value, op: &str| v["by_operation"][op].as_u64().unwrap_or(0);
    // One listing per Region in scope (us-east-1, us-west-2); no call per replication.
    assert_eq!(
        count(&after, "DescribeReplicationConfigurations")
            - count(&before, "DescribeReplicationConfigurations"),
        2
    );
    let mutating: u64 = [
        "CreateReplicationConfiguration",
        "DeleteReplicationConfiguration",
        "UpdateFileSystemProtection",
        "CreateFileSystem",
    ]
    .iter()
    .map(|op| count(&after, op) - count(&before, op))
    .sum();
    assert_eq!(mutating, 0, "plan must not change anything");
}

#[tokio::test]
async fn replace_on_destination_region() {
    let env = replicated_home().await;
    let (plan, _) = env
        .plan(
            &HOME_TO_WEST.replace("region = \"us-west-2\"", "region = \"eu-west-1\""),
            &[],
        )
        .await;
    assert_eq!(plan.as_ref().unwrap().changes[0].action, Action::Replace);
    insta::assert_snapshot!("replace_region_human", env.human(&plan));
    insta::assert_snapshot!("replace_region_json", env.json(plan.as_ref().unwrap()));
}

#[tokio::test]
async fn replace_on_availability_zone() {
    let env = replicated_home().await;
    let cfg = HOME_TO_WEST.replace(
        "region = \"us-west-2\"",
        "availability_zone_name = \"us-west-2b\"",
    );
    let (plan, _) = env.plan(&cfg, &[]).await;
    assert_eq!(plan.as_ref().unwrap().changes[0].action, Action::Replace);
    insta::assert_snapshot!("replace_availability_zone_human", env.human(&plan));
}

#[tokio::test]
async fn replace_on_kms_key() {
    let mut env = Env::start().await;
    env.fs("home", E).await;
    env.replicate(
        "home",
        E,
        DestinationToCreate::builder()
            .region(W)
            .kms_key_id("11111111-1111-4111-8111-111111111111")
            .build(),
    )
    .await;
    let same = HOME_TO_WEST.replace(
        "region = \"us-west-2\"",
        "region = \"us-west-2\"\n    kms_key_id = \"11111111-1111-4111-8111-111111111111\"",
    );
    let (plan, _) = env.plan(&same, &[]).await;
    assert!(
        !plan.unwrap().has_changes(),
        "the same key by id is no change"
    );
    let other = same.replace(
        "11111111-1111-4111-8111-111111111111",
        "22222222-2222-4222-8222-222222222222",
    );
    let (plan, _) = env.plan(&other, &[]).await;
    assert_eq!(plan.as_ref().unwrap().changes[0].action, Action::Replace);
    insta::assert_snapshot!("replace_kms_key_human", env.human(&plan));
}

#[tokio::test]
async fn replace_on_destination_file_system() {
    let mut env = replicated_home().await;
    env.fs("spare", W).await;
    env.protection("spare", W, crate::support::KEY_MAIN, "DISABLED")
        .await;
    let cfg = HOME_TO_WEST.replace(
        "region = \"us-west-2\"",
        "region = \"us-west-2\"\n    file_system_id = \"@spare\"",
    );
    let (plan, _) = env.plan(&cfg, &[]).await;
    assert_eq!(plan.as_ref().unwrap().changes[0].action, Action::Replace);
    insta::assert_snapshot!("replace_file_system_human", env.human(&plan));
}

#[tokio::test]
async fn replace_on_role() {
    let env = replicated_home().await;
    let cfg = HOME_TO_WEST.replace(
        "region = \"us-west-2\"",
        "region = \"us-west-2\"\n    role_arn = \"arn:aws:iam::123456789012:role/efs-replication\"",
    );
    let (plan, _) = env.plan(&cfg, &[]).await;
    assert_eq!(plan.as_ref().unwrap().changes[0].action, Action::Replace);
    insta::assert_snapshot!("replace_role_human", env.human(&plan));
}

#[tokio::test]
async fn removed_block_deletes() {
    let env = replicated_home().await;
    let cfg = r#"
removed {
  source_file_system_id = "@home"
  source_region         = "us-east-1"
}
"#;
    let (plan, _) = env.plan(cfg, &[]).await;
    assert_eq!(plan.as_ref().unwrap().summary().delete, 1);
    insta::assert_snapshot!("removed_human", env.human(&plan));
}

async fn with_stray() -> Env {
    let mut env = replicated_home().await;
    env.fs("stray", E).await;
    env.replicate("stray", E, to_region(W)).await;
    env
}

#[tokio::test]
async fn unmanaged_replications_are_listed_and_left_alone() {
    let env = with_stray().await;
    let (plan, _) = env.plan(HOME_TO_WEST, &[]).await;
    let p = plan.as_ref().unwrap();
    assert!(!p.has_changes());
    assert_eq!(p.unmanaged.len(), 1);
    insta::assert_snapshot!("unmanaged_human", env.human(&plan));
    insta::assert_snapshot!("unmanaged_json", env.json(p));
}

#[tokio::test]
async fn prune_deletes_unmanaged_replications() {
    let env = with_stray().await;
    let cfg = format!("settings {{\n  prune = true\n}}\n{HOME_TO_WEST}");
    let (plan, _) = env.plan(&cfg, &[]).await;
    let p = plan.as_ref().unwrap();
    assert_eq!(p.summary().delete, 1);
    assert!(p.unmanaged.is_empty());
    insta::assert_snapshot!("prune_human", env.human(&plan));
}

const FAILBACK: &str = r#"
replication "back" {
  source_file_system_id = "@b"
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

/// a (us-east-1) replicates to the existing file system b (us-west-2).
async fn a_to_b() -> Env {
    let mut env = Env::start().await;
    env.fs("a", E).await;
    env.fs("b", W).await;
    env.protection("b", W, crate::support::KEY_MAIN, "DISABLED")
        .await;
    env.replicate(
        "a",
        E,
        DestinationToCreate::builder()
            .region(W)
            .file_system_id(env.id("b"))
            .build(),
    )
    .await;
    env
}

#[tokio::test]
async fn failback() {
    let env = a_to_b().await;
    let (plan, actual) = env.plan(FAILBACK, &[]).await;
    let p = plan.as_ref().unwrap();
    let kinds: Vec<&str> = p.steps.iter().map(|s| s.kind.name()).collect();
    assert_eq!(
        kinds,
        [
            "delete",
            "wait-deleted",
            "update-protection",
            "create",
            "restore-protection",
            "wait-enabled"
        ]
    );
    insta::assert_snapshot!("failback_human", env.human(&plan));
    insta::assert_snapshot!("failback_json", env.json(p));
    // Applying it (simulated) reaches the declared state.
    let after = simulate_apply(&actual, p).unwrap();
    let desired = env.load(FAILBACK);
    let again = efs_replicator::plan::plan(&desired, &after, &PlanOptions::default()).unwrap();
    assert!(!again.has_changes());
}

#[tokio::test]
async fn failback_without_removed_block_is_an_error_saying_what_to_add() {
    let env = a_to_b().await;
    let cfg = FAILBACK.split("removed {").next().unwrap();
    let (plan, _) = env.plan(cfg, &[]).await;
    assert!(plan.is_err());
    insta::assert_snapshot!("failback_conflict_errors", env.human(&plan));
}

#[tokio::test]
async fn preflight_failures_are_reported_together() {
    let mut env = replicated_home().await;
    env.fs("locked", W).await; // protection ENABLED
    env.fs("src2", E).await;
    env.fs("src3", E).await;
    env.fs_with("partner", W, KEY_OTHER, None).await;
    let cfg = format!(
        r#"
replication "home" {{
  source_file_system_id = "@home"
  source_region         = "us-east-1"
  prevent_destroy       = true
  destination {{
    region = "eu-west-1"
  }}
}}

replication "ghost" {{
  source_file_system_id = "fs-00000000deadbeef"
  source_region         = "us-east-1"
  destination {{
    region = "us-west-2"
  }}
}}

replication "locked" {{
  source_file_system_id = "@src2"
  source_region         = "us-east-1"
  destination {{
    region         = "us-west-2"
    file_system_id = "@locked"
  }}
}}

replication "partner" {{
  source_file_system_id = "@src3"
  source_region         = "us-east-1"
  destination {{
    region         = "us-west-2"
    file_system_id = "arn:aws:elasticfilesystem:us-west-2:{OTHER_ACCOUNT}:file-system/@partner"
  }}
}}
"#
    );
    let (plan, _) = env.plan(&cfg, &[]).await;
    let errs = plan.as_ref().unwrap_err();
    let mut codes: Vec<&str> = errs.0.iter().map(|e| e.code()).collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            "destination_protected",
            "missing_role",
            "prevent_destroy",
            "source_not_found"
        ]
    );
    insta::assert_snapshot!("preflight_errors", env.human(&plan));
}

#[tokio::test]
async fn kms_alias_against_key_arn_is_not_a_false_diff() {
    let mut env = Env::start().await;
    env.fs("home", E).await;
    env.replicate(
        "home",
        E,
        DestinationToCreate::builder()
            .region(W)
            .kms_key_id(
                "arn:aws:kms:us-west-2:123456789012:key/11111111-1111-4111-8111-111111111111",
            )
            .build(),
    )
    .await;
    let cfg = HOME_TO_WEST.replace(
        "region = \"us-west-2\"",
        "region = \"us-west-2\"\n    kms_key_id = \"alias/disaster-recovery\"",
    );
    let (plan, _) = env.plan(&cfg, &[]).await;
    let p = plan.as_ref().unwrap();
    assert!(!p.has_changes());
    assert!(p.changes[0].notes[0].contains("could not be verified"));
    insta::assert_snapshot!("kms_alias_human", env.human(&plan));
}

#[tokio::test]
async fn cross_account() {
    let mut env = Env::start().await;
    env.fs("home", E).await;
    env.fs_with("partner", W, KEY_OTHER, None).await;
    env.protection("partner", W, KEY_OTHER, "DISABLED").await;
    let cfg = format!(
        r#"
replication "partner" {{
  source_file_system_id = "@home"
  source_region         = "us-east-1"
  destination {{
    region         = "us-west-2"
    file_system_id = "arn:aws:elasticfilesystem:us-west-2:{OTHER_ACCOUNT}:file-system/@partner"
    role_arn       = "arn:aws:iam::123456789012:role/efs-replication"
  }}
}}
"#
    );
    let (plan, _) = env.plan(&cfg, &[]).await;
    assert_eq!(plan.as_ref().unwrap().summary().create, 1);
    insta::assert_snapshot!("cross_account_human", env.human(&plan));

    // Once it exists, it is in sync.
    let partner_arn = format!(
        "arn:aws:elasticfilesystem:us-west-2:{OTHER_ACCOUNT}:file-system/{}",
        env.id("partner")
    );
    env.replicate(
        "home",
        E,
        DestinationToCreate::builder()
            .region(W)
            .file_system_id(partner_arn)
            .role_arn("arn:aws:iam::123456789012:role/efs-replication")
            .build(),
    )
    .await;
    let (plan, _) = env.plan(&cfg, &[]).await;
    assert!(!plan.unwrap().has_changes());
}

#[tokio::test]
async fn one_zone() {
    let mut env = Env::start().await;
    env.fs("home", E).await;
    env.fs("reports", E).await;
    env.replicate(
        "reports",
        E,
        DestinationToCreate::builder()
            .availability_zone_name("us-west-2b")
            .build(),
    )
    .await;
    let cfg = r#"
replication "home" {
  source_file_system_id = "@home"
  source_region         = "us-east-1"
  destination {
    availability_zone_name = "us-west-2a"
  }
}

replication "reports" {
  source_file_system_id = "@reports"
  source_region         = "us-east-1"
  destination {
    availability_zone_name = "us-west-2b"
  }
}
"#;
    let (plan, _) = env.plan(cfg, &[]).await;
    let p = plan.as_ref().unwrap();
    assert_eq!(p.summary().create, 1);
    assert_eq!(p.summary().no_op, 1);
    insta::assert_snapshot!("one_zone_human", env.human(&plan));
}

#[tokio::test]
async fn target_restricts_the_plan() {
    let mut env = a_to_b().await;
    env.fs("extra", E).await;
    let cfg = format!(
        "{FAILBACK}\nreplication \"extra\" {{\n  source_file_system_id = \"@extra\"\n  source_region = \"us-east-1\"\n  destination {{\n    region = \"us-west-2\"\n  }}\n}}\n"
    );
    let (plan, _) = env.plan(&cfg, &["replication.extra"]).await;
    assert_eq!(plan.as_ref().unwrap().changes.len(), 1);
    insta::assert_snapshot!("target_extra_human", env.human(&plan));
    // Targeting the failback pulls in the deletion it waits for.
    let (plan, _) = env.plan(&cfg, &["replication.back"]).await;
    let addrs: Vec<String> = plan
        .unwrap()
        .changes
        .iter()
        .map(|c| env.redact(c.address.as_str()))
        .collect();
    assert_eq!(addrs, ["removed.<fs:a>", "replication.back"]);
}

#[tokio::test]
async fn source_still_creating_is_a_preflight_error() {
    let mut env = Env::start_config(efs_emulator::Config {
        create_delay: std::time::Duration::from_secs(3600),
        ..crate::support::emulator_config(None)
    })
    .await;
    env.fs("home", E).await;
    let (plan, _) = env.plan(HOME_TO_WEST, &[]).await;
    let errs = plan.as_ref().unwrap_err();
    assert_eq!(errs.0.len(), 1);
    assert_eq!(errs.0[0].code(), "source_not_available");
    insta::assert_snapshot!("source_not_available_errors", env.human(&plan));
}

#[tokio::test]
async fn saved_plan_fingerprint_detects_a_changed_state() {
    let mut env = Env::start().await;
    env.fs("a", E).await;
    env.fs("b", W).await;
    let cfg = r#"
replication "ab" {
  source_file_system_id = "@a"
  source_region         = "us-east-1"
  destination {
    region          = "us-west-2"
    file_system_id  = "@b"
    allow_overwrite = true
  }
}
"#;
    let (plan, _) = env.plan(cfg, &[]).await;
    let saved = plan.unwrap();
    let reread = |env: &Env| {
        let desired = env.load(cfg);
        let base = env.base.clone();
        async move {
            let reader = efs_replicator::discover::EfsReader::connect(
                &efs_replicator::discover::ConnectOptions {
                    profile: None,
                    endpoint_url: Some(base),
                    static_credentials: Some((crate::support::KEY_MAIN.into(), "s".into())),
                },
            )
            .await;
            efs_replicator::discover::discover(&reader, &desired, &[])
                .await
                .unwrap()
        }
    };
    // Nothing changed: the same fingerprint, recomputed from the saved scope.
    let actual = reread(&env).await;
    assert_eq!(
        efs_replicator::plan::fingerprint(&actual, &saved.scope),
        saved.fingerprint
    );
    // Someone disables the protection the plan was going to disable: stale.
    env.protection("b", W, crate::support::KEY_MAIN, "DISABLED")
        .await;
    let actual = reread(&env).await;
    assert_ne!(
        efs_replicator::plan::fingerprint(&actual, &saved.scope),
        saved.fingerprint
    );
    // An unrelated file system appearing does not make it stale.
    env.protection("b", W, crate::support::KEY_MAIN, "ENABLED")
        .await;
    env.fs("unrelated", W).await;
    let actual = reread(&env).await;
    assert_eq!(
        efs_replicator::plan::fingerprint(&actual, &saved.scope),
        saved.fingerprint
    );
}

#[tokio::test]
async fn extra_regions_are_scanned_for_unmanaged_replications() {
    let mut env = replicated_home().await;
    env.fs("elsewhere", "eu-west-1").await;
    env.replicate("elsewhere", "eu-west-1", to_region("eu-central-1"))
        .await;
    let (plan, actual) = env.plan(HOME_TO_WEST, &[]).await;
    assert!(plan.unwrap().unmanaged.is_empty());
    assert_eq!(actual.regions.len(), 2);
    let (plan, _) = env.plan_scanning(HOME_TO_WEST, &[], &["eu-west-1"]).await;
    assert_eq!(plan.as_ref().unwrap().unmanaged.len(), 1);
    insta::assert_snapshot!("extra_region_unmanaged_human", env.human(&plan));
}
