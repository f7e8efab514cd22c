"""Fault matrix, cases 1-4: TMDB misbehaves on the wire; the lake still ends exact.

Each case runs the CLI once against a simulator with one fault knob turned up, then checks
the lake with `assert_lake_exact` and checks the client's counters (the `--json` summary and
the manifest's `requests`) against what the simulator says it sent.
"""

from __future__ import annotations

from faults.lakecheck import LocalLake, assert_lake_exact  # type: ignore[import-not-found]
from faults.matrix import (  # type: ignore[import-not-found]
    ALL_GENRES,
    DAY,
    DRAMA_DETAILS,
    RECORDS_PER_FILE,
    base_args,
    summary,
)
from tmdb_lake.simulator import SimulatorConfig


def test_429_storm_with_server_limit_below_the_client(simulators, cli, expected):
    """Case 1: 10% random 429s, and a server limit of 25 rps under the client's 80 rps."""
    want = expected("all")
    sim = simulators(SimulatorConfig(random_429_rate=0.10, rate_limit_rps=25, fault_seed=1))
    cli.api_url = sim.api_url
    result = cli.run(base_args(ALL_GENRES), env={"TMDB_LAKE_RATE_LIMIT": "80"})
    assert result.code == 0, result.stderr
    report = summary(result)
    content = assert_lake_exact(
        LocalLake(cli.cwd / "lake"),
        DAY,
        want.ids,
        records_per_file=RECORDS_PER_FILE,
        reference=want.reference,
    )
    stats = sim.stats.snapshot()
    print(
        f"case 1: {report['requests']} requests, {report['retries']} retries, "
        f"{report['rate_limited']} 429s; simulator {stats}; {report['seconds']} s"
    )
    assert stats["faults"].get("random_429", 0) > 0
    # the server's own limiter throttled too: more 429s than the random ones
    assert stats["throttled"] > stats["faults"]["random_429"]
    assert report["rate_limited"] == stats["throttled"] == stats["statuses"][429]
    assert report["retries"] == report["requests"] - want.clean_requests
    assert content.manifest["requests"]["rate_limited"] == report["rate_limited"]


def test_5xx_with_html_error_bodies(simulators, cli, expected):
    """Case 2: 10% 500/502/503/504, half of them CloudFront HTML pages; with details."""
    want = expected("drama_details")
    sim = simulators(SimulatorConfig(error_rate=0.10, fault_seed=2))
    cli.api_url = sim.api_url
    result = cli.run(base_args(DRAMA_DETAILS))
    assert result.code == 0, result.stderr
    report = summary(result)
    content = assert_lake_exact(
        LocalLake(cli.cwd / "lake"),
        DAY,
        want.ids,
        records_per_file=RECORDS_PER_FILE,
        reference=want.reference,
    )
    stats = sim.stats.snapshot()
    print(
        f"case 2: {report['requests']} requests, {report['retries']} retries; "
        f"simulator {stats}; {report['seconds']} s"
    )
    errors = stats["faults"].get("error", 0)
    assert errors > 0
    client_5xx = {
        int(s): n for s, n in content.manifest["requests"]["statuses"].items() if int(s) >= 500
    }
    assert sum(client_5xx.values()) == errors
    assert set(client_5xx) == {500, 502, 503, 504}
    assert report["retries"] == errors == report["requests"] - want.clean_requests


def test_truncated_200_bodies_are_retried_never_written(simulators, cli, expected):
    """Case 3: 2% of 200s cut in half (Content-Length matching the cut): undecodable JSON."""
    want = expected("drama_details")
    sim = simulators(SimulatorConfig(truncate_rate=0.02, fault_seed=3))
    cli.api_url = sim.api_url
    result = cli.run(base_args(DRAMA_DETAILS))
    assert result.code == 0, result.stderr
    report = summary(result)
    content = assert_lake_exact(
        LocalLake(cli.cwd / "lake"),
        DAY,
        want.ids,
        records_per_file=RECORDS_PER_FILE,
        reference=want.reference,
    )
    stats = sim.stats.snapshot()
    print(
        f"case 3: {report['requests']} requests, {report['retries']} retries; "
        f"simulator {stats}; {report['seconds']} s"
    )
    truncated = stats["faults"].get("truncate", 0)
    assert truncated > 0
    assert content.manifest["requests"]["errors"].get("undecodable") == truncated
    assert report["retries"] == truncated == report["requests"] - want.clean_requests


def test_responses_slower_than_the_client_timeout(simulators, cli, expected):
    """Case 4: 5% of responses take 1 s more; the client gives up after 0.4 s and retries."""
    want = expected("all")
    sim = simulators(SimulatorConfig(slow_rate=0.05, slow_s=1.0, latency_s=0.002, fault_seed=4))
    cli.api_url = sim.api_url
    result = cli.run(base_args(ALL_GENRES), env={"TMDB_LAKE_TIMEOUT": "0.4"})
    assert result.code == 0, result.stderr
    report = summary(result)
    content = assert_lake_exact(
        LocalLake(cli.cwd / "lake"),
        DAY,
        want.ids,
        records_per_file=RECORDS_PER_FILE,
        reference=want.reference,
    )
    stats = sim.stats.snapshot()
    print(
        f"case 4: {report['requests']} requests, {report['retries']} retries; "
        f"simulator {stats}; {report['seconds']} s"
    )
    slow = stats["faults"].get("slow", 0)
    assert slow > 0
    # every slow response is a timeout; a loaded machine may add a few of its own
    assert content.manifest["requests"]["errors"].get("timeout", 0) >= slow
    assert report["retries"] == content.manifest["requests"]["errors"]["timeout"]
