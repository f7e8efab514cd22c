"""What a catalog needs of each table of the lake: its name, columns, folder, partitioning.

- raw datasets (`raw_<dataset>`): JSON records under `raw/TMDB/JSON/<dataset>/YYYY/MM/DD/`,
  columns from the declared raw schema (nested: structs and arrays), the fields the contract
  only documents (`KNOWN`) left out; a JSON reader ignores them;
- trusted tables: Parquet under `trusted/TMDB/PARQUET/<table>/dt=YYYY-MM-DD/`;
- refined tables: Parquet under `refined/TMDB/PARQUET/<table>/` (current: no dt folder)
  or `.../<table>/dt=YYYY-MM-DD/` (dated).

Names are unique across zones (trusted `series` and the raw dataset `series` would not be:
raw tables carry a `raw_` prefix), so one database can hold every zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlglot

from tmdb_lake.ddl import Zone
from tmdb_lake.lake.layout import LakeLayout, TablesLayout
from tmdb_lake.refined.tables import TABLES as REFINED_TABLES
from tmdb_lake.trusted.sources import KNOWN, SPECS, RawSpec, SourceName
from tmdb_lake.trusted.tables import TABLES as TRUSTED_TABLES

Partitioning = Literal["none", "dt", "ymd"]
"""No partitions; hive `dt=YYYY-MM-DD` folders; the raw zone's `YYYY/MM/DD` folders."""

RAW_DATASETS: dict[str, SourceName] = {
    "movies": "movie",
    "series": "series",
    "movie_details": "movie",
    "series_details": "series",
    "movie_changes": "movie",
    "series_changes": "series",
    "genres_movie": "genre",
    "genres_tv": "genre",
}
"""The raw datasets under their default names (renamed discover datasets: edit LOCATION)."""

Type = Any
"""A column's type: a declared scalar name (`BIGINT`, `VARCHAR`, `INTEGER[]`, ...), or, in
the raw zone, a nested raw spec: a dict (struct) or a one-item list (array)."""


@dataclass(frozen=True)
class CatalogTable:
    """One table as a catalog sees it."""

    name: str
    zone: Zone
    columns: tuple[tuple[str, Type], ...]
    folder: str
    """Lake-relative, ending in `/`."""
    partitioning: Partitioning
    description: str


def tables_of(zone: Zone) -> list[CatalogTable]:
    """Give every table of a zone."""
    if zone == "raw":
        layout = LakeLayout()
        return [
            CatalogTable(
                f"raw_{dataset}",
                "raw",
                raw_columns(SPECS[source]),
                f"{layout.root}{layout.format_folder}/{dataset}/",
                "ymd",
                f"raw dataset {dataset}: one TMDB {source} record per line",
            )
            for dataset, source in RAW_DATASETS.items()
        ]
    layout_of = TablesLayout(zone=zone)
    declared = TRUSTED_TABLES if zone == "trusted" else REFINED_TABLES
    return [
        CatalogTable(
            t.name,
            zone,
            tuple((c.name, c.type) for c in t.columns),
            layout_of.table_prefix(t.name),
            "dt" if zone == "trusted" or getattr(t, "dated", False) else "none",
            t.description,
        )
        for t in declared
    ]


def raw_columns(spec: RawSpec) -> tuple[tuple[str, Type], ...]:
    """Give the top-level columns of a raw record: every declared field that is not `KNOWN`."""
    return tuple((name, _kept(value)) for name, value in spec.items() if value != KNOWN)


def _kept(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _kept(v) for k, v in value.items() if v != KNOWN}
    if isinstance(value, list):
        return [_kept(value[0])]
    return "VARCHAR" if value == "DATE" else value  # raw dates are JSON strings ("" unknown)


def render_type(value: Type, scalars: dict[str, str], struct: str, array: str, field: str) -> str:
    """Render a column type with one engine's spellings.

    `struct` is a template over `{fields}`, `array` over `{item}`, `field` over `{name}` and
    `{type}`; scalar names (and `X[]` arrays of them) are looked up in `scalars`.
    """
    if isinstance(value, dict):
        fields = ", ".join(
            field.format(name=name, type=render_type(inner, scalars, struct, array, field))
            for name, inner in value.items()
        )
        return struct.format(fields=fields)
    if isinstance(value, list):
        return array.format(item=render_type(value[0], scalars, struct, array, field))
    if value.endswith("[]"):
        return array.format(item=scalars[value[:-2]])
    return scalars[value]


def qualified(sql: str, database: str, dialect: str, catalog: str | None = None) -> str:
    """Translate a view's DuckDB SQL to `dialect`, every table qualified by the database.

    And by `catalog` when given: Spark's Iceberg tables live in `glue_catalog`, not in the
    session catalog.
    """
    tree = sqlglot.parse_one(sql, read="duckdb")
    for table in tree.find_all(sqlglot.exp.Table):
        table.set("db", sqlglot.exp.to_identifier(database))
        if catalog is not None:
            table.set("catalog", sqlglot.exp.to_identifier(catalog))
    return tree.sql(dialect=dialect, pretty=True)
