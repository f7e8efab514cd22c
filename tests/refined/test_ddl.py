"""`tmdb-lake ddl`: DuckDB's statements run, Athena's and Spark's parse, Spark's run in pyspark."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

from refined.conftest import refine_settings  # type: ignore[import-not-found]
from refined.expected import refined  # type: ignore[import-not-found]
from tmdb_lake.commands.ddl import root_url
from tmdb_lake.ddl import ZONES, statements
from tmdb_lake.ddl.catalog import RAW_DATASETS, tables_of
from tmdb_lake.refined.session import refine_lake
from tmdb_lake.refined.tables import TABLES as REFINED
from tmdb_lake.refined.tables import VIEWS
from tmdb_lake.trusted.tables import TABLES as TRUSTED
from trusted.lakeread import raw_manifests  # type: ignore[import-not-found]

EVERY = [t.name for zone in ZONES for t in tables_of(zone)] + [v.name for v in VIEWS]


@pytest.fixture(scope="module")
def refined_lake(refined_lake_template: Path, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """The template, refined (DAY1-DAY2 trusted; DAY1-DAY3 raw, JSON Lines)."""
    import shutil

    lake = tmp_path_factory.mktemp("ddl") / "lake"
    shutil.copytree(refined_lake_template, lake)
    refine_lake(refine_settings(lake))
    return lake


def expected_counts(lake: Path) -> dict[str, int]:
    """Rows per table as the manifests say: raw records, trusted and refined rows."""
    counts: dict[str, int] = {f"raw_{d}": 0 for d in RAW_DATASETS}
    for manifest in raw_manifests(lake):
        for name, dataset in manifest["datasets"].items():
            counts[f"raw_{name}"] += dataset["records"]
    for zone in ("trusted", "refined"):
        for path in (lake / f"{zone}/TMDB/_manifests").glob("*.json"):
            for name, table in json.loads(path.read_text())["tables"].items():
                counts[name] = counts.get(name, 0) + table["rows"]
    counts["movie_current"] = counts["dim_movie"]
    counts["series_current"] = counts["dim_series"]
    return counts


def test_every_table_and_view_of_every_zone_has_a_statement(refined_lake: Path) -> None:
    for engine in ("athena", "duckdb", "spark"):
        text = "\n".join(statements(engine, ZONES, root_url(str(refined_lake), engine)))
        for name in EVERY:
            assert f"{name}`" in text or f'{name}"' in text, (engine, name)
    assert len(EVERY) == len(RAW_DATASETS) + len(TRUSTED) + len(REFINED) + len(VIEWS)


def test_duckdb_statements_run_against_the_lake_and_count_what_the_manifests_say(
    refined_lake: Path,
) -> None:
    db = duckdb.connect()
    counts = expected_counts(refined_lake)
    absent = {
        f"raw_{d}" for d in RAW_DATASETS if not (refined_lake / f"raw/TMDB/JSON/{d}").exists()
    }
    assert absent == {"raw_movie_changes", "raw_series_changes"}  # no --changes run here
    for statement in statements("duckdb", ZONES, root_url(str(refined_lake), "duckdb")):
        name = statement.split('"')[1]
        if name in absent:  # DuckDB cannot make a view over a folder without files
            with pytest.raises(duckdb.IOException, match="No files found"):
                db.execute(statement)
            continue
        db.execute(statement)
    for name in (n for n in EVERY if n not in absent):
        found = db.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        assert found == (counts.get(name, 0),), name
    raw_days = db.execute("SELECT DISTINCT dt FROM raw_movies ORDER BY 1").fetchall()
    assert [d.isoformat() for (d,) in raw_days] == ["2024-05-01", "2024-05-02", "2024-05-03"]
    genres = db.execute(
        "SELECT movie_id, genre_ids FROM movie_current ORDER BY movie_id LIMIT 50"
    ).fetchall()
    bridge: dict[int, list[int]] = {}
    for row in refined(refined_lake, "bridge_movie_genre"):
        bridge.setdefault(row["movie_id"], []).append(row["genre_id"])
    assert all(ids == sorted(bridge.get(m, [])) for m, ids in genres)


@pytest.mark.parametrize("engine", ["athena", "spark"])
def test_athena_and_spark_statements_parse_in_their_dialects(engine: str) -> None:
    lake = "s3://my-bucket/lake"
    for statement in statements(engine, ZONES, root_url(lake, engine)):
        parsed = sqlglot.parse_one(statement, read=engine, error_level=sqlglot.ErrorLevel.RAISE)
        if "RECOVER PARTITIONS" in statement:
            continue  # Spark's own command: sqlglot keeps it as a Command
        assert isinstance(parsed, sqlglot.exp.Create), statement[:80]
        assert "s3://my-bucket/lake/" in statement or parsed.kind in ("DATABASE", "VIEW")


def test_athena_tables_project_dt_and_raw_tables_use_the_openx_serde() -> None:
    found = statements("athena", ZONES, "s3://b/p/")
    raw = next(s for s in found if "`raw_movies`" in s)
    assert "org.openx.data.jsonserde.JsonSerDe" in raw
    assert "'storage.location.template' = 's3://b/p/raw/TMDB/JSON/movies/${dt}/'" in raw
    assert "'projection.dt.format' = 'yyyy/MM/dd'" in raw
    movie = next(s for s in found if "`tmdb_lake`.`movie` (" in s)
    assert "STORED AS PARQUET" in movie and "'projection.enabled' = 'true'" in movie
    assert "'storage.location.template' = 's3://b/p/trusted/TMDB/PARQUET/movie/dt=${dt}/'" in movie
    dim = next(s for s in found if "`dim_movie`" in s)
    assert (
        "PARTITIONED BY" not in dim and "LOCATION 's3://b/p/refined/TMDB/PARQUET/dim_movie/'" in dim
    )


def test_the_command_prints_every_statement_with_notes(cli, refined_lake: Path) -> None:
    out = cli("ddl", "--lake", str(refined_lake), "--engine", "athena", "--zone", "raw")
    assert out.code == 0, out.stderr
    assert "not Athena-readable" in out.stdout
    assert out.stdout.count("CREATE EXTERNAL TABLE") == len(RAW_DATASETS)
    bad = cli("ddl", "--lake", str(refined_lake), "--engine", "oracle")
    assert bad.code == 2


@pytest.fixture(scope="session")
def spark(tmp_path_factory) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """One local SparkSession for the whole test session (a JVM starts in about 10 s)."""
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark is not installed")
    session = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("tmdb-lake-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.mark.spark
def test_spark_statements_run_in_pyspark_against_the_lake(spark: Any, refined_lake: Path) -> None:
    for statement in statements(
        "spark", ZONES, root_url(str(refined_lake), "spark"), database="tmdb_lake_test"
    ):
        spark.sql(statement)
    counts = expected_counts(refined_lake)
    for name in EVERY:
        found = spark.sql(f"SELECT count(*) AS n FROM tmdb_lake_test.`{name}`").collect()[0].n
        assert found == counts.get(name, 0), name
    row = spark.sql(
        "SELECT max(size(genres)) AS most, count(DISTINCT dt) AS days "
        "FROM tmdb_lake_test.movie_current, tmdb_lake_test.fact_title_snapshot"
    ).collect()[0]
    assert row.most > 0 and row.days == 2
