"""Athena / the Glue Data Catalog: external tables, partition projection on `dt`.

No crawler and no `MSCK REPAIR TABLE`: with partition projection Athena computes a table's
partitions from the date range and the folder template. Parquet tables are `STORED AS
PARQUET`; the raw datasets are JSON Lines read by the OpenX JSON SerDe (a `--format json`
file, one indented array, is not one record per line: Athena cannot read it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tmdb_lake.ddl.catalog import CatalogTable, qualified, render_type
from tmdb_lake.refined.tables import VIEWS

SCALARS = {
    "BIGINT": "bigint",
    "INTEGER": "int",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "VARCHAR": "string",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
}
SERDE = "org.openx.data.jsonserde.JsonSerDe"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"


def column_type(value: object) -> str:
    """Give a column type in Hive DDL (`struct<...>`, `array<...>`)."""
    return render_type(value, SCALARS, "struct<{fields}>", "array<{item}>", "`{name}`:{type}")


def _projection(location: str, start: date, fmt: str, template: str) -> list[tuple[str, str]]:
    start_text = start.strftime("%Y/%m/%d" if fmt == "yyyy/MM/dd" else "%Y-%m-%d")
    return [
        ("projection.enabled", "true"),
        ("projection.dt.type", "date"),
        ("projection.dt.format", fmt),
        ("projection.dt.range", f"{start_text},NOW"),
        ("projection.dt.interval", "1"),
        ("projection.dt.interval.unit", "DAYS"),
        ("storage.location.template", location + template),
    ]


def create_table(table: CatalogTable, root_url: str, database: str, start: date) -> str:
    """Give one CREATE EXTERNAL TABLE statement."""
    location = root_url + table.folder
    columns = ",\n  ".join(f"`{name}` {column_type(kind)}" for name, kind in table.columns)
    lines = [f"CREATE EXTERNAL TABLE IF NOT EXISTS `{database}`.`{table.name}` (\n  {columns}\n)"]
    lines.append(f"COMMENT '{table.description.replace(chr(39), '')}'")
    properties: list[tuple[str, str]] = []
    if table.partitioning != "none":
        lines.append("PARTITIONED BY (`dt` string)")
    if table.partitioning == "ymd":
        lines += [
            f"ROW FORMAT SERDE '{SERDE}'",
            "WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')",
            f"STORED AS INPUTFORMAT '{TEXT_INPUT}' OUTPUTFORMAT '{TEXT_OUTPUT}'",
        ]
        properties = _projection(location, start, "yyyy/MM/dd", "${dt}/")
    else:
        lines.append("STORED AS PARQUET")
        if table.partitioning == "dt":
            properties = _projection(location, start, "yyyy-MM-dd", "dt=${dt}/")
        properties.append(("parquet.compression", "ZSTD"))
    lines.append(f"LOCATION '{location}'")
    listed = ",\n  ".join(f"'{k}' = '{v}'" for k, v in properties)
    lines.append(f"TBLPROPERTIES (\n  {listed}\n)")
    return "\n".join(lines)


def statements(
    tables: Sequence[CatalogTable], root_url: str, database: str, start: date, views: bool
) -> list[str]:
    """Give the database, every table, and (with the refined zone) the analyst views."""
    out = [f"CREATE DATABASE IF NOT EXISTS `{database}`"]
    out += [create_table(t, root_url, database, start) for t in tables]
    if views:
        for view in VIEWS:
            body = qualified(view.sql, database, "athena")
            out.append(f'CREATE OR REPLACE VIEW "{database}"."{view.name}" AS\n{body}')
    return out
