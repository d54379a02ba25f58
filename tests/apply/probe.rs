//! issue 14: `probe` against the emulator under each behaviour variant: it
//! must report the variant that is on (its reasoning, not only its calls),
//! and leave nothing behind, or list what is left with the commands to
//! remove it: under fault rules that fail calls midway, with `--cleanup`
//! finding leftovers by tag, and on SIGINT / SIGTERM through the binary.

use std::process::Stdio;
use std::time::Duration;

use efs_emulator::{Config, Emulator, ListingScope, OwnerIds, VariantSet};
use efs_replicator::model::Region;
use efs_replicator::probe::{
    conclude, run_probe, CommandStyle, Conclusion, Ledger, ProbeEfs, ProbeOptions, ProbeRun,
};
use serde_json::{json, Value};

use super::*;

const A: &str = "us-east-1";
const B: &str = "us-west-2";

/// Short delays, so that a whole probe takes a few seconds.
fn probe_config() -> Config {
    Config {
        account_id: ACCOUNT.into(),
        enable_delay: Duration::from_millis(300),
        delete_delay: Duration::from_millis(300),
        initial_sync_delay: Duration::from_millis(200),
        sync_interval: Duration::from_secs(60),
        ..Config::default()
    }
}

fn options(id: &str, timeout: Duration) -> ProbeOptions {
    ProbeOptions {
        source_region: Region::parse(A).unwrap(),
        destination_region: Region::parse(B).unwrap(),
        probe_id: id.into(),
        timeout,
        poll_interval: Duration::from_millis(100),
        throttle_probe: true,
        throttle_calls: 20,
        commands: CommandStyle::default(),
    }
}

/// Throttles the probe's first DescribeFileSystems (its burst) the way the
/// emulator's --throttle-status says.
async fn throttle_the_burst(emu: &Emulator) {
    fault(
        emu,
        json!({"operation": "DescribeFileSystems", "error": "ThrottlingException",
               "message": "Rate exceeded", "region": A}),
    )
    .await;
}

async fn probe_lib(emu: &Emulator, opts: &ProbeOptions) -> ProbeRun {
    let reader = reader(emu).await;
    let efs = ProbeEfs::new(&reader);
    let (_tx, rx) = tokio::sync::watch::channel(false);
    run_probe(&efs, opts, &Ledger::default(), &|_: &str| {}, rx).await
}

/// What is still alive in the emulator: file systems not being deleted,
/// replications whose delete was not asked for.
async fn alive(emu: &Emulator) -> (Vec<String>, Vec<String>) {
    let state = admin(emu, "GET", "/_emulator/state", None).await;
    let fss = state["file_systems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("deleted_at").is_none())
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    let reps = state["replications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("source_gone_at").is_none() || r.get("destination_gone_at").is_none())
        .map(|r| r["source_file_system_id"].as_str().unwrap().to_owned())
        .collect();
    (fss, reps)
}

fn flag_value<'a>(flags: &'a [String], name: &str) -> Option<&'a str> {
    flags
        .iter()
        .find_map(|f| f.strip_prefix(name)?.strip_prefix(' '))
}

fn secs(flag: &str) -> f64 {
    humantime::parse_duration(flag).unwrap().as_secs_f64()
}

/// Runs the probe under `config`, checks it completed and cleaned up, and
/// returns the emulator flags it concluded.
async fn flags_under(config: Config) -> Vec<String> {
    let emu = efs_emulator::start(config).await.unwrap();
    throttle_the_burst(&emu).await;
    let run = probe_lib(&emu, &options("0000test", Duration::from_secs(60))).await;
    assert_eq!(run.error, None);
    assert!(run.cleanup.leftovers.is_empty(), "{:?}", run.cleanup);
    assert_eq!(alive(&emu).await, (vec![], vec![]));
    let c = conclude(&run.observations);
    for f in &c.findings {
        assert!(
            !matches!(
                f.conclusion,
                Conclusion::NotObserved(_) | Conclusion::Differs(_)
            ),
            "{f:?}"
        );
    }
    c.emulator_flags
}

