"""CreateFileSystem, DescribeFileSystems, DeleteFileSystem, UpdateFileSystemProtection.

Each call goes through boto3 with the strict wire hook of support.py, so a
passing test also means the raw response matched the model. Tests create their
own file systems and never rely on what other tests left behind.
"""

import json
import time

import pytest

from support import (
    ACCOUNT_A,
    ACCOUNT_B,
    arn,
    client,
    describe_fs,
    expect_error,
    new_fs,
    protection,
    wait_for,
)

REGION = "us-west-2"
OTHER = "eu-central-1"


def test_create_file_system_returns_201_and_full_description():
    c = client(REGION)
    before = time.time()
    out = c.create_file_system(
        CreationToken=f"conf-create-{time.time_ns()}",
        Tags=[{"Key": "Name", "Value": "conformance-create"}, {"Key": "team", "Value": "qa"}],
    )
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    fs_id = out["FileSystemId"]
    assert out["LifeCycleState"] in ("creating", "available")
    assert out["OwnerId"] == ACCOUNT_A
    assert out["FileSystemArn"] == arn(REGION, ACCOUNT_A, fs_id)
    assert out["PerformanceMode"] == "generalPurpose"
    assert out.get("ThroughputMode", "bursting") == "bursting"
    assert out["Name"] == "conformance-create"
    assert {t["Key"]: t["Value"] for t in out["Tags"]} == {
        "Name": "conformance-create",
        "team": "qa",
    }
    assert out["NumberOfMountTargets"] == 0
    # botocore turned the epoch number into a datetime
    assert abs(out["CreationTime"].timestamp() - before) < 120


def test_file_system_becomes_available_with_protection_enabled():
    c = client(REGION)
    fs = new_fs(c, PerformanceMode="maxIO", ThroughputMode="bursting", Encrypted=True)
    assert fs["LifeCycleState"] == "available"
    assert fs["PerformanceMode"] == "maxIO"
    assert fs["Encrypted"] is True
    assert fs["FileSystemProtection"]["ReplicationOverwriteProtection"] == "ENABLED"


def test_create_file_system_provisioned_throughput():
    c = client(REGION)
    fs = new_fs(c, ThroughputMode="provisioned", ProvisionedThroughputInMibps=64.0)
    assert fs["ThroughputMode"] == "provisioned"
    assert fs["ProvisionedThroughputInMibps"] == 64.0


def test_create_file_system_same_token_is_file_system_already_exists():
    c = client(REGION)
    token = f"conf-dup-{time.time_ns()}"
    first = c.create_file_system(CreationToken=token)
    err = expect_error(c, "FileSystemAlreadyExists", c.create_file_system, CreationToken=token)
    # the modeled extra member of this error
    assert err.response.get("FileSystemId") == first["FileSystemId"]


def test_describe_file_systems_by_creation_token():
    c = client(REGION)
    token = f"conf-token-{time.time_ns()}"
    created = c.create_file_system(CreationToken=token)
    out = c.describe_file_systems(CreationToken=token)
    assert [f["FileSystemId"] for f in out["FileSystems"]] == [created["FileSystemId"]]
    assert out["FileSystems"][0]["CreationToken"] == token


def test_one_zone_file_system_keeps_its_availability_zone():
    c = client(REGION)
    fs = new_fs(c, AvailabilityZoneName="us-west-2b")
    assert fs["AvailabilityZoneName"] == "us-west-2b"


def test_one_zone_in_unknown_zone_is_unsupported_availability_zone():
    c = client(REGION)
    expect_error(
        c,
        "UnsupportedAvailabilityZone",
        c.create_file_system,
        CreationToken=f"conf-az-{time.time_ns()}",
        AvailabilityZoneName="us-west-2z",
    )


def test_one_zone_in_zone_of_another_region_is_rejected():
    c = client(REGION)
    expect_error(
        c,
        "UnsupportedAvailabilityZone",
        c.create_file_system,
        CreationToken=f"conf-az2-{time.time_ns()}",
        AvailabilityZoneName="eu-west-1a",
    )


def test_describe_file_systems_accepts_arn():
    c = client(REGION)
    fs = new_fs(c)
    by_arn = describe_fs(c, fs["FileSystemArn"])
    assert by_arn["FileSystemId"] == fs["FileSystemId"]


def test_describe_unknown_file_system_is_file_system_not_found():
    c = client(REGION)
    expect_error(c, "FileSystemNotFound", c.describe_file_systems, FileSystemId="fs-0123456789abcdef9")


def test_file_system_is_invisible_from_another_region():
    a = client(REGION)
    b = client(OTHER)
    fs = new_fs(a)
    expect_error(b, "FileSystemNotFound", b.describe_file_systems, FileSystemId=fs["FileSystemId"])
    listed = [f["FileSystemId"] for f in b.get_paginator("describe_file_systems").paginate().build_full_result()["FileSystems"]]
    assert fs["FileSystemId"] not in listed


def test_second_access_key_is_second_account():
    a = client(REGION, "A")
    b = client(REGION, "B")
    fs_b = new_fs(b)
    assert fs_b["OwnerId"] == ACCOUNT_B
    assert fs_b["FileSystemArn"] == arn(REGION, ACCOUNT_B, fs_b["FileSystemId"])
    expect_error(a, "FileSystemNotFound", a.describe_file_systems, FileSystemId=fs_b["FileSystemId"])


