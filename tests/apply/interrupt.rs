//! Ctrl-C through the built binary: SIGINT while replications are being
//! waited for stops apply, prints the summary and exits 130; a re-run
//! converges.

use std::process::Stdio;
use std::time::Duration;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_waits_prints_the_summary_and_exits_130() {
    let ns: Vec<u32> = (1..=3).collect();
    let world = World::new(&ns.iter().map(|n| (*n, "us-east-1")).collect::<Vec<_>>());
    world.write_config(&creates(ns.clone(), "us-east-1", "us-west-2"));
    let emu = world
        .start(Config {
            enable_delay: Duration::from_secs(3600),
            ..config()
        })
        .await;
    let dir = world.config_dir();
    let mut cmd = bin(emu.base_url(), &["apply", path_str(&dir), "--auto-approve"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().expect("binary starts");
    let pid = child.id().to_string();

    // Wait until every create went through: apply is now waiting.
    let mut tries = 0;
    while mutations(&emu).await.len() < 3 {
        tries += 1;
        assert!(tries < 600, "the creates never happened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stdout.contains("Apply interrupted"), "{stdout}");
    assert!(stdout.contains("0 done, 0 failed, 3 skipped"), "{stdout}");
    assert!(stdout.contains("interrupted while waiting"), "{stdout}");
    assert!(stderr.contains("Interrupt received"), "{stderr}");
    // Nothing was created twice, nothing was deleted.
    let muts = mutations(&emu).await;
    assert_eq!(muts.len(), 3, "{muts:?}");

    // The replications exist (ENABLING): a re-run has nothing left to change.
    let again = run_bin(&emu, &["apply", path_str(&dir), "--auto-approve"]).await;
    let (stdout, stderr) = text(&again);
    assert_eq!(again.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("No changes."), "{stdout}");
    assert_eq!(mutations(&emu).await.len(), 3);
}
