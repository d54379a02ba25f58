//! Bad input gets an AWS-shaped 4xx (x-amzn-ErrorType, ErrorCode, Message,
//! x-amzn-RequestId) every time, over raw HTTP and through the SDK, and
//! leaves the state unchanged.

use super::*;
use aws_sdk_efs::types::DestinationToCreate;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CREATE_FS: &str = "/2015-02-01/file-systems";

async fn post_json(emu: &Emulator, path: &str, body: &[u8]) -> RawResponse {
    let a = auth("us-east-1");
    raw(
        emu,
        "POST",
        path,
        &[("Authorization", &a), ("Content-Type", "application/json")],
        body,
    )
    .await
}

async fn fs_count(emu: &Emulator) -> usize {
    client(emu, "us-east-1")
        .describe_file_systems()
        .send()
        .await
        .unwrap()
        .file_systems()
        .len()
}

#[tokio::test]
async fn malformed_json_and_wrong_member_types() {
    let emu = start(config()).await;
    let cases: &[&[u8]] = &[
        b"{\"CreationToken\": ",
        b"not json",
        b"[1,2]",
        b"\"a string\"",
        b"{\"CreationToken\": 5}",
        b"{\"CreationToken\": \"t\", \"Encrypted\": \"yes\"}",
        b"{\"CreationToken\": \"t\", \"ProvisionedThroughputInMibps\": \"10\", \"ThroughputMode\": \"provisioned\"}",
        b"{\"CreationToken\": \"t\", \"Tags\": {\"Key\": \"a\"}}",
        b"{\"CreationToken\": \"t\", \"Tags\": [{\"Key\": \"a\"}]}",
        b"{\"CreationToken\": \"t\", \"PerformanceMode\": \"fast\"}",
        b"{\"CreationToken\": \"\"}",
        b"{}",
        b"\xff\xfe",
    ];
    let long_token = format!("{{\"CreationToken\": \"{}\"}}", "t".repeat(65));
    let long_value = format!(
        "{{\"CreationToken\": \"t\", \"Tags\": [{{\"Key\": \"k\", \"Value\": \"{}\"}}]}}",
        "v".repeat(257)
    );
    let long_key = format!(
        "{{\"CreationToken\": \"t\", \"Tags\": [{{\"Key\": \"{}\", \"Value\": \"v\"}}]}}",
        "k".repeat(129)
    );
    let lengths = [
        long_token.as_bytes(),
        long_value.as_bytes(),
        long_key.as_bytes(),
    ];
    for body in cases.iter().chain(lengths.iter()) {
        let r = post_json(&emu, CREATE_FS, body).await;
        assert_eq!(
            r.aws_error(),
            "BadRequest",
            "body {:?}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(r.status, 400);
    }
    assert_eq!(fs_count(&emu).await, 0);
    let fs = create_fs(&client(&emu, "us-east-1"), "ok").await;
    let path = format!("/2015-02-01/file-systems/{fs}/replication-configuration");
    for body in [
        &b"{\"Destinations\": \"us-west-2\"}"[..],
        b"{\"Destinations\": [\"us-west-2\"]}",
        b"{\"Destinations\": [{\"Region\": 7}]}",
        b"{\"Destinations\": [{\"Region\": \"US-WEST-2\"}]}",
        b"{\"Destinations\": [{\"Region\": \"us-west-2\", \"RoleArn\": \"role\"}]}",
        b"{\"Destinations\": [{\"FileSystemId\": \"fs-xyz\"}]}",
        b"{\"Destinations\": [{\"KmsKeyId\": \"my key\"}]}",
        b"{}",
    ] {
        let r = post_json(&emu, &path, body).await;
        assert_eq!(
            r.aws_error(),
            "BadRequest",
            "body {:?}",
            String::from_utf8_lossy(body)
        );
    }
    let listed = client(&emu, "us-east-1")
        .describe_replication_configurations()
        .send()
        .await
        .unwrap();
    assert!(listed.replications().is_empty());
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let emu = start(config()).await;
    let a = auth("us-east-1");
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/2015-02-01/nothing"),
        ("GET", "/2014-01-01/file-systems"),
        ("PATCH", "/2015-02-01/file-systems"),
        ("PUT", "/2015-02-01/file-systems/replication-configurations"),
        (
            "GET",
            "/2015-02-01/file-systems/fs-0123456789abcdef0/replication-configuration",
        ),
        ("GET", "/2015-02-01/file-systems//protection"),
    ] {
        let r = raw(&emu, method, path, &[("Authorization", &a)], b"").await;
        assert_eq!(
            r.aws_error(),
            "UnknownOperationException",
            "{method} {path}"
        );
        assert_eq!(r.status, 404);
    }
    let stats = admin_get(&emu, "/_emulator/stats").await;
    assert_eq!(stats["by_operation"]["Unknown"], 7);
}

