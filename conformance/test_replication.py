"""Replication semantics seen from boto3: create, describe, delete, protection.

Covers the spec's rules a second client can observe: new and existing
destinations, status ENABLING -> ENABLED, LastReplicatedTimestamp, one
replication per file system and no chaining, One Zone destinations, cross
account, deletion and LOCAL_CONFIGURATION_ONLY, region from the signature and
ARNs as ids. Waits are bounded (support.WAIT); each test owns its file systems.
"""

import time

import pytest

from support import (
    ACCOUNT_A,
    ACCOUNT_B,
    arn,
    client,
    describe_fs,
    expect_error,
    expect_one_of,
    gone,
    new_fs,
    protection,
    replication_of,
    wait_for,
)

SRC = "us-west-2"
DST = "eu-central-1"
ALREADY = ["BadRequest", "ReplicationAlreadyExists"]


def replicate(src_client, dst_region, **src_kwargs):
    """Creates a source file system and a replication to a new destination."""
    src = new_fs(src_client, **src_kwargs)
    out = src_client.create_replication_configuration(
        SourceFileSystemId=src["FileSystemId"], Destinations=[{"Region": dst_region}]
    )
    return src, out


def status_of(c, fs_id):
    return replication_of(c, fs_id)["Destinations"][0]["Status"]


def test_create_replication_response_describes_new_configuration():
    c = client(SRC)
    before = time.time()
    src, out = replicate(c, DST)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert out["SourceFileSystemId"] == src["FileSystemId"]
    assert out["SourceFileSystemRegion"] == SRC
    assert out["SourceFileSystemArn"] == arn(SRC, ACCOUNT_A, src["FileSystemId"])
    assert out["OriginalSourceFileSystemArn"] == out["SourceFileSystemArn"]
    assert out.get("SourceFileSystemOwnerId", ACCOUNT_A) == ACCOUNT_A
    assert abs(out["CreationTime"].timestamp() - before) < 120
    assert len(out["Destinations"]) == 1
    dest = out["Destinations"][0]
    assert dest["Status"] == "ENABLING"
    assert dest["Region"] == DST
    assert dest["FileSystemId"].startswith("fs-")
    assert dest["FileSystemId"] != src["FileSystemId"]
    assert "LastReplicatedTimestamp" not in dest
    assert dest.get("OwnerId", ACCOUNT_A) == ACCOUNT_A


@pytest.mark.parametrize(
    "perf,throughput",
    [("maxIO", "bursting"), ("generalPurpose", "elastic"), ("generalPurpose", "provisioned")],
)
def test_new_destination_copies_modes_is_encrypted_and_replicating(perf, throughput):
    c = client(SRC)
    d = client(DST)
    extra = {"ProvisionedThroughputInMibps": 32.0} if throughput == "provisioned" else {}
    _, out = replicate(c, DST, PerformanceMode=perf, ThroughputMode=throughput, **extra)
    dest_fs = describe_fs(d, out["Destinations"][0]["FileSystemId"])
    assert dest_fs["OwnerId"] == ACCOUNT_A
    assert dest_fs["FileSystemArn"] == arn(DST, ACCOUNT_A, dest_fs["FileSystemId"])
    assert dest_fs["Encrypted"] is True
    assert dest_fs.get("KmsKeyId"), "destination must name its (default) KMS key"
    assert dest_fs["PerformanceMode"] == perf
    assert dest_fs["ThroughputMode"] == throughput
    assert dest_fs["FileSystemProtection"]["ReplicationOverwriteProtection"] == "REPLICATING"


def test_new_destination_uses_the_given_kms_key():
    c = client(SRC)
    d = client(DST)
    src = new_fs(c)
    key = "1234abcd-12ab-34cd-56ef-1234567890ab"
    out = c.create_replication_configuration(
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"Region": DST, "KmsKeyId": key}],
    )
    kms = describe_fs(d, out["Destinations"][0]["FileSystemId"])["KmsKeyId"]
    assert kms == key or kms.endswith("key/" + key), kms


