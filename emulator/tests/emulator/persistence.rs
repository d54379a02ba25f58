//! The state file: restart from it, hand-written seeds, garbage temp files
//! and corrupt state files, write-behind (flush, shutdown, coalescing), and
//! kill -9 of the binary mid-write.

use super::*;
use aws_sdk_efs::types::{ReplicationOverwriteProtection, ReplicationStatus};
use serde_json::json;
use std::io::BufRead;
use std::path::Path;

fn with_state(path: &Path) -> Config {
    Config {
        state_file: Some(path.to_path_buf()),
        ..config()
    }
}

#[tokio::test]
async fn restart_restores_file_systems_replications_and_controls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let emu = start(with_state(&path)).await;
    let east = client(&emu, "us-east-1");
    let src = create_fs(&east, "src").await;
    east.tag_resource()
        .resource_id(&src)
        .tags(
            aws_sdk_efs::types::Tag::builder()
                .key("Name")
                .value("primary")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let rep = replicate(&east, &src, "eu-west-1").await;
    let dst = rep.destinations()[0].file_system_id().to_string();
    admin_post(
        &emu,
        &format!("/_emulator/replications/{src}/status"),
        json!({"status": "PAUSED", "message": "opted out"}),
    )
    .await;
    emu.shutdown().await;

    let emu = start(with_state(&path)).await;
    let east = client(&emu, "us-east-1");
    let fs = east
        .describe_file_systems()
        .file_system_id(&src)
        .send()
        .await
        .unwrap();
    assert_eq!(fs.file_systems()[0].name(), Some("primary"));
    let reps = list_replications(&east).await;
    assert_eq!(reps.replications().len(), 1);
    let d = &reps.replications()[0].destinations()[0];
    assert_eq!(d.file_system_id(), dst);
    assert_eq!(d.status(), &ReplicationStatus::Paused);
    assert_eq!(d.status_message(), Some("opted out"));
    assert_eq!(reps.replications()[0].creation_time(), rep.creation_time());
    let west = client(&emu, "eu-west-1");
    let p = west
        .describe_file_systems()
        .file_system_id(&dst)
        .send()
        .await
        .unwrap();
    assert_eq!(
        p.file_systems()[0]
            .file_system_protection()
            .and_then(|p| p.replication_overwrite_protection()),
        Some(&ReplicationOverwriteProtection::Replicating)
    );
    // A missing file means an empty state.
    let empty = start(with_state(&dir.path().join("new.json"))).await;
    assert!(client(&empty, "us-east-1")
        .describe_file_systems()
        .send()
        .await
        .unwrap()
        .file_systems()
        .is_empty());
}

#[tokio::test]
async fn hand_written_seed_with_omitted_fields_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.json");
    std::fs::write(
        &path,
        r#"{
          "file_systems": [
            {"id": "fs-0123456789abcdef0", "region": "us-east-1", "name": "app-data"},
            {"id": "fs-0123456789abcdef1", "region": "us-east-1", "performance_mode": "maxIO",
             "throughput_mode": "elastic", "protection": "DISABLED"},
            {"id": "fs-0123456789abcdef2", "region": "eu-west-1", "account": "444455556666",
             "availability_zone_name": "eu-west-1a"},
            {"id": "fs-0123456789abcdef3", "region": "us-east-1"},
            {"id": "fs-0123456789abcdef4", "region": "us-west-2"}
          ],
          "replications": [
            {"source_file_system_id": "fs-0123456789abcdef3", "destination_file_system_id": "fs-0123456789abcdef4"}
          ]
        }"#,
    )
    .unwrap();
    let emu = start(with_state(&path)).await;
    let east = client(&emu, "us-east-1");
    let all = list_fs(&east).await;
    assert_eq!(all.file_systems().len(), 3);
    let a = describe_fs(&east, "fs-0123456789abcdef0").await;
    assert_eq!(a.name(), Some("app-data"));
    assert_eq!(a.owner_id(), ACCOUNT_A);
    assert_eq!(a.life_cycle_state().as_str(), "available");
    let b = describe_fs(&east, "fs-0123456789abcdef1").await;
    assert_eq!(b.performance_mode().as_str(), "maxIO");
    assert_eq!(
        b.file_system_protection()
            .and_then(|p| p.replication_overwrite_protection()),
        Some(&ReplicationOverwriteProtection::Disabled)
    );
    let c = client_b(&emu, "eu-west-1")
        .describe_file_systems()
        .send()
        .await
        .unwrap()
        .file_systems()[0]
        .clone();
    assert_eq!(c.availability_zone_name(), Some("eu-west-1a"));
    let r = list_replications(&east).await;
    assert_eq!(r.replications()[0].destinations()[0].region(), "us-west-2");
    assert_eq!(
        r.replications()[0].destinations()[0].status(),
        &ReplicationStatus::Enabled
    );
    let west = client(&emu, "us-west-2");
    let d = list_fs(&west).await.file_systems()[0].clone();
    assert_eq!(
        d.file_system_protection()
            .and_then(|p| p.replication_overwrite_protection()),
        Some(&ReplicationOverwriteProtection::Replicating)
    );
}

