"""Fixtures for end-to-end runs: the simulator over real HTTP, the CLI as a subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from support import Result, clean_env  # type: ignore[import-not-found]
from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer

E2E_CATALOG = {"movies": 6_000, "series": 3_000, "seed": 11}


@pytest.fixture(scope="session")
def e2e_catalog() -> Catalog:
    return Catalog(**E2E_CATALOG)


@pytest.fixture(scope="session")
def simulator(e2e_catalog: Catalog) -> Iterator[SimulatorServer]:
    with SimulatorServer(e2e_catalog, SimulatorConfig()) as server:
        yield server


@pytest.fixture
def tmdb_lake(simulator: SimulatorServer, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run `tmdb-lake ...` as a subprocess in tmp_path, pointed at the simulator."""

    def run(*args: str, env: Mapping[str, str] | None = None, timeout: float = 300) -> Result:
        base = {
            "TMDB_API_URL": simulator.api_url,
            "TMDB_EXPORTS_URL": simulator.exports_url,
            "TMDB_ACCESS_TOKEN": "simulator-token",
            "TMDB_LAKE_RATE_LIMIT": "2000",
        }
        proc = subprocess.run(
            [sys.executable, "-m", "tmdb_lake.cli", *args],
            cwd=tmp_path,
            env=clean_env({**base, **(env or {})}),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run
