"""Bad input: unsigned requests, malformed JSON, wrong member types, unknown
routes, oversized bodies, enum values and lengths outside the model.

What boto3 can express goes through boto3 (its exception classes are checked);
the rest is sent as raw, SigV4-signed HTTP with http.client and must come back
as an AWS-shaped 4xx (x-amzn-ErrorType header, JSON body with the code and a
message). After each raw test the emulator must still answer normally.
"""

import json
import select
import socket
import time
import urllib.parse

import pytest
from botocore.exceptions import ClientError

import wire
from support import (
    URL,
    assert_aws_error,
    client,
    describe_fs,
    early_answer_keeps_connection,
    expect_error,
    new_fs,
    protection,
    raw_request,
)

REGION = "us-west-2"
BAD_BODY_CODES = {"BadRequest", "SerializationException"}


@pytest.fixture(autouse=True)
def emulator_still_serves():
    """Positive control after every bad-input test: the emulator still
    creates and reads back a file system (so refusing everything fails)."""
    yield
    c = client(REGION)
    created = c.create_file_system(CreationToken=f"conf-after-bad-{time.time_ns()}")
    assert describe_fs(c, created["FileSystemId"])["FileSystemId"] == created["FileSystemId"]


@pytest.fixture(scope="module")
def fs_id():
    return new_fs(client(REGION))["FileSystemId"]


# --- authentication -------------------------------------------------------


def test_unsigned_request_is_403_auth_failure():
    status, headers, body = raw_request("GET", "/2015-02-01/file-systems", sign=False)
    code = assert_aws_error(status, headers, body, statuses={403})
    assert code in wire.AUTH_FAILURE_CODES, code


def test_unsigned_boto3_client_sees_an_auth_failure():
    c = client(REGION, signed=False)
    with pytest.raises(ClientError) as info:
        c.describe_replication_configurations()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert info.value.response["Error"]["Code"] in wire.AUTH_FAILURE_CODES


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNz", "AWS4-HMAC-SHA256 garbage", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-west-2"],
)
def test_non_sigv4_authorization_is_403(authorization):
    status, headers, body = raw_request(
        "GET", "/2015-02-01/file-systems", sign=False, headers={"Authorization": authorization}
    )
    code = assert_aws_error(status, headers, body, statuses={403})
    assert code in wire.AUTH_FAILURE_CODES, code


# --- bodies --------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("POST", "/2015-02-01/file-systems", '{"CreationToken": "x",'),
        ("POST", "/2015-02-01/file-systems", "not json at all"),
        ("POST", "/2015-02-01/file-systems", "[]"),
        ("POST", "/2015-02-01/file-systems", "null"),
        ("POST", "/2015-02-01/file-systems", b'{"CreationToken": "\xff\xfe"}'),
        ("POST", "/2015-02-01/file-systems/fs-0123456789abcdef0/replication-configuration", "{]"),
        ("PUT", "/2015-02-01/file-systems/fs-0123456789abcdef0/protection", "{'single': 'quotes'}"),
        ("POST", "/2015-02-01/resource-tags/fs-0123456789abcdef0", '{"Tags": [}'),
    ],
    ids=["truncated", "text", "array", "null", "bad-utf8", "replication", "protection", "tags"],
)
def test_malformed_json_is_400(method, path, body):
    status, headers, data = raw_request(method, path, body=body, headers={"Content-Type": "application/json"})
    assert_aws_error(status, headers, data, statuses={400}, codes=BAD_BODY_CODES)


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("POST", "/2015-02-01/file-systems", {"CreationToken": 5}),
        ("POST", "/2015-02-01/file-systems", {"CreationToken": "t-types-1", "Encrypted": "yes"}),
        ("POST", "/2015-02-01/file-systems", {"CreationToken": "t-types-2", "ProvisionedThroughputInMibps": "fast", "ThroughputMode": "provisioned"}),
        ("POST", "/2015-02-01/file-systems", {"CreationToken": "t-types-3", "Tags": {"Name": "x"}}),
        ("POST", "/2015-02-01/file-systems", {"CreationToken": ["t"]}),
        ("POST", "/2015-02-01/file-systems/{fs}/replication-configuration", {"Destinations": "us-east-1"}),
        ("POST", "/2015-02-01/file-systems/{fs}/replication-configuration", {"Destinations": [{"Region": 5}]}),
        ("POST", "/2015-02-01/file-systems/{fs}/replication-configuration", {"Destinations": [["us-east-1"]]}),
        ("PUT", "/2015-02-01/file-systems/{fs}/protection", {"ReplicationOverwriteProtection": True}),
        ("POST", "/2015-02-01/resource-tags/{fs}", {"Tags": [{"Key": 1, "Value": "v"}]}),
    ],
)
def test_wrong_member_types_are_400(fs_id, method, path, body):
    status, headers, data = raw_request(
        method, path.replace("{fs}", fs_id), body=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert_aws_error(status, headers, data, statuses={400}, codes=BAD_BODY_CODES)
    assert protection(client(REGION), fs_id) == "ENABLED"


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("POST", "/2015-02-01/file-systems", {}),
        ("POST", "/2015-02-01/file-systems", {"CreationToken": ""}),
        ("POST", "/2015-02-01/file-systems/{fs}/replication-configuration", {}),
        ("POST", "/2015-02-01/resource-tags/{fs}", {}),
        ("DELETE", "/2015-02-01/resource-tags/{fs}", None),
    ],
    ids=["no-token", "empty-token", "no-destinations", "no-tags", "no-tag-keys"],
)
def test_missing_required_members_are_bad_request(fs_id, method, path, body):
    status, headers, data = raw_request(
        method,
        path.replace("{fs}", fs_id),
        body=None if body is None else json.dumps(body),
        headers={} if body is None else {"Content-Type": "application/json"},
    )
    assert_aws_error(status, headers, data, statuses={400}, codes={"BadRequest"})


