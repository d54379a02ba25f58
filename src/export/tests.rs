//! Unit tests of export: names, quoting, and the pure round trip
//! (observed state -> HCL -> loader -> planner -> no changes).

use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::config::{load_str, LoadOptions};
use crate::model::{AccountId, ActualDestination, AvailabilityZone, FileSystemInfo};
use crate::plan::{plan, PlanOptions};

#[test]
fn names_are_sanitised() {
    assert_eq!(sanitize_name("Home Dirs").as_deref(), Some("home_dirs"));
    assert_eq!(sanitize_name("  a//b--c  ").as_deref(), Some("a_b--c"));
    assert_eq!(
        sanitize_name("2024 backups").as_deref(),
        Some("fs_2024_backups")
    );
    assert_eq!(sanitize_name("_x_").as_deref(), Some("x"));
    assert_eq!(sanitize_name("été").as_deref(), Some("t"));
    assert_eq!(sanitize_name("日本"), None);
    assert_eq!(sanitize_name(""), None);
}

#[test]
fn strings_are_quoted_without_interpolation() {
    assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    assert_eq!(quote("${x} %{y} $z"), r#""$${x} %%{y} $z""#);
}

fn region(s: &str) -> Region {
    Region::parse(s).unwrap()
}

fn fs(id: &str, r: &str, name: Option<&str>) -> FileSystemInfo {
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
        name: name.map(str::to_owned),
    }
}

fn rep(src: &str, sr: &str, dst: &str, dr: &str) -> ActualReplication {
    ActualReplication {
        source: FileSystemId::parse(src).unwrap(),
        source_region: region(sr),
        source_arn: format!("arn:aws:elasticfilesystem:{sr}:111122223333:file-system/{src}"),
        source_owner: Some(AccountId::parse("111122223333").unwrap()),
        creation_time: UNIX_EPOCH + Duration::from_secs(1_000),
        destination: ActualDestination {
            status: ReplicationStatus::Enabled,
            file_system_id: FileSystemId::parse(dst).unwrap(),
            region: region(dr),
            last_replicated: None,
            owner: Some(AccountId::parse("111122223333").unwrap()),
            status_message: None,
            role_arn: None,
        },
    }
}

