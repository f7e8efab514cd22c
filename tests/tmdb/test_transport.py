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
