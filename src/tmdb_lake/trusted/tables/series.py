"""`series`: one row per TV series and `dt`, from the merge rule's winner."""

from __future__ import annotations

from tmdb_lake.trusted.contract import Column, TrustedTable
from tmdb_lake.trusted.tables._common import TITLE_CHECKS, TITLE_TAIL, TITLE_TAIL_SQL

TABLE = TrustedTable(
    name="series",
    description="Every TV series seen on a collection day, with its details when that day has "
    "them.",
    grain="one row per (id, dt)",
    columns=(
        Column("id", "BIGINT", False, "id", "TMDB series id"),
        Column("name", "VARCHAR", True, "name", "Name in the run's language"),
        Column("original_name", "VARCHAR", True, "original_name", "Name in its language"),
        Column("original_language", "VARCHAR", True, "original_language", "ISO 639-1"),
        Column("overview", "VARCHAR", True, "overview", "Synopsis in the run's language"),
        Column("first_air_date", "DATE", True, "first_air_date", "First air date; NULL for ''"),
        Column("popularity", "DOUBLE", True, "popularity", "TMDB popularity on that day"),
        Column("vote_average", "DOUBLE", True, "vote_average", "Mean vote, 0-10"),
        Column("vote_count", "BIGINT", True, "vote_count", "Number of votes"),
        Column("adult", "BOOLEAN", True, "adult", "Adult title"),
        Column("poster_path", "VARCHAR", True, "poster_path", "Poster image path"),
        Column("backdrop_path", "VARCHAR", True, "backdrop_path", "Backdrop image path"),
        Column(
            "genre_ids",
            "INTEGER[]",
            True,
            "genre_ids (discover) | genres[].id (details)",
            "Genre ids, in TMDB's order",
        ),
        Column("origin_country", "VARCHAR[]", True, "origin_country", "ISO 3166-1 codes"),
        Column("number_of_seasons", "INTEGER", True, "number_of_seasons", "Seasons (details only)"),
        Column(
            "number_of_episodes", "INTEGER", True, "number_of_episodes", "Episodes (details only)"
        ),
        Column("in_production", "BOOLEAN", True, "in_production", "Still produced (details only)"),
        Column("status", "VARCHAR", True, "status", "Returning Series, Ended, ... (details only)"),
        Column("type", "VARCHAR", True, "type", "Scripted, Reality, ... (details only)"),
        Column("last_air_date", "DATE", True, "last_air_date", "Last air date (details only)"),
        Column("imdb_id", "VARCHAR", True, "external_ids.imdb_id", "IMDb id (details only)"),
        Column("tagline", "VARCHAR", True, "tagline", "Tagline (details only)"),
        Column("homepage", "VARCHAR", True, "homepage", "Homepage URL (details only)"),
        *TITLE_TAIL,
    ),
    sql=f"""
SELECT
  id,
  name,
  original_name,
  original_language,
  overview,
  first_air_date,
  popularity,
  vote_average,
  vote_count,
  adult,
  poster_path,
  backdrop_path,
  COALESCE(genre_ids, list_transform(genres, g -> g.id)) AS genre_ids,
  origin_country,
  number_of_seasons,
  number_of_episodes,
  in_production,
  status,
  type,
  last_air_date,
  external_ids.imdb_id AS imdb_id,
  tagline,
  homepage,
  {TITLE_TAIL_SQL}
FROM series_merged
""",
    checks=TITLE_CHECKS,
    reads=("series_merged",),
)
