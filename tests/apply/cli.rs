//! The command line: approval, saved plans (applied as is, refused when
//! stale), the JSON event stream, and `--no-wait`.

use std::process::Output;

use efs_emulator::Emulator;
use serde_json::Value;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_and_without_auto_approve_nothing_is_changed() {
    let k = creating([1], "us-west-2").start().await;
    let out = run_bin(&k, &["apply", path_str(&k.config_dir())]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("--auto-approve"), "{stderr}");
    assert!(
        stdout.contains("replication.r1"),
        "the plan is shown: {stdout}"
    );
    assert!(mutations(&k).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_is_applied_as_is_and_refused_once_stale() {
    let k = creating([1, 2], "us-west-2").start().await;
    let dir = k.config_dir();
    let saved = k.dir.path().join("plan.json");
    let out = run_bin(&k, &["plan", path_str(&dir), "--out", path_str(&saved)]).await;
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));

    // Someone creates the replication of fs 1 meanwhile, and turns off the
    // overwrite protection of fs 2.
    let reader = k.reader().await;
    let east = reader.client(&efs_replicator::model::Region::parse("us-east-1").unwrap());
    kit::disable_protection(&east, &fsid(2)).await;
    kit::create_replication(&east, &fsid(1), "eu-west-1", None)
        .await
        .unwrap();
    let before = mutations(&k).await.len();
    let out = run_bin(&k, &["apply", "--plan", path_str(&saved)]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("stale"), "{stderr}");
    assert!(
        stderr.contains("replication.r1") && stderr.contains("eu-west-1"),
        "says what changed: {stderr}"
    );
    // A file-system attribute: which one, where, from what to what.
    assert!(
        stderr.contains(&format!(
            "file system {} (us-east-1): overwrite protection changed from ENABLED to DISABLED",
            fsid(2)
        )),
        "names the file system, the attribute and both values: {stderr}"
    );
    assert!(!stderr.contains("life cycle state, encryption"), "{stderr}");
    assert_eq!(mutations(&k).await.len(), before, "nothing applied");

    // A fresh saved plan applies without a question.
    let saved2 = k.dir.path().join("plan2.json");
    let p = run_bin(&k, &["plan", path_str(&dir), "--out", path_str(&saved2)]).await;
    assert!(p.status.success());
    let out = run_bin(&k, &["apply", "--plan", path_str(&saved2)]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("Apply complete"), "{stdout}");
}

