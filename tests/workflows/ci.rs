//! examples/ci/: the GitHub Actions workflow runs its commands through
//! examples/ci/pr-plan.sh and examples/ci/drift-check.sh; these tests read
//! the workflow, take the exact `run:` lines that call the scripts and the
//! workflow's `env:` values, and run them with bash against the emulator:
//! the pull-request job (fmt, validate, Markdown plan into
//! $GITHUB_STEP_SUMMARY; annotations and a failure on a bad configuration)
//! and the drift job (exit 2 on drift with the report in the summary, 0 once
//! applied). If the workflow's commands break, these tests fail.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::{binary, root, text};

const WORKFLOW: &str = "examples/ci/efs-replicator.yml";

/// The top-level `env:` of the workflow and every `run:` command.
fn workflow() -> (BTreeMap<String, String>, Vec<String>) {
    let yaml = std::fs::read_to_string(root().join(WORKFLOW)).unwrap();
    let mut env = BTreeMap::new();
    let mut runs = Vec::new();
    let mut in_env = false;
    for line in yaml.lines() {
        if !line.starts_with(' ') {
            in_env = line.trim_end() == "env:";
            continue;
        }
        if in_env {
            if let Some((k, v)) = line.trim().split_once(": ") {
                env.insert(k.to_owned(), v.trim_matches('"').to_owned());
            }
        }
        if let Some(cmd) = line.trim().strip_prefix("run: ") {
            runs.push(cmd.to_owned());
        } else if let Some(cmd) = line.trim().strip_prefix("- run: ") {
            runs.push(cmd.to_owned());
        }
    }
    (env, runs)
}

/// The one `run:` line that calls `script`.
fn command(script: &str) -> String {
    let (_, runs) = workflow();
    let found: Vec<&String> = runs.iter().filter(|r| r.contains(script)).collect();
    assert_eq!(
        found.len(),
        1,
        "{WORKFLOW} should run {script} once: {runs:?}"
    );
    found[0].clone()
}

/// Runs a workflow command with bash from the repository root, with the
/// workflow's env, the built binary, `summary` as $GITHUB_STEP_SUMMARY and `extra`.
fn run_step(cmd: &str, summary: &Path, extra: &[(&str, &str)]) -> Output {
    let (env, _) = workflow();
    let mut c = std::process::Command::new("bash");
    c.args(["-c", cmd]).current_dir(root());
    for (k, v) in env {
        c.env(k, v);
    }
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            c.env_remove(k);
        }
    }
    c.env("EFS_REPLICATOR", env!("CARGO_BIN_EXE_efs-replicator"))
        .env("GITHUB_STEP_SUMMARY", summary)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", summary.with_extension("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            summary.with_extension("no-aws-credentials"),
        )
        .env("NO_COLOR", "1");
    for (k, v) in extra {
        c.env(k, v);
    }
    c.output().expect("bash runs")
}

#[test]
fn the_workflow_plans_pull_requests_without_aws_and_checks_drift_on_a_schedule() {
    let yaml = std::fs::read_to_string(root().join(WORKFLOW)).unwrap();
    for needle in [
        "pull_request:",
        "schedule:",
        "id-token: write",
        "aws-actions/configure-aws-credentials",
        "if: failure()",
        "cargo build --release --locked --bin efs-replicator",
    ] {
        assert!(yaml.contains(needle), "{WORKFLOW} lacks {needle}");
    }
    let (env, _) = workflow();
    assert!(
        env.contains_key("CONFIG_DIR") && env.contains_key("EMULATOR_SEED"),
        "{env:?}"
    );
}

#[test]
fn the_pull_request_step_writes_the_markdown_plan_to_the_summary() {
    let cmd = command("examples/ci/pr-plan.sh");
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let (env, _) = workflow();
    let seed = root().join(&env["EMULATOR_SEED"]);
    let seed_before = std::fs::read(&seed).unwrap();
    let out = run_step(&cmd, &summary, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{cmd}\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("### efs-replicator plan\n"), "{md}");
    assert!(
        md.contains("**Plan: 2 to create, 0 to replace, 0 to delete"),
        "{md}"
    );
    assert!(md.contains("<details><summary>Full plan</summary>"), "{md}");
    assert_eq!(
        std::fs::read(&seed).unwrap(),
        seed_before,
        "the seed state is not modified"
    );

    // A configuration error fails the step with an annotation on the file.
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(
        bad.join("main.hcl"),
        "replication \"a\" {\n  source_file_system_id = \"fs-0000000a\"\n  source_region         = \"us-east-1\"\n  colour                = \"blue\"\n  destination {\n    region = \"us-west-2\"\n  }\n}\n",
    )
    .unwrap();
    let out = run_step(&cmd, &summary, &[("CONFIG_DIR", bad.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "::error file={}/main.hcl,line=4,col=3,",
            bad.display()
        )),
        "{stdout}\n{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_drift_step_fails_with_exit_2_on_drift_and_passes_once_applied() {
    let cmd = command("examples/ci/drift-check.sh");
    let (env, _) = workflow();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::copy(root().join(&env["EMULATOR_SEED"]), &state).unwrap();
    // The emulator stands in for AWS, reached through the standard endpoint variable.
    let emu = efs_emulator::start(efs_emulator::Config {
        state_file: Some(state),
        create_delay: Duration::ZERO,
        enable_delay: Duration::ZERO,
        initial_sync_delay: Duration::ZERO,
        ..efs_emulator::Config::default()
    })
    .await
    .unwrap();
    let url = emu.base_url().to_owned();
    let aws: Vec<(String, String)> = [
        ("AWS_ACCESS_KEY_ID", "AKIADRIFTJOB00000001"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_EFS", url.as_str()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let summary = dir.path().join("summary.md");
    let step = {
        let (cmd, summary, aws) = (cmd.clone(), summary.clone(), aws.clone());
        move || {
            let extra: Vec<(&str, &str)> =
                aws.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            run_step(&cmd, &summary, &extra)
        }
    };
    let out = tokio::task::spawn_blocking(step.clone()).await.unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("::error title=efs-replicator drift::"));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("### efs-replicator check\n"), "{md}");
    assert!(
        md.contains("**FAIL (exit 2):** 2 declared replications, 2 drifted"),
        "{md}"
    );

    let config = env["CONFIG_DIR"].clone();
    let applied = tokio::task::spawn_blocking(move || {
        let mut c = binary(&["apply", &config, "--auto-approve"]);
        for (k, v) in aws {
            c.env(k, v);
        }
        c.output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied.stderr));
    std::fs::remove_file(&summary).unwrap();
    let out = tokio::task::spawn_blocking(step).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(&summary)
        .unwrap()
        .contains("**OK:**"));
    emu.shutdown().await;
}
