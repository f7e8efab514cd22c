"""Pieces the table declarations share: lineage columns and their SQL."""

from __future__ import annotations

from tmdb_lake.trusted.contract import LINEAGE, Column, NotNull, Unique

__all__ = ["LINEAGE", "LINEAGE_SQL", "TITLE_CHECKS", "TITLE_TAIL", "TITLE_TAIL_SQL"]

LINEAGE_SQL = ", ".join(column.name for column in LINEAGE)
"""The lineage columns, for SELECT lists: a child row carries its title record's lineage."""


TITLE_TAIL = (
    Column(
        "source",
        "VARCHAR",
        False,
        "<the winning record's kind>",
        "discover, details or changes: which raw record this row comes from",
    ),
    *LINEAGE,
    Column(
        "_extra",
        "VARCHAR",
        True,
        "<fields the contract does not know>",
        "JSON object of the record's unknown top-level fields; NULL when none",
    ),
)
"""The last columns of a title table (`movie`, `series`): where the row comes from."""

TITLE_TAIL_SQL = f"_source AS source, {LINEAGE_SQL}, _extra"
"""`TITLE_TAIL`'s SELECT list, over a merged source (`movie_merged`, `series_merged`)."""

TITLE_CHECKS = (Unique(("id",)), NotNull(("id", "source", "_run_id", "_source_key")))
"""What every title table must hold on every build: one row per id, its lineage."""
