"""Two transforms of one lake never build the same dt at once: the raw zone's leases."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from datetime import date
from pathlib import Path

from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import Holder, LeaseSet, Partition
from tmdb_lake.lake.local import LocalStorage
from trusted.conftest import DAY1, DAY2, Cli  # type: ignore[import-not-found]


def hold(lake: Path, day: str) -> LeaseSet:
    """Take a dt's lease from this (live) process, as another transform would."""
    holder = Holder(
        "other", "transform-other", "transform", host=socket.gethostname(), pid=os.getpid()
    )
    leases = LeaseSet(
        LocalStorage(lake),
        TablesLayout().leases,
        [Partition("tables", date.fromisoformat(day))],
        holder,
    )
    asyncio.run(leases.acquire())
    return leases


def test_a_transform_finds_its_day_held_and_exits_75_naming_the_holder(
    raw_lake: Path, cli: Cli
) -> None:
    held = hold(raw_lake, DAY1)
    busy = cli("transform", "--lake", "lake", "--date", DAY1)
    assert busy.code == 75, busy.stderr
    line = busy.stderr.strip().splitlines()[-1]
    assert line.startswith("tmdb-lake: error: tables/2024-05-01 is held by run transform-other")
    assert not list(raw_lake.glob("trusted/TMDB/_manifests/*.json"))  # nothing built
    asyncio.run(held.release())
    done = cli("transform", "--lake", "lake", "--date", DAY1)
    assert done.code == 0, done.stderr
    assert (raw_lake / "trusted/TMDB/_manifests/dt=2024-05-01.json").is_file()


def test_with_wait_it_builds_once_the_holder_is_done(raw_lake: Path, cli: Cli) -> None:
    held = hold(raw_lake, DAY2)
    release = threading.Timer(1.0, lambda: asyncio.run(held.release()))
    release.start()
    started = time.monotonic()
    done = cli("transform", "--lake", "lake", "--date", DAY2, "--wait", "30")
    release.join()
    assert done.code == 0, done.stderr
    assert time.monotonic() - started >= 1.0
    assert (raw_lake / "trusted/TMDB/_manifests/dt=2024-05-02.json").is_file()
    leases = list((raw_lake / "trusted/TMDB/_leases/tables/2024-05-02").glob("*.json"))
    assert leases  # the lease lives in the trusted zone's own key space


def test_two_transforms_at_once_build_each_day_once_and_exactly(raw_lake: Path, cli: Cli) -> None:
    runs = [cli.spawn("transform", "--lake", "lake", "--wait", "120", "--json") for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    import json

    reports = [json.loads(out) for out, _ in outputs]
    built = sorted(day for report in reports for day in report["built"])
    assert built == [DAY1, DAY2]  # each dt built by one of them; the other found it done
    assert sum(report["up_to_date"] for report in reports) == 2
    again = cli("transform", "--lake", "lake")
    assert again.code == 0 and "nothing to do" in again.stdout


def test_max_of_dt_works_on_a_one_day_lake(raw_lake: Path, cli: Cli) -> None:
    """DuckDB 1.5.5 crashed on MAX of a hive partition column over one file (#25629)."""
    assert cli("transform", "--lake", "lake", "--date", DAY1).code == 0
    result = cli(
        "query", "--lake", "lake", "SELECT max(dt) AS last FROM movie_genre", "--format", "json"
    )
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == '[{"last":"2024-05-01"}]'
