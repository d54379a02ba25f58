"""KMS on the emulator's listener (AWS JSON 1.1): CreateKey, CreateAlias,
ListAliases and DescribeKey through boto3 and the AWS CLI, including their
errors, keys per account and Region, and the key an alias names recorded by
EFS. Every response is checked for the JSON 1.1 shape (content type, and
``__type`` plus ``message`` on errors) and every error against the KMS
service model (modeled exception class, HTTP status).

Aliases are named per test run so that the tests do not depend on each other.
"""

import json
import os
import shutil
import subprocess
import sys
import uuid

import boto3
import botocore
import pytest
from botocore.exceptions import ClientError

from support import ACCOUNT_A, KEY_A, KEYS, SECRET, URL, client, describe_fs, new_fs, wait_for

REGION = "eu-west-1"
_SESSION = boto3.session.Session()
CALLS = []


def _hook(operation_model, response_dict, **_):
    headers = {k.lower(): v for k, v in response_dict["headers"].items()}
    CALLS.append(operation_model.name)
    assert headers.get("content-type", "").startswith("application/x-amz-json-1.1"), headers
    assert headers.get("x-amzn-requestid"), headers
    if response_dict["status_code"] >= 300:
        body = json.loads(response_dict["body"])
        assert set(body) == {"__type", "message"}, body
        assert body["message"], body


