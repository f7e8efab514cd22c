"""The refined tables and the analysts' views, for `tmdb-lake query` (beside the trusted ones).

Each table is a view over exactly the files its manifest lists (`current.json` for the
current tables, `dt=<dt>.json` for each partition of a dated one, `dt` from the path), so
a query never sees a half-published table; a table not built yet is an empty view with its
declared columns. `movie_current` and `series_current` are views over those views.
"""

from __future__ import annotations

from datetime import date

from tmdb_lake.lake.storage import Storage
from tmdb_lake.refined.build import files_of
from tmdb_lake.refined.refine import REFINED
from tmdb_lake.refined.state import read_current
from tmdb_lake.refined.tables import CURRENT, DATED, VIEWS
from tmdb_lake.trusted.duckdb_engine import DuckDBEngine
from tmdb_lake.trusted.manifest import TablesManifest
from tmdb_lake.trusted.transform import read_trusted_manifests

RefinedManifests = tuple[TablesManifest | None, dict[date, TablesManifest]]


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
    for view in VIEWS:
        engine.db.execute(f"CREATE OR REPLACE TEMP VIEW {view.name} AS {view.sql}")
