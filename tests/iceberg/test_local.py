"""`--table-format iceberg` on a local lake (sql catalog): the same tables as Parquet, read
back by two engines other than the writer, one snapshot per replace, and time travel."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from iceberg.icelake import (  # type: ignore[import-not-found]
    NAMES,
    catalog,
    columns,
    duckdb_connection,
    duckdb_rows,
    parquet_rows,
    pyiceberg_rows,
    snapshots,
)
from tmdb_lake.iceberg.ddl import duckdb_view
from tmdb_lake.trusted.tables import TABLES
from trusted.conftest import DAY1, DAY2  # type: ignore[import-not-found]

ICEBERG = ("--table-format", "iceberg")


def test_iceberg_tables_match_the_parquet_build_row_for_row(cli, raw_lake: Path) -> None:
    assert cli("transform", "--lake", "lake", "--quiet").code == 0
    parquet_manifests = sorted(p.read_bytes() for p in raw_lake.glob("trusted/TMDB/_manifests/*"))
    built = cli("transform", "--lake", "lake", *ICEBERG, "--json")
    assert built.code == 0, built.stderr
    assert built.json()["built"] == [DAY1, DAY2]
    for name in NAMES:
        expected = parquet_rows(raw_lake, name)
        assert pyiceberg_rows(raw_lake, name) == expected, name
        assert duckdb_rows(raw_lake, name) == expected, name
        table = catalog(raw_lake).load_table(("tmdb_trusted", name))
        assert [f.name for f in table.schema().fields] == columns(name)
        assert [f.name for f in table.spec().fields] == ["dt"]
        assert str(table.spec().fields[0].transform) == "identity"
        assert table.location() == str((raw_lake / f"trusted/TMDB/ICEBERG/{name}").resolve())
    movie = catalog(raw_lake).load_table(("tmdb_trusted", "movie"))
    for task in movie.scan().plan_files():
        meta = pq.read_metadata(task.file.file_path)
        assert meta.row_group(0).column(0).compression == "ZSTD"
        assert meta.schema.to_arrow_schema().field("id").metadata[b"PARQUET:field_id"] == b"1"
    # The Parquet build is not touched, and a second run has nothing to do.
    again = sorted(p.read_bytes() for p in raw_lake.glob("trusted/TMDB/_manifests/*"))
    assert again == parquet_manifests
    assert "nothing to do" in cli("transform", "--lake", "lake", *ICEBERG).stdout
    for day in (DAY1, DAY2):
        path = raw_lake / f"trusted/TMDB/ICEBERG/_manifests/dt={day}.json"
        manifest = json.loads(path.read_text())
        assert manifest["table_format"] == "iceberg" and set(manifest["snapshots"]) == set(NAMES)
    assert not list(raw_lake.glob("trusted/TMDB/ICEBERG/_commits/*"))
    with duckdb_connection() as db:  # `ddl --engine duckdb`'s Iceberg form, executed
        movie_table = catalog(raw_lake).load_table(("tmdb_trusted", "movie"))
        db.execute(
            duckdb_view(next(t for t in TABLES if t.name == "movie"), movie_table.metadata_location)
        )
        assert db.execute("SELECT count(*) FROM movie").fetchone() == (
            len(parquet_rows(raw_lake, "movie")),
        )


def test_one_snapshot_per_replace_and_time_travel_reads_the_old_rows(cli, raw_lake: Path) -> None:
    assert cli("transform", "--lake", "lake", *ICEBERG, "--quiet").code == 0
    before = snapshots(raw_lake)
    assert all(len(s) == 2 for s in before.values())  # one per dt
    old_movie = pyiceberg_rows(raw_lake, "movie")
    old_day2 = [r for r in old_movie if r[-1].isoformat() == DAY2]

    rebuilt = cli("transform", "--lake", "lake", *ICEBERG, "--full", "--date", DAY2, "--json")
    assert rebuilt.code == 0, rebuilt.stderr
    after = snapshots(raw_lake)
    for name in NAMES:
        assert len(after[name]) == 3, name  # the replace of DAY2: one snapshot
        new, previous = after[name][-1], before[name][-1]
        assert new.parent_snapshot_id == previous.snapshot_id
        summary = new.summary
        assert summary.operation.value == "overwrite"
        assert summary["tmdb-lake.dt"] == DAY2
        assert summary["deleted-data-files"] == previous.summary["added-data-files"]
        assert summary["added-data-files"] >= "1"
    assert pyiceberg_rows(raw_lake, "movie") == old_movie  # same raw day, same rows

    # Another raw run of DAY2 (fewer titles) replaces the dt; time travel still has the old.
    assert (
        cli(
            "ingest",
            "--lake",
            "lake",
            "--quiet",
            "--date",
            DAY2,
            "--details",
            "--genres",
            "",
            "--format",
            "jsonl",
            "--limit",
            "25",
            "--replace",
        ).code
        == 0
    )
    assert cli("transform", "--lake", "lake", *ICEBERG, "--quiet").code == 0
    assert cli("transform", "--lake", "lake", "--quiet").code == 0
    assert pyiceberg_rows(raw_lake, "movie") == parquet_rows(raw_lake, "movie")
    previous = snapshots(raw_lake)["movie"][-2]

    def count(*extra: str) -> int:
        result = cli(
            "query",
            "--lake",
            "lake",
            *ICEBERG,
            "--format",
            "json",
            *extra,
            f"SELECT count(*) AS n FROM movie WHERE dt = DATE '{DAY2}'",
        )
        assert result.code == 0, result.stderr
        return int(json.loads(result.stdout)[0]["n"])

    assert count() == 25
    assert count("--as-of", str(previous.snapshot_id)) == len(old_day2)
    moment = previous.timestamp_ms / 1000
    from datetime import UTC, datetime

    as_text = datetime.fromtimestamp(moment + 0.0005, UTC).isoformat()
    assert count("--as-of", as_text) == len(old_day2)
    assert duckdb_rows(raw_lake, "movie", previous.snapshot_id) == old_movie
    assert count("--as-of", "2000-01-01") == 0  # before the tables existed: empty
    missing = cli("query", "--lake", "lake", *ICEBERG, "--as-of", "1234567890123", "SELECT 1")
    assert missing.code == 2 and "no table has that snapshot" in missing.stderr
    parquet_as_of = cli("query", "--lake", "lake", "--as-of", "2024-01-01", "SELECT 1")
    assert parquet_as_of.code == 2 and "--table-format iceberg" in parquet_as_of.stderr
