//! Issue 15's rough edges a new user hits with `--emulator`, through the
//! built binary: a state file path with a typo, `check` measuring lag with
//! the embedded emulator's clock (so `POST /_emulator/clock` can
//! demonstrate a lag alert), and a `--target` given as a bare block name.

use aws_sdk_efs::types::DestinationToCreate;

use crate::binary::{run, text};
use crate::support::{path_str, Env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_state_file_is_announced_and_a_missing_directory_is_refused() {
    let env = Env::start().await;
    let home = env.dir.path().to_path_buf();
    let dir = env.write_config(
        "cfg",
        r#"
replication "home" {
  source_file_system_id = "fs-0123456789abcdef0"
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
"#,
    );

    let state = home.join("new-state.json");
    let o = run(
        vec![
            "plan".into(),
            path_str(&dir),
            "--emulator".into(),
            path_str(&state),
        ],
        vec![],
        home.clone(),
    )
    .await;
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!(
            "emulator state file {} does not exist",
            state.display()
        )) && err.contains("creating it"),
        "{err}"
    );

    let missing = home.join("no-such-dir").join("state.json");
    let o = run(
        vec![
            "plan".into(),
            path_str(&dir),
            "--emulator".into(),
            path_str(&missing),
        ],
        vec![],
        home.clone(),
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!(
            "directory {} does not exist",
            home.join("no-such-dir").display()
        )),
        "{err}"
    );
    assert!(!missing.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_measures_lag_with_the_emulator_clock() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut env = Env::start_with(Some(state.clone())).await;
    env.dir = dir;
    env.fs("home", "us-east-1").await;
    env.replicate(
        "home",
        "us-east-1",
        DestinationToCreate::builder().region("us-west-2").build(),
    )
    .await;
    let source = env.id("home");
    env.admin_post(
        &format!("/_emulator/replications/{source}/stall"),
        &serde_json::json!({}),
    )
    .await;
    env.stop().await;
    let home = env.dir.path().to_path_buf();
    let cfg = env.write_config(
        "cfg",
        &env.config_text(
            r#"
replication "home" {
  source_file_system_id = "@home"
  source_region         = "us-east-1"
  max_replication_lag   = "1h"
  destination {
    region = "us-west-2"
  }
}
"#,
        ),
    );
    let check = || {
        run(
            vec![
                "check".into(),
                path_str(&cfg),
                "--json".into(),
                "--emulator".into(),
                path_str(&state),
            ],
            vec![],
            home.clone(),
        )
    };
    let o = check().await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));

    // Two hours pass on the emulator's clock only.
    let mut env2 = Env::start_with(Some(state.clone())).await;
    env2.admin_post(
        "/_emulator/clock",
        &serde_json::json!({"advance_seconds": 7200}),
    )
    .await;
    env2.stop().await;

    let o = check().await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let lag = v["replications"][0]["lag_seconds"]
        .as_u64()
        .unwrap_or_else(|| {
            panic!("no lag_seconds: {v}");
        });
    assert!(lag >= 7200, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_block_name_as_target_suggests_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut env = Env::start_with(Some(state.clone())).await;
    env.dir = dir;
    env.fs("web", "us-east-1").await;
    env.stop().await;
    let home = env.dir.path().to_path_buf();
    let cfg = env.write_config(
        "cfg",
        &env.config_text(
            r#"
replication "web" {
  source_file_system_id = "@web"
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
"#,
        ),
    );
    let o = run(
        vec![
            "plan".into(),
            path_str(&cfg),
            "--target".into(),
            "web".into(),
            "--emulator".into(),
            path_str(&state),
        ],
        vec![],
        home,
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(
        err.contains("did you mean --target replication.web?"),
        "{err}"
    );
}
