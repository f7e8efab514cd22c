"""The refined model as the report reads it: the refined zone's own views, and what it holds.

The views are `tmdb-lake query`'s (`tmdb_lake.refined.query`): each table over exactly the
files its manifests list (`current.json` for the current tables, `dt=<dt>.json` for each
partition of `fact_title_snapshot`). A table with no file yet is an empty view there; the
report says which tables an aggregate lacks instead of charting nothing.
"""

from __future__ import annotations

from tmdb_lake.refined.build import files_of
from tmdb_lake.refined.query import RefinedManifests
from tmdb_lake.refined.query import create_refined_views as create_views
from tmdb_lake.refined.tables import CURRENT, DATED
from tmdb_lake.trusted.duckdb_engine import DuckDBEngine
from tmdb_lake.trusted.manifest import TablesManifest


def dated_manifests(manifests: RefinedManifests) -> list[TablesManifest]:
    """Give the dated partitions' manifests, oldest dt first (the zone's freshness)."""
    _, dated = manifests
    return [dated[dt] for dt in sorted(dated)]


def held_tables(manifests: RefinedManifests) -> set[str]:
    """Give the refined tables that have files in the lake."""
    current, dated = manifests
    held = {t.name for t in CURRENT if files_of(current, t.name)}
    return held | {t.name for t in DATED if any(files_of(m, t.name) for m in dated.values())}


def create_refined_views(engine: DuckDBEngine, manifests: RefinedManifests) -> set[str]:
    """Create the refined views (as `query` does); give the tables that have files."""
    create_views(engine, manifests)
    return held_tables(manifests)
