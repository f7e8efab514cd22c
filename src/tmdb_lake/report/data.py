"""The data aggregates, computed in DuckDB over the zones' views: the page gets only these.

Each aggregate is bounded by what it shows, never by the lake's size: titles per genre per
decade (genres x decades x 2 media), popularity per day of 10 titles, 15 people, rows per
dt of the title tables. The refined ones read the model's names (issue 13) through
`report/refined.py`'s views; the trusted one reads `tmdb-lake query`'s views.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tmdb_lake.trusted.duckdb_engine import DuckDBEngine

TOP_TITLES = 10
TOP_PEOPLE = 15

TRUSTED_ROWS = """
SELECT CAST(dt AS VARCHAR) AS dt, 'movie' AS title_table, count(*) AS titles FROM movie GROUP BY dt
UNION ALL
SELECT CAST(dt AS VARCHAR), 'series', count(*) FROM series GROUP BY dt
ORDER BY dt, title_table
"""

GENRES_BY_DECADE = """
WITH titles AS (
    SELECT 'movie' AS media, b.genre_id, m.decade
    FROM bridge_movie_genre AS b JOIN dim_movie AS m ON m.movie_id = b.movie_id
    UNION ALL
    SELECT 'tv', b.genre_id, s.decade
    FROM bridge_series_genre AS b JOIN dim_series AS s ON s.series_id = b.series_id
)
SELECT t.media, g.name AS genre, CAST(t.decade AS INTEGER) AS decade, count(*) AS titles
FROM titles AS t JOIN dim_genre AS g ON g.media = t.media AND g.genre_id = t.genre_id
WHERE t.decade IS NOT NULL
GROUP BY ALL
ORDER BY t.media, genre, decade
"""

POPULARITY_OF_TOP_TITLES = f"""
WITH top AS (
    SELECT media, title_id, popularity
    FROM fact_title_snapshot
    WHERE date_key = (SELECT max(date_key) FROM fact_title_snapshot) AND popularity IS NOT NULL
    ORDER BY popularity DESC, media, title_id
    LIMIT {TOP_TITLES}
),
names AS (
    SELECT 'movie' AS media, movie_id AS title_id, title FROM dim_movie
    UNION ALL
    SELECT 'tv', series_id, name FROM dim_series
)
SELECT f.media, f.title_id,
       coalesce(n.title, f.media || ' ' || f.title_id) || ' (' || f.media || ' ' || f.title_id
           || ')' AS title,
       CAST(d.date AS VARCHAR) AS day, round(f.popularity, 3) AS popularity
FROM fact_title_snapshot AS f
JOIN top USING (media, title_id)
JOIN dim_date AS d ON d.date_key = f.date_key
LEFT JOIN names AS n ON n.media = f.media AND n.title_id = f.title_id
ORDER BY top.popularity DESC, f.media, f.title_id, day
"""

# One group per (person, title) first: a person credited twice in a title (cast and crew,
# two jobs) counts once. Faster than count(DISTINCT ...) per person (bench: 18 s against
# 84 s for 20,000,000 credits on 2 cores), and the names are joined for 15 people only.
TOP_CREDITED_PEOPLE = f"""
WITH per_title AS (
    SELECT person_id, media, title_id,
           bool_or(role = 'cast') AS as_cast, bool_or(role = 'crew') AS as_crew
    FROM fact_credit
    GROUP BY person_id, media, title_id
),
top AS (
    SELECT person_id, count(*) AS titles, count(*) FILTER (WHERE as_cast) AS cast_titles,
           count(*) FILTER (WHERE as_crew) AS crew_titles
    FROM per_title
    GROUP BY person_id
    ORDER BY titles DESC, person_id
    LIMIT {TOP_PEOPLE}
)
SELECT t.person_id, p.name, t.titles, t.cast_titles, t.crew_titles
FROM top AS t LEFT JOIN dim_person AS p ON p.person_id = t.person_id
ORDER BY t.titles DESC, t.person_id
"""

NEEDS: dict[str, frozenset[str]] = {
    "genres": frozenset(
        {"bridge_movie_genre", "bridge_series_genre", "dim_movie", "dim_series", "dim_genre"}
    ),
    "popularity": frozenset({"fact_title_snapshot", "dim_date", "dim_movie", "dim_series"}),
    "people": frozenset({"fact_credit", "dim_person"}),
}
QUERIES = {
    "genres": GENRES_BY_DECADE,
    "popularity": POPULARITY_OF_TOP_TITLES,
    "people": TOP_CREDITED_PEOPLE,
}


@dataclass(frozen=True)
class Rows:
    """A query's result: column names and rows (plain Python values)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        """Give the rows as one dict per row (a chart's data)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def query(engine: DuckDBEngine, sql: str) -> Rows:
    """Run one aggregate."""
    columns, rows = engine.query(sql)
    return Rows(columns, rows)


def refined_aggregates(engine: DuckDBEngine, tables: set[str]) -> dict[str, Rows | str]:
    """Give each refined aggregate, or why the lake cannot give it (tables it lacks)."""
    found: dict[str, Rows | str] = {}
    for name, sql in QUERIES.items():
        missing = sorted(NEEDS[name] - tables)
        found[name] = (
            query(engine, sql)
            if not missing
            else "the lake has no refined " + ", ".join(missing) + " yet (tmdb-lake refine)"
        )
    return found
