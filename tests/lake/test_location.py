"""`local_path`: which URLs name a file on this machine (Spark's `file:/`, pyiceberg's paths)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmdb_lake.lake.location import local_path


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:/abs/lake/x.parquet", Path("/abs/lake/x.parquet")),  # Spark's qualified form
        ("file:///abs/lake/x.parquet", Path("/abs/lake/x.parquet")),
        ("/abs/lake/x.parquet", Path("/abs/lake/x.parquet")),  # pyiceberg's sql catalog
        ("s3://bucket/lake/x.parquet", None),
        ("s3a://bucket/lake/x.parquet", None),
        ("gs://bucket/x.parquet", None),
    ],
)
def test_local_path_names_local_files_only(url: str, expected: Path | None) -> None:
    assert local_path(url) == expected
