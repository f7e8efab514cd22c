"""The refined tables and the analysts' views, for `tmdb-lake query` (beside the trusted ones).

Parquet: each table is a view over exactly the files its manifest lists (`current.json`
for the current tables, `dt=<dt>.json` for each partition of a dated one, `dt` from the
path), so a query never sees a half-published table; a table not built yet is an empty
view with its declared columns.

Iceberg (`--table-format iceberg`): each table is a view over its Iceberg table in
namespace `<prefix>_refined` (`tmdb_lake.iceberg.reading`); the current tables are read
at the snapshots `ICEBERG/_manifests/current.json` names, so they are one build together
(a refine that crashed between two tables' commits does not show), unless `--as-of` asks
for another moment.

`movie_current` and `series_current` are views over those views, in both formats.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.storage import Storage
from tmdb_lake.refined.build import files_of
from tmdb_lake.refined.refine import REFINED
from tmdb_lake.refined.state import read_current
from tmdb_lake.refined.tables import CURRENT, DATED, VIEWS
from tmdb_lake.trusted.duckdb_engine import DuckDBEngine
from tmdb_lake.trusted.manifest import TablesManifest
from tmdb_lake.trusted.transform import read_trusted_manifests

if TYPE_CHECKING:
    from tmdb_lake.iceberg.reading import ViewGroup
    from tmdb_lake.iceberg.sink import IcebergSink

RefinedManifests = tuple[TablesManifest | None, dict[date, TablesManifest]]
REFINED_ICEBERG = TablesLayout(zone="refined", table_format="iceberg")


async def read_refined(storage: Storage) -> RefinedManifests:
    """Give the current tables' manifest and every dated partition's."""
    return await read_current(storage, REFINED), await read_trusted_manifests(storage, REFINED)


def create_refined_views(engine: DuckDBEngine, manifests: RefinedManifests) -> None:
    """Create one view per refined table over the files its manifests list, then the views."""
    current, dated = manifests
    for table in CURRENT:
        engine.view_files(table.name, table.columns, files_of(current, table.name), dated=False)
    for table in DATED:
        keys = [key for dt in sorted(dated) for key in files_of(dated[dt], table.name)]
        engine.view_files(table.name, table.columns, keys, dated=True)
    create_analyst_views(engine)


def create_analyst_views(engine: DuckDBEngine) -> None:
    """Create `movie_current` and `series_current` over the refined tables' views."""
    for view in VIEWS:
        engine.db.execute(f"CREATE OR REPLACE TEMP VIEW {view.name} AS {view.sql}")


async def read_iceberg_current(storage: Storage) -> TablesManifest | None:
    """Give the refined Iceberg current tables' manifest (their snapshots), if built."""
    return await read_current(storage, REFINED_ICEBERG)


def iceberg_groups(sink: IcebergSink, current: TablesManifest | None) -> list[ViewGroup]:
    """Give the refined tables to read from the sink's namespace, current ones pinned.

    The current tables are pinned to the snapshots their manifest names (when it records
    a build into this catalog and namespace).
    """
    from tmdb_lake.iceberg.reading import ViewGroup

    return [
        ViewGroup(sink.namespace, CURRENT, dated=False, pinned=sink.snapshots(current)),
        ViewGroup(sink.namespace, DATED, dated=True),
    ]
