"""`movie_current`, `series_current`: each title dimension with its genres as arrays."""

from __future__ import annotations

from tmdb_lake.refined.contract import AnalystView
from tmdb_lake.refined.tables._merge import TITLE_KEYS


def _current(title: str, media: str) -> AnalystView:
    key = TITLE_KEYS[title]
    return AnalystView(
        name=f"{title}_current",
        description=f"`dim_{title}` with its genres: `genre_ids` and `genres` (names), sorted.",
        sql=f"""
SELECT
  t.*,
  coalesce(g.genre_ids, []) AS genre_ids,
  coalesce(g.genres, []) AS genres
FROM dim_{title} AS t
LEFT JOIN (
  SELECT
    b.{key},
    list_sort(list(b.genre_id)) AS genre_ids,
    list_sort(list(d.name) FILTER (WHERE d.name IS NOT NULL)) AS genres
  FROM bridge_{title}_genre AS b
  JOIN dim_genre AS d ON d.media = '{media}' AND d.genre_id = b.genre_id
  GROUP BY b.{key}
) AS g ON g.{key} = t.{key}
""",
    )


MOVIE_CURRENT = _current("movie", "movie")
SERIES_CURRENT = _current("series", "tv")
