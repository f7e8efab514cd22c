"""`RunReport`: what a run did, as the CLI prints it and the Lambda returns it."""

import subprocess
import sys

import orjson

from tmdb_lake.run_report import RunReport


def test_peak_rss_is_our_own_not_the_spawning_process_s() -> None:
    """A parent holding 300 MB spawns us: our peak must not include its memory."""
    parent = (
        "import subprocess, sys\n"
        "ballast = bytearray(300 * 1024 * 1024)\n"
        "for i in range(0, len(ballast), 4096): ballast[i] = 1\n"
        "code = 'from tmdb_lake.run_report import peak_rss_mb; print(peak_rss_mb())'\n"
        "print(subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,"
        " check=True).stdout)\n"
    )
    out = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, check=True)
    assert 5 < float(out.stdout.strip()) < 200


def report(**changes: object) -> RunReport:
    base = dict(
        run_id="20240501T061502Z-9f3a0c1e",
        run_key="20240501-discover-abc",
        lake="s3://bucket/lake",
        partition_date="2024-05-01",
        complete=True,
        resumed=False,
        started_at="2024-05-01T06:15:02+00:00",
        finished_at="2024-05-01T06:15:14+00:00",
        seconds=12.3456,
        records={"movies": 100, "series": 50},
        files={"movies": 1, "series": 1},
        manifest="raw/TMDB/_runs/2024/05/01/20240501T061502Z-9f3a0c1e.json",
        requests=12,
        retries=1,
        rate_limited=0,
        counters={"duplicates_dropped": 2},
        peak_rss_mb=61.26,
    )
    base.update(changes)
    return RunReport(**base)  # type: ignore[arg-type]


def test_as_dict_is_json_ready_with_totals_and_rates() -> None:
    summary = report().as_dict()
    assert orjson.loads(orjson.dumps(summary)) == summary
    assert summary["records_total"] == 150
    assert summary["records_per_second"] == round(150 / 12.3456, 1)
    assert summary["seconds"] == 12.346 and summary["peak_rss_mb"] == 61.3
    assert summary["manifest"].endswith(".json") and summary["complete"] is True


def test_an_incomplete_run_has_no_manifest_and_no_rate_for_zero_seconds() -> None:
    summary = report(complete=False, manifest=None, records={}, files={}, seconds=0.0).as_dict()
    assert summary["manifest"] is None and summary["records_total"] == 0
    assert summary["records_per_second"] is None
