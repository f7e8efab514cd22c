"""What a run did, in one object: the CLI's summary, the Lambda's response body."""

from __future__ import annotations

import resource
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunReport:
    """What a run did; it holds no secret."""

    run_id: str
    run_key: str
    lake: str
    partition_date: str
    complete: bool
    resumed: bool
    started_at: str
    finished_at: str
    seconds: float
    records: dict[str, int]
    files: dict[str, int]
    manifest: str | None
    requests: int
    retries: int
    rate_limited: int
    counters: dict[str, int] = field(default_factory=dict)
    peak_rss_mb: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Give the report as JSON-ready values."""
        total = sum(self.records.values())
        return {
            "run_id": self.run_id,
            "complete": self.complete,
            "resumed": self.resumed,
            "lake": self.lake,
            "partition_date": self.partition_date,
            "records": self.records,
            "records_total": total,
            "files": self.files,
            "manifest": self.manifest,
            "requests": self.requests,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "counters": self.counters,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(total / self.seconds, 1) if self.seconds else None,
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "run_key": self.run_key,
        }


def peak_rss_mb() -> float:
    """Give this process's peak resident memory, in MiB.

    Linux's `ru_maxrss` carries over the spawning process's peak at exec, so a CLI started
    by a big orchestrator would report the orchestrator's memory; `VmHWM` is our own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
