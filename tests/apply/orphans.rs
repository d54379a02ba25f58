//! Orphaned destination sides: a replication deleted in its source Region
//! with LOCAL_CONFIGURATION_ONLY leaves its destination side listed in the
//! destination Region. Apply must never take that side for the live
//! replication, must remove it where it lives, and must converge.

use super::*;

/// Defect: the destination-Region view (eu-west-1, read first) of an
/// orphan stood in for the live replication of its source (us-west-2):
/// the second apply replaced the orphan's view by deleting the healthy new
/// replication, which the plan never showed, and apply never converged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_orphaned_destination_side_is_removed_in_its_region_and_apply_converges() {
    let k = kit::Kit::with_config(config())
        .file_system(&fsid(1), "us-west-2")
        .replication(&fsid(1), "us-west-2", "eu-west-1")
        .start()
        .await;
    let old_replica = k.replicas[0].clone();
    k.client("us-west-2")
        .delete_replication_configuration()
        .source_file_system_id(fsid(1))
        .deletion_mode(aws_sdk_efs::types::DeletionMode::LocalConfigurationOnly)
        .send()
        .await
        .expect("source-side deletion");
    // Let the source side go (delete delay).
    tokio::time::sleep(Duration::from_millis(500)).await;
    k.write_config(&format!(
        "replication \"a\" {{\n  source_file_system_id = \"{}\"\n  source_region = \"us-west-2\"\n  destination {{\n    region = \"eu-west-1\"\n  }}\n}}\n",
        fsid(1)
    ));

    let (p, report) = k.apply(&options()).await;
    assert!(report.succeeded(), "{report:#?}");
    let orphan = format!("orphan.{old_replica}");
    assert!(
        p.changes.iter().any(|c| c.address == orphan),
        "the orphan is shown: {:#?}",
        p.changes
    );
    assert_eq!(
        p.changes
            .iter()
            .find(|c| c.address == "replication.a")
            .unwrap()
            .action,
        efs_replicator::plan::Action::Create
    );
    let calls = k.mutations();
    assert!(
        calls.contains(&(
            "DeleteReplicationConfiguration".to_owned(),
            "eu-west-1".to_owned()
        )),
        "the orphan is deleted in its own Region: {calls:?}"
    );

    // Second run: nothing to do, and no delete of the new replication.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = k.mutations().len();
    let (p2, report2) = k.apply(&options()).await;
    assert!(report2.succeeded(), "{report2:#?}");
    assert!(!p2.has_changes(), "{:#?}", p2.changes);
    assert_eq!(k.mutations().len(), before);
    assert!(!k.plan().await.unwrap().has_changes());
    k.shutdown().await;
}

/// Issue 9, multi-account: both sides of a replication are in the account
/// of an `account` block ("prod"), not the default credentials' account;
/// its source side was deleted with LOCAL_CONFIGURATION_ONLY, leaving an
/// orphaned destination side in eu-west-1. Its removal is re-read and made
/// with the credentials of the account that owns the destination file
/// system. Before, the call went out with the credentials routed by the
/// source id in the destination Region, which no listing routes: the
/// default account's, which does not see that side; EFS answered
/// ReplicationNotFound, the step was taken as "already deleted" and the
/// orphan stayed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue9_an_orphan_in_another_account_is_removed_with_that_accounts_credentials() {
    const PROD: &str = "444455556666";
    const PROD_KEY: &str = "AKIDTESTPROD";
    let emu = seeded(&[])
        .seed(json!({
            "id": fsid(1), "region": "us-west-2", "account": PROD,
            "performance_mode": "generalPurpose", "throughput_mode": "elastic",
            "protection": "ENABLED", "encrypted": true,
        }))
        .access_key(PROD_KEY, PROD)
        .start()
        .await;
    let prod = EfsReader::connect(&ConnectOptions {
        profile: None,
        endpoint_url: Some(emu.base_url().to_owned()),
        static_credentials: Some((PROD_KEY.into(), "secret".into())),
    })
    .await;

    // fs 1 -> a new file system in eu-west-1, both in prod; then the source
    // side deleted alone: the destination side in eu-west-1 is an orphan.
    let west = prod.client(&efs_replicator::model::Region::parse("us-west-2").unwrap());
    let out = west
        .create_replication_configuration()
        .source_file_system_id(fsid(1))
        .destinations(
            aws_sdk_efs::types::DestinationToCreate::builder()
                .region("eu-west-1")
                .build(),
        )
        .send()
        .await
        .expect("seed replication");
    let old = out.destinations()[0].file_system_id().to_owned();
    west.delete_replication_configuration()
        .source_file_system_id(fsid(1))
        .deletion_mode(aws_sdk_efs::types::DeletionMode::LocalConfigurationOnly)
        .send()
        .await
        .expect("source-side deletion");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let eu = prod.client(&efs_replicator::model::Region::parse("eu-west-1").unwrap());
    let orphaned = || async {
        eu.describe_replication_configurations()
            .file_system_id(&old)
            .send()
            .await
            .map(|o| !o.replications().is_empty())
            .unwrap_or(false)
    };
    assert!(orphaned().await, "the orphan is there to begin with");

    emu.write_config(&format!(
        r#"account "prod" {{
  id       = "{PROD}"
  role_arn = "arn:aws:iam::{PROD}:role/efs-replicator"
}}

