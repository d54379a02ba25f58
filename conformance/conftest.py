"""pytest configuration of the EFS emulator conformance suite.

Fails fast when no emulator URL is given and prints, at the end of the run,
which in-scope operations were called and which error codes were seen, so a
reader can check coverage. It never starts or stops the emulator itself
(run.sh does that).
"""

import os

import pytest

import support

IN_SCOPE = [
    "CreateFileSystem",
    "DescribeFileSystems",
    "DeleteFileSystem",
    "UpdateFileSystemProtection",
    "CreateReplicationConfiguration",
    "DescribeReplicationConfigurations",
    "DeleteReplicationConfiguration",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
]

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


def pytest_configure(config):
    if not support.URL:
        raise pytest.UsageError(
            "EFS_EMULATOR_URL is not set: run conformance/run.sh, or start "
            "efs-emulator yourself and export EFS_EMULATOR_URL=http://127.0.0.1:PORT"
        )


def pytest_terminal_summary(terminalreporter):
    tr = terminalreporter
    tr.section("EFS operation coverage (boto3 calls, all outcomes)")
    for op in IN_SCOPE:
        tr.write_line(f"{op:36} {support.CALLS.get(op, 0):5}")
    if support.ERRORS:
        tr.write_line("error codes seen: " + ", ".join(
            f"{k} x{v}" for k, v in sorted(support.ERRORS.items())))
