//! The wire encoding of every response shape, byte for byte: a seeded store
//! read at a fixed instant, each operation's result encoded by the wire
//! layer and compared with `testdata/wire-responses.golden`, one line per
//! case (`NAME JSON`). The golden lines were recorded from the emulator
//! before response encoding moved out of the store, so a difference is a
//! change on the wire: find out why before updating a line.

use crate::admin::{forced_status_json, stall_json};
use crate::auth::Caller;
use crate::state::{
    CreateFileSystemInput, DestinationInput, ForcedStatus, StateDocument, Store, Tag, Timings,
};
use crate::variants::OwnerIds;
use crate::wire::efs::{
    DescribeFileSystemsResponse, DescribeReplicationConfigurationsResponse, FileSystemDescription,
    FileSystemProtectionDescription, ListTagsForResourceResponse,
    ReplicationConfigurationDescription,
};
use crate::wire::kms::{KeyMetadataResponse, ListAliasesResponse};
use crate::wire::{ApiError, JsonBody};
use axum::response::IntoResponse;
use serde::Serialize;

const GOLDEN: &str = include_str!("../../testdata/wire-responses.golden");

const NOW: f64 = 1_700_000_100.5;
const A: &str = "111111111111";
const B: &str = "222222222222";
const KEY: &str = "11111111-2222-4333-8444-555555555555";

fn who(account: &str, region: &str) -> Caller {
    Caller {
        access_key: "AKID".into(),
        account: account.into(),
        region: region.into(),
    }
}

/// A seed with every shape a response can take: provisioned, One Zone,
/// creating, deleting and encrypted file systems; same- and cross-account
/// replications, a forced status, a stalled one, one whose other side was
/// deleted, one still ENABLING; a customer key with two aliases.
fn fixture(owner_ids: OwnerIds) -> Store {
    let doc: StateDocument = serde_json::from_value(serde_json::json!({
        "version": 1,
        "file_systems": [
            {"id": "fs-000000000000000a1", "region": "us-east-1", "account": A,
             "creation_token": "web-token", "creation_time": 1_699_000_000.0, "name": "web",
             "tags": [{"Key": "env", "Value": "prod"}], "encrypted": true,
             "kms_key_id": format!("arn:aws:kms:us-east-1:{A}:key/{KEY}"),
             "throughput_mode": "provisioned", "provisioned_throughput_in_mibps": 128.0},
            {"id": "fs-000000000000000b2", "region": "us-west-2", "account": A,
             "creation_time": 1_699_000_001.25, "availability_zone_name": "us-west-2b",
             "encrypted": true, "kms_key_id": format!("arn:aws:kms:us-west-2:{A}:key/{KEY}")},
            {"id": "fs-000000000000000c3", "region": "us-east-1", "account": A,
             "creation_time": 1_700_000_000.0, "available_at": 1_800_000_000.0,
             "protection": "DISABLED", "performance_mode": "maxIO", "size_in_bytes": 12_288},
            {"id": "fs-000000000000000d4", "region": "us-east-1", "account": A,
             "creation_time": 1_699_000_002.0, "throughput_mode": "elastic"},
            {"id": "fs-000000000000000e5", "region": "us-east-1", "account": B,
             "creation_time": 1_699_000_003.0},
            {"id": "fs-000000000000000f6", "region": "us-east-1", "account": A,
             "creation_time": 1_699_000_004.0, "deleted_at": 1_800_000_000.0},
            {"id": "fs-0000000000000007a", "region": "us-east-1", "account": A,
             "creation_time": 1_699_000_005.0},
            {"id": "fs-0000000000000008b", "region": "eu-west-1", "account": A,
             "creation_time": 1_699_000_006.0},
            {"id": "fs-0000000000000009c", "region": "us-east-1", "account": A,
             "creation_time": 1_699_000_007.0},
            {"id": "fs-000000000000000ad", "region": "us-east-2", "account": A,
             "creation_time": 1_699_000_008.0},
            {"id": "fs-000000000000000be", "region": "us-east-1", "account": A,
             "creation_time": 1_699_000_009.0, "tags": [{"Key": "a", "Value": "1"}]},
            {"id": "fs-000000000000000cf", "region": "us-east-1", "account": A,
             "creation_time": 1_699_000_010.0, "protection": "DISABLED", "encrypted": true,
             "kms_key_id": format!("arn:aws:kms:us-east-1:{A}:key/{KEY}")}
        ],
        "replications": [
            {"id": 1, "source_file_system_id": "fs-000000000000000a1",
             "destination_file_system_id": "fs-000000000000000b2",
             "creation_time": 1_699_500_000.0, "enabled_at": 1_699_500_010.0,
             "first_sync_at": 1_699_500_015.5,
             "original_source_file_system_arn": format!("arn:aws:elasticfilesystem:us-east-1:{A}:file-system/fs-0000000000000000ff")},
            {"id": 2, "source_file_system_id": "fs-000000000000000d4",
             "destination_file_system_id": "fs-000000000000000e5",
             "role_arn": format!("arn:aws:iam::{A}:role/efs-replication"),
             "creation_time": 1_699_600_000.0, "enabled_at": 1_699_600_010.0,
             "first_sync_at": 1_699_600_020.0, "stalled_at": 1_699_700_000.0,
             "forced_status": {"status": "PAUSED", "message": "paused for the test"}},
            {"id": 3, "source_file_system_id": "fs-0000000000000007a",
             "destination_file_system_id": "fs-0000000000000008b",
             "creation_time": 1_699_700_000.0, "enabled_at": 1_699_700_010.0,
             "first_sync_at": 1_699_700_020.0, "destination_gone_at": 1.0},
            {"id": 4, "source_file_system_id": "fs-0000000000000009c",
             "destination_file_system_id": "fs-000000000000000ad",
             "creation_time": 1_700_000_090.0, "enabled_at": 1_700_000_200.0,
             "first_sync_at": 1_700_000_300.0}
        ],
        "kms_keys": [
            {"id": KEY, "region": "us-east-1", "account": A, "description": "test key",
             "creation_date": 1_690_000_000.0}
        ],
        "kms_aliases": [
            {"name": "alias/mine", "region": "us-east-1", "account": A, "target_key_id": KEY,
             "creation_date": 1_690_000_001.0},
            {"name": "alias/other", "region": "us-east-1", "account": A, "target_key_id": KEY,
             "creation_date": 1_690_000_002.0}
        ]
    }))
    .expect("fixture document");
    let timings = Timings {
        sync_interval: 60.0,
        owner_ids,
        ..Timings::default()
    };
    Store::from_document(doc, timings, A, NOW).expect("fixture loads")
}

