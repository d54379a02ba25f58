//! KMS on the emulator's listener (issue 11): CreateKey, CreateAlias,
//! ListAliases and DescribeKey through the real `aws-sdk-kms` client and raw
//! JSON 1.1 requests; keys per account and Region; EFS recording the key an
//! alias names; the state file's `kms_keys` / `kms_aliases`; fault rules.

use super::*;
use aws_sdk_kms::error::ProvideErrorMetadata as _;

/// A KMS client for `region` signing with `key`, retries off.
pub fn kms(emu: &Emulator, region: &str, key: &str) -> aws_sdk_kms::Client {
    let conf = aws_sdk_kms::Config::builder()
        .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
        .region(aws_sdk_kms::config::Region::new(region.to_string()))
        .credentials_provider(aws_sdk_kms::config::Credentials::new(
            key,
            "test-secret",
            None,
            None,
            "tests",
        ))
        .endpoint_url(emu.base_url())
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
        .build();
    aws_sdk_kms::Client::from_conf(conf)
}

fn kms_code<T: std::fmt::Debug, E: aws_sdk_kms::error::ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, E>,
) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code().expect("error code").to_string(),
    }
}

/// Creates a key and returns its (id, ARN).
pub async fn create_key(c: &aws_sdk_kms::Client) -> (String, String) {
    let out = c.create_key().description("test").send().await.unwrap();
    let m = out.key_metadata().unwrap();
    (m.key_id().to_string(), m.arn().unwrap().to_string())
}

#[tokio::test]
async fn describe_key_resolves_every_form_of_reference() {
    let emu = start(config()).await;
    let c = kms(&emu, "us-west-2", KEY_A);
    let (id, arn) = create_key(&c).await;
    assert_eq!(arn, format!("arn:aws:kms:us-west-2:{ACCOUNT_A}:key/{id}"));
    c.create_alias()
        .alias_name("alias/dr")
        .target_key_id(&id)
        .send()
        .await
        .unwrap();
    let alias_arn = format!("arn:aws:kms:us-west-2:{ACCOUNT_A}:alias/dr");
    for r in [id.as_str(), arn.as_str(), "alias/dr", alias_arn.as_str()] {
        let d = c.describe_key().key_id(r).send().await.unwrap();
        let m = d.key_metadata().unwrap();
        assert_eq!(m.arn(), Some(arn.as_str()), "{r}");
        assert_eq!(m.key_id(), id, "{r}");
        assert_eq!(m.aws_account_id(), Some(ACCOUNT_A));
        assert!(m.enabled());
    }
    // Keys and aliases are per Region and per account.
    let east = kms(&emu, "us-east-1", KEY_A);
    assert_eq!(
        kms_code(east.describe_key().key_id("alias/dr").send().await),
        "NotFoundException"
    );
    let b = kms(&emu, "us-west-2", KEY_B);
    assert_eq!(
        kms_code(b.describe_key().key_id("alias/dr").send().await),
        "NotFoundException"
    );
    assert_eq!(
        kms_code(b.describe_key().key_id(&id).send().await),
        "NotFoundException"
    );
    // The AWS managed EFS key is the one EFS uses by default.
    let managed = c
        .describe_key()
        .key_id("alias/aws/elasticfilesystem")
        .send()
        .await
        .unwrap();
    assert_eq!(
        managed.key_metadata().unwrap().key_manager(),
        Some(&aws_sdk_kms::types::KeyManagerType::Aws)
    );
}

#[tokio::test]
async fn create_alias_errors() {
    let emu = start(config()).await;
    let c = kms(&emu, "us-west-2", KEY_A);
    let (id, _) = create_key(&c).await;
    c.create_alias()
        .alias_name("alias/x")
        .target_key_id(&id)
        .send()
        .await
        .unwrap();
    let again = c
        .create_alias()
        .alias_name("alias/x")
        .target_key_id(&id)
        .send()
        .await;
    assert_eq!(kms_code(again), "AlreadyExistsException");
    let missing = c
        .create_alias()
        .alias_name("alias/y")
        .target_key_id("11111111-1111-4111-8111-111111111111")
        .send()
        .await;
    assert_eq!(kms_code(missing), "NotFoundException");
    let bad = c
        .create_alias()
        .alias_name("no-prefix")
        .target_key_id(&id)
        .send()
        .await;
    assert_eq!(kms_code(bad), "InvalidAliasNameException");
    let pattern = c
        .create_alias()
        .alias_name("alias/a b")
        .target_key_id(&id)
        .send()
        .await;
    assert_eq!(kms_code(pattern), "ValidationException");
    let reserved = c
        .create_alias()
        .alias_name("alias/aws/mine")
        .target_key_id(&id)
        .send()
        .await;
    assert_eq!(kms_code(reserved), "InvalidAliasNameException");
}

