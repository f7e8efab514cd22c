"""The merge rule: one record per title and `dt`, when a day holds several of it.

A day can hold a title's discover result, its details (`--details`, `--catalog`) and its
details from a `--changes` run. The trusted row comes from exactly one of them, the
*winner*, so that every column and every child row (cast, keywords, ...) of a title
comes from the same record:

1. a details-shaped record (`details`, `changes`) beats a discover result (it has every
   discover field and the details on top);
2. between two of the same rank, the one committed last (`_ingested_at`, the raw
   manifest's `finished_at`) wins; then the higher run id, then the higher file key, so
   the choice never depends on read order.

`source` in `movie` / `series` says which kind of record won.
"""

from __future__ import annotations

from tmdb_lake.trusted.contract import IntermediateModel

# The rank runs on the narrow key columns and the winners are joined back, so the wide
# records (credits and all) are never sorted. (id, _source_key) is unique: a raw file holds
# an id at most once.
_RANKED = """
SELECT r.*
FROM {source} AS r
JOIN (
  SELECT id, _source_key
  FROM {source}
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY id
    ORDER BY
      CASE WHEN _source = 'discover' THEN 0 ELSE 1 END DESC,
      _ingested_at DESC,
      _run_id DESC,
      _source_key DESC
  ) = 1
) AS w
  ON r.id = w.id AND r._source_key = w._source_key
"""

MOVIE_MERGED = IntermediateModel(
    name="movie_merged",
    description="One movie record per id: the winner of the merge rule.",
    sql=_RANKED.format(source="movie_record"),
    unique_shortcut=("movie_record", "id"),
)

SERIES_MERGED = IntermediateModel(
    name="series_merged",
    description="One series record per id: the winner of the merge rule.",
    sql=_RANKED.format(source="series_record"),
    unique_shortcut=("series_record", "id"),
)

MODELS = (MOVIE_MERGED, SERIES_MERGED)
