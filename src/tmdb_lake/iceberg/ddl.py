"""The Iceberg forms of the tables' CREATE statements: Athena, Spark, DuckDB.

For `tmdb-lake ddl` (which prints the Parquet forms of every zone), from the same table
declarations. The Iceberg tables tmdb-lake writes are already registered in their catalog:
with `--catalog glue`, Athena and Glue/Spark see them as they are, and these statements are
for creating the same tables *before* another writer fills them (a Glue job writing with
`--datalake-formats iceberg`), or in another account.

- Athena (Glue Data Catalog): `CREATE TABLE ... PARTITIONED BY (dt) LOCATION ...
  TBLPROPERTIES ('table_type'='ICEBERG', 'format'='parquet', 'write_compression'='zstd')`
  (not `EXTERNAL`: Athena manages an Iceberg table's metadata itself);
- Spark: `CREATE TABLE <catalog>.<namespace>.<table> (...) USING iceberg PARTITIONED BY (dt)`
  with the same properties tmdb-lake creates its tables with;
- DuckDB: a view over `iceberg_scan` of the table's current metadata file.
"""

from __future__ import annotations

from collections.abc import Sequence

from tmdb_lake.iceberg.schema import PARTITION_COLUMN, TABLE_PROPERTIES, TableLike
from tmdb_lake.trusted.contract import SPARK_TYPES

ATHENA_PROPERTIES = {"table_type": "ICEBERG", "format": "parquet", "write_compression": "zstd"}
SPARK_PROPERTIES = {k: v for k, v in TABLE_PROPERTIES.items() if not k.startswith("tmdb-lake")}


def _columns(table: TableLike, quote: str, dated: bool) -> list[str]:
    lines = [f"{quote}{c.name}{quote} {SPARK_TYPES[c.type]}" for c in table.columns]
    if dated:
        lines.append(f"{quote}{PARTITION_COLUMN}{quote} DATE")
    return lines


def _properties(values: dict[str, str]) -> str:
    return ", ".join(f"'{key}'='{value}'" for key, value in values.items())


def athena_create(table: TableLike, database: str, location: str, *, dated: bool = True) -> str:
    """Give Athena's CREATE TABLE of an Iceberg table (in a Glue database)."""
    columns = ",\n  ".join(_columns(table, "`", dated))
    partition = f"PARTITIONED BY (`{PARTITION_COLUMN}`)\n" if dated else ""
    return (
        f"CREATE TABLE IF NOT EXISTS `{database}`.`{table.name}` (\n  {columns}\n)\n"
        f"{partition}LOCATION '{location}'\n"
        f"TBLPROPERTIES ({_properties(ATHENA_PROPERTIES)})"
    )


def spark_create(
    table: TableLike, catalog: str, namespace: str, location: str | None, *, dated: bool = True
) -> str:
    """Give Spark's CREATE TABLE of an Iceberg table (Glue's `glue_catalog`, or any other)."""
    columns = ",\n  ".join(_columns(table, "", dated))
    partition = f"PARTITIONED BY ({PARTITION_COLUMN})\n" if dated else ""
    where = f"LOCATION '{location}'\n" if location else ""
    return (
        f"CREATE TABLE IF NOT EXISTS {catalog}.{namespace}.{table.name} (\n  {columns}\n)\n"
        f"USING iceberg\n{partition}{where}TBLPROPERTIES ({_properties(SPARK_PROPERTIES)})"
    )


def duckdb_view(table: TableLike, metadata_location: str) -> str:
    """Give DuckDB's view of an Iceberg table (needs the iceberg and avro extensions)."""
    return (
        f'CREATE OR REPLACE VIEW "{table.name}" AS '
        f"SELECT * FROM iceberg_scan('{metadata_location}')"
    )


def athena_statements(tables: Sequence[TableLike], database: str, locations: dict[str, str]) -> str:
    """Give every table's Athena statement, `;`-separated, in declaration order."""
    return ";\n\n".join(athena_create(t, database, locations[t.name]) for t in tables) + ";"
