//! Every example under examples/ loads, means what its comments say, and is
//! already in canonical format.

use efs_replicator::config::{self, format::format_source, LoadOptions};
use efs_replicator::model::Desired;

use super::{example_dirs, root};

fn load(name: &str) -> Desired {
    let path = root().join("examples").join(name);
    match config::load(&path, &LoadOptions::default()) {
        Ok(d) => d,
        Err(diags) => {
            let mut out = Vec::new();
            diags.render_human(&mut out, false).unwrap();
            panic!(
                "{name} does not validate:\n{}",
                String::from_utf8_lossy(&out)
            );
        }
    }
}

#[test]
fn every_example_validates_and_is_formatted() {
    let dirs = example_dirs();
    assert!(
        dirs.len() >= 5,
        "expected the five documented examples, found {dirs:?}"
    );
    for dir in dirs {
        let d = config::load(&dir, &LoadOptions::default());
        assert!(d.is_ok(), "{} does not validate", dir.display());
        assert!(
            !d.unwrap().replications.is_empty(),
            "{} declares nothing",
            dir.display()
        );
        for f in config::config_files(&dir).unwrap() {
            let text = std::fs::read_to_string(&f).unwrap();
            let formatted = format_source(&f.display().to_string(), &text).unwrap();
            assert_eq!(
                formatted,
                text,
                "{} is not in canonical format",
                f.display()
            );
        }
    }
}

#[test]
fn cross_region_example() {
    let d = load("cross-region");
    let r = &d.replications[0];
    assert_eq!(r.address.to_string(), "replication.home");
    assert_eq!(r.source_region.as_str(), "us-east-1");
    assert_eq!(r.destination.region.as_str(), "us-west-2");
    assert_eq!(
        r.destination.kms_key.as_ref().unwrap().as_str(),
        "alias/efs-dr"
    );
    assert!(r.prevent_destroy);
    assert_eq!(
        r.max_replication_lag,
        Some(std::time::Duration::from_secs(1800))
    );
}

#[test]
fn one_zone_example_derives_the_region() {
    let d = load("one-zone");
    let dest = &d.replications[0].destination;
    assert_eq!(dest.region.as_str(), "eu-central-1");
    assert_eq!(
        dest.availability_zone.as_ref().unwrap().as_str(),
        "eu-central-1b"
    );
}

#[test]
fn failback_example_consents_to_overwrite() {
    let d = load("failback");
    let dest = &d.replications[0].destination;
    assert!(dest.allow_overwrite);
    assert_eq!(
        dest.file_system.as_ref().unwrap().id.as_str(),
        "fs-0123456789abcdef0"
    );
}

#[test]
fn cross_account_example_interpolates_the_account() {
    let d = load("cross-account");
    let r = &d.replications[0];
    assert_eq!(r.source_region.as_str(), "eu-west-1");
    assert_eq!(r.source_account.as_ref().unwrap().as_str(), "111122223333");
    // EFS's role is in the source account.
    let role = r.destination.role_arn.as_ref().unwrap();
    assert_eq!(role.account().as_str(), "111122223333");
    let fs = r.destination.file_system.as_ref().unwrap();
    assert_eq!(fs.arn.as_ref().unwrap().account.as_str(), "444455556666");
    // Each side is read with its own account's credentials.
    let ids: Vec<&str> = d.accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["444455556666", "111122223333"]);
}

#[test]
fn for_each_example_expands_to_addresses() {
    let d = load("for-each");
    let addrs: Vec<String> = d
        .replications
        .iter()
        .map(|r| r.address.to_string())
        .collect();
    assert_eq!(
        addrs,
        vec![
            "replication.archive[\"fs-00000000000000b01\"]",
            "replication.archive[\"fs-00000000000000b02\"]",
            "replication.team[\"analytics\"]",
            "replication.team[\"builds\"]",
            "replication.team[\"scratch\"]",
        ]
    );
    let scratch = &d.replications[4];
    assert_eq!(
        scratch
            .destination
            .availability_zone
            .as_ref()
            .unwrap()
            .as_str(),
        "us-west-2a"
    );
    assert!(d.replications[2].destination.availability_zone.is_none());
    assert_eq!(
        scratch.max_replication_lag,
        Some(std::time::Duration::from_secs(3600))
    );
    // --var beats the default.
    let opts = LoadOptions {
        vars: vec![("dr_region".into(), "us-east-2".into())],
        ..LoadOptions::default()
    };
    let d = config::load(&root().join("examples/for-each"), &opts).unwrap();
    assert_eq!(d.replications[4].destination.region.as_str(), "us-east-2");
}

#[test]
fn decommission_example_has_a_removed_block() {
    let d = load("decommission");
    assert_eq!(d.removed.len(), 1);
    assert_eq!(d.removed[0].source.as_str(), "fs-0987654321fedcba0");
    assert!(!d.settings.prune);
}

/// Issue 11: ten accounts, each with its block, sources in three Regions.
#[test]
fn organisation_example_spans_ten_accounts_and_several_regions() {
    let d = load("organisation");
    assert_eq!(d.accounts.len(), 10);
    assert_eq!(d.replications.len(), 20);
    let accounts: std::collections::BTreeSet<_> = d
        .replications
        .iter()
        .map(|r| r.source_account.clone().expect("source_account"))
        .collect();
    assert_eq!(accounts.len(), 10);
    let regions: std::collections::BTreeSet<_> = d
        .replications
        .iter()
        .map(|r| r.source_region.clone())
        .collect();
    assert_eq!(regions.len(), 3);
    for a in &d.accounts {
        match &a.credentials {
            efs_replicator::model::AccountCredentials::AssumeRole { role_arn, .. } => {
                assert_eq!(role_arn.account(), a.id)
            }
            other => panic!("{other:?}"),
        }
    }
}
