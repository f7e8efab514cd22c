"""`refine` on a real S3 server (SeaweedFS, SigV4): a full build, an incremental day, a re-run."""

from __future__ import annotations

from pathlib import Path

from refined.checks import assert_model_matches_trusted  # type: ignore[import-not-found]
from refined.conftest import DAY3, INGESTS  # type: ignore[import-not-found]
from trusted.conftest import DAY1, DAY2  # type: ignore[import-not-found]


def test_refine_on_s3_full_then_incremental_then_nothing(cli, s3_bucket, tmp_path: Path) -> None:
    env = s3_bucket.server.env()
    lake = f"s3://{s3_bucket.name}/datalake"
    for args in INGESTS:
        result = cli("ingest", "--lake", lake, "--keep-local", "copy", "--quiet", *args, env=env)
        assert result.code == 0, result.stderr
    assert cli("transform", "--lake", lake, "--until", DAY2, "--quiet", env=env).code == 0
    full = cli("refine", "--lake", lake, "--json", env=env)
    assert full.code == 0, full.stderr
    assert full.json()["current"]["mode"] == "full" and full.json()["built"] == [DAY1, DAY2]
    local = tmp_path / "copy"
    for zone in ("trusted", "refined"):
        s3_bucket.mirror("datalake/", local, zone)
    assert_model_matches_trusted(local)

    assert cli("transform", "--lake", lake, "--date", DAY3, "--quiet", env=env).code == 0
    merged = cli("refine", "--lake", lake, "--json", env=env)
    assert merged.code == 0, merged.stderr
    assert merged.json()["current"]["mode"] == "incremental"
    assert merged.json()["current"]["added"] == [DAY3] and merged.json()["built"] == [DAY3]
    for zone in ("trusted", "refined"):
        s3_bucket.mirror("datalake/", local, zone)
    assert_model_matches_trusted(local)

    again = cli("refine", "--lake", lake, env=env)
    assert again.code == 0 and "nothing to do" in again.stdout
    query = cli(
        "query", "--lake", lake, "--format", "csv",
        "SELECT count(*) AS n FROM series_current WHERE len(genres) > 0",
        env=env,
    )  # fmt: skip
    assert query.code == 0, query.stderr
    assert int(query.stdout.splitlines()[1]) > 0
    assert s3_bucket.server.secret_key not in full.stdout + full.stderr + query.stderr