def kms(region=REGION, account="A"):
    c = _SESSION.client(
        "kms",
        region_name=region,
        aws_access_key_id=KEYS[account],
        aws_secret_access_key=SECRET,
        endpoint_url=URL,
        config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    c.meta.events.register("before-parse.kms", _hook)
    return c


def expect_kms_error(c, name, fn, **kwargs):
    try:
        result = fn(**kwargs)
    except ClientError as e:
        assert e.response["Error"]["Code"] == name, e.response
        assert isinstance(e, getattr(c.exceptions, name)), type(e)
        shape = c.meta.service_model.shape_for(name)
        want = shape.metadata.get("error", {}).get("httpStatusCode", 400)
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == want
        assert e.response["Error"]["Message"]
        return e
    pytest.fail(f"expected {name}, call succeeded: {result!r}")


def unique(prefix):
    return f"alias/{prefix}-{uuid.uuid4().hex[:12]}"


def test_create_key_and_describe_by_every_reference():
    c = kms()
    meta = c.create_key(Description="conformance")["KeyMetadata"]
    assert meta["Arn"] == f"arn:aws:kms:{REGION}:{ACCOUNT_A}:key/{meta['KeyId']}"
    assert meta["KeyState"] == "Enabled" and meta["Enabled"] is True
    assert meta["KeyManager"] == "CUSTOMER"
    alias = unique("dr")
    c.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
    alias_arn = f"arn:aws:kms:{REGION}:{ACCOUNT_A}:{alias}"
    for ref in [meta["KeyId"], meta["Arn"], alias, alias_arn]:
        got = c.describe_key(KeyId=ref)["KeyMetadata"]
        assert got["Arn"] == meta["Arn"], ref
        assert got["KeyId"] == meta["KeyId"], ref


def test_describe_key_errors():
    c = kms()
    e = expect_kms_error(c, "NotFoundException", c.describe_key, KeyId="alias/conformance-missing")
    assert "alias/conformance-missing" in e.response["Error"]["Message"]
    expect_kms_error(
        c, "NotFoundException", c.describe_key, KeyId="11111111-1111-4111-8111-111111111111"
    )
    # Keys are per account and Region.
    meta = c.create_key()["KeyMetadata"]
    expect_kms_error(kms(account="B"), "NotFoundException", kms(account="B").describe_key, KeyId=meta["KeyId"])
    other = kms(region="us-east-1")
    expect_kms_error(other, "NotFoundException", other.describe_key, KeyId=meta["KeyId"])


def test_create_alias_errors():
    c = kms()
    key = c.create_key()["KeyMetadata"]["KeyId"]
    alias = unique("dup")
    c.create_alias(AliasName=alias, TargetKeyId=key)
    expect_kms_error(c, "AlreadyExistsException", c.create_alias, AliasName=alias, TargetKeyId=key)
    expect_kms_error(
        c,
        "NotFoundException",
        c.create_alias,
        AliasName=unique("nokey"),
        TargetKeyId="22222222-2222-4222-8222-222222222222",
    )
    expect_kms_error(c, "InvalidAliasNameException", c.create_alias, AliasName="alias/aws/mine", TargetKeyId=key)
    expect_kms_error(c, "InvalidAliasNameException", c.create_alias, AliasName="no-prefix", TargetKeyId=key)


def test_list_aliases_pages_and_filters():
    c = kms(region="ap-southeast-2")
    key = c.create_key()["KeyMetadata"]["KeyId"]
    mine = sorted(unique("page") for _ in range(5))
    for a in mine:
        c.create_alias(AliasName=a, TargetKeyId=key)
    seen, marker, pages = [], None, 0
    while True:
        kwargs = {"KeyId": key, "Limit": 2}
        if marker:
            kwargs["Marker"] = marker
        out = c.list_aliases(**kwargs)
        pages += 1
        seen += [a["AliasName"] for a in out["Aliases"]]
        assert all(a["TargetKeyId"] == key for a in out["Aliases"])
        if not out["Truncated"]:
            assert "NextMarker" not in out
            break
        marker = out["NextMarker"]
    assert seen == mine and pages == 3
    # The paginator reads the same aliases.
    names = [a["AliasName"] for p in c.get_paginator("list_aliases").paginate(KeyId=key) for a in p["Aliases"]]
    assert names == mine
    expect_kms_error(c, "InvalidMarkerException", c.list_aliases, Marker="bogus")


def test_efs_records_the_key_an_alias_names():
    k = kms(region="us-east-2")
    meta = k.create_key()["KeyMetadata"]
    alias = unique("efs")
    k.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
    efs = client("us-east-2")
    fs = new_fs(efs, Encrypted=True, KmsKeyId=alias)
    assert fs["KmsKeyId"] == meta["Arn"]
    src = new_fs(client("us-west-2"))["FileSystemId"]
    out = client("us-west-2").create_replication_configuration(
        SourceFileSystemId=src,
        Destinations=[{"Region": "us-east-2", "KmsKeyId": f"arn:aws:kms:us-east-2:{ACCOUNT_A}:{alias}"}],
    )
    dest = out["Destinations"][0]["FileSystemId"]
    assert describe_fs(efs, dest)["KmsKeyId"] == meta["Arn"]


def cli(*args, region=REGION):
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
        cmd + ["kms", *args, "--endpoint-url", URL, "--region", region, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_aws_cli_round_trip_and_error():
    proc = cli("create-key", "--description", "cli")
    assert proc.returncode == 0, proc.stderr
    key = json.loads(proc.stdout)["KeyMetadata"]
    alias = unique("cli")
    proc = cli("create-alias", "--alias-name", alias, "--target-key-id", key["KeyId"])
    assert proc.returncode == 0, proc.stderr
    proc = cli("describe-key", "--key-id", alias)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["KeyMetadata"]["Arn"] == key["Arn"]
    proc = cli("list-aliases", "--key-id", key["KeyId"])
    assert proc.returncode == 0, proc.stderr
    assert [a["AliasName"] for a in json.loads(proc.stdout)["Aliases"]] == [alias]
    proc = cli("describe-key", "--key-id", "alias/cli-missing")
    # A service error: 254 (AWS CLI v2) or 255 (v1).
    assert proc.returncode in (254, 255), (proc.returncode, proc.stderr)
    assert "NotFoundException" in proc.stderr and "alias/cli-missing" in proc.stderr
