"""`--quiet` / `--json`: a failed run's stderr is the one error line, no progress counts."""

from __future__ import annotations

import io

from tmdb_lake.progress import LogProgress, make_progress
from tmdb_lake.redact import Redactor


def test_quiet_progress_writes_no_counts_even_at_close():
    stream = io.StringIO()
    progress = LogProgress(stream, Redactor(), every_s=float("inf"))
    progress.add_total(10)
    progress.advance(4, 80)
    progress.close()
    assert stream.getvalue() == ""


def test_quiet_progress_still_writes_notes():
    stream = io.StringIO()
    progress = LogProgress(stream, Redactor(), every_s=float("inf"))
    progress.note("resuming run x")
    assert stream.getvalue().endswith(" resuming run x\n")


def test_log_progress_reports_final_counts_when_not_quiet():
    stream = io.StringIO()
    progress = LogProgress(stream, Redactor(), every_s=5.0)
    progress.advance(4, 80)
    progress.close()
    assert "records 80" in stream.getvalue()


def test_make_progress_quiet_is_log_progress_without_counts():
    progress = make_progress(Redactor(), quiet=True)
    assert isinstance(progress, LogProgress)
