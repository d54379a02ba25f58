//! Issue 11: declared KMS keys resolved with DescribeKey, end to end
//! through the binary against the emulator (`--endpoint-url` and
//! `--emulator`): an alias of the key in use is no drift and no note, an
//! alias of another key is a replace, a missing alias is a preflight error
//! before any mutating call, a denied DescribeKey is a note naming
//! `kms:DescribeKey`, and one DescribeKey is made per distinct reference.

use std::path::{Path, PathBuf};
use std::process::Output;

use aws_sdk_efs::types::DestinationToCreate;

use crate::support::{path_str, Env, KEY_MAIN};

/// A KMS client on the emulator for `region` (default account).
fn kms(base: &str, region: &str) -> aws_sdk_kms::Client {
    let conf = aws_sdk_kms::Config::builder()
        .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
        .region(aws_sdk_kms::config::Region::new(region.to_owned()))
        .credentials_provider(aws_sdk_kms::config::Credentials::new(
            KEY_MAIN, "secret", None, None, "test",
        ))
        .endpoint_url(base)
        .build();
    aws_sdk_kms::Client::from_conf(conf)
}

/// Creates a key with `alias` in `region`; returns the key ARN.
async fn key_with_alias(base: &str, region: &str, alias: &str) -> String {
    let c = kms(base, region);
    let key = c.create_key().send().await.unwrap();
    let m = key.key_metadata().unwrap();
    c.create_alias()
        .alias_name(alias)
        .target_key_id(m.key_id())
        .send()
        .await
        .unwrap();
    m.arn().unwrap().to_owned()
}

fn config(kms_key: &str, other_kms_key: &str) -> String {
    format!(
        r#"
replication "home" {{
  source_file_system_id = "@home"
  source_region         = "us-east-1"
  destination {{
    region     = "us-west-2"
    kms_key_id = "{kms_key}"
  }}
}}

replication "logs" {{
  source_file_system_id = "@logs"
  source_region         = "us-east-1"
  destination {{
    region     = "us-west-2"
    kms_key_id = "{other_kms_key}"
  }}
}}
"#
    )
}

/// Runs the binary against the emulator at `base` with a clean environment.
async fn run(args: Vec<String>, base: Option<String>, home: PathBuf) -> Output {
    let mut bin = crate::kit::Bin::new(&[]).args(&args);
    if let Some(b) = &base {
        bin = bin.args(["--endpoint-url", b]);
    }
    bin.home(&home)
        .credentials(KEY_MAIN)
        .env("AWS_REGION", "us-east-1")
        .run()
        .await
}

use crate::kit::text;

/// The operations the emulator logged after request `seq`.
fn operations_after(env: &Env, seq: u64) -> Vec<String> {
    let stats = env.emu.as_ref().unwrap().stats();
    stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["seq"].as_u64().unwrap() > seq)
        .map(|r| r["operation"].as_str().unwrap().to_owned())
        .collect()
}

fn last_seq(env: &Env) -> u64 {
    let stats = env.emu.as_ref().unwrap().stats();
    stats["requests"]
        .as_array()
        .unwrap()
        .last()
        .map_or(0, |r| r["seq"].as_u64().unwrap())
}

