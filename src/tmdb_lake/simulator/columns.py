"""Compact per-title columns: what discover filters and sorts on, a few bytes per title.

A million titles as dicts would cost gigabytes; as ``array`` columns they cost ~25 MB and
build in about a second. Text fields are not stored: they are rebuilt from (seed, id).
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from tmdb_lake.simulator.genres import GENRES, LANGUAGES, Media

ADULT = 1
VIDEO = 2
DELETED = 4

FIRST_YEAR = 1900
LAST_YEAR = 2027
# Titles whose date is on or after this day are upcoming: fixed, not "today", so that
# responses stay byte-identical whatever the clock says.
UPCOMING_FROM = date(2025, 1, 1).toordinal()
_LAST_AIR_CAP = date(2025, 6, 30).toordinal()


@dataclass(frozen=True, eq=False)
class Columns:
    """The catalog of one media type, one array per field, sorted by id.

    Attributes:
        media: ``"movie"`` or ``"tv"``.
        ids: TMDB ids, strictly increasing with gaps.
        popularity: popularity in thousandths (``1234`` is ``1.234``).
        vote_average: average vote in tenths (``72`` is ``7.2``).
        vote_count: number of votes.
        date: release / first air date as a proleptic ordinal, ``0`` when unknown.
        end_date: TV last air date ordinal (``0`` when unknown); empty for movies.
        genres: genre bitmask over ``GENRES[media]``.
        flags: ``ADULT | VIDEO | DELETED`` bits.
        language: index into ``LANGUAGES`` of the original language.

    """

    media: Media
    ids: array[int]
    popularity: array[int]
    vote_average: array[int]
    vote_count: array[int]
    date: array[int]
    end_date: array[int]
    genres: array[int]
    flags: array[int]
    language: array[int]

    def __len__(self) -> int:
        return len(self.ids)

    def index_of(self, title_id: int) -> int | None:
        """Give the row of an id, or ``None`` when the catalog never had it."""
        i = bisect_left(self.ids, title_id)
        if i < len(self.ids) and self.ids[i] == title_id:
            return i
        return None


def _genre_pool(media: Media, rng: random.Random, size: int = 8192) -> list[int]:
    # Drawing every title's genres independently costs ~19 draws per title; sampling
    # from a pool of pre-drawn masks keeps the shares and correlations at 1 draw.
    table = GENRES[media]
    bit = {g.id: 1 << i for i, g in enumerate(table)}
    pool = []
    for _ in range(size):
        mask = 0
        animated = rng.random() < next(g.share for g in table if g.id == 16)
        if animated:
            mask |= bit[16]
        for genre in table:
            if genre.id == 16:
                continue
            share = genre.share
            if genre.id == 35:
                # Animated titles are comedies more often: P(C|A) = 0.45, P(C) stays ~35%.
                share = 0.45 if animated else (share - 0.12 * 0.45) / 0.88
            elif genre.id in (10751, 10762) and animated:
                share = 0.45
            if rng.random() < share:
                mask |= bit[genre.id]
        pool.append(mask)
    return pool


def _year_weights() -> tuple[list[int], list[float]]:
    starts = [date(y, 1, 1).toordinal() for y in range(FIRST_YEAR, LAST_YEAR + 1)]
    # More recent years have more titles; the last ones are only partly announced.
    future = {2025: 0.8, 2026: 0.35, 2027: 0.15}
    weights = [
        2.718 ** ((y - FIRST_YEAR) / 28) * future.get(y, 1.0)
        for y in range(FIRST_YEAR, LAST_YEAR + 1)
    ]
    return starts, weights


def build_columns(media: Media, count: int, seed: int) -> Columns:
    """Build the columns of ``count`` titles, deterministically from ``seed``."""
    rng = random.Random(f"tmdb-lake-simulator:{media}:{seed}")
    rand = rng.random
    first_id = 2 if media == "movie" else 1
    gaps = rng.choices((1, 2, 3, 4, 5, 9, 40), weights=(30, 25, 18, 12, 8, 5, 2), k=count)
    ids = array("I", accumulate(gaps[1:], initial=first_id) if count else ())

    # Inlined Pareto(1.6) and a sum-of-uniforms bell: same shapes as random's helpers, 3x
    # faster, which is what keeps a million-title build within a couple of seconds.
    popularity = array("I", [min(int(600 * (1.0 - rand()) ** -0.625), 5_000_000) for _ in ids])
    vote_count = array(
        "I",
        [
            0 if rand() < 0.25 else int(min(p, 2_000_000) ** 1.06 * 0.014 * rand())
            for p in popularity
        ],
    )
    vote_average = array(
        "B",
        [
            0 if c == 0 else max(10, min(100, int(32 + 20 * (rand() + rand() + rand()))))
            for c in vote_count
        ],
    )

    starts, weights = _year_weights()
    years = rng.choices(starts, weights=weights, k=count)
    dates = array("I", [0 if rand() < 0.03 else y + int(rand() * 365) for y in years])
    end_dates = array("I")
    if media == "tv":
        expo = rng.expovariate
        end_dates = array(
            "I",
            [0 if d == 0 else max(d, min(d + int(expo(1 / 1200)), _LAST_AIR_CAP)) for d in dates],
        )

    genres = array("I", rng.choices(_genre_pool(media, rng), k=count))
    video_share = 0.03 if media == "movie" else 0.02
    flags = array(
        "B",
        [
            ADULT if r < 0.02 else VIDEO if r < video_share else DELETED if r >= 0.99 else 0
            for r in [rand() for _ in ids]
        ],
    )
    language = array(
        "B", rng.choices(range(len(LANGUAGES)), weights=[x.share for x in LANGUAGES], k=count)
    )
    return Columns(
        media, ids, popularity, vote_average, vote_count, dates, end_dates, genres, flags, language
    )
