//! The behaviour variants (`--listing-scope`, `--owner-ids`,
//! `--destination-delete-lag`, `--file-system-delete-delay`; the throttle
//! status is in `throttling.rs`), each seen through `aws-sdk-efs` under its
//! default and its other value, and the error shapes public evidence
//! verifies. Delays are driven with the admin clock.

use super::*;
use aws_sdk_efs::types::{LifeCycleState, ReplicationOverwriteProtection, ReplicationStatus};
use efs_emulator::{ListingScope, OwnerIds};

#[tokio::test]
async fn listing_scope_source_hides_incoming_replications_from_the_unfiltered_listing_only() {
    for scope in [ListingScope::Both, ListingScope::Source] {
        let (_emu, east, west) = start_east_west(Config {
            listing_scope: scope,
            ..config()
        })
        .await;
        let src = create_fs(&east, "src").await;
        let dst = replicate_to(&east, &src, "us-west-2").await;
        // The source Region lists it either way.
        assert_eq!(list_replications(&east).await.replications().len(), 1);
        let in_west = list_replications(&west).await.replications().len();
        match scope {
            ListingScope::Both => assert_eq!(in_west, 1),
            ListingScope::Source => assert_eq!(in_west, 0, "destination Region lists it"),
        }
        // By id, the destination side is found under either scope.
        let by_id = west
            .describe_replication_configurations()
            .file_system_id(&dst)
            .send()
            .await
            .unwrap();
        assert_eq!(by_id.replications()[0].source_file_system_id(), src);
    }
}

#[tokio::test]
async fn owner_ids_cross_account_only_leaves_them_out_of_same_account_descriptions() {
    for owners in [OwnerIds::Always, OwnerIds::CrossAccountOnly] {
        let (emu, east, _west) = start_east_west(Config {
            owner_ids: owners,
            ..config()
        })
        .await;
        let src = create_fs(&east, "src").await;
        let created = replicate(&east, &src, "us-west-2").await;
        let listed = list_replications(&east).await;
        for r in [
            created.source_file_system_owner_id(),
            listed.replications()[0].source_file_system_owner_id(),
        ] {
            match owners {
                OwnerIds::Always => assert_eq!(r, Some(ACCOUNT_A)),
                OwnerIds::CrossAccountOnly => assert_eq!(r, None),
            }
        }
        let d = &listed.replications()[0].destinations()[0];
        assert_eq!(d.owner_id().is_some(), owners == OwnerIds::Always);

        // Cross-account: both ids are always there.
        let b_west = client_b(&emu, "us-west-2");
        let b_fs = create_fs(&b_west, "b-dest").await;
        b_west
            .update_file_system_protection()
            .file_system_id(&b_fs)
            .replication_overwrite_protection(ReplicationOverwriteProtection::Disabled)
            .send()
            .await
            .unwrap();
        let src2 = create_fs(&east, "src2").await;
        let cross = east
            .create_replication_configuration()
            .source_file_system_id(&src2)
            .destinations(
                DestinationToCreate::builder()
                    .region("us-west-2")
                    .file_system_id(format!(
                        "arn:aws:elasticfilesystem:us-west-2:{ACCOUNT_B}:file-system/{b_fs}"
                    ))
                    .role_arn(format!("arn:aws:iam::{ACCOUNT_A}:role/efs-replication"))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(cross.source_file_system_owner_id(), Some(ACCOUNT_A));
        assert_eq!(cross.destinations()[0].owner_id(), Some(ACCOUNT_B));
    }
}

#[tokio::test]
async fn destination_delete_lag_keeps_the_destination_side_deleting_after_the_source_side() {
    let (emu, east, west) = start_east_west(Config {
        destination_delete_lag: Duration::from_secs(60),
        ..config()
    })
    .await;
    let src = create_fs(&east, "src").await;
    let dst = replicate_to(&east, &src, "us-west-2").await;
    east.delete_replication_configuration()
        .source_file_system_id(&src)
        .send()
        .await
        .unwrap();
    // The source side is gone at once (delete delay 0)...
    assert_eq!(
        code(
            east.describe_replication_configurations()
                .file_system_id(&src)
                .send()
                .await
        ),
        "ReplicationNotFound"
    );
    assert!(list_replications(&east).await.replications().is_empty());
    // ...the destination side stays DELETING, listed and by id, its file
    // system still in the replication.
    let listed = list_replications(&west).await;
    assert_eq!(listed.replications().len(), 1);
    assert_eq!(
        listed.replications()[0].destinations()[0].status(),
        &ReplicationStatus::Deleting
    );
    let by_id = west
        .describe_replication_configurations()
        .file_system_id(&dst)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_id.replications()[0].destinations()[0].status(),
        &ReplicationStatus::Deleting
    );
    let protection = |f: FileSystemDescription| {
        f.file_system_protection()
            .and_then(|p| p.replication_overwrite_protection())
            .cloned()
    };
    assert_eq!(
        protection(describe_fs(&west, &dst).await),
        Some(ReplicationOverwriteProtection::Replicating)
    );
    // The former destination cannot be a source yet.
    assert_eq!(
        code(
            west.create_replication_configuration()
                .source_file_system_id(&dst)
                .destinations(to_region("us-east-1"))
                .send()
                .await
        ),
        "BadRequest"
    );
    emu.advance_clock(Duration::from_secs(61)).await.unwrap();
    assert!(list_replications(&west).await.replications().is_empty());
    assert_eq!(
        protection(describe_fs(&west, &dst).await),
        Some(ReplicationOverwriteProtection::Enabled)
    );
}