fn write(dir: &Path, text: &str) -> String {
    let p = dir.join("main.hcl");
    std::fs::write(&p, text).unwrap();
    path_str(&p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_aliases_are_resolved_and_compared_exactly() {
    let mut env = Env::start().await;
    let home_id = env.fs("home", "us-east-1").await;
    let logs_id = env.fs("logs", "us-east-1").await;
    let base = env.base.clone();
    key_with_alias(&base, "us-west-2", "alias/dr").await;
    key_with_alias(&base, "us-west-2", "alias/other").await;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_path_buf();
    let ids = |cfg: String| cfg.replace("@home", &home_id).replace("@logs", &logs_id);
    let cfg = write(dir.path(), &ids(config("alias/dr", "alias/dr")));

    let out = run(
        vec!["apply".into(), cfg.clone(), "--auto-approve".into()],
        Some(base.clone()),
        home.clone(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Both replications name alias/dr: one DescribeKey, no note, no change.
    let seq = last_seq(&env);
    let out = run(
        vec!["plan".into(), cfg.clone(), "--detailed-exitcode".into()],
        Some(base.clone()),
        home.clone(),
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("No changes."), "{stdout}");
    assert!(!stdout.contains("could not be verified"), "{stdout}");
    let ops = operations_after(&env, seq);
    assert_eq!(
        ops.iter().filter(|o| *o == "DescribeKey").count(),
        1,
        "{ops:?}"
    );

    // An alias of another key: a replace that says so; one call per reference.
    let seq = last_seq(&env);
    let cfg = write(dir.path(), &ids(config("alias/other", "alias/dr")));
    let out = run(
        vec!["plan".into(), cfg.clone(), "--detailed-exitcode".into()],
        Some(base.clone()),
        home.clone(),
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("Plan: 0 to create, 1 to replace"),
        "{stdout}"
    );
    assert!(
        stdout.contains("alias/other names another key than the one in use"),
        "{stdout}"
    );
    let ops = operations_after(&env, seq);
    assert_eq!(
        ops.iter().filter(|o| *o == "DescribeKey").count(),
        2,
        "{ops:?}"
    );

    // A missing alias: a preflight error naming the address and the
    // reference; apply makes no mutating call.
    let cfg = write(dir.path(), &ids(config("alias/nope", "alias/dr")));
    let out = run(
        vec!["plan".into(), cfg.clone()],
        Some(base.clone()),
        home.clone(),
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("replication.home: KMS key alias/nope was not found in us-west-2"),
        "{stderr}"
    );
    let seq = last_seq(&env);
    let out = run(
        vec!["apply".into(), cfg.clone(), "--auto-approve".into()],
        Some(base.clone()),
        home.clone(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let ops = operations_after(&env, seq);
    assert!(!ops.is_empty());
    assert!(
        ops.iter()
            .all(|o| o.starts_with("Describe") || o.starts_with("List")),
        "{ops:?}"
    );

    // DescribeKey denied: a note naming the IAM action; the comparison falls
    // back to what can be told without KMS.
    let cfg = write(dir.path(), &ids(config("alias/dr", "alias/dr")));
    env.admin_post(
        "/_emulator/faults",
        &serde_json::json!({
            "operation": "DescribeKey",
            "error": "AccessDeniedException",
            "message": "User is not authorized to perform: kms:DescribeKey",
            "count": 1
        }),
    )
    .await;
    let out = run(vec!["plan".into(), cfg], Some(base.clone()), home).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("No changes."), "{stdout}");
    assert!(
        stdout.contains("kms:DescribeKey was denied") && stdout.contains("could not be verified"),
        "{stdout}"
    );
}

/// `--emulator` sends KMS calls to the embedded emulator: a key and alias
/// kept in its state file resolve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_emulator_answers_describe_key() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut env = Env::start_with(Some(state.clone())).await;
    let home_id = env.fs("home", "us-east-1").await;
    let logs_id = env.fs("logs", "us-east-1").await;
    let base = env.base.clone();
    key_with_alias(&base, "us-west-2", "alias/dr").await;
    for id in [&home_id, &logs_id] {
        env.client("us-east-1")
            .create_replication_configuration()
            .source_file_system_id(id)
            .destinations(
                DestinationToCreate::builder()
                    .region("us-west-2")
                    .kms_key_id("alias/dr")
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    env.stop().await;
    let cfg = config("alias/dr", "alias/dr")
        .replace("@home", &home_id)
        .replace("@logs", &logs_id);
    let cfg = write(dir.path(), &cfg);
    let out = run(
        vec![
            "plan".into(),
            cfg.clone(),
            "--emulator".into(),
            path_str(&state),
        ],
        None,
        dir.path().to_path_buf(),
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("No changes."), "{stdout}");
    assert!(!stdout.contains("could not be verified"), "{stdout}");
    let cfg_missing = std::fs::read_to_string(&cfg)
        .unwrap()
        .replacen("alias/dr", "alias/gone", 1);
    let cfg = write(dir.path(), &cfg_missing);
    let out = run(
        vec!["plan".into(), cfg, "--emulator".into(), path_str(&state)],
        None,
        dir.path().to_path_buf(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("KMS key alias/gone was not found in us-west-2"),
        "{}",
        text(&out.stderr)
    );
}
