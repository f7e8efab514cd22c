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
from typing import TYPE_CHECKING, Literal

from tmdb_lake.errors import ConfigError

if TYPE_CHECKING:
    from tmdb_lake.lake.layout import TableFormat

# The generators (athena, duckdb, spark, catalog) import sqlglot and every declaration:
# they are imported when statements are asked for, never by `tmdb-lake ingest`, whose
# command line builds every command's flags (these names) at start-up.
Zone = Literal["raw", "trusted", "refined"]
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
    table_format: TableFormat = "parquet",
) -> list[str]:
    """Give the CREATE statements (each a string, no trailing `;`) of every table of `zones`.

    With `table_format="iceberg"` the trusted tables get their Iceberg forms (the other
    zones are not Iceberg: raw is JSON, refined is Parquet).
    """
    from tmdb_lake.ddl import athena, duckdb, spark
    from tmdb_lake.ddl.catalog import tables_of

    iceberg = table_format == "iceberg" and "trusted" in zones
    if iceberg and engine == "duckdb":
        raise ConfigError(
            "ddl --engine duckdb has no Iceberg form (a view needs the table's current "
            "metadata file): use tmdb-lake query --table-format iceberg"
        )
    tables = [
        table for zone in zones for table in tables_of(zone) if not (iceberg and zone == "trusted")
    ]
    with_views = "refined" in zones
    if engine == "athena":
        found = athena.statements(tables, root_url, database, projection_start, with_views)
    elif engine == "spark":
        found = spark.statements(tables, root_url, database, with_views)
    else:
        found = duckdb.statements(tables, root_url, with_views)
    return found + (iceberg_statements(engine, root_url, database) if iceberg else [])


def iceberg_statements(engine: DdlEngine, root_url: str, database: str) -> list[str]:
    """Give the trusted tables' Iceberg CREATE statements (Athena, or Spark's `glue_catalog`)."""
    from tmdb_lake.iceberg.ddl import athena_create, spark_create
    from tmdb_lake.lake.layout import TablesLayout
    from tmdb_lake.trusted.tables import TABLES

    layout = TablesLayout("trusted", table_format="iceberg")
    where = {t.name: root_url + layout.table_prefix(t.name).rstrip("/") for t in TABLES}
    if engine == "athena":
        return [athena_create(t, database, where[t.name]) for t in TABLES]
    return [spark_create(t, "glue_catalog", database, where[t.name]) for t in TABLES]


def script(engine: DdlEngine, found: Sequence[str], notes: Sequence[str]) -> str:
    """Give the statements as one script: notes as comments, each statement ending in `;`."""
    head = [f"-- {line}" for note in notes for line in note.splitlines()]
    return "\n".join(head + ([""] if head else []) + [f"{s};\n" for s in found]).rstrip() + "\n"
