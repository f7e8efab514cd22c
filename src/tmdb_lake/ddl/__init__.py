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
SPARK_ICEBERG_CATALOG = "glue_catalog"
"""Spark's catalog of the Iceberg tables (Glue's Iceberg support; docs/lake.md)."""


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

    With `table_format="iceberg"` the trusted and refined tables get their Iceberg forms
    (the raw zone is JSON either way); the analyst views come after every table.
    """
    from tmdb_lake.ddl import athena, duckdb, spark
    from tmdb_lake.ddl.catalog import tables_of
    from tmdb_lake.refined.tables import VIEWS

    iceberg: list[Zone] = []
    if table_format == "iceberg":
        iceberg = [zone for zone in zones if zone in ("trusted", "refined")]
    if iceberg and engine == "duckdb":
        raise ConfigError(
            "ddl --engine duckdb has no Iceberg form (a view needs the table's current "
            "metadata file): use tmdb-lake query --table-format iceberg"
        )
    tables = [table for zone in zones if zone not in iceberg for table in tables_of(zone)]
    with_views = "refined" in zones
    if engine == "athena":
        found = athena.statements(tables, root_url, database, projection_start, with_views)
    elif engine == "spark":
        views_read = SPARK_ICEBERG_CATALOG if "refined" in iceberg else None
        found = spark.statements(tables, root_url, database, with_views, views_read)
    else:
        found = duckdb.statements(tables, root_url, with_views)
    views = len(VIEWS) if with_views else 0
    split = len(found) - views
    return found[:split] + iceberg_statements(engine, root_url, database, iceberg) + found[split:]


def iceberg_statements(
    engine: DdlEngine, root_url: str, database: str, zones: Sequence[Zone]
) -> list[str]:
    """Give the Iceberg CREATE statements of the zones' tables (Athena, Spark's `glue_catalog`).

    Trusted tables and `fact_title_snapshot` are partitioned by `dt`; the refined current
    tables are not.
    """
    from tmdb_lake.iceberg.ddl import athena_create, spark_create
    from tmdb_lake.lake.layout import TablesLayout
    from tmdb_lake.refined.tables import TABLES as REFINED
    from tmdb_lake.trusted.tables import TABLES as TRUSTED

    found: list[str] = []
    for zone in zones:
        layout = TablesLayout(zone, table_format="iceberg")
        for table in TRUSTED if zone == "trusted" else REFINED:
            dated = getattr(table, "dated", True)
            where = root_url + layout.table_prefix(table.name).rstrip("/")
            if engine == "athena":
                found.append(athena_create(table, database, where, dated=dated))
            else:
                found.append(
                    spark_create(table, SPARK_ICEBERG_CATALOG, database, where, dated=dated)
                )
    return found


def script(engine: DdlEngine, found: Sequence[str], notes: Sequence[str]) -> str:
    """Give the statements as one script: notes as comments, each statement ending in `;`."""
    head = [f"-- {line}" for note in notes for line in note.splitlines()]
    return "\n".join(head + ([""] if head else []) + [f"{s};\n" for s in found]).rstrip() + "\n"