def test_status_goes_enabling_to_enabled_and_last_replicated_advances():
    c = client(SRC)
    src, out = replicate(c, DST)
    fs_id = src["FileSystemId"]
    assert out["Destinations"][0]["Status"] == "ENABLING"
    wait_for("ENABLED", lambda: status_of(c, fs_id) == "ENABLED")
    first = wait_for(
        "a first LastReplicatedTimestamp",
        lambda: replication_of(c, fs_id)["Destinations"][0].get("LastReplicatedTimestamp"),
    )
    assert abs(first.timestamp() - time.time()) < 120
    # every change before this instant is on the destination: never ahead of now
    assert first.timestamp() <= time.time() + 1.0

    def advanced():
        stamp = replication_of(c, fs_id)["Destinations"][0]["LastReplicatedTimestamp"]
        return stamp if stamp > first else None

    later = wait_for("LastReplicatedTimestamp to advance", advanced)
    assert later > first
    assert later.timestamp() <= time.time() + 1.0


def test_describe_from_destination_region_shows_the_same_configuration():
    c = client(SRC)
    d = client(DST)
    src, out = replicate(c, DST)
    dest_id = out["Destinations"][0]["FileSystemId"]
    from_src = replication_of(c, src["FileSystemId"])
    from_dst = replication_of(d, dest_id)
    for key in ("SourceFileSystemId", "SourceFileSystemRegion", "SourceFileSystemArn", "OriginalSourceFileSystemArn", "CreationTime"):
        assert from_dst[key] == from_src[key], key
    assert from_dst["SourceFileSystemRegion"] == SRC
    assert from_dst["Destinations"][0]["FileSystemId"] == dest_id
    assert from_dst["Destinations"][0]["Region"] == DST


def test_describe_without_file_system_id_lists_the_region_configurations():
    c = client(SRC)
    src, _ = replicate(c, DST)
    pages = c.get_paginator("describe_replication_configurations").paginate()
    ids = [r["SourceFileSystemId"] for r in pages.build_full_result()["Replications"]]
    assert src["FileSystemId"] in ids
    assert len(ids) == len(set(ids))


def test_listing_in_the_destination_region_includes_the_configuration():
    # The spec leaves this unverified and recommends including it.
    c = client(SRC)
    d = client(DST)
    src, out = replicate(c, DST)
    listed = d.get_paginator("describe_replication_configurations").paginate().build_full_result()["Replications"]
    mine = [r for r in listed if r["SourceFileSystemId"] == src["FileSystemId"]]
    assert len(mine) == 1
    assert mine[0]["SourceFileSystemRegion"] == SRC
    assert mine[0]["Destinations"][0]["FileSystemId"] == out["Destinations"][0]["FileSystemId"]


def test_describe_replication_of_unreplicated_file_system_is_replication_not_found():
    c = client(SRC)
    fs_id = new_fs(c)["FileSystemId"]
    expect_error(c, "ReplicationNotFound", c.describe_replication_configurations, FileSystemId=fs_id)


def test_describe_replication_of_unknown_file_system_is_file_system_not_found():
    c = client(SRC)
    expect_error(c, "FileSystemNotFound", c.describe_replication_configurations, FileSystemId="fs-0123456789abcdef5")


def test_replication_source_unknown_is_file_system_not_found():
    c = client(SRC)
    expect_error(
        c,
        "FileSystemNotFound",
        c.create_replication_configuration,
        SourceFileSystemId="fs-0123456789abcdef4",
        Destinations=[{"Region": DST}],
    )


def test_replication_source_must_be_available():
    c = client(SRC)
    created = c.create_file_system(CreationToken=f"conf-src-creating-{time.time_ns()}")
    if created["LifeCycleState"] != "creating":
        pytest.skip("emulator creates file systems instantly (no --create-delay)")
    expect_error(
        c,
        "IncorrectFileSystemLifeCycleState",
        c.create_replication_configuration,
        SourceFileSystemId=created["FileSystemId"],
        Destinations=[{"Region": DST}],
    )


