"""The facts: credits, releases, and the daily snapshot of every title's popularity and votes.

Credits and releases are current tables, from each title's latest details; the snapshot is
dated, one partition per collection day.
"""

from __future__ import annotations

from tmdb_lake.refined.contract import Column, RefinedTable, date_key, previous
from tmdb_lake.refined.tables._merge import fresh, kept, union
from tmdb_lake.trusted.contract import NotNull, Relationship, Unique

_MEDIA = Column("media", "VARCHAR", False, "<movie or tv>", "movie or tv")
_TITLE_ID = Column("title_id", "BIGINT", False, "<movie or series id>", "TMDB movie or series id")


def _title_checks() -> tuple[Relationship, Relationship]:
    return (
        Relationship(("title_id",), "dim_movie", ("movie_id",), where="media = 'movie'"),
        Relationship(("title_id",), "dim_series", ("series_id",), where="media = 'tv'"),
    )


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
        Column("department", "VARCHAR", True, "<title>_crew.department", "Crew department"),
        Column("job", "VARCHAR", True, "<title>_crew.job", "Crew job"),
        Column("character", "VARCHAR", True, "<title>_cast.character", "Role played (cast)"),
        Column("cast_order", "INTEGER", True, "<title>_cast.cast_order", "Billing order (cast)"),
        Column("credit_id", "VARCHAR", True, "<title>_cast|crew.credit_id", "TMDB credit id"),
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

FACT_RELEASE = RefinedTable(
    name="fact_release",
    description="Each movie's releases per country and type, with their certification, from "
    "its latest details.",
    grain="one row per release of a movie in a country",
    key=("movie_id", "country", "type", "release_date_key"),
    columns=(
        Column("movie_id", "BIGINT", False, "movie_release_date.movie_id", "TMDB movie id"),
        Column("country", "VARCHAR", False, "movie_release_date.country", "ISO 3166-1"),
        Column("type", "INTEGER", True, "movie_release_date.type", "1 premiere .. 6 TV"),
        Column(
            "release_date_key",
            "INTEGER",
            True,
            "movie_release_date.release_date",
            "yyyymmdd (see `dim_date`)",
        ),
        Column("certification", "VARCHAR", True, "movie_release_date.certification", "Age rating"),
        Column("note", "VARCHAR", True, "movie_release_date.note", "E.g. the festival"),
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
        Column("popularity", "DOUBLE", True, "movie|series.popularity", "TMDB popularity"),
        Column("vote_average", "DOUBLE", True, "movie|series.vote_average", "Mean vote, 0-10"),
        Column("vote_count", "BIGINT", True, "movie|series.vote_count", "Number of votes"),
        Column("budget", "BIGINT", True, "movie.budget", "US dollars (movie details only)"),
        Column("revenue", "BIGINT", True, "movie.revenue", "US dollars (movie details only)"),
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
