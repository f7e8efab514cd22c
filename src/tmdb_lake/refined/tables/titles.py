"""`dim_movie`, `dim_series`: one row per TMDB id, the latest known attributes (SCD type 1).

The latest-attribute rule, per title:

- the attributes every record has (title, overview, popularity, votes, ...) come from the
  title's **latest** trusted row (the greatest `dt`: `last_seen_dt`);
- the attributes only details have (`imdb_id`, `runtime`, `budget`, `status`, ...) come
  from its latest row **with details** (`source` details or changes: `details_dt`), so a
  later day that saw the title only in discover does not blank them;
- `first_seen_dt` is the first dt the title was seen.

Each is an arg-max over dts, so it merges: the previous build's row is one more candidate,
carrying its own `last_seen_dt` / `details_dt`, beside the rows of the dts being added.
"""

from __future__ import annotations

from tmdb_lake.refined.contract import Column, RefinedTable, decade, from_trusted, previous
from tmdb_lake.trusted.contract import NotNull, Unique
from tmdb_lake.trusted.tables import BY_NAME as TRUSTED


def _title_dim(
    title: str, key: str, released: str, latest: tuple[str, ...], details: tuple[str, ...]
) -> RefinedTable:
    name = f"dim_{title}"
    source = TRUSTED[title]
    a = ", ".join(latest)
    d = ", ".join(details)
    return RefinedTable(
        name=name,
        description=f"Every {title} seen on any collection day, with its latest known "
        "attributes (SCD type 1).",
        grain=f"one row per TMDB {title} id",
        key=(key,),
        columns=(
            Column(key, "BIGINT", False, f"{title}.id", f"TMDB {title} id"),
            *from_trusted(source, latest),
            Column(
                "release_year", "INTEGER", True, f"year({title}.{released})", f"Year of {released}"
            ),
            Column("decade", "INTEGER", True, "<release_year, floored to ten>", "1990 for 1994"),
            *from_trusted(source, details),
            Column("first_seen_dt", "DATE", False, f"min({title}.dt)", "First day it was seen"),
            Column("last_seen_dt", "DATE", False, f"max({title}.dt)", "Latest day: its attributes"),
            Column(
                "details_dt",
                "DATE",
                True,
                f"max({title}.dt) with details",
                "Latest day with details: its details-only attributes",
            ),
        ),
        sql=f"""
SELECT
  s.{key},
  {", ".join(f"a.{c}" for c in latest)},
  CAST(year(a.{released}) AS INTEGER) AS release_year,
  {decade(f"year(a.{released})")} AS decade,
  {", ".join(f"d.{c}" for c in details)},
  s.first_seen_dt,
  s.last_seen_dt,
  s.details_dt
FROM (
  SELECT
    {key},
    min(first_seen_dt) AS first_seen_dt,
    max(last_seen_dt) AS last_seen_dt,
    max(details_dt) AS details_dt
  FROM (
    SELECT {key}, first_seen_dt, last_seen_dt, details_dt FROM {previous(name)}
    UNION ALL
    SELECT id, dt, dt, CASE WHEN source <> 'discover' THEN dt END FROM {title}
  ) AS sightings
  GROUP BY {key}
) AS s
JOIN (
  SELECT {key}, last_seen_dt AS seen_dt, {a} FROM {previous(name)}
  UNION ALL
  SELECT id, dt, {a} FROM {title}
) AS a ON a.{key} = s.{key} AND a.seen_dt = s.last_seen_dt
LEFT JOIN (
  SELECT {key}, details_dt AS seen_dt, {d} FROM {previous(name)} WHERE details_dt IS NOT NULL
  UNION ALL
  SELECT id, dt, {d} FROM {title} WHERE source <> 'discover'
) AS d ON d.{key} = s.{key} AND d.seen_dt = s.details_dt
""",
        checks=(Unique((key,)), NotNull((key, "first_seen_dt", "last_seen_dt"))),
        reads=(title, previous(name)),
    )


DIM_MOVIE = _title_dim(
    "movie",
    "movie_id",
    "release_date",
    latest=(
        "title",
        "original_title",
        "original_language",
        "overview",
        "release_date",
        "popularity",
        "vote_average",
        "vote_count",
        "adult",
        "video",
        "poster_path",
        "backdrop_path",
    ),
    details=(
        "imdb_id",
        "runtime",
        "budget",
        "revenue",
        "status",
        "tagline",
        "homepage",
        "collection_id",
    ),
)

DIM_SERIES = _title_dim(
    "series",
    "series_id",
    "first_air_date",
    latest=(
        "name",
        "original_name",
        "original_language",
        "overview",
        "first_air_date",
        "popularity",
        "vote_average",
        "vote_count",
        "adult",
        "poster_path",
        "backdrop_path",
        "origin_country",
    ),
    details=(
        "number_of_seasons",
        "number_of_episodes",
        "in_production",
        "status",
        "type",
        "last_air_date",
        "imdb_id",
        "tagline",
        "homepage",
    ),
)
