"""The refined zone's leases: an undated one for the current tables, one per dt for the facts."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from datetime import date
from pathlib import Path

from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import Holder, LeaseSet, Partition
from tmdb_lake.lake.local import LocalStorage
from trusted.conftest import Cli  # type: ignore[import-not-found]


def hold(lake: Path, partition: Partition) -> LeaseSet:
    """Take a refined lease from this (live) process, as another refine would."""
    holder = Holder("other", "refine-other", "refine", host=socket.gethostname(), pid=os.getpid())
    leases = LeaseSet(LocalStorage(lake), TablesLayout("refined").leases, [partition], holder)
    asyncio.run(leases.acquire())
    return leases


def test_an_undated_partition_has_its_keys_under_all(tmp_path: Path) -> None:
    current, dated = Partition("current", None), Partition("tables", date(2024, 5, 1))
    assert str(current) == "current/all" and str(dated) == "tables/2024-05-01"
    leases = hold(tmp_path, current)
    assert (tmp_path / "refined/TMDB/_leases/current/all/0000000001.json").is_file()
    both = LeaseSet(
        LocalStorage(tmp_path),
        TablesLayout("refined").leases,
        [dated, current],
        Holder("mine", "refine-mine", "refine"),
    )
    assert both.partitions == [current, dated]  # a fixed order, undated first
    asyncio.run(leases.release())
    asyncio.run(both.acquire())
    assert both.generations == {current: 2, dated: 1}
    asyncio.run(both.release())


def test_a_refine_finds_the_current_tables_held_and_exits_75(lake: Path, cli: Cli) -> None:
    held = hold(lake, Partition("current", None))
    busy = cli("refine", "--lake", "lake")
    assert busy.code == 75, busy.stderr
    line = busy.stderr.strip().splitlines()[-1]
    assert line.startswith("tmdb-lake: error: current/all is held by run refine-other")
    assert not (lake / "refined/TMDB/_manifests").exists()
    release = threading.Timer(1.0, lambda: asyncio.run(held.release()))
    release.start()
    done = cli("refine", "--lake", "lake", "--wait", "30")
    release.join()
    assert done.code == 0, done.stderr
    assert (lake / "refined/TMDB/_manifests/current.json").is_file()


def test_two_refines_at_once_build_everything_once(lake: Path, cli: Cli) -> None:
    import json

    runs = [cli.spawn("refine", "--lake", "lake", "--wait", "120", "--json") for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    assert sum(1 for r in reports if r["current"]) == 1  # one built them, the other found them
    assert sorted(d for r in reports for d in r["built"]) == ["2024-05-01", "2024-05-02"]
    assert "nothing to do" in cli("refine", "--lake", "lake").stdout