fn mixed() -> Actual {
    let mut a = Actual {
        regions: [region("us-east-1")].into(),
        ..Actual::default()
    };
    let mut add = |f: FileSystemInfo| {
        a.file_systems.insert((f.region.clone(), f.id.clone()), f);
    };
    // Two sources with the same Name tag, one without a tag.
    add(fs("fs-00000001", "us-east-1", Some("Home Dirs")));
    add(fs("fs-00000002", "us-east-1", Some("home dirs")));
    add(fs("fs-00000003", "us-east-1", None));
    add(fs("fs-00000004", "us-east-1", Some("cross")));
    let mut oz = fs("fs-000000a1", "us-west-2", None);
    oz.availability_zone = Some(AvailabilityZone::parse("us-west-2b").unwrap());
    oz.kms_key_id =
        Some("arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into());
    add(oz);
    let mut custom = fs("fs-000000a2", "eu-west-1", None);
    custom.kms_key_id =
        Some("arn:aws:kms:eu-west-1:111122223333:key/abcdabcd-12ab-34cd-56ef-1234567890ab".into());
    add(custom);
    // fs-000000a3 is not described: named by id.
    a.replications
        .push(rep("fs-00000001", "us-east-1", "fs-000000a1", "us-west-2"));
    a.replications
        .push(rep("fs-00000002", "us-east-1", "fs-000000a2", "eu-west-1"));
    a.replications
        .push(rep("fs-00000003", "us-east-1", "fs-000000a3", "us-east-2"));
    let mut x = rep("fs-00000004", "us-east-1", "fs-000000a4", "us-east-2");
    x.destination.owner = Some(AccountId::parse("444455556666").unwrap());
    x.destination.role_arn = Some("arn:aws:iam::111122223333:role/efs-replication".into());
    a.replications.push(x);
    let mut gone = rep("fs-00000005", "us-east-1", "fs-000000a5", "us-east-2");
    gone.destination.status = ReplicationStatus::Deleting;
    a.replications.push(gone);
    a
}

#[test]
fn export_of_a_mixed_state_loads_and_plans_to_no_changes() {
    let a = mixed();
    let text = to_hcl(&a).unwrap();
    assert!(text.contains("replication \"home_dirs\" {"), "{text}");
    assert!(text.contains("replication \"home_dirs_2\" {"), "{text}");
    assert!(text.contains("replication \"fs_00000003\" {"), "{text}");
    // Same-account destinations are pinned by id (no zone or key then).
    assert!(text.contains("file_system_id = \"fs-000000a1\""), "{text}");
    assert!(!text.contains("availability_zone_name"), "{text}");
    assert!(
        text.contains("file_system_id = \"arn:aws:elasticfilesystem:us-east-2:444455556666:file-system/fs-000000a4\""),
        "{text}"
    );
    assert!(
        text.contains("fs-00000005 (us-east-1) -> fs-000000a5 (us-east-2) is being deleted"),
        "{text}"
    );
    insta::assert_snapshot!("mixed", text);
    // Canonical: formatting again changes nothing.
    assert_eq!(format_source("x.hcl", &text).unwrap(), text);

    let desired = load_str("export.hcl", &text, &LoadOptions::default()).unwrap_or_else(|d| {
        let mut buf = Vec::new();
        d.render_human(&mut buf, false).unwrap();
        panic!("{}\n{text}", String::from_utf8_lossy(&buf))
    });
    assert_eq!(desired.replications.len(), 4);
    let mut without_deleting = a.clone();
    without_deleting
        .replications
        .retain(|r| r.destination.status != ReplicationStatus::Deleting);
    let p = plan(&desired, &without_deleting, &PlanOptions::default()).unwrap();
    assert!(!p.has_changes(), "{p:#?}\n{text}");
    assert!(p.unmanaged.is_empty(), "{p:#?}");

    // Defect: region-only destinations hid a later out-of-band re-point to
    // another file system in the same Region ("No changes"). Pinned, going
    // back to the exported file system is a replace (which, that file
    // system being writable now, needs consent to overwrite it).
    let mut repointed = without_deleting.clone();
    let home = repointed
        .replications
        .iter_mut()
        .find(|r| r.source.as_str() == "fs-00000001")
        .unwrap();
    home.destination.file_system_id = FileSystemId::parse("fs-000000b1").unwrap();
    let errs = plan(&desired, &repointed, &PlanOptions::default()).unwrap_err();
    assert!(
        errs.0.iter().any(|e| matches!(
            e,
            crate::plan::PlanError::DestinationProtected { file_system, .. } if file_system == "fs-000000a1"
        )),
        "{errs}"
    );
    let mut allowed = desired.clone();
    allowed
        .replications
        .iter_mut()
        .find(|r| r.source.as_str() == "fs-00000001")
        .unwrap()
        .destination
        .allow_overwrite = true;
    let p = plan(&allowed, &repointed, &PlanOptions::default()).unwrap();
    assert_eq!(p.summary().replace, 1, "{p:#?}");
}

#[test]
fn an_empty_state_exports_a_comment_only() {
    let text = to_hcl(&Actual::default()).unwrap();
    assert!(
        text.contains("No replication configurations were found."),
        "{text}"
    );
    let d = load_str("e.hcl", &text, &LoadOptions::default()).unwrap();
    assert!(d.replications.is_empty());
}

/// A scripted state that records the calls made.
struct Scripted {
    actual: Actual,
    calls: std::sync::Mutex<Vec<String>>,
}

impl StateReader for Scripted {
    async fn list_replications(
        &self,
        region: &Region,
    ) -> Result<Vec<ActualReplication>, crate::discover::DiscoverError> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("list-repl {region}"));
        Ok(self
            .actual
            .replications
            .iter()
            .filter(|r| &r.source_region == region || &r.destination.region == region)
            .cloned()
            .collect())
    }
    async fn list_file_systems(
        &self,
        region: &Region,
    ) -> Result<Vec<FileSystemInfo>, crate::discover::DiscoverError> {
        self.calls.lock().unwrap().push(format!("list-fs {region}"));
        Ok(self
            .actual
            .file_systems
            .values()
            .filter(|f| &f.region == region)
            .cloned()
            .collect())
    }
    async fn describe_file_system(
        &self,
        region: &Region,
        id: &FileSystemId,
    ) -> Result<Option<FileSystemInfo>, crate::discover::DiscoverError> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("describe {region} {id}"));
        Ok(self
            .actual
            .file_systems
            .get(&(region.clone(), id.clone()))
            .cloned())
    }
    async fn describe_replication(
        &self,
        region: &Region,
        id: &FileSystemId,
    ) -> Result<Option<ActualReplication>, crate::discover::DiscoverError> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("describe-repl {region} {id}"));
        Ok(self
            .actual
            .replications
            .iter()
            .find(|r| {
                (&r.source_region == region && &r.source == id)
                    || (&r.destination.region == region && &r.destination.file_system_id == id)
            })
            .cloned())
    }
}

