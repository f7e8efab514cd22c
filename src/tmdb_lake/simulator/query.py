"""Request parameters parsed the way TMDB reads them, or rejected the way TMDB rejects them.

A parsed ``DiscoverQuery`` is hashable, so the catalog can cache the (expensive) full
result set of a query while the client pages through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from tmdb_lake.simulator.genres import GENRE_BIT, LANGUAGE_INDEX, Media

MAX_PAGE = 500


class QueryError(ValueError):
    """A request TMDB refuses, with the HTTP status and TMDB ``status_code`` it answers."""

    def __init__(self, http_status: int, status_code: int, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.status_code = status_code
        self.message = message


def invalid_page() -> QueryError:
    """Give TMDB's error for a page outside 1..500 or not an integer."""
    return QueryError(
        400,
        22,
        "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer.",
    )


def invalid_date() -> QueryError:
    """Give TMDB's error for a date that is not ``YYYY-MM-DD``."""
    return QueryError(400, 23, "Invalid date: Format needs to be YYYY-MM-DD.")


def invalid_parameters() -> QueryError:
    """Give TMDB's error for a parameter of the wrong type."""
    return QueryError(422, 5, "Invalid parameters: Your request parameters are incorrect.")


def parse_page(params: Mapping[str, str], max_page: int | None = MAX_PAGE) -> int:
    """Give the requested page (default 1), rejecting what TMDB rejects."""
    raw = params.get("page", "1").strip()
    if not raw.isdigit():
        raise invalid_page()
    page = int(raw)
    if page < 1 or (max_page is not None and page > max_page):
        raise invalid_page()
    return page


def parse_date(raw: str) -> date:
    """Give a ``YYYY-MM-DD`` date or raise TMDB's invalid-date error."""
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise invalid_date() from None


def _flag(params: Mapping[str, str], name: str, default: bool) -> bool:
    raw = params.get(name)
    return default if raw is None else raw.strip().lower() == "true"


def _number(params: Mapping[str, str], name: str, scale: int) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return round(float(raw) * scale)
    except ValueError:
        raise invalid_parameters() from None


def _groups(raw: str, table: Mapping[int, int]) -> tuple[int, ...]:
    """Turn ``a,b|c`` into masks that must each intersect: comma is AND, pipe is OR."""
    groups = []
    for part in raw.split(","):
        mask = 0
        for token in part.split("|"):
            token = token.strip()
            if token.isdigit():
                mask |= table.get(int(token), 0)
        groups.append(mask)  # an unknown id leaves 0, which nothing matches, as on TMDB
    return tuple(groups)


_MOVIE_SORTS = {
    "popularity": "popularity",
    "vote_average": "vote_average",
    "vote_count": "vote_count",
    "primary_release_date": "date",
    "release_date": "date",
}
_TV_SORTS = {
    "popularity": "popularity",
    "vote_average": "vote_average",
    "vote_count": "vote_count",
    "first_air_date": "date",
}


@dataclass(frozen=True)
class DiscoverQuery:
    """Everything that decides which titles a discover request returns, and in what order.

    Dates are proleptic ordinals (``0`` = unbounded); votes are in tenths; ``genre_groups``
    are masks that must each intersect the title's mask.
    """

    media: Media
    sort_field: str = "popularity"
    descending: bool = True
    include_adult: bool = False
    include_video: bool = False
    include_null_dates: bool = True
    date_gte: int = 0
    date_lte: int = 0
    air_gte: int = 0
    air_lte: int = 0
    genre_groups: tuple[int, ...] = ()
    without_genres: int = 0
    vote_count_gte: int | None = None
    vote_count_lte: int | None = None
    vote_average_gte: int | None = None
    vote_average_lte: int | None = None
    languages: tuple[int, ...] | None = None

    @classmethod
    def parse(cls, media: Media, params: Mapping[str, str]) -> DiscoverQuery:
        """Read a ``/discover/{media}`` query string (page and language are not part of it)."""
        sorts = _MOVIE_SORTS if media == "movie" else _TV_SORTS
        field, _, direction = params.get("sort_by", "popularity.desc").partition(".")
        if field not in sorts or direction not in ("asc", "desc"):
            field, direction = "popularity", "desc"  # TMDB ignores sorts it does not know

        # Movies: release_date.* and primary_release_date.* both bound our single date.
        # TV: only first_air_date.*; it ignores the movie parameters, as TMDB does.
        date_prefixes = (
            ("primary_release_date", "release_date") if media == "movie" else ("first_air_date",)
        )
        gte, lte = 0, 0
        for prefix in date_prefixes:
            if raw := params.get(f"{prefix}.gte"):
                gte = max(gte, parse_date(raw).toordinal())
            if raw := params.get(f"{prefix}.lte"):
                lte = min(lte, parse_date(raw).toordinal()) if lte else parse_date(raw).toordinal()
        year_key = (
            ("primary_release_year", "year") if media == "movie" else ("first_air_date_year",)
        )
        for key in year_key:
            if raw := params.get(key):
                if not raw.isdigit():
                    raise invalid_parameters()
                gte = max(gte, date(int(raw), 1, 1).toordinal())
                end = date(int(raw), 12, 31).toordinal()
                lte = min(lte, end) if lte else end
        air_gte = air_lte = 0
        if media == "tv":
            if raw := params.get("air_date.gte"):
                air_gte = parse_date(raw).toordinal()
            if raw := params.get("air_date.lte"):
                air_lte = parse_date(raw).toordinal()

        bits = GENRE_BIT[media]
        with_genres = params.get("with_genres", "").strip()
        without = params.get("without_genres", "").strip()
        without_mask = 0
        for token in without.replace("|", ",").split(","):
            if token.strip().isdigit():
                without_mask |= bits.get(int(token), 0)

        languages: tuple[int, ...] | None = None
        if raw := params.get("with_original_language", "").strip():
            codes = {c.strip() for c in raw.replace("|", ",").split(",") if c.strip()}
            if "," in raw and len(codes) > 1:
                languages = ()  # one original language per title: an AND of two matches none
            else:
                languages = tuple(sorted(LANGUAGE_INDEX.get(c, -1) for c in codes))

        return cls(
            media=media,
            sort_field=sorts[field],
            descending=direction == "desc",
            include_adult=_flag(params, "include_adult", False),
            include_video=_flag(params, "include_video", False) if media == "movie" else True,
            include_null_dates=(
                media == "movie" or _flag(params, "include_null_first_air_dates", False)
            ),
            date_gte=gte,
            date_lte=lte,
            air_gte=air_gte,
            air_lte=air_lte,
            genre_groups=_groups(with_genres, bits) if with_genres else (),
            without_genres=without_mask,
            vote_count_gte=_number(params, "vote_count.gte", 1),
            vote_count_lte=_number(params, "vote_count.lte", 1),
            vote_average_gte=_number(params, "vote_average.gte", 10),
            vote_average_lte=_number(params, "vote_average.lte", 10),
            languages=languages,
        )
