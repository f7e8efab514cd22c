"""TMDB v3 semantics, transport-free: a request in, a ``Response`` out.

Keeping the endpoints apart from the HTTP server lets tests call them directly and keeps
the fault injection (which belongs to the transport) out of the business rules.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from tmdb_lake.simulator.appends import BUILDERS, MAX_APPENDS
from tmdb_lake.simulator.catalog import Catalog
from tmdb_lake.simulator.columns import ADULT, DELETED
from tmdb_lake.simulator.genres import Media, genre_list
from tmdb_lake.simulator.query import DiscoverQuery, QueryError, parse_date, parse_page
from tmdb_lake.simulator.records import Records
from tmdb_lake.simulator.seeds import MEDIA_KEY, SALT_DRIFT, mix

JSON_TYPE = "application/json;charset=utf-8"
DISCOVER_PAGE_SIZE = 20
CHANGES_PAGE_SIZE = 100
MAX_CHANGES_DAYS = 14
_EXPORT = re.compile(
    r"^/p/exports/(movie|tv_series|adult_movie|adult_tv_series)_ids_(\d\d)_(\d\d)_(\d{4})\.json\.gz$"
)
_DETAILS = re.compile(r"^/3/(movie|tv)/(\d+)(?:/([a-z_]+))?$")
_EXPORT_BATCH = 4096


@dataclass(frozen=True)
class Response:
    """What to send back: status, headers, and a body given whole or as a stream of chunks."""

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    stream: Iterator[bytes] | None = field(default=None, compare=False)


def json_response(payload: Any, status: int = 200) -> Response:
    """Give a JSON response, UTF-8, non-ASCII kept as is (as TMDB sends it)."""
    return Response(status, orjson.dumps(payload))


def tmdb_error(http_status: int, status_code: int, message: str) -> Response:
    """Give TMDB's error envelope."""
    return json_response(
        {"success": False, "status_code": status_code, "status_message": message}, http_status
    )


def not_found() -> Response:
    """Give TMDB's 404 for an unknown path or a missing title."""
    return tmdb_error(404, 34, "The resource you requested could not be found.")


def unauthorized() -> Response:
    """Give TMDB's 401 for a missing or wrong key."""
    return tmdb_error(401, 7, "Invalid API key: You must be granted a valid key.")