#[tokio::test]
async fn no_destination_delete_lag_by_default() {
    let (_emu, east, west) = start_east_west(config()).await;
    let src = create_fs(&east, "src").await;
    replicate_to(&east, &src, "us-west-2").await;
    east.delete_replication_configuration()
        .source_file_system_id(&src)
        .send()
        .await
        .unwrap();
    assert!(list_replications(&west).await.replications().is_empty());
}

#[tokio::test]
async fn file_system_delete_delay_leaves_it_deleting() {
    let (emu, east, _west) = start_east_west(Config {
        file_system_delete_delay: Duration::from_secs(30),
        ..config()
    })
    .await;
    let id = create_fs(&east, "doomed").await;
    east.delete_file_system()
        .file_system_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        describe_fs(&east, &id).await.life_cycle_state(),
        &LifeCycleState::Deleting
    );
    // Deleting again meanwhile is accepted; replicating it is not.
    east.delete_file_system()
        .file_system_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            east.create_replication_configuration()
                .source_file_system_id(&id)
                .destinations(to_region("us-west-2"))
                .send()
                .await
        ),
        "IncorrectFileSystemLifeCycleState"
    );
    emu.advance_clock(Duration::from_secs(31)).await.unwrap();
    assert_eq!(
        code(
            east.describe_file_systems()
                .file_system_id(&id)
                .send()
                .await
        ),
        "FileSystemNotFound"
    );
    assert!(list_fs(&east).await.file_systems().is_empty());
}

/// The default delay is not zero: DeleteFileSystem returns while the file
/// system is still `deleting`, as EFS documents.
#[tokio::test]
async fn delete_file_system_returns_while_deleting_by_default() {
    let (_emu, east, _west) = start_east_west(Config {
        file_system_delete_delay: Config::default().file_system_delete_delay,
        ..config()
    })
    .await;
    assert!(!Config::default().file_system_delete_delay.is_zero());
    let id = create_fs(&east, "doomed").await;
    east.delete_file_system()
        .file_system_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        describe_fs(&east, &id).await.life_cycle_state(),
        &LifeCycleState::Deleting
    );
}

/// The error shapes public evidence verifies (EFS_REPLICATION_API.md
/// section 7), exact: code, status and message.
#[tokio::test]
async fn verified_error_shapes_are_exact() {
    let (emu, east, west) = start_east_west(config()).await;
    // Protection change on a current destination.
    let src = create_fs(&east, "src").await;
    let dst = replicate_to(&east, &src, "us-west-2").await;
    let err = west
        .update_file_system_protection()
        .file_system_id(&dst)
        .replication_overwrite_protection(ReplicationOverwriteProtection::Disabled)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ReplicationAlreadyExists"));
    assert_eq!(
        err.message(),
        Some("ReplicationOverwriteProtection cannot be changed while the file system is a replication destination.")
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(409));
    // Cross-account without a role.
    let b_west = client_b(&emu, "us-west-2");
    let b_fs = create_fs(&b_west, "b-dest").await;
    let src2 = create_fs(&east, "src2").await;
    let err = east
        .create_replication_configuration()
        .source_file_system_id(&src2)
        .destinations(
            DestinationToCreate::builder()
                .region("us-west-2")
                .file_system_id(format!(
                    "arn:aws:elasticfilesystem:us-west-2:{ACCOUNT_B}:file-system/{b_fs}"
                ))
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("BadRequest"));
    assert_eq!(
        err.message(),
        Some("No RoleArn provided.  RoleArn is required for cross-account replication.")
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
}
