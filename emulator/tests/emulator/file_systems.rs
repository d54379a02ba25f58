//! File-system operations and tags through the real SDK: creation,
//! idempotency tokens, Marker pagination, Region isolation, protection,
//! One Zone, deletion and tagging.

use super::*;
use aws_sdk_efs::operation::create_file_system::CreateFileSystemError;
use aws_sdk_efs::types::{ReplicationOverwriteProtection, Tag};

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().unwrap()
}

#[tokio::test]
async fn create_and_describe_with_defaults_and_name_tag() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let fs = east
        .create_file_system()
        .creation_token("tok")
        .tags(tag("Name", "data"))
        .tags(tag("team", "storage"))
        .send()
        .await
        .unwrap();
    assert!(fs.file_system_id().starts_with("fs-"));
    assert_eq!(fs.owner_id(), ACCOUNT_A);
    assert_eq!(fs.name(), Some("data"));
    assert_eq!(fs.encrypted(), Some(false));
    assert_eq!(fs.performance_mode().as_str(), "generalPurpose");
    assert_eq!(fs.throughput_mode().map(|t| t.as_str()), Some("bursting"));
    assert_eq!(
        fs.file_system_protection()
            .and_then(|p| p.replication_overwrite_protection()),
        Some(&ReplicationOverwriteProtection::Enabled)
    );
    assert_eq!(
        fs.file_system_arn(),
        Some(
            format!(
                "arn:aws:elasticfilesystem:us-east-1:{ACCOUNT_A}:file-system/{}",
                fs.file_system_id()
            )
            .as_str()
        )
    );
    let listed = list_fs(&east).await;
    assert_eq!(listed.file_systems().len(), 1);
    assert_eq!(listed.file_systems()[0].tags().len(), 2);
    assert_eq!(
        listed.file_systems()[0].life_cycle_state().as_str(),
        "available"
    );
}

#[tokio::test]
async fn creation_token_is_an_idempotency_key_per_account_and_region() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let id = create_fs(&east, "same").await;
    let err = east
        .create_file_system()
        .creation_token("same")
        .send()
        .await
        .unwrap_err();
    match err.into_service_error() {
        CreateFileSystemError::FileSystemAlreadyExists(e) => assert_eq!(e.file_system_id(), id),
        other => panic!("expected FileSystemAlreadyExists, got {other:?}"),
    }
    // Another Region and another account may reuse the token.
    create_fs(&client(&emu, "eu-west-1"), "same").await;
    create_fs(&client_b(&emu, "us-east-1"), "same").await;
    let by_token = east
        .describe_file_systems()
        .creation_token("same")
        .send()
        .await
        .unwrap();
    assert_eq!(by_token.file_systems().len(), 1);
}

#[tokio::test]
async fn regions_and_accounts_are_isolated() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let id = create_fs(&east, "x").await;
    for other in [client(&emu, "ap-southeast-2"), client_b(&emu, "us-east-1")] {
        assert!(list_fs(&other).await.file_systems().is_empty());
        assert_eq!(
            code(
                other
                    .describe_file_systems()
                    .file_system_id(&id)
                    .send()
                    .await
            ),
            "FileSystemNotFound"
        );
        assert_eq!(
            code(other.delete_file_system().file_system_id(&id).send().await),
            "FileSystemNotFound"
        );
    }
}

#[tokio::test]
async fn marker_pagination_returns_every_file_system_once() {
    let emu = start(config()).await;
    let west = client(&emu, "us-west-2");
    let mut ids = std::collections::BTreeSet::new();
    for i in 0..25 {
        ids.insert(create_fs(&west, &format!("p{i}")).await);
    }
    let page = west
        .describe_file_systems()
        .max_items(10)
        .send()
        .await
        .unwrap();
    assert_eq!(page.file_systems().len(), 10);
    let marker = page.next_marker().expect("more pages").to_string();
    let page2 = west
        .describe_file_systems()
        .max_items(10)
        .marker(&marker)
        .send()
        .await
        .unwrap();
    assert_eq!(page2.marker(), Some(marker.as_str()));
    let all: Vec<_> = west
        .describe_file_systems()
        .max_items(7)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    let seen: std::collections::BTreeSet<String> =
        all.iter().map(|f| f.file_system_id().to_string()).collect();
    assert_eq!(all.len(), 25);
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn protection_update_is_idempotent_and_delete_removes() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let id = create_fs(&east, "x").await;
    for _ in 0..2 {
        let out = east
            .update_file_system_protection()
            .file_system_id(&id)
            .replication_overwrite_protection(ReplicationOverwriteProtection::Disabled)
            .send()
            .await
            .unwrap();
        assert_eq!(
            out.replication_overwrite_protection(),
            Some(&ReplicationOverwriteProtection::Disabled)
        );
    }
    east.delete_file_system()
        .file_system_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            east.describe_file_systems()
                .file_system_id(&id)
                .send()
                .await
        ),
        "FileSystemNotFound"
    );
    assert_eq!(
        code(
            east.update_file_system_protection()
                .file_system_id(&id)
                .send()
                .await
        ),
        "FileSystemNotFound"
    );
}

#[tokio::test]
async fn one_zone_file_system_needs_an_az_of_the_region() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let fs = east
        .create_file_system()
        .creation_token("oz")
        .availability_zone_name("us-east-1c")
        .send()
        .await
        .unwrap();
    assert_eq!(fs.availability_zone_name(), Some("us-east-1c"));
    assert_eq!(fs.availability_zone_id(), Some("use1-az3"));
    let err = east
        .create_file_system()
        .creation_token("oz2")
        .availability_zone_name("eu-west-1a")
        .send()
        .await;
    assert_eq!(code(err), "UnsupportedAvailabilityZone");
}

#[tokio::test]
async fn tags_add_replace_remove_and_list() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let id = create_fs(&east, "x").await;
    east.tag_resource()
        .resource_id(&id)
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await
        .unwrap();
    east.tag_resource()
        .resource_id(&id)
        .tags(tag("a", "10"))
        .send()
        .await
        .unwrap();
    let tags = east
        .list_tags_for_resource()
        .resource_id(&id)
        .send()
        .await
        .unwrap();
    let mut got: Vec<(String, String)> = tags
        .tags()
        .iter()
        .map(|t| (t.key().into(), t.value().into()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![("a".into(), "10".into()), ("b".into(), "2".into())]
    );
    east.untag_resource()
        .resource_id(&id)
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let page = east
        .list_tags_for_resource()
        .resource_id(&id)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.tags().len(), 1);
    assert_eq!(page.tags()[0].key(), "b");
    assert!(page.next_token().is_none());
    let e = east
        .list_tags_for_resource()
        .resource_id("fsap-0123456789abcdef0")
        .send()
        .await;
    assert_eq!(code(e), "AccessPointNotFound");
    let e = east
        .tag_resource()
        .resource_id(&id)
        .tags(tag("aws:reserved", "x"))
        .send()
        .await;
    assert_eq!(code(e), "BadRequest");
}
