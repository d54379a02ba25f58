//! Integration tests of the EFS emulator: each test starts the emulator
//! in-process on 127.0.0.1:0 and drives it through the real `aws-sdk-efs`
//! client (static credentials, several Regions, two accounts via two access
//! keys), plus raw HTTP for malformed input and the admin API.
//!
//! Tests never reach outside loopback and never assert on timing: delays
//! are driven with the emulator's admin clock.

mod admin;
mod bad_input;
mod file_systems;
mod kms;
mod persistence;
mod replication;
mod sts;
mod throttling;
mod variants;

use aws_sdk_efs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_efs::error::ProvideErrorMetadata;
use aws_sdk_efs::operation::create_replication_configuration::CreateReplicationConfigurationOutput;
use aws_sdk_efs::operation::describe_file_systems::DescribeFileSystemsOutput;
use aws_sdk_efs::operation::describe_replication_configurations::DescribeReplicationConfigurationsOutput;
use aws_sdk_efs::types::{DestinationToCreate, FileSystemDescription};
use aws_sdk_efs::Client;
use aws_smithy_types::retry::RetryConfig;
use efs_emulator::{Config, Emulator};
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Access key mapped to the default account.
pub const KEY_A: &str = "AKIDACCOUNTA";
/// Access key mapped to the second account.
pub const KEY_B: &str = "AKIDACCOUNTB";
pub const ACCOUNT_A: &str = "111122223333";
pub const ACCOUNT_B: &str = "444455556666";

/// A config with zero delays, accounts A (default) and B mapped.
pub fn config() -> Config {
    let mut c = Config {
        account_id: ACCOUNT_A.into(),
        enable_delay: Duration::ZERO,
        delete_delay: Duration::ZERO,
        initial_sync_delay: Duration::ZERO,
        sync_interval: Duration::ZERO,
        file_system_delete_delay: Duration::ZERO,
        ..Config::default()
    };
    c.access_key_accounts.insert(KEY_B.into(), ACCOUNT_B.into());
    c
}

pub async fn start(config: Config) -> Emulator {
    efs_emulator::start(config).await.expect("emulator starts")
}

/// An EFS client for `region` signing with `key`; retries off unless asked.
pub fn client_with(emu: &Emulator, region: &str, key: &str, retry: RetryConfig) -> Client {
    client_at(emu.base_url(), region, key, retry)
}

/// An EFS client for an emulator at `url`.
pub fn client_at(url: &str, region: &str, key: &str, retry: RetryConfig) -> Client {
    let conf = aws_sdk_efs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(key, "test-secret", None, None, "tests"))
        .endpoint_url(url)
        .retry_config(retry)
        .build();
    Client::from_conf(conf)
}

pub fn client(emu: &Emulator, region: &str) -> Client {
    client_with(emu, region, KEY_A, RetryConfig::disabled())
}

pub fn client_b(emu: &Emulator, region: &str) -> Client {
    client_with(emu, region, KEY_B, RetryConfig::disabled())
}

/// The AWS error code of a failed SDK call (panics if it succeeded).
pub fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, E>,
) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e
            .code()
            .unwrap_or_else(|| panic!("error without code: {e:?}"))
            .to_string(),
    }
}

/// Creates an available file system and returns its id.
pub async fn create_fs(c: &Client, token: &str) -> String {
    c.create_file_system()
        .creation_token(token)
        .send()
        .await
        .expect("CreateFileSystem")
        .file_system_id()
        .to_string()
}

/// A started emulator and default-account clients in us-east-1 and us-west-2.
pub async fn start_east_west(config: Config) -> (Emulator, Client, Client) {
    let emu = start(config).await;
    let east = client(&emu, "us-east-1");
    let west = client(&emu, "us-west-2");
    (emu, east, west)
}

/// The file system `id`, described (it must exist).
pub async fn describe_fs(c: &Client, id: &str) -> FileSystemDescription {
    c.describe_file_systems()
        .file_system_id(id)
        .send()
        .await
        .unwrap()
        .file_systems()[0]
        .clone()
}

