"""`movie`: one row per movie and `dt`, from the merge rule's winner."""

from __future__ import annotations

from tmdb_lake.trusted.contract import Column, TrustedTable
from tmdb_lake.trusted.tables._common import TITLE_CHECKS, TITLE_TAIL, TITLE_TAIL_SQL

TABLE = TrustedTable(
    name="movie",
    description="Every movie seen on a collection day, with its details when that day has them.",
    grain="one row per (id, dt)",
    columns=(
        Column("id", "BIGINT", False, "id", "TMDB movie id"),
        Column("title", "VARCHAR", True, "title", "Title in the run's language"),
        Column("original_title", "VARCHAR", True, "original_title", "Title in its language"),
        Column("original_language", "VARCHAR", True, "original_language", "ISO 639-1"),
        Column("overview", "VARCHAR", True, "overview", "Synopsis in the run's language"),
        Column("release_date", "DATE", True, "release_date", "Primary release date; NULL for ''"),
        Column("popularity", "DOUBLE", True, "popularity", "TMDB popularity on that day"),
        Column("vote_average", "DOUBLE", True, "vote_average", "Mean vote, 0-10"),
        Column("vote_count", "BIGINT", True, "vote_count", "Number of votes"),
        Column("adult", "BOOLEAN", True, "adult", "Adult title"),
        Column("video", "BOOLEAN", True, "video", "Direct-to-video"),
        Column("poster_path", "VARCHAR", True, "poster_path", "Poster image path"),
        Column("backdrop_path", "VARCHAR", True, "backdrop_path", "Backdrop image path"),
        Column(
            "genre_ids",
            "INTEGER[]",
            True,
            "genre_ids (discover) | genres[].id (details)",
            "Genre ids, in TMDB's order",
        ),
        Column(
            "imdb_id",
            "VARCHAR",
            True,
            "imdb_id | external_ids.imdb_id",
            "IMDb id (details only)",
        ),
        Column("runtime", "INTEGER", True, "runtime", "Minutes (details only; 0 when unknown)"),
        Column("budget", "BIGINT", True, "budget", "US dollars (details only; 0 when unknown)"),
        Column("revenue", "BIGINT", True, "revenue", "US dollars (details only; 0 when unknown)"),
        Column("status", "VARCHAR", True, "status", "Released, Planned, ... (details only)"),
        Column("tagline", "VARCHAR", True, "tagline", "Tagline (details only)"),
        Column("homepage", "VARCHAR", True, "homepage", "Homepage URL (details only)"),
        Column(
            "collection_id",
            "BIGINT",
            True,
            "belongs_to_collection.id",
            "Collection the movie belongs to (details only)",
        ),
        *TITLE_TAIL,
    ),
    sql=f"""
SELECT
  id,
  title,
  original_title,
  original_language,
  overview,
  release_date,
  popularity,
  vote_average,
  vote_count,
  adult,
  video,
  poster_path,
  backdrop_path,
  COALESCE(genre_ids, list_transform(genres, g -> g.id)) AS genre_ids,
  COALESCE(imdb_id, external_ids.imdb_id) AS imdb_id,
  runtime,
  budget,
  revenue,
  status,
  tagline,
  homepage,
  belongs_to_collection.id AS collection_id,
  {TITLE_TAIL_SQL}
FROM movie_merged
""",
    checks=TITLE_CHECKS,
    reads=("movie_merged",),
)
