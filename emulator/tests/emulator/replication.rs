//! Replication semantics from the behavioural spec, one test per rule,
//! through the real SDK.

use super::*;
use aws_sdk_efs::error::SdkError;
use aws_sdk_efs::operation::create_replication_configuration::CreateReplicationConfigurationError;
use aws_sdk_efs::operation::delete_replication_configuration::{
    DeleteReplicationConfigurationError, DeleteReplicationConfigurationOutput,
};
use aws_sdk_efs::operation::describe_replication_configurations::DescribeReplicationConfigurationsError;
use aws_sdk_efs::types::{
    DeletionMode, DestinationToCreate, PerformanceMode, ReplicationOverwriteProtection,
    ReplicationStatus, ThroughputMode,
};

/// Deletes the replication of `src` (by its source or destination side).
async fn delete_replication(
    c: &Client,
    src: &str,
) -> Result<DeleteReplicationConfigurationOutput, SdkError<DeleteReplicationConfigurationError>> {
    c.delete_replication_configuration()
        .source_file_system_id(src)
        .send()
        .await
}

async fn describe_one(
    c: &Client,
    fs: &str,
) -> aws_sdk_efs::types::ReplicationConfigurationDescription {
    let out = c
        .describe_replication_configurations()
        .file_system_id(fs)
        .send()
        .await
        .expect("DescribeReplicationConfigurations");
    assert_eq!(out.replications().len(), 1);
    out.replications()[0].clone()
}

async fn protection(c: &Client, fs: &str) -> ReplicationOverwriteProtection {
    let out = c
        .describe_file_systems()
        .file_system_id(fs)
        .send()
        .await
        .unwrap();
    out.file_systems()[0]
        .file_system_protection()
        .and_then(|p| p.replication_overwrite_protection())
        .cloned()
        .expect("protection")
}

#[tokio::test]
async fn new_destination_is_encrypted_read_only_and_copies_modes() {
    let (_emu, east, west) = start_east_west(config()).await;
    let src = east
        .create_file_system()
        .creation_token("src")
        .performance_mode(PerformanceMode::MaxIo)
        .throughput_mode(ThroughputMode::Provisioned)
        .provisioned_throughput_in_mibps(128.0)
        .send()
        .await
        .unwrap();
    let rep = replicate(&east, src.file_system_id(), "us-west-2").await;
    assert_eq!(rep.source_file_system_id(), src.file_system_id());
    assert_eq!(rep.source_file_system_region(), "us-east-1");
    assert_eq!(rep.source_file_system_arn(), src.file_system_arn().unwrap());
    assert_eq!(
        rep.original_source_file_system_arn(),
        rep.source_file_system_arn()
    );
    let d = &rep.destinations()[0];
    assert_eq!(d.region(), "us-west-2");
    let dest = describe_fs(&west, d.file_system_id()).await;
    assert_eq!(dest.encrypted(), Some(true));
    let kms = dest.kms_key_id().expect("default KMS key");
    assert!(
        kms.starts_with("arn:aws:kms:us-west-2:111122223333:key/"),
        "{kms}"
    );
    assert_eq!(dest.performance_mode(), &PerformanceMode::MaxIo);
    assert_eq!(dest.throughput_mode(), Some(&ThroughputMode::Provisioned));
    assert_eq!(dest.provisioned_throughput_in_mibps(), Some(128.0));
    assert_eq!(
        protection(&west, d.file_system_id()).await,
        ReplicationOverwriteProtection::Replicating
    );
    // The destination does not exist in the source Region.
    let err = east
        .describe_file_systems()
        .file_system_id(d.file_system_id())
        .send()
        .await;
    assert_eq!(code(err), "FileSystemNotFound");
}