/// The first page of DescribeFileSystems, unfiltered.
pub async fn list_fs(c: &Client) -> DescribeFileSystemsOutput {
    c.describe_file_systems().send().await.unwrap()
}

/// The first page of DescribeReplicationConfigurations, unfiltered.
pub async fn list_replications(c: &Client) -> DescribeReplicationConfigurationsOutput {
    c.describe_replication_configurations()
        .send()
        .await
        .unwrap()
}

/// A destination to be created in Region `region`.
pub fn to_region(region: &str) -> DestinationToCreate {
    DestinationToCreate::builder().region(region).build()
}

/// Replicates `src` to a new file system in `region`; the replication as created.
pub async fn replicate(
    c: &Client,
    src: &str,
    region: &str,
) -> CreateReplicationConfigurationOutput {
    c.create_replication_configuration()
        .source_file_system_id(src)
        .destinations(to_region(region))
        .send()
        .await
        .unwrap()
}

/// Replicates `src` to a new file system in `region`; the destination's id.
pub async fn replicate_to(c: &Client, src: &str, region: &str) -> String {
    replicate(c, src, region).await.destinations()[0]
        .file_system_id()
        .to_string()
}

/// A raw HTTP response.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts the AWS error shape and returns the code.
    pub fn aws_error(&self) -> String {
        assert!(
            (400..500).contains(&self.status),
            "status {} is not 4xx: {}",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        let code = self
            .header("x-amzn-ErrorType")
            .expect("x-amzn-ErrorType header")
            .to_string();
        assert!(
            self.header("x-amzn-RequestId").is_some(),
            "x-amzn-RequestId header"
        );
        let body = self.json();
        assert_eq!(
            body["ErrorCode"],
            Value::String(code.clone()),
            "body: {body}"
        );
        assert!(
            body["Message"].as_str().is_some_and(|m| !m.is_empty()),
            "body: {body}"
        );
        code
    }
}

/// A SigV4-looking Authorization header for `region` (signature unchecked).
pub fn auth(region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={KEY_A}/20240101/{region}/elasticfilesystem/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
    )
}

/// Sends one HTTP/1.1 request with `Connection: close` and reads the reply.
pub async fn raw(
    emu: &Emulator,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    raw_parts(emu, method, path, headers, body, Some(body.len())).await
}

/// Like [`raw`], but the Content-Length header may differ from the body sent.
pub async fn raw_parts(
    emu: &Emulator,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    content_length: Option<usize>,
) -> RawResponse {
    let fut = async {
        let mut s = tokio::net::TcpStream::connect(emu.local_addr())
            .await
            .unwrap();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            emu.local_addr()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(n) = content_length {
            req.push_str(&format!("Content-Length: {n}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let _ = s.write_all(body).await;
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf).await;
        parse_response(&buf)
    };
    tokio::time::timeout(Duration::from_secs(10), fut)
        .await
        .expect("raw request timed out")
}

fn parse_response(buf: &[u8]) -> RawResponse {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(buf)));
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(pos) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..pos]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[pos + 2..pos + 2 + size]);
        b = &b[pos + 2 + size + 2..];
    }
}

/// GET an admin path and parse the JSON reply.
pub async fn admin_get(emu: &Emulator, path: &str) -> Value {
    let r = raw(emu, "GET", path, &[], b"").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// POST JSON to an admin path; returns status and parsed reply.
pub async fn admin_post(emu: &Emulator, path: &str, body: Value) -> (u16, Value) {
    let bytes = serde_json::to_vec(&body).unwrap();
    let r = raw(
        emu,
        "POST",
        path,
        &[("Content-Type", "application/json")],
        &bytes,
    )
    .await;
    (r.status, r.json())
}

/// Moves the emulator's clock forward.
pub async fn advance(emu: &Emulator, seconds: f64) {
    let (status, v) = admin_post(
        emu,
        "/_emulator/clock",
        serde_json::json!({"advance_seconds": seconds}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
}
