"""Fault matrix, case 7: the process is killed with SIGKILL at random points, then run again.

One lake, one `--date`, one run: the CLI is started again and again and killed each time,
at seeded random amounts of work (simulator requests) through discover and details, then the
moment the commit starts publishing files, then the moment the manifest lands. The last start
runs to the end. Every start after the first resumes the same run (same run id), and the lake
ends exact: nothing lost, nothing twice, no half-written or temp file anywhere.
"""

from __future__ import annotations

import json
import os
import random
import signal
from pathlib import Path

from faults.lakecheck import (  # type: ignore[import-not-found]
    DATA_ROOT,
    RUNS_ROOT,
    LocalLake,
    assert_lake_exact,
)
from faults.matrix import (  # type: ignore[import-not-found]
    DAY,
    DRAMA_DETAILS,
    RECORDS_PER_FILE,
    base_args,
    summary,
    wait_until,
)
from tmdb_lake.simulator import SimulatorConfig

KILLS_WHILE_FETCHING = 4


def any_file_under(folder: Path) -> bool:
    """Tell whether a file (a temp file included) exists anywhere under `folder`."""
    return any(filenames for _dirpath, _dirnames, filenames in os.walk(folder))


def run_id_of(lake: Path) -> str:
    records = list(lake.glob("raw/TMDB/_staging/*/run.json"))
    assert len(records) == 1, records
    return str(json.loads(records[0].read_text())["run_id"])


def test_sigkill_at_random_points_then_rerun(simulators, cli, expected):
    want = expected("drama_details")
    sim = simulators(SimulatorConfig(latency_s=0.002))
    cli.api_url = sim.api_url
    args = base_args(DRAMA_DETAILS)
    lake = cli.cwd / "lake"
    rng = random.Random(20240501)
    killed_at: list[str] = []

    # 1. kills while fetching: after a random number of requests of each start
    first_run_id = None
    # the first inside discover (~55 page requests), then anywhere in discover or details
    budgets = [rng.randint(5, 50)]
    budgets += [rng.randint(20, want.clean_requests // 4) for _ in range(KILLS_WHILE_FETCHING - 1)]
    for budget in budgets:
        start = sim.stats.requests
        run = cli.spawn(args)
        wait_until(lambda: sim.stats.requests - start >= budget, run, what=f"{budget} requests")  # noqa: B023
        run.proc.send_signal(signal.SIGKILL)
        assert run.wait().code == -signal.SIGKILL
        killed_at.append(f"after {budget} requests")
        first_run_id = first_run_id or run_id_of(lake)
        assert run_id_of(lake) == first_run_id
        assert not any_file_under(lake / DATA_ROOT), "published before the commit"
        assert not any_file_under(lake / RUNS_ROOT), "a manifest before the commit"

    # 2. a kill the moment the commit starts copying parts to their final keys, then 3. the
    # moment the manifest lands (before or during the clean-up). A start that beats the poll
    # and completes is the last one: starting again would begin the next day's snapshot.
    result = None
    for folder, point in (
        (DATA_ROOT, "during the commit's copies"),
        (RUNS_ROOT, "at the manifest"),
    ):
        run = cli.spawn(args)
        try:
            wait_until(lambda: any_file_under(lake / folder), run, what=point, timeout=120)  # noqa: B023
        except AssertionError:
            result = run.wait()
            killed_at.append(f"(finished before the kill {point})")
            break
        run.proc.send_signal(signal.SIGKILL)
        ended = run.wait()
        if ended.code == 0:
            result = ended
            killed_at.append(f"(finished before the kill {point})")
            break
        assert ended.code == -signal.SIGKILL, ended.stderr
        killed_at.append(point)

    # 4. the last start runs to the end
    result = result or cli.run(args)
    assert result.code == 0, result.stderr
    report = summary(result)
    assert report["resumed"] is True and report["run_id"] == first_run_id
    content = assert_lake_exact(
        LocalLake(lake),
        DAY,
        want.ids,
        records_per_file=RECORDS_PER_FILE,
        reference=want.reference,
        run_id=first_run_id,
    )
    print(
        f"case 7: killed {killed_at}; {sim.stats.requests} requests over all starts "
        f"(a clean run makes {want.clean_requests}); final {content.total} records "
        f"in {content.files} files"
    )
