"""Self-test of the strict wire checker (wire.py), without the emulator.

Proves that the checker used on every boto3 call can fail: each crafted
deviation from the model must be reported, and a correct response must not be.
"""

import json

import pytest

import wire

OP = wire.SERVICE_MODEL.operation_model

GOOD_REPLICATION = {
    "SourceFileSystemId": "fs-0123456789abcdef0",
    "SourceFileSystemRegion": "us-west-2",
    "SourceFileSystemArn": "arn:aws:elasticfilesystem:us-west-2:111122223333:file-system/fs-0123456789abcdef0",
    "OriginalSourceFileSystemArn": "arn:aws:elasticfilesystem:us-west-2:111122223333:file-system/fs-0123456789abcdef0",
    "CreationTime": 1704067200.0,
    "SourceFileSystemOwnerId": "111122223333",
    "Destinations": [{"Status": "ENABLING", "FileSystemId": "fs-0fedcba9876543210", "Region": "us-east-1"}],
}
JSON_HEADERS = {"Content-Type": "application/json", "x-amzn-RequestId": "r-1"}


def check(op, doc, status=200, headers=JSON_HEADERS):
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return wire.check_response(OP(op), status, headers, body)


def mutated(**changes):
    doc = json.loads(json.dumps(GOOD_REPLICATION))
    for path, value in changes.items():
        target = doc
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        if value is KeyError:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return doc


def test_correct_response_passes():
    assert check("CreateReplicationConfiguration", GOOD_REPLICATION) == []
    assert check("DescribeReplicationConfigurations", {"Replications": [GOOD_REPLICATION]}) == []


@pytest.mark.parametrize(
    "doc",
    [
        mutated(Extra="x"),
        mutated(CreationTime=KeyError),
        mutated(CreationTime="2024-01-01T00:00:00Z"),
        mutated(CreationTime=1704067200000),
        mutated(SourceFileSystemId=None),
        mutated(Destinations__0__Status="enabled"),
        mutated(Destinations__0__Region=KeyError),
        mutated(Destinations="x"),
        mutated(SourceFileSystemOwnerId="12"),
        mutated(Destinations__0__FileSystemId="fs-xyz"),
    ],
    ids=["unknown", "missing", "iso-timestamp", "millis", "null", "enum", "nested-missing", "type", "pattern", "id-pattern"],
)
def test_each_deviation_is_reported(doc):
    assert check("CreateReplicationConfiguration", doc)


def test_status_and_headers_are_checked():
    assert check("CreateReplicationConfiguration", GOOD_REPLICATION, status=201)
    assert check("CreateReplicationConfiguration", GOOD_REPLICATION, headers={"Content-Type": "application/json"})
    assert check("DeleteReplicationConfiguration", b"{}", status=204)
    assert check("DeleteReplicationConfiguration", b"", status=204) == []


def test_errors_are_checked():
    good = {"ErrorCode": "ReplicationNotFound", "Message": "none"}
    hdr = dict(JSON_HEADERS, **{"x-amzn-ErrorType": "ReplicationNotFound:http://internal.amazon.com/coral/"})
    assert check("DescribeReplicationConfigurations", good, status=404, headers=hdr) == []
    assert check("DescribeReplicationConfigurations", good, status=404, headers=JSON_HEADERS)
    assert check("DescribeReplicationConfigurations", good, status=400, headers=hdr)
    assert check("DescribeReplicationConfigurations", {"ErrorCode": "ReplicationNotFound"}, status=404, headers=hdr)
    assert check("DescribeReplicationConfigurations", dict(good, Extra=1), status=404, headers=hdr)
    assert check("DescribeReplicationConfigurations", b"<html/>", status=404, headers=hdr)
    bogus = dict(JSON_HEADERS, **{"x-amzn-ErrorType": "NoSuchThing"})
    assert check("DescribeReplicationConfigurations", good, status=404, headers=bogus)