def test_existing_destination_needs_protection_disabled_then_becomes_replicating():
    c = client(SRC)
    d = client(DST)
    src = new_fs(c)
    dst = new_fs(d)
    # protection ENABLED (the default): refused, spec suggests BadRequest
    expect_error(
        c,
        "BadRequest",
        c.create_replication_configuration,
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"Region": DST, "FileSystemId": dst["FileSystemId"]}],
    )
    expect_error(c, "ReplicationNotFound", c.describe_replication_configurations, FileSystemId=src["FileSystemId"])
    d.update_file_system_protection(FileSystemId=dst["FileSystemId"], ReplicationOverwriteProtection="DISABLED")
    out = c.create_replication_configuration(
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"Region": DST, "FileSystemId": dst["FileSystemId"]}],
    )
    assert out["Destinations"][0]["FileSystemId"] == dst["FileSystemId"]
    assert out["Destinations"][0]["Region"] == DST
    assert protection(d, dst["FileSystemId"]) == "REPLICATING"
    # a current destination's protection cannot be changed
    for value in ("ENABLED", "DISABLED"):
        err = expect_error(
            d,
            "ReplicationAlreadyExists",
            d.update_file_system_protection,
            FileSystemId=dst["FileSystemId"],
            ReplicationOverwriteProtection=value,
        )
        # AWS's wording (terraform-provider-aws #36811; spec section 7)
        assert err.response["Error"]["Message"] == (
            "ReplicationOverwriteProtection cannot be changed while the file system is a replication destination."
        )
    assert protection(d, dst["FileSystemId"]) == "REPLICATING"


def test_one_replication_per_file_system():
    c = client(SRC)
    src, _ = replicate(c, DST)
    expect_one_of(
        c,
        ALREADY,
        c.create_replication_configuration,
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"Region": "us-east-1"}],
    )
    assert len(c.describe_replication_configurations(FileSystemId=src["FileSystemId"])["Replications"]) == 1


def test_destination_cannot_be_a_source():
    c = client(SRC)
    d = client(DST)
    _, out = replicate(c, DST)
    dest_id = out["Destinations"][0]["FileSystemId"]
    wait_for("destination available", lambda: describe_fs(d, dest_id)["LifeCycleState"] == "available")
    expect_one_of(
        d,
        ALREADY,
        d.create_replication_configuration,
        SourceFileSystemId=dest_id,
        Destinations=[{"Region": "us-east-1"}],
    )


def test_source_cannot_become_a_destination():
    c = client(SRC)
    d = client(DST)
    src, _ = replicate(c, "us-east-1")
    c.update_file_system_protection(FileSystemId=src["FileSystemId"], ReplicationOverwriteProtection="DISABLED")
    other = new_fs(d)
    expect_one_of(
        d,
        ALREADY,
        d.create_replication_configuration,
        SourceFileSystemId=other["FileSystemId"],
        Destinations=[{"Region": SRC, "FileSystemId": src["FileSystemId"]}],
    )
    expect_error(d, "ReplicationNotFound", d.describe_replication_configurations, FileSystemId=other["FileSystemId"])


def test_one_zone_destination_from_availability_zone_name():
    c = client(SRC)
    e = client("eu-west-1")
    src = new_fs(c, PerformanceMode="maxIO")
    out = c.create_replication_configuration(
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"AvailabilityZoneName": "eu-west-1a"}],
    )
    dest = out["Destinations"][0]
    assert dest["Region"] == "eu-west-1"
    dest_fs = describe_fs(e, dest["FileSystemId"])
    assert dest_fs["AvailabilityZoneName"] == "eu-west-1a"
    assert dest_fs["PerformanceMode"] == "generalPurpose"
    assert dest_fs["Encrypted"] is True


def test_one_zone_destination_with_region_and_zone():
    c = client(SRC)
    e = client("eu-west-1")
    src = new_fs(c)
    out = c.create_replication_configuration(
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"Region": "eu-west-1", "AvailabilityZoneName": "eu-west-1b"}],
    )
    assert out["Destinations"][0]["Region"] == "eu-west-1"
    assert describe_fs(e, out["Destinations"][0]["FileSystemId"])["AvailabilityZoneName"] == "eu-west-1b"


def test_unknown_availability_zone_destination_is_unsupported_availability_zone():
    c = client(SRC)
    src = new_fs(c)
    expect_error(
        c,
        "UnsupportedAvailabilityZone",
        c.create_replication_configuration,
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"AvailabilityZoneName": "eu-west-1q"}],
    )
    expect_error(c, "ReplicationNotFound", c.describe_replication_configurations, FileSystemId=src["FileSystemId"])