/// Defect: a garbage saved plan printed its parse error twice (once in the
/// message, once more as the error's source).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_saved_plan_is_one_clear_error() {
    let k = seeded(&[(1, "us-east-1")]).start().await;
    let saved = k.dir.path().join("garbage.json");
    std::fs::write(&saved, "{\"kind\":").unwrap();
    let out = run_bin(&k, &["apply", "--plan", path_str(&saved)]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("not a saved plan"), "{stderr}");
    assert_eq!(stderr.matches("EOF while parsing").count(), 1, "{stderr}");
    assert!(mutations(&k).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_streams_one_event_per_line_ending_with_the_summary() {
    let k = creating([1, 2], "us-west-2").start().await;
    let out = apply_bin(&k, &["--json"]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let events: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types.iter().filter(|t| **t == "apply_start").count(),
        2,
        "{types:?}"
    );
    assert_eq!(
        types.iter().filter(|t| **t == "apply_complete").count(),
        2,
        "{types:?}"
    );
    assert_eq!(*types.last().unwrap(), "summary");
    let summary = events.last().unwrap();
    assert_eq!(summary["done"], 2);
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["addresses"][0]["outcome"], "done");
    // Issue 15: the new destination's id, in the summary and the events.
    for a in summary["addresses"].as_array().unwrap() {
        let detail = a["detail"].as_str().unwrap_or_default();
        assert!(
            detail.starts_with("new destination fs-") && detail.ends_with(" (us-west-2)"),
            "{a}"
        );
    }
    let complete = events
        .iter()
        .find(|e| e["type"] == "apply_complete")
        .unwrap();
    assert!(
        complete["note"]
            .as_str()
            .is_some_and(|n| n.starts_with("new destination fs-")),
        "{complete}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_reports_a_failure_with_its_code_region_and_hint() {
    let k = creating([1], "us-west-2").start().await;
    fault(
        &k,
        serde_json::json!({"operation": "CreateReplicationConfiguration", "error": "AccessDeniedException", "status": 403}),
    )
    .await;
    let out = apply_bin(&k, &["--json"]).await;
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let events: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let errored = events
        .iter()
        .find(|e| e["type"] == "apply_errored")
        .expect("apply_errored");
    assert_eq!(errored["address"], "replication.r1");
    assert_eq!(errored["error"]["code"], "AccessDeniedException");
    assert_eq!(errored["error"]["region"], "us-east-1");
    let summary = events.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["failed"], 1);
    assert!(summary["addresses"][0]["error"]["hint"]
        .as_str()
        .unwrap()
        .contains("elasticfilesystem:CreateReplicationConfiguration"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_progress_lines_name_the_address() {
    let k = creating([1], "us-west-2").start().await;
    let out = apply_bin(&k, &[]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("replication.r1: creating..."), "{stdout}");
    assert!(stdout.contains("replication.r1: created after"), "{stdout}");
    assert!(
        stdout.contains("Apply complete: 1 done, 0 failed, 0 skipped"),
        "{stdout}"
    );
    // Issue 15: the summary names the new destination file system.
    let summary_line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("done") && l.contains("replication.r1"))
        .unwrap_or_else(|| panic!("no summary line: {stdout}"));
    assert!(
        summary_line.contains("new destination fs-") && summary_line.contains("(us-west-2)"),
        "{stdout}"
    );
}

/// Runs the binary on a pseudo-terminal (util-linux `script`), typing `input`.
/// Fails the test when `script` is missing: a silent pass would hide that
/// the terminal path is not tested.
pub(super) async fn run_on_tty(emu: &Emulator, args: &[&str], input: &str) -> Output {
    if let Err(e) = std::process::Command::new("script")
        .arg("--version")
        .output()
    {
        panic!("this test needs `script` from util-linux to run apply on a pseudo-terminal, and it could not be run ({e}); install util-linux");
    }
    let inner = bin(emu.base_url(), args);
    // `env -u NAME...` must come before the assignments.
    let mut unset = String::new();
    let mut set = String::new();
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => set.push_str(&format!(
                "{}='{}' ",
                k.to_string_lossy(),
                v.to_string_lossy()
            )),
            None => unset.push_str(&format!("-u {} ", k.to_string_lossy())),
        }
    }
    let line = format!("{unset}{set}");
    let mut cmdline = format!("env {line}'{}'", inner.get_program().to_string_lossy());
    for a in inner.get_args() {
        cmdline.push_str(&format!(" '{}'", a.to_string_lossy()));
    }
    let input = input.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new("script")
            .args(["-qec", &cmdline, "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // Give the prompt time to appear before typing.
        std::thread::sleep(std::time::Duration::from_millis(1500));
        // The process may already have exited; its output says why.
        let _ = stdin.write_all(input.as_bytes());
        drop(stdin);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_only_yes_approves() {
    let k = creating([1], "us-west-2").start().await;
    let dir = k.config_dir();
    let out = run_on_tty(&k, &["apply", path_str(&dir)], "no\n").await;
    let (stdout, stderr) = text(&out);
    assert!(
        stdout.contains("Only 'yes' will be accepted"),
        "{stdout}\n{stderr}"
    );
    assert!(stdout.contains("Apply cancelled."), "{stdout}");
    assert_eq!(out.status.code(), Some(1));
    assert!(mutations(&k).await.is_empty());

    let out = run_on_tty(&k, &["apply", path_str(&dir)], "yes\n").await;
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("Apply complete: 1 done"), "{stdout}");
    assert_eq!(mutations(&k).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_fast_starts_nothing_after_the_first_failure() {
    let k = creating([1, 2, 3], "us-west-2").start().await;
    fault(
        &k,
        serde_json::json!({"operation": "CreateReplicationConfiguration", "error": "AccessDeniedException", "status": 403}),
    )
    .await;
    let out = apply_bin(&k, &["--fail-fast", "--parallelism", "1"]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("0 done, 1 failed, 2 skipped"), "{stdout}");
    assert!(
        stdout.contains("--fail-fast stopped after replication.r1"),
        "{stdout}"
    );
    let creates = requests(&k)
        .await
        .into_iter()
        .filter(|r| r.0 == "CreateReplicationConfiguration")
        .count();
    assert_eq!(creates, 1, "nothing launched after the failure");
}
