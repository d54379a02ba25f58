"""Shared helpers of the conformance suite: clients, waits, raw HTTP.

Every boto3 client made here has static dummy credentials, points at the
emulator given by EFS_EMULATOR_URL, never retries unless asked, and carries a
``before-parse`` hook that validates the raw response against the service
model (see wire.py) and raises ``WireViolation`` on any deviation. Nothing here
may talk to anything but the emulator on loopback.
"""

import http.client
import json
import os
import time
import urllib.parse
from collections import Counter

# Hermetic clients: no profile, config or credentials file of the user, no
# proxy for loopback, no IMDS. Done before botocore reads the environment.
for _name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EFS", "AWS_SESSION_TOKEN"):
    os.environ.pop(_name, None)
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

import boto3  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.config  # noqa: E402
import botocore.credentials  # noqa: E402
import pytest  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

import wire  # noqa: E402

URL = os.environ.get("EFS_EMULATOR_URL", "")
THROTTLED_URL = os.environ.get("EFS_EMULATOR_THROTTLED_URL", "")
# The same with --throttle-status 429.
THROTTLED_429_URL = os.environ.get("EFS_EMULATOR_THROTTLED_429_URL", "")
# Every other behaviour variant at its non-default value (run.sh).
VARIANTS_URL = os.environ.get("EFS_EMULATOR_VARIANTS_URL", "")

SECRET = "conformance-secret-key"
# Access key of the default account (the emulator's --account-id).
KEY_A = os.environ.get("EFS_CONF_KEY_A", "AKIDCONFORMANCEA")
ACCOUNT_A = os.environ.get("EFS_CONF_ACCOUNT_A", "111111111111")
# Access key mapped with --access-key-account KEY_B=ACCOUNT_B.
KEY_B = os.environ.get("EFS_CONF_KEY_B", "AKIDCONFORMANCEB")
ACCOUNT_B = os.environ.get("EFS_CONF_ACCOUNT_B", "222222222222")
KEYS = {"A": KEY_A, "B": KEY_B}

# Bounded waits: the emulator runs with delays of about one second.
WAIT = float(os.environ.get("EFS_CONF_WAIT_SECONDS", "10"))
POLL = 0.1

# Coverage across the whole run: operation -> calls, error code -> count.
CALLS = Counter()
ERRORS = Counter()


class WireViolation(AssertionError):
    """A response that botocore parsed but that breaks the service model."""


def _hook(operation_model, response_dict, **_):
    status = response_dict["status_code"]
    CALLS[operation_model.name] += 1
    problems = wire.check_response(
        operation_model, status, response_dict["headers"], response_dict["body"]
    )
    if status >= 300:
        error_type = wire.header(response_dict["headers"], "x-amzn-ErrorType")
        ERRORS[wire.sanitize_error_type(error_type or str(status))] += 1
    if problems:
        raise WireViolation(
            f"{operation_model.name} -> HTTP {status}: "
            + "; ".join(problems)
            + f"\nbody: {response_dict['body'][:600]!r}"
        )


# One session for the whole run: models are loaded once; every client still
# gets its own static credentials, region and event hooks.
_SESSION = boto3.session.Session()


def client(region, account="A", url=None, retries=None, signed=True, strict=True):
    """An EFS client for ``region`` as account "A" or "B".

    strict=False leaves out the wire hook: only for tests whose subject is
    something else and that would otherwise fail for a reason another test
    already reports.
    """
    assert url or URL, "EFS_EMULATOR_URL is not set (use conformance/run.sh)"
    cfg = {
        "retries": retries or {"total_max_attempts": 1, "mode": "standard"},
        "connect_timeout": 5,
        "read_timeout": 15,
    }
    if not signed:
        cfg["signature_version"] = botocore.UNSIGNED
    c = _SESSION.client(
        "efs",
        region_name=region,
        aws_access_key_id=KEYS[account],
        aws_secret_access_key=SECRET,
        endpoint_url=url or URL,
        config=botocore.config.Config(**cfg),
    )
    if strict:
        c.meta.events.register("before-parse.efs", _hook)
    return c


