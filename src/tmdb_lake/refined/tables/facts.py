"""The facts: credits, releases, and the daily snapshot of every title's popularity and votes.

Credits and releases are current tables, from each title's latest details; the snapshot is
dated, one partition per collection day.
"""

from __future__ import annotations

import dataclasses

from tmdb_lake.refined.contract import Column, RefinedTable, date_key, from_trusted, previous
from tmdb_lake.refined.tables._merge import fresh, kept, union
from tmdb_lake.trusted.contract import NotNull, Relationship, Unique
from tmdb_lake.trusted.tables import BY_NAME as TRUSTED

_MEDIA = Column("media", "VARCHAR", False, "<movie or tv>", "movie or tv")
_TITLE_ID = Column("title_id", "BIGINT", False, "<movie or series id>", "TMDB movie or series id")


def _title_checks() -> tuple[Relationship, Relationship]:
    return (
        Relationship(("title_id",), "dim_movie", ("movie_id",), where="media = 'movie'"),
        Relationship(("title_id",), "dim_series", ("series_id",), where="media = 'tv'"),
    )


_VOTES = ("popularity", "vote_average", "vote_count")
_CREDIT_COLUMNS = (
    "media",
    "title_id",
    "person_id",
    "role",
    "department",
    "job",
    "character",
    "cast_order",
    "credit_id",
)


def _credits(title: str, media: str, key: str) -> list[str]:
    kept_rows = kept(
        "fact_credit", _CREDIT_COLUMNS, "title_id", title, "details_dt", f"media = '{media}'"
    )
    cast = fresh(
        f"'{media}', t.{key}, t.person_id, 'cast', CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), "
        "t.character, t.cast_order, t.credit_id",
        f"{title}_cast",
        title,
        key,
        "details_dt",
    )
    crew = fresh(
        f"'{media}', t.{key}, t.person_id, 'crew', t.department, t.job, CAST(NULL AS VARCHAR), "
        "CAST(NULL AS INTEGER), t.credit_id",
        f"{title}_crew",
        title,
        key,
        "details_dt",
    )
    return [kept_rows, cast, crew]


FACT_CREDIT = RefinedTable(
    name="fact_credit",
    description="Who worked on each title, in front of the camera (cast) or behind it (crew), "
    "from its latest details.",
    grain="one row per credit of a title",
    key=("media", "title_id", "credit_id"),
    columns=(
        _MEDIA,
        _TITLE_ID,
        Column("person_id", "BIGINT", False, "<title>_cast|crew.person_id", "TMDB person id"),
        Column("role", "VARCHAR", False, "<cast or crew>", "cast or crew"),
        *from_trusted(TRUSTED["movie_crew"], ("department", "job"), "<title>_crew"),
        *from_trusted(TRUSTED["movie_cast"], ("character", "cast_order"), "<title>_cast"),
        *from_trusted(TRUSTED["movie_cast"], ("credit_id",), "<title>_cast|crew"),
    ),
    sql=union(*_credits("movie", "movie", "movie_id"), *_credits("series", "tv", "series_id")),
    checks=(
        NotNull(("media", "title_id", "person_id", "role")),
        *_title_checks(),
        Relationship(("person_id",), "dim_person", ("person_id",)),
    ),
    reads=(
        "movie_cast",
        "movie_crew",
        "series_cast",
        "series_crew",
        "dim_movie",
        "dim_series",
        "movie",
        "series",
        previous("fact_credit"),
    ),
)

_RELEASE_COLUMNS = (
    "movie_id",
    "country",
    "type",
    "release_date_key",
    "certification",
    "note",
)

_RELEASES = tuple(
    dataclasses.replace(c, source=f"movie_release_date.{c.name}")
    for c in TRUSTED["movie_release_date"].columns[:2]
)  # movie_id, country: the key, not nullable

FACT_RELEASE = RefinedTable(
    name="fact_release",
    description="Each movie's releases per country and type, with their certification, from "
    "its latest details.",
    grain="one row per release of a movie in a country",
    key=("movie_id", "country", "type", "release_date_key"),
    columns=(
        *_RELEASES[:2],
        *from_trusted(TRUSTED["movie_release_date"], ("type",)),
        Column("release_date_key", "INTEGER", True, "movie_release_date.release_date", "yyyymmdd"),
        *from_trusted(TRUSTED["movie_release_date"], ("certification", "note")),
    ),
    sql=union(
        kept("fact_release", _RELEASE_COLUMNS, "movie_id", "movie", "details_dt"),
        fresh(
            f"t.movie_id, t.country, t.type, {date_key('t.release_date')}, t.certification, t.note",
            "movie_release_date",
            "movie",
            "movie_id",
            "details_dt",
        ),
    ),
    checks=(
        NotNull(("movie_id", "country")),
        Relationship(("movie_id",), "dim_movie", ("movie_id",)),
        Relationship(("country",), "dim_country", ("country",)),
        Relationship(("release_date_key",), "dim_date", ("date_key",)),
    ),
    reads=("movie_release_date", "dim_movie", "movie", previous("fact_release")),
)

FACT_TITLE_SNAPSHOT = RefinedTable(
    name="fact_title_snapshot",
    description="Every title's popularity and votes on each collection day: their history.",
    grain="one row per title per dt",
    key=("media", "title_id"),
    dated=True,
    columns=(
        _MEDIA,
        _TITLE_ID,
        Column("date_key", "INTEGER", False, "<dt>", "The collection day, yyyymmdd"),
        *from_trusted(TRUSTED["movie"], _VOTES, "movie|series"),
        *from_trusted(TRUSTED["movie"], ("budget", "revenue")),
    ),
    sql=f"""
SELECT 'movie' AS media, id AS title_id, {date_key("dt")} AS date_key,
  popularity, vote_average, vote_count, budget, revenue
FROM movie
UNION ALL
SELECT 'tv', id, {date_key("dt")}, popularity, vote_average, vote_count,
  CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
FROM series
""",
    checks=(
        Unique(("media", "title_id")),
        NotNull(("media", "title_id", "date_key")),
        *_title_checks(),
        Relationship(("date_key",), "dim_date", ("date_key",)),
    ),
    reads=("movie", "series", "dim_movie", "dim_series", "dim_date"),
)
