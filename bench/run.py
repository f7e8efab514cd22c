"""tmdb-lake against the original script and dlt, on the same queries, against one simulator.

One command runs every scenario of issue #6 and writes the figures:

    python -m bench.run                                  # all of S1..S4, L=150 ms, R=40/s
    python -m bench.run --scenarios S1,S2 --latency-ms 150 --rate 40
    python -m bench.run --quick                          # seconds: the CI smoke

Each scenario starts ``bench/simulator.py`` in its own process (in-process it would share
the GIL with the tool under test) and runs the tools one after another as subprocesses.
Per tool it measures, from outside the tool:

- wall time, and CPU seconds and peak RSS of the tool's process tree (``os.wait4``);
- requests, 429s and the request window, counted by the simulator itself;
- correctness: the ids in the tool's output against the simulator's ground truth
  (missing, duplicated, unexpected).

It writes ``results.json``, ``tables.md`` and ``throughput.png`` to ``--out``
(default ``bench/``; ``bench/out-quick/`` with ``--quick``). This module is the command line
only; the harness's parts have a module each (listed in ``bench/__init__.py``).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from bench import BENCH, PY
from bench.render import plot, tables
from bench.results import load_rows, machine
from bench.scenarios import Plan, Runner
from bench.tools import TOOLS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark tmdb-lake against the alternatives.")
    parser.add_argument(
        "--replot",
        type=Path,
        nargs="+",
        default=None,
        help="no run: redraw tables.md and throughput.png in --out from results.json files",
    )
    parser.add_argument("--scenarios", default="S1,S2,S3,S4")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--rate", type=float, default=40.0, help="server limit R, requests/s")
    parser.add_argument("--quick", action="store_true", help="every scenario shrunk to seconds")
    parser.add_argument("--s4-movies", type=int, default=None, help="S4 catalog (1,000,000)")
    parser.add_argument("--out", type=Path, default=None, help="results, tables, plot")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "tmdb-lake-bench",
        help="the tools' output folders (removed after checking unless --keep-work)",
    )
    parser.add_argument("--keep-work", action="store_true")
    args = parser.parse_args(argv)
    if args.replot:
        rows, rate = load_rows(args.replot)
        target: Path = args.out or BENCH
        target.mkdir(parents=True, exist_ok=True)
        (target / "tables.md").write_text(tables(rows))
        plot(rows, target / "throughput.png", rate)
        print(tables(rows))
        return 0

    plan = (
        Plan.quick_plan(args.latency_ms, args.rate)
        if args.quick
        else Plan(latency_ms=args.latency_ms, rate=args.rate)
    )
    if args.s4_movies:
        plan.s4_catalog = args.s4_movies
    out: Path = args.out or (BENCH / "out-quick" if args.quick else BENCH)
    out.mkdir(parents=True, exist_ok=True)
    scenarios = {s.strip().upper() for s in args.scenarios.split(",") if s.strip()}
    tools = tuple(t for t in TOOLS if t in args.tools.split(","))
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"{time.monotonic() - started:7.1f}s {message}", flush=True)

    runner = Runner(plan, args.work, tools, log, keep_work=args.keep_work)
    if scenarios & {"S1", "S2"}:
        runner.s1_s2(scenarios)
    if "S3" in scenarios:
        runner.s3()
    if "S4" in scenarios:
        runner.s4()

    total = time.monotonic() - started
    report = {
        "command": shlex.join([Path(PY).name, "-m", "bench.run", *(argv or sys.argv[1:])]),
        "plan": asdict(plan),
        "machine": machine(),
        "simulators": runner.simulators,
        "seconds": round(total, 1),
        "rows": [row.as_dict() for row in runner.rows],
    }
    (out / "results.json").write_text(json.dumps(report, indent=2))
    (out / "tables.md").write_text(tables(runner.rows))
    if runner.rows:
        plot(runner.rows, out / "throughput.png", plan.rate)
    print(tables(runner.rows))
    log(f"done in {total:.0f} s; results in {out}")
    failed = [row for row in runner.rows if row.exit_code != 0 and row.tool.startswith("tmdb")]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
