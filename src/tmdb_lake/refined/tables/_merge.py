"""The merge of a current table: the previous build's rows that still hold, plus fresh ones.

A title's child rows (its genres, keywords, credits, release dates) are those of one
trusted dt: its *winner* in its dimension (`last_seen_dt` for genres, which every record
has; `details_dt` for what only details have). When the dts being added hold a title's
new winner, its previous rows are dropped and that dt's rows are taken; otherwise its
previous rows stay. On a full build the previous build is empty and every dt is added, so
the same statement rebuilds the table.
"""

from __future__ import annotations

from collections.abc import Sequence

from tmdb_lake.refined.contract import previous

TITLE_KEYS = {"movie": "movie_id", "series": "series_id"}
"""The key of each title dimension (`dim_movie`, `dim_series`)."""


def changed(title: str, winner: str) -> str:
    """Give the SQL of the titles whose `winner` dt is one of the dts being added."""
    key = TITLE_KEYS[title]
    return f"SELECT {key} FROM dim_{title} WHERE {winner} IN (SELECT dt FROM {title})"


def kept(
    table: str, columns: Sequence[str], key: str, title: str, winner: str, where: str = ""
) -> str:
    """Give the SQL of the previous rows of `table` whose title's winner did not change."""
    also = f"{where} AND " if where else ""
    return (
        f"SELECT {', '.join(columns)} FROM {previous(table)}\n"
        f"WHERE {also}{key} NOT IN ({changed(title, winner)})"
    )


def fresh(select: str, source: str, title: str, source_key: str, winner: str) -> str:
    """Give the SQL of the trusted rows of `source` on each title's (new) winner dt."""
    key = TITLE_KEYS[title]
    return (
        f"SELECT {select}\nFROM {source} AS t\n"
        f"JOIN dim_{title} AS w ON w.{key} = t.{source_key} AND w.{winner} = t.dt"
    )


def union(*parts: str) -> str:
    """Give the parts joined by UNION ALL."""
    return "\nUNION ALL\n".join(parts)