fn json<T: Serialize>(v: &T) -> String {
    String::from_utf8(JsonBody::of(v).unwrap().as_bytes().to_vec()).unwrap()
}

/// Every case, in the order of the golden file.
fn cases() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let east = who(A, "us-east-1");
    let west = who(A, "us-west-2");
    let kms_view = (A.to_string(), "us-east-1".to_string());
    let mut store = fixture(OwnerIds::Always);
    let fs_page = |store: &Store, marker: Option<&str>, max: usize| {
        let page = store
            .describe_file_systems(&east, None, None, marker, max, NOW)
            .unwrap();
        let next = page.next.clone();
        (json(&DescribeFileSystemsResponse::new(page, marker)), next)
    };
    out.push(("fs_list", fs_page(&store, None, 100).0));
    let (first, next) = fs_page(&store, None, 2);
    out.push(("fs_page1", first));
    out.push(("fs_page2", fs_page(&store, next.as_deref(), 2).0));
    let page = store
        .describe_file_systems(
            &east,
            Some("fs-000000000000000a1"),
            Some("other"),
            Some("fs-1"),
            100,
            NOW,
        )
        .unwrap();
    out.push((
        "fs_token_mismatch",
        json(&DescribeFileSystemsResponse::new(page, Some("fs-1"))),
    ));
    let arn = format!("arn:aws:elasticfilesystem:us-west-2:{A}:file-system/fs-000000000000000b2");
    let page = store
        .describe_file_systems(&west, Some(&arn), None, None, 100, NOW)
        .unwrap();
    out.push((
        "fs_by_arn",
        json(&DescribeFileSystemsResponse::new(page, None)),
    ));
    let reps = |store: &Store, caller: &Caller, id: Option<&str>, token: Option<&str>, max| {
        let page = store
            .describe_replications(caller, id, token, max, NOW)
            .unwrap();
        let next = page.next.clone();
        (
            json(&DescribeReplicationConfigurationsResponse::from(page)),
            next,
        )
    };
    out.push(("rep_list", reps(&store, &east, None, None, 100).0));
    let (first, next) = reps(&store, &east, None, None, 1);
    out.push(("rep_page1", first));
    out.push(("rep_page2", reps(&store, &east, None, next.as_deref(), 1).0));
    out.push((
        "rep_destination",
        reps(&store, &west, Some("fs-000000000000000b2"), None, 100).0,
    ));
    out.push((
        "rep_other_account",
        reps(&store, &who(B, "us-east-1"), None, None, 100).0,
    ));
    let tags = store
        .list_tags(&east, "fs-000000000000000a1", None, 1)
        .unwrap();
    out.push(("tags_page1", json(&ListTagsForResourceResponse::from(tags))));
    let tags = store
        .list_tags(&east, "fs-000000000000000a1", Some("1"), 10)
        .unwrap();
    out.push(("tags_page2", json(&ListTagsForResourceResponse::from(tags))));
    let key = store.kms.describe_key(&kms_view, "alias/mine").unwrap();
    out.push(("kms_describe_alias", json(&KeyMetadataResponse::from(&key))));
    let key = store
        .kms
        .describe_key(&kms_view, "alias/aws/elasticfilesystem")
        .unwrap();
    out.push((
        "kms_describe_managed",
        json(&KeyMetadataResponse::from(&key)),
    ));
    let page = store.kms.list_aliases(&kms_view, None, 1, None).unwrap();
    let marker = page.next_marker.clone();
    out.push(("kms_aliases_page1", json(&ListAliasesResponse::from(page))));
    let page = store
        .kms
        .list_aliases(&kms_view, Some(KEY), 5, marker.as_deref())
        .unwrap();
    out.push(("kms_aliases_page2", json(&ListAliasesResponse::from(page))));
    // Mutations.
    for (name, id, protection) in [
        ("protection", "fs-000000000000000be", Some("DISABLED")),
        ("protection_read", "fs-000000000000000c3", None),
    ] {
        let p = store.update_protection(&east, id, protection, NOW).unwrap();
        let body = FileSystemProtectionDescription {
            replication_overwrite_protection: p,
        };
        out.push((name, json(&body)));
    }
    let dest = DestinationInput {
        file_system_id: Some("fs-000000000000000cf".into()),
        ..Default::default()
    };
    let rep = store
        .create_replication(&east, "fs-000000000000000be", dest, NOW)
        .unwrap();
    out.push((
        "rep_create",
        json(&ReplicationConfigurationDescription::from(rep)),
    ));
    let input = CreateFileSystemInput {
        creation_token: "new-token".into(),
        encrypted: Some(true),
        kms_key_id: Some("alias/mine".into()),
        availability_zone_name: Some("us-east-1c".into()),
        tags: vec![
            Tag {
                key: "Name".into(),
                value: "new".into(),
            },
            Tag {
                key: "k".into(),
                value: "v".into(),
            },
        ],
        ..Default::default()
    };
    let fs = store.create_file_system(&east, input, NOW).unwrap();
    let id = fs.record.id.clone();
    let body = json(&FileSystemDescription::from(fs));
    out.push(("fs_create", body.replace(&id, "fs-NEW")));
    let key = store
        .kms
        .create_key(&kms_view, Some("second"), None, None, NOW)
        .unwrap();
    let body = json(&KeyMetadataResponse::from(&key));
    out.push(("kms_create_key", body.replace(&key.id, "KEY-NEW")));
    let forced = ForcedStatus {
        status: "ERROR".into(),
        message: Some("forced".into()),
    };
    let admin = |v: serde_json::Value| serde_json::to_string(&v).unwrap();
    let rep = store.force_status("fs-000000000000000b2", Some(forced));
    out.push(("admin_force", admin(forced_status_json(rep.unwrap()))));
    let rep = store.force_status("fs-000000000000000b2", None);
    out.push(("admin_unforce", admin(forced_status_json(rep.unwrap()))));
    let rep = store.stall("fs-000000000000000a1", true, NOW);
    out.push(("admin_stall", admin(stall_json(rep.unwrap()))));
    let rep = store.stall("fs-000000000000000a1", false, NOW);
    out.push(("admin_resume", admin(stall_json(rep.unwrap()))));
    let store = fixture(OwnerIds::CrossAccountOnly);
    out.push((
        "rep_list_cross_only",
        reps(&store, &east, None, None, 100).0,
    ));
    out.push((
        "rep_other_account_cross_only",
        reps(&store, &who(B, "us-east-1"), None, None, 100).0,
    ));
    out
}

