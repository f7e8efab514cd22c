"""The aiohttp-backed transport over real HTTP: answers, and faults mapped to retries."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tmdb_lake.errors import UpstreamError
from tmdb_lake.settings import Secret
from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer
from tmdb_lake.tmdb.client import TmdbClient
from tmdb_lake.tmdb.queries import DiscoverQuery, MediaType
from tmdb_lake.tmdb.transport import AiohttpTransport, BodyTooLarge

CATALOG = Catalog(movies=500, series=100, seed=1)


def fetch(config: SimulatorConfig, **client_kwargs: Any) -> tuple[Any, TmdbClient]:
    async def go(url: str) -> tuple[Any, TmdbClient]:
        client = TmdbClient(
            url,
            access_token=Secret("simulator-token"),
            rate_limit=10_000,
            backoff_initial=0.001,
            backoff_max=0.01,
            **client_kwargs,
        )
        async with client:
            page = await client.discover_page(DiscoverQuery(MediaType.MOVIE), 1)
        return page, client

    with SimulatorServer(CATALOG, config) as server:
        return asyncio.run(go(server.api_url))


def test_answers_are_read_whole():
    page, client = fetch(SimulatorConfig())
    expected = CATALOG.discover_ids("movie", {})[:20]
    assert [r["id"] for r in page.results] == expected
    assert client.stats.statuses[200] == 1 and client.stats.retries == 0


@pytest.mark.parametrize(
    ("config", "error"),
    [
        (SimulatorConfig(truncate_rate=1.0), "HTTP 200 with an undecodable body"),
        (SimulatorConfig(reset_rate=1.0), "connection failed"),
        (SimulatorConfig(slow_rate=1.0, slow_s=0.5), "timeout"),
    ],
)
def test_faults_become_retryable_failures(config: SimulatorConfig, error: str):
    with pytest.raises(UpstreamError, match="failed after 3 attempts") as failure:
        fetch(config, max_attempts=3, timeout=0.2)
    assert error in str(failure.value)


def test_a_fault_then_success_is_retried_transparently():
    page, client = fetch(SimulatorConfig(error_rate=0.5, fault_seed=4), max_attempts=8)
    assert len(page.results) == 20
    assert client.stats.requests == client.stats.retries + 1
    assert (
        sum(n for code, n in client.stats.statuses.items() if code >= 500) == client.stats.retries
    )


def serve_once(head: bytes, body_chunks: list[bytes]) -> Any:
    """A one-shot raw HTTP server: what TMDB's edge could send, byte for byte."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(head)
        for chunk in body_chunks:
            writer.write(chunk)
            await writer.drain()
        writer.close()

    return asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize(
    ("head", "chunks", "declared"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", [b"x" * 5000], True),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            [b"400\r\n" + b"x" * 1024 + b"\r\n"] * 5 + [b"0\r\n\r\n"],
            False,
        ),
    ],
)
def test_bodies_over_the_limit_are_refused(head: bytes, chunks: list[bytes], declared: bool):
    async def go() -> BodyTooLarge:
        server = await serve_once(head, chunks)
        port = server.sockets[0].getsockname()[1]
        transport = AiohttpTransport(max_connections=1, timeout=5)
        try:
            with pytest.raises(BodyTooLarge) as refused:
                await transport.get(f"http://127.0.0.1:{port}/3/x", {}, max_bytes=2000)
            return refused.value
        finally:
            await transport.aclose()
            server.close()

    refused = asyncio.run(go())
    assert refused.declared is declared
    assert refused.size > 2000