def test_cross_account_needs_role_arn_and_shows_both_owners():
    a = client(SRC, "A")
    b = client(DST, "B")
    src = new_fs(a)
    dst = new_fs(b)
    assert dst["OwnerId"] == ACCOUNT_B
    b.update_file_system_protection(FileSystemId=dst["FileSystemId"], ReplicationOverwriteProtection="DISABLED")
    dst_arn = arn(DST, ACCOUNT_B, dst["FileSystemId"])
    err = expect_error(
        a,
        "BadRequest",
        a.create_replication_configuration,
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"FileSystemId": dst_arn}],
    )
    # AWS's wording, two spaces included (terraform-provider-aws #42814)
    assert err.response["Error"]["Message"] == "No RoleArn provided.  RoleArn is required for cross-account replication."
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert protection(b, dst["FileSystemId"]) == "DISABLED"
    role = f"arn:aws:iam::{ACCOUNT_A}:role/efs-replication"
    out = a.create_replication_configuration(
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"FileSystemId": dst_arn, "RoleArn": role}],
    )
    dest = out["Destinations"][0]
    assert dest["FileSystemId"] == dst["FileSystemId"]
    assert dest["Region"] == DST
    assert dest["OwnerId"] == ACCOUNT_B
    assert out["SourceFileSystemOwnerId"] == ACCOUNT_A
    assert protection(b, dst["FileSystemId"]) == "REPLICATING"
    # account B cannot see account A's source file system at all
    b_src = client(SRC, "B")
    expect_error(b_src, "FileSystemNotFound", b_src.describe_replication_configurations, FileSystemId=src["FileSystemId"])
    seen_by_b = replication_of(b, dst["FileSystemId"])
    assert seen_by_b["SourceFileSystemArn"] == arn(SRC, ACCOUNT_A, src["FileSystemId"])
    assert seen_by_b["Destinations"][0]["OwnerId"] == ACCOUNT_B


@pytest.mark.parametrize(
    "destinations",
    [
        [{"Region": "Mars"}],
        [{"Region": "us-east-1", "RoleArn": "not-a-role-arn"}],
        [{"Region": "us-east-1", "KmsKeyId": "not a key"}],
        [{"Region": "us-east-1", "FileSystemId": "fs-NOTHEX"}],
        [{"Region": "us-east-1"}, {"Region": "eu-west-1"}],
        [],
        [{"AvailabilityZoneName": "a" * 65}],
        [{"Region": "us-east-1", "RoleArn": "arn:aws:iam::111111111111:role/" + "r" * 2100}],
        [{"Region": "us-east-1", "KmsKeyId": "alias/" + "k" * 2100}],
        [{"Region": "x" * 65}],
    ],
    ids=[
        "region-pattern", "role-arn-pattern", "kms-pattern", "fs-id-pattern", "two-destinations",
        "no-destination", "az-too-long", "role-arn-too-long", "kms-too-long", "region-too-long",
    ],
)
def test_invalid_destinations_are_bad_request_and_change_nothing(destinations):
    c = client(SRC)
    src = new_fs(c)
    expect_error(
        c,
        "BadRequest",
        c.create_replication_configuration,
        SourceFileSystemId=src["FileSystemId"],
        Destinations=destinations,
    )
    expect_error(c, "ReplicationNotFound", c.describe_replication_configurations, FileSystemId=src["FileSystemId"])
    assert protection(c, src["FileSystemId"]) == "ENABLED"


@pytest.mark.parametrize("bad_id", ["fs-XYZ", "fs-1234", "file-system/fs-0123456789abcdef0", "x" * 200])
def test_ids_failing_the_pattern_are_bad_request(bad_id):
    c = client(SRC)
    expect_error(c, "BadRequest", c.describe_replication_configurations, FileSystemId=bad_id)
    expect_error(c, "BadRequest", c.delete_replication_configuration, SourceFileSystemId=bad_id)
    expect_error(c, "BadRequest", c.create_replication_configuration, SourceFileSystemId=bad_id, Destinations=[{"Region": DST}])
    expect_error(c, "BadRequest", c.describe_file_systems, FileSystemId=bad_id)
    expect_error(c, "BadRequest", c.update_file_system_protection, FileSystemId=bad_id, ReplicationOverwriteProtection="DISABLED")


