"""A few calls through the AWS CLI (an independent client build on botocore's
command layer): output parsed as JSON, service errors reported with the
modeled code and a non-zero exit.

The CLI runs with credentials from the environment only, an empty config,
and --endpoint-url pointing at the emulator.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from support import KEY_A, SECRET, URL, client, gone, new_fs, protection, wait_for

REGION = "ca-central-1"
DST = "us-east-2"


def aws(*args, region=REGION):
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
    proc = subprocess.run(
        cmd + ["efs", *args, "--endpoint-url", URL, "--region", region, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    return proc


@pytest.fixture(scope="module")
def replicated():
    c = client(REGION)
    src = new_fs(c)["FileSystemId"]
    out = c.create_replication_configuration(SourceFileSystemId=src, Destinations=[{"Region": DST}])
    return c, src, out["Destinations"][0]["FileSystemId"]


def test_cli_describe_replication_configurations(replicated):
    _, src, dest = replicated
    proc = aws("describe-replication-configurations", "--file-system-id", src)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    [rep] = doc["Replications"]
    assert rep["SourceFileSystemId"] == src
    assert rep["SourceFileSystemRegion"] == REGION
    assert rep["Destinations"][0]["FileSystemId"] == dest
    assert rep["Destinations"][0]["Region"] == DST
    assert rep["Destinations"][0]["Status"] in ("ENABLING", "ENABLED")


def test_cli_describe_replication_configurations_from_destination_region(replicated):
    _, src, dest = replicated
    proc = aws("describe-replication-configurations", "--file-system-id", dest, region=DST)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["Replications"][0]["SourceFileSystemId"] == src


def test_cli_describe_replication_configurations_lists_region(replicated):
    _, src, _ = replicated
    proc = aws("describe-replication-configurations")
    assert proc.returncode == 0, proc.stderr
    assert src in [r["SourceFileSystemId"] for r in json.loads(proc.stdout)["Replications"]]


def test_cli_describe_file_systems_shows_protection(replicated):
    _, _, dest = replicated
    proc = aws("describe-file-systems", "--file-system-id", dest, region=DST)
    assert proc.returncode == 0, proc.stderr
    [fs] = json.loads(proc.stdout)["FileSystems"]
    assert fs["FileSystemProtection"]["ReplicationOverwriteProtection"] == "REPLICATING"
    assert fs["Encrypted"] is True


def test_cli_service_error_is_reported_with_its_code():
    fs_id = new_fs(client(REGION))["FileSystemId"]
    proc = aws("describe-replication-configurations", "--file-system-id", fs_id)
    assert proc.returncode != 0
    assert "ReplicationNotFound" in proc.stderr, proc.stderr


def test_cli_update_file_system_protection():
    c = client(REGION)
    fs_id = new_fs(c)["FileSystemId"]
    proc = aws("update-file-system-protection", "--file-system-id", fs_id, "--replication-overwrite-protection", "DISABLED")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"ReplicationOverwriteProtection": "DISABLED"}
    assert protection(c, fs_id) == "DISABLED"


def test_cli_create_and_delete_replication_configuration():
    c = client(REGION)
    src = new_fs(c)["FileSystemId"]
    proc = aws(
        "create-replication-configuration",
        "--source-file-system-id", src,
        "--destinations", "Region=" + DST,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["Destinations"][0]["Status"] == "ENABLING"
    proc = aws("delete-replication-configuration", "--source-file-system-id", src, "--deletion-mode", "ALL_CONFIGURATIONS")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
    wait_for("configuration gone", lambda: gone(c, src))


def test_cli_paginates_describe_file_systems():
    c = client(REGION)
    for _ in range(3):
        new_fs(c, wait=False)
    want = sorted(f["FileSystemId"] for f in c.get_paginator("describe_file_systems").paginate().build_full_result()["FileSystems"])
    proc = aws("describe-file-systems", "--page-size", "2")
    assert proc.returncode == 0, proc.stderr
    got = sorted(f["FileSystemId"] for f in json.loads(proc.stdout)["FileSystems"])
    assert got == want
    assert len(got) >= 3
