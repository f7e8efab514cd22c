"""Fixtures of the report's tests: a real lake (ingest, re-run, transform, refined), the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from report.reportlake import DAY1, DAY2, ReportCli  # type: ignore[import-not-found]
from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer


@pytest.fixture(scope="session")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One work folder for the session: the chart script is bundled once."""
    return tmp_path_factory.mktemp("report-work")


@pytest.fixture(scope="session")
def report_lake(tmp_path_factory: pytest.TempPathFactory, work_dir: Path) -> Iterator[ReportCli]:
    """Two days ingested with details (day 2 run twice: the first run is superseded),
    transformed to the trusted zone, then refined."""
    lake = tmp_path_factory.mktemp("report-lake") / "lake"
    catalog = Catalog(movies=300, series=120, seed=16)
    with SimulatorServer(catalog, SimulatorConfig()) as sim:
        cli = ReportCli(
            lake,
            work_dir,
            {
                "TMDB_API_URL": sim.api_url,
                "TMDB_EXPORTS_URL": sim.exports_url,
                "TMDB_ACCESS_TOKEN": "simulator-token",
                "TMDB_LAKE_RATE_LIMIT": "2000",
            },
        )
        common = ("--details", "--genres", "", "--quiet")
        cli("ingest", "--date", DAY1, "--format", "json", *common)
        cli("ingest", "--date", DAY2, "--format", "jsonl", "--limit", "80", *common)
        cli("ingest", "--date", DAY2, "--format", "jsonl", "--limit", "80", *common)
    cli("transform", "--quiet")
    cli("refine", "--quiet")
    yield cli
