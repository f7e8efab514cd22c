"""`genre`: TMDB's genre lists of a collection day, movies and TV together."""

from __future__ import annotations

from tmdb_lake.trusted.contract import Column, NotNull, TrustedTable, Unique
from tmdb_lake.trusted.tables._common import LINEAGE

TABLE = TrustedTable(
    name="genre",
    description="The genre lists (`/genre/movie/list`, `/genre/tv/list`) in the run's language.",
    grain="one row per (media, genre_id, dt)",
    columns=(
        Column("media", "VARCHAR", False, "<movie or tv, from the dataset>", "movie or tv"),
        Column("genre_id", "INTEGER", False, "genres[].id", "TMDB genre id"),
        Column("name", "VARCHAR", True, "genres[].name", "Genre name in that language"),
        Column("language", "VARCHAR", True, "<the run's language>", "Language of `name`"),
        *LINEAGE,
    ),
    sql="""
SELECT media, id AS genre_id, name, language, _run_id, _ingested_at, _source_key
FROM genre_record
""",
    checks=(Unique(("media", "genre_id")), NotNull(("media", "genre_id"))),
    reads=("genre_record",),
)