replication "a" {{
  source_file_system_id = "arn:aws:elasticfilesystem:us-west-2:{PROD}:file-system/{src}"
  destination {{
    region = "eu-west-1"
  }}
}}
"#,
        src = fsid(1),
    ));
    let before = requests(&emu).await.len();
    let out = run_bin(
        &emu,
        &["apply", path_str(&emu.config_dir()), "--auto-approve"],
    )
    .await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("orphan.{old}")), "{stdout}");
    // The local delete was made in eu-west-1 as prod, and succeeded; the
    // orphan is gone.
    let deletes = calls_since(&emu, before, &["DeleteReplicationConfiguration"]).await;
    assert_eq!(
        deletes,
        vec![(
            "DeleteReplicationConfiguration".to_owned(),
            format!("eu-west-1 {PROD}"),
            true
        )],
        "{stdout}"
    );
    assert!(!orphaned().await, "the orphan was removed");
    emu.shutdown().await;
}

/// Issue 9, cross-account: fs 1 (the default credentials' account, us-west-2)
/// replicated into fs 2, an existing file system of account "dr"
/// (eu-west-1); its source side was then deleted with
/// LOCAL_CONFIGURATION_ONLY, leaving the destination side in dr orphaned.
/// The configuration now replicates fs 1 into dr's fs 3. Defect: discovery
/// took dr's destination-side view for the live replication (its two sides
/// are in different accounts), so the plan replaced it: the delete in
/// us-west-2 found nothing there and counted as "already deleted", the
/// create went through, apply reported success, and fs 2 stayed held by the
/// orphan. The default account's listing of us-west-2 was read and shows no
/// source side: the destination side is an orphan, removed in eu-west-1 with
/// dr's credentials before the create.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue9_an_orphan_whose_source_is_in_another_account_is_removed_not_replaced() {
    const DR: &str = "444455556666";
    const DR_KEY: &str = "AKIDTESTDR";
    let emu = [2, 3]
        .into_iter()
        .fold(seeded(&[(1, "us-west-2")]), |k, n| {
            k.seed(json!({
                "id": fsid(n), "region": "eu-west-1", "account": DR,
                "performance_mode": "generalPurpose", "throughput_mode": "elastic",
                "protection": "DISABLED", "encrypted": true,
            }))
        })
        .access_key(DR_KEY, DR)
        .start()
        .await;
    let arn = |n: u32| {
        format!(
            "arn:aws:elasticfilesystem:eu-west-1:{DR}:file-system/{}",
            fsid(n)
        )
    };
    let role = format!("arn:aws:iam::{ACCOUNT}:role/efs-replication");

    let home = reader(&emu).await;
    let west = home.client(&efs_replicator::model::Region::parse("us-west-2").unwrap());
    west.create_replication_configuration()
        .source_file_system_id(fsid(1))
        .destinations(
            aws_sdk_efs::types::DestinationToCreate::builder()
                .region("eu-west-1")
                .file_system_id(arn(2))
                .role_arn(&role)
                .build(),
        )
        .send()
        .await
        .expect("seed replication");
    west.delete_replication_configuration()
        .source_file_system_id(fsid(1))
        .deletion_mode(aws_sdk_efs::types::DeletionMode::LocalConfigurationOnly)
        .send()
        .await
        .expect("source-side deletion");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dr = EfsReader::connect(&ConnectOptions {
        profile: None,
        endpoint_url: Some(emu.base_url().to_owned()),
        static_credentials: Some((DR_KEY.into(), "secret".into())),
    })
    .await;
    let eu = dr.client(&efs_replicator::model::Region::parse("eu-west-1").unwrap());
    let orphaned = || async {
        eu.describe_replication_configurations()
            .file_system_id(fsid(2))
            .send()
            .await
            .map(|o| !o.replications().is_empty())
            .unwrap_or(false)
    };
    assert!(orphaned().await, "the orphan is there to begin with");

    emu.write_config(&format!(
        r#"account "dr" {{
  id       = "{DR}"
  role_arn = "arn:aws:iam::{DR}:role/efs-replicator"
}}

replication "a" {{
  source_file_system_id = "{src}"
  source_region         = "us-west-2"
  destination {{
    region          = "eu-west-1"
    file_system_id  = "{dst}"
    role_arn        = "{role}"
    allow_overwrite = true
  }}
}}
"#,
        src = fsid(1),
        dst = arn(3),
    ));
    let before = requests(&emu).await.len();
    let out = run_bin(
        &emu,
        &[
            "apply",
            path_str(&emu.config_dir()),
            "--auto-approve",
            "--allow-overwrite",
            &fsid(3),
        ],
    )
    .await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("orphan.{}", fsid(2))), "{stdout}");
    let calls = calls_since(
        &emu,
        before,
        &[
            "DeleteReplicationConfiguration",
            "CreateReplicationConfiguration",
        ],
    )
    .await;
    assert_eq!(
        calls,
        vec![
            (
                "DeleteReplicationConfiguration".to_owned(),
                format!("eu-west-1 {DR}"),
                true
            ),
            (
                "CreateReplicationConfiguration".to_owned(),
                format!("us-west-2 {ACCOUNT}"),
                true
            ),
        ],
        "the orphan is removed in its Region as dr, then fs 1 replicated: {stdout}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!orphaned().await, "the orphan was removed: {stdout}");
    emu.shutdown().await;
}

/// The calls among `operations` made since the `before`-th request, each as
/// (operation, "region account", succeeded), in order.
async fn calls_since(
    emu: &Emulator,
    before: usize,
    operations: &[&str],
) -> Vec<(String, String, bool)> {
    let stats = admin(emu, "GET", "/_emulator/stats", None).await;
    stats["requests"].as_array().unwrap()[before..]
        .iter()
        .filter(|r| operations.contains(&r["operation"].as_str().unwrap_or("")))
        .map(|r| {
            (
                r["operation"].as_str().unwrap().to_owned(),
                format!(
                    "{} {}",
                    r["region"].as_str().unwrap(),
                    r["account"].as_str().unwrap()
                ),
                r["status"].as_u64().unwrap() < 300,
            )
        })
        .collect()
}
