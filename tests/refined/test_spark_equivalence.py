"""One definition, two engines: DuckDB and Spark build the same refined zone, row for row.

The trusted zone is built once (DuckDB, by the CLI, in the template); two copies of the
lake are refined, one on each engine, and every refined table (the current tables, each
dt of the dated ones) is read back from the files its refined manifest lists (with
DuckDB, as any reader would) and compared: the same columns with the same Parquet types,
the same rows as sorted multisets, the same report. Then an incremental day: DAY3 is
transformed once, its trusted zone copied to the other lake, both refined again and
compared the same way. One local SparkSession serves the whole test session (`spark`).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from refined.conftest import DAY3, refine_settings, transform_settings  # type: ignore[import-not-found]
from tmdb_lake.refined.session import refine_lake
from tmdb_lake.refined.tables import CURRENT, DATED
from tmdb_lake.settings import TransformSettings
from tmdb_lake.trusted.jobs import build_zone
from tmdb_lake.trusted.session import transform_lake
from trusted.conftest import DAY1, DAY2  # type: ignore[import-not-found]

pytestmark = [pytest.mark.slow, pytest.mark.spark]


def refined_manifests(lake: Path) -> dict[str, dict[str, Any]]:
    folder = lake / "refined/TMDB/_manifests"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def table_of(lake: Path, keys: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """(column, type) pairs and sorted row texts of the listed files."""
    files = [str(lake / key) for key in keys]
    with duckdb.connect() as db:
        relation = "read_parquet(?, hive_partitioning = false)"
        described = db.execute(f"DESCRIBE SELECT * FROM {relation}", [files]).fetchall()
        rows = db.execute(f"SELECT * FROM {relation}", [files]).fetchall()
    return [(r[0], r[1]) for r in described], sorted(repr(row) for row in rows)


def report_without_times(report: dict[str, Any]) -> dict[str, Any]:
    def unit(done: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in done.items() if k not in ("seconds", "build_id", "base_build_id")}

    current = report["current"] and unit(report["current"])
    days = [unit(day) for day in report["days"]]
    run = ("current", "days", "report_key", "refine_id", "started_at", "seconds", "lake")
    kept = {k: v for k, v in report.items() if k not in run}
    return {**kept, "current": current, "days": days}


def assert_same_refined_zone(duck_lake: Path, spark_lake: Path) -> int:
    """Compare every refined table of both lakes, from their manifests; give rows compared."""
    duck, sparked = refined_manifests(duck_lake), refined_manifests(spark_lake)
    assert sorted(sparked) == sorted(duck)
    assert "current" in duck and {f"dt={d}" for d in (DAY1, DAY2)} <= set(duck)
    compared = 0
    for unit, duck_manifest in duck.items():
        spark_manifest = sparked[unit]
        assert (duck_manifest["engine"], spark_manifest["engine"]) == ("duckdb", "spark")
        assert spark_manifest["checks"] == duck_manifest["checks"], unit
        assert spark_manifest["cleanup_pending"] is False
        expected = {t.name for t in (CURRENT if unit == "current" else DATED)}
        assert set(spark_manifest["tables"]) == set(duck_manifest["tables"]) == expected
        for table, listed in spark_manifest["tables"].items():
            keys = [f["key"] for f in listed["files"]]
            duck_keys = [f["key"] for f in duck_manifest["tables"][table]["files"]]
            assert listed["rows"] == duck_manifest["tables"][table]["rows"], (unit, table)
            duck_columns, duck_rows = table_of(duck_lake, duck_keys)
            spark_columns, spark_rows = table_of(spark_lake, keys)
            assert spark_columns == duck_columns, (unit, table)
            assert "dt" not in {name for name, _ in spark_columns}
            assert len(spark_rows) == listed["rows"]
            if spark_rows != duck_rows:  # show the first rows that differ, not all of them
                only_spark = sorted(set(spark_rows) - set(duck_rows))[:3]
                only_duck = sorted(set(duck_rows) - set(spark_rows))[:3]
                pytest.fail(f"{table} ({unit}): spark {only_spark} duckdb {only_duck}")
            compared += len(spark_rows)
    # nothing but the manifests' files in the table folders, nothing left in staging
    root = spark_lake / "refined/TMDB"
    stored = {str(p.relative_to(spark_lake)) for p in (root / "PARQUET").rglob("*.parquet")}
    assert stored == {
        f["key"] for m in sparked.values() for t in m["tables"].values() for f in t["files"]
    }
    assert not list((root / "_staging").rglob("*.parquet"))
    return compared


def test_both_engines_refine_the_same_zone_then_merge_a_day_alike(
    lake: Path, tmp_path: Path, spark: Any
) -> None:
    spark_lake = tmp_path / "spark" / "lake"
    shutil.copytree(lake, spark_lake)
    duck = refine_lake(refine_settings(lake)).as_dict()
    sparked = refine_lake(refine_settings(spark_lake, engine="spark"), spark).as_dict()

    assert duck["built"] == [DAY1, DAY2] and not duck["failed"]
    assert report_without_times(sparked) == report_without_times(duck)
    compared = assert_same_refined_zone(lake, spark_lake)
    assert compared > 1_000

    # an incremental day: transformed once, the same trusted zone on both lakes
    transform_lake(transform_settings(lake, day=date.fromisoformat(DAY3)))
    shutil.copytree(lake / "trusted", spark_lake / "trusted", dirs_exist_ok=True)
    duck = refine_lake(refine_settings(lake)).as_dict()
    sparked = refine_lake(refine_settings(spark_lake, engine="spark"), spark).as_dict()
    assert duck["current"]["mode"] == "incremental" and duck["built"] == [DAY3]
    assert report_without_times(sparked) == report_without_times(duck)
    assert assert_same_refined_zone(lake, spark_lake) > compared

    # the state is the same too: a second Spark refine has nothing to do
    again = refine_lake(refine_settings(spark_lake, engine="spark"), spark).as_dict()
    assert (again["built"], again["up_to_date"], again["current"]) == ([], 3, None)


def test_the_refined_job_refines_on_the_jobs_spark_session(
    tmp_path: Path, spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Glue refined job refines on the job's SparkSession (an empty lake here)."""
    from tmdb_lake.trusted import spark_session

    opened = []
    open_spark_engine = spark_session.open_spark_engine

    def recording(settings: Any, given: Any = None) -> Any:
        opened.append(given)
        return open_spark_engine(settings, given)

    monkeypatch.setattr(spark_session, "open_spark_engine", recording)
    settings = TransformSettings(lake=str(tmp_path), engine="spark", work_dir=tmp_path / "w")
    done = build_zone("refined", settings, None, spark)
    assert done == {"zone": "refined", "built": [], "up_to_date": 0}
    assert opened == [spark]
