"""`tmdb-lake ddl`: the CREATE statements of a zone's tables, for Athena, DuckDB or Spark.

Generated from the declarations, never written by hand: the raw zone's datasets from the
declared raw schema (`tmdb_lake.trusted.sources`), the trusted and refined tables from their
contracts (`trusted/tables/`, `refined/tables/`), and the refined zone's analyst views from
their DuckDB SQL, translated by `sqlglot`.

```
catalog.py   what a catalog needs of each table: name, columns, folder, partitioning
athena.py    Athena / Glue Data Catalog: external tables with partition projection on dt
duckdb.py    DuckDB: views over the Parquet (and raw JSON) folders
spark.py     Spark SQL: CREATE TABLE ... USING parquet (json), partitions recovered
```
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from tmdb_lake.ddl import athena, duckdb, spark
from tmdb_lake.ddl.catalog import Zone, tables_of

DdlEngine = Literal["athena", "duckdb", "spark"]
ENGINES: tuple[DdlEngine, ...] = ("athena", "duckdb", "spark")
ZONES: tuple[Zone, ...] = ("raw", "trusted", "refined")
DEFAULT_DATABASE = "tmdb_lake"
DEFAULT_PROJECTION_START = date(2020, 1, 1)


def statements(
    engine: DdlEngine,
    zones: Sequence[Zone],
    root_url: str,
    *,
    database: str = DEFAULT_DATABASE,
    projection_start: date = DEFAULT_PROJECTION_START,
) -> list[str]:
    """Give the CREATE statements (each a string, no trailing `;`) of every table of `zones`."""
    tables = [table for zone in zones for table in tables_of(zone)]
    with_views = "refined" in zones
    if engine == "athena":
        return athena.statements(tables, root_url, database, projection_start, with_views)
    if engine == "spark":
        return spark.statements(tables, root_url, database, with_views)
    return duckdb.statements(tables, root_url, with_views)


def script(engine: DdlEngine, found: Sequence[str], notes: Sequence[str]) -> str:
    """Give the statements as one script: notes as comments, each statement ending in `;`."""
    head = [f"-- {line}" for note in notes for line in note.splitlines()]
    return "\n".join(head + ([""] if head else []) + [f"{s};\n" for s in found]).rstrip() + "\n"
