"""What the fault cases share: the run's arguments, the CLI as a subprocess, the oracle."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support import Result, clean_env  # type: ignore[import-not-found]

DAY = "2024-05-01"
RECORDS_PER_FILE = 50
FAULT_CATALOG = {"movies": 3_000, "series": 1_000, "seed": 7}

# Every record of the catalog that passes --released-until (the default 2023-12-31): 2,583
# movies and 861 series, 176 requests; 20 records a page and 50 a file make ~90 files.
ALL_GENRES = ("--genres", "")
# Drama only, with details: 1,037 titles, so ~1,090 requests and ~2,100 records.
DRAMA_DETAILS = ("--genres", "18", "--details")


def base_args(extra: Sequence[str] = ()) -> list[str]:
    """Give the arguments every case shares, plus `extra`."""
    return [
        "ingest",
        "--date",
        DAY,
        "--records-per-file",
        str(RECORDS_PER_FILE),
        "--json",
        "--quiet",
        *extra,
    ]


@dataclass
class Cli:
    """Runs `tmdb-lake` as a subprocess in `cwd`, against `api_url` unless told otherwise."""

    cwd: Path
    api_url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    spawned: list[Spawned] = field(default_factory=list)

    def environ(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        base = {
            "TMDB_API_URL": self.api_url,
            "TMDB_ACCESS_TOKEN": "simulator-token",
            "TMDB_LAKE_RATE_LIMIT": "2000",
            **self.env,
        }
        return clean_env({**base, **(extra or {})})

    def run(
        self, args: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 120
    ) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "tmdb_lake.cli", *args],
            cwd=self.cwd,
            env=self.environ(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def spawn(self, args: Sequence[str], env: Mapping[str, str] | None = None) -> Spawned:
        """Start the CLI without waiting (for kills and mid-run faults)."""
        out = self.cwd / f"spawn-{len(self.spawned)}.out"
        err = self.cwd / f"spawn-{len(self.spawned)}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "tmdb_lake.cli", *args],
                cwd=self.cwd,
                env=self.environ(env),
                stdout=stdout,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
            )
        self.spawned.append(Spawned(proc, out, err))
        return self.spawned[-1]


@dataclass
class Spawned:
    """A running CLI; `wait` gives its `Result`."""

    proc: subprocess.Popen[bytes]
    out: Path
    err: Path

    def wait(self, timeout: float = 120) -> Result:
        code = self.proc.wait(timeout)
        return Result(code, self.out.read_text("utf-8"), self.err.read_text("utf-8"))


@dataclass
class Expected:
    """What an exact lake holds for one argument set: ids per dataset, and fault-free records."""

    ids: dict[str, set[int]]
    reference: dict[str, dict[int, dict[str, Any]]]
    clean_requests: int

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.ids.values())


def summary(result: Result) -> dict[str, Any]:
    """Give the `--json` summary of a finished run (fails with its stderr otherwise)."""
    assert result.stdout.strip(), f"exit {result.code}, no summary; stderr: {result.stderr}"
    return dict(json.loads(result.stdout))


def wait_until(
    condition: Callable[[], bool], run: Spawned, *, what: str, timeout: float = 60
) -> float:
    """Poll `condition` every few ms while `run` is alive; give the seconds it took."""
    start = time.monotonic()
    while not condition():
        if run.proc.poll() is not None:
            raise AssertionError(f"the run ended (exit {run.proc.returncode}) before {what}")
        if time.monotonic() - start > timeout:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.003)
    return time.monotonic() - start


def start_s3_again(server: Any, attempts: int = 3) -> None:
    """Restart a stopped SeaweedFS on its old ports; `weed mini` now and then exits at once."""
    for attempt in range(attempts):
        try:
            server.start()
            return
        except RuntimeError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
