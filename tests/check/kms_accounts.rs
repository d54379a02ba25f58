//! Issue 11: a declared KMS alias is resolved in the account of the
//! replication's source (its `account` block's credentials), where EFS
//! creates the destination, not with the default credentials: the same
//! alias name in the default account names another key and must not make
//! the replication look replaced.

use crate::*;

/// A KMS client of the account of `key` for `region`.
fn kms(emu: &efs_emulator::Emulator, region: &str, key: &str) -> aws_sdk_kms::Client {
    let conf = aws_sdk_kms::Config::builder()
        .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
        .region(aws_sdk_kms::config::Region::new(region.to_owned()))
        .credentials_provider(aws_sdk_kms::config::Credentials::new(
            key,
            "test-secret",
            None,
            None,
            "tests",
        ))
        .endpoint_url(emu.base_url())
        .build();
    aws_sdk_kms::Client::from_conf(conf)
}

/// A key with `alias` in the account of `key` in `region`; its ARN.
async fn key_with_alias(emu: &efs_emulator::Emulator, key: &str, alias: &str) -> String {
    let c = kms(emu, "us-west-2", key);
    let m = c.create_key().send().await.unwrap();
    let m = m.key_metadata().unwrap();
    c.create_alias()
        .alias_name(alias)
        .target_key_id(m.key_id())
        .send()
        .await
        .unwrap();
    m.arn().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_is_resolved_in_the_source_accounts_own_kms() {
    let emu = start(None).await;
    let dir = tempfile::tempdir().unwrap();
    key_with_alias(&emu, KEY_A, "alias/dr").await;
    let in_b = key_with_alias(&emu, KEY_B, "alias/dr").await;
    let b = client(&emu, "us-east-1", KEY_B);
    let src = create_fs(&b, "src-b", None, None).await;
    replicate(
        &b,
        &src,
        DestinationToCreate::builder()
            .region("us-west-2")
            .kms_key_id(&in_b)
            .build(),
    )
    .await;
    let cfg = format!(
        r#"
account "dr" {{
  id       = "{ACCOUNT_B}"
  role_arn = "arn:aws:iam::{ACCOUNT_B}:role/efs-replicator"
}}

replication "x" {{
  source_file_system_id = "{src}"
  source_region         = "us-east-1"
  source_account        = "dr"
  destination {{
    region     = "us-west-2"
    kms_key_id = "alias/dr"
  }}
}}
"#
    );
    let path = write(dir.path(), "main.hcl", &cfg);
    let o = run(
        vec![
            "plan".into(),
            path.display().to_string(),
            "--detailed-exitcode".into(),
        ],
        emu.base_url(),
        dir.path(),
    )
    .await;
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(out.contains("No changes."), "{out}");
    let describe_key_accounts: Vec<String> = emu.stats()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["operation"] == "DescribeKey")
        .map(|r| r["account"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(describe_key_accounts, [ACCOUNT_B]);
    emu.shutdown().await;
}
