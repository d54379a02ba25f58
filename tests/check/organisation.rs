//! Issue 11: the examples that span accounts (examples/organisation, ten
//! accounts in several Regions, and examples/cross-account) planned,
//! applied and checked end to end through the built binary against the
//! emulator seeded with their state: one AssumeRole per account, one
//! listing per (account, Region), and every check entry labelled with its
//! account.

use crate::*;

/// An emulator on a copy of an example's seed state, and its home dir.
async fn seeded(example: &str) -> (kit::Running, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let state = dir.path().join("state.json");
    std::fs::copy(
        root.join("examples").join(example).join("seed-state.json"),
        &state,
    )
    .unwrap();
    (start(Some(state)).await, dir)
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

fn calls(emu: &efs_emulator::Emulator, op: &str) -> u64 {
    emu.stats()["by_operation"][op].as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organisation_example_plans_applies_and_checks_across_ten_accounts() {
    let (emu, dir) = seeded("organisation").await;
    let o = run(
        vec!["plan".into(), example("organisation")],
        emu.base_url(),
        dir.path(),
    )
    .await;
    assert_code(&o, 0);
    let out = text(&o.stdout);
    assert!(
        out.contains("Plan: 20 to create, 0 to replace, 0 to delete."),
        "{out}"
    );
    assert_eq!(calls(&emu, "AssumeRole"), 10);
    // Each account has sources in two Regions and destinations in two
    // others: 4 (account, Region) pairs, listed once each.
    assert_eq!(calls(&emu, "DescribeReplicationConfigurations"), 40);
    let per_account: std::collections::BTreeSet<String> = emu.stats()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["operation"] == "DescribeReplicationConfigurations")
        .map(|r| format!("{} {}", r["account"], r["region"]))
        .collect();
    assert_eq!(per_account.len(), 40, "{per_account:?}");

    let o = run(
        vec![
            "apply".into(),
            example("organisation"),
            "--auto-approve".into(),
        ],
        emu.base_url(),
        dir.path(),
    )
    .await;
    assert_code(&o, 0);
    let o = run(
        vec!["check".into(), example("organisation"), "--json".into()],
        emu.base_url(),
        dir.path(),
    )
    .await;
    assert_code(&o, 0);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let reps = v["replications"].as_array().unwrap();
    assert_eq!(reps.len(), 20);
    let payments: Vec<&Value> = reps
        .iter()
        .filter(|r| r["account_name"] == "payments")
        .collect();
    assert_eq!(payments.len(), 2, "{v:#}");
    assert!(payments.iter().all(|r| r["account"] == "100000000001"));
    let o = run(
        vec![
            "check".into(),
            example("organisation"),
            "--format".into(),
            "prometheus".into(),
        ],
        emu.base_url(),
        dir.path(),
    )
    .await;
    let prom = text(&o.stdout);
    assert!(
        prom.lines().any(|l| l
            .starts_with("efs_replication_healthy{address=\"replication.org[\\\"mail-2\\\"]\"")
            && l.contains("account=\"100000000010\"")
            && l.ends_with(" 1")),
        "{prom}"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cross_account_example_overwrites_the_backup_accounts_file_system() {
    let (emu, dir) = seeded("cross-account").await;
    let o = run(
        vec![
            "apply".into(),
            example("cross-account"),
            "--auto-approve".into(),
            "--allow-overwrite".into(),
            "fs-0bbbbcccc11112222".into(),
        ],
        emu.base_url(),
        dir.path(),
    )
    .await;
    assert_code(&o, 0);
    // The destination's protection was changed with the backup account's
    // credentials, the replication created with the source account's.
    let log = emu.stats()["requests"].as_array().unwrap().clone();
    let by = |op: &str| -> Vec<String> {
        log.iter()
            .filter(|r| r["operation"] == op)
            .map(|r| r["account"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(by("UpdateFileSystemProtection"), ["444455556666"]);
    assert_eq!(by("CreateReplicationConfiguration"), ["111122223333"]);
    let o = run(
        vec!["check".into(), example("cross-account"), "--json".into()],
        emu.base_url(),
        dir.path(),
    )
    .await;
    assert_code(&o, 0);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["replications"][0]["account_name"], "prod", "{v:#}");
    assert!(
        v["replications"][0]["notes"].as_array().unwrap().is_empty(),
        "{v:#}"
    );
    emu.shutdown().await;
}

/// Issue 11: a role that cannot be assumed fails the read, naming the
/// account, the role and the permission to grant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_assume_role_names_the_account_and_the_permission() {
    let (emu, dir) = seeded("cross-account").await;
    let (status, _) = admin(
        &emu,
        "POST",
        "/_emulator/faults",
        r#"{"operation": "AssumeRole", "error": "AccessDenied", "status": 403, "count": 100}"#,
    )
    .await;
    assert_eq!(status, 201);
    let o = run(
        vec!["plan".into(), example("cross-account")],
        emu.base_url(),
        dir.path(),
    )
    .await;
    assert_code(&o, 1);
    let err = text(&o.stderr);
    assert!(
        err.contains("as account.backup (444455556666)")
            && err.contains(
                "allow the default credentials sts:AssumeRole on arn:aws:iam::444455556666:role/efs-replicator"
            ),
        "{err}"
    );
    emu.shutdown().await;
}

/// Issue 11: `--endpoint-url` sends the STS calls to the same endpoint as
/// the EFS ones (no per-service variable set).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_url_receives_the_sts_calls_too() {
    let (emu, dir) = seeded("cross-account").await;
    let o = run_env(
        vec![
            "plan".into(),
            "--endpoint-url".into(),
            emu.base_url().into(),
            example("cross-account"),
        ],
        emu.base_url(),
        dir.path(),
        &[("AWS_ENDPOINT_URL_EFS", ""), ("AWS_ENDPOINT_URL_STS", "")],
    )
    .await;
    assert_code(&o, 0);
    assert_eq!(calls(&emu, "AssumeRole"), 2);
    emu.shutdown().await;
}

/// Issue 11: a saved plan across accounts applies: its stale check re-reads
/// each file system with its own account's credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_cross_account_plan_passes_its_stale_check_and_applies() {
    let (emu, dir) = seeded("cross-account").await;
    let saved = dir.path().join("plan.json").display().to_string();
    let o = run(
        vec![
            "plan".into(),
            example("cross-account"),
            "--out".into(),
            saved.clone(),
        ],
        emu.base_url(),
        dir.path(),
    )
    .await;
    assert_code(&o, 0);
    let o = run(
        vec!["apply".into(), "--plan".into(), saved],
        emu.base_url(),
        dir.path(),
    )
    .await;
    assert_code(&o, 0);
    let log = emu.stats()["requests"].as_array().unwrap().clone();
    let protection: Vec<&str> = log
        .iter()
        .filter(|r| r["operation"] == "UpdateFileSystemProtection")
        .map(|r| r["account"].as_str().unwrap())
        .collect();
    assert_eq!(protection, ["444455556666"]);
    emu.shutdown().await;
}
