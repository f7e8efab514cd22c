"""Pieces the table declarations share: lineage columns and their SQL."""

from __future__ import annotations

from tmdb_lake.trusted.contract import LINEAGE, Column

__all__ = ["LINEAGE", "LINEAGE_SQL", "child_lineage", "lineage_of"]

LINEAGE_SQL = "_run_id, _ingested_at, _source_key"


def lineage_of(alias: str) -> str:
    """Give the lineage columns of the row aliased `alias`, for SELECT lists."""
    return ", ".join(f"{alias}.{column.name}" for column in LINEAGE)


def child_lineage() -> tuple[Column, ...]:
    """Give the lineage columns of a child table (those of the title record it comes from)."""
    return LINEAGE