#[tokio::test]
async fn a_seed_without_creation_times_keeps_them_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.json");
    std::fs::write(
        &path,
        r#"{
          "file_systems": [
            {"id": "fs-0123456789abcdef3", "region": "us-east-1"},
            {"id": "fs-0123456789abcdef4", "region": "us-west-2"}
          ],
          "replications": [
            {"source_file_system_id": "fs-0123456789abcdef3", "destination_file_system_id": "fs-0123456789abcdef4"}
          ]
        }"#,
    )
    .unwrap();
    let created = |emu: Emulator| async move {
        let east = client(&emu, "us-east-1");
        let r = list_replications(&east).await;
        let rep = *r.replications()[0].creation_time();
        let fs = *list_fs(&east).await.file_systems()[0].creation_time();
        (emu, rep, fs)
    };
    let (emu, rep1, fs1) = created(start(with_state(&path)).await).await;
    // Written back at load, before any write request or shutdown.
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let rep_secs = doc["replications"][0]["creation_time"].as_f64();
    assert_eq!(rep_secs, Some(rep1.secs() as f64), "{doc:#}");
    // A crash loses nothing: the next start reads the same times.
    drop(emu);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (emu, rep2, fs2) = created(start(with_state(&path)).await).await;
    assert_eq!(rep1, rep2);
    assert_eq!(fs1, fs2);
    emu.shutdown().await;
}