def _pages(total: int, size: int) -> int:
    return -(-total // size)


class TmdbApi:
    """The endpoints of the simulated TMDB over one catalog.

    Args:
        catalog: the titles to serve.
        api_key: accepted as ``?api_key=``.
        access_token: accepted as ``Authorization: Bearer``.
        exports_published_hour_utc: today's export files appear at this hour (UTC).
        now: the clock (aware UTC datetime), injectable so tests can move time.

    """

    def __init__(
        self,
        catalog: Catalog,
        *,
        api_key: str,
        access_token: str,
        exports_published_hour_utc: int = 8,
        now: Callable[[], datetime] | None = None,
        date_drift_rate: float = 0.0,
    ) -> None:
        self.catalog = catalog
        self.records = Records(catalog)
        self._api_key = api_key
        self._bearer = f"Bearer {access_token}"
        self._published_hour = exports_published_hour_utc
        self._now = now or (lambda: datetime.now(UTC))
        self._changed_rows = functools.lru_cache(maxsize=32)(catalog.changed_rows)
        self._export_cache: dict[tuple[Media, bool], list[bytes]] = {}
        self._drift_rate = date_drift_rate
        self._drifted: set[tuple[Media, int]] = set()

    def authorized(self, params: Mapping[str, str], headers: Mapping[str, str]) -> bool:
        """Tell whether the request carries the API key or the bearer token."""
        if params.get("api_key") == self._api_key:
            return True
        return headers.get("authorization", "").strip() == self._bearer

    def handle_api(self, path: str, params: Mapping[str, str]) -> Response:
        """Answer an authorized ``/3/...`` request."""
        try:
            return self._route(path, params)
        except QueryError as error:
            return tmdb_error(error.http_status, error.status_code, error.message)

    def _route(self, path: str, params: Mapping[str, str]) -> Response:
        language = params.get("language", "en-US") or "en-US"
        if path in ("/3/discover/movie", "/3/discover/tv"):
            return self.discover("movie" if path.endswith("movie") else "tv", params, language)
        if path in ("/3/genre/movie/list", "/3/genre/tv/list"):
            media: Media = "movie" if "/movie/" in path else "tv"
            return json_response({"genres": genre_list(media, language)})
        if path in ("/3/movie/changes", "/3/tv/changes"):
            return self.changes("movie" if "/movie/" in path else "tv", params)
        match = _DETAILS.match(path)
        if match:
            media = "movie" if match[1] == "movie" else "tv"
            return self.details(media, int(match[2]), match[3], params, language)
        return not_found()

    def discover(self, media: Media, params: Mapping[str, str], language: str) -> Response:
        """Answer ``/discover/{media}``: 20 per page, true totals, pages 1..500."""
        page = parse_page(params)
        rows = self.catalog.discover(DiscoverQuery.parse(media, params))
        start = (page - 1) * DISCOVER_PAGE_SIZE
        served = rows[start : start + DISCOVER_PAGE_SIZE]
        results = [self.records.list_item(media, row, language) for row in served]
        if self._drift_rate:
            self._drift(media, served)
        return json_response(
            {
                "page": page,
                "results": results,
                "total_pages": _pages(len(rows), DISCOVER_PAGE_SIZE),
                "total_results": len(rows),
            }
        )

    def _drift(self, media: Media, rows: Sequence[int]) -> None:
        """Move some just-served titles ten years earlier, once each (deterministic by id)."""
        for row in rows:
            key = (media, row)
            share = mix(self.catalog.seed, MEDIA_KEY[media], row, SALT_DRIFT) / 2**64
            if key in self._drifted or share >= self._drift_rate:
                continue
            self._drifted.add(key)
            self.catalog.move_date(media, row, -3652)
            self.records.forget_items()

    def details(
        self,
        media: Media,
        title_id: int,
        sub: str | None,
        params: Mapping[str, str],
        language: str,
    ) -> Response:
        """Answer ``/{media}/{id}`` (with appends) or one of its sub-resources."""
        row = self.catalog.row(media, title_id)
        if sub is not None:
            builder = BUILDERS[media].get(sub)
            if builder is None or row is None:
                return not_found()
            return json_response({"id": title_id, **builder(self.records, media, row, language)})
        appends = [a.strip() for a in params.get("append_to_response", "").split(",") if a.strip()]
        if len(appends) > MAX_APPENDS:
            raise QueryError(
                400,
                27,
                "Too many append to response objects: The maximum number of remote calls is 20.",
            )
        if row is None:
            return not_found()
        return json_response(self.records.details(media, row, language, appends))

    def changes(self, media: Media, params: Mapping[str, str]) -> Response:
        """Answer ``/{media}/changes``: 100 per page, windows of at most 14 days."""
        today = self._now().astimezone(UTC).date()
        end = parse_date(params["end_date"]) if params.get("end_date") else today
        start = (
            parse_date(params["start_date"])
            if params.get("start_date")
            else end - timedelta(days=1)
        )
        if (end - start).days > MAX_CHANGES_DAYS:
            raise QueryError(
                422, 20, "Invalid date range: Should be a range no longer than 14 days."
            )
        page = parse_page(params, max_page=None)
        rows = self._changed_rows(media, start, end) if start <= end else []
        columns = self.catalog.columns(media)
        begin = (page - 1) * CHANGES_PAGE_SIZE
        results = [
            {
                "id": columns.ids[row],
                "adult": None if columns.flags[row] & DELETED else bool(columns.flags[row] & ADULT),
            }
            for row in rows[begin : begin + CHANGES_PAGE_SIZE]
        ]
        return json_response(
            {
                "results": results,
                "page": page,
                "total_pages": _pages(len(rows), CHANGES_PAGE_SIZE),
                "total_results": len(rows),
            }
        )

    # -- daily exports ----------------------------------------------------------------------

    def export_available(self, day: date) -> bool:
        """Tell whether the export of ``day`` is published yet (by the injected clock)."""
        now = self._now().astimezone(UTC)
        if day < now.date():
            return True
        return day == now.date() and now.hour >= self._published_hour

    def handle_export(self, path: str) -> Response:
        """Answer ``/p/exports/...json.gz``: a gzip of NDJSON, streamed, or a CDN-style 404."""
        match = _EXPORT.match(path)
        day = None
        if match:
            try:
                day = date(int(match[4]), int(match[2]), int(match[3]))
            except ValueError:
                day = None
        if match is None or day is None or not self.export_available(day):
            key = path.lstrip("/")
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
                f"<Message>The specified key does not exist.</Message><Key>{key}</Key></Error>"
            )
            return Response(404, body.encode(), "application/xml")
        kind = match[1]
        media: Media = "movie" if kind.endswith("movie") else "tv"
        adult = kind.startswith("adult_")
        cached = self._export_cache.get((media, adult))
        if cached is not None:
            return Response(200, content_type="application/gzip", stream=iter(cached))
        rows = self.catalog.export_rows(media, day, adult=adult)
        stream = self._export_chunks(media, adult, rows)
        return Response(200, content_type="application/gzip", stream=stream)

    def _export_chunks(self, media: Media, adult: bool, rows: list[int]) -> Iterator[bytes]:
        # Level 1: speed matters more than size for a file generated on demand; wbits=31
        # writes a gzip header with mtime 0, so the bytes are reproducible.
        compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
        chunks = []
        for start in range(0, len(rows), _EXPORT_BATCH):
            chunk = compressor.compress(
                self.records.export_lines(media, rows[start : start + _EXPORT_BATCH])
            )
            if chunk:
                chunks.append(chunk)
                yield chunk
        chunks.append(compressor.flush())
        yield chunks[-1]
        # Every day's file lists the same titles: keep the finished file (~14 MB per
        # million titles) so later downloads are instant. An aborted download keeps nothing.
        self._export_cache[(media, adult)] = chunks