#[tokio::test]
async fn kms_key_as_given_and_one_zone_destination_uses_general_purpose() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let euw = client(&emu, "eu-west-1");
    let src = east
        .create_file_system()
        .creation_token("src")
        .performance_mode(PerformanceMode::MaxIo)
        .throughput_mode(ThroughputMode::Elastic)
        .send()
        .await;
    // maxIO + elastic is refused, as the model documents.
    assert_eq!(code(src), "BadRequest");
    let src = east
        .create_file_system()
        .creation_token("src")
        .performance_mode(PerformanceMode::MaxIo)
        .send()
        .await
        .unwrap();
    let key = "0123abcd-0123-4567-89ab-0123456789ab";
    let rep = east
        .create_replication_configuration()
        .source_file_system_id(src.file_system_id())
        .destinations(
            DestinationToCreate::builder()
                .availability_zone_name("eu-west-1b")
                .kms_key_id(key)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // The AZ name alone determines the destination Region.
    let d = &rep.destinations()[0];
    assert_eq!(d.region(), "eu-west-1");
    let dest = describe_fs(&euw, d.file_system_id()).await;
    assert_eq!(dest.availability_zone_name(), Some("eu-west-1b"));
    assert_eq!(dest.availability_zone_id(), Some("euw1-az2"));
    assert_eq!(dest.performance_mode(), &PerformanceMode::GeneralPurpose);
    assert_eq!(
        dest.kms_key_id(),
        Some(format!("arn:aws:kms:eu-west-1:111122223333:key/{key}").as_str())
    );
}

/// Real EFS reports the key ARN (key/UUID) of a file system created with a
/// KMS alias, never the alias; the emulator used to report the alias ARN,
/// which hid a planner defect (alias vs key ARN). Aliases now resolve to a
/// stable key per account, Region and alias.
#[tokio::test]
async fn a_kms_alias_is_reported_as_the_key_arn_it_resolves_to() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let euw = client(&emu, "eu-west-1");
    let mut reported = Vec::new();
    for (token, key) in [
        ("a1", "alias/replicas"),
        ("a2", "arn:aws:kms:eu-west-1:111122223333:alias/replicas"),
        ("a3", "alias/other"),
    ] {
        let src = create_fs(&east, token).await;
        let rep = east
            .create_replication_configuration()
            .source_file_system_id(src)
            .destinations(
                DestinationToCreate::builder()
                    .region("eu-west-1")
                    .kms_key_id(key)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let dest = euw
            .describe_file_systems()
            .file_system_id(rep.destinations()[0].file_system_id())
            .send()
            .await
            .unwrap()
            .file_systems()[0]
            .kms_key_id()
            .unwrap()
            .to_owned();
        assert!(
            dest.starts_with("arn:aws:kms:eu-west-1:111122223333:key/") && !dest.contains("alias"),
            "{dest}"
        );
        reported.push(dest);
    }
    // The same alias, by name or ARN, is the same key; another alias is not.
    assert_eq!(reported[0], reported[1]);
    assert_ne!(reported[0], reported[2]);
}

#[tokio::test]
async fn unknown_or_mismatched_availability_zone_is_unsupported() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let src = create_fs(&east, "src").await;
    for dest in [
        DestinationToCreate::builder()
            .availability_zone_name("us-east-1z")
            .build(),
        DestinationToCreate::builder()
            .availability_zone_name("moon-base-1a")
            .build(),
        DestinationToCreate::builder()
            .region("us-west-2")
            .availability_zone_name("eu-west-1a")
            .build(),
    ] {
        let err = east
            .create_replication_configuration()
            .source_file_system_id(&src)
            .destinations(dest)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.into_service_error(),
                CreateReplicationConfigurationError::UnsupportedAvailabilityZone(_)
            ),
            "expected UnsupportedAvailabilityZone"
        );
    }
    // Nothing was created on the way.
    assert_eq!(list_fs(&east).await.file_systems().len(), 1);
}