#[tokio::test]
async fn oversized_bodies_are_refused_without_reading_them() {
    let emu = start(config()).await;
    let a = auth("us-east-1");
    let huge = efs_emulator::MAX_BODY_BYTES + 1;
    // Announced too large: refused from the header.
    let r = raw_parts(
        &emu,
        "POST",
        CREATE_FS,
        &[("Authorization", &a), ("Content-Type", "application/json")],
        b"{\"CreationToken\":",
        Some(huge),
    )
    .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.aws_error(), "RequestEntityTooLargeException");
    // Actually too large: refused while reading.
    let mut body = b"{\"CreationToken\":\"t\",\"Pad\":\"".to_vec();
    body.resize(huge + 10, b'a');
    body.extend_from_slice(b"\"}");
    let r = post_json(&emu, CREATE_FS, &body).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.aws_error(), "RequestEntityTooLargeException");
    assert_eq!(fs_count(&emu).await, 0);
}

#[tokio::test]
async fn ids_failing_the_pattern() {
    let emu = start(config()).await;
    let a = auth("us-east-1");
    let long = format!("fs-{}", "0".repeat(200));
    for path in [
        "/2015-02-01/file-systems/fs-XYZ".to_string(),
        "/2015-02-01/file-systems/fs-123".to_string(),
        format!("/2015-02-01/file-systems/{long}"),
        "/2015-02-01/file-systems/arn%3Aaws%3As3%3A%3A%3Abucket".to_string(),
        "/2015-02-01/file-systems/%ZZ".to_string(),
    ] {
        let r = raw(&emu, "DELETE", &path, &[("Authorization", &a)], b"").await;
        assert_eq!(r.aws_error(), "BadRequest", "{path}");
    }
    for query in [
        "FileSystemId=fs-nothex00",
        "MaxResults=0",
        "MaxResults=abc",
        "NextToken=",
        "MaxResults=1&MaxResults=2",
    ] {
        let path = format!("/2015-02-01/file-systems/replication-configurations?{query}");
        let r = raw(&emu, "GET", &path, &[("Authorization", &a)], b"").await;
        assert_eq!(r.aws_error(), "BadRequest", "{query}");
    }
    let r = raw(
        &emu,
        "DELETE",
        "/2015-02-01/file-systems/fs-0123456789abcdef0/replication-configuration?deletionMode=SOME",
        &[("Authorization", &a)],
        b"",
    )
    .await;
    assert_eq!(r.aws_error(), "BadRequest");
    let r = raw(
        &emu,
        "DELETE",
        "/2015-02-01/resource-tags/fs-0123456789abcdef0",
        &[("Authorization", &a)],
        b"",
    )
    .await;
    assert_eq!(r.aws_error(), "BadRequest", "UntagResource without tagKeys");
}

