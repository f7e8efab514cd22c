"""Fault matrix, cases 5 and 6: the servers go away mid-run and come back.

5. TMDB drops connections (3% resets), and the simulator itself is stopped and restarted
   on the same port while the CLI runs: every in-flight request is cut, new ones are refused
   until the new server binds. The client's retries carry the run through (exit 0).
6. The S3 server (SeaweedFS) is stopped mid-run. Back after a short outage, botocore's own
   retries usually carry the run through; down for longer than their budget, the run exits 1
   naming the S3 operation, publishes nothing, and the next run resumes and completes.
"""

from __future__ import annotations

import time

from faults.lakecheck import (  # type: ignore[import-not-found]
    LocalLake,
    S3Lake,
    assert_lake_exact,
    assert_nothing_published,
)
from faults.matrix import (  # type: ignore[import-not-found]
    ALL_GENRES,
    DAY,
    RECORDS_PER_FILE,
    base_args,
    start_s3_again,
    summary,
    wait_until,
)
from tmdb_lake.simulator import SimulatorConfig


def test_resets_and_simulator_restarted_mid_run(simulators, cli, expected):
    want = expected("all")
    config = SimulatorConfig(reset_rate=0.03, latency_s=0.005, fault_seed=5)
    first = simulators(config)
    cli.api_url = first.api_url
    run = cli.spawn(base_args(ALL_GENRES))
    wait_until(lambda: first.stats.requests >= 80, run, what="80 requests before the restart")
    first.stop()  # aborts every open connection; the port refuses until the new server binds
    time.sleep(0.3)
    second = simulators(SimulatorConfig(reset_rate=0.03, latency_s=0.005, fault_seed=6), first.port)
    result = run.wait()
    # asserted: a restart well inside the retry budget never fails the run
    assert result.code == 0, result.stderr
    report = summary(result)
    content = assert_lake_exact(
        LocalLake(cli.cwd / "lake"),
        DAY,
        want.ids,
        records_per_file=RECORDS_PER_FILE,
        reference=want.reference,
    )
    resets = first.stats.faults.get("reset", 0) + second.stats.faults.get("reset", 0)
    errors = content.manifest["requests"]["errors"]
    print(
        f"case 5: {report['requests']} requests, {report['retries']} retries, errors {errors}; "
        f"before restart {first.stats.snapshot()}, after {second.stats.snapshot()}; "
        f"{report['seconds']} s"
    )
    assert resets > 0 and second.stats.requests > 0
    # every reset and every request cut or refused by the restart is a transport error
    assert errors["transport"] >= resets
    assert report["retries"] == errors["transport"] + errors.get("timeout", 0)


def _s3_cli(cli, s3_bucket, api_url: str) -> str:
    cli.api_url = api_url
    cli.env.update(s3_bucket.server.env())
    return f"s3://{s3_bucket.name}/lake"


def test_s3_stopped_briefly_mid_run(simulators, cli, expected, s3_bucket):
    """Case 6a: S3 down for the ~2.5 s a SeaweedFS stop and start take."""
    want = expected("all")
    sim = simulators(SimulatorConfig(latency_s=0.005))
    lake_uri = _s3_cli(cli, s3_bucket, sim.api_url)
    args = base_args([*ALL_GENRES, "--lake", lake_uri])
    run = cli.spawn(args)
    wait_until(lambda: sim.stats.requests >= 60, run, what="60 requests before the S3 outage")
    down = time.monotonic()
    s3_bucket.server.stop()
    start_s3_again(s3_bucket.server)
    outage = time.monotonic() - down
    result = run.wait()
    lake = S3Lake(s3_bucket.server.client(attempts=3), s3_bucket.name, "lake")
    outcome = "rode it out" if result.code == 0 else "failed, rerun resumed"
    if result.code != 0:  # botocore's retry budget is random: a long draw can fall short
        assert result.code == 1, result.stderr
        assert_failed_cleanly_on_s3(result.stderr)
        # it failed because S3 was down: freeing its leases may have failed with it
        assert_nothing_published(lake, DAY, released=False)
        result = cli.run(args)
        assert result.code == 0, result.stderr
        assert summary(result)["resumed"] is True
    report = summary(result)
    assert_lake_exact(
        lake, DAY, want.ids, records_per_file=RECORDS_PER_FILE, reference=want.reference
    )
    print(f"case 6a: S3 down {outage:.1f} s; {outcome}; {report['seconds']} s")


def test_s3_down_longer_than_the_retry_budget(simulators, cli, expected, s3_bucket):
    """Case 6b: S3 stays down until the run gives up; it exits 1, then a rerun resumes."""
    want = expected("all")
    sim = simulators(SimulatorConfig(latency_s=0.005))
    lake_uri = _s3_cli(cli, s3_bucket, sim.api_url)
    args = base_args([*ALL_GENRES, "--lake", lake_uri])
    run = cli.spawn(args)
    wait_until(lambda: sim.stats.requests >= 60, run, what="60 requests before the S3 outage")
    down = time.monotonic()
    s3_bucket.server.stop()
    failed = run.wait(timeout=90)
    gave_up = time.monotonic() - down
    start_s3_again(s3_bucket.server)
    assert failed.code == 1, failed.stderr
    assert not failed.stdout.strip()
    assert_failed_cleanly_on_s3(failed.stderr)
    lake = S3Lake(s3_bucket.server.client(attempts=3), s3_bucket.name, "lake")
    assert_nothing_published(lake, DAY, released=False)  # S3 was down: it could not free them
    staged = [key for key in lake.objects() if key.startswith("raw/TMDB/_staging/")]
    assert staged, "the failed run should have left its checkpoints for the next one"

    requests_before = sim.stats.requests
    result = cli.run(args)
    assert result.code == 0, result.stderr
    report = summary(result)
    assert report["resumed"] is True
    content = assert_lake_exact(
        lake, DAY, want.ids, records_per_file=RECORDS_PER_FILE, reference=want.reference
    )
    rerun_requests = sim.stats.requests - requests_before
    assert rerun_requests < want.clean_requests, "the rerun fetched everything again"
    print(
        f"case 6b: gave up {gave_up:.1f} s into the outage: {failed.stderr.strip()}; "
        f"rerun resumed with {rerun_requests} of {want.clean_requests} requests; "
        f"manifest files {content.files}"
    )


def assert_failed_cleanly_on_s3(stderr: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("tmdb-lake: error: S3 "), lines[0]
    assert "Traceback" not in stderr
