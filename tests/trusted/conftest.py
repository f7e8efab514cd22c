"""Fixtures of the trusted-zone tests: a small raw lake made by the real CLI, the CLI itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from support import Result, clean_env  # type: ignore[import-not-found]
from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer

TRUSTED_CATALOG = {"movies": 400, "series": 200, "seed": 21}
DAY1, DAY2 = "2024-05-01", "2024-05-02"
# Day 1: every title of the small catalog (no genre filter), details, JSON arrays.
# Day 2: the top 60 per media type, details, JSONL.
DAY1_ARGS = ("--date", DAY1, "--details", "--genres", "", "--format", "json")
DAY2_ARGS = ("--date", DAY2, "--details", "--genres", "", "--format", "jsonl", "--limit", "60")


class Cli:
    """Runs `tmdb-lake ...` as a subprocess in `cwd`, pointed at the simulator."""

    def __init__(self, simulator: SimulatorServer, cwd: Path) -> None:
        self.simulator = simulator
        self.cwd = cwd

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        base = {
            "TMDB_API_URL": self.simulator.api_url,
            "TMDB_EXPORTS_URL": self.simulator.exports_url,
            "TMDB_ACCESS_TOKEN": "simulator-token",
            "TMDB_LAKE_RATE_LIMIT": "2000",
            "TMDB_LAKE_DUCKDB_THREADS": "2",
            "TMDB_LAKE_DUCKDB_MEMORY_LIMIT": "512MB",
        }
        return clean_env({**base, **(extra or {})})

    def __call__(self, *args: str, env: Mapping[str, str] | None = None) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "tmdb_lake.cli", *args],
            cwd=self.cwd,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def spawn(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "tmdb_lake.cli", *args],
            cwd=self.cwd,
            env=self.env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture(scope="session")
def trusted_catalog() -> Catalog:
    return Catalog(**TRUSTED_CATALOG)


@pytest.fixture(scope="session")
def trusted_simulator(trusted_catalog: Catalog) -> Iterator[SimulatorServer]:
    with SimulatorServer(trusted_catalog, SimulatorConfig()) as server:
        yield server


@pytest.fixture
def cli(trusted_simulator: SimulatorServer, tmp_path: Path) -> Cli:
    return Cli(trusted_simulator, tmp_path)


@pytest.fixture(scope="session")
def raw_lake_template(trusted_simulator: SimulatorServer, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """A raw lake of two days, made once by `tmdb-lake ingest`; copy it before changing it."""
    where = tmp_path_factory.mktemp("raw-template")
    cli = Cli(trusted_simulator, where)
    for args in (DAY1_ARGS, DAY2_ARGS):
        result = cli("ingest", "--lake", "lake", "--quiet", *args)
        assert result.code == 0, result.stderr
    return where / "lake"


@pytest.fixture
def raw_lake(raw_lake_template: Path, tmp_path: Path) -> Path:
    """A private copy of the two-day raw lake, under the test's cwd as ./lake."""
    target = tmp_path / "lake"
    shutil.copytree(raw_lake_template, target)
    return target
