"""CPU per request of the HTTP client alone: httpx (tmdb-lake's) against aiohttp, same pages.

Why: in S3/S4 tmdb-lake is CPU-bound and its profile puts 55% of the CPU in httpx's
``AsyncClient.send`` (25% in httpcore's per-request pool scan). This fetches the same
discover pages with each client, with ``orjson`` parsing and nothing else, so the
difference is what the client itself costs. Against a running ``bench/simulator.py``:

    python bench/http_client_cost.py --api-url http://127.0.0.1:PORT/3 --pages 500 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
from typing import Any

import orjson

PARAMS = {
    "language": "pt-BR",
    "include_adult": "false",
    "include_video": "false",
    "primary_release_date.gte": "1900-01-01",
    "primary_release_date.lte": "2027-12-31",
    "sort_by": "primary_release_date.asc",
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _pages(fetch: Any, pages: int, concurrency: int) -> int:
    gate = asyncio.Semaphore(concurrency)
    records = 0

    async def one(page: int) -> None:
        nonlocal records
        async with gate:
            body = orjson.loads(await fetch({**PARAMS, "page": str(page)}))
            records += len(body["results"])

    await asyncio.gather(*(one(1 + (i % 500)) for i in range(pages)))
    return records


async def with_httpx(api_url: str, token: str, pages: int, concurrency: int) -> int:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api_url, headers=headers, limits=limits) as client:

        async def fetch(params: dict[str, str]) -> bytes:
            response = await client.get("/discover/movie", params=params)
            return response.content

        return await _pages(fetch, pages, concurrency)


async def with_aiohttp(api_url: str, token: str, pages: int, concurrency: int) -> int:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:

        async def fetch(params: dict[str, str]) -> bytes:
            async with session.get(f"{api_url}/discover/movie", params=params) as response:
                return await response.read()

        return await _pages(fetch, pages, concurrency)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", default="simulator-token")
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    for name, run in (("httpx", with_httpx), ("aiohttp", with_aiohttp)):
        cpu, wall = _cpu(), time.monotonic()
        records = asyncio.run(run(args.api_url, args.token, args.pages, args.concurrency))
        cpu, wall = _cpu() - cpu, time.monotonic() - wall
        print(
            f"{name:8} {args.pages} pages, {records} records, concurrency {args.concurrency}: "
            f"{cpu:.2f} CPU-s ({1000 * cpu / args.pages:.2f} ms/request), {wall:.1f} s wall"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
