"""`--engine spark --table-format iceberg`: Spark builds and writes the data files, tmdb-lake's
sink commits them (the same intent, lease and manifest as DuckDB's); every trusted and
refined table equals DuckDB's Iceberg build (itself the Parquet build's rows), row for row,
read back by pyiceberg and by DuckDB's iceberg extension (neither is the writer). The engines take
turns on one table: a day built by DuckDB beside the days Spark built, all refined by
Spark through the Glue job's entry point. A failed Spark write is one line; the sink's
crash healing is the same for both engines (tests/iceberg/test_crash.py).

Spark's own Iceberg runtime cannot be had here (not on PyPI; the one jar a PyPI package
ships is missing its shaded Jackson classes), so no test reads these tables with Spark's
Iceberg reader: docs/lake.md says so.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from iceberg.icelake import (  # type: ignore[import-not-found]
    NAMES,
    catalog,
    duckdb_rows,
    pyiceberg_rows,
    refined_pyiceberg_rows,
)
from refined.conftest import (  # type: ignore[import-not-found]
    DAY3,
    refine_settings,
    refined_lake_template,  # noqa: F401  (a fixture)
    transform_settings,
)
from tmdb_lake.errors import StorageError
from tmdb_lake.iceberg.schema import NAME_MAPPING
from tmdb_lake.refined.session import refine_lake
from tmdb_lake.refined.tables import TABLES as REFINED
from tmdb_lake.trusted.jobs import glue_job
from tmdb_lake.trusted.session import transform_lake
from trusted.conftest import DAY1, DAY2  # type: ignore[import-not-found]

pytestmark = [pytest.mark.slow, pytest.mark.spark]
REFINED_NAMES = [t.name for t in REFINED]


def build(lake: Path, until: str, spark: Any = None, refine: bool = True) -> None:
    """Transform (and refine) `lake` to Iceberg on Spark (`spark` given) or DuckDB."""
    engine = {"engine": "spark"} if spark is not None else {}
    day = date.fromisoformat(until)
    report = transform_lake(
        transform_settings(lake, table_format="iceberg", until=day, **engine), spark
    )
    assert not report.failed and report.as_dict()["built"], report.as_dict()
    if refine:
        refined = refine_lake(refine_settings(lake, table_format="iceberg", **engine), spark)
        assert not refined.failed, refined.as_dict()


def assert_same_tables(duck: Path, sparked: Path) -> None:
    for name in NAMES:
        expected = pyiceberg_rows(duck, name)  # = the Parquet build's (tests/iceberg/test_local.py)
        assert pyiceberg_rows(sparked, name) == expected, name
        assert duckdb_rows(sparked, name) == expected, name
    for name in REFINED_NAMES:
        expected = refined_pyiceberg_rows(duck, name)
        assert refined_pyiceberg_rows(sparked, name) == expected, name
    assert any(refined_pyiceberg_rows(sparked, name) for name in REFINED_NAMES)


def test_spark_builds_the_same_iceberg_tables_as_duckdb_and_takes_turns_with_it(
    refined_lake_template: Path,  # noqa: F811
    tmp_path: Path,
    spark: Any,
) -> None:
    """Spark builds DAY1-DAY2, DuckDB DAY3 beside them, Spark refines the lot (the Glue job).

    The reference lake is DuckDB's alone, DAY1-DAY3 (whose Iceberg tables equal the Parquet
    build's: tests/iceberg/test_local.py and test_refine.py).
    """
    duck, sparked = tmp_path / "duck", tmp_path / "spark"
    for lake in (duck, sparked):
        shutil.copytree(refined_lake_template, lake)
    build(duck, DAY3)

    build(sparked, DAY2, spark, refine=False)
    for day in (DAY1, DAY2):  # the manifests say which engine built the dt
        manifest = (sparked / f"trusted/TMDB/ICEBERG/_manifests/dt={day}.json").read_text()
        assert '"engine":"spark"' in manifest.replace(" ", "")
    assert not list(sparked.glob("**/_spark_*"))  # no scratch folder left
    movie = catalog(sparked).load_table(("tmdb_trusted", "movie"))
    assert NAME_MAPPING in movie.properties
    tasks = movie.scan().plan_files()
    assert len(tasks) == 2 and {t.file.file_path.rpartition("/")[2] for t in tasks} == {
        "movie_0.parquet"
    }
    for task in tasks:  # Spark's files: zstd, no field ids (read through the name mapping)
        meta = pq.read_metadata(task.file.file_path)
        assert meta.row_group(0).column(0).compression == "ZSTD"
        assert b"PARQUET:field_id" not in (meta.schema.to_arrow_schema().field("id").metadata or {})

    # DuckDB builds DAY3 beside Spark's days (files with field ids next to files without),
    # then Spark refines the lot through the Glue job's entry point (but the sql catalog).
    build(sparked, DAY3, refine=False)
    job = ["--lake", str(sparked), "--table-format", "iceberg", "--catalog", "sql"]
    done = glue_job("refined", [*job, "--JOB_NAME", "tmdb-lake-refined"], spark)
    assert done["zone"] == "refined" and len(done["built"]) == 3, done
    assert not list(sparked.glob("**/ICEBERG/_commits/*"))  # every intent settled
    assert_same_tables(duck, sparked)
    days = {row[-1] for row in refined_pyiceberg_rows(sparked, "fact_title_snapshot")}
    assert days == {date.fromisoformat(d) for d in (DAY1, DAY2, DAY3)}
    current = (sparked / "refined/TMDB/ICEBERG/_manifests/current.json").read_text()
    assert '"engine":"spark"' in current.replace(" ", "")


def test_a_spark_write_that_fails_says_so_in_one_line(tmp_path: Path, spark: Any) -> None:
    """A folder Spark cannot write (a file in its way): a `StorageError`, one line, no files."""
    from tmdb_lake.trusted.spark_engine import SparkRelations

    engine = SparkRelations(spark, "file:" + str(tmp_path) + "/", owns_session=False)
    frame = spark.sql("SELECT 1 AS id")
    (tmp_path / "blocked").write_text("a file where the folder should go")
    with pytest.raises(StorageError, match=r"^Spark could not write .*blocked/_spark_t") as failed:
        engine.write_folder(frame, str(tmp_path / "blocked"), "t", sized_by=frame)
    assert "\n" not in str(failed.value)
    written = engine.write_folder(frame, str(tmp_path / "free"), "t", sized_by=frame)
    assert written == [str(tmp_path / "free" / "t_0.parquet")]
    assert sorted(p.name for p in (tmp_path / "free").iterdir()) == ["t_0.parquet"]
