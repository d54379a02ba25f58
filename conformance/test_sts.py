"""STS AssumeRole on the query protocol, through boto3 and the AWS CLI:
temporary credentials that act in the role's account for later EFS calls,
and the XML error shape of a refused call.
"""

import json
import os
import shutil
import subprocess
import sys

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from support import KEY_A, SECRET, URL

ROLE_ACCOUNT = "333333333333"
ROLE = f"arn:aws:iam::{ROLE_ACCOUNT}:role/efs-replicator"


def sts(key=KEY_A, secret=SECRET, token=None):
    return boto3.session.Session().client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        endpoint_url=URL,
        config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


def test_assume_role_credentials_act_in_the_roles_account():
    out = sts().assume_role(RoleArn=ROLE, RoleSessionName="conformance", ExternalId="ext-1", DurationSeconds=900)
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert creds["SessionToken"]
    assert creds["Expiration"].tzinfo is not None
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/efs-replicator/conformance"
    efs = boto3.session.Session().client(
        "efs",
        region_name="eu-north-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        endpoint_url=URL,
    )
    fs = efs.create_file_system(CreationToken="sts-conformance")
    assert fs["OwnerId"] == ROLE_ACCOUNT
    who = sts(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).get_caller_identity()
    assert who["Account"] == ROLE_ACCOUNT


@pytest.mark.parametrize(
    "kwargs",
    [
        {"RoleArn": "arn:aws:iam::123:role/x", "RoleSessionName": "ok-name"},
        {"RoleArn": ROLE, "RoleSessionName": "bad name"},
        {"RoleArn": ROLE, "RoleSessionName": "ok-name", "DurationSeconds": 50000},
    ],
)
def test_invalid_assume_role_is_a_validation_error(kwargs):
    with pytest.raises(ClientError) as e:
        sts().assume_role(**kwargs)
    assert e.value.response["Error"]["Code"] == "ValidationError"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.value.response["Error"]["Message"]


def test_cli_assume_role():
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

    def cli(*args):
        return subprocess.run(
            cmd + ["sts", *args, "--endpoint-url", URL, "--region", "us-east-1", "--output", "json"],
            capture_output=True, text=True, env=env, timeout=60,
        )

    proc = cli("assume-role", "--role-arn", ROLE, "--role-session-name", "cli")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["Credentials"]["AccessKeyId"].startswith("ASIA")
    proc = cli("assume-role", "--role-arn", "arn:aws:iam::12:role/x", "--role-session-name", "cli")
    assert proc.returncode != 0
    assert "ValidationError" in proc.stderr
