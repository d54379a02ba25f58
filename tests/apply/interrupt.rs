//! Ctrl-C and SIGTERM through the built binary: a signal while
//! replications are being waited for stops apply, prints a summary that
//! counts the creates that went through as done ("created, not yet
//! ENABLED") and exits 130 (SIGINT) or 143 (SIGTERM); a re-run changes
//! nothing but waits for the replications still ENABLING. A second signal
//! exits at once, after printing how to restore each protection lifted and
//! not set back, and what has no DR.

use std::process::{Output, Stdio};
use std::time::Duration;

use super::*;

/// Runs `apply --auto-approve` of r1..rn (fs n in us-east-1 to a new file
/// system in us-west-2, never ENABLED) through the binary, sends it
/// `signal` once every create went through and it is waiting, and returns
/// the handle and the binary's output.
async fn signalled_while_waiting(ns: &[u32], signal: &str) -> (kit::Running, Output) {
    let k = creating(ns.iter().copied(), "us-west-2")
        .emulator(|c| c.enable_delay = Duration::from_secs(3600))
        .start()
        .await;
    let mut cmd = bin(
        k.base_url(),
        &["apply", path_str(&k.config_dir()), "--auto-approve"],
    );
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().expect("binary starts");

    // Wait until every create went through: apply is now waiting.
    let mut tries = 0;
    while mutations(&k).await.len() < ns.len() {
        tries += 1;
        assert!(tries < 600, "the creates never happened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    send(signal, child.id());
    let out = finish(child).await;
    (k, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_waits_prints_the_summary_and_exits_130() {
    let ns: Vec<u32> = (1..=3).collect();
    let (k, out) = signalled_while_waiting(&ns, "-INT").await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stdout.contains("Apply interrupted"), "{stdout}");
    // Issue 9: the creates went through, so they count as done.
    assert!(stdout.contains("3 done, 0 failed, 0 skipped"), "{stdout}");
    assert!(stdout.contains("created, not yet ENABLED"), "{stdout}");
    assert!(stdout.contains("interrupted while waiting"), "{stdout}");
    assert!(stderr.contains("Interrupt received"), "{stderr}");
    // Nothing was created twice, nothing was deleted.
    let muts = mutations(&k).await;
    assert_eq!(muts.len(), 3, "{muts:?}");

    // The replications exist (ENABLING): a re-run changes nothing but does
    // not stop before they are ENABLED; here the wait times out.
    let again = apply_bin(&k, &["--wait-timeout", "1s"]).await;
    let (stdout, stderr) = text(&again);
    assert_eq!(again.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("No changes."), "{stdout}");
    assert!(
        stdout.contains("3 declared replications are still ENABLING: waiting for"),
        "{stdout}"
    );
    assert!(stdout.contains("0 done, 3 failed"), "{stdout}");
    assert!(stdout.contains("timed out after 1s"), "{stdout}");
    assert_eq!(mutations(&k).await.len(), 3);

    // Once they become ENABLED, the re-run waiting for them completes.
    let rerun = apply_bin(&k, &[]);
    let enable = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        for n in &ns {
            admin(
                &k,
                "POST",
                &format!("/_emulator/replications/{}/status", fsid(*n)),
                Some(serde_json::json!({"status": "ENABLED"})),
            )
            .await;
        }
    };
    let (again, ()) = tokio::join!(rerun, enable);
    let (stdout, stderr) = text(&again);
    assert_eq!(again.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("No changes."), "{stdout}");
    assert!(
        stdout.contains("replication.r1: waiting to become ENABLED..."),
        "{stdout}"
    );
    assert!(stdout.contains("Apply complete: 3 done"), "{stdout}");
    assert_eq!(mutations(&k).await.len(), 3);

    // Now there is nothing left: plain `No changes.`, nothing waited for.
    let last = apply_bin(&k, &[]).await;
    let (stdout, stderr) = text(&last);
    assert_eq!(last.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("No changes."), "{stdout}");
    assert!(!stdout.contains("waiting"), "{stdout}");
}

/// Issue 9: SIGTERM (what CI runners, systemd and Kubernetes send) is
/// handled like Ctrl-C: nothing new starts, the summary is printed and
/// counts the four creates that returned as done, and the exit code is 143.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_waits_is_handled_like_sigint_and_exits_143() {
    let ns: Vec<u32> = (1..=4).collect();
    let (k, out) = signalled_while_waiting(&ns, "-TERM").await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(143), "{stdout}\n{stderr}");
    assert!(stderr.contains("SIGTERM received"), "{stderr}");
    assert!(stdout.contains("Apply interrupted"), "{stdout}");
    assert!(stdout.contains("4 done, 0 failed, 0 skipped"), "{stdout}");
    for n in &ns {
        assert!(
            stdout.contains(&format!("replication.r{n}  created, not yet ENABLED")),
            "{stdout}"
        );
    }
    assert_eq!(mutations(&k).await.len(), 4);
}

/// Issue 9: a second Ctrl-C right after a failback lifted the original's
/// protection (its create in flight, slowed by the emulator's latency)
/// exits at once with 130, and first prints the exact command that
/// restores that protection and the file systems now without DR.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue9_a_second_signal_prints_how_to_restore_a_lifted_protection() {
    let (k, b) = super::failback::failing_back(
        seeded(&[(1, "us-east-1")]).emulator(|c| c.latency = Duration::from_millis(400)),
    )
    .await;
    let a = fsid(1);
    let dir = k.config_dir();
    let mut cmd = bin(
        k.base_url(),
        &[
            "apply",
            path_str(&dir),
            "--auto-approve",
            "--allow-overwrite",
            &a,
        ],
    );
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().expect("binary starts");

    // Wait until A's protection was lifted: the create is now in flight.
    let mut tries = 0;
    while !requests(&k)
        .await
        .iter()
        .any(|r| r.0 == "UpdateFileSystemProtection" && r.2 == 200)
    {
        tries += 1;
        assert!(tries < 1200, "the protection was never lifted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    send("-INT", child.id());
    tokio::time::sleep(Duration::from_millis(150)).await;
    send("-INT", child.id());
    let out = finish(child).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stderr.contains("Exiting at once"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "aws efs update-file-system-protection --file-system-id {a} --replication-overwrite-protection ENABLED --region us-east-1"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("no DR: {b} (us-west-2)")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("no DR: {a} (us-east-1)")),
        "{stderr}"
    );
    // It exited before the summary.
    assert!(!stdout.contains("Apply interrupted"), "{stdout}");
}
