"""The deterministic synthetic catalog behind the simulator, and its ground truth for tests.

``Catalog(movies, series, seed)`` builds compact columns (see ``columns.py``) and answers
the questions the endpoints ask: which titles a discover query returns and in what order,
which titles changed on which days, what a daily export lists, whether an id still exists.
Tests use the same methods as ground truth, computed over the full result set (no 500-page
cap). Example::

    catalog = Catalog(movies=2_000, series=500, seed=7)
    ids = catalog.discover_ids("movie", {"with_genres": "16,35"})
    assert all(catalog.exists("movie", i) for i in ids)
"""

from __future__ import annotations

import random
import threading
from array import array
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from tmdb_lake.simulator.columns import ADULT, DELETED, VIDEO, Columns, build_columns
from tmdb_lake.simulator.genres import MEDIA, Media
from tmdb_lake.simulator.query import DiscoverQuery
from tmdb_lake.simulator.seeds import MEDIA_KEY, SALT_CHANGES, mix

_CACHED_QUERIES = 64
_NO_DATE_LAST = 1 << 30
# Share of a catalog that changes on a given day (TMDB: ~5,000 of ~1M movies a day).
_DAILY_CHANGE_SHARE = 0.005


class Catalog:
    """A deterministic synthetic TMDB catalog: same seed, same titles, same answers.

    Args:
        movies: number of movie ids (about 1% of them are deleted: 404 on details).
        series: number of TV series ids.
        seed: everything, down to each title's text, derives from it.

    """

    def __init__(self, movies: int = 20_000, series: int = 5_000, seed: int = 42) -> None:
        if movies < 0 or series < 0:
            raise ValueError("movies and series must be >= 0")
        self.seed = seed
        self._columns: dict[Media, Columns] = {
            "movie": build_columns("movie", movies, seed),
            "tv": build_columns("tv", series, seed),
        }
        self._lock = threading.Lock()
        self._orders: dict[tuple[Media, str, bool], array[int]] = {}
        self._results: OrderedDict[DiscoverQuery, array[int]] = OrderedDict()

    def __repr__(self) -> str:
        sizes = ", ".join(f"{m}={len(self._columns[m])}" for m in MEDIA)
        return f"Catalog({sizes}, seed={self.seed})"

    def columns(self, media: Media) -> Columns:
        """Give the raw columns of one media type (read-only by convention)."""
        return self._columns[media]

    def row(self, media: Media, title_id: int) -> int | None:
        """Give the row of a title that exists (not deleted), else ``None``."""
        columns = self._columns[media]
        i = columns.index_of(title_id)
        if i is None or columns.flags[i] & DELETED:
            return None
        return i

    def exists(self, media: Media, title_id: int) -> bool:
        """Tell whether ``/{media}/{id}`` answers 200 (``False``: never existed or deleted)."""
        return self.row(media, title_id) is not None

    # -- discover ---------------------------------------------------------------------------

    def discover(self, query: DiscoverQuery) -> array[int]:
        """Give the rows a discover query returns, in endpoint order, over all pages."""
        with self._lock:
            cached = self._results.get(query)
            if cached is not None:
                self._results.move_to_end(query)
                return cached
        rows = self._filter(query, self._order(query.media, query.sort_field, query.descending))
        with self._lock:
            self._results[query] = rows
            while len(self._results) > _CACHED_QUERIES:
                self._results.popitem(last=False)
        return rows

    def move_date(self, media: Media, row: int, days: int) -> None:
        """Move one title's date by `days` (TMDB edited it), so later queries see the new one."""
        with self._lock:
            dates = self._columns[media].date
            if dates[row]:
                dates[row] = max(1, dates[row] + days)
            self._orders.clear()
            self._results.clear()

    def discover_ids(self, media: Media, params: Mapping[str, str]) -> list[int]:
        """Give the ids ``/discover/{media}`` returns for ``params``, all pages concatenated.

        Ignores ``page`` and the 500-page cap: this is the full ground truth.
        """
        ids = self._columns[media].ids
        return [ids[i] for i in self.discover(DiscoverQuery.parse(media, params))]

    def _order(self, media: Media, field: str, descending: bool) -> array[int]:
        key = (media, field, descending)
        with self._lock:
            cached = self._orders.get(key)
        if cached is not None:
            return cached
        columns = self._columns[media]
        rows = range(len(columns))
        if field == "date" and not descending:
            dates = columns.date
            # Titles without a date go last in both directions.
            order = sorted(rows, key=lambda i: dates[i] or _NO_DATE_LAST)
        else:
            values = getattr(columns, field)
            # sorted() is stable even with reverse=True, so ties stay in id order.
            order = sorted(rows, key=values.__getitem__, reverse=descending)
        result = array("I", order)
        with self._lock:
            self._orders[key] = result
        return result

    def _filter(self, query: DiscoverQuery, order: array[int]) -> array[int]:
        # One cheap pass per condition: far faster in CPython than one predicate closure.
        c = self._columns[query.media]
        flags, dates, genres = c.flags, c.date, c.genres
        hidden = DELETED | (0 if query.include_adult else ADULT)
        hidden |= 0 if query.include_video else VIDEO
        rows: Sequence[int] = [i for i in order if not flags[i] & hidden]
        if not query.include_null_dates:
            rows = [i for i in rows if dates[i]]
        if query.date_gte:
            rows = [i for i in rows if dates[i] >= query.date_gte]
        if query.date_lte:
            rows = [i for i in rows if 0 < dates[i] <= query.date_lte]
        if query.air_gte:  # aired on or after: the last air date reaches it
            rows = [i for i in rows if c.end_date[i] >= query.air_gte]
        if query.air_lte:
            rows = [i for i in rows if 0 < dates[i] <= query.air_lte]
        for mask in query.genre_groups:
            rows = [i for i in rows if genres[i] & mask]
        if query.without_genres:
            rows = [i for i in rows if not genres[i] & query.without_genres]
        for bound, column, low in (
            (query.vote_count_gte, c.vote_count, True),
            (query.vote_count_lte, c.vote_count, False),
            (query.vote_average_gte, c.vote_average, True),
            (query.vote_average_lte, c.vote_average, False),
        ):
            if bound is not None:
                if low:
                    rows = [i for i in rows if column[i] >= bound]
                else:
                    rows = [i for i in rows if column[i] <= bound]
        if query.languages is not None:
            wanted = set(query.languages)
            rows = [i for i in rows if c.language[i] in wanted]
        return array("I", rows)

    # -- changes ----------------------------------------------------------------------------

    def changes_on(self, media: Media, day: date) -> list[int]:
        """Give the rows that changed on ``day`` (deleted titles included)."""
        n = len(self._columns[media])
        if n == 0:
            return []
        rng = random.Random(mix(self.seed, MEDIA_KEY[media], SALT_CHANGES, day.toordinal()))
        count = min(n, max(1, round(n * _DAILY_CHANGE_SHARE * (0.6 + 0.8 * rng.random()))))
        return rng.sample(range(n), count)

    def changed_rows(self, media: Media, start: date, end: date) -> list[int]:
        """Give the rows changed between two days (inclusive), most recent change first."""
        seen: set[int] = set()
        rows: list[int] = []
        day = end
        while day >= start:
            for i in self.changes_on(media, day):
                if i not in seen:
                    seen.add(i)
                    rows.append(i)
            day -= timedelta(days=1)
        return rows

    def changed_ids(self, media: Media, start: date, end: date) -> list[int]:
        """Give the ids ``/{media}/changes`` lists for a window, all pages in order."""
        ids = self._columns[media].ids
        return [ids[i] for i in self.changed_rows(media, start, end)]

    # -- exports ----------------------------------------------------------------------------

    def export_rows(self, media: Media, day: date, *, adult: bool = False) -> list[int]:
        """Give the rows a daily export file lists, in id order.

        The main file leaves adult titles out (TMDB publishes them in ``adult_*`` files).
        Deleted titles are listed: they were removed after the file was made, so their
        details answer 404, as happens with real exports.
        """
        del day  # every published day lists the whole catalog
        flags = self._columns[media].flags
        wanted = ADULT if adult else 0
        return [i for i in range(len(flags)) if flags[i] & ADULT == wanted]

    def export_ids(self, media: Media, day: date) -> list[int]:
        """Give the ids of the ``{media}_ids_MM_DD_YYYY.json.gz`` export for ``day``."""
        ids = self._columns[media].ids
        return [ids[i] for i in self.export_rows(media, day)]
