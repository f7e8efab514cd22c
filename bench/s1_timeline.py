"""Where an S1 run's wall time goes: timestamps from inside one `tmdb-lake ingest` process.

Start a simulator (`python bench/simulator.py --movies 250000 --latency-ms 150
--rate-limit 40`), then::

    /usr/bin/time -f "%e s wall" python bench/s1_timeline.py --api-url URL [--lake DIR]

It prints, relative to the start of this script (the interpreter's own start-up, about
0.05 s, comes before it): the end of the imports, the first request sent and answered, the
last request answered, and the commit (`finish_run`). The process's wall time minus the
last line is the interpreter's exit. The timestamps wrap functions of `tmdb_lake.run` and
`TmdbClient`; nothing else is changed.
"""

from __future__ import annotations

import time

T0 = time.monotonic()

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from typing import Any  # noqa: E402


def log(message: str) -> None:
    print(f"[{time.monotonic() - T0:7.3f}] {message}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-url", required=True, help="the simulator's api_url")
    parser.add_argument("--lake", default="/tmp/tmdb-lake-s1-timeline")
    args = parser.parse_args()

    import tmdb_lake.cli as cli
    import tmdb_lake.run as run
    from tmdb_lake.tmdb.client import TmdbClient

    log("imports done")

    def timed(name: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*a: Any, **k: Any) -> Any:
            log(f"{name} begins")
            result = await fn(*a, **k)
            log(f"{name} ends")
            return result

        return wrapper

    run.finish_run = timed("commit (finish_run)", run.finish_run)  # type: ignore[assignment]
    original = TmdbClient._get_once
    queued = answered = 0

    async def get_once(self: TmdbClient, url: str, path: str) -> dict[str, Any]:
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
    shutil.rmtree(args.lake, ignore_errors=True)
    return int(code or 0)


if __name__ == "__main__":
    raise SystemExit(main())
