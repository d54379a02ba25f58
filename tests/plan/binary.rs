//! The built binary: exit codes (0, 1, 2 with --detailed-exitcode), global
//! flags before or after the subcommand, --json, --out, --emulator, and the
//! endpoint taken from --endpoint-url or AWS_ENDPOINT_URL_EFS, with AWS
//! errors that say what to do.

use std::path::{Path, PathBuf};
use std::process::Output;

use aws_sdk_efs::types::DestinationToCreate;
use efs_replicator::plan::SavedPlan;

use crate::support::{path_str, Env, KEY_MAIN};

const CONFIG: &str = r#"
replication "home" {
  source_file_system_id = "@home"
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
"#;

/// Runs the binary with a clean environment (no AWS config, no IMDS) and
/// `env` on top.
pub(crate) async fn run(args: Vec<String>, env: Vec<(String, String)>, home: PathBuf) -> Output {
    let mut bin = crate::kit::Bin::new(&[]).args(&args).home(&home);
    for (k, v) in &env {
        bin = bin.env(k, v);
    }
    bin.run().await
}

pub(crate) use crate::kit::text;

/// A state file holding the source file system `home`, and a config for it.
async fn seeded() -> (Env, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut env = Env::start_with(Some(state.clone())).await;
    // Keep the state file's directory alive as long as the Env.
    env.dir = dir;
    env.fs("home", "us-east-1").await;
    env.stop().await;
    let dir = env.write_config("cfg", CONFIG);
    (env, state, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detailed_exitcode_is_2_with_changes_and_0_without() {
    let (env, state, dir) = seeded().await;
    let home = env.dir.path().to_path_buf();
    let args = |extra: &[&str]| {
        let mut v = vec![
            "plan".to_owned(),
            path_str(&dir),
            "--emulator".to_owned(),
            path_str(&state),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let out = run(args(&["--detailed-exitcode"]), vec![], home.clone()).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Plan: 1 to create, 0 to replace, 0 to delete."));
    let out = run(args(&[]), vec![], home.clone()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Create the replication in that state, then plan again: no changes.
    let mut env2 = Env::start_with(Some(state.clone())).await;
    let id = env.id("home");
    env2.client("us-east-1")
        .create_replication_configuration()
        .source_file_system_id(id)
        .destinations(DestinationToCreate::builder().region("us-west-2").build())
        .send()
        .await
        .unwrap();
    env2.stop().await;
    let out = run(args(&["--detailed-exitcode"]), vec![], home).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).ends_with("No changes.\n"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_flags_go_before_or_after_the_subcommand() {
    let (env, state, dir) = seeded().await;
    let home = env.dir.path().to_path_buf();
    let before = run(
        vec![
            "--emulator".into(),
            path_str(&state),
            "--no-color".into(),
            "plan".into(),
            path_str(&dir),
        ],
        vec![],
        home.clone(),
    )
    .await;
    let after = run(
        vec![
            "plan".into(),
            path_str(&dir),
            "--no-color".into(),
            "--emulator".into(),
            path_str(&state),
        ],
        vec![],
        home,
    )
    .await;
    assert_eq!(before.status.code(), Some(0), "{}", text(&before.stderr));
    assert_eq!(after.status.code(), Some(0), "{}", text(&after.stderr));
    assert_eq!(text(&before.stdout), text(&after.stdout));
    assert!(text(&before.stdout).contains("+ replication.home {"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_has_the_documented_shape_and_out_saves_the_plan() {
    let (env, state, dir) = seeded().await;
    let saved = env.dir.path().join("plan.json");
    let out = run(
        vec![
            "plan".into(),
            path_str(&dir),
            "--json".into(),
            "--out".into(),
            path_str(&saved),
            "--emulator".into(),
            path_str(&state),
        ],
        vec![],
        env.dir.path().to_path_buf(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&doc),
        ["changes", "format_version", "summary", "unmanaged"]
    );
    assert_eq!(doc["format_version"], "1");
    assert_eq!(
        keys(&doc["changes"][0]),
        ["action", "address", "after", "before", "reason", "steps"]
    );
    assert_eq!(doc["changes"][0]["action"], "create");
    assert_eq!(doc["changes"][0]["steps"][0]["kind"], "create");
    assert_eq!(
        keys(&doc["summary"]),
        ["create", "delete", "no_op", "overwrite", "replace"]
    );
    assert_eq!(doc["summary"]["create"], 1);

    let plan = SavedPlan::read(std::fs::File::open(&saved).unwrap()).unwrap();
    assert!(plan.fingerprint.starts_with("sha256:"));
    assert_eq!(plan.plan.steps.len(), 2);
    assert_eq!(plan.plan.changes[0].address, "replication.home");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_exit_1_even_with_detailed_exitcode() {
    let (env, state, _) = seeded().await;
    let home = env.dir.path().to_path_buf();
    // A configuration error.
    let bad = env.write_config(
        "bad",
        "replication \"x\" {\n  destination { region = \"us-west-2\" }\n}\n",
    );
    let out = run(
        vec![
            "plan".into(),
            path_str(&bad),
            "--detailed-exitcode".into(),
            "--emulator".into(),
            path_str(&state),
        ],
        vec![],
        home.clone(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("source_file_system_id"),
        "{}",
        text(&out.stderr)
    );
    // A preflight error.
    let missing = env.write_config("missing", &CONFIG.replace("@home", "fs-00000000deadbeef"));
    let out = run(
        vec![
            "plan".into(),
            path_str(&missing),
            "--detailed-exitcode".into(),
            "--emulator".into(),
            path_str(&state),
        ],
        vec![],
        home,
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("fs-00000000deadbeef was not found in us-east-1"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_from_environment_or_flag_and_access_denied_names_the_iam_action() {
    let mut env = Env::start().await;
    env.fs("home", "us-east-1").await;
    let dir = env.write_config("cfg", CONFIG);
    let home = env.dir.path().to_path_buf();
    let creds = vec![
        ("AWS_ACCESS_KEY_ID".to_owned(), KEY_MAIN.to_owned()),
        ("AWS_SECRET_ACCESS_KEY".to_owned(), "secret".to_owned()),
        ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
    ];
    let mut with_env = creds.clone();
    with_env.push(("AWS_ENDPOINT_URL_EFS".to_owned(), env.base.clone()));
    let out = run(
        vec!["plan".into(), path_str(&dir)],
        with_env.clone(),
        home.clone(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Plan: 1 to create"));

    let out = run(
        vec![
            "plan".into(),
            path_str(&dir),
            "--endpoint-url".into(),
            env.base.clone(),
        ],
        creds,
        home.clone(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    env.admin_post(
        "/_emulator/faults",
        &serde_json::json!({
            "operation": "DescribeReplicationConfigurations",
            "error": "AccessDeniedException",
            "status": 403,
            "message": "User is not authorized to perform: elasticfilesystem:DescribeReplicationConfigurations",
            "count": 10
        }),
    )
    .await;
    let out = run(vec!["plan".into(), path_str(&dir)], with_env, home).await;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("DescribeReplicationConfigurations in us-"),
        "{err}"
    );
    assert!(err.contains("AccessDeniedException"), "{err}");
    assert!(
        err.contains("grant elasticfilesystem:DescribeReplicationConfigurations"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_plans_against_its_seed_state() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state.json");
    std::fs::copy(root.join("examples/quickstart/seed-state.json"), &state).unwrap();
    let out = run(
        vec![
            "plan".into(),
            path_str(&root.join("examples/quickstart")),
            "--emulator".into(),
            path_str(&state),
            "--detailed-exitcode".into(),
        ],
        vec![],
        tmp.path().to_path_buf(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("+ replication.home {"), "{stdout}");
    assert!(
        stdout.contains("a new One Zone file system in eu-central-1a"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("Plan: 2 to create, 0 to replace, 0 to delete.\n"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unwritable_out_file_and_conflicting_flags_are_errors() {
    let (env, state, dir) = seeded().await;
    let home = env.dir.path().to_path_buf();
    let bad_out = env.dir.path().join("no-such-dir").join("plan.json");
    let out = run(
        vec![
            "plan".into(),
            path_str(&dir),
            "--out".into(),
            path_str(&bad_out),
            "--emulator".into(),
            path_str(&state),
        ],
        vec![],
        home.clone(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("could not write the saved plan"),
        "{}",
        text(&out.stderr)
    );
    assert!(!bad_out.exists());

    let out = run(
        vec![
            "plan".into(),
            path_str(&dir),
            "--endpoint-url".into(),
            "http://127.0.0.1:9".into(),
            "--emulator".into(),
            path_str(&state),
        ],
        vec![],
        home,
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot be used together"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_flag_selects_credentials_and_endpoint_from_the_aws_files() {
    let mut env = Env::start().await;
    env.fs("home", "us-east-1").await;
    let dir = env.write_config("cfg", CONFIG);
    let home = env.dir.path().to_path_buf();
    std::fs::write(
        home.join("aws-credentials"),
        format!("[ops]\naws_access_key_id = {KEY_MAIN}\naws_secret_access_key = secret\n"),
    )
    .unwrap();
    std::fs::write(
        home.join("aws-config"),
        format!(
            "[profile ops]\nregion = us-east-1\nendpoint_url = {}\n",
            env.base
        ),
    )
    .unwrap();
    let out = run(
        vec![
            "plan".into(),
            path_str(&dir),
            "--profile".into(),
            "ops".into(),
        ],
        vec![],
        home.clone(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Plan: 1 to create"));
    // Without the profile there are no credentials: a clear error, exit 1.
    let out = run(vec!["plan".into(), path_str(&dir)], vec![], home).await;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("DescribeReplicationConfigurations in us-"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_emulator_state_file_is_a_clear_error() {
    let (env, _, dir) = seeded().await;
    let broken = env.dir.path().join("broken.json");
    std::fs::write(&broken, "{ not json").unwrap();
    let out = run(
        vec![
            "plan".into(),
            path_str(&dir),
            "--emulator".into(),
            path_str(&broken),
        ],
        vec![],
        env.dir.path().to_path_buf(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("could not start the embedded emulator"),
        "{err}"
    );
    assert!(err.contains("broken.json"), "{err}");
    // The parse error is said once (it used to be repeated by the chain).
    assert_eq!(err.matches("line 1 column").count(), 1, "{err}");
    // The broken file is left as it was.
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), "{ not json");
}

/// The embedded emulator plays the variant set named by
/// EFS_EMULATOR_VARIANTS (inherited by every binary test, so they run under
/// each set); an unknown set name is an error naming the variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_emulator_variant_set_is_refused() {
    let (env, state, dir) = seeded().await;
    let home = env.dir.path().to_path_buf();
    let out = run(
        vec![
            "--emulator".into(),
            path_str(&state),
            "plan".into(),
            path_str(&dir),
        ],
        vec![("EFS_EMULATOR_VARIANTS".into(), "all-non-default".into())],
        home,
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.contains("EFS_EMULATOR_VARIANTS") && err.contains("all-nondefault"),
        "{err}"
    );
}
