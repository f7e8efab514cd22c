"""Spark SQL: `CREATE TABLE ... USING parquet` over each folder, partitions recovered.

A `dt`-partitioned table declares `dt` and is followed by `ALTER TABLE ... RECOVER
PARTITIONS`, which registers the `dt=` folders found (run it again after new days, or let
the Glue job do it). The raw datasets are JSON Lines tables read recursively (`dt` is in
their path: `_metadata.file_path`); a `--format json` file needs `multiLine`.
"""

from __future__ import annotations

from collections.abc import Sequence

from tmdb_lake.ddl.catalog import CatalogTable, qualified, render_type
from tmdb_lake.refined.tables import VIEWS
from tmdb_lake.trusted.contract import SPARK_TYPES


def column_type(value: object) -> str:
    """Give a column type in Spark's spelling (`STRUCT<...>`, `ARRAY<...>`)."""
    return render_type(value, SPARK_TYPES, "STRUCT<{fields}>", "ARRAY<{item}>", "`{name}`: {type}")


def create_table(table: CatalogTable, root_url: str, database: str) -> list[str]:
    """Give the CREATE TABLE statement of one table (and its partition recovery)."""
    name = f"`{database}`.`{table.name}`"
    columns = [f"`{n}` {column_type(kind)}" for n, kind in table.columns]
    if table.partitioning == "dt":
        columns.append("`dt` DATE")
    head = f"CREATE TABLE IF NOT EXISTS {name} (\n  " + ",\n  ".join(columns) + "\n)"
    location = f"LOCATION '{root_url}{table.folder}'"
    comment = f"COMMENT '{table.description.replace(chr(39), '')}'"
    if table.partitioning == "ymd":
        return [f"{head}\nUSING json\nOPTIONS (recursiveFileLookup 'true')\n{comment}\n{location}"]
    if table.partitioning == "dt":
        return [
            f"{head}\nUSING parquet\nPARTITIONED BY (`dt`)\n{comment}\n{location}",
            f"ALTER TABLE {name} RECOVER PARTITIONS",
        ]
    return [f"{head}\nUSING parquet\n{comment}\n{location}"]


def statements(
    tables: Sequence[CatalogTable],
    root_url: str,
    database: str,
    views: bool,
    views_read: str | None = None,
) -> list[str]:
    """Give the database, every table, and (with the refined zone) the analyst views.

    `views_read`: the catalog the views' tables are in (`glue_catalog` for the refined
    zone's Iceberg tables; None: the session catalog, where the Parquet tables are).
    """
    out = [f"CREATE DATABASE IF NOT EXISTS `{database}`"]
    for table in tables:
        out += create_table(table, root_url, database)
    if views:
        for view in VIEWS:
            body = qualified(view.sql, database, "spark", views_read)
            out.append(f"CREATE OR REPLACE VIEW `{database}`.`{view.name}` AS\n{body}")
    return out