#[test]
fn responses_are_encoded_as_recorded() {
    let expected: Vec<(&str, &str)> = GOLDEN
        .lines()
        .map(|l| l.split_once(' ').expect("NAME JSON"))
        .collect();
    let actual = cases();
    let names = |v: &[(&str, &str)]| v.iter().map(|(n, _)| n.to_string()).collect::<Vec<_>>();
    let actual_ref: Vec<(&str, &str)> = actual.iter().map(|(n, b)| (*n, b.as_str())).collect();
    assert_eq!(names(&actual_ref), names(&expected), "the cases");
    for ((name, got), (_, want)) in actual_ref.iter().zip(&expected) {
        assert_eq!(
            got, want,
            "case {name}: the body differs from the recorded one"
        );
    }
}

async fn body_of(resp: axum::response::Response) -> (String, String) {
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (content_type, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn bodies_and_errors_keep_their_shape() {
    let body = JsonBody::of(&FileSystemProtectionDescription {
        replication_overwrite_protection: "ENABLED",
    })
    .unwrap();
    assert_eq!(
        body_of(body.into_response()).await,
        (
            "application/json".to_string(),
            r#"{"ReplicationOverwriteProtection":"ENABLED"}"#.to_string()
        )
    );
    let exists = ApiError::FileSystemAlreadyExists {
        message: "exists".into(),
        file_system_id: "fs-0123456789abcdef0".into(),
    };
    assert_eq!(
        body_of(exists.into_response()).await.1,
        r#"{"ErrorCode":"FileSystemAlreadyExists","FileSystemId":"fs-0123456789abcdef0","Message":"exists"}"#
    );
    let bad = ApiError::BadRequest("no".into()).into_response();
    assert_eq!(bad.headers()["x-amzn-ErrorType"], "BadRequest");
    assert_eq!(
        body_of(bad).await.1,
        r#"{"ErrorCode":"BadRequest","Message":"no"}"#
    );
    let kms = crate::wire::kms::ErrorBody {
        kind: "NotFoundException",
        message: "gone".into(),
    };
    assert_eq!(
        json(&kms),
        r#"{"__type":"NotFoundException","message":"gone"}"#
    );
}