#[tokio::test]
async fn list_aliases_pages_with_marker_and_filters_by_key() {
    let emu = start(config()).await;
    let c = kms(&emu, "eu-west-1", KEY_A);
    let (k1, _) = create_key(&c).await;
    let (k2, _) = create_key(&c).await;
    for (i, k) in [&k1, &k2, &k1, &k2, &k1].iter().enumerate() {
        c.create_alias()
            .alias_name(format!("alias/a{i}"))
            .target_key_id(*k)
            .send()
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .list_aliases()
            .limit(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        names.extend(
            out.aliases()
                .iter()
                .map(|a| a.alias_name().unwrap().to_string()),
        );
        if !out.truncated() {
            assert!(out.next_marker().is_none());
            break;
        }
        marker = out.next_marker().map(str::to_string);
        assert!(marker.is_some());
    }
    assert_eq!(pages, 3);
    assert_eq!(
        names,
        ["alias/a0", "alias/a1", "alias/a2", "alias/a3", "alias/a4"]
    );
    let of_k2 = c.list_aliases().key_id(&k2).send().await.unwrap();
    let names: Vec<_> = of_k2
        .aliases()
        .iter()
        .map(|a| a.alias_name().unwrap())
        .collect();
    assert_eq!(names, ["alias/a1", "alias/a3"]);
    assert!(of_k2
        .aliases()
        .iter()
        .all(|a| a.target_key_id() == Some(k2.as_str())));
    let bad = c.list_aliases().marker("not-a-marker").send().await;
    assert_eq!(kms_code(bad), "InvalidMarkerException");
}

fn kms_auth(region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={KEY_A}/20240101/{region}/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
    )
}