# --- routes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/2015-02-01/no-such-thing"),
        ("GET", "/"),
        ("GET", "/2016-01-01/file-systems"),
        ("POST", "/2015-02-01/file-systems/fs-0123456789abcdef0/unknown"),
        ("PATCH", "/2015-02-01/file-systems"),
        ("PUT", "/2015-02-01/file-systems/replication-configurations"),
    ],
)
def test_unknown_routes_are_aws_shaped_4xx(method, path):
    status, headers, data = raw_request(method, path)
    assert_aws_error(status, headers, data, statuses={400, 403, 404, 405})


def test_invalid_percent_encoding_in_path_is_4xx():
    status, headers, data = raw_request("GET", "/2015-02-01/resource-tags/fs-%ZZ")
    assert_aws_error(status, headers, data, statuses={400, 404})


def _oversized(path, size):
    """POSTs ``size`` bytes without waiting for the server to read them all.

    Stops sending as soon as the server answers (an early 413 is allowed) and
    returns (status, headers, body) parsed from the socket.
    """
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials

    from support import KEYS, SECRET

    parsed = urllib.parse.urlsplit(URL)
    body = b'{"CreationToken": "' + b"a" * size + b'"}'
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=URL + path, data=body, headers={"Content-Type": "application/json"}
    )
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(KEYS["A"], SECRET), "elasticfilesystem", REGION).add_auth(req)
    head = f"POST {path} HTTP/1.1\r\nHost: {parsed.netloc}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    for k, v in req.headers.items():
        if k.lower() not in ("host", "content-length"):
            head += f"{k}: {v}\r\n"
    sock = socket.create_connection((parsed.hostname, parsed.port), timeout=15)
    received = b""
    try:
        sock.sendall(head.encode() + b"\r\n")
        sent = 0
        deadline = time.monotonic() + 20
        while sent < len(body):
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sent += sock.send(body[sent : sent + 65536])
            except (BrokenPipeError, ConnectionResetError):
                break
            assert time.monotonic() < deadline, "server neither read the body nor answered"
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            if b"\r\n\r\n" in received:
                head_part, _, rest = received.partition(b"\r\n\r\n")
                lengths = [l for l in head_part.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if lengths and len(rest) >= int(lengths[0].split(b":")[1]):
                    break
    finally:
        sock.close()
    assert received, "no HTTP response to an oversized body (connection closed or reset)"
    head_part, _, rest = received.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "chunked" in headers.get("transfer-encoding", ""):
        out = b""
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            n = int(size_line.split(b";")[0], 16)
            if n == 0:
                break
            out += rest[:n]
            rest = rest[n + 2 :]
        rest = out
    return status, headers, rest


def test_oversized_body_is_rejected_without_hanging():
    status, headers, data = _oversized("/2015-02-01/file-systems", 8 * 1024 * 1024)
    assert_aws_error(status, headers, data, statuses={400, 413})


# --- values outside the model, through boto3 (botocore checks no enum, pattern or max) ---


@pytest.mark.parametrize(
    "kwargs",
    [
        {"CreationToken": "x" * 65},
        {"PerformanceMode": "fastest"},
        {"ThroughputMode": "warp"},
        {"ThroughputMode": "provisioned"},
        {"KmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
        {"Encrypted": True, "KmsKeyId": "not a key"},
        {"PerformanceMode": "maxIO", "ThroughputMode": "elastic"},
        {"PerformanceMode": "maxIO", "AvailabilityZoneName": "us-west-2a"},
        {"Tags": [{"Key": "aws:owner", "Value": "x"}]},
    ],
    ids=["token-too-long", "perf-enum", "throughput-enum", "provisioned-without-mibps", "kms-without-encrypted", "kms-pattern", "maxio-elastic", "maxio-one-zone", "reserved-tag"],
)
def test_create_file_system_invalid_values_are_bad_request(kwargs):
    c = client(REGION)
    kwargs.setdefault("CreationToken", f"conf-bad-{time.time_ns()}")
    expect_error(c, "BadRequest", c.create_file_system, **kwargs)
    assert c.describe_file_systems(CreationToken=kwargs["CreationToken"][:64])["FileSystems"] == []


def test_protection_enum_out_of_range_is_bad_request(fs_id):
    c = client(REGION)
    expect_error(c, "BadRequest", c.update_file_system_protection, FileSystemId=fs_id, ReplicationOverwriteProtection="BOGUS")
    assert protection(c, fs_id) == "ENABLED"


def test_deletion_mode_out_of_range_is_bad_request(fs_id):
    c = client(REGION)
    expect_error(c, "BadRequest", c.delete_replication_configuration, SourceFileSystemId=fs_id, DeletionMode="SOMETIMES")


def test_describe_with_too_long_creation_token_is_bad_request():
    c = client(REGION)
    expect_error(c, "BadRequest", c.describe_file_systems, CreationToken="t" * 65)


def test_early_auth_error_does_not_silently_drop_a_kept_alive_connection():
    # urllib3 sends headers and body separately and pools the connection; an
    # error answered before the body is read must not leave it half-closed.
    body = b'{"CreationToken": "early-answer"}'
    first, second = early_answer_keeps_connection(
        "POST", "/2015-02-01/file-systems", body, {"Content-Type": "application/json"}
    )
    assert first[0] == 403, first
    assert second is not None, (
        "the server closed the connection after an early 403 without sending "
        "'Connection: close'; a pooling client then fails with ConnectionClosedError"
    )
