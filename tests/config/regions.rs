//! Issue 10: Region names are checked against the known Regions
//! (`src/config/regions.json`, from botocore's endpoint data) at `validate`,
//! in the configuration and in `--region` flags (also for `export`), with
//! the closest known names; `settings { skip_region_validation = true }`,
//! `--skip-region-validation` and EFS_REPLICATOR_SKIP_REGION_VALIDATION let
//! a Region newer than the list through. No test here reaches the network:
//! every unknown name is refused before any connection is made.

use efs_replicator::config::{load_str, LoadOptions};

use super::cli::{run, text};

const FUTURE: &str = r#"settings {
  region = "us-future-1"
}

replication "a" {
  source_file_system_id = "fs-0000000a"
  destination {
    region = "us-west-2"
  }
}
"#;

const SKIPPED: &str = r#"settings {
  region                 = "us-future-1"
  skip_region_validation = true
}

replication "a" {
  source_file_system_id = "fs-0000000a"
  destination {
    region = "us-future-2"
  }
}
"#;

fn messages(text: &str, opts: &LoadOptions) -> Vec<String> {
    match load_str("main.hcl", text, opts) {
        Ok(_) => vec![],
        Err(d) => d.iter().map(|d| d.message.clone()).collect(),
    }
}

#[test]
fn an_unknown_region_is_an_error_unless_validation_is_skipped() {
    assert_eq!(
        messages(FUTURE, &LoadOptions::default()),
        vec!["settings: region: \"us-future-1\" is not a known AWS Region".to_owned()]
    );
    let d = load_str("main.hcl", SKIPPED, &LoadOptions::default()).expect("skipped");
    assert!(d.settings.skip_region_validation);
    assert_eq!(d.replications[0].source_region.as_str(), "us-future-1");
    assert_eq!(d.replications[0].destination.region.as_str(), "us-future-2");
    let opts = LoadOptions {
        skip_region_validation: true,
        ..LoadOptions::default()
    };
    assert!(messages(FUTURE, &opts).is_empty());
    // Skipping the list does not skip the name's shape.
    let bad = FUTURE.replace("us-future-1", "US East");
    let m = messages(&bad, &opts);
    assert!(
        m.contains(&"settings: region: \"US East\" is not a valid region".to_owned()),
        "{m:?}"
    );
}

#[test]
fn validate_refuses_a_region_typo_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.hcl"),
        FUTURE.replace("us-future-1", "us-east1"),
    )
    .unwrap();
    let out = run(&["validate", "main.hcl"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with(
            "main.hcl:2:12: error: settings: region: \"us-east1\" is not a known AWS Region"
        ),
        "{err}"
    );
    assert!(err.contains("did you mean \"us-east-1\""), "{err}");

    std::fs::write(dir.path().join("main.hcl"), SKIPPED).unwrap();
    let out = run(&["validate", "main.hcl"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn region_flags_are_checked_with_a_suggestion_and_can_be_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let no_region = FUTURE.split_once("}\n\n").unwrap().1;
    std::fs::write(dir.path().join("main.hcl"), no_region).unwrap();
    let out = run(&["validate", "--region", "us-east1"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: --region \"us-east1\" is not a known AWS Region; did you mean \"us-east-1\" (US East (N. Virginia))?"),
        "{err}"
    );
    assert!(err.contains("--skip-region-validation"), "{err}");
    assert!(
        err.contains("EFS_REPLICATOR_SKIP_REGION_VALIDATION"),
        "{err}"
    );

    // The flag, the environment variable and the file's setting skip it.
    let flag = run(
        &[
            "validate",
            "--region",
            "us-future-1",
            "--skip-region-validation",
        ],
        dir.path(),
        &[],
    );
    assert_eq!(flag.status.code(), Some(0), "{}", text(&flag.stderr));
    let env = run(
        &["validate", "--region", "us-future-1"],
        dir.path(),
        &[("EFS_REPLICATOR_SKIP_REGION_VALIDATION", "true")],
    );
    assert_eq!(env.status.code(), Some(0), "{}", text(&env.stderr));
    std::fs::write(
        dir.path().join("main.hcl"),
        format!("settings {{\n  skip_region_validation = true\n}}\n\n{no_region}"),
    )
    .unwrap();
    let file = run(&["validate", "--region", "us-future-1"], dir.path(), &[]);
    assert_eq!(file.status.code(), Some(0), "{}", text(&file.stderr));
}

#[test]
fn the_skip_flag_also_lets_the_configuration_through() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.hcl"), FUTURE).unwrap();
    let out = run(
        &["validate", "main.hcl", "--skip-region-validation"],
        dir.path(),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn plan_and_export_refuse_an_unknown_region_flag_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.hcl"),
        FUTURE.replace("us-future-1", "us-east-1"),
    )
    .unwrap();
    // Nothing listens on port 9 of 127.0.0.1: had a call been made, the
    // error would be a connection error, not the Region's.
    for args in [
        &["plan", "main.hcl", "--region", "eu-wset-1"][..],
        &["export", "--region", "eu-wset-1"][..],
        &["export", "--region", "us-east-1", "--region", "eu-wset-1"][..],
    ] {
        let mut all = args.to_vec();
        all.extend(["--endpoint-url", "http://127.0.0.1:9"]);
        let out = run(&all, dir.path(), &[]);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.starts_with("error: --region \"eu-wset-1\" is not a known AWS Region; did you mean \"eu-west-1\" (Europe (Ireland))?"),
            "{args:?}: {err}"
        );
    }
}
