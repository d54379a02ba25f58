//! Unit tests of the health judgement and its renderers, over states built
//! by hand and planned with the real planner.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::render::{escape_label_value, render_json, render_prometheus, render_table};
use super::*;
use crate::model::{
    AccountId, ActualDestination, Address, DesiredDestination, DesiredReplication, FileSystemInfo,
    Settings,
};
use crate::plan::{plan, PlanOptions};

const SRC: &str = "fs-0000000000000001";
const DST: &str = "fs-0000000000000002";

fn t(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn region(s: &str) -> Region {
    Region::parse(s).unwrap()
}

fn desired(max_lag: Option<Duration>) -> Desired {
    Desired {
        replications: vec![DesiredReplication {
            address: Address {
                name: "home".into(),
                key: None,
            },
            source: FileSystemId::parse(SRC).unwrap(),
            source_region: region("us-east-1"),
            source_account: None,
            destination: DesiredDestination {
                region: region("us-west-2"),
                availability_zone: None,
                kms_key: None,
                file_system: None,
                role_arn: None,
                allow_overwrite: false,
            },
            prevent_destroy: false,
            max_replication_lag: max_lag,
        }],
        written_regions: Default::default(),
        removed: Vec::new(),
        settings: Settings::default(),
        accounts: Vec::new(),
    }
}

fn fs(id: &str, r: &str) -> FileSystemInfo {
    FileSystemInfo {
        id: FileSystemId::parse(id).unwrap(),
        region: region(r),
        owner: AccountId::parse("111122223333").unwrap(),
        life_cycle_state: "available".into(),
        encrypted: true,
        kms_key_id: None,
        availability_zone: None,
        performance_mode: "generalPurpose".into(),
        throughput_mode: Some("bursting".into()),
        protection: None,
        name: None,
    }
}

fn actual(status: ReplicationStatus, message: Option<&str>, last: Option<SystemTime>) -> Actual {
    let mut a = Actual {
        regions: [region("us-east-1"), region("us-west-2")].into(),
        ..Actual::default()
    };
    a.replications.push(ActualReplication {
        source: FileSystemId::parse(SRC).unwrap(),
        source_region: region("us-east-1"),
        source_arn: format!("arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/{SRC}"),
        source_owner: None,
        creation_time: t(1_000),
        destination: ActualDestination {
            status,
            file_system_id: FileSystemId::parse(DST).unwrap(),
            region: region("us-west-2"),
            last_replicated: last,
            owner: None,
            status_message: message.map(str::to_owned),
            role_arn: None,
        },
    });
    for (id, r) in [(SRC, "us-east-1"), (DST, "us-west-2")] {
        let f = fs(id, r);
        a.file_systems.insert((f.region.clone(), f.id.clone()), f);
    }
    a
}

fn report(d: &Desired, a: &Actual, now: SystemTime, opts: &HealthOptions) -> CheckReport {
    let p = plan(d, a, &PlanOptions::default()).expect("plans");
    assess(d, a, &p, now, opts)
}

fn only(r: &CheckReport) -> &Entry {
    assert_eq!(r.entries.len(), 1, "{r:?}");
    &r.entries[0]
}

#[test]
fn enabled_and_recent_is_healthy() {
    let d = desired(Some(Duration::from_secs(600)));
    let a = actual(ReplicationStatus::Enabled, None, Some(t(5_000)));
    let r = report(&d, &a, t(5_300), &HealthOptions::default());
    let e = only(&r);
    assert_eq!(e.health, Some(Health::Healthy), "{e:?}");
    assert_eq!(e.lag, Some(Duration::from_secs(300)));
    assert!(!e.drift());
    assert!(r.ok());
}

#[test]
fn lag_beyond_the_threshold_is_unhealthy() {
    let d = desired(Some(Duration::from_secs(600)));
    let a = actual(ReplicationStatus::Enabled, None, Some(t(5_000)));
    let r = report(&d, &a, t(5_601), &HealthOptions::default());
    let e = only(&r);
    assert_eq!(e.health, Some(Health::Unhealthy));
    assert!(
        e.problems[0].contains("exceeds max_replication_lag 10m"),
        "{e:?}"
    );
    assert!(!r.ok());
    // Exactly at the threshold is still fine.
    let r = report(&d, &a, t(5_600), &HealthOptions::default());
    assert!(r.ok(), "{r:?}");
}

#[test]
fn without_a_threshold_lag_is_only_reported() {
    let d = desired(None);
    let a = actual(ReplicationStatus::Enabled, None, Some(t(5_000)));
    let r = report(&d, &a, t(500_000), &HealthOptions::default());
    assert_eq!(only(&r).lag, Some(Duration::from_secs(495_000)));
    assert!(r.ok());
}

#[test]
fn error_paused_and_pausing_are_unhealthy_with_their_message() {
    for (status, name) in [
        (ReplicationStatus::Error, "ERROR"),
        (ReplicationStatus::Paused, "PAUSED"),
        (ReplicationStatus::Pausing, "PAUSING"),
    ] {
        let d = desired(None);
        let a = actual(status, Some("Region opted out"), Some(t(5_000)));
        let r = report(&d, &a, t(5_010), &HealthOptions::default());
        let e = only(&r);
        assert_eq!(e.health, Some(Health::Unhealthy), "{name}");
        assert_eq!(e.status.as_ref().map(|s| s.as_str()), Some(name));
        assert!(e.problems[0].contains(name), "{e:?}");
        assert!(e.problems[0].ends_with(": Region opted out"), "{e:?}");
    }
}

#[test]
fn error_is_also_drift_because_the_plan_replaces_it() {
    let d = desired(None);
    let a = actual(ReplicationStatus::Error, None, None);
    let r = report(&d, &a, t(1_010), &HealthOptions::default());
    let e = only(&r);
    assert_eq!(e.action, Action::Replace);
    assert!(e.drift());
}

#[test]
fn enabling_is_fine_within_the_grace_period_only() {
    let d = desired(Some(Duration::from_secs(60)));
    let a = actual(ReplicationStatus::Enabling, None, None);
    let opts = HealthOptions {
        enabling_grace: Duration::from_secs(600),
        ..HealthOptions::default()
    };
    assert!(report(&d, &a, t(1_600), &opts).ok());
    let r = report(&d, &a, t(1_601), &opts);
    assert!(only(&r).problems[0].contains("still ENABLING"), "{r:?}");
}

#[test]
fn no_timestamp_after_the_initial_sync_grace_is_unhealthy() {
    let d = desired(None);
    let a = actual(ReplicationStatus::Enabled, None, None);
    let opts = HealthOptions {
        initial_sync_grace: Duration::from_secs(3_600),
        ..HealthOptions::default()
    };
    assert!(report(&d, &a, t(4_600), &opts).ok());
    let r = report(&d, &a, t(4_601), &opts);
    assert!(
        only(&r).problems[0].contains("no LastReplicatedTimestamp"),
        "{r:?}"
    );
}

#[test]
fn a_missing_replication_is_drift_and_unhealthy() {
    let d = desired(None);
    let mut a = actual(ReplicationStatus::Enabled, None, None);
    a.replications.clear();
    let r = report(&d, &a, t(2_000), &HealthOptions::default());
    let e = only(&r);
    assert_eq!(e.action, Action::Create);
    assert_eq!(e.status, None);
    assert_eq!(e.health, Some(Health::Unhealthy));
    let s = r.summary();
    assert_eq!((s.drifted, s.unhealthy), (1, 1));
}

#[test]
fn unmanaged_counts_as_drift_only_when_asked() {
    let mut d = desired(None);
    d.replications.clear();
    let a = actual(ReplicationStatus::Enabled, None, Some(t(1_500)));
    let r = report(&d, &a, t(2_000), &HealthOptions::default());
    assert_eq!(r.unmanaged.len(), 1);
    assert!(r.ok());
    let opts = HealthOptions {
        unmanaged_is_drift: true,
        ..HealthOptions::default()
    };
    assert!(!report(&d, &a, t(2_000), &opts).ok());
}

#[test]
fn label_values_are_escaped() {
    assert_eq!(escape_label_value(r#"a"b\c"#), r#"a\"b\\c"#);
    assert_eq!(escape_label_value("x\ny"), "x\\ny");
}

#[test]
fn renderers_agree_on_one_report() {
    let d = desired(Some(Duration::from_secs(600)));
    let a = actual(
        ReplicationStatus::Paused,
        Some("opted \"out\""),
        Some(t(5_000)),
    );
    let r = report(&d, &a, t(5_900), &HealthOptions::default());

    let mut table = Vec::new();
    render_table(&r, &mut table).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(table.starts_with("ADDRESS"), "{table}");
    assert!(table.contains("replication.home"), "{table}");
    assert!(table.contains("PAUSED"), "{table}");
    assert!(table.contains("15m"), "{table}");
    assert!(
        table
            .trim_end()
            .ends_with("FAIL: 1 declared replication, 0 drifted, 1 unhealthy, 0 unmanaged."),
        "{table}"
    );

    let mut json = Vec::new();
    render_json(&r, &mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["format_version"], "1");
    assert_eq!(v["ok"], false);
    assert_eq!(v["replications"][0]["lag_seconds"], 900);
    assert_eq!(v["replications"][0]["healthy"], false);
    assert_eq!(v["replications"][0]["status_message"], "opted \"out\"");
    assert_eq!(v["checked_at"], "1970-01-01T01:38:20Z");
    assert_eq!(v["replications"][0]["account"], "111122223333");

    let mut prom = Vec::new();
    render_prometheus(&r, &mut prom).unwrap();
    let prom = String::from_utf8(prom).unwrap();
    let labels = format!(
        "{{address=\"replication.home\",source=\"{SRC}\",destination=\"{DST}\",region=\"us-east-1\",destination_region=\"us-west-2\",account=\"111122223333\"}}"
    );
    assert!(
        prom.contains(&format!("efs_replication_healthy{labels} 0\n")),
        "{prom}"
    );
    assert!(
        prom.contains(&format!("efs_replication_lag_seconds{labels} 900\n")),
        "{prom}"
    );
    assert!(
        prom.contains(&format!("efs_replication_drift{labels} 0\n")),
        "{prom}"
    );
    assert!(
        prom.contains("# TYPE efs_replication_healthy gauge\n"),
        "{prom}"
    );
    assert!(
        prom.contains("efs_replication_check_timestamp_seconds 5900\n"),
        "{prom}"
    );
    // Every sample line belongs to a metric announced by HELP and TYPE.
    for line in prom.lines().filter(|l| !l.starts_with('#')) {
        let name = line.split(['{', ' ']).next().unwrap();
        assert!(prom.contains(&format!("# HELP {name} ")), "{line}");
        assert!(prom.contains(&format!("# TYPE {name} gauge")), "{line}");
    }
}

#[test]
fn for_each_addresses_are_escaped_in_prometheus_labels() {
    let mut d = desired(None);
    d.replications[0].address.key = Some(crate::model::InstanceKey::Str("eu \"west\"".into()));
    let a = actual(ReplicationStatus::Enabled, None, Some(t(5_000)));
    let r = report(&d, &a, t(5_000), &HealthOptions::default());
    let mut prom = Vec::new();
    render_prometheus(&r, &mut prom).unwrap();
    let prom = String::from_utf8(prom).unwrap();
    // Address replication.home["eu \"west\""], then escaped once more as a label value.
    assert!(
        prom.contains(
            r#"efs_replication_healthy{address="replication.home[\"eu \\\"west\\\"\"]",source="#
        ),
        "{prom}"
    );
}
