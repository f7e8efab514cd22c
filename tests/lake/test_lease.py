"""Leases with fencing, on a local folder and on a real S3 server (conditional writes)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Coroutine, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pytest

from s3server import S3Bucket
from tmdb_lake.errors import LeaseBusy, LeaseLost, StorageError
from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.lease import Holder, LeaseSet, Partition
from tmdb_lake.lake.storage import LocalStorage, S3Options, S3Storage, Storage

T = TypeVar("T")
DAY = date(2024, 5, 1)
LAYOUT = LakeLayout()
MOVIES, SERIES = Partition("movies", DAY), Partition("series", DAY)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    lake: Storage
    if request.param == "local":
        lake = LocalStorage(tmp_path / "lake")
    else:
        bucket: S3Bucket = request.getfixturevalue("s3_bucket")
        server = bucket.server
        lake = S3Storage(
            bucket.name,
            "lake",
            options=S3Options(
                endpoint_url=server.endpoint_url,
                region="us-east-1",
                access_key_id=server.access_key,
                secret_access_key=server.secret_key,
            ),
        )
    yield lake
    run(lake.close())


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def leases(
    storage: Storage,
    token: str,
    *partitions: Partition,
    clock: Clock | None = None,
    host: str | None = None,
    ttl: float = 60.0,
) -> LeaseSet:
    holder = Holder(token, f"run-{token}", "20240501-discover-k", host=host or "elsewhere", pid=1)
    return LeaseSet(
        storage, LAYOUT, list(partitions) or [MOVIES], holder, ttl=ttl, clock=clock or Clock()
    )


def test_one_holder_at_a_time_and_the_loser_is_told_who(storage: Storage) -> None:
    a, b = leases(storage, "a"), leases(storage, "b")
    run(a.acquire())
    assert a.generations == {MOVIES: 1}
    with pytest.raises(LeaseBusy) as busy:
        run(b.acquire())
    message = str(busy.value)
    assert "movies/2024-05-01 is held by run run-a" in message and "--wait" in message
    assert busy.value.exit_code == 75
    run(a.release())
    run(b.acquire())
    assert b.generations == {MOVIES: 2}
    run(b.verify())


def test_an_expired_lease_is_taken_over_and_its_old_holder_is_fenced(storage: Storage) -> None:
    clock = Clock()
    a, b = leases(storage, "a", clock=clock), leases(storage, "b", clock=clock)
    run(a.acquire())
    clock.now += 61  # a was paused (SIGSTOP) past its time to live
    run(b.acquire())
    assert b.generations == {MOVIES: 2}
    with pytest.raises(LeaseLost, match="taken over by run run-b"):
        run(a.verify())
    with pytest.raises(LeaseLost):
        run(a.renew())
    run(a.release())  # a lost lease is left to its new holder
    record = orjson.loads(run(storage.get(LAYOUT.lease_key("movies", DAY, 2))) or b"{}")
    assert record["token"] == "b" and record["released"] is False


def test_racing_runs_get_exactly_one_lease(storage: Storage) -> None:
    contenders = [leases(storage, f"t{i}") for i in range(8)]

    async def race() -> list[bool]:
        async def one(lease: LeaseSet) -> bool:
            try:
                await lease.acquire()
            except LeaseBusy:
                return False
            return True

        return list(await asyncio.gather(*(one(c) for c in contenders)))

    assert run(race()).count(True) == 1


def test_all_or_nothing_over_several_partitions(storage: Storage) -> None:
    holder_of_series = leases(storage, "s", SERIES)
    run(holder_of_series.acquire())
    both = leases(storage, "b", MOVIES, SERIES)
    with pytest.raises(LeaseBusy, match="series/2024-05-01"):
        run(both.acquire())
    movies_only = leases(storage, "m", MOVIES)
    run(movies_only.acquire())  # `both` released the movies lease it had taken on the way


def test_wait_takes_the_lease_when_the_holder_finishes(storage: Storage) -> None:
    a, b = leases(storage, "a", ttl=4), leases(storage, "b", ttl=4)

    async def scenario() -> None:
        await a.acquire()

        async def finish_later() -> None:
            await asyncio.sleep(0.6)
            await a.release()

        await asyncio.gather(finish_later(), b.acquire(wait=20))

    run(scenario())
    assert b.generations == {MOVIES: 2}


def test_a_dead_holder_on_this_host_frees_its_lease_at_once(storage: Storage) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(dead.stdout)
    import socket

    ghost = LeaseSet(
        storage, LAYOUT, [MOVIES], Holder("g", "run-g", "k", host=socket.gethostname(), pid=pid)
    )
    run(ghost.acquire())
    alive = LeaseSet(
        storage,
        LAYOUT,
        [MOVIES],
        Holder("l", "run-l", "k", host=socket.gethostname(), pid=os.getpid()),
    )
    run(alive.acquire())  # no waiting for the time to live: the pid is gone
    assert alive.generations == {MOVIES: 2}


def test_the_same_attempt_renews_instead_of_competing(storage: Storage) -> None:
    first, again = leases(storage, "same"), leases(storage, "same")
    run(first.acquire())
    run(again.acquire())  # the next Step Functions step of the same attempt
    assert again.generations == {MOVIES: 1}
    run(first.verify())


def test_renewal_keeps_it_past_its_time_to_live(storage: Storage) -> None:
    a = leases(storage, "a", ttl=2.0)  # renewed every 0.5 s

    async def scenario() -> None:
        await a.acquire()
        async with a.kept_alive():
            await asyncio.sleep(5.0)  # longer than the time to live: renewals kept it
            assert a.lost is None
            await a.verify()

    run(scenario())


def test_release_is_never_overwritten_by_a_renewal_in_flight(storage: Storage) -> None:
    """The renewal loop runs while the run releases: the released record must stay."""
    a = leases(storage, "a", MOVIES, SERIES, ttl=0.08)  # renewals every 20 ms

    async def scenario() -> None:
        await a.acquire()
        async with a.kept_alive():
            await asyncio.sleep(0.3)
            await a.release()  # inside kept_alive, as `ingest` does
            await asyncio.sleep(0.3)  # a renewal would have run by now

    run(scenario())
    for partition in (MOVIES, SERIES):
        key = LAYOUT.lease_key(partition.dataset, partition.day, 1)
        assert orjson.loads(run(storage.get(key)) or b"{}")["released"] is True


def test_old_generations_are_pruned(storage: Storage) -> None:
    for token in "abcde":
        lease = leases(storage, token)
        run(lease.acquire())
        run(lease.release())
    keys = run(storage.list(LAYOUT.lease_prefix("movies", DAY)))
    assert [LAYOUT.parse_lease_key(k) for k in keys] == [4, 5]


def test_a_corrupt_lease_is_a_one_line_error_naming_it(storage: Storage) -> None:
    run(storage.put(LAYOUT.lease_key("movies", DAY, 1), b"{not json"))
    with pytest.raises(
        StorageError,
        match=r"the lease raw/TMDB/_leases/movies/2024-05-01/0000000001\.json is corrupt",
    ):
        run(leases(storage, "a").acquire())
