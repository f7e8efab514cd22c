"""One definition, two engines: DuckDB and Spark build the same trusted zone, row for row.

Both engines transform copies of the same raw lake; every table of every dt is then read
back from the files each trusted manifest lists (with DuckDB, as any reader would) and
compared: the same columns with the same Parquet types, the same rows as sorted
multisets, the same report (tables, checks, drift, type mismatches, rejected records).
One local SparkSession serves the whole test session (`spark` fixture, conftest.py).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from tmdb_lake.settings import TransformSettings
from tmdb_lake.trusted.session import transform_lake
from tmdb_lake.trusted.tables import TABLES
from trusted.lakeread import trusted_files, trusted_manifest  # type: ignore[import-not-found]
from trusted.rawlake import write_run  # type: ignore[import-not-found]
from trusted.test_drift_quality import movie_day  # type: ignore[import-not-found]

pytestmark = pytest.mark.slow


def build_both(raw: Path, tmp_path: Path, spark: Any) -> tuple[Path, Path, dict, dict]:  # type: ignore[type-arg]
    lakes = {}
    for engine in ("duckdb", "spark"):
        lakes[engine] = tmp_path / engine / "lake"
        shutil.copytree(raw, lakes[engine])
    work = tmp_path / "work"
    duck = transform_lake(
        TransformSettings(lake=str(lakes["duckdb"]), threads=2, memory_limit="512MB", work_dir=work)
    )
    sparked = transform_lake(
        TransformSettings(lake=str(lakes["spark"]), engine="spark", work_dir=work), spark
    )
    return lakes["duckdb"], lakes["spark"], duck.as_dict(), sparked.as_dict()


def table_of(lake: Path, table: str, day: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(column, type) pairs and sorted row texts of (table, dt), from its manifest's files."""
    files = trusted_files(lake, table, day)
    with duckdb.connect() as db:
        relation = "read_parquet(?, hive_partitioning = false)"
        described = db.execute(f"DESCRIBE SELECT * FROM {relation}", [files]).fetchall()
        rows = db.execute(f"SELECT * FROM {relation}", [files]).fetchall()
    return [(r[0], r[1]) for r in described], sorted(repr(row) for row in rows)


def report_without_times(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in day.items() if k != "seconds"} for day in report["days"]]


def assert_same_zone(duck_lake: Path, spark_lake: Path, duck: dict, spark: dict) -> int:  # type: ignore[type-arg]
    assert report_without_times(spark) == report_without_times(duck)
    compared = 0
    for day in duck["built"]:
        duck_manifest = trusted_manifest(duck_lake, day)
        spark_manifest = trusted_manifest(spark_lake, day)
        assert (duck_manifest["engine"], spark_manifest["engine"]) == ("duckdb", "spark")
        assert spark_manifest["inputs"] == duck_manifest["inputs"]
        assert spark_manifest["checks"] == duck_manifest["checks"]
        assert spark_manifest["cleanup_pending"] is False
        for table in TABLES:
            listed = spark_manifest["tables"][table.name]
            assert listed["rows"] == duck_manifest["tables"][table.name]["rows"], table.name
            for item in listed["files"]:  # final names, in the partition folder
                assert item["key"].startswith(f"trusted/TMDB/PARQUET/{table.name}/dt={day}/")
                assert item["key"].endswith(".parquet")
            duck_columns, duck_rows = table_of(duck_lake, table.name, day)
            spark_columns, spark_rows = table_of(spark_lake, table.name, day)
            assert spark_columns == duck_columns, (day, table.name)
            assert "dt" not in {name for name, _ in spark_columns}
            assert len(spark_rows) == listed["rows"]
            if spark_rows != duck_rows:  # show the first rows that differ, not 2,000 of them
                only_spark = sorted(set(spark_rows) - set(duck_rows))[:3]
                only_duck = sorted(set(duck_rows) - set(spark_rows))[:3]
                pytest.fail(f"{table.name} dt={day}: spark {only_spark} duckdb {only_duck}")
            compared += len(spark_rows)
        # nothing but the manifest's files in the partition folders, nothing left in staging
        folders = spark_lake / "trusted/TMDB/PARQUET"
        on_disk = {str(p.relative_to(spark_lake)) for p in folders.glob(f"*/dt={day}/*")}
        assert on_disk == {f["key"] for t in spark_manifest["tables"].values() for f in t["files"]}
    assert not list((spark_lake / "trusted/TMDB/_staging").rglob("*.parquet"))
    return compared


def test_both_engines_build_the_same_trusted_zone_of_a_cli_made_lake(
    raw_lake_template: Path, tmp_path: Path, spark: Any
) -> None:
    duck_lake, spark_lake, duck, sparked = build_both(raw_lake_template, tmp_path, spark)
    assert len(duck["built"]) == 2 and not duck["failed"]
    compared = assert_same_zone(duck_lake, spark_lake, duck, sparked)
    assert compared > 10_000  # both days, every table: thousands of cast and crew rows
    # the state is the same too: a second Spark transform has nothing to do
    again = transform_lake(TransformSettings(lake=str(spark_lake), engine="spark"), spark)
    assert (again.days, again.up_to_date) == ([], 2)


def test_both_engines_type_and_audit_a_drifting_day_alike(tmp_path: Path, spark: Any) -> None:
    raw = tmp_path / "raw"
    data = movie_day(60)
    details = data["movie_details"]
    for record in details:  # new fields, top-level and nested
        record["streaming"] = {"netflix": True, "since": "2024"}
        for member in record["credits"]["cast"]:
            member["pronouns"] = "they"
    details[1]["sponsor"] = "1917"  # a string that looks like a number
    details[2]["sponsor"] = None
    details[0]["runtime"] = "long"  # values that do not fit their types
    details[1]["vote_count"] = 12.5
    details[2]["adult"] = 1
    details[3]["release_date"] = "2024-13-45"
    details[4]["release_date"] = ""
    details[5]["title"] = 1917  # a number where a string belongs
    details[6]["tagline"] = "1917"  # a string that looks like a number, and fits
    details[7]["homepage"] = {"url": "x"}
    details[8]["budget"] = orjson.Fragment(str(2**70).encode())  # beyond 64 bits
    details[9]["status"] = "true"
    bad = {k: v for k, v in details[10].items() if k != "id"}
    data["movies"] += [bad, {**data["movies"][0], "id": "abc"}]  # no usable id
    write_run(raw, date(2024, 6, 1), "20240601T060000Z-aaaaaaaa", data)

    duck_lake, spark_lake, duck, sparked = build_both(raw, tmp_path, spark)
    day = duck["days"][0]
    assert {m["column"] for m in day["type_mismatches"]} == {
        "runtime", "vote_count", "adult", "release_date", "title", "homepage", "budget",
    }  # fmt: skip
    assert {u["field"] for u in day["unknown_fields"]} >= {"streaming", "sponsor"}
    assert day["rejected"][0]["records"] == 2
    assert_same_zone(duck_lake, spark_lake, duck, sparked)
    rows = {json.loads(r)["sponsor"] for r in _extras(spark_lake) if "sponsor" in json.loads(r)}
    assert rows == {"1917", None}


def _extras(lake: Path) -> list[str]:
    files = trusted_files(lake, "movie", "2024-06-01")
    with duckdb.connect() as db:
        found = db.execute(
            "SELECT _extra FROM read_parquet(?) WHERE _extra IS NOT NULL", [files]
        ).fetchall()
    return [row[0] for row in found]
