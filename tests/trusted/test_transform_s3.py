"""`transform` and `query` on a real S3 server (SeaweedFS, SigV4), through DuckDB httpfs."""

from __future__ import annotations

import json
from pathlib import Path

from trusted.conftest import DAY1, DAY1_ARGS, DAY2, DAY2_ARGS  # type: ignore[import-not-found]
from trusted.test_transform_local import assert_day_matches_raw  # type: ignore[import-not-found]


def test_transform_reads_and_writes_s3_through_httpfs(cli, s3_bucket, tmp_path: Path) -> None:
    env = s3_bucket.server.env()
    lake = f"s3://{s3_bucket.name}/datalake"
    for args in (DAY1_ARGS, DAY2_ARGS):
        result = cli("ingest", "--lake", lake, "--keep-local", "copy", "--quiet", *args, env=env)
        assert result.code == 0, result.stderr
    result = cli("transform", "--lake", lake, "--json", env=env)
    assert result.code == 0, result.stderr
    assert result.json()["built"] == [DAY1, DAY2]
    local = tmp_path / "copy"  # the raw zone, byte for byte, plus the trusted zone from S3
    assert s3_bucket.mirror("datalake/", local, "trusted") > 32
    for day in (DAY1, DAY2):
        assert_day_matches_raw(local, day)
        manifest = json.loads((local / f"trusted/TMDB/_manifests/dt={day}.json").read_text())
        listed = {f["key"] for t in manifest["tables"].values() for f in t["files"]}
        stored = {
            str(p.relative_to(local))
            for p in (local / "trusted/TMDB/PARQUET").rglob(f"dt={day}/*.parquet")
        }
        assert stored == listed  # no orphan, no staging left in the partitions
    assert not list((local / "trusted/TMDB/_staging").rglob("*"))

    again = cli("transform", "--lake", lake, env=env)
    assert again.code == 0 and "nothing to do" in again.stdout
    query = cli(
        "query", "--lake", lake, "--format", "json", "SELECT count(*) AS n FROM movie_cast", env=env
    )
    assert query.code == 0, query.stderr
    assert json.loads(query.stdout)[0]["n"] > 0
    assert s3_bucket.server.secret_key not in result.stdout + result.stderr + query.stderr


def test_a_wrong_secret_fails_with_one_line(cli, s3_bucket) -> None:
    env = {**s3_bucket.server.env(), "AWS_SECRET_ACCESS_KEY": "not-the-secret-at-all"}
    result = cli("transform", "--lake", f"s3://{s3_bucket.name}", env=env)
    assert result.code == 1
    assert "not-the-secret-at-all" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
