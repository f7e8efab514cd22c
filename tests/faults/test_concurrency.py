"""Concurrency is a fault too: overlapping runs of one day, a paused writer, a kill mid-commit.

Every case runs the real CLI in several processes (2-4 at once, 0-3 s apart, some with
`--wait`) against one simulator and one lake (a folder, or a bucket on SeaweedFS with its
conditional writes), and ends with the oracle:
each dataset's current manifest names one definition, and the lake holds exactly that
definition's records, once each; no manifest lists a missing file; no lease is held.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from faults.lakecheck import (  # type: ignore[import-not-found]
    LakeView,
    LocalLake,
    S3Lake,
    assert_lake_exact,
    assert_no_lease_held,
    current_manifests,
)
from faults.matrix import (  # type: ignore[import-not-found]
    ALL_GENRES,
    DAY,
    RECORDS_PER_FILE,
    Cli,
    Result,
    base_args,
    wait_until,
)
from support import expected_ids  # type: ignore[import-not-found]
from tmdb_lake.simulator import Catalog, SimulatorConfig

REPETITIONS = 10
DEFINITIONS = {"all": ALL_GENRES, "drama": ("--genres", "18")}
SLOW = SimulatorConfig(latency_s=0.02)
"""Each run takes a couple of seconds, so that runs started 0-3 s apart overlap."""


def truth(catalog: Catalog, genres: str, media: Sequence[str]) -> dict[str, set[int]]:
    ids: dict[str, set[int]] = {}
    if "movie" in media:
        ids["movies"] = set(expected_ids(catalog, "movie", genres=genres))
    if "tv" in media:
        ids["series"] = set(expected_ids(catalog, "tv", genres=genres))
    return ids


def assert_exact_for_its_owner(
    view: LakeView,
    catalog: Catalog,
    media: Sequence[str],
    records_per_file: int,
    *,
    staging_junk: bool = False,
) -> str:
    """The day's current `movies`/`series` come from one definition: exactly its records."""
    current = current_manifests(view, DAY)
    first = "movies" if "movie" in media else "series"
    genres = current[first][1]["datasets"][first]["definition"]["genres"]
    assert_lake_exact(
        view,
        DAY,
        truth(catalog, genres, media),
        records_per_file=records_per_file,
        staging_junk=staging_junk,
    )
    return str(genres)


def any_file_under(folder: Path) -> bool:
    """Tell whether a file (a temp file included) exists anywhere under `folder`."""
    return any(filenames for _dirpath, _dirnames, filenames in os.walk(folder))


def assert_documented_outcome(result: Result) -> None:
    """0, or 75 (busy: names the holder), or 2 (another definition owns the day)."""
    assert result.code in (0, 2, 75), (result.code, result.stderr)
    if result.code == 0:
        return
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tmdb-lake: error: "), result.stderr
    if result.code == 75:
        assert " is held by run " in lines[0] and "--wait" in lines[0], lines[0]
    else:
        assert " was published by run " in lines[0] and "--replace" in lines[0], lines[0]


def overlapping_runs(
    cli: Cli, rng: random.Random, extra: Sequence[str], attempt: int
) -> list[Result]:
    """Start 2-4 runs of one day, 0-3 s apart, some waiting for the lease; give their results."""
    count = rng.randint(2, 4)
    spawned = []
    started = time.monotonic()
    for index in range(count):
        if index:
            time.sleep(rng.uniform(0, 3) / count)
        definition = DEFINITIONS[rng.choice(sorted(DEFINITIONS))]
        wait = ["--wait", "60"] if rng.random() < 0.4 else []
        spawned.append(cli.spawn(base_args([*definition, *extra, *wait])))
    results = [run.wait(timeout=180) for run in spawned]
    assert time.monotonic() - started < 180, f"attempt {attempt}: runs took too long"
    return results


@pytest.mark.slow
def test_overlapping_runs_of_one_day_on_a_local_lake(simulators, cli, fault_catalog):
    sim = simulators(SLOW)
    cli.api_url = sim.api_url
    cli.env["TMDB_LAKE_CONCURRENCY"] = "4"
    rng = random.Random(501)
    outcomes: dict[int, int] = {}
    for attempt in range(REPETITIONS):
        lake = cli.cwd / f"lake-{attempt}"
        results = overlapping_runs(cli, rng, ["--media", "movie", "--lake", str(lake)], attempt)
        for result in results:
            assert_documented_outcome(result)
            outcomes[result.code] = outcomes.get(result.code, 0) + 1
        assert any(r.code == 0 for r in results), [r.stderr for r in results]
        assert_exact_for_its_owner(LocalLake(lake), fault_catalog, ("movie",), RECORDS_PER_FILE)
    assert outcomes.get(75, 0) + outcomes.get(2, 0) > 0, f"the runs never overlapped: {outcomes}"
    print(f"local: {REPETITIONS} attempts, exit codes {dict(sorted(outcomes.items()))}")


