"""The refined model as the report reads it: its tables, and views over their files.

The names are issue 13's (`dim_movie`, `dim_series`, `dim_genre`, `dim_person`, `dim_date`,
`bridge_movie_genre`, `bridge_series_genre`, `fact_title_snapshot`, `fact_credit`). The
refined zone is laid out like the trusted one (`lake/layout.py`, `TablesLayout`): data
under `refined/TMDB/PARQUET/<table>/`, manifests under `refined/TMDB/_manifests/`, each
listing `tables.<table>.files`, and the report reads exactly the files they list (the
reader contract). A table partitioned by `dt` is the union of its dts' files; a table
that is not (a dimension: the current state) is the files of the newest manifest that
lists it.

This module is the one place to change when the refined zone's own views (`tmdb-lake
query` over refined tables, issue 13 D) exist: the report then uses those.
"""

from __future__ import annotations

from collections.abc import Sequence

from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.storage import Storage
from tmdb_lake.trusted.duckdb_engine import DuckDBEngine
from tmdb_lake.trusted.manifest import TrustedManifest
from tmdb_lake.trusted.reading import literal
from tmdb_lake.trusted.transform import read_trusted_manifests

REFINED_LAYOUT = TablesLayout(zone="refined")

REFINED_TABLES = (
    "dim_movie",
    "dim_series",
    "dim_genre",
    "dim_person",
    "dim_date",
    "bridge_movie_genre",
    "bridge_series_genre",
    "fact_title_snapshot",
    "fact_credit",
)


async def read_refined_manifests(storage: Storage) -> list[TrustedManifest]:
    """Give the refined zone's manifests, oldest dt first (none when it has no refined zone)."""
    found = await read_trusted_manifests(storage, REFINED_LAYOUT)
    return [found[dt] for dt in sorted(found)]


def table_files(manifests: Sequence[TrustedManifest], table: str) -> list[str]:
    """Give the keys that hold one refined table's current content."""
    listing = [m for m in manifests if table in m.tables]
    keys = [key for m in listing for key, _ in m.tables[table].files]
    if any("/dt=" in key for key in keys):
        return list(dict.fromkeys(keys))
    newest = listing[-1] if listing else None
    return [key for key, _ in newest.tables[table].files] if newest is not None else []


def create_refined_views(engine: DuckDBEngine, manifests: Sequence[TrustedManifest]) -> set[str]:
    """Create a view per refined table the lake holds; give the names created."""
    created: set[str] = set()
    for table in REFINED_TABLES:
        keys = table_files(manifests, table)
        if not keys:
            continue
        listed = "[" + ", ".join(literal(engine.url(key)) for key in keys) + "]"
        hive = (
            "hive_partitioning = true, hive_types = {'dt': DATE}"
            if all("/dt=" in key for key in keys)
            else "hive_partitioning = false"
        )
        engine.db.execute(
            f'CREATE OR REPLACE VIEW "{table}" AS SELECT * FROM read_parquet({listed}, {hive})'
        )
        created.add(table)
    return created
