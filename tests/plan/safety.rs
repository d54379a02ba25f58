//! Regression tests for safety defects in planning, each through the real
//! aws-sdk-efs discovery path against the in-process emulator: what a plan
//! may delete or overwrite, and which view of a replication it trusts.

use aws_sdk_efs::types::DestinationToCreate;
use efs_replicator::plan::{Action, PlanError};

use crate::support::Env;

const E: &str = "us-east-1";
const W: &str = "us-west-2";
const EU: &str = "eu-west-1";

fn to_region(r: &str) -> DestinationToCreate {
    DestinationToCreate::builder().region(r).build()
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
