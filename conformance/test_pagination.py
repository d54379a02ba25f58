"""Paginators of DescribeFileSystems (Marker/NextMarker/MaxItems) and
DescribeReplicationConfigurations (NextToken/MaxResults) over several pages.

Each test uses a region no other test writes to, so the page count is exact.
Pagination tokens are opaque: the tests only pass them back.
"""

import time

import pytest

from support import client, expect_error, new_fs, raw_request, assert_aws_error

FS_REGION = "ap-southeast-2"
REPL_REGION = "ap-northeast-1"
REPL_DST = "ap-northeast-2"


@pytest.fixture(scope="module")
def seven_file_systems():
    c = client(FS_REGION)
    return c, [c.create_file_system(CreationToken=f"conf-page-{i}-{time.time_ns()}")["FileSystemId"] for i in range(7)]


def test_describe_file_systems_paginator_walks_every_page(seven_file_systems):
    c, ids = seven_file_systems
    pages = list(c.get_paginator("describe_file_systems").paginate(PaginationConfig={"PageSize": 2}))
    assert len(pages) == 4
    seen = [f["FileSystemId"] for p in pages for f in p["FileSystems"]]
    assert sorted(seen) == sorted(ids), "every file system exactly once"
    for p in pages[:-1]:
        assert len(p["FileSystems"]) == 2
        assert p.get("NextMarker")
    assert "NextMarker" not in pages[-1]


def test_describe_file_systems_echoes_marker(seven_file_systems):
    c, _ = seven_file_systems
    first = c.describe_file_systems(MaxItems=3)
    assert len(first["FileSystems"]) == 3
    marker = first["NextMarker"]
    second = c.describe_file_systems(MaxItems=3, Marker=marker)
    assert second.get("Marker") == marker
    assert not {f["FileSystemId"] for f in first["FileSystems"]} & {f["FileSystemId"] for f in second["FileSystems"]}


def test_describe_file_systems_max_items_total(seven_file_systems):
    c, _ = seven_file_systems
    result = c.get_paginator("describe_file_systems").paginate(
        PaginationConfig={"MaxItems": 5, "PageSize": 2}
    ).build_full_result()
    assert len(result["FileSystems"]) == 5
    assert result.get("NextToken"), "botocore resume token expected when items remain"


@pytest.fixture(scope="module")
def five_replications():
    c = client(REPL_REGION)
    sources = []
    for _ in range(5):
        fs_id = new_fs(c)["FileSystemId"]
        c.create_replication_configuration(SourceFileSystemId=fs_id, Destinations=[{"Region": REPL_DST}])
        sources.append(fs_id)
    return c, sources


def test_describe_replication_configurations_paginator_walks_every_page(five_replications):
    c, sources = five_replications
    pages = list(
        c.get_paginator("describe_replication_configurations").paginate(PaginationConfig={"PageSize": 2})
    )
    assert len(pages) == 3
    seen = [r["SourceFileSystemId"] for p in pages for r in p["Replications"]]
    assert sorted(seen) == sorted(sources)
    for p in pages[:-1]:
        assert len(p["Replications"]) == 2
        assert p.get("NextToken")
    assert "NextToken" not in pages[-1]


def test_describe_replication_configurations_max_items(five_replications):
    c, _ = five_replications
    result = c.get_paginator("describe_replication_configurations").paginate(
        PaginationConfig={"MaxItems": 3, "PageSize": 2}
    ).build_full_result()
    assert len(result["Replications"]) == 3
    assert result.get("NextToken")


def test_empty_region_lists_nothing():
    c = client("me-central-1")
    assert c.describe_replication_configurations()["Replications"] == []
    assert c.describe_file_systems()["FileSystems"] == []


def test_garbage_pagination_tokens_are_bad_request(five_replications):
    c, _ = five_replications
    expect_error(c, "BadRequest", c.describe_replication_configurations, NextToken="not-a-token-we-issued", MaxResults=2)
    expect_error(c, "BadRequest", c.describe_file_systems, Marker="not-a-marker-we-issued", MaxItems=2)


@pytest.mark.parametrize(
    "path",
    [
        "/2015-02-01/file-systems/replication-configurations?MaxResults=0",
        "/2015-02-01/file-systems/replication-configurations?MaxResults=abc",
        "/2015-02-01/file-systems?MaxItems=0",
        "/2015-02-01/file-systems?MaxItems=-3",
    ],
)
def test_limits_below_minimum_or_not_numbers_are_bad_request(path):
    # botocore refuses these client-side, so they go over raw signed HTTP.
    status, headers, body = raw_request("GET", path, region=REPL_REGION)
    assert_aws_error(status, headers, body, statuses={400}, codes={"BadRequest"})