#[tokio::test]
async fn raw_json_1_1_errors_have_the_kms_shape() {
    let emu = start(config()).await;
    let a = kms_auth("us-east-1");
    let call = |target: &'static str, body: &'static str| {
        let a = a.clone();
        let emu = &emu;
        async move {
            raw(
                emu,
                "POST",
                "/",
                &[
                    ("Authorization", a.as_str()),
                    ("X-Amz-Target", target),
                    ("Content-Type", "application/x-amz-json-1.1"),
                ],
                body.as_bytes(),
            )
            .await
        }
    };
    let r = call("TrentService.DescribeKey", r#"{"KeyId":"alias/nope"}"#).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.1"));
    assert!(r.header("x-amzn-RequestId").is_some());
    let v = r.json();
    assert_eq!(v["__type"], "NotFoundException");
    assert_eq!(
        v["message"],
        "Alias arn:aws:kms:us-east-1:111122223333:alias/nope is not found."
    );
    let r = call("TrentService.DescribeKey", "{}").await;
    assert_eq!(r.json()["__type"], "ValidationException");
    let r = call("TrentService.Encrypt", "{}").await;
    assert_eq!(r.json()["__type"], "UnknownOperationException");
    let r = call("TrentService.DescribeKey", "[1]").await;
    assert_eq!(r.json()["__type"], "SerializationException");
    let r = call("TrentService.CreateKey", "{}").await;
    assert_eq!(r.status, 200);
    assert!(r.json()["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:kms:us-east-1:111122223333:key/"));
    // Signed for EFS, not KMS.
    let efs = auth("us-east-1");
    let r = raw(
        &emu,
        "POST",
        "/",
        &[
            ("Authorization", efs.as_str()),
            ("X-Amz-Target", "TrentService.CreateKey"),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        b"{}",
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["__type"], "IncompleteSignatureException");
    let stats = emu.stats();
    assert_eq!(stats["by_operation"]["DescribeKey"], 3);
    assert_eq!(stats["by_operation"]["CreateKey"], 2);
    assert_eq!(stats["kms_keys"], 1);
}

#[tokio::test]
async fn efs_records_the_key_an_existing_alias_names() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let west = client(&emu, "us-west-2");
    let k = kms(&emu, "us-west-2", KEY_A);
    let (id, arn) = create_key(&k).await;
    k.create_alias()
        .alias_name("alias/dr")
        .target_key_id(&id)
        .send()
        .await
        .unwrap();
    let alias_arn = format!("arn:aws:kms:us-west-2:{ACCOUNT_A}:alias/dr");
    for (token, key) in [
        ("a", "alias/dr"),
        ("b", alias_arn.as_str()),
        ("c", arn.as_str()),
    ] {
        let src = create_fs(&east, token).await;
        let rep = east
            .create_replication_configuration()
            .source_file_system_id(src)
            .destinations(
                DestinationToCreate::builder()
                    .region("us-west-2")
                    .kms_key_id(key)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let dest = describe_fs(&west, rep.destinations()[0].file_system_id()).await;
        assert_eq!(dest.kms_key_id(), Some(arn.as_str()), "{key}");
    }
    let made = west
        .create_file_system()
        .creation_token("enc")
        .encrypted(true)
        .kms_key_id("alias/dr")
        .send()
        .await
        .unwrap();
    assert_eq!(made.kms_key_id(), Some(arn.as_str()));
}

#[tokio::test]
async fn fault_rules_apply_to_kms_operations() {
    let emu = start(config()).await;
    let c = kms(&emu, "us-west-2", KEY_A);
    let r = raw(
        &emu,
        "POST",
        "/_emulator/faults",
        &[("Content-Type", "application/json")],
        br#"{"operation":"DescribeKey","error":"AccessDeniedException","message":"not authorized to perform: kms:DescribeKey"}"#,
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let e = c
        .describe_key()
        .key_id("alias/dr")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessDeniedException"));
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(400));
    // One use: the next call reaches the store.
    assert_eq!(
        kms_code(c.describe_key().key_id("alias/dr").send().await),
        "NotFoundException"
    );
}

#[tokio::test]
async fn seeded_keys_and_aliases_load_and_persist() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let id = "0b5c8a3e-1f2d-4c6b-9a7e-3d2c1b0a9f8e";
    std::fs::write(
        &path,
        format!(
            r#"{{"file_systems": [], "replications": [],
  "kms_keys": [{{"id": "{id}", "region": "us-west-2"}}],
  "kms_aliases": [{{"name": "alias/dr", "region": "us-west-2", "target_key_id": "{id}"}}]}}"#
        ),
    )
    .unwrap();
    let cfg = Config {
        state_file: Some(path.clone()),
        ..config()
    };
    let emu = start(cfg.clone()).await;
    let c = kms(&emu, "us-west-2", KEY_A);
    let d = c.describe_key().key_id("alias/dr").send().await.unwrap();
    assert_eq!(
        d.key_metadata().unwrap().arn(),
        Some(format!("arn:aws:kms:us-west-2:{ACCOUNT_A}:key/{id}").as_str())
    );
    let (k2, _) = create_key(&c).await;
    emu.shutdown().await;
    let emu = start(cfg).await;
    let c = kms(&emu, "us-west-2", KEY_A);
    c.describe_key().key_id(&k2).send().await.unwrap();
    emu.shutdown().await;

    // An alias whose key is not seeded stops the start, naming the entry.
    std::fs::write(
        &path,
        r#"{"kms_aliases": [{"name": "alias/dr", "region": "us-west-2", "target_key_id": "0b5c8a3e-1f2d-4c6b-9a7e-3d2c1b0a9f8e"}]}"#,
    )
    .unwrap();
    let err = efs_emulator::start(Config {
        state_file: Some(path.clone()),
        ..config()
    })
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("kms_aliases[0] (alias/dr)") && err.contains("target_key_id"),
        "{err}"
    );
}