#[tokio::test]
async fn one_replication_per_file_system_and_no_chaining() {
    let (_emu, east, west) = start_east_west(config()).await;
    let a = create_fs(&east, "a").await;
    let dest = replicate_to(&east, &a, "us-west-2").await;
    // The same source again.
    let again = east
        .create_replication_configuration()
        .source_file_system_id(&a)
        .destinations(to_region("eu-west-1"))
        .send()
        .await;
    assert_eq!(code(again), "BadRequest");
    // The destination as a source (chaining).
    let chain = west
        .create_replication_configuration()
        .source_file_system_id(&dest)
        .destinations(to_region("eu-west-1"))
        .send()
        .await;
    assert_eq!(code(chain), "BadRequest");
    // The destination as the destination of another source.
    let b = create_fs(&west, "b").await;
    let second = west
        .create_replication_configuration()
        .source_file_system_id(&b)
        .destinations(
            DestinationToCreate::builder()
                .region("us-west-2")
                .file_system_id(&dest)
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(second), "BadRequest");
    assert_eq!(list_replications(&west).await.replications().len(), 1);
}

#[tokio::test]
async fn exactly_one_destination() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let a = create_fs(&east, "a").await;
    let two = east
        .create_replication_configuration()
        .source_file_system_id(&a)
        .destinations(to_region("us-west-2"))
        .destinations(to_region("eu-west-1"))
        .send()
        .await;
    assert_eq!(code(two), "BadRequest");
    let none = east
        .create_replication_configuration()
        .source_file_system_id(&a)
        .set_destinations(Some(vec![]))
        .send()
        .await;
    assert_eq!(code(none), "BadRequest");
    let listed = list_replications(&east).await;
    assert!(listed.replications().is_empty());
}

#[tokio::test]
async fn existing_destination_needs_protection_disabled_then_replicates() {
    let (_emu, east, west) = start_east_west(config()).await;
    let src = create_fs(&east, "src").await;
    let dst = create_fs(&west, "dst").await;
    let dest = || {
        DestinationToCreate::builder()
            .region("us-west-2")
            .file_system_id(&dst)
            .build()
    };
    let refused = east
        .create_replication_configuration()
        .source_file_system_id(&src)
        .destinations(dest())
        .send()
        .await;
    assert_eq!(code(refused), "BadRequest");
    // Clients cannot set REPLICATING themselves.
    let r = west
        .update_file_system_protection()
        .file_system_id(&dst)
        .replication_overwrite_protection(ReplicationOverwriteProtection::Replicating)
        .send()
        .await;
    assert_eq!(code(r), "BadRequest");
    west.update_file_system_protection()
        .file_system_id(&dst)
        .replication_overwrite_protection(ReplicationOverwriteProtection::Disabled)
        .send()
        .await
        .unwrap();
    let rep = east
        .create_replication_configuration()
        .source_file_system_id(&src)
        .destinations(dest())
        .send()
        .await
        .unwrap();
    assert_eq!(rep.destinations()[0].file_system_id(), dst);
    assert_eq!(
        protection(&west, &dst).await,
        ReplicationOverwriteProtection::Replicating
    );
    // Protection of a current destination cannot be changed.
    let r = west
        .update_file_system_protection()
        .file_system_id(&dst)
        .replication_overwrite_protection(ReplicationOverwriteProtection::Enabled)
        .send()
        .await;
    assert_eq!(code(r), "ReplicationAlreadyExists");
}

#[tokio::test]
async fn encrypted_source_needs_encrypted_existing_destination() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let src = east
        .create_file_system()
        .creation_token("s")
        .encrypted(true)
        .send()
        .await
        .unwrap();
    let dst = create_fs(&east, "d").await;
    east.update_file_system_protection()
        .file_system_id(&dst)
        .replication_overwrite_protection(ReplicationOverwriteProtection::Disabled)
        .send()
        .await
        .unwrap();
    let r = east
        .create_replication_configuration()
        .source_file_system_id(src.file_system_id())
        .destinations(DestinationToCreate::builder().file_system_id(&dst).build())
        .send()
        .await;
    assert_eq!(code(r), "ConflictException");
}

