"""Progress and summaries for people: a live line on a terminal, log lines elsewhere."""

from __future__ import annotations

import math
import sys
import time
from typing import Any, TextIO

from tmdb_lake.redact import Redactor


class _Counts:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.pages_total = 0
        self.pages = 0
        self.records = 0

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.pages / elapsed
        left = max(self.pages_total - self.pages, 0)
        eta = f"{left / rate:,.0f}s" if rate > 0 and left else "-"
        return (
            f"requests {self.pages:,}/{self.pages_total:,}  records {self.records:,}  "
            f"{rate:,.1f} req/s  {self.records / elapsed:,.0f} rec/s  ETA {eta}"
        )


class TerminalProgress:
    """One line redrawn in place, at most ten times a second."""

    def __init__(self, stream: TextIO, redactor: Redactor) -> None:
        self.stream = stream
        self.redactor = redactor
        self.counts = _Counts()
        self._drawn = 0.0

    def add_total(self, pages: int) -> None:
        """Count more expected pages."""
        self.counts.pages_total += pages
        self._draw()

    def advance(self, pages: int, records: int) -> None:
        """Count fetched pages and accepted records."""
        self.counts.pages += pages
        self.counts.records += records
        self._draw()

    def note(self, message: str) -> None:
        """Print a line above the live one."""
        self.stream.write("\r\033[K" + self.redactor.redact(message) + "\n")
        self._draw(force=True)

    def close(self) -> None:
        """Leave the last state on screen."""
        if self._drawn:
            self._draw(force=True)
            self.stream.write("\n")
        self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._drawn >= 0.1:
            self._drawn = now
            self.stream.write("\r\033[K" + self.counts.line())
            self.stream.flush()


class LogProgress:
    """Plain lines, for logs and pipes: one every few seconds, and every note.

    With `every_s=inf` (`--quiet`, `--json`) only notes are written, never counts.
    """

    def __init__(self, stream: TextIO, redactor: Redactor, every_s: float = 5.0) -> None:
        self.stream = stream
        self.redactor = redactor
        self.every_s = every_s
        self.counts = _Counts()
        self._logged = time.monotonic()

    def add_total(self, pages: int) -> None:
        """Count more expected pages."""
        self.counts.pages_total += pages

    def advance(self, pages: int, records: int) -> None:
        """Count fetched pages and accepted records; log now and then."""
        self.counts.pages += pages
        self.counts.records += records
        now = time.monotonic()
        if now - self._logged >= self.every_s:
            self._logged = now
            self._write(self.counts.line())

    def note(self, message: str) -> None:
        """Log one line."""
        self._write(message)

    def close(self) -> None:
        """Log the final counts, if anything was fetched (never when quiet)."""
        if self.counts.pages and math.isfinite(self.every_s):
            self._write(self.counts.line())

    def _write(self, message: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        self.stream.write(f"{stamp} {self.redactor.redact(message)}\n")
        self.stream.flush()


def make_progress(redactor: Redactor, quiet: bool = False) -> TerminalProgress | LogProgress:
    """Pick the live display on a terminal and plain lines elsewhere (stderr either way)."""
    if not quiet and sys.stderr.isatty():
        return TerminalProgress(sys.stderr, redactor)
    return LogProgress(sys.stderr, redactor, every_s=float("inf") if quiet else 5.0)


def render_summary(report: dict[str, Any]) -> str:
    """Give the human summary of a run: where the files are and what landed."""
    status = "complete" if report["complete"] else "INCOMPLETE (run again to resume)"
    lines = [
        f"run {report['run_id']}: {status}{' (resumed)' if report['resumed'] else ''}",
        f"lake      {report['lake']}",
        f"partition {report['partition_date']}",
    ]
    if report["records"]:
        width = max(len(name) for name in report["records"])
        lines.append(f"  {'dataset'.ljust(width)}  {'records':>9}  {'files':>6}")
        for name, count in report["records"].items():
            files = report["files"].get(name, 0)
            lines.append(f"  {name.ljust(width)}  {count:>9,}  {files:>6,}")
    rate = report.get("records_per_second")
    lines.append(
        f"{report['requests']:,} requests ({report['retries']:,} retries, "
        f"{report['rate_limited']:,} rate-limited) in {report['seconds']:.1f}s"
        + (f", {rate:,.0f} records/s" if rate else "")
        + f", peak RSS {report['peak_rss_mb']:.0f} MiB"
    )
    for name, value in sorted(report.get("counters", {}).items()):
        lines.append(f"  {name}: {value:,}")
    if report.get("manifest"):
        lines.append(f"manifest  {report['manifest']}")
    return "\n".join(lines)
