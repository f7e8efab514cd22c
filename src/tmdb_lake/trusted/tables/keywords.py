"""`movie_keyword`, `series_keyword`: the `keywords` append."""

from __future__ import annotations

from tmdb_lake.trusted.contract import Column, NotNull, Relationship, TrustedTable, Unique
from tmdb_lake.trusted.tables._common import LINEAGE, LINEAGE_SQL


def _keyword(title: str, key: str, items: str) -> TrustedTable:
    path = f"keywords.{items}[]"
    return TrustedTable(
        name=f"{title}_keyword",
        description=f"The keywords of each {title} (details' `{path}`).",
        grain=f"one row per ({key}, keyword_id, dt)",
        columns=(
            Column(key, "BIGINT", False, "id", f"TMDB {title} id"),
            Column("keyword_id", "BIGINT", False, f"{path}.id", "TMDB keyword id"),
            Column("name", "VARCHAR", True, f"{path}.name", "Keyword"),
            *LINEAGE,
        ),
        sql=f"""
SELECT {key}, k.id AS keyword_id, k.name AS name, {LINEAGE_SQL}
FROM (
  SELECT id AS {key}, UNNEST(keywords.{items}) AS k, {LINEAGE_SQL} FROM {title}_merged
) AS u
WHERE k.id IS NOT NULL
""",
        checks=(
            NotNull((key, "keyword_id")),
            Unique((key, "keyword_id")),
            Relationship((key,), title, ("id",)),
        ),
        reads=(f"{title}_merged",),
    )


# TMDB nests a movie's keywords under "keywords" and a series' under "results".
MOVIE_KEYWORD = _keyword("movie", "movie_id", "keywords")
SERIES_KEYWORD = _keyword("series", "series_id", "results")
