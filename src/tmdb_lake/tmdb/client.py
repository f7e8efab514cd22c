"""Async HTTP to TMDB: auth, a shared rate limit, bounded retries, typed errors.

One `TmdbClient` serves a whole run: one connection pool, one rate limiter and one
cool-down clock shared by every concurrent request, so the run as a whole stays
under TMDB's limit however many shards it runs at once.

>>> async with TmdbClient(api_url, access_token=Secret("...")) as tmdb:
...     page = await tmdb.discover_page(DiscoverQuery(MediaType.MOVIE), page=1)
"""

from __future__ import annotations

import asyncio
import random
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
from aiolimiter import AsyncLimiter

from tmdb_lake import __version__
from tmdb_lake.errors import (
    AuthError,
    BadResponseError,
    NotFoundError,
    RateLimited,
    TmdbError,
    UpstreamError,
)
from tmdb_lake.exactjson import loads_body
from tmdb_lake.redact import Redactor
from tmdb_lake.secret import Secret
from tmdb_lake.tmdb.queries import DiscoverQuery, MediaType, details_params
from tmdb_lake.tmdb.transport import (
    AiohttpTransport,
    BodyTooLarge,
    Transport,
    TransportFailure,
)

T = TypeVar("T")

MAX_BODY_BYTES = 20 * 1024 * 1024
"""A TMDB JSON body is a few kB; anything past this is hostile and refused."""

MAX_RETRY_AFTER_S = 60.0

MAX_TMDB_MESSAGE = 200
"""Characters of TMDB's own `status_message` quoted in an error (after masking secrets)."""


