"""The aiohttp-backed transport over real HTTP: answers, and faults mapped to retries."""

from __future__ import annotations

import asyncio
import gzip
import time
from typing import Any

import orjson
import pytest

from tmdb_lake.errors import UpstreamError
from tmdb_lake.secret import Secret
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


# -- bounded time: a whole request, not each socket read (issue 10 E) ------------------------


def drip_server(head: bytes, body: bytes, interval: float, *, drip_head: bool = False) -> Any:
    """A raw HTTP server that sends `head` (dripped too, if asked) then `body` a byte at a time.

    Each byte comes well within any per-read timeout, so only a bound on the whole request
    can end it: 1,000 bytes at 4 bytes/s keep one request open for over four minutes.
    """

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            if drip_head:
                for i in range(len(head)):
                    writer.write(head[i : i + 1])
                    await writer.drain()
                    await asyncio.sleep(interval)
            else:
                writer.write(head)
            for i in range(len(body)):
                writer.write(body[i : i + 1])
                await writer.drain()
                await asyncio.sleep(interval)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client gave up, or the test's loop is closing: both end the drip
        finally:
            writer.close()

    return asyncio.start_server(handle, "127.0.0.1", 0)


DRIP_BODY = orjson.dumps({"page": 1, "results": [], "total_pages": 1, "total_results": 0})
DRIP_BODY = DRIP_BODY + b" " * (1000 - len(DRIP_BODY))


def timed_failure(server: Any, call: Any, guard_s: float = 60) -> tuple[BaseException, float]:
    """Run `call(port)` against `server`; give its exception and how long it took.

    The guard fails the test (instead of hanging it) when nothing bounds the request.
    """

    async def go() -> tuple[BaseException, float]:
        srv = await server
        port = srv.sockets[0].getsockname()[1]
        started = time.monotonic()
        try:
            await asyncio.wait_for(call(port), guard_s)
        except TimeoutError:
            pytest.fail(f"the request was still running after the {guard_s} s guard")
        except Exception as exc:
            return exc, time.monotonic() - started
        finally:
            srv.close()
        pytest.fail("the request succeeded against a server that never finishes")

    return asyncio.run(go())


def drip_client(port: int, timeout: float, attempts: int) -> TmdbClient:
    return TmdbClient(
        f"http://127.0.0.1:{port}/3",
        access_token=Secret("simulator-token"),
        rate_limit=10_000,
        timeout=timeout,
        max_attempts=attempts,
        backoff_initial=0.01,
        backoff_max=0.01,
    )


@pytest.mark.parametrize("drip_head", [False, True], ids=["body", "headers"])
def test_a_dripping_server_fails_within_attempts_times_timeout(drip_head: bool):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    timeout, attempts = 1.0, 2

    async def call(port: int) -> None:
        async with drip_client(port, timeout, attempts) as tmdb:
            await tmdb.discover_page(DiscoverQuery(MediaType.MOVIE), 1)

    error, seconds = timed_failure(drip_server(head, DRIP_BODY, 0.25, drip_head=drip_head), call)
    assert isinstance(error, UpstreamError)
    assert str(error) == "TMDB /discover/movie failed after 2 attempts: timeout (ReadTimeout)"
    # The bound: max_attempts x timeout, plus backoff (<= 0.01 s here); 1.5 s of slack.
    assert attempts * timeout * 0.9 <= seconds < attempts * timeout + 1.5


def export_body(size: int) -> bytes:
    lines = b"".join(orjson.dumps({"id": i, "adult": False}) + b"\n" for i in range(size))
    return gzip.compress(lines)


@pytest.mark.parametrize("drip_head", [False, True], ids=["body", "headers"])
def test_a_dripping_export_stream_fails_at_its_minimum_rate(drip_head: bool):
    body = export_body(2000)
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
    timeout = 1.0

    async def drain(lines: Any) -> None:
        async for _ in lines:
            pass

    async def call(port: int) -> None:
        async with drip_client(port, timeout, 1) as tmdb:
            url = f"http://127.0.0.1:{port}/p/exports/movie_ids_05_01_2024.json.gz"
            await tmdb.read_gzip_lines(url, drain)

    error, seconds = timed_failure(drip_server(head, body, 0.25, drip_head=drip_head), call)
    assert isinstance(error, UpstreamError)
    expected = "timeout (body slower than 32 KiB/s)" if not drip_head else "timeout (ReadTimeout)"
    assert str(error).endswith(expected), error
    # Headers within `timeout`; then `timeout` of grace plus a few bytes' worth of rate.
    assert seconds < 2 * timeout + 1.5


def test_an_export_slower_than_the_timeout_but_above_the_minimum_rate_completes():
    """The export may take longer than `timeout`: only its rate is bounded."""
    body = export_body(30_000)  # ~120 kB of gzip: 3 s at 40 kB/s with a 1 s timeout
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(head)
        for start in range(0, len(body), 4000):
            writer.write(body[start : start + 4000])
            await writer.drain()
            await asyncio.sleep(0.1)
        writer.close()

    async def go() -> tuple[int, float]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        started = time.monotonic()
        try:
            async with drip_client(port, 1.0, 1) as tmdb:
                url = f"http://127.0.0.1:{port}/p/exports/movie_ids_05_01_2024.json.gz"

                async def collect(lines: Any) -> list[bytes]:
                    return [line async for line in lines]

                lines = await tmdb.read_gzip_lines(url, collect)
        finally:
            server.close()
        return len(lines), time.monotonic() - started

    count, seconds = asyncio.run(go())
    assert count == 30_000
    assert seconds > 1.0  # longer than the timeout, and still fine
