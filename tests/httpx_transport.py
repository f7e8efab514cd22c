"""httpx's transports (`httpx.MockTransport` in unit tests) adapted to tmdb-lake's `Transport`.

Test-only: production talks through `tmdb_lake.tmdb.transport.AiohttpTransport`.

>>> client = TmdbClient(url, access_token=token, transport=HttpxTransport(httpx.MockTransport(h)))
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tmdb_lake.tmdb.transport import BodyTooLarge, HttpResponse, HttpStream, TransportFailure


class HttpxTransport:
    """Adapts an httpx transport (tests' `httpx.MockTransport`) to `Transport`."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def get(self, url: str, headers: Mapping[str, str], max_bytes: int) -> HttpResponse:
        """Send through the httpx transport, with httpx's failures mapped to ours."""
        try:
            response = await self._transport.handle_async_request(
                httpx.Request("GET", url, headers=dict(headers))
            )
            try:
                declared = response.headers.get("Content-Length")
                if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                    raise BodyTooLarge(int(declared), declared=True)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise BodyTooLarge(size, declared=False)
                    chunks.append(chunk)
            finally:
                await response.aclose()
        except httpx.TransportError as exc:  # timeouts included
            raise _httpx_failure(exc) from None
        headers_out = {k.lower(): v for k, v in response.headers.items()}
        return HttpResponse(response.status_code, headers_out, b"".join(chunks))

    @asynccontextmanager
    async def stream(self, url: str) -> AsyncIterator[HttpStream]:
        """Stream through the httpx transport."""
        try:
            response = await self._transport.handle_async_request(httpx.Request("GET", url))
            try:
                yield _HttpxStream(response)
            finally:
                await response.aclose()
        except httpx.TransportError as exc:  # timeouts included
            raise _httpx_failure(exc) from None

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        close = getattr(self._transport, "aclose", None)
        if close is not None:
            await close()


def _httpx_failure(exc: Any) -> TransportFailure:
    """Map an httpx transport error (tests' injected faults) the way production maps aiohttp's."""
    if isinstance(exc, httpx.TimeoutException):
        return TransportFailure(f"timeout ({type(exc).__name__})", kind="timeout")
    return TransportFailure(f"connection failed ({type(exc).__name__})", kind="transport")


class _HttpxStream:
    def __init__(self, response: Any) -> None:
        self.status: int = response.status_code
        self._response = response

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._response.is_stream_consumed:  # httpx reads a `content=` body up front
            yield self._response.content
            return
        async for chunk in self._response.aiter_raw():
            yield chunk
