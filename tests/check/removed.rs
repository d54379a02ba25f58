//! Issue 11: a `removed` block whose source is in another account (named by
//! `source_account`, or by a source ARN) is read and deleted with that
//! account's credentials, as a replication block's source is, through the
//! built binary against the emulator with two accounts.

use crate::*;

/// Account B replicates `src` (us-east-1) to us-west-2; returns `src`.
async fn replicated_in_b(emu: &efs_emulator::Emulator) -> String {
    let b = client(emu, "us-east-1", KEY_B);
    let src = create_fs(&b, "src-b", None, None).await;
    replicate(&b, &src, to_region("us-west-2")).await;
    src
}

fn config(removed: &str) -> String {
    format!(
        r#"
account "dr" {{
  id       = "{ACCOUNT_B}"
  role_arn = "arn:aws:iam::{ACCOUNT_B}:role/efs-replicator"
}}

removed {{
  {removed}
}}
"#
    )
}

/// The accounts each call of `operation` was made in.
fn accounts_of(emu: &efs_emulator::Emulator, operation: &str) -> Vec<String> {
    emu.stats()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["operation"] == operation)
        .map(|r| r["account"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_block_deletes_with_its_source_accounts_credentials() {
    for form in ["source_account", "arn"] {
        let emu = start(None).await;
        let dir = tempfile::tempdir().unwrap();
        let src = replicated_in_b(&emu).await;
        let removed = match form {
            "source_account" => format!(
                "source_file_system_id = \"{src}\"\n  source_region = \"us-east-1\"\n  source_account = \"dr\""
            ),
            _ => format!(
                "source_file_system_id = \"arn:aws:elasticfilesystem:us-east-1:{ACCOUNT_B}:file-system/{src}\""
            ),
        };
        let path = write(dir.path(), "main.hcl", &config(&removed));
        let o = run(
            vec!["plan".into(), path.display().to_string()],
            emu.base_url(),
            dir.path(),
        )
        .await;
        assert_code(&o, 0);
        let out = text(&o.stdout);
        assert!(
            out.contains("Plan: 0 to create, 0 to replace, 1 to delete."),
            "{form}: {out}"
        );
        let o = run(
            vec![
                "apply".into(),
                path.display().to_string(),
                "--auto-approve".into(),
            ],
            emu.base_url(),
            dir.path(),
        )
        .await;
        assert_code(&o, 0);
        assert_eq!(
            accounts_of(&emu, "DeleteReplicationConfiguration"),
            [ACCOUNT_B],
            "{form}"
        );
        settle_deletions(&emu).await;
        let gone = client(&emu, "us-east-1", KEY_B)
            .describe_replication_configurations()
            .file_system_id(&src)
            .send()
            .await;
        assert!(gone.is_err(), "{form}: {gone:?}");
        emu.shutdown().await;
    }
}