#[tokio::test]
async fn source_must_be_available() {
    let emu = start(Config {
        create_delay: Duration::from_secs(3600),
        ..config()
    })
    .await;
    let east = client(&emu, "us-east-1");
    let src = east
        .create_file_system()
        .creation_token("s")
        .send()
        .await
        .unwrap();
    assert_eq!(src.life_cycle_state().as_str(), "creating");
    let r = east
        .create_replication_configuration()
        .source_file_system_id(src.file_system_id())
        .destinations(to_region("us-west-2"))
        .send()
        .await;
    assert_eq!(code(r), "IncorrectFileSystemLifeCycleState");
    advance(&emu, 3600.0).await;
    replicate(&east, src.file_system_id(), "us-west-2").await;
}

#[tokio::test]
async fn cross_account_needs_role_arn_and_is_visible_from_both_accounts() {
    let emu = start(config()).await;
    let a_east = client(&emu, "us-east-1");
    let b_west = client_b(&emu, "us-west-2");
    let src = create_fs(&a_east, "src").await;
    let dst = create_fs(&b_west, "dst").await;
    b_west
        .update_file_system_protection()
        .file_system_id(&dst)
        .replication_overwrite_protection(ReplicationOverwriteProtection::Disabled)
        .send()
        .await
        .unwrap();
    let dst_arn = format!("arn:aws:elasticfilesystem:us-west-2:{ACCOUNT_B}:file-system/{dst}");
    let no_role = a_east
        .create_replication_configuration()
        .source_file_system_id(&src)
        .destinations(
            DestinationToCreate::builder()
                .region("us-west-2")
                .file_system_id(&dst_arn)
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(no_role.code(), Some("BadRequest"));
    assert!(no_role
        .message()
        .unwrap_or_default()
        .contains("RoleArn is required"));
    let role = format!("arn:aws:iam::{ACCOUNT_A}:role/efs-replication");
    let rep = a_east
        .create_replication_configuration()
        .source_file_system_id(&src)
        .destinations(
            DestinationToCreate::builder()
                .region("us-west-2")
                .file_system_id(&dst_arn)
                .role_arn(&role)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(rep.source_file_system_owner_id(), Some(ACCOUNT_A));
    assert_eq!(rep.destinations()[0].owner_id(), Some(ACCOUNT_B));
    assert_eq!(rep.destinations()[0].role_arn(), Some(role.as_str()));
    // Account B sees the same configuration from the destination side.
    let seen = describe_one(&b_west, &dst).await;
    assert_eq!(seen.source_file_system_id(), src);
    assert_eq!(seen.source_file_system_region(), "us-east-1");
    // Account A has nothing in us-west-2; account B has nothing in us-east-1.
    let a_west = client(&emu, "us-west-2");
    assert!(list_replications(&a_west).await.replications().is_empty());
    let b_east = client_b(&emu, "us-east-1");
    assert!(list_replications(&b_east).await.replications().is_empty());
}

#[tokio::test]
async fn enabling_becomes_enabled_and_sync_timestamp_appears_then_advances() {
    let emu = start(Config {
        enable_delay: Duration::from_secs(60),
        initial_sync_delay: Duration::from_secs(600),
        sync_interval: Duration::from_secs(900),
        ..config()
    })
    .await;
    let east = client(&emu, "us-east-1");
    let src = create_fs(&east, "src").await;
    let rep = replicate(&east, &src, "us-west-2").await;
    let created = rep.creation_time().as_secs_f64();
    assert_eq!(rep.destinations()[0].status(), &ReplicationStatus::Enabling);
    assert!(rep.destinations()[0].last_replicated_timestamp().is_none());
    advance(&emu, 61.0).await;
    let d = describe_one(&east, &src).await.destinations()[0].clone();
    assert_eq!(d.status(), &ReplicationStatus::Enabled);
    assert!(
        d.last_replicated_timestamp().is_none(),
        "initial sync still running"
    );
    advance(&emu, 600.0).await;
    let first = describe_one(&east, &src).await.destinations()[0]
        .last_replicated_timestamp()
        .expect("initial sync done")
        .as_secs_f64();
    assert!(
        (first - (created + 660.0)).abs() < 0.01,
        "{first} vs {created}"
    );
    advance(&emu, 900.0).await;
    let second = describe_one(&east, &src).await.destinations()[0]
        .last_replicated_timestamp()
        .unwrap()
        .as_secs_f64();
    assert!((second - first - 900.0).abs() < 0.01, "{second} - {first}");
}

#[tokio::test]
async fn delete_goes_through_deleting_and_restores_destination_protection() {
    let (emu, east, west) = start_east_west(Config {
        delete_delay: Duration::from_secs(300),
        ..config()
    })
    .await;
    let src = create_fs(&east, "src").await;
    let dst = replicate_to(&east, &src, "us-west-2").await;
    delete_replication(&east, &src).await.unwrap();
    // Still listed, as DELETING, from both sides.
    assert_eq!(
        describe_one(&east, &src).await.destinations()[0].status(),
        &ReplicationStatus::Deleting
    );
    assert_eq!(
        describe_one(&west, &dst).await.destinations()[0].status(),
        &ReplicationStatus::Deleting
    );
    // Deleting again while DELETING is accepted.
    delete_replication(&east, &src).await.unwrap();
    assert_eq!(
        protection(&west, &dst).await,
        ReplicationOverwriteProtection::Replicating
    );
    advance(&emu, 301.0).await;
    let gone = east
        .describe_replication_configurations()
        .file_system_id(&src)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        gone.into_service_error(),
        DescribeReplicationConfigurationsError::ReplicationNotFound(_)
    ));
    assert!(list_replications(&west).await.replications().is_empty());
    assert_eq!(
        protection(&west, &dst).await,
        ReplicationOverwriteProtection::Enabled
    );
    // Both file systems can be deleted now.
    east.delete_file_system()
        .file_system_id(&src)
        .send()
        .await
        .unwrap();
    west.delete_file_system()
        .file_system_id(&dst)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn file_system_in_a_replication_cannot_be_deleted() {
    let (_emu, east, west) = start_east_west(config()).await;
    let src = create_fs(&east, "src").await;
    let dst = replicate_to(&east, &src, "us-west-2").await;
    assert_eq!(
        code(east.delete_file_system().file_system_id(&src).send().await),
        "FileSystemInUse"
    );
    assert_eq!(
        code(west.delete_file_system().file_system_id(&dst).send().await),
        "FileSystemInUse"
    );
}

#[tokio::test]
async fn local_configuration_only_rules() {
    let (_emu, east, west) = start_east_west(config()).await;
    // Same account and Region: refused.
    let a = create_fs(&east, "a").await;
    replicate(&east, &a, "us-east-1").await;
    let r = east
        .delete_replication_configuration()
        .source_file_system_id(&a)
        .deletion_mode(DeletionMode::LocalConfigurationOnly)
        .send()
        .await;
    assert_eq!(code(r), "BadRequest");
    // Cross-Region: the destination side deletes only its own side.
    let b = create_fs(&east, "b").await;
    let dst = replicate_to(&east, &b, "us-west-2").await;
    west.delete_replication_configuration()
        .source_file_system_id(&b)
        .deletion_mode(DeletionMode::LocalConfigurationOnly)
        .send()
        .await
        .unwrap();
    // The destination side is gone and writeable again ...
    assert_eq!(
        code(
            west.describe_replication_configurations()
                .file_system_id(&dst)
                .send()
                .await
        ),
        "ReplicationNotFound"
    );
    assert_eq!(
        protection(&west, &dst).await,
        ReplicationOverwriteProtection::Enabled
    );
    // ... while the source side is orphaned and says so.
    let orphan = describe_one(&east, &b).await.destinations()[0].clone();
    assert_eq!(orphan.status(), &ReplicationStatus::Error);
    assert!(orphan.status_message().is_some());
    assert_eq!(
        code(east.delete_file_system().file_system_id(&b).send().await),
        "FileSystemInUse"
    );
    east.delete_replication_configuration()
        .source_file_system_id(&b)
        .deletion_mode(DeletionMode::LocalConfigurationOnly)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            east.describe_replication_configurations()
                .file_system_id(&b)
                .send()
                .await
        ),
        "ReplicationNotFound"
    );
    east.delete_file_system()
        .file_system_id(&b)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn describe_by_either_side_and_not_found_cases() {
    // A long sync interval keeps LastReplicatedTimestamp still between the two reads.
    let (_emu, east, west) = start_east_west(Config {
        sync_interval: Duration::from_secs(3600),
        ..config()
    })
    .await;
    let src = create_fs(&east, "src").await;
    let lonely = create_fs(&east, "lonely").await;
    let dst = replicate_to(&east, &src, "us-west-2").await;
    let from_source = describe_one(&east, &src).await;
    let from_dest = describe_one(&west, &dst).await;
    assert_eq!(from_source, from_dest);
    assert_eq!(from_dest.source_file_system_region(), "us-east-1");
    let e = east
        .describe_replication_configurations()
        .file_system_id(&lonely)
        .send()
        .await;
    assert_eq!(code(e), "ReplicationNotFound");
    let e = east
        .describe_replication_configurations()
        .file_system_id("fs-00000000000000000")
        .send()
        .await;
    assert_eq!(code(e), "FileSystemNotFound");
    // Deleting with the destination id is refused, not treated as not found.
    let e = delete_replication(&west, &dst).await;
    assert_eq!(code(e), "BadRequest");
    let e = delete_replication(&east, &lonely).await;
    assert_eq!(code(e), "ReplicationNotFound");
    // The destination side may delete by source id.
    delete_replication(&west, &src).await.unwrap();
    assert!(list_replications(&east).await.replications().is_empty());
}

