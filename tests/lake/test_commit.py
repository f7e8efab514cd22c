"""`bounded_gather`: the commit's copies and checkpoint reads, a few at a time."""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest

from tmdb_lake.errors import StorageError
from tmdb_lake.lake.commit import bounded_gather


def test_every_job_runs_and_never_more_than_the_limit_at_once():
    running = peak = done = 0

    async def job() -> None:
        nonlocal running, peak, done
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001)
        running -= 1
        done += 1

    asyncio.run(bounded_gather((job() for _ in range(200)), limit=7))
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

        task = asyncio.ensure_future(bounded_gather(jobs(), limit=4))
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
            asyncio.run(bounded_gather([job(i) for i in range(100)], limit=5))
        gc.collect()
    assert started < 100
