"""Behaviour variants seen by boto3 and the AWS CLI: the instance run.sh
starts with --listing-scope source, --owner-ids cross-account-only,
--destination-delete-lag 3s and --file-system-delete-delay 2s
(EFS_EMULATOR_VARIANTS_URL) against the plain instance (the defaults).
Every response still passes the strict wire check: a variant changes what
is listed or sent, never the shape. Skipped when the variants instance is
not running.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from support import (
    ACCOUNT_A,
    ACCOUNT_B,
    KEY_A,
    SECRET,
    URL,
    VARIANTS_URL,
    arn,
    client,
    gone,
    new_fs,
    protection,
    replication_of,
    wait_for,
)

pytestmark = pytest.mark.skipif(not VARIANTS_URL, reason="EFS_EMULATOR_VARIANTS_URL not set")

SRC = "eu-north-1"
DST = "eu-south-1"


def pages(c):
    return c.get_paginator("describe_replication_configurations").paginate().build_full_result()["Replications"]


def replicate(url):
    c = client(SRC, url=url)
    src = new_fs(c)["FileSystemId"]
    out = c.create_replication_configuration(SourceFileSystemId=src, Destinations=[{"Region": DST}])
    return c, src, out


@pytest.mark.parametrize("url,lists_incoming", [(None, True), (VARIANTS_URL, False)], ids=["both", "source"])
def test_listing_scope(url, lists_incoming):
    c, src, out = replicate(url)
    dest = out["Destinations"][0]["FileSystemId"]
    assert src in [r["SourceFileSystemId"] for r in pages(c)]
    d = client(DST, url=url)
    incoming = [r for r in pages(d) if r["SourceFileSystemId"] == src]
    assert bool(incoming) == lists_incoming
    # By id the destination side is found either way, and names its source.
    assert replication_of(d, dest)["SourceFileSystemId"] == src


@pytest.mark.parametrize("url,same_account_ids", [(None, True), (VARIANTS_URL, False)], ids=["always", "cross-account-only"])
def test_owner_ids(url, same_account_ids):
    c, src, out = replicate(url)
    listed = replication_of(c, src)
    for doc in (out, listed):
        assert ("SourceFileSystemOwnerId" in doc) == same_account_ids, doc
        assert ("OwnerId" in doc["Destinations"][0]) == same_account_ids, doc
    # Cross-account descriptions carry both ids under either variant.
    b = client(DST, "B", url=url)
    b_fs = new_fs(b)["FileSystemId"]
    b.update_file_system_protection(FileSystemId=b_fs, ReplicationOverwriteProtection="DISABLED")
    src2 = new_fs(c)["FileSystemId"]
    cross = c.create_replication_configuration(
        SourceFileSystemId=src2,
        Destinations=[{
            "Region": DST,
            "FileSystemId": arn(DST, ACCOUNT_B, b_fs),
            "RoleArn": f"arn:aws:iam::{ACCOUNT_A}:role/efs-replication",
        }],
    )
    assert cross["SourceFileSystemOwnerId"] == ACCOUNT_A
    assert cross["Destinations"][0]["OwnerId"] == ACCOUNT_B


def test_destination_side_outlives_the_source_side():
    c, src, out = replicate(VARIANTS_URL)
    dest = out["Destinations"][0]["FileSystemId"]
    d = client(DST, url=VARIANTS_URL)
    wait_for("ENABLED", lambda: replication_of(c, src)["Destinations"][0]["Status"] == "ENABLED")
    c.delete_replication_configuration(SourceFileSystemId=src)
    wait_for("source side gone", lambda: gone(c, src))
    # The 3 s lag has not passed when the source side goes (delete delay 1 s,
    # polled every 0.1 s): the destination side still reads DELETING.
    seen = replication_of(d, dest)
    assert seen["Destinations"][0]["Status"] == "DELETING"
    assert protection(d, dest) == "REPLICATING"
    wait_for("destination side gone", lambda: gone(d, dest))
    assert protection(d, dest) == "ENABLED"


def aws(*args, region, url):
    cmd = [shutil.which("aws")] if shutil.which("aws") else [sys.executable, "-m", "awscli"]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_ACCESS_KEY_ID": KEY_A,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
        "AWS_MAX_ATTEMPTS": "1",
    }
    return subprocess.run(
        cmd + ["efs", *args, "--endpoint-url", url, "--region", region, "--output", "json"],
        capture_output=True, text=True, env=env, timeout=60,
    )


def test_cli_sees_the_variants():
    _, src, out = replicate(VARIANTS_URL)
    dest = out["Destinations"][0]["FileSystemId"]
    listed = aws("describe-replication-configurations", region=DST, url=VARIANTS_URL)
    assert listed.returncode == 0, listed.stderr
    assert src not in [r["SourceFileSystemId"] for r in json.loads(listed.stdout)["Replications"]]
    by_id = aws("describe-replication-configurations", "--file-system-id", dest, region=DST, url=VARIANTS_URL)
    assert by_id.returncode == 0, by_id.stderr
    [rep] = json.loads(by_id.stdout)["Replications"]
    assert rep["SourceFileSystemId"] == src
    assert "SourceFileSystemOwnerId" not in rep
    assert URL != VARIANTS_URL
