"""Issue #4 B: when retries run out, the run exits 1 with one line naming what failed
(endpoint, status, attempts), publishes nothing, and the next run resumes it to an exact lake.
"""

from __future__ import annotations

import re

from faults.lakecheck import (  # type: ignore[import-not-found]
    LocalLake,
    assert_lake_exact,
    assert_nothing_published,
)
from faults.matrix import (  # type: ignore[import-not-found]
    ALL_GENRES,
    DAY,
    RECORDS_PER_FILE,
    base_args,
    summary,
    wait_until,
)
from tmdb_lake.simulator import SimulatorConfig

FAIL_FAST = {"TMDB_LAKE_MAX_ATTEMPTS": "2"}


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("tmdb-lake: error: TMDB /"), lines[0]
    assert "Traceback" not in stderr
    return lines[0]


def resume_to_exact(cli, sim, want, *, stderr_of_failure: str):
    """Run again against a healthy TMDB: it must resume and end exact."""
    before = sim.stats.requests
    result = cli.run(base_args(ALL_GENRES))
    assert result.code == 0, result.stderr
    report = summary(result)
    assert report["resumed"] is True, stderr_of_failure
    assert_lake_exact(
        LocalLake(cli.cwd / "lake"),
        DAY,
        want.ids,
        records_per_file=RECORDS_PER_FILE,
        reference=want.reference,
    )
    return report, sim.stats.requests - before


def test_5xx_mid_run_exhausts_retries_then_the_rerun_resumes(simulators, cli, expected):
    want = expected("all")
    healthy = simulators(SimulatorConfig(latency_s=0.002))
    cli.api_url = healthy.api_url
    run = cli.spawn(base_args(ALL_GENRES), env=FAIL_FAST)
    wait_until(lambda: healthy.stats.requests >= 80, run, what="80 requests before the outage")
    healthy.stop()
    broken = simulators(SimulatorConfig(error_rate=1.0, fault_seed=8), healthy.port)
    failed = run.wait()

    assert failed.code == 1, failed.stderr
    assert not failed.stdout.strip(), "a failed run printed a summary"
    line = one_error_line(failed.stderr)
    assert re.fullmatch(
        r"tmdb-lake: error: TMDB /(discover/movie|discover/tv|genre/movie/list|genre/tv/list) "
        # a request cut by the stop may make its last attempt in the moment no server listens
        r"failed after 2 attempts: (HTTP 50[0234]|connection failed \((ConnectError|ReadError)\))",
        line,
    ), line
    lake = LocalLake(cli.cwd / "lake")
    assert_nothing_published(lake, DAY)
    assert any(key.startswith("raw/TMDB/_staging/") and "/parts/" in key for key in lake.objects())
    broken.stop()

    healthy_again = simulators(SimulatorConfig(), healthy.port)
    _, requests = resume_to_exact(cli, healthy_again, want, stderr_of_failure=line)
    assert requests < want.clean_requests, "the rerun did not resume from the checkpoints"
    print(f"B 5xx: {line!r}; the rerun resumed with {requests} of {want.clean_requests} requests")


def test_unreachable_tmdb_fails_with_the_endpoint_then_resumes(simulators, cli, expected):
    want = expected("all")
    healthy = simulators()
    cli.api_url = "http://127.0.0.1:9/3"  # the discard port: connection refused
    failed = cli.run(base_args(ALL_GENRES), env=FAIL_FAST)
    assert failed.code == 1, failed.stderr
    line = one_error_line(failed.stderr)
    assert re.fullmatch(
        r"tmdb-lake: error: TMDB /(discover/(movie|tv)|genre/(movie|tv)/list) "
        r"failed after 2 attempts: "
        r"connection failed \(ConnectError\)",
        line,
    ), line
    assert_nothing_published(LocalLake(cli.cwd / "lake"), DAY)

    cli.api_url = healthy.api_url
    _, requests = resume_to_exact(cli, healthy, want, stderr_of_failure=line)
    assert requests == want.clean_requests
    print(f"B unreachable: {line!r}")


def test_429_until_retries_run_out(simulators, cli, expected):
    want = expected("all")
    throttling = simulators(SimulatorConfig(random_429_rate=1.0, fault_seed=9))
    cli.api_url = throttling.api_url
    failed = cli.run(base_args(ALL_GENRES), env=FAIL_FAST)
    assert failed.code == 1, failed.stderr
    line = one_error_line(failed.stderr)
    assert re.fullmatch(
        r"tmdb-lake: error: TMDB /(discover/(movie|tv)|genre/(movie|tv)/list) "
        r"failed after 2 attempts: "
        r"HTTP 429 rate limited",
        line,
    ), line
    assert_nothing_published(LocalLake(cli.cwd / "lake"), DAY)
    assert throttling.stats.statuses == {429: throttling.stats.requests}

    healthy = simulators()
    cli.api_url = healthy.api_url
    resume_to_exact(cli, healthy, want, stderr_of_failure=line)
    print(f"B 429: {line!r}")