def test_delete_file_system_returns_204_then_file_system_is_gone():
    c = client(REGION)
    fs = new_fs(c)
    out = c.delete_file_system(FileSystemId=fs["FileSystemId"])
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204

    def is_gone():
        try:
            d = describe_fs(c, fs["FileSystemId"])
        except c.exceptions.FileSystemNotFound:
            return True
        assert d["LifeCycleState"] in ("deleting", "deleted"), d
        return False

    wait_for("deleted file system to disappear", is_gone)


def test_delete_file_system_by_arn():
    c = client(REGION)
    fs = new_fs(c)
    c.delete_file_system(FileSystemId=fs["FileSystemArn"])
    wait_for(
        "deleted file system to disappear",
        lambda: fs["FileSystemId"]
        not in [f["FileSystemId"] for f in c.get_paginator("describe_file_systems").paginate().build_full_result()["FileSystems"]],
    )


def test_delete_unknown_file_system_is_file_system_not_found():
    c = client(REGION)
    expect_error(c, "FileSystemNotFound", c.delete_file_system, FileSystemId="fs-0123456789abcdef8")


def test_update_file_system_protection_round_trip_and_idempotent():
    c = client(REGION)
    fs_id = new_fs(c)["FileSystemId"]
    for value in ("DISABLED", "DISABLED", "ENABLED", "DISABLED"):
        out = c.update_file_system_protection(FileSystemId=fs_id, ReplicationOverwriteProtection=value)
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert out["ReplicationOverwriteProtection"] == value
        assert protection(c, fs_id) == value


def test_update_file_system_protection_by_arn():
    c = client(REGION)
    fs = new_fs(c)
    out = c.update_file_system_protection(FileSystemId=fs["FileSystemArn"], ReplicationOverwriteProtection="DISABLED")
    assert out["ReplicationOverwriteProtection"] == "DISABLED"
    assert protection(c, fs["FileSystemId"]) == "DISABLED"


def test_update_protection_of_unknown_file_system_is_file_system_not_found():
    c = client(REGION)
    expect_error(
        c,
        "FileSystemNotFound",
        c.update_file_system_protection,
        FileSystemId="fs-0123456789abcdef7",
        ReplicationOverwriteProtection="DISABLED",
    )


def test_update_protection_to_replicating_is_bad_request():
    # REPLICATING is set by EFS only; the spec suggests BadRequest for clients.
    c = client(REGION)
    fs_id = new_fs(c)["FileSystemId"]
    expect_error(
        c,
        "BadRequest",
        c.update_file_system_protection,
        FileSystemId=fs_id,
        ReplicationOverwriteProtection="REPLICATING",
    )
    assert protection(c, fs_id) == "ENABLED"


def test_update_protection_of_creating_file_system_is_incorrect_lifecycle_state():
    c = client(REGION)
    created = c.create_file_system(CreationToken=f"conf-creating-{time.time_ns()}")
    if created["LifeCycleState"] != "creating":
        pytest.skip("emulator creates file systems instantly (no --create-delay)")
    expect_error(
        c,
        "IncorrectFileSystemLifeCycleState",
        c.update_file_system_protection,
        FileSystemId=created["FileSystemId"],
        ReplicationOverwriteProtection="DISABLED",
    )


def test_presigned_url_authenticates_with_query_parameters():
    # botocore's query-string SigV4 (X-Amz-Credential, X-Amz-Signature): the
    # region again comes from the credential scope.
    import urllib.request

    c = client(OTHER)
    fs = new_fs(c)
    url = c.generate_presigned_url("describe_file_systems", Params={"FileSystemId": fs["FileSystemId"]}, ExpiresIn=300)
    assert "X-Amz-Credential=" in url
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as resp:
        assert resp.status == 200
        doc = json.loads(resp.read())
    assert [f["FileSystemId"] for f in doc["FileSystems"]] == [fs["FileSystemId"]]
    assert isinstance(doc["FileSystems"][0]["CreationTime"], (int, float))


def test_concurrent_creates_from_many_clients_get_distinct_ids():
    from concurrent.futures import ThreadPoolExecutor

    region = "eu-north-1"

    def create(i):
        c = client(region)
        return [c.create_file_system(CreationToken=f"conf-conc-{i}-{j}-{time.time_ns()}")["FileSystemId"] for j in range(5)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = [fs_id for batch in pool.map(create, range(16)) for fs_id in batch]
    assert len(ids) == 80
    assert len(set(ids)) == 80, "duplicate file system ids under concurrency"
    listed = {f["FileSystemId"] for f in client(region).get_paginator("describe_file_systems").paginate().build_full_result()["FileSystems"]}
    assert set(ids) <= listed


def test_creation_token_is_free_again_after_delete():
    c = client(REGION)
    token = f"conf-reuse-{time.time_ns()}"
    first = new_fs(c, CreationToken=token)
    c.delete_file_system(FileSystemId=first["FileSystemId"])
    wait_for(
        "deleted file system to leave the token",
        lambda: c.describe_file_systems(CreationToken=token)["FileSystems"] == [],
    )
    second = c.create_file_system(CreationToken=token)
    assert second["FileSystemId"] != first["FileSystemId"]
