"""`dim_genre`, `dim_person`, `dim_keyword`, `dim_country`: the members facts and bridges name.

A member's name is that of its latest sighting with a name (greatest dt; within one dt the
greatest name, so the choice never depends on read order), and `last_seen_dt` is that
sighting's dt: an arg-max, so the previous build's row is one more candidate when dts are
added. Members are kept once seen. A key that a current fact or bridge holds but no
sighting named (a genre id on a day without genre lists, a person without a name) gets a
row with a NULL name and `last_seen_dt`, so that every key resolves (Kimball's *inferred
member*); it is named as soon as a sighting names it.
"""

from __future__ import annotations

from collections.abc import Sequence

from tmdb_lake.refined.contract import Column, RefinedTable, previous
from tmdb_lake.refined.tables._merge import union
from tmdb_lake.trusted.contract import NotNull, Unique

_LAST_SEEN = Column(
    "last_seen_dt", "DATE", True, "<dt of the name>", "Latest day it was named; NULL: never"
)


def _member_dim(
    name: str,
    description: str,
    keys: tuple[Column, ...],
    name_column: Column,
    sightings: Sequence[str],
    referenced: Sequence[str],
    reads: tuple[str, ...],
) -> RefinedTable:
    k = ", ".join(c.name for c in keys)
    matched = " AND ".join(f"l.{c.name} = r.{c.name}" for c in keys)
    return RefinedTable(
        name=name,
        description=description,
        grain=f"one row per ({k})" if len(keys) > 1 else f"one row per {k}",
        key=tuple(c.name for c in keys),
        columns=(*keys, name_column, _LAST_SEEN),
        sql=f"""
WITH latest AS (
  SELECT {k}, name, last_seen_dt
  FROM (
    SELECT {k}, name, last_seen_dt FROM {previous(name)} WHERE last_seen_dt IS NOT NULL
    UNION ALL
    SELECT {k}, max(name) AS name, dt AS last_seen_dt
    FROM (
{union(*sightings)}
    ) AS sighted
    WHERE name IS NOT NULL
    GROUP BY {k}, dt
  ) AS named
  QUALIFY ROW_NUMBER() OVER (PARTITION BY {k} ORDER BY last_seen_dt DESC, name DESC) = 1
)
SELECT {k}, name, last_seen_dt FROM latest
UNION ALL
SELECT DISTINCT {", ".join(f"r.{c.name}" for c in keys)}, CAST(NULL AS VARCHAR),
  CAST(NULL AS DATE)
FROM (
{union(*referenced)}
) AS r
WHERE NOT EXISTS (SELECT 1 FROM latest AS l WHERE {matched})
""",
        checks=(Unique(tuple(c.name for c in keys)), NotNull(tuple(c.name for c in keys))),
        reads=(*reads, previous(name)),
    )


DIM_GENRE = _member_dim(
    "dim_genre",
    "TMDB's genres of movies and of series, named in the latest genre list.",
    (
        Column("media", "VARCHAR", False, "genre.media", "movie or tv"),
        Column("genre_id", "INTEGER", False, "genre.genre_id", "TMDB genre id"),
    ),
    Column("name", "VARCHAR", True, "genre.name", "Genre name in the run's language"),
    ["SELECT media, genre_id, name, dt FROM genre"],
    [
        "SELECT 'movie' AS media, genre_id FROM bridge_movie_genre",
        "SELECT 'tv', genre_id FROM bridge_series_genre",
    ],
    ("genre", "bridge_movie_genre", "bridge_series_genre"),
)

DIM_PERSON = _member_dim(
    "dim_person",
    "Everyone credited on a title (cast or crew), with their latest name.",
    (Column("person_id", "BIGINT", False, "<title>_cast|crew.person_id", "TMDB person id"),),
    Column("name", "VARCHAR", True, "<title>_cast|crew.name", "Person's name"),
    [
        f"SELECT person_id, name, dt FROM {title}_{role}"
        for title in ("movie", "series")
        for role in ("cast", "crew")
    ],
    ["SELECT person_id FROM fact_credit"],
    ("movie_cast", "movie_crew", "series_cast", "series_crew", "fact_credit"),
)

DIM_KEYWORD = _member_dim(
    "dim_keyword",
    "TMDB's keywords of movies and series.",
    (Column("keyword_id", "BIGINT", False, "<title>_keyword.keyword_id", "TMDB keyword id"),),
    Column("name", "VARCHAR", True, "<title>_keyword.name", "Keyword"),
    [
        "SELECT keyword_id, name, dt FROM movie_keyword",
        "SELECT keyword_id, name, dt FROM series_keyword",
    ],
    [
        "SELECT keyword_id FROM bridge_movie_keyword",
        "SELECT keyword_id FROM bridge_series_keyword",
    ],
    ("movie_keyword", "series_keyword", "bridge_movie_keyword", "bridge_series_keyword"),
)

DIM_COUNTRY = _member_dim(
    "dim_country",
    "Countries (ISO 3166-1) movies are produced or released in, named as TMDB names them.",
    (Column("country", "VARCHAR", False, "movie_country.country", "ISO 3166-1 code"),),
    Column("name", "VARCHAR", True, "movie_country.name", "Country name"),
    ["SELECT country, name, dt FROM movie_country"],
    ["SELECT country FROM fact_release"],
    ("movie_country", "fact_release"),
)
