"""`movie_release_date`, `series_content_rating`: release dates and age ratings per country."""

from __future__ import annotations

from tmdb_lake.trusted.contract import Column, NotNull, Relationship, TrustedTable
from tmdb_lake.trusted.tables._common import LINEAGE, LINEAGE_SQL

_RELEASE = "release_dates.results[].release_dates[]"

MOVIE_RELEASE_DATE = TrustedTable(
    name="movie_release_date",
    description="Each movie's release dates and certifications per country (`release_dates`).",
    grain="one row per release of a movie in a country per dt",
    columns=(
        Column("movie_id", "BIGINT", False, "id", "TMDB movie id"),
        Column("country", "VARCHAR", False, "release_dates.results[].iso_3166_1", "ISO 3166-1"),
        Column("type", "INTEGER", True, f"{_RELEASE}.type", "1 premiere .. 6 TV"),
        Column(
            "release_date",
            "DATE",
            True,
            f"{_RELEASE}.release_date",
            "Release day (the timestamp's date part)",
        ),
        Column("certification", "VARCHAR", True, f"{_RELEASE}.certification", "Age rating"),
        Column("language", "VARCHAR", True, f"{_RELEASE}.iso_639_1", "ISO 639-1, often empty"),
        Column("note", "VARCHAR", True, f"{_RELEASE}.note", "E.g. the festival"),
        *LINEAGE,
    ),
    sql=f"""
SELECT
  movie_id,
  country,
  d.type AS type,
  TRY_CAST(SUBSTR(d.release_date, 1, 10) AS DATE) AS release_date,
  d.certification AS certification,
  d.iso_639_1 AS language,
  d.note AS note,
  {LINEAGE_SQL}
FROM (
  SELECT movie_id, r.iso_3166_1 AS country, UNNEST(r.release_dates) AS d, {LINEAGE_SQL}
  FROM (
    SELECT id AS movie_id, UNNEST(release_dates.results) AS r, {LINEAGE_SQL} FROM movie_merged
  ) AS per_country
) AS per_release
WHERE country IS NOT NULL
""",
    checks=(NotNull(("movie_id", "country")), Relationship(("movie_id",), "movie", ("id",))),
    reads=("movie_merged",),
)

SERIES_CONTENT_RATING = TrustedTable(
    name="series_content_rating",
    description="Each series' age rating per country (`content_ratings`).",
    grain="one row per (series_id, country, dt)",
    columns=(
        Column("series_id", "BIGINT", False, "id", "TMDB series id"),
        Column("country", "VARCHAR", False, "content_ratings.results[].iso_3166_1", "ISO 3166-1"),
        Column("rating", "VARCHAR", True, "content_ratings.results[].rating", "Age rating"),
        *LINEAGE,
    ),
    sql=f"""
SELECT series_id, r.iso_3166_1 AS country, r.rating AS rating, {LINEAGE_SQL}
FROM (
  SELECT id AS series_id, UNNEST(content_ratings.results) AS r, {LINEAGE_SQL}
  FROM series_merged
) AS u
WHERE r.iso_3166_1 IS NOT NULL
""",
    checks=(NotNull(("series_id", "country")), Relationship(("series_id",), "series", ("id",))),
    reads=("series_merged",),
)
