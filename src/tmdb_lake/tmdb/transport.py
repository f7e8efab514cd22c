"""HTTP for the TMDB client: GET a URL, give status, headers and a size-limited body.

Production uses `AiohttpTransport`: aiohttp's connection pool, with nothing between it and
the client. Two layers were measured and dropped (bench/RESULTS.md, finding 1): httpx's
own pool (httpcore) scans every connection for every request and polls each idle socket
(2.5 ms of CPU per request at 8 in flight vs 0.34 ms through aiohttp), and httpx's request
and response models still cost about a millisecond per request and 0.1 to 0.2 s of import
on every run. A million-title catalog is a million requests, so that is the bill.

Time is bounded per request, not per socket read: `timeout` covers connect, headers and
body of a `get` as a whole, so a server that drips its body cannot hold a run. The export
stream (multi-MB) cannot share that total; its connect and headers get `timeout` as a
whole, then its body must arrive at `STREAM_MIN_BYTES_PER_S` on average after a grace of
`timeout` (see `_AiohttpStream`).

Anything with `get`, `stream` and `aclose` can stand in (the `Transport` protocol): the
tests adapt `httpx.MockTransport` to it (tests/httpx_transport.py), so httpx is a test
dependency only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

import aiohttp

CHUNK_BYTES = 64 * 1024
STREAM_MIN_BYTES_PER_S = 32 * 1024
"""Slowest export download tolerated (256 kbit/s), after `timeout` seconds of grace.

A 10 MB export may then take at most `timeout + 10 MB / 32 KiB/s` (~5.5 min) of waiting on
the network; TMDB's CDN serves it in seconds.
"""

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager


class TransportFailure(Exception):
    """No HTTP answer: the connection failed, was cut, or timed out. Worth a retry."""

    def __init__(self, message: str, *, kind: Literal["timeout", "transport"]) -> None:
        super().__init__(message)
        self.kind = kind


class BodyTooLarge(Exception):
    """The body was (or declared itself) over the caller's limit; not read further."""

    def __init__(self, size: int, *, declared: bool) -> None:
        super().__init__(size)
        self.size = size
        self.declared = declared


@dataclass(frozen=True)
class HttpResponse:
    """A whole answer. `headers` keys are lower-case."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class HttpStream(Protocol):
    """An answer whose body is read chunk by chunk (the multi-MB daily exports)."""

    status: int

    def chunks(self) -> AsyncIterator[bytes]:
        """Give the body as it arrives, still content-encoded (raw bytes on the wire)."""
        ...


class Transport(Protocol):
    """What `TmdbClient` needs from HTTP."""

    async def get(self, url: str, headers: Mapping[str, str], max_bytes: int) -> HttpResponse:
        """GET `url`; read at most `max_bytes` of body, else raise `BodyTooLarge`."""
        ...

    def stream(self, url: str) -> AbstractAsyncContextManager[HttpStream]:
        """GET `url` without credentials and stream its body."""
        ...

    async def aclose(self) -> None:
        """Release the connections."""
        ...


class AiohttpTransport:
    """GETs through one aiohttp session (HTTP/1.1, keep-alive), created on first use."""

    def __init__(self, *, max_connections: int, timeout: float) -> None:
        self._max_connections = max_connections
        self._timeout_s = timeout
        # `total` bounds the whole request, body included: a per-read timeout alone lets a
        # server that sends a byte every few seconds keep one request open for hours.
        self._timeout = aiohttp.ClientTimeout(
            total=timeout, connect=timeout, sock_connect=timeout, sock_read=timeout
        )
        self._stream_timeout = aiohttp.ClientTimeout(
            total=None, connect=timeout, sock_connect=timeout, sock_read=timeout
        )
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        # Created lazily: an aiohttp session belongs to the running event loop.
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                auto_decompress=True,
                skip_auto_headers=("User-Agent",),
            )
        return self._session

    async def get(self, url: str, headers: Mapping[str, str], max_bytes: int) -> HttpResponse:
        """GET `url` and read its (decoded) body, refusing one over `max_bytes`."""
        session = self._get_session()
        try:
            async with session.get(url, headers=dict(headers), allow_redirects=False) as response:
                declared = response.content_length
                if declared is not None and declared > max_bytes:
                    raise BodyTooLarge(declared, declared=True)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                    size += len(chunk)
                    if size > max_bytes:
                        raise BodyTooLarge(size, declared=False)
                    chunks.append(chunk)
                return HttpResponse(
                    response.status,
                    {k.lower(): v for k, v in response.headers.items()},
                    b"".join(chunks),
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _failure(exc) from None

    @asynccontextmanager
    async def stream(self, url: str) -> AsyncIterator[HttpStream]:
        """GET `url` (no API credentials: the exports are public) and stream the raw body.

        Connect and headers get `timeout` as a whole; the body is bounded by `_AiohttpStream`.
        """
        session = self._get_session()
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await session.get(
                    url, allow_redirects=False, auto_decompress=False, timeout=self._stream_timeout
                )
            async with response:
                yield _AiohttpStream(response, grace_s=self._timeout_s)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _failure(exc) from None

    async def aclose(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None


class _AiohttpStream:
    """A streamed body that must keep up `STREAM_MIN_BYTES_PER_S` after `grace_s`.

    Only time spent waiting for the network counts, not the consumer's own work between
    chunks: after `w` seconds of waiting, at least `(w - grace_s) * STREAM_MIN_BYTES_PER_S`
    bytes must have arrived. Each wait is bounded to the exact moment that would fail.
    """

    def __init__(self, response: aiohttp.ClientResponse, *, grace_s: float) -> None:
        self.status = response.status
        self._response = response
        self._grace_s = grace_s

    async def chunks(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        waited, received = 0.0, 0
        while True:
            budget = self._grace_s + received / STREAM_MIN_BYTES_PER_S - waited
            started = loop.time()
            deadline = asyncio.timeout(max(budget, 0.0))
            try:
                async with deadline:
                    chunk = await self._response.content.read(CHUNK_BYTES)
            except TimeoutError:
                if not deadline.expired():  # aiohttp's own read timeout: mapped by stream()
                    raise
                raise TransportFailure(
                    f"timeout (body slower than {STREAM_MIN_BYTES_PER_S // 1024} KiB/s)",
                    kind="timeout",
                ) from None
            waited += loop.time() - started
            if not chunk:
                return
            received += len(chunk)
            yield chunk


def _failure(exc: BaseException) -> TransportFailure:
    """Name what went wrong by its kind only (aiohttp's messages can carry the URL).

    The names are httpx's, which users already see in logs and runbooks (docs/faults.md).
    """
    if isinstance(exc, TimeoutError):
        connecting = isinstance(exc, getattr(aiohttp, "ConnectionTimeoutError", ()))
        name = "ConnectTimeout" if connecting else "ReadTimeout"
        return TransportFailure(f"timeout ({name})", kind="timeout")
    if isinstance(exc, aiohttp.ClientConnectorError):
        name = "ConnectError"
    elif isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        name = "RemoteProtocolError"
    elif isinstance(exc, aiohttp.ClientOSError):
        name = "ReadError"
    else:
        name = "NetworkError"
    return TransportFailure(f"connection failed ({name})", kind="transport")
