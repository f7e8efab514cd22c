"""`movie_company`, `movie_country`, `movie_language`: who made a movie, where, in what language."""

from __future__ import annotations

from tmdb_lake.trusted.contract import Column, NotNull, Relationship, TrustedTable, Unique
from tmdb_lake.trusted.tables._common import LINEAGE, LINEAGE_SQL

MOVIE_COMPANY = TrustedTable(
    name="movie_company",
    description="Each movie's production companies (details' `production_companies`).",
    grain="one row per (movie_id, company_id, dt)",
    columns=(
        Column("movie_id", "BIGINT", False, "id", "TMDB movie id"),
        Column("company_id", "BIGINT", False, "production_companies[].id", "TMDB company id"),
        Column("name", "VARCHAR", True, "production_companies[].name", "Company name"),
        Column(
            "origin_country",
            "VARCHAR",
            True,
            "production_companies[].origin_country",
            "ISO 3166-1, may be empty",
        ),
        *LINEAGE,
    ),
    sql=f"""
SELECT
  movie_id,
  c.id AS company_id,
  c.name AS name,
  c.origin_country AS origin_country,
  {LINEAGE_SQL}
FROM (
  SELECT id AS movie_id, UNNEST(production_companies) AS c, {LINEAGE_SQL} FROM movie_merged
) AS u
WHERE c.id IS NOT NULL
""",
    checks=(
        NotNull(("movie_id", "company_id")),
        Unique(("movie_id", "company_id")),
        Relationship(("movie_id",), "movie", ("id",)),
    ),
    reads=("movie_merged",),
)

MOVIE_COUNTRY = TrustedTable(
    name="movie_country",
    description="Each movie's production countries (details' `production_countries`).",
    grain="one row per (movie_id, country, dt)",
    columns=(
        Column("movie_id", "BIGINT", False, "id", "TMDB movie id"),
        Column("country", "VARCHAR", False, "production_countries[].iso_3166_1", "ISO 3166-1"),
        Column("name", "VARCHAR", True, "production_countries[].name", "Country name"),
        *LINEAGE,
    ),
    sql=f"""
SELECT movie_id, c.iso_3166_1 AS country, c.name AS name, {LINEAGE_SQL}
FROM (
  SELECT id AS movie_id, UNNEST(production_countries) AS c, {LINEAGE_SQL} FROM movie_merged
) AS u
WHERE c.iso_3166_1 IS NOT NULL
""",
    checks=(
        NotNull(("movie_id", "country")),
        Unique(("movie_id", "country")),
        Relationship(("movie_id",), "movie", ("id",)),
    ),
    reads=("movie_merged",),
)

MOVIE_LANGUAGE = TrustedTable(
    name="movie_language",
    description="The languages spoken in each movie (details' `spoken_languages`).",
    grain="one row per (movie_id, language, dt)",
    columns=(
        Column("movie_id", "BIGINT", False, "id", "TMDB movie id"),
        Column("language", "VARCHAR", False, "spoken_languages[].iso_639_1", "ISO 639-1"),
        Column("name", "VARCHAR", True, "spoken_languages[].name", "Name in that language"),
        Column("english_name", "VARCHAR", True, "spoken_languages[].english_name", "In English"),
        *LINEAGE,
    ),
    sql=f"""
SELECT
  movie_id,
  l.iso_639_1 AS language,
  l.name AS name,
  l.english_name AS english_name,
  {LINEAGE_SQL}
FROM (
  SELECT id AS movie_id, UNNEST(spoken_languages) AS l, {LINEAGE_SQL} FROM movie_merged
) AS u
WHERE l.iso_639_1 IS NOT NULL
""",
    checks=(
        NotNull(("movie_id", "language")),
        Unique(("movie_id", "language")),
        Relationship(("movie_id",), "movie", ("id",)),
    ),
    reads=("movie_merged",),
)
