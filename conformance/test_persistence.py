"""State file (--state) seen from boto3: bad input never writes it, a kill -9
leaves a loadable file holding every change flushed (POST /_emulator/flush)
before it, and a restarted emulator answers with the same file
systems, tags and replications.

Starts its own emulator processes (EFS_EMULATOR_BIN, exported by run.sh) on
127.0.0.1:0 with a state file in a temporary directory, and always kills them
by process id. Skipped when EFS_EMULATOR_BIN is not set.
"""

import json
import os
import select
import signal
import subprocess
import urllib.request

import pytest

from support import (
    ACCOUNT_A,
    KEY_B,
    ACCOUNT_B,
    assert_aws_error,
    client,
    describe_fs,
    new_fs,
    protection,
    raw_request,
    replication_of,
)

BIN = os.environ.get("EFS_EMULATOR_BIN", "")
pytestmark = pytest.mark.skipif(not BIN, reason="EFS_EMULATOR_BIN not set")

SRC = "us-west-2"
DST = "eu-central-1"


def start(state_file):
    """Starts an emulator on the state file; returns (process, base URL)."""
    proc = subprocess.Popen(
        [
            BIN, "--listen", "127.0.0.1:0", "--state", str(state_file),
            "--account-id", ACCOUNT_A, "--access-key-account", f"{KEY_B}={ACCOUNT_B}",
            "--enable-delay", "0s", "--initial-sync-delay", "0s", "--sync-interval", "1s",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    line = proc.stdout.readline() if ready else ""
    if "http://" not in line:
        proc.kill()
        proc.wait()
        pytest.fail(f"emulator with --state did not print its URL (got {line!r})")
    return proc, line[line.index("http://"):].split()[0]


def flush(url):
    """POST /_emulator/flush: the state file holds every change acknowledged so far."""
    req = urllib.request.Request(f"{url}/_emulator/flush", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200
        return json.loads(r.read())


def stop_hard(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


def test_state_survives_kill_and_bad_input_never_writes_it(tmp_path):
    state = tmp_path / "state.json"
    proc, url = start(state)
    try:
        c = client(SRC, url=url)
        d = client(DST, url=url)
        src = new_fs(c, Tags=[{"Key": "Name", "Value": "persisted"}])
        plain = new_fs(c, PerformanceMode="maxIO")
        out = c.create_replication_configuration(SourceFileSystemId=src["FileSystemId"], Destinations=[{"Region": DST}])
        dest_id = out["Destinations"][0]["FileSystemId"]
        c.update_file_system_protection(FileSystemId=plain["FileSystemId"], ReplicationOverwriteProtection="DISABLED")
        flush(url)
        before = state.read_bytes()
        json.loads(before)
        # bad input of every kind: nothing may reach the state file
        for method, path, body in [
            ("POST", "/2015-02-01/file-systems", '{"CreationToken": '),
            ("POST", "/2015-02-01/file-systems", json.dumps({"CreationToken": 7})),
            ("POST", f"/2015-02-01/file-systems/{plain['FileSystemId']}/replication-configuration", json.dumps({"Destinations": [{"Region": "Mars"}]})),
            ("PUT", f"/2015-02-01/file-systems/{dest_id}/protection", json.dumps({"ReplicationOverwriteProtection": "ENABLED"})),
            ("POST", f"/2015-02-01/resource-tags/{src['FileSystemId']}", json.dumps({"Tags": [{"Key": "aws:x", "Value": "y"}]})),
            ("DELETE", "/2015-02-01/file-systems/fs-XYZ", None),
        ]:
            status, headers, data = raw_request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {}, region=DST if dest_id in path else SRC, url=url)
            assert_aws_error(status, headers, data)
        flush(url)
        assert state.read_bytes() == before, "a refused request changed the state file"
    finally:
        stop_hard(proc)

    proc, url = start(state)
    try:
        c = client(SRC, url=url)
        d = client(DST, url=url)
        again = describe_fs(c, src["FileSystemId"])
        assert again["Name"] == "persisted"
        assert again["CreationTime"] == src["CreationTime"]
        assert describe_fs(c, plain["FileSystemId"])["PerformanceMode"] == "maxIO"
        assert protection(c, plain["FileSystemId"]) == "DISABLED"
        assert protection(d, dest_id) == "REPLICATING"
        rep = replication_of(c, src["FileSystemId"])
        assert rep["Destinations"][0]["FileSystemId"] == dest_id
        assert rep["CreationTime"] == out["CreationTime"]
        assert replication_of(d, dest_id)["SourceFileSystemId"] == src["FileSystemId"]
        # and it keeps working: a new change is accepted and persisted
        c.tag_resource(ResourceId=src["FileSystemId"], Tags=[{"Key": "after", "Value": "restart"}])
        flush(url)
        assert "after" in state.read_text()
        json.loads(state.read_text())
    finally:
        stop_hard(proc)
