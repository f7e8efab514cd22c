"""`movie_genre`, `series_genre`: a title's genres, one row per (title, genre, dt)."""

from __future__ import annotations

from tmdb_lake.trusted.contract import Column, NotNull, Relationship, TrustedTable, Unique
from tmdb_lake.trusted.tables._common import LINEAGE, LINEAGE_SQL


def _title_genre(title: str, media: str, key: str) -> TrustedTable:
    return TrustedTable(
        name=f"{title}_genre",
        description=f"The genres of each {title} (from `{title}.genre_ids`).",
        grain=f"one row per ({key}, genre_id, dt)",
        columns=(
            Column(key, "BIGINT", False, "id", f"TMDB {title} id"),
            Column(
                "genre_id",
                "INTEGER",
                False,
                "genre_ids[] | genres[].id",
                "TMDB genre id (see `genre`)",
            ),
            *LINEAGE,
        ),
        sql=f"""
SELECT {key}, genre_id, {LINEAGE_SQL}
FROM (SELECT id AS {key}, UNNEST(genre_ids) AS genre_id, {LINEAGE_SQL} FROM {title}) AS g
WHERE genre_id IS NOT NULL
""",
        checks=(
            NotNull((key, "genre_id")),
            Unique((key, "genre_id")),
            Relationship((key,), title, ("id",)),
            Relationship(
                ("genre_id",),
                "genre",
                ("genre_id",),
                to_where=f"media = '{media}'",
                skip_when_target_empty=True,
            ),
        ),
        reads=(title,),
    )


MOVIE_GENRE = _title_genre("movie", "movie", "movie_id")
SERIES_GENRE = _title_genre("series", "tv", "series_id")
