"""The table declarations: names, types, SQL that runs on DuckDB and translates to Spark."""

from __future__ import annotations

import re

import duckdb
import pytest
import sqlglot

from tmdb_lake.trusted.checks import check_sql, target_rows_sql
from tmdb_lake.trusted.contract import SPARK_TYPES, Relationship
from tmdb_lake.trusted.tables import BY_NAME, INTERMEDIATE, TABLES

ISSUE_TABLES = {
    "movie", "series", "genre", "movie_genre", "series_genre", "movie_cast", "movie_crew",
    "series_cast", "series_crew", "movie_keyword", "series_keyword", "movie_release_date",
    "series_content_rating", "movie_company", "movie_country", "movie_language",
}  # fmt: skip
SNAKE = re.compile(r"^_?[a-z][a-z0-9_]*$")


def test_the_tables_are_the_issues_with_snake_case_typed_columns() -> None:
    assert set(BY_NAME) == ISSUE_TABLES
    for table in TABLES:
        assert table.column_names[-3:] == ("_run_id", "_ingested_at", "_source_key") or (
            table.column_names[-4:-1] == ("_run_id", "_ingested_at", "_source_key")
        ), table.name
        assert "dt" not in table.column_names  # dt comes from the path only
        for column in table.columns:
            assert SNAKE.match(column.name), column.name
            assert column.type in SPARK_TYPES
            assert column.description
    movie = BY_NAME["movie"]
    assert [movie.column(c).type for c in ("id", "release_date", "popularity", "vote_count")] == [
        "BIGINT", "DATE", "DOUBLE", "BIGINT",
    ]  # fmt: skip
    assert movie.column("genre_ids").type == "INTEGER[]"
    assert BY_NAME["series"].column("origin_country").type == "VARCHAR[]"


def every_sql() -> list[tuple[str, str]]:
    out = [(m.name, m.sql) for m in INTERMEDIATE]
    for table in TABLES:
        out.append((table.name, table.typed_sql()))
        for check in table.checks:
            out.append((f"{table.name}: {check.name}", check_sql(table.name, check)))
            if isinstance(check, Relationship):
                out.append((check.name, target_rows_sql(check)))
    return out


@pytest.mark.parametrize(("name", "sql"), every_sql(), ids=[n for n, _ in every_sql()])
def test_every_statement_translates_to_spark(name: str, sql: str) -> None:
    spark = sqlglot.transpile(
        sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE
    )
    assert len(spark) == 1 and spark[0]
    assert "UNNEST" not in spark[0].upper()  # Spark explodes instead
    assert "QUALIFY" not in spark[0].upper()


def test_every_table_selects_exactly_its_declared_columns_in_order() -> None:
    """Each table's SQL, on empty source views, gives the declared names and types."""
    from tmdb_lake.trusted.reading import record_select
    from tmdb_lake.trusted.sources import SPECS

    db = duckdb.connect()
    for source, spec in SPECS.items():
        constants = [("_source", "NULL::VARCHAR"), ("_run_id", "NULL::VARCHAR")]
        constants.append(("_ingested_at", "NULL::TIMESTAMP"))
        if source == "genre":
            constants += [("media", "NULL::VARCHAR"), ("language", "NULL::VARCHAR")]
        db.execute(
            f"CREATE TEMP TABLE {source}_record AS {record_select(spec, [], 'json', 0, constants)}"
        )
    for model in INTERMEDIATE:
        db.execute(f"CREATE TEMP TABLE {model.name} AS {model.sql}")
    for table in TABLES:
        db.execute(f"CREATE TEMP TABLE {table.name} AS {table.sql}")
        described = db.execute(f"DESCRIBE {table.name}").fetchall()
        assert [row[0] for row in described] == list(table.column_names), table.name
        typed = db.execute(f"DESCRIBE {table.typed_sql()}").fetchall()
        assert [row[1] for row in typed] == [c.type for c in table.columns], table.name


def test_the_cli_does_not_import_duckdb_until_a_trusted_command_runs() -> None:
    import subprocess
    import sys

    from support import clean_env  # type: ignore[import-not-found]

    code = "import sys, tmdb_lake.cli as c; c.build_parser(); print('duckdb' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=clean_env(), check=True
    )
    assert done.stdout.strip() == "False"
