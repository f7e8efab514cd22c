"""Reading Iceberg tables: DuckDB views over `iceberg_scan`, now or as of a past moment.

`tmdb-lake query` over Iceberg tables reads each table through DuckDB's iceberg extension
(`duckdb-extension-iceberg`, with `avro`, installed from the wheels' files like httpfs):
the catalog (pyiceberg) says where the table's current metadata is, and DuckDB reads the
metadata, manifests and data files itself, so the writer (pyiceberg + DuckDB's COPY) and
the reader share no code path.

`--as-of` reads a past state:

- a timestamp (`2024-05-01T06:00:00`, UTC unless it says otherwise; a date means its
  midnight): every table as of its newest snapshot at or before that moment (a table that
  had no snapshot yet reads as empty);
- a snapshot id: the table it belongs to at exactly that snapshot, and every other table
  as of that snapshot's commit time: the lake as it was right after that commit.

Snapshots older than `maintain`'s retention are gone, and so is time travel to them.
"""

from __future__ import annotations

import datetime as dt_module
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tmdb_lake.errors import ConfigError
from tmdb_lake.iceberg.files import allow_s3
from tmdb_lake.iceberg.schema import PARTITION_COLUMN, TableLike
from tmdb_lake.lake.s3_options import S3Options
from tmdb_lake.trusted.duckdb_engine import DuckDBEngine, load_extension
from tmdb_lake.trusted.reading import literal

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.schema import Schema
    from pyiceberg.table import Table


@dataclass(frozen=True)
class AsOf:
    """A past moment to read: a timestamp (ms since the epoch) or one table's snapshot."""

    timestamp_ms: int | None = None
    snapshot_id: int | None = None

    @classmethod
    def parse(cls, raw: str) -> AsOf:
        """Read `--as-of`: a snapshot id (digits) or an ISO date or timestamp."""
        text = raw.strip()
        if text.isdigit() and len(text) > 8:
            return cls(snapshot_id=int(text))
        try:
            moment = dt_module.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(
                f"--as-of {raw!r} is neither a snapshot id nor a timestamp like "
                "2024-05-01T06:00:00Z"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt_module.UTC)
        return cls(timestamp_ms=int(moment.timestamp() * 1000))


def load_tables(catalog: Catalog, namespace: str, names: Sequence[str]) -> dict[str, Table]:
    """Give the tables of a namespace that exist, by name."""
    from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError

    found: dict[str, Table] = {}
    for name in names:
        try:
            found[name] = catalog.load_table((namespace, name))
        except (NoSuchTableError, NoSuchNamespaceError):
            continue
    return found


def snapshots_as_of(tables: dict[str, Table], as_of: AsOf | None) -> dict[str, int | None]:
    """Give the snapshot id each table is read at (None: the table was empty then)."""
    if as_of is None:
        current = {name: table.current_snapshot() for name, table in tables.items()}
        return {name: (s.snapshot_id if s else None) for name, s in current.items()}
    moment = as_of.timestamp_ms
    exact: dict[str, int] = {}
    if as_of.snapshot_id is not None:
        for name, table in tables.items():
            snapshot = table.snapshot_by_id(as_of.snapshot_id)
            if snapshot is not None:
                exact[name], moment = snapshot.snapshot_id, snapshot.timestamp_ms
                break
        else:
            raise ConfigError(
                f"--as-of {as_of.snapshot_id}: no table has that snapshot (expired by "
                "`maintain`, or from another lake)"
            )
    assert moment is not None
    chosen: dict[str, int | None] = {}
    for name, table in tables.items():
        if name in exact:
            chosen[name] = exact[name]
            continue
        snapshot = table.snapshot_as_of_timestamp(moment)
        chosen[name] = snapshot.snapshot_id if snapshot is not None else None
    return chosen


@dataclass(frozen=True)
class ViewGroup:
    """Tables of one namespace to read as views: dated (with `dt`) or not.

    `pinned` names the snapshot to read a table at when no `--as-of` is given (the refined
    current tables: the snapshots their manifest names, so that they are read together
    as one build); a table not pinned, or whose pinned snapshot is gone, is read now.
    """

    namespace: str
    declarations: Sequence[TableLike]
    dated: bool = True
    pinned: Mapping[str, int] = field(default_factory=dict)


def create_views(
    engine: DuckDBEngine,
    catalog: Catalog,
    groups: Sequence[ViewGroup],
    s3: S3Options,
    as_of: AsOf | None = None,
) -> dict[str, int | None]:
    """Create one view per declared table over its Iceberg table; give the snapshots read.

    A snapshot id in `as_of` is looked for in every group's tables (names are unique
    across zones), and the others are read as of its commit.
    """
    load_extension(engine.db, "avro", "reading Iceberg tables")
    load_extension(engine.db, "iceberg", "reading Iceberg tables")
    tables: dict[str, Table] = {}
    for group in groups:
        tables |= load_tables(catalog, group.namespace, [d.name for d in group.declarations])
    chosen = snapshots_as_of(tables, as_of)
    for group in groups:
        for name, snapshot_id in group.pinned.items():
            if as_of is None and name in tables and tables[name].snapshot_by_id(snapshot_id):
                chosen[name] = snapshot_id
        for declaration in group.declarations:
            table = tables.get(declaration.name)
            snapshot = chosen.get(declaration.name)
            if table is None or snapshot is None:
                body = empty_select(declaration, group.dated)
            else:
                allow_s3(engine, table.location(), s3)
                body = scan_select(table, snapshot, declaration, group.dated)
            engine.db.execute(f'CREATE OR REPLACE VIEW "{declaration.name}" AS {body}')
    return chosen


def scan_select(
    table: Table, snapshot_id: int, declaration: TableLike, dated: bool, where: str = ""
) -> str:
    """Give a SELECT of the declared columns (+ `dt`) of a table at one snapshot.

    A column the snapshot's schema does not have yet reads as NULL; `where` filters rows
    (a `dt` filter lets DuckDB skip the data files of other partitions).
    """
    names = [c.name for c in declaration.columns] + ([PARTITION_COLUMN] if dated else [])
    known = {f.name for f in schema_at(table, snapshot_id).fields}
    columns = ", ".join(
        f'"{n}"' if n in known else f'CAST(NULL AS {_type(declaration, n)}) AS "{n}"' for n in names
    )
    return (
        f"SELECT {columns} FROM iceberg_scan({literal(table.metadata_location)}, "
        f"snapshot_from_id => {snapshot_id})" + (f" WHERE {where}" if where else "")
    )


def schema_at(table: Table, snapshot_id: int) -> Schema:
    """Give the schema a snapshot was written with (time travel reads with it)."""
    snapshot = table.snapshot_by_id(snapshot_id)
    schemas = table.schemas()
    if snapshot is None or snapshot.schema_id is None or snapshot.schema_id not in schemas:
        return table.schema()
    return schemas[snapshot.schema_id]


def empty_select(declaration: TableLike, dated: bool) -> str:
    """Give a SELECT of no rows with the declared columns (a table not built yet)."""
    typed = [f'CAST(NULL AS {c.type}) AS "{c.name}"' for c in declaration.columns]
    if dated:
        typed.append(f"CAST(NULL AS DATE) AS {PARTITION_COLUMN}")
    return f"SELECT {', '.join(typed)} WHERE false"


def _type(declaration: TableLike, name: str) -> str:
    if name == PARTITION_COLUMN:
        return "DATE"
    return str(next(c.type for c in declaration.columns if c.name == name))