/// Asserts the flags are those of `config`'s variants.
fn assert_flags_match(flags: &[String], config: &Config) {
    let scope = match config.listing_scope {
        ListingScope::Both => "both",
        ListingScope::Source => "source",
    };
    let owners = match config.owner_ids {
        OwnerIds::Always => "always",
        OwnerIds::CrossAccountOnly => "cross-account-only",
    };
    assert_eq!(
        flag_value(flags, "--listing-scope"),
        Some(scope),
        "{flags:?}"
    );
    assert_eq!(flag_value(flags, "--owner-ids"), Some(owners), "{flags:?}");
    let status = config.throttle_status.to_string();
    assert_eq!(
        flag_value(flags, "--throttle-status"),
        Some(status.as_str()),
        "{flags:?}"
    );
    // Durations: measured between polls (100 ms apart), so never exactly;
    // a lag the emulator does not have is never reported, and one it has
    // is not missed.
    let lag = secs(flag_value(flags, "--destination-delete-lag").expect("lag flag"));
    let want = config.destination_delete_lag.as_secs_f64();
    if want == 0.0 {
        assert_eq!(lag, 0.0, "{flags:?}");
    } else {
        assert!(lag >= want - 0.5, "{flags:?}");
    }
    let fs_delay = secs(flag_value(flags, "--file-system-delete-delay").expect("fs flag"));
    assert!(
        fs_delay >= config.file_system_delete_delay.as_secs_f64() - 0.5,
        "{flags:?}"
    );
}

