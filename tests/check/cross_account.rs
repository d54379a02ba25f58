//! `check` on a replication into another account's file system, through
//! the built binary against the emulator: what differs from the
//! configuration is drift, and what could not be verified is shown in every
//! format.

use efs_emulator::Emulator;

use crate::*;

/// Account A replicates `src` (us-east-1) into B's `dst` (us-west-2) with
/// A's role. Returns (emulator, src, dst, home dir).
async fn cross_account() -> (kit::Running, String, String, tempfile::TempDir) {
    let emu = start(None).await;
    let a = client(&emu, "us-east-1", KEY_A);
    let b = client(&emu, "us-west-2", KEY_B);
    let src = create_fs(&a, "src", None, None).await;
    let dst = create_fs(&b, "dst", None, None).await;
    allow_overwrite(&b, &dst).await;
    let role = format!("arn:aws:iam::{ACCOUNT_A}:role/efs-replication");
    replicate(
        &a,
        &src,
        aws_sdk_efs::types::DestinationToCreate::builder()
            .region("us-west-2")
            .file_system_id(format!(
                "arn:aws:elasticfilesystem:us-west-2:{ACCOUNT_B}:file-system/{dst}"
            ))
            .role_arn(role)
            .build(),
    )
    .await;
    (emu, src, dst, tempfile::tempdir().unwrap())
}

fn config(src: &str, destination: &str) -> String {
    format!(
        r#"
replication "x" {{
  source_file_system_id = "{src}"
  source_region         = "us-east-1"
  destination {{
    region   = "us-west-2"
    role_arn = "arn:aws:iam::{ACCOUNT_A}:role/efs-replication"
    {destination}
  }}
}}
"#
    )
}

async fn check_json(emu: &Emulator, dir: &std::path::Path, cfg: &str) -> (i32, Value) {
    let path = write(dir, "x.hcl", cfg);
    let o = run(
        vec!["check".into(), path.display().to_string(), "--json".into()],
        emu.base_url(),
        dir,
    )
    .await;
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", text(&o.stdout), text(&o.stderr)));
    (code(&o), v)
}

/// Defect: a block declaring a new destination in the source's own account
/// was "in sync" with a replication into another account's file system;
/// check said ok, no drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_in_another_account_than_declared_is_drift() {
    let (emu, src, _dst, dir) = cross_account().await;
    let (c, v) = check_json(&emu, dir.path(), &config(&src, "")).await;
    assert_eq!(c, 2, "{v:#}");
    assert_eq!(v["ok"], false);
    assert_eq!(v["replications"][0]["drift"], true);
    let reason = v["replications"][0]["drift_reason"].as_str().unwrap();
    assert!(reason.contains("destination account"), "{reason}");
    emu.shutdown().await;
}

/// Defect: check dropped the plan's "not verified" caveats: a KMS key
/// declared by alias cannot be compared with the key ARN EFS reports, and
/// check said nothing about it. Since issue 11 aliases are resolved with
/// DescribeKey; here it is denied, so the caveat (naming kms:DescribeKey)
/// remains.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_could_not_be_verified_is_shown_in_every_format() {
    let emu = start(None).await;
    let dir = tempfile::tempdir().unwrap();
    let a = client(&emu, "us-east-1", KEY_A);
    let src = create_fs(&a, "src", None, None).await;
    replicate(
        &a,
        &src,
        aws_sdk_efs::types::DestinationToCreate::builder()
            .region("us-west-2")
            .kms_key_id(format!(
                "arn:aws:kms:us-west-2:{ACCOUNT_A}:key/11111111-1111-4111-8111-111111111111"
            ))
            .build(),
    )
    .await;
    let (c, v) = admin(
        &emu,
        "POST",
        "/_emulator/faults",
        r#"{"operation": "DescribeKey", "error": "AccessDeniedException", "message": "User is not authorized to perform: kms:DescribeKey", "count": 3}"#,
    )
    .await;
    assert_eq!(c, 201, "{v}");
    let cfg = format!(
        r#"
replication "x" {{
  source_file_system_id = "{src}"
  source_region         = "us-east-1"
  destination {{
    region     = "us-west-2"
    kms_key_id = "alias/replicas"
  }}
}}
"#
    );
    let (c, v) = check_json(&emu, dir.path(), &cfg).await;
    assert_eq!(c, 0, "{v:#}");
    assert_eq!(v["replications"][0]["drift"], false);
    let notes = v["replications"][0]["notes"].as_array().expect("notes");
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("could not be verified")),
        "{v:#}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("kms:DescribeKey was denied")),
        "{v:#}"
    );

    let path = dir.path().join("x.hcl");
    let o = run(
        vec!["check".into(), path.display().to_string()],
        emu.base_url(),
        dir.path(),
    )
    .await;
    let table = text(&o.stdout);
    assert!(
        table.contains("  note: ") && table.contains("could not be verified"),
        "{table}"
    );
    let o = run(
        vec![
            "check".into(),
            path.display().to_string(),
            "--format".into(),
            "prometheus".into(),
        ],
        emu.base_url(),
        dir.path(),
    )
    .await;
    let prom = text(&o.stdout);
    assert!(
        prom.lines().any(
            |l| l.starts_with("efs_replication_notes{address=\"replication.x\"")
                && l.ends_with(" 2")
        ),
        "{prom}"
    );
    emu.shutdown().await;
}

