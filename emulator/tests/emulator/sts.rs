//! STS AssumeRole on the query protocol, through the real `aws-sdk-sts`
//! client, and raw HTTP for the XML error shape: temporary credentials act
//! in the role's account for later EFS calls.

use super::*;
use aws_sdk_sts::error::ProvideErrorMetadata as _;

const DR: &str = "222222222222";

/// An STS client signing with `key`, at the emulator.
async fn sts(emu: &Emulator, key: &str) -> aws_sdk_sts::Client {
    let shared = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key, "test-secret", None, None, "tests"))
        .endpoint_url(emu.base_url())
        .load()
        .await;
    aws_sdk_sts::Client::new(&shared)
}

#[tokio::test]
async fn assumed_role_credentials_act_in_the_roles_account() {
    let emu = start(config()).await;
    let out = sts(&emu, KEY_A)
        .await
        .assume_role()
        .role_arn(format!("arn:aws:iam::{DR}:role/efs-replicator"))
        .role_session_name("efs-replicator")
        .external_id("x-123")
        .send()
        .await
        .unwrap();
    let c = out.credentials().expect("credentials");
    assert!(c.access_key_id().starts_with("ASIA"), "{c:?}");
    assert!(!c.session_token().is_empty());
    let user = out.assumed_role_user().expect("assumed role user");
    assert_eq!(
        user.arn(),
        format!("arn:aws:sts::{DR}:assumed-role/efs-replicator/efs-replicator")
    );
    // EFS calls signed with the temporary key act in the role's account.
    let efs = client_with(
        &emu,
        "us-east-1",
        c.access_key_id(),
        RetryConfig::disabled(),
    );
    let id = create_fs(&efs, "sts-1").await;
    assert_eq!(describe_fs(&efs, &id).await.owner_id(), DR);
    // The default account does not see it.
    assert!(list_fs(&client(&emu, "us-east-1"))
        .await
        .file_systems()
        .is_empty());
    let who = sts(&emu, c.access_key_id())
        .await
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(who.account(), Some(DR));
    let stats = emu.stats();
    assert_eq!(stats["by_operation"]["AssumeRole"], 1, "{stats}");
}

#[tokio::test]
async fn invalid_or_refused_assume_role_calls_answer_the_xml_error_shape() {
    let emu = start(config()).await;
    let err = sts(&emu, KEY_A)
        .await
        .assume_role()
        .role_arn("arn:aws:iam::2222:role/x")
        .role_session_name("s1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"), "{err:?}");
    // A refusal played with a fault rule, as AWS answers a trust policy
    // that does not allow the caller.
    admin_post(
        &emu,
        "/_emulator/faults",
        serde_json::json!({"operation": "AssumeRole", "error": "AccessDenied", "status": 403, "message": "not authorized to perform: sts:AssumeRole"}),
    )
    .await;
    let err = sts(&emu, KEY_A)
        .await
        .assume_role()
        .role_arn(format!("arn:aws:iam::{DR}:role/r"))
        .role_session_name("s1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err:?}");
    // Raw: the query protocol's error document.
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={KEY_A}/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00"
    );
    let r = raw(
        &emu,
        "POST",
        "/",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        b"Action=Nope&Version=2011-06-15",
    )
    .await;
    let body = String::from_utf8_lossy(&r.body);
    assert_eq!(r.status, 400, "{body}");
    assert!(body.contains("<ErrorResponse"), "{body}");
    assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
    assert!(body.contains("<Type>Sender</Type>"), "{body}");
    // Signed for EFS instead of STS: refused.
    let r = raw(
        &emu,
        "POST",
        "/",
        &[("Authorization", &super::auth("us-east-1"))],
        b"Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await;
    assert!(String::from_utf8_lossy(&r.body).contains("IncompleteSignature"));
}
