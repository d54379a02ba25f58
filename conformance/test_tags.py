"""TagResource, UntagResource and ListTagsForResource on file systems.

Checks the round trip, the Name tag mirrored into FileSystemDescription.Name,
ARNs as resource ids, pagination of ListTagsForResource, and the errors. It
never depends on tags set by other tests.
"""

import time

import pytest

from support import client, describe_fs, expect_error, new_fs

REGION = "us-west-2"


def tags_of(c, resource_id):
    out = c.list_tags_for_resource(ResourceId=resource_id)
    return {t["Key"]: t["Value"] for t in out["Tags"]}


def test_tag_list_untag_round_trip():
    c = client(REGION)
    fs_id = new_fs(c, Tags=[{"Key": "keep", "Value": "1"}])["FileSystemId"]
    out = c.tag_resource(ResourceId=fs_id, Tags=[{"Key": "env", "Value": "test"}, {"Key": "owner", "Value": "qa@example.com"}])
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert tags_of(c, fs_id) == {"keep": "1", "env": "test", "owner": "qa@example.com"}
    c.tag_resource(ResourceId=fs_id, Tags=[{"Key": "env", "Value": "prod"}])
    assert tags_of(c, fs_id)["env"] == "prod"
    out = c.untag_resource(ResourceId=fs_id, TagKeys=["env", "owner"])
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert tags_of(c, fs_id) == {"keep": "1"}
    assert {t["Key"] for t in describe_fs(c, fs_id)["Tags"]} == {"keep"}


def test_name_tag_sets_file_system_name():
    c = client(REGION)
    fs_id = new_fs(c)["FileSystemId"]
    c.tag_resource(ResourceId=fs_id, Tags=[{"Key": "Name", "Value": "renamed"}])
    assert describe_fs(c, fs_id)["Name"] == "renamed"
    c.untag_resource(ResourceId=fs_id, TagKeys=["Name"])
    assert "Name" not in describe_fs(c, fs_id)


def test_tags_by_arn_resource_id():
    c = client(REGION)
    fs = new_fs(c)
    c.tag_resource(ResourceId=fs["FileSystemArn"], Tags=[{"Key": "via", "Value": "arn"}])
    assert tags_of(c, fs["FileSystemArn"]) == {"via": "arn"}
    assert tags_of(c, fs["FileSystemId"]) == {"via": "arn"}
    c.untag_resource(ResourceId=fs["FileSystemArn"], TagKeys=["via"])
    assert tags_of(c, fs["FileSystemId"]) == {}