async fn check_variants(config: Config) {
    let flags = flags_under(config.clone()).await;
    assert_flags_match(&flags, &config);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_reports_the_defaults() {
    check_variants(VariantSet::Defaults.applied(probe_config())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_reports_every_nondefault_value_at_once() {
    check_variants(VariantSet::AllNondefault.applied(probe_config())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_reports_listing_scope_source_alone() {
    check_variants(Config {
        listing_scope: ListingScope::Source,
        ..probe_config()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_reports_owner_ids_cross_account_only_alone() {
    check_variants(Config {
        owner_ids: OwnerIds::CrossAccountOnly,
        ..probe_config()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_reports_a_destination_delete_lag_alone() {
    check_variants(Config {
        destination_delete_lag: Duration::from_millis(1200),
        ..probe_config()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_reports_throttle_status_429_alone() {
    check_variants(Config {
        throttle_status: 429,
        ..probe_config()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_reports_a_long_file_system_delete_delay_alone() {
    check_variants(Config {
        file_system_delete_delay: Duration::from_millis(2500),
        ..probe_config()
    })
    .await;
}

/// A DeleteReplicationConfiguration refused midway stops the probe; its
/// cleanup deletes the replication again, waits, and removes every file
/// system. What was not reached is reported as not observed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_failing_midway_still_leaves_nothing() {
    let emu = efs_emulator::start(probe_config()).await.unwrap();
    fault(
        &emu,
        json!({"operation": "DeleteReplicationConfiguration", "error": "AccessDeniedException",
               "status": 403, "message": "not allowed", "count": 1}),
    )
    .await;
    let mut opts = options("0000fail", Duration::from_secs(60));
    opts.throttle_probe = false;
    let run = probe_lib(&emu, &opts).await;
    let err = run.error.as_deref().expect("the probe stops");
    assert!(err.contains("DeleteReplicationConfiguration"), "{err}");
    assert!(err.contains("AccessDeniedException"), "{err}");
    assert!(run.cleanup.leftovers.is_empty(), "{:?}", run.cleanup);
    assert_eq!(alive(&emu).await, (vec![], vec![]));
    let c = conclude(&run.observations);
    let lag = c
        .findings
        .iter()
        .find(|f| f.behaviour == efs_replicator::probe::Behaviour::DestinationDeleteLag)
        .unwrap();
    assert!(
        matches!(&lag.conclusion, Conclusion::NotObserved(m) if m.contains("stopped at an error")),
        "{lag:?}"
    );
    // Observed before the failure: still concluded.
    assert!(c
        .emulator_flags
        .contains(&"--listing-scope both".to_owned()));
    assert!(!c.emulator_flags.iter().any(|f| f.contains("throttle")));
    // Cleanup deleted the replication before any of its file systems.
    let log = requests(&emu).await;
    let rep_deleted = log
        .iter()
        .rposition(|(op, _, st, _)| op == "DeleteReplicationConfiguration" && *st < 300)
        .expect("cleanup deleted the replication");
    let first_fs_delete = log
        .iter()
        .position(|(op, _, st, _)| op == "DeleteFileSystem" && *st < 300)
        .expect("file systems deleted");
    assert!(rep_deleted < first_fs_delete);
}

/// When cleanup itself is refused, what is left is listed with the exact
/// commands; `probe --cleanup` later finds it by tag (the destination EFS
/// created, which the probe could not tag, through its source) and removes
/// it, replications first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leftovers_are_listed_with_commands_and_found_again_by_tag() {
    let emu = efs_emulator::start(probe_config()).await.unwrap();
    fault(
        &emu,
        json!({"operation": "TagResource", "error": "AccessDeniedException", "status": 403}),
    )
    .await;
    fault(
        &emu,
        json!({"operation": "DeleteReplicationConfiguration", "error": "AccessDeniedException",
               "status": 403, "count": 2}),
    )
    .await;
    let mut opts = options("0000left", Duration::from_secs(2));
    opts.throttle_probe = false;
    opts.commands = CommandStyle {
        profile: None,
        endpoint_url: Some(emu.base_url().to_owned()),
    };
    let run = probe_lib(&emu, &opts).await;
    assert!(run.error.is_some());
    let (fss, reps) = alive(&emu).await;
    assert_eq!(reps.len(), 1, "the replication is left");
    assert_eq!(fss.len(), 2, "its two file systems are left: {fss:?}");
    let commands: Vec<&str> = run
        .cleanup
        .leftovers
        .iter()
        .flat_map(|l| l.commands.iter().map(String::as_str))
        .collect();
    let url = emu.base_url();
    let mut expected = vec![format!(
        "aws efs delete-replication-configuration --region {A} --source-file-system-id {} --endpoint-url {url}",
        reps[0]
    )];
    for fs in &fss {
        let region = if *fs == reps[0] { A } else { B };
        expected.push(format!(
            "aws efs delete-file-system --region {region} --file-system-id {fs} --endpoint-url {url}"
        ));
    }
    let mut got: Vec<String> = commands.iter().map(|s| s.to_string()).collect();
    assert_eq!(got.remove(0), expected.remove(0), "replication first");
    got.sort();
    expected.sort();
    assert_eq!(got, expected);

    let before = requests(&emu).await.len();
    let out = run_bin(
        &emu,
        &[
            "probe",
            "--cleanup",
            "--region",
            A,
            "--region",
            B,
            "--yes",
            "--poll-interval",
            "100ms",
            "--timeout",
            "60s",
        ],
    )
    .await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("Removed: replication"), "{stdout}");
    assert_eq!(alive(&emu).await, (vec![], vec![]));
    let log = requests(&emu).await;
    let later = &log[before..];
    let rep = later
        .iter()
        .position(|(op, _, st, _)| op == "DeleteReplicationConfiguration" && *st < 300)
        .unwrap();
    let fs = later
        .iter()
        .position(|(op, _, st, _)| op == "DeleteFileSystem" && *st < 300)
        .unwrap();
    assert!(rep < fs, "replication deleted before its file systems");

    // Nothing is left to find.
    let again = run_bin(&emu, &["probe", "--cleanup", "--region", A, "--region", B]).await;
    let (stdout, _) = text(&again);
    assert_eq!(again.status.code(), Some(0));
    assert!(stdout.contains("No probe leftovers"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_and_without_yes_nothing_is_created() {
    let emu = efs_emulator::start(probe_config()).await.unwrap();
    let out = run_bin(&emu, &["probe", "--region", A, "--region", B]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("efs-replicator-probe-"), "{stdout}");
    assert!(stdout.contains("Rough cost"), "{stdout}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert!(requests(&emu).await.is_empty());
    let one = run_bin(&emu, &["probe", "--region", A, "--yes"]).await;
    assert_eq!(one.status.code(), Some(1));
    assert!(
        text(&one).1.contains("two different Regions"),
        "{:?}",
        text(&one)
    );
}

/// The binary with --json under every non-default value: the report's
/// line of flags names them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_report_names_the_flags() {
    let config = VariantSet::AllNondefault.applied(probe_config());
    let emu = efs_emulator::start(config.clone()).await.unwrap();
    throttle_the_burst(&emu).await;
    let out = run_bin(
        &emu,
        &[
            "probe",
            "--region",
            A,
            "--region",
            B,
            "--yes",
            "--json",
            "--throttle-probe",
            "--poll-interval",
            "100ms",
            "--timeout",
            "60s",
        ],
    )
    .await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(report["completed"], true);
    let flags: Vec<String> = report["emulator_flags"]
        .as_str()
        .unwrap()
        .split(" --")
        .map(|f| format!("--{}", f.trim_start_matches("--")))
        .collect();
    assert_flags_match(&flags, &config);
    assert_eq!(report["findings"].as_array().unwrap().len(), 11);
    assert_eq!(report["cleanup"]["leftovers"], json!([]));
    assert_eq!(alive(&emu).await, (vec![], vec![]));
}

/// SIGINT or SIGTERM while the probe waits for ENABLED: it stops, deletes
/// everything it created, reports what it saw, exits 130.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupt_stops_the_probe_and_cleans_up() {
    for signal in ["-INT", "-TERM"] {
        let emu = efs_emulator::start(Config {
            enable_delay: Duration::from_secs(3600),
            ..probe_config()
        })
        .await
        .unwrap();
        let child = probing_until_replicated(&emu).await;
        send(signal, child.id());
        let out = finish(child).await;
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(130), "{signal}\n{stdout}\n{stderr}");
        assert!(stderr.contains("Interrupt received"), "{stderr}");
        assert!(stdout.contains(": interrupted"), "{stdout}");
        assert!(
            stdout.contains("not observed: interrupted before it was observed"),
            "{stdout}"
        );
        assert!(
            stdout.contains("Cleanup: everything the probe created is deleted."),
            "{stdout}"
        );
        assert_eq!(alive(&emu).await, (vec![], vec![]), "{signal}");
    }
}

/// A second interrupt during cleanup exits at once and lists what is left
/// with the commands to remove it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_interrupt_lists_the_leftovers_with_commands() {
    let emu = efs_emulator::start(Config {
        enable_delay: Duration::from_secs(3600),
        delete_delay: Duration::from_secs(3600),
        ..probe_config()
    })
    .await
    .unwrap();
    let child = probing_until_replicated(&emu).await;
    send("-INT", child.id());
    // Cleanup asks for the delete, then waits (an hour here): once it polls
    // after the delete, it has recorded that the delete was accepted.
    let waiting = |log: Vec<(String, String, u64, Option<String>)>| {
        log.iter()
            .position(|(op, _, st, _)| op == "DeleteReplicationConfiguration" && *st < 300)
            .is_some_and(|i| {
                log[i..]
                    .iter()
                    .any(|(op, _, _, _)| op == "DescribeReplicationConfigurations")
            })
    };
    let mut tries = 0;
    while !waiting(requests(&emu).await) {
        tries += 1;
        assert!(tries < 600, "cleanup never deleted the replication");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    send("-INT", child.id());
    let out = finish(child).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{stderr}");
    let (fss, reps) = alive(&emu).await;
    assert_eq!(fss.len(), 3, "nothing deleted yet: {fss:?}");
    assert!(reps.is_empty(), "the replication's delete was asked for");
    for fs in &fss {
        assert!(
            stderr.contains(&format!("--file-system-id {fs} --endpoint-url")),
            "{fs} listed: {stderr}"
        );
    }
    // The replication is being deleted: the commands watch it go.
    assert!(stderr.contains("being deleted (DELETING)"), "{stderr}");
    assert!(
        stderr.contains(
            "aws efs describe-replication-configurations --region us-east-1 --file-system-id"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("delete-replication-configuration"),
        "{stderr}"
    );
}

/// Starts `probe --yes` from A to B through the binary and returns it
/// once its replication was created (it is then waiting for ENABLED).
async fn probing_until_replicated(emu: &Emulator) -> std::process::Child {
    let mut cmd = bin(
        emu.base_url(),
        &[
            "probe",
            "--region",
            A,
            "--region",
            B,
            "--yes",
            "--poll-interval",
            "100ms",
        ],
    );
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().expect("binary starts");
    wait_for_a_replication(emu).await;
    child
}

async fn wait_for_a_replication(emu: &Emulator) {
    let mut tries = 0;
    while !requests(emu)
        .await
        .iter()
        .any(|(op, _, st, _)| op == "CreateReplicationConfiguration" && *st < 300)
    {
        tries += 1;
        assert!(tries < 600, "the replication was never created");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// A missing IAM permission on a call the probe expects EFS to refuse is
/// not taken for EFS's answer: the probe stops with the action to grant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_permission_is_an_error_not_an_answer() {
    let emu = efs_emulator::start(probe_config()).await.unwrap();
    fault(
        &emu,
        json!({"operation": "CreateReplicationConfiguration", "error": "AccessDeniedException",
               "status": 403, "message": "not authorized"}),
    )
    .await;
    let mut opts = options("0000deny", Duration::from_secs(60));
    opts.throttle_probe = false;
    let run = probe_lib(&emu, &opts).await;
    let err = run.error.as_deref().expect("the probe stops");
    assert!(
        err.contains("elasticfilesystem:CreateReplicationConfiguration"),
        "{err}"
    );
    assert_eq!(run.observations.errors.protected_destination, None);
    assert!(run.cleanup.leftovers.is_empty(), "{:?}", run.cleanup);
    assert_eq!(alive(&emu).await, (vec![], vec![]));
}

/// A wait that runs out is reported as such, with what was seen; the
/// probe goes on with the steps that do not need it and cleans up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_times_out_is_reported_not_guessed() {
    let emu = efs_emulator::start(Config {
        enable_delay: Duration::from_secs(3600),
        ..probe_config()
    })
    .await
    .unwrap();
    let mut opts = options("0000slow", Duration::from_millis(800));
    opts.throttle_probe = false;
    let run = probe_lib(&emu, &opts).await;
    assert_eq!(run.error, None);
    assert!(run.cleanup.leftovers.is_empty(), "{:?}", run.cleanup);
    assert_eq!(alive(&emu).await, (vec![], vec![]));
    let t = run.observations.timeline.as_ref().unwrap();
    assert!(t.timed_out && t.enabled_after_secs.is_none(), "{t:?}");
    let c = conclude(&run.observations);
    let timeline = c
        .findings
        .iter()
        .find(|f| f.behaviour == efs_replicator::probe::Behaviour::Timeline)
        .unwrap();
    assert!(
        matches!(&timeline.conclusion, Conclusion::NotObserved(m) if m.contains("ENABLED was not reached")),
        "{timeline:?}"
    );
    // Only the delete's timing was seen.
    assert_eq!(c.timing_flags.len(), 1, "{:?}", c.timing_flags);
    assert!(c.timing_flags[0].starts_with("--delete-delay "));
    // The rest was still observed.
    assert!(c
        .emulator_flags
        .contains(&"--listing-scope both".to_owned()));
    assert!(c
        .emulator_flags
        .iter()
        .any(|f| f.starts_with("--destination-delete-lag")));
}
