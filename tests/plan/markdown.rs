//! `plan --format markdown` (issue 12): the pull-request comment rendering of
//! plans made through the real SDK against the emulator, as reviewed insta
//! snapshots: a failback (a delete and an overwrite of an existing
//! destination, called out before the table), a replace with an unmanaged
//! replication in scope, no changes, and planning errors. Also through the
//! binary: `--format markdown`, `--format json` and the `--json` alias.

use aws_sdk_efs::types::DestinationToCreate;
use efs_replicator::plan::{Plan, PlanErrors};
use efs_replicator::render::{render_errors_markdown, render_markdown};

use crate::support::{path_str, Env, KEY_MAIN};

const E: &str = "us-east-1";
const W: &str = "us-west-2";

const HOME_TO_WEST: &str = r#"
replication "home" {
  source_file_system_id = "@home"
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
"#;

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

fn markdown(env: &Env, result: &Result<Plan, PlanErrors>) -> String {
    let mut buf = Vec::new();
    match result {
        Ok(p) => render_markdown(p, &mut buf).unwrap(),
        Err(e) => render_errors_markdown(e, &mut buf).unwrap(),
    }
    env.redact(&String::from_utf8(buf).unwrap())
}

/// a (us-east-1) replicates into the existing file system b (us-west-2).
async fn a_to_b() -> Env {
    let mut env = Env::start().await;
    env.fs("a", E).await;
    env.fs("b", W).await;
    env.protection("b", W, KEY_MAIN, "DISABLED").await;
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
async fn failback_calls_out_the_delete_and_the_overwrite_before_the_table() {
    let env = a_to_b().await;
    let (plan, _) = env.plan(FAILBACK, &[]).await;
    let text = markdown(&env, &plan);
    let warning = text
        .find("[!WARNING]")
        .expect("destructive actions called out");
    let table = text.find("| Action |").expect("a table of changes");
    assert!(warning < table, "{text}");
    assert!(text.contains("> - **delete** `removed.<fs:a>`"), "{text}");
    assert!(
        text.contains("> - **overwrite** `replication.back`: replicates into the existing file system <fs:a> (us-east-1)"),
        "{text}"
    );
    assert!(text.contains("1 to overwrite."), "{text}");
    assert!(
        text.contains("<details><summary>Full plan</summary>"),
        "{text}"
    );
    insta::assert_snapshot!("failback_markdown", text);
    // The same destructive actions as GitHub annotations.
    let mut buf = Vec::new();
    efs_replicator::render::github::render_plan_warnings_github(plan.as_ref().unwrap(), &mut buf)
        .unwrap();
    let gh = env.redact(&String::from_utf8(buf).unwrap());
    assert_eq!(
        gh,
        "::warning title=efs-replicator%3A removed.<fs:a>::removed.<fs:a> will be deleted: named in a removed block\n\
         ::warning title=efs-replicator%3A replication.back::replication.back overwrites all data on the existing file system <fs:a> (us-east-1)\n"
    );
}

#[tokio::test]
async fn replace_with_an_unmanaged_replication_in_scope() {
    let mut env = Env::start().await;
    env.fs("home", E).await;
    env.replicate("home", E, DestinationToCreate::builder().region(W).build())
        .await;
    env.fs("stray", E).await;
    env.replicate("stray", E, DestinationToCreate::builder().region(W).build())
        .await;
    let cfg = HOME_TO_WEST.replace("region = \"us-west-2\"", "region = \"eu-west-1\"");
    let (plan, _) = env.plan(&cfg, &[]).await;
    let text = markdown(&env, &plan);
    assert!(
        text.contains("> - **replace** `replication.home`"),
        "{text}"
    );
    assert!(
        text.contains("**Unmanaged replications (1), left alone:**"),
        "{text}"
    );
    insta::assert_snapshot!("replace_unmanaged_markdown", text);
}

#[tokio::test]
async fn no_changes_has_no_warning_and_no_table() {
    let mut env = Env::start().await;
    env.fs("home", E).await;
    env.replicate("home", E, DestinationToCreate::builder().region(W).build())
        .await;
    let (plan, _) = env.plan(HOME_TO_WEST, &[]).await;
    let text = markdown(&env, &plan);
    assert!(!text.contains("[!WARNING]"), "{text}");
    assert!(!text.contains("| Action |"), "{text}");
    insta::assert_snapshot!("no_changes_markdown", text);
}

#[tokio::test]
async fn planning_errors() {
    let env = a_to_b().await;
    let cfg = FAILBACK.split("removed {").next().unwrap();
    let (plan, _) = env.plan(cfg, &[]).await;
    assert!(plan.is_err());
    insta::assert_snapshot!("errors_markdown", markdown(&env, &plan));
}

/// Runs the binary with a clean AWS environment.
async fn run(args: Vec<String>, home: std::path::PathBuf) -> std::process::Output {
    crate::kit::Bin::new(&[])
        .args(&args)
        .home(&home)
        .run()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_prints_markdown_and_keeps_json_and_its_alias() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut env = Env::start_with(Some(state.clone())).await;
    env.fs("home", E).await;
    env.stop().await;
    let cfg = env.write_config("cfg", HOME_TO_WEST);
    let home = env.dir.path().to_path_buf();
    let base = vec![
        "plan".to_owned(),
        path_str(&cfg),
        "--emulator".to_owned(),
        path_str(&state),
    ];
    let with = |extra: &[&str]| {
        let mut v = base.clone();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let md = run(with(&["--format", "markdown"]), home.clone()).await;
    assert_eq!(md.status.code(), Some(0));
    let md = String::from_utf8_lossy(&md.stdout).into_owned();
    assert!(md.starts_with("### efs-replicator plan\n"), "{md}");
    assert!(
        md.contains("**Plan: 1 to create, 0 to replace, 0 to delete, 0 to overwrite.**"),
        "{md}"
    );

    let json = run(with(&["--format", "json"]), home.clone()).await;
    let alias = run(with(&["--json"]), home.clone()).await;
    assert_eq!(json.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v["summary"]["create"], 1);
    assert_eq!(json.stdout, alias.stdout);

    let both = run(with(&["--json", "--format", "markdown"]), home.clone()).await;
    assert_eq!(both.status.code(), Some(1), "--json and --format conflict");
}
