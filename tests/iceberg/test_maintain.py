"""`tmdb-lake maintain`: small files compacted in one snapshot, old snapshots expired
with the files only they reached, orphans removed; the rows never change."""

from __future__ import annotations

import os
import time
from pathlib import Path

from iceberg.icelake import (  # type: ignore[import-not-found]
    NAMES,
    catalog,
    parquet_rows,
    pyiceberg_rows,
    snapshots,
    unreachable_data_files,
)
from trusted.conftest import DAY1, DAY2  # type: ignore[import-not-found]

ICEBERG = ("--table-format", "iceberg")


def split_into_small_files(lake: Path, name: str, day: str) -> None:
    """Rewrite one partition as three files, as a Spark job with three tasks would."""
    table = catalog(lake).load_table(("tmdb_trusted", name))
    rows = table.scan(row_filter=f"dt = '{day}'").to_arrow()
    third = max(1, rows.num_rows // 3)
    transaction = table.transaction()
    transaction.overwrite(rows.slice(0, third), overwrite_filter=f"dt = '{day}'")
    transaction.append(rows.slice(third, third))
    transaction.append(rows.slice(2 * third))
    transaction.commit_transaction()


def test_maintain_compacts_expires_and_removes_orphans(cli, raw_lake: Path) -> None:
    assert cli("transform", "--lake", "lake", *ICEBERG, "--quiet").code == 0
    assert cli("transform", "--lake", "lake", *ICEBERG, "--full", "--date", DAY2).code == 0
    assert cli("transform", "--lake", "lake", "--quiet").code == 0  # the Parquet oracle
    split_into_small_files(raw_lake, "movie_cast", DAY1)
    movie_cast = catalog(raw_lake).load_table(("tmdb_trusted", "movie_cast"))
    assert len(movie_cast.scan(row_filter=f"dt = '{DAY1}'").plan_files()) == 3
    expired = snapshots(raw_lake)["movie"][0].snapshot_id
    metadata = Path(movie_cast.location()) / "metadata"
    old_orphan, new_orphan = metadata / "crashed-m0.avro", metadata / "in-flight-m0.avro"
    for orphan in (old_orphan, new_orphan):
        orphan.write_bytes(b"left by a crash")
    two_hours_ago = time.time() - 7200
    os.utime(old_orphan, (two_hours_ago, two_hours_ago))

    kept = cli("maintain", "--lake", "lake", "--json")  # default retention: 7 days
    assert kept.code == 0, kept.stderr
    done = {t["table"]: t for t in kept.json()["tables"]}
    assert done["movie_cast"]["compacted"] == {DAY1: [3, 1]}
    assert all(t["expired_snapshots"] == 0 for t in done.values())
    compacted = catalog(raw_lake).load_table(("tmdb_trusted", "movie_cast")).current_snapshot()
    assert compacted.summary["tmdb-lake.build-id"] == "tmdb-lake.maintain"
    assert not old_orphan.exists() and new_orphan.exists()  # an hour's grace for builds

    result = cli("maintain", "--lake", "lake", "--retention-days", "0", "--json")
    assert result.code == 0, result.stderr
    for item in result.json()["tables"]:
        assert item["snapshots_left"] == 1, item
        assert item["expired_snapshots"] >= 2 and item["deleted_files"] > 0, item
    for name in NAMES:
        assert pyiceberg_rows(raw_lake, name) == parquet_rows(raw_lake, name), name
        assert unreachable_data_files(raw_lake, name) == [], name
        table = catalog(raw_lake).load_table(("tmdb_trusted", name))
        for snapshot in table.metadata.snapshots:  # what is left is whole
            for manifest in snapshot.manifests(table.io):
                assert Path(manifest.manifest_path).is_file()
    gone = cli("query", "--lake", "lake", *ICEBERG, "--as-of", str(expired), "SELECT 1")
    assert gone.code == 2 and "expired" in gone.stderr
