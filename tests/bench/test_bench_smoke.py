"""The benchmark harness still works: ``python -m bench.run --quick`` end to end.

Not a timed test: it checks that every tool ran, on every scenario, and that none
lost a record; the speed figures of a --quick run mean nothing and are not asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytest.importorskip("dlt", reason="the bench extra: pip install -e '.[bench]'")
pytest.importorskip("requests")
pytest.importorskip("matplotlib")


@pytest.mark.slow
def test_quick_bench_gives_a_correct_row_per_tool(tmp_path: Path) -> None:
    out, work = tmp_path / "out", tmp_path / "work"
    cmd = [sys.executable, "-m", "bench.run", "--quick", "--out", str(out), "--work", str(work)]
    cmd += ["--tools", "tmdb-lake,baseline,dlt"]  # dlt-tuned: same code path as dlt, +10 s
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    report = json.loads((out / "results.json").read_text())
    rows = {(row["scenario"], row["tool"]): row for row in report["rows"]}
    for scenario in ("S1", "S2", "S3"):
        for tool in ("tmdb-lake", "baseline", "dlt"):
            assert (scenario, tool) in rows, f"no row for {tool} in {scenario}"
    assert sum(1 for scenario, _ in rows if scenario == "S4") == 2
    for (scenario, tool), row in rows.items():
        where = f"{tool} in {scenario}: {row['note']}"
        assert row["exit_code"] == 0, where
        assert row["expected"] > 0, where
        assert row["records"] == row["expected"], where
        assert row["missing"] == 0 and row["duplicates"] == 0 and row["unexpected"] == 0, where
        assert row["requests"] > 0 and row["cpu_s"] > 0 and row["peak_rss_mb"] > 0, where
    assert (out / "throughput.png").stat().st_size > 0
    assert "### S1" in (out / "tables.md").read_text()
