"""One tool in one scenario as figures (`Row`), the machine they come from, reading them back."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from bench import ROOT
from bench.tools import TOOLS


@dataclass
class Row:
    """One tool in one scenario: the figures the issue asks for."""

    scenario: str
    tool: str
    exit_code: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    requests: int
    ok_requests: int
    throttled: int
    active_s: float
    records: int
    missing: int
    duplicates: int
    unexpected: int
    expected: int
    ceiling_rps: float | None
    sim_cpu_s: float
    command: str
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def req_per_s(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    @property
    def records_per_s(self) -> float:
        return self.records / self.wall_s if self.wall_s else 0.0

    @property
    def pct_ceiling(self) -> float | None:
        """Answered (non-429) requests per second over wall time, as % of R."""
        if not self.ceiling_rps or not self.wall_s:
            return None
        return 100 * self.ok_requests / self.wall_s / self.ceiling_rps

    @property
    def pct_ceiling_active(self) -> float | None:
        """The same over the request window only (no start-up, no final commit)."""
        if not self.ceiling_rps or self.active_s <= 0 or self.ok_requests < 2:
            return None
        return 100 * (self.ok_requests - 1) / self.active_s / self.ceiling_rps

    @property
    def cpu_per_10k(self) -> float | None:
        return 10_000 * self.cpu_s / self.records if self.records else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("req_per_s", "records_per_s", "pct_ceiling", "pct_ceiling_active"):
            data[name] = getattr(self, name)
        data["cpu_per_10k"] = self.cpu_per_10k
        return data


def machine() -> dict[str, Any]:
    """Describe where the figures come from."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    versions = {}
    for module in ("tmdb_lake", "dlt", "requests", "httpx"):
        try:
            imported = __import__(module)
            versions[module] = getattr(imported, "__version__", "?")
        except ImportError:
            versions[module] = "missing"
    import tmdb_lake

    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "tmdb_lake_path": str(Path(tmdb_lake.__file__).parent),
        "git_head": commit,
    }


def load_rows(paths: list[Path]) -> tuple[list[Row], float]:
    """Read rows back from results.json files (a main run plus supplements), in order."""
    names = {f.name for f in fields(Row)}
    rows: list[Row] = []
    rate = 40.0
    for path in paths:
        report = json.loads(path.read_text())
        rate = report["plan"]["rate"]
        rows += [Row(**{k: v for k, v in raw.items() if k in names}) for raw in report["rows"]]
    order = {tool: index for index, tool in enumerate(TOOLS)}
    rows.sort(key=lambda r: (r.scenario, order.get(r.tool, len(order)), r.wall_s))
    return rows, rate
