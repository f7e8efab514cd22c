"""DuckDB: one view per table over its folder (a glob), the analyst views over those.

These views read folders, as Athena and Spark do: during a rebuild they may briefly see a
table's old and new files together (docs/lake.md). `tmdb-lake query` reads through the
manifests instead. On S3, load httpfs and create a secret first (DuckDB's own docs).
"""

from __future__ import annotations

from collections.abc import Sequence

from tmdb_lake.ddl.catalog import CatalogTable, render_type
from tmdb_lake.refined.tables import VIEWS
from tmdb_lake.trusted.reading import literal

SCALARS = {name: name for name in ("BIGINT", "INTEGER", "DOUBLE", "BOOLEAN", "VARCHAR", "DATE")}
SCALARS["TIMESTAMP"] = "TIMESTAMP"

# The day of a raw file is its folders: .../<dataset>/YYYY/MM/DD/<file>.
RAW_DT = (
    "CAST(strptime(regexp_extract(filename, '/(\\d{4}/\\d{2}/\\d{2})/[^/]+$', 1), '%Y/%m/%d') "
    "AS DATE) AS dt"
)


def column_type(value: object) -> str:
    """Give a column type in DuckDB's spelling (`STRUCT(...)`, `X[]`)."""
    return render_type(value, SCALARS, "STRUCT({fields})", "{item}[]", '"{name}" {type}')


def create_view(table: CatalogTable, root_url: str) -> str:
    """Give one CREATE VIEW statement over the table's folder."""
    folder = root_url + table.folder
    names = ", ".join(f'"{name}"' for name, _ in table.columns)
    if table.partitioning == "ymd":
        columns = ", ".join(f"{literal(n)}: {literal(column_type(k))}" for n, k in table.columns)
        source = (
            f"read_json({literal(folder + '*/*/*/*.json*')}, format = 'auto', "
            f"columns = {{{columns}}}, filename = true)"
        )
        body = f"SELECT {names}, {RAW_DT} FROM {source}"
    elif table.partitioning == "dt":
        source = (
            f"read_parquet({literal(folder + '*/*.parquet')}, hive_partitioning = true, "
            "hive_types = {'dt': DATE})"
        )
        body = f"SELECT {names}, dt FROM {source}"
    else:
        body = f"SELECT {names} FROM read_parquet({literal(folder + '*.parquet')})"
    return f'CREATE OR REPLACE VIEW "{table.name}" AS\n{body}'


def statements(tables: Sequence[CatalogTable], root_url: str, views: bool) -> list[str]:
    """Give every table's view, and (with the refined zone) the analyst views."""
    out = [create_view(t, root_url) for t in tables]
    if views:
        out += [f'CREATE OR REPLACE VIEW "{v.name}" AS\n{v.sql.strip()}' for v in VIEWS]
    return out