def test_delete_replication_deleting_then_gone_and_destination_writable_again():
    c = client(SRC)
    d = client(DST)
    src, out = replicate(c, DST)
    src_id = src["FileSystemId"]
    dest_id = out["Destinations"][0]["FileSystemId"]
    wait_for("destination available", lambda: describe_fs(d, dest_id)["LifeCycleState"] == "available")
    # neither side of a replication can be deleted
    expect_error(c, "FileSystemInUse", c.delete_file_system, FileSystemId=src_id)
    expect_error(d, "FileSystemInUse", d.delete_file_system, FileSystemId=dest_id)
    resp = c.delete_replication_configuration(SourceFileSystemId=src_id)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    try:
        assert status_of(c, src_id) == "DELETING"
    except c.exceptions.ReplicationNotFound:
        pytest.fail("configuration vanished at once; the spec wants DELETING until --delete-delay")
    wait_for("configuration gone from the source side", lambda: gone(c, src_id))
    wait_for("configuration gone from the destination side", lambda: gone(d, dest_id))
    wait_for("destination protection back to ENABLED", lambda: protection(d, dest_id) == "ENABLED")
    assert protection(c, src_id) == "ENABLED"
    # both file systems are free again
    assert c.delete_file_system(FileSystemId=src_id)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert d.delete_file_system(FileSystemId=dest_id)["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_arns_work_as_ids_for_every_replication_call():
    c = client(SRC)
    d = client(DST)
    src = new_fs(c)
    src_arn = src["FileSystemArn"]
    out = c.create_replication_configuration(SourceFileSystemId=src_arn, Destinations=[{"Region": DST}])
    assert out["SourceFileSystemId"] == src["FileSystemId"]
    dest_id = out["Destinations"][0]["FileSystemId"]
    assert replication_of(c, src_arn)["SourceFileSystemId"] == src["FileSystemId"]
    assert replication_of(d, arn(DST, ACCOUNT_A, dest_id))["SourceFileSystemId"] == src["FileSystemId"]
    c.delete_replication_configuration(SourceFileSystemId=src_arn)
    wait_for("configuration gone", lambda: gone(c, src["FileSystemId"]))


def test_delete_replication_errors():
    c = client(SRC)
    expect_error(c, "FileSystemNotFound", c.delete_replication_configuration, SourceFileSystemId="fs-0123456789abcdef3")
    fs_id = new_fs(c)["FileSystemId"]
    expect_error(c, "ReplicationNotFound", c.delete_replication_configuration, SourceFileSystemId=fs_id)


def test_local_configuration_only_is_bad_request_for_same_region_same_account():
    c = client(SRC)
    src, out = replicate(c, SRC)
    assert out["Destinations"][0]["Region"] == SRC
    expect_error(
        c,
        "BadRequest",
        c.delete_replication_configuration,
        SourceFileSystemId=src["FileSystemId"],
        DeletionMode="LOCAL_CONFIGURATION_ONLY",
    )
    assert status_of(c, src["FileSystemId"]) in ("ENABLING", "ENABLED")
    c.delete_replication_configuration(SourceFileSystemId=src["FileSystemId"], DeletionMode="ALL_CONFIGURATIONS")
    wait_for("configuration gone", lambda: gone(c, src["FileSystemId"]))


def test_local_configuration_only_removes_the_local_side():
    c = client(SRC)
    d = client(DST)
    src, out = replicate(c, DST)
    dest_id = out["Destinations"][0]["FileSystemId"]
    resp = c.delete_replication_configuration(SourceFileSystemId=src["FileSystemId"], DeletionMode="LOCAL_CONFIGURATION_ONLY")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    wait_for("local side gone", lambda: gone(c, src["FileSystemId"]))
    # the other side is left behind, orphaned (its status is not specified)
    assert replication_of(d, dest_id)["SourceFileSystemId"] == src["FileSystemId"]


def test_delete_issued_from_the_destination_region_removes_both_sides():
    # The current guide allows deleting from either side, with the source id.
    c = client(SRC)
    d = client(DST)
    src, out = replicate(c, DST)
    dest_id = out["Destinations"][0]["FileSystemId"]
    resp = d.delete_replication_configuration(SourceFileSystemId=src["FileSystemId"])
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    wait_for("destination side gone", lambda: gone(d, dest_id))
    wait_for("source side gone", lambda: gone(c, src["FileSystemId"]))
    wait_for("destination writable", lambda: protection(d, dest_id) == "ENABLED")


def test_local_configuration_only_from_the_destination_region():
    c = client(SRC)
    d = client(DST)
    src, out = replicate(c, DST)
    dest_id = out["Destinations"][0]["FileSystemId"]
    d.delete_replication_configuration(SourceFileSystemId=src["FileSystemArn"], DeletionMode="LOCAL_CONFIGURATION_ONLY")
    wait_for("destination side gone", lambda: gone(d, dest_id))
    wait_for("destination writable", lambda: protection(d, dest_id) == "ENABLED")
    assert replication_of(c, src["FileSystemId"])["Destinations"][0]["FileSystemId"] == dest_id


def test_region_comes_from_the_signature():
    c = client(SRC)
    other = client("ap-southeast-1")
    src, _ = replicate(c, DST)
    fs_id = src["FileSystemId"]
    expect_error(other, "FileSystemNotFound", other.describe_replication_configurations, FileSystemId=fs_id)
    expect_error(other, "FileSystemNotFound", other.delete_replication_configuration, SourceFileSystemId=fs_id)
    expect_error(
        other,
        "FileSystemNotFound",
        other.create_replication_configuration,
        SourceFileSystemId=fs_id,
        Destinations=[{"Region": DST}],
    )
    listed = other.get_paginator("describe_replication_configurations").paginate().build_full_result()["Replications"]
    assert fs_id not in [r["SourceFileSystemId"] for r in listed]
    # still intact in its own region
    assert replication_of(c, fs_id)["SourceFileSystemId"] == fs_id


def test_encrypted_source_to_unencrypted_existing_destination_is_conflict():
    c = client(SRC)
    d = client(DST)
    src = new_fs(c, Encrypted=True)
    dst = new_fs(d, Encrypted=False)
    d.update_file_system_protection(FileSystemId=dst["FileSystemId"], ReplicationOverwriteProtection="DISABLED")
    expect_error(
        c,
        "ConflictException",
        c.create_replication_configuration,
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"Region": DST, "FileSystemId": dst["FileSystemId"]}],
    )
    assert protection(d, dst["FileSystemId"]) == "DISABLED"


