"""No key or token in logs, progress, errors, tracebacks, manifests, lake files or summaries."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import clean_env  # type: ignore[import-not-found]
from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer

# Built at run time so that no key-shaped literal sits in the repository.
V3_KEY = "c0ffee42" * 4
V4_TOKEN = "eyJ" + "hbGciOiJIUzI1NiJ9" + ".tmdblake" * 6


@pytest.fixture(scope="module")
def faulty_simulator() -> Iterator[SimulatorServer]:
    config = SimulatorConfig(
        api_key=V3_KEY, access_token=V4_TOKEN, error_rate=0.1, truncate_rate=0.05, fault_seed=3
    )
    with SimulatorServer(Catalog(movies=3_000, series=800, seed=5), config) as server:
        yield server


def run_cli(server: SimulatorServer, cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "tmdb_lake.cli", *args],
        cwd=cwd,
        env=clean_env({"TMDB_API_URL": server.api_url, "TMDB_LAKE_RATE_LIMIT": "2000", **env}),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    return f"exit={proc.returncode}\n{proc.stdout}\n{proc.stderr}"


def everything_in(lake: Path) -> str:
    return "".join(p.read_text("utf-8") for p in lake.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("env", "secret"),
    [({"TMDB_API_KEY": V3_KEY}, V3_KEY), ({"TMDB_ACCESS_TOKEN": V4_TOKEN}, V4_TOKEN)],
)
def test_successful_run_with_retries_leaks_nothing(faulty_simulator, tmp_path, env, secret):
    output = run_cli(faulty_simulator, tmp_path, env, "ingest", "--debug", "--json", "--details")
    output += run_cli(faulty_simulator, tmp_path, env, "ingest", "--debug", "--limit", "40")
    assert "exit=0" in output
    assert secret not in output
    lake_text = everything_in(tmp_path / "lake")
    assert '"complete": true' in lake_text  # manifests were read too
    assert secret not in lake_text


def test_failures_and_tracebacks_leak_nothing(faulty_simulator, tmp_path):
    wrong = "badc0ffe" * 4
    outputs = [
        run_cli(faulty_simulator, tmp_path, {"TMDB_API_KEY": wrong}, "ingest", "--debug"),
        run_cli(
            faulty_simulator,
            tmp_path,
            {"TMDB_API_KEY": V3_KEY, "TMDB_API_URL": "http://127.0.0.1:9/3"},
            "ingest",
            "--debug",
            "--max-attempts",
            "2",
        ),
    ]
    assert "exit=1" in outputs[0] and "rejected the credentials" in outputs[0]
    assert "exit=1" in outputs[1] and "connection failed" in outputs[1]
    for output in outputs:
        assert wrong not in output and V3_KEY not in output