#[tokio::test]
async fn invalid_state_files_stop_the_start_and_are_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [
        ("torn.json", "{\"file_systems\": [{\"id\": \"fs-0123"),
        ("bad-id.json", "{\"file_systems\": [{\"id\": \"x\", \"region\": \"us-east-1\"}]}"),
        ("no-region.json", "{\"file_systems\": [{\"id\": \"fs-0123456789abcdef0\"}]}"),
        ("typo.json", "{\"file_systems\": [{\"id\": \"fs-0123456789abcdef0\", \"regoin\": \"us-east-1\"}]}"),
        ("dangling.json", "{\"replications\": [{\"source_file_system_id\": \"fs-0123456789abcdef0\", \"destination_file_system_id\": \"fs-0123456789abcdef1\"}]}"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let err = efs_emulator::start(with_state(&path)).await.unwrap_err();
        assert!(err.to_string().contains(name), "{name}: {err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), content, "{name} was modified");
    }
    let nowhere = dir.path().join("missing-dir").join("state.json");
    let err = efs_emulator::start(with_state(&nowhere)).await.unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn the_binary_prints_a_bad_state_file_error_once_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(&path, "{").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_efs-emulator"))
        .arg("--state")
        .arg(&path)
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: state file "), "{err}");
    assert_eq!(err.matches("EOF while parsing").count(), 1, "{err}");
    assert!(!err.contains("Caused by"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[tokio::test]
async fn garbage_temp_file_never_replaces_the_good_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let emu = start(with_state(&path)).await;
    let id = create_fs(&client(&emu, "us-east-1"), "keep").await;
    emu.shutdown().await;
    let good = std::fs::read(&path).unwrap();
    // A torn write left behind by a crash (temporary files are named
    // `.state.json.<random>.tmp`).
    let tmp = dir.path().join(".state.json.a1b2c3.tmp");
    std::fs::write(&tmp, b"{\"file_systems\": [{\"id\": \"fs-dead").unwrap();
    let emu = start(with_state(&path)).await;
    let east = client(&emu, "us-east-1");
    assert_eq!(list_fs(&east).await.file_systems()[0].file_system_id(), id);
    assert_eq!(std::fs::read(&path).unwrap(), good);
    create_fs(&east, "second").await;
    emu.shutdown().await;
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(doc["file_systems"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn kill_9_of_the_binary_keeps_every_flushed_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_efs-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--account-id",
            ACCOUNT_A,
            "--state",
        ])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn efs-emulator");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let c = client_at(&url, "us-east-1", KEY_A, RetryConfig::disabled());
    let mut acked = Vec::new();
    for i in 0..15 {
        acked.push(create_fs(&c, &format!("k{i}")).await);
    }
    // Writes are behind changes: the flush route makes the file current.
    let addr = url.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let req = format!(
        "POST /_emulator/flush HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    tokio::io::AsyncWriteExt::write_all(&mut s, req.as_bytes())
        .await
        .unwrap();
    let mut reply = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut s, &mut reply)
        .await
        .unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    // Keep writing while the process is killed.
    let writer = {
        let c = c.clone();
        tokio::spawn(async move {
            for i in 0..1000 {
                if c.create_file_system()
                    .creation_token(format!("w{i}"))
                    .send()
                    .await
                    .is_err()
                {
                    break;
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let _ = writer.await;
    let emu = start(with_state(&path)).await;
    let listed: Vec<String> = client(&emu, "us-east-1")
        .describe_file_systems()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .iter()
        .map(|f| f.file_system_id().to_string())
        .collect();
    for id in &acked {
        assert!(listed.contains(id), "{id} lost after kill -9");
    }
}

fn state_doc(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn file_system_ids(doc: &serde_json::Value) -> Vec<String> {
    doc["file_systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn graceful_shutdown_writes_the_last_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let emu = start(with_state(&path)).await;
    let east = client(&emu, "us-east-1");
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(create_fs(&east, &format!("t{i}")).await);
    }
    emu.shutdown().await;
    let mut written = file_system_ids(&state_doc(&path));
    written.sort();
    ids.sort();
    assert_eq!(written, ids);
}

#[tokio::test]
async fn dropping_the_handle_writes_the_last_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let emu = start(with_state(&path)).await;
    let id = create_fs(&client(&emu, "us-east-1"), "dropped").await;
    drop(emu);
    assert_eq!(file_system_ids(&state_doc(&path)), [id]);
}

#[tokio::test]
async fn the_flush_route_makes_the_file_current() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let emu = start(with_state(&path)).await;
    let id = create_fs(&client(&emu, "us-east-1"), "flushed").await;
    let (status, v) = admin_post(&emu, "/_emulator/flush", json!({})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state_file"], json!(path.display().to_string()));
    assert!(v["state_writes"].as_u64().unwrap() >= 1, "{v}");
    assert_eq!(file_system_ids(&state_doc(&path)), [id]);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_burst_of_changes_is_written_in_fewer_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let emu = start(with_state(&path)).await;
    let east = client(&emu, "us-east-1");
    let changes = 100;
    let mut burst = tokio::task::JoinSet::new();
    for i in 0..changes {
        let east = east.clone();
        burst.spawn(async move { create_fs(&east, &format!("b{i}")).await });
    }
    let created = burst.join_all().await;
    let (status, _) = admin_post(&emu, "/_emulator/flush", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(file_system_ids(&state_doc(&path)).len(), created.len());
    let writes = emu.stats()["state_writes"].as_u64().unwrap();
    assert!(
        writes >= 1 && writes < changes as u64,
        "{writes} writes for {changes} changes"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn without_a_state_file_nothing_is_written() {
    let emu = start(config()).await;
    create_fs(&client(&emu, "us-east-1"), "memory").await;
    let (status, v) = admin_post(&emu, "/_emulator/flush", json!({})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state_file"], json!(null));
    assert_eq!(v["state_writes"], json!(0));
    emu.shutdown().await;
}