def test_existing_destination_must_exist_and_be_available():
    c = client(SRC)
    d = client(DST)
    src = new_fs(c)
    expect_error(
        c,
        "FileSystemNotFound",
        c.create_replication_configuration,
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"Region": DST, "FileSystemId": "fs-0123456789abcdef2"}],
    )
    creating = d.create_file_system(CreationToken=f"conf-dst-creating-{time.time_ns()}")
    if creating["LifeCycleState"] != "creating":
        pytest.skip("emulator creates file systems instantly (no --create-delay)")
    expect_error(
        c,
        "IncorrectFileSystemLifeCycleState",
        c.create_replication_configuration,
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"Region": DST, "FileSystemId": creating["FileSystemId"]}],
    )
    expect_error(c, "ReplicationNotFound", c.describe_replication_configurations, FileSystemId=src["FileSystemId"])


def test_deleting_is_visible_from_the_destination_side_too():
    c = client(SRC)
    d = client(DST)
    src, out = replicate(c, DST)
    dest_id = out["Destinations"][0]["FileSystemId"]
    c.delete_replication_configuration(SourceFileSystemId=src["FileSystemId"])
    try:
        assert status_of(d, dest_id) == "DELETING"
    except d.exceptions.ReplicationNotFound:
        pytest.fail("configuration vanished at once from the destination side; expected DELETING")
    wait_for("configuration gone from the destination side", lambda: gone(d, dest_id))


def test_failback_replicates_the_former_destination_back():
    # Failover (delete) then failback by replicating the replica to the
    # original file system, whose protection must be DISABLED first.
    # The replica is always encrypted, so the original must be too (else
    # ConflictException, see the test above).
    c = client(SRC)
    d = client(DST)
    src, out = replicate(c, DST, Encrypted=True)
    src_id = src["FileSystemId"]
    dest_id = out["Destinations"][0]["FileSystemId"]
    wait_for("destination available", lambda: describe_fs(d, dest_id)["LifeCycleState"] == "available")
    c.delete_replication_configuration(SourceFileSystemId=src_id)
    wait_for("configuration gone", lambda: gone(d, dest_id))
    wait_for("replica writable", lambda: protection(d, dest_id) == "ENABLED")
    c.update_file_system_protection(FileSystemId=src_id, ReplicationOverwriteProtection="DISABLED")
    back = d.create_replication_configuration(
        SourceFileSystemId=dest_id,
        Destinations=[{"Region": SRC, "FileSystemId": src_id}],
    )
    assert back["SourceFileSystemId"] == dest_id
    assert back["SourceFileSystemRegion"] == DST
    assert back["SourceFileSystemArn"] == arn(DST, ACCOUNT_A, dest_id)
    assert back["OriginalSourceFileSystemArn"].endswith("file-system/" + dest_id) or back["OriginalSourceFileSystemArn"].endswith("file-system/" + src_id)
    assert back["Destinations"][0]["FileSystemId"] == src_id
    assert back["Destinations"][0]["Region"] == SRC
    assert protection(c, src_id) == "REPLICATING"
    assert replication_of(c, src_id)["SourceFileSystemId"] == dest_id