#[tokio::test]
async fn pattern_failures_through_the_sdk_are_typed_bad_request() {
    let emu = start(config()).await;
    let east = client(&emu, "us-east-1");
    let fs = create_fs(&east, "x").await;
    let cases = [
        DestinationToCreate::builder()
            .region("not a region")
            .build(),
        DestinationToCreate::builder()
            .region("us-west-2")
            .role_arn("arn:aws:iam::12:role/x")
            .build(),
        DestinationToCreate::builder()
            .availability_zone_name("")
            .build(),
        DestinationToCreate::builder()
            .region("xx-nowhere-9")
            .build(),
    ];
    for d in cases {
        let err = east
            .create_replication_configuration()
            .source_file_system_id(&fs)
            .destinations(d)
            .send()
            .await
            .unwrap_err();
        assert!(
            err.as_service_error().is_some_and(|e| e.is_bad_request()),
            "{err:?}"
        );
    }
    let e = east
        .describe_file_systems()
        .file_system_id("fs-short")
        .send()
        .await;
    assert_eq!(code(e), "BadRequest");
}

#[tokio::test]
async fn missing_or_malformed_authorization_is_refused_with_403() {
    let emu = start(config()).await;
    let r = raw(&emu, "GET", "/2015-02-01/file-systems", &[], b"").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.aws_error(), "MissingAuthenticationTokenException");
    for header in [
        "Basic dXNlcjpwYXNz",
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKID/us-east-1, Signature=00",
    ] {
        let r = raw(
            &emu,
            "GET",
            "/2015-02-01/file-systems",
            &[("Authorization", header)],
            b"",
        )
        .await;
        assert_eq!(r.status, 403, "{header}");
        assert_eq!(r.aws_error(), "IncompleteSignatureException", "{header}");
    }
    let r = raw(
        &emu,
        "POST",
        CREATE_FS,
        &[("Content-Type", "application/json")],
        b"{\"CreationToken\":\"t\"}",
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(fs_count(&emu).await, 0);
}

#[tokio::test]
async fn sdk_surfaces_missing_authentication_as_a_403_auth_error() {
    let emu = start(config()).await;
    // An SDK client with no credentials sends the request unsigned.
    let conf = aws_sdk_efs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(emu.base_url())
        .allow_no_auth()
        .build();
    let c = Client::from_conf(conf);
    let err = c.describe_file_systems().send().await.unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    assert_eq!(err.code(), Some("MissingAuthenticationTokenException"));
    assert!(err
        .message()
        .is_some_and(|m| m.contains("Missing Authentication Token")));
}

/// Reads one HTTP response (headers + Content-Length body) from a kept-alive stream.
async fn read_one(s: &mut tokio::net::TcpStream) -> Option<(u16, String)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_lowercase();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).await.ok()?;
    Some((status, head))
}

#[tokio::test]
async fn early_errors_keep_the_connection_usable() {
    // The emulator answers auth failures before the body arrives; the body
    // sent afterwards must be drained so the next request on the same
    // connection (as a pooling client sends it) is served.
    let emu = start(config()).await;
    let body = b"{\"CreationToken\": \"early\"}";
    let fut = async {
        let mut s = tokio::net::TcpStream::connect(emu.local_addr())
            .await
            .unwrap();
        let head = format!(
            "POST {CREATE_FS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).await.unwrap();
        let (status, head) = read_one(&mut s).await.expect("early answer");
        assert_eq!(status, 403);
        assert!(!head.contains("connection: close"), "{head}");
        s.write_all(body).await.unwrap();
        let next = format!(
            "GET {CREATE_FS} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n",
            auth("us-east-1")
        );
        s.write_all(next.as_bytes()).await.unwrap();
        let (status, _) = read_one(&mut s)
            .await
            .expect("second response on the same connection");
        assert_eq!(status, 200);
    };
    tokio::time::timeout(Duration::from_secs(10), fut)
        .await
        .expect("no hang");
    assert_eq!(fs_count(&emu).await, 0);
}