def test_list_tags_for_resource_paginates():
    c = client(REGION)
    want = {f"k{i}": f"v{i}" for i in range(5)}
    fs_id = new_fs(c, Tags=[{"Key": k, "Value": v} for k, v in want.items()])["FileSystemId"]
    seen = {}
    pages = 0
    token = None
    while True:
        kwargs = {"ResourceId": fs_id, "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        out = c.list_tags_for_resource(**kwargs)
        pages += 1
        assert len(out["Tags"]) <= 2
        for t in out["Tags"]:
            assert t["Key"] not in seen, f"tag {t['Key']} returned twice"
            seen[t["Key"]] = t["Value"]
        token = out.get("NextToken")
        if not token:
            break
        assert pages < 10, "pagination does not terminate"
    assert seen == want
    assert pages == 3


def test_tagging_unknown_file_system_is_file_system_not_found():
    c = client(REGION)
    missing = "fs-0123456789abcdef6"
    expect_error(c, "FileSystemNotFound", c.tag_resource, ResourceId=missing, Tags=[{"Key": "a", "Value": "b"}])
    expect_error(c, "FileSystemNotFound", c.untag_resource, ResourceId=missing, TagKeys=["a"])
    expect_error(c, "FileSystemNotFound", c.list_tags_for_resource, ResourceId=missing)


@pytest.mark.parametrize("key", ["aws:reserved", "AwS:mixed-case"])
def test_reserved_aws_tag_key_is_bad_request(key):
    c = client(REGION)
    fs_id = new_fs(c)["FileSystemId"]
    expect_error(c, "BadRequest", c.tag_resource, ResourceId=fs_id, Tags=[{"Key": key, "Value": "x"}])
    assert tags_of(c, fs_id) == {}


def test_too_long_tag_value_is_bad_request():
    c = client(REGION)
    fs_id = new_fs(c)["FileSystemId"]
    expect_error(c, "BadRequest", c.tag_resource, ResourceId=fs_id, Tags=[{"Key": "long", "Value": "x" * 257}])
    assert tags_of(c, fs_id) == {}


def test_tags_are_per_region():
    c = client(REGION)
    other = client("eu-central-1")
    fs_id = new_fs(c, CreationToken=f"conf-tags-{time.time_ns()}")["FileSystemId"]
    expect_error(other, "FileSystemNotFound", other.list_tags_for_resource, ResourceId=fs_id)


def test_access_point_resource_id_is_access_point_not_found():
    # ResourceId also admits access points (fsap-...); none exist here.
    c = client(REGION)
    expect_error(c, "AccessPointNotFound", c.list_tags_for_resource, ResourceId="fsap-0123456789abcdef0")
    expect_error(c, "AccessPointNotFound", c.tag_resource, ResourceId="fsap-0123456789abcdef0", Tags=[{"Key": "a", "Value": "b"}])


@pytest.mark.parametrize("bad", ["fs-12", "vol-0123456789abcdef0", "arn:aws:s3:::bucket"])
def test_resource_id_failing_the_pattern_is_bad_request(bad):
    c = client(REGION)
    good = new_fs(c)["FileSystemId"]
    assert tags_of(c, good) == {}
    expect_error(c, "BadRequest", c.list_tags_for_resource, ResourceId=bad)
    expect_error(c, "BadRequest", c.tag_resource, ResourceId=bad, Tags=[{"Key": "a", "Value": "b"}])
    expect_error(c, "BadRequest", c.untag_resource, ResourceId=bad, TagKeys=["a"])


def test_more_than_fifty_tag_keys_is_bad_request():
    c = client(REGION)
    fs_id = new_fs(c, Tags=[{"Key": "k1", "Value": "v"}])["FileSystemId"]
    expect_error(c, "BadRequest", c.untag_resource, ResourceId=fs_id, TagKeys=[f"k{i}" for i in range(51)])
    assert tags_of(c, fs_id) == {"k1": "v"}


def test_unicode_letters_spaces_and_empty_values_are_valid_tags():
    # TagKey/TagValue patterns use \p{L}, \p{Z}, \p{N}: not just ASCII.
    c = client(REGION)
    fs_id = new_fs(c)["FileSystemId"]
    want = {"équipe": "données partagées 1", "部署": "研究", "empty": "", "a.b:c/d=e+f-g@h": "x y"}
    c.tag_resource(ResourceId=fs_id, Tags=[{"Key": k, "Value": v} for k, v in want.items()])
    assert tags_of(c, fs_id) == want


@pytest.mark.parametrize("operation", ["CreateFileSystem", "TagResource", "UntagResource"])
def test_multibyte_tag_keys_do_not_crash(operation):
    # "部署" is 2 characters but 6 bytes: checking the reserved "aws:" prefix
    # must not cut a UTF-8 character (no crash, no dropped connection).
    c = client(REGION)
    if operation == "CreateFileSystem":
        fs_id = new_fs(c, Tags=[{"Key": "部署", "Value": "研究"}])["FileSystemId"]
        assert tags_of(c, fs_id) == {"部署": "研究"}
    elif operation == "TagResource":
        fs_id = new_fs(c)["FileSystemId"]
        c.tag_resource(ResourceId=fs_id, Tags=[{"Key": "部署", "Value": "v"}])
        assert tags_of(c, fs_id) == {"部署": "v"}
    else:
        fs_id = new_fs(c, Tags=[{"Key": "keep", "Value": "v"}])["FileSystemId"]
        c.untag_resource(ResourceId=fs_id, TagKeys=["部署"])
        assert tags_of(c, fs_id) == {"keep": "v"}