def _race(calls):
    """Runs the callables at once; returns (results, ClientErrors)."""
    from concurrent.futures import ThreadPoolExecutor
    from botocore.exceptions import ClientError

    def attempt(fn):
        try:
            return fn(), None
        except ClientError as e:
            return None, e

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        outcomes = list(pool.map(attempt, calls))
    return [r for r, _ in outcomes if r is not None], [e for _, e in outcomes if e is not None]


def test_concurrent_creates_for_one_source_make_exactly_one_replication():
    region = "eu-west-3"  # no other test creates file systems here
    c = client(SRC)
    d = client(region)
    src = new_fs(c)
    clients = [client(SRC) for _ in range(8)]
    wins, errors = _race([
        (lambda cl=cl: cl.create_replication_configuration(
            SourceFileSystemId=src["FileSystemId"], Destinations=[{"Region": region}]
        ))
        for cl in clients
    ])
    assert len(wins) == 1, f"{len(wins)} concurrent creates succeeded"
    assert {e.response["Error"]["Code"] for e in errors} <= set(ALREADY), errors
    assert len(c.describe_replication_configurations(FileSystemId=src["FileSystemId"])["Replications"]) == 1
    in_region = d.get_paginator("describe_file_systems").paginate().build_full_result()["FileSystems"]
    assert [f["FileSystemId"] for f in in_region] == [wins[0]["Destinations"][0]["FileSystemId"]], (
        "failed creates must not leave destination file systems behind"
    )


def test_concurrent_sources_cannot_share_one_existing_destination():
    c = client(SRC)
    d = client(DST)
    dst = new_fs(d)
    d.update_file_system_protection(FileSystemId=dst["FileSystemId"], ReplicationOverwriteProtection="DISABLED")
    sources = [new_fs(c, wait=False)["FileSystemId"] for _ in range(4)]
    for fs_id in sources:
        wait_for(f"{fs_id} available", lambda fs_id=fs_id: describe_fs(c, fs_id)["LifeCycleState"] == "available")
    wins, errors = _race([
        (lambda fs_id=fs_id, cl=client(SRC): cl.create_replication_configuration(
            SourceFileSystemId=fs_id, Destinations=[{"Region": DST, "FileSystemId": dst["FileSystemId"]}]
        ))
        for fs_id in sources
    ])
    assert len(wins) == 1, f"{len(wins)} sources replicate into the same destination"
    assert len(errors) == 3
    assert replication_of(d, dst["FileSystemId"])["SourceFileSystemId"] == wins[0]["SourceFileSystemId"]


def test_destination_account_can_delete_with_the_source_arn():
    a = client(SRC, "A")
    b = client(DST, "B")
    src = new_fs(a)
    dst = new_fs(b)
    b.update_file_system_protection(FileSystemId=dst["FileSystemId"], ReplicationOverwriteProtection="DISABLED")
    a.create_replication_configuration(
        SourceFileSystemId=src["FileSystemId"],
        Destinations=[{"FileSystemId": dst["FileSystemArn"], "RoleArn": f"arn:aws:iam::{ACCOUNT_A}:role/efs-replication"}],
    )
    resp = b.delete_replication_configuration(SourceFileSystemId=src["FileSystemArn"])
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    wait_for("gone for the destination account", lambda: gone(b, dst["FileSystemId"]))
    wait_for("gone for the source account", lambda: gone(a, src["FileSystemId"]))
    wait_for("destination writable", lambda: protection(b, dst["FileSystemId"]) == "ENABLED")
