"""What a catalog run holds in memory at two moments: the end of its collection, and its commit.

Start a simulator (`python bench/simulator.py --movies 100000 --latency-ms 0`), then::

    python bench/s4_memory.py --api-url URL --exports-url URL [--lake DIR] [--top 12]

It runs `tmdb-lake ingest --catalog --media movie` in this process under `tracemalloc`
and takes a snapshot when the details shards have all finished (the end of
`DetailsCollector.run_batches`, which gives their checkpoints back) and one when the commit
starts its dedupe (`deduplicated_parts`, all checkpoints read back), then at the start and
end of the commit's later steps (`publish`: the copies and the manifest; each `settle`;
`Run._finish`: settle, then the staging listed and deleted; any storage `list` or `delete`
of 1,000 keys or more), where those exist. For each it prints the traced total, the
traced peak since the previous snapshot, VmRSS and VmHWM, and the lines that allocated
the most of what is live, then the traced peak of the run. With ``--no-trace`` it prints
the process's VmRSS and VmHWM at the same moments instead, at full speed. Give
``PYTHONPATH=<worktree>/src`` to look at another worktree's code. tracemalloc slows the
run several times; its figures are Python allocations only (no interpreter, no C
libraries), so they are smaller than VmHWM.

A catalog's collection takes minutes, its commit seconds: ``--save-staged DIR`` keeps a
copy of the lake as the commit starts, and ``--from-staged DIR`` starts from that copy,
so the run resumes with every shard done and only commits (a commit on its own: a lower
baseline than after a collection, the same growth).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
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
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)]
    )
    stats = snapshot.statistics("lineno")
    total = sum(stat.size for stat in stats)
    print(
        f"== {label}: {total / 2**20:.1f} MiB traced, peak since the last snapshot"
        f" {peak / 2**20:.1f} MiB; {vm_mb()}",
        file=sys.stderr,
    )
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


def save_staged(lake: str, to: str) -> Callable[..., Any]:
    def wrap(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*a: Any, **k: Any) -> Any:
            shutil.rmtree(to, ignore_errors=True)
            # cp in a child: copying in this process would add to the peak being measured.
            subprocess.run(["cp", "-a", lake, to], check=True)
            print(f"== the staged lake is saved in {to}", file=sys.stderr)
            return await fn(*a, **k)

        return wrapper

    return wrap


def storage_call(name: str, top: int, *, at_least: int = 1000) -> Callable[..., Any]:
    """Report after a storage `list` or `delete` of at least `at_least` keys."""

    def wrap(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(self: Any, arg: Any) -> Any:
            result = await fn(self, arg)
            count = len(result if name == "list" else arg)
            if count >= at_least:
                report(f"storage: {name} of {count:,} keys done", top)
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
    parser.add_argument(
        "--save-staged",
        metavar="DIR",
        help="copy the lake to DIR when the commit starts (everything staged, nothing published)",
    )
    parser.add_argument(
        "--from-staged",
        metavar="DIR",
        help="start from a lake --save-staged kept: the run resumes and only commits",
    )
    args = parser.parse_args()
    if not args.no_trace:
        tracemalloc.start(1)

    import tmdb_lake.cli as cli
    import tmdb_lake.collect.details as details
    import tmdb_lake.lake.manifest as manifest
    import tmdb_lake.run as run

    # (owner, attribute, label, at the end?): the collection's end, the dedupe, then the
    # commit's later steps where they exist: copies and manifest, each partition's settle,
    # and the clean-up (`_finish`: settle, then the staging listed and deleted).
    probes: list[tuple[Any, str, str, bool]] = [
        (details.DetailsCollector, "run_batches", "details shards finished", True),
        (run, "deduplicated_parts", "commit: dedupe begins", False),
        (run, "publish", "commit: publish begins", False),
        (run, "settle", "commit: settle of a dataset done", True),
        (run, "pending_intents", "commit: reading the day's intents done", True),
        (manifest.ManifestReader, "day", "commit: reading the day's manifests done", True),
        (run.Run, "_finish", "commit: finish (settle, clean-up) begins", False),
    ]
    for owner, attribute, label, at_end in probes:
        if hasattr(owner, attribute):
            wrapped = snapshot_at(label, args.top, at_end=at_end)(getattr(owner, attribute))
            setattr(owner, attribute, wrapped)
    if args.save_staged:
        run.Run.commit = save_staged(args.lake, args.save_staged)(  # type: ignore[method-assign]
            run.Run.commit
        )
    import tmdb_lake.lake.local as local

    # The commit's big storage calls (the copies are one key each: not shown).
    local.LocalStorage.list = storage_call("list", args.top)(  # type: ignore[method-assign]
        local.LocalStorage.list
    )
    local.LocalStorage.delete = storage_call("delete", args.top)(  # type: ignore[method-assign]
        local.LocalStorage.delete
    )
    shutil.rmtree(args.lake, ignore_errors=True)
    if args.from_staged:
        subprocess.run(["cp", "-a", args.from_staged, args.lake], check=True)
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
