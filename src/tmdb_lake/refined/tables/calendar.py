"""`dim_date`: every day of the years the model's dates fall in (snapshots, releases)."""

from __future__ import annotations

from tmdb_lake.refined.contract import Column, RefinedTable, date_key, decade, previous
from tmdb_lake.refined.tables._merge import union
from tmdb_lake.trusted.contract import NotNull, Unique

# The calendar spans whole years, from the first year any date of the model falls in to
# the last; the previous calendar's days are dates too, so it never shrinks.
_DATES = union(
    f'SELECT "date" AS d FROM {previous("dim_date")}',
    "SELECT dt FROM movie",
    "SELECT dt FROM series",
    "SELECT release_date FROM dim_movie",
    "SELECT first_air_date FROM dim_series",
    "SELECT release_date FROM movie_release_date",
)

_PARTS = {
    "year": "Year",
    "month": "Month, 1-12",
    "quarter": "Quarter, 1-4",
    "decade": "1990 for 1994",
}

DIM_DATE = RefinedTable(
    name="dim_date",
    description="A calendar: every day of every year that a collection day, a release or a "
    "first air date falls in.",
    grain="one row per day",
    key=("date_key",),
    columns=(
        Column("date_key", "INTEGER", False, "<date>", "yyyymmdd, e.g. 20240501"),
        Column("date", "DATE", False, "<calendar>", "The day"),
        *(Column(name, "INTEGER", False, "<date>", text) for name, text in _PARTS.items()),
    ),
    sql=f"""
SELECT
  {date_key("d")} AS date_key,
  d AS "date",
  year(d) AS year,
  month(d) AS month,
  quarter(d) AS quarter,
  {decade("year(d)")} AS decade
FROM (
  SELECT CAST(day AS DATE) AS d
  FROM (
    SELECT UNNEST(generate_series(
      make_date(CAST(year(lo) AS INTEGER), 1, 1),
      make_date(CAST(year(hi) AS INTEGER), 12, 31),
      INTERVAL 1 DAY
    )) AS day
    FROM (
      SELECT min(d) AS lo, max(d) AS hi
      FROM (
{_DATES}
      ) AS dates
    ) AS bounds
    WHERE lo IS NOT NULL
  ) AS days
) AS calendar
""",
    checks=(Unique(("date_key",)), NotNull(("date_key", "date"))),
    reads=(
        "movie",
        "series",
        "dim_movie",
        "dim_series",
        "movie_release_date",
        previous("dim_date"),
    ),
)
