"""Fault hooks for the crash tests: stop a build at a named point, as SIGKILL or Ctrl-C would.

`TMDB_LAKE_TRUSTED_CRASH_AT=<point>` kills the process with SIGKILL there (nothing runs
after it: no `finally`, no cleanup), `TMDB_LAKE_TRUSTED_INTERRUPT_AT=<point>` raises
KeyboardInterrupt there (`TMDB_LAKE_REFINED_...` for the refined zone's builds). Points,
in build order: `loaded`, `staged`, `copied`, `committed`, `cleaned`; an Iceberg build
(`--table-format iceberg`, a transform's dt or a refine's unit) passes `loaded`, `staged`,
then per table `iceberg-prepared` (the snapshot's manifests written, the catalog not yet
told) and `iceberg-committed`, then `committed` (the unit's manifest). Unset (always,
outside tests), they do nothing.
"""

from __future__ import annotations

import os
import signal

POINTS = ("loaded", "staged", "copied", "committed", "cleaned")
ICEBERG_POINTS = ("loaded", "staged", "iceberg-prepared", "iceberg-committed", "committed")


def crash_point(name: str, zone: str = "trusted") -> None:
    """Die here if the environment asks for it (for a build of `zone`)."""
    if os.environ.get(f"TMDB_LAKE_{zone.upper()}_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(f"TMDB_LAKE_{zone.upper()}_INTERRUPT_AT") == name:
        raise KeyboardInterrupt