/// Issue 11: with an account block for the destination's account, the
/// destination is described with that account's credentials (its role
/// assumed once through STS, reached with the SDK's per-service variable
/// `AWS_ENDPOINT_URL_STS`), so nothing is left unverified; without one, the
/// plan says which block to add.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_block_describes_the_destination_with_its_own_credentials() {
    let (emu, src, dst, dir) = cross_account().await;
    let arn = format!("arn:aws:elasticfilesystem:us-west-2:{ACCOUNT_B}:file-system/{dst}");
    let block = format!(
        r#"
account "backup" {{
  id       = "{ACCOUNT_B}"
  role_arn = "arn:aws:iam::{ACCOUNT_B}:role/efs-replicator"
}}
"#
    );
    let cfg = config(&src, &format!("file_system_id = \"{arn}\""));
    let (c, v) = check_json(&emu, dir.path(), &format!("{block}{cfg}")).await;
    assert_eq!(c, 0, "{v:#}");
    assert_eq!(v["replications"][0]["drift"], false, "{v:#}");
    let stats = emu.stats();
    assert_eq!(stats["by_operation"]["AssumeRole"], 1, "{stats:#}");
    let described_as_b = stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["operation"] == "DescribeFileSystems" && r["account"] == ACCOUNT_B)
        .count();
    assert!(described_as_b >= 1, "{stats:#}");

    // A new replication into B's file system: planned with B's view of it.
    let b = client(&emu, "us-west-2", KEY_B);
    let other = create_fs(&b, "other", None, None).await;
    let a = client(&emu, "us-east-1", KEY_A);
    let src2 = create_fs(&a, "src2", None, None).await;
    let arn2 = format!("arn:aws:elasticfilesystem:us-west-2:{ACCOUNT_B}:file-system/{other}");
    let new = config(&src2, &format!("file_system_id = \"{arn2}\"")).replace("\"x\"", "\"y\"");
    let path = write(dir.path(), "x.hcl", &format!("{block}{cfg}{new}"));
    let o = run(
        vec!["plan".into(), path.display().to_string()],
        emu.base_url(),
        dir.path(),
    )
    .await;
    let out = text(&o.stdout) + &text(&o.stderr);
    // Its protection (ENABLED) was read in account B: the plan refuses
    // without allow_overwrite instead of noting it could not verify.
    assert!(
        out.contains(&other) && out.contains("allow_overwrite"),
        "{out}"
    );
    assert!(!out.contains("not verified"), "{out}");
    // Without the block: a note naming the block to add.
    let path = write(dir.path(), "x.hcl", &format!("{cfg}{new}"));
    let o = run(
        vec!["plan".into(), path.display().to_string()],
        emu.base_url(),
        dir.path(),
    )
    .await;
    let out = text(&o.stdout);
    assert!(
        out.contains(&format!(
            "in account {ACCOUNT_B}, which has no account block"
        )) && out.contains(&format!("id = \"{ACCOUNT_B}\"")),
        "{out}"
    );
    emu.shutdown().await;
}
