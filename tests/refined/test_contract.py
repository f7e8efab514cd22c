"""The refined declarations: one per table, keys declared, SQL that Spark can run too."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot

from tmdb_lake.refined.contract import previous
from tmdb_lake.refined.tables import BY_NAME, CURRENT, DATED, SOURCES, TABLES, VIEWS
from tmdb_lake.trusted.checks import check_sql
from tmdb_lake.trusted.tables import BY_NAME as TRUSTED

ISSUE_13 = {
    "dim_movie", "dim_series", "dim_genre", "dim_person", "dim_keyword", "dim_country",
    "dim_date", "bridge_movie_genre", "bridge_series_genre", "bridge_movie_keyword",
    "bridge_series_keyword", "fact_title_snapshot", "fact_credit", "fact_release",
}  # fmt: skip


def statements() -> list[tuple[str, str]]:
    out = [(t.name, t.typed_sql()) for t in TABLES]
    out += [(f"{t.name}: {c.name}", check_sql(t.name, c)) for t in TABLES for c in t.checks]
    out += [(v.name, v.sql) for v in VIEWS]
    return out


def test_the_tables_are_those_of_issue_13_with_their_columns() -> None:
    assert set(BY_NAME) == ISSUE_13
    assert [t.name for t in DATED] == ["fact_title_snapshot"]
    assert {c.name for c in BY_NAME["dim_genre"].columns} >= {"media", "genre_id", "name"}
    assert {c.name for c in BY_NAME["dim_person"].columns} >= {"person_id", "name"}
    assert [c.name for c in BY_NAME["dim_date"].columns] == [
        "date_key", "date", "year", "month", "quarter", "decade",
    ]  # fmt: skip
    assert {c.name for c in BY_NAME["dim_movie"].columns} >= {
        "movie_id", "first_seen_dt", "last_seen_dt", "imdb_id", "release_year", "decade",
    }  # fmt: skip
    for table in TABLES:
        assert table.key and set(table.key) <= {c.name for c in table.columns}, table.name


@pytest.mark.parametrize(("name", "sql"), statements(), ids=[n for n, _ in statements()])
def test_every_statement_transpiles_to_spark(name: str, sql: str) -> None:
    spark = sqlglot.transpile(
        sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE
    )
    assert len(spark) == 1 and spark[0].upper().startswith(("SELECT", "WITH"))
    assert "QUALIFY" not in spark[0].upper()  # Spark has none: sqlglot rewrote it


def test_every_table_selects_its_declared_columns_over_empty_sources() -> None:
    """Each SQL runs on empty source views and gives exactly the declared columns and types."""
    db = duckdb.connect()
    for name in SOURCES:
        columns = ", ".join(f'CAST(NULL AS {c.type}) AS "{c.name}"' for c in TRUSTED[name].columns)
        db.execute(f"CREATE VIEW {name} AS SELECT {columns}, CAST(NULL AS DATE) AS dt WHERE false")
    for table in CURRENT:
        columns = ", ".join(f'CAST(NULL AS {c.type}) AS "{c.name}"' for c in table.columns)
        db.execute(f"CREATE VIEW {previous(table.name)} AS SELECT {columns} WHERE false")
    for table in TABLES:
        db.execute(f"CREATE TABLE {table.name} AS {table.typed_sql()}")
        described = db.execute(f"DESCRIBE {table.name}").fetchall()
        assert [(r[0], r[1]) for r in described] == [(c.name, c.type) for c in table.columns]
    for view in VIEWS:
        db.execute(f"CREATE VIEW {view.name} AS {view.sql}")
        assert db.execute(f"SELECT count(*) FROM {view.name}").fetchone() == (0,)


def test_docs_table_list_is_rendered_from_the_declarations() -> None:
    from pathlib import Path

    from tmdb_lake.refined.docs import BEGIN, END, refined_markdown

    text = (Path(__file__).parents[2] / "docs" / "lake.md").read_text("utf-8")
    block = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert block == refined_markdown(), "run: python -m tmdb_lake.refined.docs docs/lake.md"
    for table in TABLES:
        assert f"#### `{table.name}`" in block and f"Key: `({', '.join(table.key)})`." in block
