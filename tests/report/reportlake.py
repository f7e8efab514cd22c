"""The report tests' CLI runner: `tmdb-lake ...` in a subprocess against one lake."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support import clean_env  # type: ignore[import-not-found]

DAY1, DAY2 = "2024-05-01", "2024-05-02"


@dataclass
class ReportCli:
    """Runs `tmdb-lake ...` in a subprocess against one lake, with a shared work folder."""

    lake: Path
    work_dir: Path
    environ: dict[str, str]

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "tmdb_lake.cli", *args],
            cwd=self.lake.parent,
            env=clean_env(
                {
                    **self.environ,
                    "TMDB_LAKE_URI": str(self.lake),
                    "TMDB_LAKE_WORK_DIR": str(self.work_dir),
                    "TMDB_LAKE_DUCKDB_THREADS": "2",
                }
            ),
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        if check:
            assert proc.returncode == 0, proc.stderr
        return proc

    def query(self, sql: str) -> list[dict[str, Any]]:
        """Give what `tmdb-lake query --format json` answers."""
        rows: list[dict[str, Any]] = json.loads(self("query", "--format", "json", sql).stdout)
        return rows
