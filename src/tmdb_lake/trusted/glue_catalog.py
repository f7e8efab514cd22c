"""The tables in the AWS Glue Data Catalog (and Athena's DDL), from the table declarations.

One definition per table gives both forms, so they cannot disagree:

- `athena_ddl(table, location)`: `CREATE EXTERNAL TABLE ... STORED AS PARQUET LOCATION`
  with partition projection on `dt` (no crawler, no `MSCK REPAIR`), the text `tmdb-lake
  ddl --engine athena` prints;
- `table_input(table, location)`: the same table as a Glue `TableInput`, which the Glue
  jobs create or update in their own database after each build (`register_tables`).

`dt` is a partition key projected over dates (`yyyy-MM-dd`, from 2000-01-01 to today),
its values found from `<location>dt=${dt}/`: a day that has no folder reads as empty.
Readers of folders see what docs/lake.md says they see while a dt is replaced.
Works for any declaration with `name`, `description` and `columns` (the refined tables).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from tmdb_lake.ddl.athena import column_type
from tmdb_lake.trusted.contract import Column

PROJECTION_START = "2000-01-01"
_PARQUET = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    },
}


class Declared(Protocol):
    """What a table declaration gives the catalog, trusted and refined alike.

    Its `name`, `description` and `columns` (in order, without `dt`).
    """

    @property
    def name(self) -> str: ...  # noqa: D102

    @property
    def description(self) -> str: ...  # noqa: D102

    @property
    def columns(self) -> tuple[Column, ...]: ...  # noqa: D102


def table_location(root: str, zone: str, table: str) -> str:
    """Give a table's folder: `<root><zone>/TMDB/PARQUET/<table>/` (root ends with /)."""
    return f"{root}{zone}/TMDB/PARQUET/{table}/"


def table_properties(location: str) -> dict[str, str]:
    """Give the table properties: Parquet, and partition projection on `dt`."""
    return {
        "classification": "parquet",
        "parquet.compression": "ZSTD",
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": f"{PROJECTION_START},NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "storage.location.template": location + "dt=${dt}/",
    }


def _comment(text: str) -> str:
    """Quote a comment's text for Athena's (Hive's) DDL, which escapes with backslashes."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


def athena_ddl(table: Declared, location: str) -> str:
    """Give Athena's `CREATE EXTERNAL TABLE` for one table at `location` (s3://.../)."""
    columns = ",\n".join(
        f"  `{c.name}` {column_type(c.type)} COMMENT '{_comment(c.description)}'"
        for c in table.columns
    )
    properties = ",\n".join(
        f"  '{key}' = '{value}'" for key, value in table_properties(location).items()
    )
    return (
        f"CREATE EXTERNAL TABLE IF NOT EXISTS `{table.name}` (\n{columns}\n)\n"
        f"COMMENT '{_comment(table.description)}'\n"
        "PARTITIONED BY (`dt` date)\n"
        "STORED AS PARQUET\n"
        f"LOCATION '{location}'\n"
        f"TBLPROPERTIES (\n{properties}\n)"
    )


def table_input(table: Declared, location: str, *, dated: bool = True) -> dict[str, Any]:
    """Give the Glue `TableInput` of one table at `location` (the same table as `athena_ddl`).

    An undated table (the refined zone's current tables) has no partition and no projection.
    """
    parameters = table_properties(location) if dated else {"classification": "parquet"}
    partitions = [{"Name": "dt", "Type": "date", "Comment": "collection day"}] if dated else []
    return {
        "Name": table.name,
        "Description": table.description[:2048],
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {**parameters, "EXTERNAL": "TRUE"},
        "PartitionKeys": partitions,
        "StorageDescriptor": {
            "Columns": [
                {"Name": c.name, "Type": column_type(c.type), "Comment": c.description[:255]}
                for c in table.columns
            ],
            "Location": location,
            **_PARQUET,
        },
    }


def register_tables(
    glue: Any,
    database: str,
    root: str,
    zone: str,
    tables: Iterable[Declared],
    undated: frozenset[str] = frozenset(),
) -> list[str]:
    """Create or update each table in the Glue database (a boto3 Glue client); give names.

    `undated`: the names of tables without `dt` partitions.
    """
    done: list[str] = []
    for table in tables:
        location = table_location(root, zone, table.name)
        body = table_input(table, location, dated=table.name not in undated)
        try:
            glue.update_table(DatabaseName=database, TableInput=body)
        except glue.exceptions.EntityNotFoundException:
            glue.create_table(DatabaseName=database, TableInput=body)
        done.append(table.name)
    return done


def zone_ddl(tables: Sequence[Declared], root: str, zone: str) -> str:
    """Give every table's Athena DDL, separated by `;` lines."""
    return ";\n\n".join(athena_ddl(t, table_location(root, zone, t.name)) for t in tables) + ";\n"