class _Retryable(Exception):
    """A failure worth another attempt: 429, 5xx, timeout, reset, undecodable body."""

    def __init__(self, message: str, *, status: int | None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass
class ClientStats:
    """What the client did, for the run report and the benchmarks."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    bytes_received: int = 0
    strings_repaired: int = 0
    """Lone surrogate escapes and invalid UTF-8 sequences kept as escape text (exactjson)."""
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """Give the stats as JSON-ready values."""
        return {
            "requests": self.requests,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "bytes_received": self.bytes_received,
            "strings_repaired": self.strings_repaired,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": dict(sorted(self.errors.items())),
        }


@dataclass(frozen=True)
class DiscoverPage:
    """One discover page: its valid records and TMDB's totals."""

    page: int
    results: list[dict[str, Any]]
    total_pages: int
    total_results: int
    skipped: int = 0
    strings_repaired: int = 0


@dataclass(frozen=True)
class Details:
    """One title's details: the record (None after a 404) and its repaired strings."""

    record: dict[str, Any] | None
    strings_repaired: int = 0


def redact_url(url: str) -> str:
    """Give the URL with the `api_key` value masked, for logs and messages."""
    parts = urlsplit(url)
    if "api_key" not in parts.query:
        return url
    query = [(k, "***" if k == "api_key" else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*,|")))


class TmdbClient:
    """The one way tmdb-lake talks to TMDB."""

    def __init__(
        self,
        api_url: str,
        *,
        api_key: Secret | None = None,
        access_token: Secret | None = None,
        rate_limit: float = 40.0,
        concurrency: int = 16,
        timeout: float = 10.0,
        max_attempts: int = 6,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        transport: Transport | None = None,
    ) -> None:
        self._base_url = api_url.rstrip("/") + "/"
        self._headers = {"Accept": "application/json", "User-Agent": f"tmdb-lake/{__version__}"}
        self._params: dict[str, str] = {}
        if access_token is not None:  # preferred: never part of a URL
            self._headers["Authorization"] = f"Bearer {access_token.reveal()}"
        elif api_key is not None:
            self._params["api_key"] = api_key.reveal()
        # Masks TMDB's own messages before they are cut to length: a cut secret would no
        # longer match the CLI's redactor.
        self._redactor = Redactor([access_token, api_key])
        self._http: Transport = transport or AiohttpTransport(
            max_connections=concurrency, timeout=timeout
        )
        # Bursts of a tenth of a second's worth keep the pace smooth at the server.
        burst = max(1.0, rate_limit / 10)
        self._limiter = AsyncLimiter(burst, burst / rate_limit)
        self._in_flight = asyncio.Semaphore(concurrency)
        self._cool_down_until = 0.0
        self._max_attempts = max_attempts
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self.stats = ClientStats()

    async def __aenter__(self) -> TmdbClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # ------------------------------------------------------------ endpoints --

    async def discover_page(self, query: DiscoverQuery, page: int) -> DiscoverPage:
        """Fetch one discover page; items without an integer id are counted and skipped."""
        path = query.media.discover_path
        body, repaired = await self.get_json_counted(path, query.params(page))
        return replace(parse_discover_page(body, path, page), strings_repaired=repaired)

    async def details(
        self, media: MediaType, tmdb_id: int, language: str, appends: tuple[str, ...]
    ) -> Details:
        """Fetch one title's details (`record` None when TMDB no longer has it: 404)."""
        path = media.details_path(tmdb_id)
        try:
            body, repaired = await self.get_json_counted(path, details_params(language, appends))
        except NotFoundError:
            return Details(None)
        if body.get("id") != tmdb_id:
            raise BadResponseError(
                f"TMDB {path}: details carry id {body.get('id')!r}", endpoint=path, status=200
            )
        return Details(body, repaired)

    async def get_json(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """GET a TMDB endpoint and give its JSON object, retrying what is worth retrying.

        At most `max_attempts` tries, with full-jitter exponential backoff between them,
        and never sooner than the `Retry-After` TMDB sent.
        """
        return (await self.get_json_counted(path, params))[0]

    async def get_json_counted(
        self, path: str, params: dict[str, str]
    ) -> tuple[dict[str, Any], int]:
        """Like `get_json`, with how many undecodable strings of the body were repaired.

        The count travels with the answer, so a shard can checkpoint it with the records
        it belongs to, and a resumed run counts each repair once.
        """
        url = self._url(path, params)
        return await self._with_retries(path, lambda: self._get_once(url, path))

    async def _with_retries(self, what: str, once: Callable[[], Awaitable[T]]) -> T:
        """Call `once` until it does not raise `_Retryable`, at most `max_attempts` times.

        The one retry loop of every HTTP call (API requests and export downloads alike):
        full-jitter exponential backoff, never sooner than a `Retry-After`, counted.
        """
        path = what  # an endpoint, or an export's URL
        attempt = 1
        while True:
            try:
                return await once()
            except _Retryable as failure:
                if attempt >= self._max_attempts:
                    message = f"TMDB {path} failed after {attempt} attempts: {failure}"
                    kind = RateLimited if failure.status == 429 else UpstreamError
                    raise kind(
                        message, endpoint=path, status=failure.status, attempts=attempt
                    ) from None
                self.stats.retries += 1
                await asyncio.sleep(self._backoff(attempt, failure))
                attempt += 1

    async def read_gzip_lines(
        self, url: str, consume: Callable[[AsyncIterator[bytes]], Awaitable[T]]
    ) -> T:
        """Stream the lines of a gzip file outside the API (a daily ID export) into `consume`.

        Memory stays flat whatever the file's size. A cut, a truncated file or a 5xx is
        retried from the start, through the same retry loop as every API request (so
        `consume` must start afresh each time). A missing file (403 or 404, as the CDN
        answers before the day's export is published) raises `NotFoundError`. No API
        credential is sent: the exports are public, and on another host.
        """

        async def once() -> T:
            return await consume(self._gzip_lines(url))

        return await self._with_retries(redact_url(url), once)

    async def _gzip_lines(self, url: str) -> AsyncIterator[bytes]:
        async with self._in_flight:
            try:
                async with self._http.stream(url) as response:
                    if response.status in (403, 404):
                        raise NotFoundError(
                            f"{redact_url(url)}: HTTP {response.status}",
                            endpoint=url,
                            status=response.status,
                        )
                    if response.status != 200:
                        raise _Retryable(f"HTTP {response.status}", status=response.status)
                    inflate = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
                    tail = b""
                    async for chunk in response.chunks():
                        self.stats.bytes_received += len(chunk)
                        lines = (tail + inflate.decompress(chunk)).split(b"\n")
                        tail = lines.pop()
                        for line in lines:
                            yield line
                    tail += inflate.flush()
                    if not inflate.eof:
                        raise _Retryable("truncated gzip", status=None)
                    if tail.strip():
                        yield tail
            except TransportFailure as failure:
                self.stats.errors[failure.kind] += 1
                raise _Retryable(str(failure), status=None) from None
            except zlib.error as exc:
                raise _Retryable(f"corrupt gzip ({exc})", status=None) from None

    # ------------------------------------------------------------ internals --

    def _url(self, path: str, params: dict[str, str]) -> str:
        query = urlencode({**params, **self._params}, safe=",|")
        endpoint = self._base_url + path.lstrip("/")
        return f"{endpoint}?{query}" if query else endpoint

    async def _get_once(self, url: str, path: str) -> tuple[dict[str, Any], int]:
        await self._wait_for_cool_down()
        await self._limiter.acquire()
        async with self._in_flight:
            self.stats.requests += 1
            try:
                response = await self._http.get(url, self._headers, MAX_BODY_BYTES)
            except TransportFailure as failure:
                self.stats.errors[failure.kind] += 1
                raise _Retryable(str(failure), status=None) from None
            except BodyTooLarge as refused:
                detail = f"of {refused.size} bytes" if refused.declared else "over"
                raise BadResponseError(
                    f"TMDB {path}: body {detail} {MAX_BODY_BYTES} bytes refused",
                    endpoint=path,
                    status=None,
                ) from None
        status, body = response.status, response.body
        self.stats.statuses[status] += 1
        self.stats.bytes_received += len(body)
        if status == 200:
            try:
                decoded, repaired = loads_body(body)
            except ValueError:  # truncated or not JSON: another attempt may get it whole
                self.stats.errors["undecodable"] += 1
                raise _Retryable("HTTP 200 with an undecodable body", status=200) from None
            self.stats.strings_repaired += repaired
            if not isinstance(decoded, dict):
                raise BadResponseError(
                    f"TMDB {path}: expected a JSON object, got {type(decoded).__name__}",
                    endpoint=path,
                    status=200,
                )
            return decoded, repaired
        if status == 429:
            self.stats.rate_limited += 1
            retry_after = _retry_after(response.headers.get("retry-after"))
            if retry_after is not None:
                self._cool_down_until = max(self._cool_down_until, time.monotonic() + retry_after)
            raise _Retryable("HTTP 429 rate limited", status=429, retry_after=retry_after)
        if status >= 500:
            raise _Retryable(f"HTTP {status}", status=status)
        tmdb_message = _tmdb_message(body, self._redactor)
        if status == 401:
            raise AuthError(
                f"TMDB rejected the credentials (HTTP 401{tmdb_message}): "
                "check TMDB_ACCESS_TOKEN / TMDB_API_KEY",
                endpoint=path,
                status=401,
            )
        if status == 404:
            raise NotFoundError(f"TMDB {path}: HTTP 404{tmdb_message}", endpoint=path, status=404)
        raise TmdbError(f"TMDB {path}: HTTP {status}{tmdb_message}", endpoint=path, status=status)

    async def _wait_for_cool_down(self) -> None:
        delay = self._cool_down_until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def _backoff(self, attempt: int, failure: _Retryable) -> float:
        """Exponential backoff with full jitter; at least Retry-After when TMDB sent one."""
        exp = self._backoff_initial * 2 ** (attempt - 1)
        delay = random.uniform(0, min(self._backoff_max, exp))
        if failure.retry_after is not None:
            delay = max(delay, failure.retry_after)
        return delay


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _tmdb_message(body: bytes, redactor: Redactor) -> str:
    """Give TMDB's own status_code and message, when the body is TMDB's error JSON.

    Every secret the message echoes is masked first, then the message is cut: cut first,
    a secret straddling the cut would leave its first characters in the error.
    """
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(decoded, dict):
        return ""
    code, message = decoded.get("status_code"), decoded.get("status_message")
    if isinstance(code, int) and isinstance(message, str):
        message = " ".join(redactor.redact(message).split())  # one line, always
        return f", status_code {code}: {message[:MAX_TMDB_MESSAGE]}"
    return ""


def parse_discover_page(body: dict[str, Any], path: str, page: int) -> DiscoverPage:
    """Check a discover body's shape; keep items that carry an integer id."""
    results = body.get("results")
    total_pages = body.get("total_pages")
    total_results = body.get("total_results")
    if not isinstance(results, list):
        raise BadResponseError(f"TMDB {path} page {page}: 'results' is not a list", endpoint=path)
    if not isinstance(total_pages, int) or not isinstance(total_results, int):
        raise BadResponseError(f"TMDB {path} page {page}: totals are not integers", endpoint=path)
    valid = [
        item
        for item in results
        if isinstance(item, dict)
        and isinstance(item.get("id"), int)
        and not isinstance(item.get("id"), bool)
    ]
    return DiscoverPage(
        page=page,
        results=valid,
        total_pages=max(total_pages, 0),
        total_results=max(total_results, 0),
        skipped=len(results) - len(valid),
    )
