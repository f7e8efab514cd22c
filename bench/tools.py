"""The tools under test: their names, their command lines and the clean environment they run in."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from bench import BENCH, PY

if TYPE_CHECKING:
    from bench.simulator_process import Simulator

TOOLS = ("tmdb-lake", "baseline", "dlt", "dlt-tuned")
"""dlt-tuned: dlt with compiled data selectors (see bench/baselines/dlt_pipeline.py)."""


def tool_env(extra: dict[str, str]) -> dict[str, str]:
    """A clean environment: no TMDB or tmdb-lake settings from the caller's shell."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TMDB_", "API_KEY", "AWS_", "EXTRACT__", "NORMALIZE__", "LOAD__"))
    }
    env.update(extra)
    return env


def tmdb_lake_cmd(*args: str) -> list[str]:
    return [PY, "-m", "tmdb_lake.cli", "ingest", "--lake", "lake", "--json", "--quiet", *args]


def baseline_cmd(sim: Simulator, params: dict[str, str], *args: str) -> list[str]:
    script = str(BENCH / "baselines" / "original_script.py")
    common = ["--base-url", sim.api_url, "--api-key", sim.api_key, "--out", "out"]
    return [PY, script, *common, "--params", json.dumps(params), *args]


def dlt_cmd(sim: Simulator, params: dict[str, str], *args: str) -> list[str]:
    script = str(BENCH / "baselines" / "dlt_pipeline.py")
    common = ["--base-url", sim.api_url, "--token", sim.token, "--out", "."]
    return [PY, script, *common, "--params", json.dumps(params), *args]
