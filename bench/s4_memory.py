"""What a catalog run holds in memory at two moments: the end of its collection, and its commit.

Start a simulator (`python bench/simulator.py --movies 100000 --latency-ms 0`), then::

    python bench/s4_memory.py --api-url URL --exports-url URL [--lake DIR] [--top 12]

It runs `tmdb-lake ingest --catalog --media movie` in this process under `tracemalloc`
and takes a snapshot when the details shards have all finished (the end of
`DetailsCollector.run_batches`, which gives their checkpoints back) and one when the commit
starts its dedupe (`deduplicated_parts`, all checkpoints read back), where those exist. For
each it prints the traced total and the lines that allocated the most of what is live,
then the traced peak of the whole run. With ``--no-trace`` it prints the process's VmRSS
and VmHWM at the same moments (and after the dedupe) instead, at full speed. Give
``PYTHONPATH=<worktree>/src`` to look at another worktree's code. tracemalloc slows the
run several times; its figures are Python allocations only (no interpreter, no C
libraries), so they are smaller than VmHWM.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any


def vm_mb() -> str:
    """Give this process's VmRSS and VmHWM (its peak), in MiB."""
    with open("/proc/self/status") as status:
        found = {
            k: int(v.split()[0]) / 1024
            for k, _, v in (line.partition(":") for line in status)
            if k in ("VmRSS", "VmHWM")
        }
    return f"VmRSS {found['VmRSS']:.1f} MiB, VmHWM {found['VmHWM']:.1f} MiB"


def report(label: str, top: int) -> None:
    if not tracemalloc.is_tracing():
        print(f"== {label}: {vm_mb()}", file=sys.stderr)
        return
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)]
    )
    stats = snapshot.statistics("lineno")
    total = sum(stat.size for stat in stats)
    print(f"== {label}: {total / 2**20:.1f} MiB traced", file=sys.stderr)
    for stat in stats[:top]:
        frame = stat.traceback[0]
        where = f"{frame.filename.split('/src/')[-1]}:{frame.lineno}"
        print(f"  {stat.size / 2**20:7.2f} MiB {stat.count:9,} blocks  {where}", file=sys.stderr)


def snapshot_at(label: str, top: int, *, at_end: bool) -> Callable[..., Any]:
    def wrap(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*a: Any, **k: Any) -> Any:
            if not at_end:
                report(label, top)
            result = await fn(*a, **k)
            report(label if at_end else f"{label}: done", top)
            return result

        return wrapper

    return wrap


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--exports-url", required=True)
    parser.add_argument("--lake", default="/tmp/tmdb-lake-s4-memory")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--no-trace", action="store_true", help="VmRSS and VmHWM only, full speed")
    args = parser.parse_args()
    if not args.no_trace:
        tracemalloc.start(1)

    import tmdb_lake.cli as cli
    import tmdb_lake.collect.details as details
    import tmdb_lake.run as run

    collector = details.DetailsCollector
    collector.run_batches = snapshot_at(  # type: ignore[method-assign]
        "details shards finished", args.top, at_end=True
    )(collector.run_batches)
    if hasattr(run, "deduplicated_parts"):
        run.deduplicated_parts = snapshot_at(  # type: ignore[attr-defined]
            "commit: dedupe begins", args.top, at_end=False
        )(run.deduplicated_parts)
    shutil.rmtree(args.lake, ignore_errors=True)
    os.environ.setdefault("TMDB_API_KEY", "simulator-key")
    os.environ["TMDB_API_URL"] = args.api_url
    os.environ["TMDB_EXPORTS_URL"] = args.exports_url
    argv = ["ingest", "--lake", args.lake, "--quiet", "--catalog", "--media", "movie"]
    code = cli.main([*argv, "--rate-limit", "100000"])
    if tracemalloc.is_tracing():
        peak = tracemalloc.get_traced_memory()[1]
        print(f"== traced peak of the run: {peak / 2**20:.1f} MiB", file=sys.stderr)
    print(f"== end of the run (exit {code}): {vm_mb()}", file=sys.stderr)
    shutil.rmtree(args.lake, ignore_errors=True)
    return int(code or 0)


if __name__ == "__main__":
    raise SystemExit(main())
