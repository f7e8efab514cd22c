import asyncio
import random
from contextlib import aclosing

import pytest

from tmdb_lake.collect.ordered import fetch_in_order, gather_or_cancel


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


def test_gather_or_cancel_stops_the_siblings_of_a_failure():
    wrote: list[str] = []

    async def slow_writer() -> None:
        await asyncio.sleep(0.2)
        wrote.append("late write")

    async def failing() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("boom")

    async def go() -> None:
        await gather_or_cancel(slow_writer(), failing())

    async def main() -> None:
        with pytest.raises(RuntimeError, match="boom"):
            await go()
        await asyncio.sleep(0.3)

    asyncio.run(main())
    assert wrote == []


def test_gather_or_cancel_gives_results_in_order():
    async def value(i: int) -> int:
        await asyncio.sleep(random.random() / 100)
        return i

    assert asyncio.run(gather_or_cancel(*(value(i) for i in range(5)))) == [0, 1, 2, 3, 4]
