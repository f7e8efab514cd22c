"""Pieces the table declarations share: lineage columns and their SQL."""

from __future__ import annotations

from tmdb_lake.trusted.contract import LINEAGE

__all__ = ["LINEAGE", "LINEAGE_SQL"]

LINEAGE_SQL = ", ".join(column.name for column in LINEAGE)
"""The lineage columns, for SELECT lists: a child row carries its title record's lineage."""
