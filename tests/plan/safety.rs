//! Regression tests for safety defects in planning, each through the real
//! aws-sdk-efs discovery path against the in-process emulator: what a plan
//! may delete or overwrite, and which view of a replication it trusts.

use aws_sdk_efs::types::DestinationToCreate;
use efs_replicator::plan::Action;

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