#[tokio::test]
async fn arns_are_accepted_wherever_an_id_is() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let src = create_fs(&east, "src").await;
    let arn = format!("arn:aws:elasticfilesystem:us-east-1:{ACCOUNT_A}:file-system/{src}");
    replicate(&east, &arn, "us-west-2").await;
    assert_eq!(describe_one(&east, &arn).await.source_file_system_id(), src);
    let fs = east
        .describe_file_systems()
        .file_system_id(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(fs.file_systems()[0].file_system_id(), src);
    // An ARN of another Region does not name a file system here.
    let other = arn.replace("us-east-1", "eu-west-1");
    assert_eq!(
        code(
            east.describe_file_systems()
                .file_system_id(&other)
                .send()
                .await
        ),
        "FileSystemNotFound"
    );
    delete_replication(&east, &arn).await.unwrap();
}

#[tokio::test]
async fn pagination_with_next_token_covers_every_configuration_once() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let mut sources = std::collections::BTreeSet::new();
    for i in 0..230 {
        let fs = create_fs(&east, &format!("t{i}")).await;
        replicate(&east, &fs, "eu-central-1").await;
        sources.insert(fs);
    }
    let first = east
        .describe_replication_configurations()
        .max_results(100)
        .send()
        .await
        .unwrap();
    assert_eq!(first.replications().len(), 100);
    assert!(first.next_token().is_some());
    let all: Vec<_> = east
        .describe_replication_configurations()
        .max_results(100)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    let seen: std::collections::BTreeSet<String> = all
        .iter()
        .map(|r| r.source_file_system_id().to_string())
        .collect();
    assert_eq!(all.len(), 230);
    assert_eq!(seen, sources);
    let bad = east
        .describe_replication_configurations()
        .next_token("garbage")
        .send()
        .await;
    assert_eq!(code(bad), "BadRequest");
}
