//! `export` round trip through the binary: replications of every kind are
//! made in the emulator through the SDK (One Zone, existing destination,
//! custom KMS key, cross-account, duplicate and missing Name tags), exported,
//! validated, and planned: the plan must report `No changes.`, and `check`
//! must agree.

use aws_sdk_efs::types::DestinationToCreate;

use crate::*;

const CUSTOM_KEY: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_validates_and_plans_to_no_changes() {
    let emu = start(None).await;
    let east = client(&emu, "us-east-1", KEY_A);

    // One Zone destination.
    let a = create_fs(&east, "a", Some("Home Dirs"), None).await;
    let a_dest = replicate(
        &east,
        &a,
        DestinationToCreate::builder()
            .availability_zone_name("us-west-2b")
            .build(),
    )
    .await;
    // Existing destination in the same account.
    let b = create_fs(&east, "b", Some("home dirs"), None).await;
    let east2 = client(&emu, "us-east-2", KEY_A);
    let b_dest = create_fs(&east2, "b-dest", Some("b copy"), None).await;
    allow_overwrite(&east2, &b_dest).await;
    replicate(
        &east,
        &b,
        DestinationToCreate::builder()
            .region("us-east-2")
            .file_system_id(&b_dest)
            .build(),
    )
    .await;
    // Custom KMS key, no Name tag.
    let c = create_fs(&east, "c", None, None).await;
    let c_dest = replicate(
        &east,
        &c,
        DestinationToCreate::builder()
            .region("eu-west-1")
            .kms_key_id(CUSTOM_KEY)
            .build(),
    )
    .await;
    // Cross-account: an existing destination in account B, reached with a role.
    let d = create_fs(&east, "d", Some("cross"), None).await;
    let b_west = client(&emu, "eu-west-1", KEY_B);
    let d_dest = create_fs(&b_west, "d-dest", None, None).await;
    allow_overwrite(&b_west, &d_dest).await;
    replicate(
        &east,
        &d,
        DestinationToCreate::builder()
            .region("eu-west-1")
            .file_system_id(format!(
                "arn:aws:elasticfilesystem:eu-west-1:{ACCOUNT_B}:file-system/{d_dest}"
            ))
            .role_arn(format!("arn:aws:iam::{ACCOUNT_A}:role/efs-replication"))
            .build(),
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let out = home.join("exported.hcl");
    let url = emu.base_url().to_owned();

    let o = run(
        vec![
            "export".into(),
            "--region".into(),
            "us-east-1".into(),
            "--out".into(),
            out.display().to_string(),
        ],
        &url,
        home,
    )
    .await;
    assert_code(&o, 0);
    assert!(
        text(&o.stderr).contains("Wrote 4 replications"),
        "{}",
        text(&o.stderr)
    );
    let hcl = std::fs::read_to_string(&out).unwrap();

    // The names and the values the planner compares.
    assert!(hcl.contains("replication \"home_dirs\" {"), "{hcl}");
    assert!(hcl.contains("replication \"home_dirs_2\" {"), "{hcl}");
    assert!(
        hcl.contains(&format!("replication \"{}\" {{", c.replace('-', "_"))),
        "{hcl}"
    );
    assert!(hcl.contains("replication \"cross\" {"), "{hcl}");
    // Destinations the replications created are pinned by id too, so a
    // later re-point is drift; zone and key then belong to that file system.
    for dest in [&a_dest, &c_dest, &b_dest] {
        assert!(
            hcl.contains(&format!("file_system_id = \"{dest}\"")),
            "{hcl}"
        );
    }
    assert!(!hcl.contains("availability_zone_name"), "{hcl}");
    assert!(!hcl.contains("kms_key_id"), "{hcl}");
    assert!(
        hcl.contains(&format!(
            "file_system_id = \"arn:aws:elasticfilesystem:eu-west-1:{ACCOUNT_B}:file-system/{d_dest}\""
        )),
        "{hcl}"
    );
    assert!(hcl.contains("role_arn"), "{hcl}");

    // Stdout by default, the same text.
    let o = run(
        vec!["export".into(), "--region".into(), "us-east-1".into()],
        &url,
        home,
    )
    .await;
    assert_code(&o, 0);
    assert_eq!(text(&o.stdout), hcl);

    // validate accepts it; fmt has nothing to change.
    let o = run(
        vec!["validate".into(), out.display().to_string()],
        &url,
        home,
    )
    .await;
    assert_code(&o, 0);
    let o = run(
        vec!["fmt".into(), "--check".into(), out.display().to_string()],
        &url,
        home,
    )
    .await;
    assert_code(&o, 0);

    // plan reports No changes.
    let o = run(
        vec![
            "plan".into(),
            out.display().to_string(),
            "--detailed-exitcode".into(),
        ],
        &url,
        home,
    )
    .await;
    assert_code(&o, 0);
    let plan_out = text(&o.stdout);
    assert!(plan_out.contains("No changes."), "{plan_out}");

    // check agrees: in sync and healthy.
    let o = run(vec!["check".into(), out.display().to_string()], &url, home).await;
    assert_code(&o, 0);

    // Defect: a destination exported by Region only hid an out-of-band
    // re-point to another file system in the same Region. Pinned, re-pointing
    // c to a new file system in eu-west-1 is noticed (and going back to the
    // exported, now writable, file system asks for allow_overwrite).
    east.delete_replication_configuration()
        .source_file_system_id(&c)
        .send()
        .await
        .expect("delete c");
    for _ in 0..100 {
        if east
            .describe_replication_configurations()
            .file_system_id(&c)
            .send()
            .await
            .is_err()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let moved = replicate(&east, &c, to_region("eu-west-1")).await;
    assert_ne!(moved, c_dest);
    let o = run(
        vec![
            "plan".into(),
            out.display().to_string(),
            "--detailed-exitcode".into(),
        ],
        &url,
        home,
    )
    .await;
    let (stdout, stderr) = (text(&o.stdout), text(&o.stderr));
    // Going back to the exported destination is refused at plan, naming
    // it: it would be overwritten (or, where EFS keeps the old destination
    // side a while, it is still in that replication).
    assert_eq!(code(&o), 1, "{stdout}\n{stderr}");
    assert!(!stdout.contains("No changes."), "{stdout}");
    assert!(
        stderr.contains(&c_dest) && stderr.contains("problem found while planning"),
        "{stdout}\n{stderr}"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_needs_a_region_and_handles_an_empty_account() {
    let emu = start(None).await;
    let dir = tempfile::tempdir().unwrap();
    let url = emu.base_url().to_owned();
    let o = run(
        vec!["export".into(), "--region".into(), "ap-south-1".into()],
        &url,
        dir.path(),
    )
    .await;
    assert_code(&o, 0);
    assert!(text(&o.stdout).contains("No replication configurations were found."));

    // No --region and no AWS_REGION: a clear error.
    let o = kit::Bin::new(&["export"])
        .home(dir.path())
        .endpoint(&url)
        .run()
        .await;
    assert_code(&o, 1);
    assert!(
        text(&o.stderr).contains("pass --region"),
        "{}",
        text(&o.stderr)
    );
    emu.shutdown().await;
}
