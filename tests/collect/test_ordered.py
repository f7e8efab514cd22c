import asyncio
import random
from contextlib import aclosing

from tmdb_lake.concurrency import fetch_in_order


def test_results_come_in_order_with_bounded_lookahead():
    in_flight = 0
    peak = 0

    async def fetch(i: int) -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(random.random() / 200)
        in_flight -= 1
        return i * 10

    async def go() -> list[tuple[int, int]]:
        async with aclosing(fetch_in_order(range(50), fetch, lambda: 4)) as results:
            return [pair async for pair in results]

    assert asyncio.run(go()) == [(i, i * 10) for i in range(50)]
    assert 1 < peak <= 4


def test_leaving_early_cancels_pending_fetches():
    finished: list[int] = []

    async def fetch(i: int) -> int:
        await asyncio.sleep(0.05 if i else 0)
        finished.append(i)
        return i

    async def go() -> None:
        async with aclosing(fetch_in_order(range(10), fetch, lambda: 5)) as results:
            async for item, _ in results:
                if item == 0:
                    break
        await asyncio.sleep(0.1)

    asyncio.run(go())
    assert finished == [0]
