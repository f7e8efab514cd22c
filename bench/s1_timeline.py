"""Where an S1 run's wall time goes: timestamps from inside one `tmdb-lake ingest` process.

Start a simulator (`python bench/simulator.py --movies 250000 --latency-ms 150
--rate-limit 40`), then::

    /usr/bin/time -f "%e s wall" python bench/s1_timeline.py --api-url URL [--lake DIR]

It prints, relative to the start of this script (the interpreter's own start-up, about
0.05 s, comes before it): the end of the imports, the first request sent and answered, the
last request answered, and the beginning and end of each phase of the run, then the
phases' durations. The process's wall time minus the last line is the interpreter's exit.

The phases are functions of the run protocol, wrapped where they exist, so one script
times both the run protocol (`Run.start` with its leases, healing and ownership check,
`Run.commit` with the cross-window dedupe, `publish` and `Run._finish`) and the code
before it (`claim_run`, `committable_checkpoints`, `finish_run`); nothing else is changed.
Give ``PYTHONPATH=<worktree>/src`` to time another worktree's code.
"""

from __future__ import annotations

import time

T0 = time.monotonic()

import argparse  # noqa: E402
import importlib  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from typing import Any  # noqa: E402

PHASES = (
    # the run protocol (issue 10)
    ("tmdb_lake.run", "Run.start"),
    ("tmdb_lake.lake.lease", "LeaseSet.acquire"),
    ("tmdb_lake.run", "Run._heal"),
    ("tmdb_lake.run", "Run._check_ownership"),
    ("tmdb_lake.run", "Run.plan"),
    ("tmdb_lake.run", "Run.run_shards"),
    ("tmdb_lake.run", "Run.commit"),
    ("tmdb_lake.run", "Run._committable_checkpoints"),
    ("tmdb_lake.run", "deduplicated_parts"),
    ("tmdb_lake.run", "publish"),
    ("tmdb_lake.run", "Run._finish"),
    ("tmdb_lake.run", "Run.release"),
    # the code before it
    ("tmdb_lake.run", "claim_run"),
    ("tmdb_lake.run", "plan_shards"),
    ("tmdb_lake.run", "run_shards"),
    ("tmdb_lake.run", "committable_checkpoints"),
    ("tmdb_lake.run", "finish_run"),
)
"""(module, name) of the coroutines timed; a name the code does not have is skipped."""

durations: dict[str, float] = {}


def log(message: str) -> None:
    print(f"[{time.monotonic() - T0:7.3f}] {message}", file=sys.stderr, flush=True)


def timed(name: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def wrapper(*a: Any, **k: Any) -> Any:
        log(f"{name} begins")
        started = time.monotonic()
        try:
            return await fn(*a, **k)
        finally:
            durations[name] = durations.get(name, 0.0) + time.monotonic() - started
            log(f"{name} ends")

    return wrapper


def wrap_phases() -> None:
    for module_name, name in PHASES:
        try:
            owner: Any = importlib.import_module(module_name)
        except ModuleNotFoundError:  # the code before the run protocol had no leases
            continue
        *path, attr = name.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        if owner is not None and hasattr(owner, attr):
            setattr(owner, attr, timed(name, getattr(owner, attr)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-url", required=True, help="the simulator's api_url")
    parser.add_argument("--lake", default="/tmp/tmdb-lake-s1-timeline")
    args = parser.parse_args()

    import tmdb_lake.cli as cli
    from tmdb_lake.tmdb.client import TmdbClient

    wrap_phases()
    log(f"imports done ({os.path.dirname(cli.__file__)})")
    original = TmdbClient._get_once
    queued = answered = 0

    async def get_once(self: TmdbClient, url: str, path: str) -> Any:
        nonlocal queued, answered
        queued += 1
        if queued == 1:
            log("first request queued")
        body = await original(self, url, path)
        answered += 1
        if answered == 1:
            log("first answer")
        last_answer[0] = time.monotonic() - T0
        return body

    last_answer = [0.0]
    TmdbClient._get_once = get_once  # type: ignore[method-assign]
    shutil.rmtree(args.lake, ignore_errors=True)
    os.environ.setdefault("TMDB_API_KEY", "simulator-key")
    os.environ["TMDB_API_URL"] = args.api_url
    argv = ["ingest", "--lake", args.lake, "--quiet", "--media", "movie", "--limit", "10000"]
    argv += ["--genres", "16,35", "--released-until", "2023-12-31", "--language", "pt-BR"]
    argv += ["--rate-limit", "40"]
    code = cli.main(argv)
    log(f"last answer was at {last_answer[0]:.3f}; {answered} answers")
    log(f"main returned {code}")
    for name, seconds in durations.items():
        log(f"phase {name}: {seconds * 1000:.1f} ms")
    shutil.rmtree(args.lake, ignore_errors=True)
    return int(code or 0)


if __name__ == "__main__":
    raise SystemExit(main())
