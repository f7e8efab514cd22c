"""`gather_all`: bounded, ordered, all-or-nothing (shards, commit copies, checkpoint reads)."""

from __future__ import annotations

import asyncio
import gc
import random
import warnings

import pytest

from tmdb_lake.concurrency import gather_all
from tmdb_lake.errors import StorageError


def test_every_job_runs_and_never_more_than_the_limit_at_once():
    running = peak = done = 0

    async def job() -> None:
        nonlocal running, peak, done
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001)
        running -= 1
        done += 1

    asyncio.run(gather_all((job() for _ in range(200)), limit=7))
    assert done == 200
    assert peak == 7


def test_jobs_are_taken_from_the_iterable_only_as_workers_free_up():
    created = 0

    async def scenario() -> None:
        gate = asyncio.Event()

        async def job() -> None:
            await gate.wait()

        def jobs():  # a generator: each job exists only once a worker asks for it
            nonlocal created
            for _ in range(1000):
                created += 1
                yield job()

        task = asyncio.ensure_future(gather_all(jobs(), limit=4))
        await asyncio.sleep(0.01)
        assert created == 4  # not 1,000 pending tasks
        gate.set()
        await task

    asyncio.run(scenario())
    assert created == 1000


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_failure_stops_the_rest_and_is_raised_without_unawaited_coroutines():
    started = 0

    async def job(index: int) -> None:
        nonlocal started
        started += 1
        await asyncio.sleep(0.001)
        if index == 3:
            raise StorageError("local copy failed for 'raw/x.json': No space left on device")
        await asyncio.sleep(10)  # would hang the test if the failure did not cancel it

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # "coroutine ... was never awaited"
        with pytest.raises(StorageError, match="No space left"):
            asyncio.run(gather_all([job(i) for i in range(100)], limit=5))
        gc.collect()
    assert started < 100


def test_gather_all_stops_the_siblings_of_a_failure():
    wrote: list[str] = []

    async def slow_writer() -> None:
        await asyncio.sleep(0.2)
        wrote.append("late write")

    async def failing() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("boom")

    async def go() -> None:
        await gather_all([slow_writer(), failing()])

    async def main() -> None:
        with pytest.raises(RuntimeError, match="boom"):
            await go()
        await asyncio.sleep(0.3)

    asyncio.run(main())
    assert wrote == []


def test_gather_all_gives_results_in_order_with_and_without_a_limit():
    async def value(i: int) -> int:
        await asyncio.sleep(random.random() / 100)
        return i

    assert asyncio.run(gather_all(value(i) for i in range(5))) == [0, 1, 2, 3, 4]
    assert asyncio.run(gather_all((value(i) for i in range(9)), limit=2)) == list(range(9))