#[test]
fn read_lists_busy_regions_and_describes_the_others_by_id() {
    let mut state = Actual::default();
    for i in 0..12u32 {
        let src = format!("fs-{:08x}", 0x100 + i);
        let dst = format!("fs-{:08x}", 0x200 + i);
        for f in [fs(&src, "us-east-1", None), fs(&dst, "us-west-2", None)] {
            state
                .file_systems
                .insert((f.region.clone(), f.id.clone()), f);
        }
        state
            .replications
            .push(rep(&src, "us-east-1", &dst, "us-west-2"));
    }
    let one_src = "fs-00000300";
    let one_dst = "fs-00000301";
    for f in [
        fs(one_src, "eu-west-1", None),
        fs(one_dst, "eu-central-1", None),
    ] {
        state
            .file_systems
            .insert((f.region.clone(), f.id.clone()), f);
    }
    state
        .replications
        .push(rep(one_src, "eu-west-1", one_dst, "eu-central-1"));
    let reader = Scripted {
        actual: state,
        calls: Default::default(),
    };
    let got =
        futures::executor::block_on(read(&reader, &[region("us-east-1"), region("eu-west-1")]))
            .unwrap();
    assert_eq!(got.replications.len(), 13);
    assert_eq!(got.file_systems.len(), 26);
    let calls = reader.calls.lock().unwrap().clone();
    let count = |p: &str| calls.iter().filter(|c| c.starts_with(p)).count();
    assert_eq!(count("list-fs us-east-1"), 1, "{calls:?}");
    assert_eq!(count("list-fs us-west-2"), 1, "{calls:?}");
    assert_eq!(count("describe us-"), 0, "{calls:?}");
    assert_eq!(count("describe eu-west-1"), 1, "{calls:?}");
    assert_eq!(count("describe eu-central-1"), 1, "{calls:?}");
    // And what was read exports to blocks that name every replication.
    let text = to_hcl(&got).unwrap();
    assert_eq!(text.matches("\nreplication \"").count(), 13, "{text}");
}

/// Issue 11: `export --account` writes the account blocks the replications
/// found need (not the others) and `source_account` on each replication
/// whose source is in one; the result loads.
#[test]
fn account_blocks_are_written_where_a_replication_needs_them() {
    let mut a = Actual {
        regions: [region("us-east-1")].into(),
        ..Actual::default()
    };
    let mut f = fs("fs-0000000000000a001", "us-east-1", Some("web"));
    f.owner = AccountId::parse("111122223333").unwrap();
    a.file_systems.insert((f.region.clone(), f.id.clone()), f);
    a.replications.push(rep(
        "fs-0000000000000a001",
        "us-east-1",
        "fs-0000000000000b001",
        "us-west-2",
    ));
    let account = |name: &str, id: &str| Account {
        name: name.into(),
        id: AccountId::parse(id).unwrap(),
        credentials: AccountCredentials::AssumeRole {
            role_arn: crate::model::RoleArn::parse(&format!("arn:aws:iam::{id}:role/r")).unwrap(),
            external_id: Some("ext".into()),
            session_name: None,
        },
    };
    let accounts = [
        account("prod", "111122223333"),
        account("unused", "999999999999"),
    ];
    let text = to_hcl_with_accounts(&a, &accounts).unwrap();
    assert!(text.contains("account \"prod\" {"), "{text}");
    assert!(text.contains("external_id = \"ext\""), "{text}");
    assert!(!text.contains("unused"), "{text}");
    let d = load_str("export.hcl", &text, &LoadOptions::default()).unwrap();
    assert_eq!(d.accounts.len(), 1);
    assert_eq!(
        d.replications[0].source_account.as_ref().unwrap().as_str(),
        "111122223333"
    );
}
