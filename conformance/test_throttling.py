"""Throttling (--throttle-rps) seen by botocore: the error a burst of mutating
calls gets must be one botocore classifies as retryable throttling, retrying
clients must get through, reads must not be throttled, and buckets are per
account and region.

Runs against the emulator instances that run.sh starts with --throttle-rps
(EFS_EMULATOR_THROTTLED_URL: HTTP 400, as EFS answers; and
EFS_EMULATOR_THROTTLED_429_URL: --throttle-status 429); skipped when the
first is not set.
"""

import time

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError
from botocore.retries import standard

from support import THROTTLED_429_URL, THROTTLED_URL, client, early_answer_keeps_connection, new_fs, signed_headers

pytestmark = pytest.mark.skipif(not THROTTLED_URL, reason="EFS_EMULATOR_THROTTLED_URL not set")

REGION = "sa-east-1"


def throttled_client(region=REGION, account="A", retries=None, strict=True, url=None):
    return client(region, account, url=url or THROTTLED_URL, retries=retries, strict=strict)


# (instance URL, the status its ThrottlingException has)
INSTANCES = [
    pytest.param(THROTTLED_URL, 400, id="status-400"),
    pytest.param(
        THROTTLED_429_URL,
        429,
        id="status-429",
        marks=pytest.mark.skipif(not THROTTLED_429_URL, reason="EFS_EMULATOR_THROTTLED_429_URL not set"),
    ),
]


def drain(fs_id, n=30, url=None):
    """Empties the bucket of account A in REGION. Not strict: the wire shape
    of the throttling error is the subject of the first test only."""
    c = throttled_client(strict=False, url=url)
    for _ in range(n):
        try:
            c.update_file_system_protection(FileSystemId=fs_id, ReplicationOverwriteProtection="DISABLED")
        except (ClientError, ConnectionClosedError):
            # a dropped connection is reported by test_throttled_call_keeps_connection
            pass


def patient(mode):
    return {"mode": mode, "total_max_attempts": 12} if mode == "standard" else {"mode": mode, "max_attempts": 11}


def burst(c, fs_id, n=40):
    """n UpdateFileSystemProtection calls (idempotent) without retries;
    returns the ClientErrors."""
    errors = []
    for _ in range(n):
        try:
            c.update_file_system_protection(FileSystemId=fs_id, ReplicationOverwriteProtection="DISABLED")
        except ClientError as e:
            errors.append(e)
    return errors


@pytest.fixture(scope="module")
def fs_id():
    return new_fs(throttled_client(retries=patient("standard"), strict=False))["FileSystemId"]


@pytest.mark.parametrize("url,status", INSTANCES)
def test_burst_is_throttled_with_a_retryable_throttling_error(url, status):
    c = throttled_client(url=url)
    fs_id = new_fs(throttled_client(retries=patient("standard"), strict=False, url=url))["FileSystemId"]
    errors = burst(c, fs_id)
    assert errors, "40 mutating calls in a burst were never throttled"
    for e in errors:
        resp = e.response
        code = resp["Error"]["Code"]
        assert code == "ThrottlingException", resp
        assert resp["Error"]["Message"] == "Rate exceeded", resp
        assert resp["ResponseMetadata"]["HTTPStatusCode"] == status, resp
        ctx = standard.RetryContext(
            attempt_number=1,
            operation_model=c.meta.service_model.operation_model("UpdateFileSystemProtection"),
            parsed_response=resp,
            http_response=None,
            caught_exception=None,
        )
        assert standard.ThrottledRetryableChecker().is_retryable(ctx), f"{code} is not a throttling code for botocore"
        assert standard.ThrottlingErrorDetector(None).is_throttling_error_from_context(ctx), code
        modeled = getattr(c.exceptions, code, None)
        if modeled is not None:
            assert isinstance(e, modeled)


def test_reads_are_not_throttled(fs_id):
    c = throttled_client()
    drain(fs_id, 20)
    for _ in range(30):
        c.describe_file_systems(FileSystemId=fs_id)
        c.list_tags_for_resource(ResourceId=fs_id)


def test_buckets_are_per_account_and_region(fs_id):
    drain(fs_id)
    # same account, other region / other account, same region: fresh buckets
    throttled_client("ap-south-1").create_file_system(CreationToken=f"conf-thr-a-{time.time_ns()}")
    throttled_client(REGION, "B").create_file_system(CreationToken=f"conf-thr-b-{time.time_ns()}")


@pytest.mark.parametrize("url,status", INSTANCES)
@pytest.mark.parametrize("mode", ["standard", "legacy"])
def test_retrying_client_gets_through(mode, url, status):
    """Legacy mode retries ThrottlingException with 400 by its
    `throttling_exception` policy and any 429 by `too_many_requests`."""
    attempts = []
    fs_id = new_fs(throttled_client(retries=patient("standard"), strict=False, url=url))["FileSystemId"]
    c = throttled_client(retries=patient(mode), strict=False, url=url)
    c.meta.events.register("before-send.efs", lambda **kw: attempts.append(1))
    drain(fs_id, url=url)
    for _ in range(4):
        c.update_file_system_protection(FileSystemId=fs_id, ReplicationOverwriteProtection="DISABLED")
    assert len(attempts) > 4, "expected botocore to retry throttled calls"


def test_throttled_call_does_not_silently_drop_a_kept_alive_connection(fs_id):
    path = f"/2015-02-01/file-systems/{fs_id}/protection"
    body = b'{"ReplicationOverwriteProtection": "DISABLED"}'
    drain(fs_id)
    headers = signed_headers("PUT", path, body, REGION, url=THROTTLED_URL)
    first, second = early_answer_keeps_connection("PUT", path, body, headers, url=THROTTLED_URL)
    if first[0] != 429 and first[0] != 400:
        pytest.skip(f"bucket refilled before the probe (HTTP {first[0]})")
    assert second is not None, (
        "the server closed the connection after answering a throttled call early "
        "without 'Connection: close'; botocore then fails with ConnectionClosedError"
    )
