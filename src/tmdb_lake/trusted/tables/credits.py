"""`movie_cast`, `movie_crew`, `series_cast`, `series_crew`: the `credits` append."""

from __future__ import annotations

from tmdb_lake.trusted.contract import Column, NotNull, Relationship, TrustedTable
from tmdb_lake.trusted.tables._common import LINEAGE, LINEAGE_SQL


def _cast(title: str, key: str) -> TrustedTable:
    return TrustedTable(
        name=f"{title}_cast",
        description=f"Who plays whom in each {title} (details' `credits.cast`).",
        grain=f"one row per cast credit of a {title} per dt",
        columns=(
            Column(key, "BIGINT", False, "id", f"TMDB {title} id"),
            Column("person_id", "BIGINT", False, "credits.cast[].id", "TMDB person id"),
            Column("name", "VARCHAR", True, "credits.cast[].name", "Person's name"),
            Column("character", "VARCHAR", True, "credits.cast[].character", "Role played"),
            Column("cast_order", "INTEGER", True, "credits.cast[].order", "Billing order, 0 first"),
            Column("credit_id", "VARCHAR", True, "credits.cast[].credit_id", "TMDB credit id"),
            *LINEAGE,
        ),
        sql=f"""
SELECT
  {key},
  c.id AS person_id,
  c.name AS name,
  c.character AS character,
  c."order" AS cast_order,
  c.credit_id AS credit_id,
  {LINEAGE_SQL}
FROM (
  SELECT id AS {key}, UNNEST(credits.cast) AS c, {LINEAGE_SQL} FROM {title}_merged
) AS u
WHERE c.id IS NOT NULL
""",
        checks=(NotNull((key, "person_id")), Relationship((key,), title, ("id",))),
        reads=(f"{title}_merged",),
    )


def _crew(title: str, key: str) -> TrustedTable:
    return TrustedTable(
        name=f"{title}_crew",
        description=f"Who did which job on each {title} (details' `credits.crew`).",
        grain=f"one row per crew credit of a {title} per dt",
        columns=(
            Column(key, "BIGINT", False, "id", f"TMDB {title} id"),
            Column("person_id", "BIGINT", False, "credits.crew[].id", "TMDB person id"),
            Column("name", "VARCHAR", True, "credits.crew[].name", "Person's name"),
            Column("department", "VARCHAR", True, "credits.crew[].department", "Department"),
            Column("job", "VARCHAR", True, "credits.crew[].job", "Job"),
            Column("credit_id", "VARCHAR", True, "credits.crew[].credit_id", "TMDB credit id"),
            *LINEAGE,
        ),
        sql=f"""
SELECT
  {key},
  c.id AS person_id,
  c.name AS name,
  c.department AS department,
  c.job AS job,
  c.credit_id AS credit_id,
  {LINEAGE_SQL}
FROM (
  SELECT id AS {key}, UNNEST(credits.crew) AS c, {LINEAGE_SQL} FROM {title}_merged
) AS u
WHERE c.id IS NOT NULL
""",
        checks=(NotNull((key, "person_id")), Relationship((key,), title, ("id",))),
        reads=(f"{title}_merged",),
    )


MOVIE_CAST = _cast("movie", "movie_id")
MOVIE_CREW = _crew("movie", "movie_id")
SERIES_CAST = _cast("series", "series_id")
SERIES_CREW = _crew("series", "series_id")
