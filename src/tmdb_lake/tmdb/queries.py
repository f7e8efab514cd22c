"""What to ask TMDB: the endpoints and parameters of each media type.

Movies and series differ in small ways that the original script got wrong (it sent
`primary_release_date.lte` to `/discover/tv`, where TMDB silently ignores it). Each
difference lives here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

PAGE_SIZE = 20
"""Results per discover page: fixed by TMDB."""

MAX_PAGE = 500
"""TMDB refuses page > 500 (HTTP 400, status_code 22), whatever total_pages says."""

MAX_RESULTS_PER_QUERY = PAGE_SIZE * MAX_PAGE


class MediaType(StrEnum):
    """A TMDB media type, with the parts of the API that differ between them."""

    MOVIE = "movie"
    TV = "tv"

    @property
    def discover_path(self) -> str:
        """Give the discover endpoint, relative to the API base."""
        return f"/discover/{self.value}"

    def details_path(self, tmdb_id: int) -> str:
        """Give the details endpoint of one title."""
        return f"/{self.value}/{tmdb_id}"

    @property
    def changes_path(self) -> str:
        """Give the changes endpoint (ids changed in a window of at most 14 days)."""
        return f"/{self.value}/changes"

    @property
    def genres_path(self) -> str:
        """Give the genre list endpoint."""
        return f"/genre/{self.value}/list"

    @property
    def date_param(self) -> str:
        """Name the release-date filter that this media's discover endpoint honours."""
        return "primary_release_date" if self is MediaType.MOVIE else "first_air_date"

    @property
    def export_prefix(self) -> str:
        """Name the daily ID export file of this media (before `_MM_DD_YYYY.json.gz`)."""
        return "movie_ids" if self is MediaType.MOVIE else "tv_series_ids"


@dataclass(frozen=True)
class DiscoverQuery:
    """One `/discover/{movie,tv}` query, without its page number.

    >>> q = DiscoverQuery(MediaType.TV, genres="16,35", released_until=date(2023, 12, 31))
    >>> q.params(page=2)["first_air_date.lte"]
    '2023-12-31'
    """

    media: MediaType
    genres: str = ""
    language: str = "pt-BR"
    released_from: date | None = None
    released_until: date | None = None
    sort_by: str = "popularity.desc"

    def params(self, page: int) -> dict[str, str]:
        """Give the query parameters for one page, exactly as TMDB expects them."""
        if not 1 <= page <= MAX_PAGE:
            raise ValueError(f"page {page} is outside TMDB's 1..{MAX_PAGE}")
        params = {
            "language": self.language,
            "include_adult": "false",
            "sort_by": self.sort_by,
            "page": str(page),
        }
        if self.media is MediaType.MOVIE:
            params["include_video"] = "false"
        if self.genres:
            params["with_genres"] = self.genres
        if self.released_from is not None:
            params[f"{self.media.date_param}.gte"] = self.released_from.isoformat()
        if self.released_until is not None:
            params[f"{self.media.date_param}.lte"] = self.released_until.isoformat()
        return params

    def window(self, released_from: date | None, released_until: date | None) -> DiscoverQuery:
        """Give the same query narrowed to a release-date window, sorted stably by date.

        Inside a window sorted by date (ties broken by TMDB), pages cannot skip or
        repeat records while popularity shifts during the run.
        """
        return DiscoverQuery(
            media=self.media,
            genres=self.genres,
            language=self.language,
            released_from=released_from,
            released_until=released_until,
            sort_by=f"{self.media.date_param}.asc",
        )


def details_params(language: str, appends: tuple[str, ...]) -> dict[str, str]:
    """Give the query parameters of a details request."""
    params = {"language": language}
    if appends:
        params["append_to_response"] = ",".join(appends)
    return params


def export_file_name(media: MediaType, day: date) -> str:
    """Name TMDB's daily ID export file for one media type and day."""
    return f"{media.export_prefix}_{day:%m_%d_%Y}.json.gz"