@pytest.mark.slow
def test_overlapping_runs_of_one_day_on_s3(simulators, cli, fault_catalog, s3_bucket):
    sim = simulators(SLOW)
    cli.api_url = sim.api_url
    cli.env.update(s3_bucket.server.env())
    cli.env["TMDB_LAKE_CONCURRENCY"] = "4"
    rng = random.Random(502)
    outcomes: dict[int, int] = {}
    for attempt in range(REPETITIONS):
        prefix = f"lake-{attempt}"
        extra = ["--media", "movie", "--lake", f"s3://{s3_bucket.name}/{prefix}"]
        results = overlapping_runs(cli, rng, extra, attempt)
        for result in results:
            assert_documented_outcome(result)
            outcomes[result.code] = outcomes.get(result.code, 0) + 1
        assert any(r.code == 0 for r in results), [r.stderr for r in results]
        view = S3Lake(s3_bucket.server.client(attempts=3), s3_bucket.name, prefix)
        assert_exact_for_its_owner(view, fault_catalog, ("movie",), RECORDS_PER_FILE)
    assert outcomes.get(75, 0) + outcomes.get(2, 0) > 0, f"the runs never overlapped: {outcomes}"
    print(f"s3: {REPETITIONS} attempts, exit codes {dict(sorted(outcomes.items()))}")


def test_a_paused_writer_that_wakes_up_late_cannot_harm_the_day(simulators, cli, fault_catalog):
    """SIGSTOP a run, let another take over its expired lease and commit, then SIGCONT it."""
    sim = simulators(SimulatorConfig(latency_s=0.02))
    cli.api_url = sim.api_url
    cli.env.update({"TMDB_LAKE_CONCURRENCY": "4", "TMDB_LAKE_LEASE_TTL": "3"})
    args = base_args(ALL_GENRES)
    paused = cli.spawn(args)
    wait_until(lambda: sim.stats.requests >= 40, paused, what="40 requests before the pause")
    paused.proc.send_signal(signal.SIGSTOP)
    try:
        taker = cli.run([*args, "--wait", "60"], timeout=120)
    finally:
        paused.proc.send_signal(signal.SIGCONT)
    assert taker.code == 0, taker.stderr
    late = paused.wait(timeout=60)
    assert late.code == 1, late.stderr
    # it learns it from the next lease generation, or from its own clock, whichever first
    line = late.stderr.strip()
    assert "\n" not in line and line.startswith("tmdb-lake: error: "), late.stderr
    assert "taken over by run" in line or "could not renew its leases" in line, line
    assert line.endswith("stopped without publishing (run it again to resume)"), line
    lake = LocalLake(cli.cwd / "lake")
    # the late writer may have staged a page after the taker committed: junk nobody reads
    owner = assert_exact_for_its_owner(
        lake, fault_catalog, ("movie", "tv"), RECORDS_PER_FILE, staging_junk=True
    )
    assert owner == ""
    again = cli.run(args)  # whatever the late writer left behind must not block this
    assert again.code == 0, again.stderr
    assert_exact_for_its_owner(lake, fault_catalog, ("movie", "tv"), RECORDS_PER_FILE)


def test_killed_mid_commit_then_another_definition_then_the_first_again(
    simulators, cli, fault_catalog
):
    sim = simulators(SimulatorConfig(latency_s=0.002))
    cli.api_url = sim.api_url
    records_per_file = 5  # ~700 files, so that the commit takes long enough to be caught
    first = [*base_args(ALL_GENRES)]
    first[first.index("--records-per-file") + 1] = str(records_per_file)
    lake = cli.cwd / "lake"
    data = lake / "raw/TMDB/JSON"
    run = cli.spawn(first)
    # the first published file: the commit is copying (its intent is written, no manifest yet)
    wait_until(lambda: any_file_under(data), run, what="the first published file", timeout=120)
    run.proc.kill()
    run.proc.wait(10)
    assert list(lake.glob("raw/TMDB/_commits/*/*/*/*.json")), "no commit intent before the copies"
    assert not list(lake.glob("raw/TMDB/_runs/**/*.json")), "the kill came after the manifest"
    other = cli.run(base_args(("--genres", "18")))
    assert other.code == 2, other.stderr  # heals (finishes the commit), then refuses
    assert "finished the interrupted commit of run" in other.stderr
    view = LocalLake(lake)
    assert assert_exact_for_its_owner(view, fault_catalog, ("movie", "tv"), records_per_file) == ""
    again = cli.run(first)
    assert again.code == 0, again.stderr
    assert assert_exact_for_its_owner(view, fault_catalog, ("movie", "tv"), records_per_file) == ""


def test_sigterm_stops_like_ctrl_c_and_the_rerun_resumes(simulators, cli, fault_catalog):
    sim = simulators(SimulatorConfig(latency_s=0.01))
    cli.api_url = sim.api_url
    cli.env["TMDB_LAKE_CONCURRENCY"] = "4"
    args = base_args(ALL_GENRES)
    run = cli.spawn(args)
    wait_until(lambda: sim.stats.requests >= 60, run, what="60 requests before SIGTERM")
    sent = time.monotonic()
    run.proc.send_signal(signal.SIGTERM)
    stopped = run.wait(timeout=30)
    assert stopped.code == 143, stopped.stderr
    assert time.monotonic() - sent < 10
    assert stopped.stderr.strip().splitlines()[-1] == (
        "tmdb-lake: terminated (SIGTERM); run the same command again to resume"
    )
    lake = LocalLake(cli.cwd / "lake")
    assert_no_lease_held(lake)
    before = sim.stats.requests
    resumed = cli.run(args)
    assert resumed.code == 0, resumed.stderr
    assert resumed.json()["resumed"] is True
    assert sim.stats.requests - before < 176  # pages staged before SIGTERM are not fetched again
    assert_exact_for_its_owner(lake, fault_catalog, ("movie", "tv"), RECORDS_PER_FILE)