def wait_for(what, fn, timeout=WAIT):
    """Polls ``fn`` until it returns a truthy value; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
        time.sleep(POLL)


def describe_fs(c, fs_id):
    """The one FileSystemDescription of ``fs_id`` (id or ARN)."""
    out = c.describe_file_systems(FileSystemId=fs_id)
    assert len(out["FileSystems"]) == 1, out
    return out["FileSystems"][0]


def new_fs(c, wait=True, **kwargs):
    """Creates a file system, waits until it is available, returns its description."""
    created = c.create_file_system(**kwargs)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    fs_id = created["FileSystemId"]
    if not wait:
        return created

    def available():
        desc = describe_fs(c, fs_id)
        return desc if desc["LifeCycleState"] == "available" else None

    return wait_for(f"{fs_id} available", available)


def protection(c, fs_id):
    return describe_fs(c, fs_id).get("FileSystemProtection", {}).get(
        "ReplicationOverwriteProtection"
    )


def replication_of(c, fs_id):
    """The single ReplicationConfigurationDescription that ``fs_id`` belongs to."""
    out = c.describe_replication_configurations(FileSystemId=fs_id)
    assert len(out["Replications"]) == 1, out
    return out["Replications"][0]


def gone(c, fs_id):
    """True once DescribeReplicationConfigurations says ReplicationNotFound."""
    try:
        c.describe_replication_configurations(FileSystemId=fs_id)
        return False
    except c.exceptions.ReplicationNotFound:
        return True


def _check_modeled(c, name, err):
    """Asserts that ClientError ``err`` is the modeled exception ``name``."""
    exc_cls = getattr(c.exceptions, name)
    assert isinstance(err, exc_cls), f"{type(err).__name__} is not {name}"
    shape = wire.SERVICE_MODEL.shape_for(name)
    want_status = shape.metadata["error"]["httpStatusCode"]
    assert err.response["Error"]["Code"] == name
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == want_status
    assert err.response.get("ErrorCode") == name, err.response
    assert err.response["Error"].get("Message"), err.response
    return err


def expect_error(c, name, fn, *args, **kwargs):
    """Calls ``fn`` and asserts it raises the modeled exception ``name``.

    Checks the exception class, the error code, the HTTP status given by the
    model and the modeled ErrorCode/Message members. Returns the exception.
    """
    return expect_one_of(c, [name], fn, *args, **kwargs)


def expect_one_of(c, names, fn, *args, **kwargs):
    """Like expect_error, for conditions whose exact code the spec leaves open."""
    try:
        result = fn(*args, **kwargs)
    except ClientError as e:
        code = e.response["Error"].get("Code")
        if code not in names:
            pytest.fail(
                f"expected {' or '.join(names)}, got {type(e).__name__} {code} HTTP "
                f"{e.response['ResponseMetadata'].get('HTTPStatusCode')}: "
                f"{e.response['Error'].get('Message')}"
            )
        return _check_modeled(c, code, e)
    pytest.fail(f"expected {' or '.join(names)}, call succeeded: {result!r}")


def arn(region, account, fs_id):
    return f"arn:aws:elasticfilesystem:{region}:{account}:file-system/{fs_id}"


def signed_headers(method, path, body, region, account="A", url=None, headers=None):
    """Headers of a SigV4-signed request (service elasticfilesystem)."""
    req = botocore.awsrequest.AWSRequest(
        method=method, url=(url or URL) + path, data=body or b"", headers=dict(headers or {})
    )
    creds = botocore.credentials.Credentials(KEYS[account], SECRET)
    botocore.auth.SigV4Auth(creds, "elasticfilesystem", region).add_auth(req)
    return dict(req.headers.items())


def raw_request(
    method,
    path,
    body=None,
    headers=None,
    region="us-west-2",
    account="A",
    sign=True,
    url=None,
    timeout=15,
):
    """Sends one HTTP request with http.client, SigV4-signed unless sign=False.

    Returns (status, headers as a dict with lower-case names, body bytes).
    """
    base = url or URL
    assert base, "EFS_EMULATOR_URL is not set (use conformance/run.sh)"
    parsed = urllib.parse.urlsplit(base)
    headers = dict(headers or {})
    if isinstance(body, str):
        body = body.encode("utf-8")
    if sign:
        headers = signed_headers(method, path, body, region, account, url=base, headers=headers)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def assert_aws_error(status, headers, body, statuses=None, codes=None):
    """Asserts an AWS-shaped error; returns its sanitized code."""
    code, problems = wire.check_error(status, headers, body)
    assert not problems, f"HTTP {status} {headers} {body[:400]!r}: {problems}"
    if statuses is not None:
        assert status in statuses, f"HTTP {status} not in {statuses}: {body[:400]!r}"
    if codes is not None:
        assert code in codes, f"error {code} not in {codes}: {body[:400]!r}"
    return code


def json_body(data):
    return json.loads(data.decode("utf-8"))


def _read_response(sock):
    """Reads one HTTP/1.1 response (Content-Length framed) from ``sock``.

    Returns (status, headers with lower-case names, body) or None when the
    server closed the connection before sending anything.
    """
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(lines[0].split()[1]), headers, rest[:length]


def early_answer_keeps_connection(method, path, body, headers, url=None):
    """Sends a request's headers, waits for the server to answer before the
    body is sent (as it may for auth or throttling errors), then sends the body
    and a second request on the same connection, the way a pooling client
    (urllib3 under botocore) does.

    Returns (first_response, second_response): second_response is None when
    the server closed the connection. A server that answers early must either
    say ``Connection: close`` or keep the connection usable.
    """
    import socket

    base = url or URL
    parsed = urllib.parse.urlsplit(base)
    sock = socket.create_connection((parsed.hostname, parsed.port), timeout=10)
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: {parsed.netloc}\r\nContent-Length: {len(body)}\r\n"
        for k, v in headers.items():
            if k.lower() not in ("host", "content-length"):
                head += f"{k}: {v}\r\n"
        sock.sendall(head.encode() + b"\r\n")
        first = _read_response(sock)
        assert first is not None, "no response before the body was sent"
        if first[1].get("connection", "").lower() == "close":
            return first, "closed-announced"
        try:
            sock.sendall(body)
            sock.sendall(f"GET /2015-02-01/file-systems?MaxItems=1 HTTP/1.1\r\nHost: {parsed.netloc}\r\n\r\n".encode())
            second = _read_response(sock)
        except (BrokenPipeError, ConnectionResetError):
            second = None
        return first, second
    finally:
        sock.close()
