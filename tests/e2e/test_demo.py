"""`tmdb-lake demo`, the README's first command, as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support import clean_env  # type: ignore[import-not-found]


def test_demo_runs_a_full_ingest_from_the_bundled_simulator(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tmdb_lake.cli", "demo", "--movies", "4000", "--series", "2000"],
        cwd=tmp_path,
        env=clean_env({"TMDB_LAKE_RATE_LIMIT": "1000"}),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    lake = tmp_path / "lake-demo"
    assert f"files are under {lake}/raw/TMDB/JSON/" in proc.stdout
    assert "complete" in proc.stdout and "movies" in proc.stdout and "series" in proc.stdout
    manifests = list(lake.glob("raw/TMDB/_runs/*/*/*/*.json"))
    assert len(manifests) == 1
    manifest = json.loads(manifests[0].read_text())
    assert manifest["complete"] is True
    assert manifest["datasets"]["movies"]["records"] > 0
    assert manifest["datasets"]["series"]["records"] > 0
    # then the trusted and refined zones, and a query over the refined model
    assert "current tables: built (full build, 1 trusted dt)" in proc.stdout
    assert "the most popular movies" in proc.stdout and "(5 rows)" in proc.stdout
    assert (lake / "refined/TMDB/_manifests/current.json").is_file()
    report = tmp_path / "tmdb-lake-report.html"
    assert f"report: {report} (" in proc.stdout
    page = report.read_text("utf-8")
    assert 'data-table="records"' in page and "vegaEmbed" in page
