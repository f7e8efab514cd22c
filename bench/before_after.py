"""Two commits measured in one session, back to back: each worktree runs its own bench and src.

The ratio of two figures taken hours apart on a shared 2-core machine says more about the
machine than about the code, so this runs S1 on each side in turn (before, after, after,
before, ...) and then, with ``--s4``, S4 on each side one after the other::

    git -C /work/main worktree add --detach /work/wt/h3-before 87e660d
    python -m bench.before_after --before /work/wt/h3-before --after /work/wt/h3 \\
        --s1-runs 5 --s4 --out bench/results-issue10.json

Each side is run as ``python -m bench.run --scenarios S1 --tools tmdb-lake`` (``S4`` for
``--s4``) with its worktree as the working directory and ``PYTHONPATH=<worktree>/src``.
PYTHONPATH comes before the editable install's ``.pth`` on ``sys.path``, and the harness
passes its environment on to the simulator and the tool. That each side's tool really
imported its own ``tmdb_lake`` is checked, not assumed: before the runs, a process started
like the tool (same environment, an empty folder) must resolve ``tmdb_lake`` to that side's
src; each S1 run records what the tool wrote (the lake's folders, the manifest's fields),
which tells the run protocol's lake from the old one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import PY


def side_env(tree: Path) -> dict[str, str]:
    """Give the environment that makes `tree`'s bench, simulator and tool import its own src."""
    return {**os.environ, "PYTHONPATH": str(tree / "src")}


def resolved_package(tree: Path) -> str:
    """Give the src folder(s) a tool started like the bench's imports the CLI and simulator from."""
    probe = (
        "from pathlib import Path; import tmdb_lake.cli as c, tmdb_lake.simulator as s\n"
        "print(*{str(Path(c.__file__).parents[1]), str(Path(s.__file__).parents[2])})"
    )
    with tempfile.TemporaryDirectory() as empty:
        done = subprocess.run(
            [PY, "-c", probe], cwd=empty, env=side_env(tree), capture_output=True, text=True
        )
    return done.stdout.strip() or done.stderr.strip()[-300:]


def commit_of(tree: Path) -> dict[str, Any]:
    """Give the commit a worktree is at, and whether its src differs from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(tree), *args], capture_output=True, text=True)
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "src_changed": bool(git("status", "-s", "src"))}


def run_side(tree: Path, scenario: str, scratch: Path, *, quick: bool) -> dict[str, Any]:
    """Run one scenario of `tree`'s own bench for tmdb-lake; give its rows and conditions."""
    out, work = scratch / "out", scratch / "work"
    cmd = [PY, "-m", "bench.run", "--scenarios", scenario, "--tools", "tmdb-lake"]
    cmd += ["--out", str(out), "--work", str(work), *(["--quick"] if quick else [])]
    cmd += ["--keep-work"] if scenario == "S1" else []  # S4's lakes take gigabytes
    load_before = os.getloadavg()
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=tree, env=side_env(tree), capture_output=True, text=True)
    seconds = time.monotonic() - started
    report = json.loads((out / "results.json").read_text()) if done.returncode == 0 else {}
    lake = work / scenario / "tmdb-lake" / "lake" / "raw" / "TMDB"
    manifests = sorted(lake.glob("_runs/*/*/*/*.json"))
    written = {
        "folders": sorted(p.name for p in lake.iterdir()) if lake.is_dir() else [],
        "manifest_keys": sorted(json.loads(manifests[-1].read_text())) if manifests else [],
    }
    shutil.rmtree(work, ignore_errors=True)
    return {
        "tree": str(tree),
        "scenario": scenario,
        "exit_code": done.returncode,
        "harness_s": round(seconds, 1),
        "load_avg_before": load_before,
        "load_avg_after": os.getloadavg(),
        "harness_tmdb_lake_path": report.get("machine", {}).get("tmdb_lake_path"),
        "lake_written": written,
        "rows": report.get("rows", []),
        "log_tail": (done.stdout + done.stderr)[-1500:],
    }


def spread(values: list[float]) -> dict[str, float]:
    """Give median, min, max and the spread (max - min) of some figures."""
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "spread": max(values) - min(values),
        "n": len(values),
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Give the medians per side and scenario, and after/before ratios."""
    out: dict[str, Any] = {}
    for side in ("before", "after"):
        s1 = [r["rows"][0] for r in runs if r["side"] == side and r["scenario"] == "S1"]
        s4 = [row for r in runs if r["side"] == side and r["scenario"] == "S4" for row in r["rows"]]
        out[side] = {
            "S1": {k: spread([row[k] for row in s1]) for k in ("wall_s", "cpu_s", "peak_rss_mb")}
            if s1
            else {},
            "S4": {
                row["tool"]: {k: row[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "missing")}
                for row in s4
            },
        }
    ratios: dict[str, float] = {}
    if out["before"]["S1"] and out["after"]["S1"]:
        before, after = out["before"]["S1"], out["after"]["S1"]
        for key in ("wall_s", "cpu_s", "peak_rss_mb"):
            ratios[f"S1 {key} median"] = after[key]["median"] / before[key]["median"]
    for tool, row in out["after"]["S4"].items():
        if tool in out["before"]["S4"]:
            for key in ("wall_s", "peak_rss_mb"):
                ratios[f"S4 {tool} {key}"] = row[key] / out["before"]["S4"][tool][key]
    out["ratios_after_over_before"] = ratios
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="worktree of the old commit")
    parser.add_argument("--after", type=Path, required=True, help="worktree of the new commit")
    parser.add_argument("--s1-runs", type=int, default=5, help="S1 runs per side, interleaved")
    parser.add_argument("--s4", action="store_true", help="then S4 once per side (~17 min each)")
    parser.add_argument("--quick", action="store_true", help="each bench --quick: a dry run")
    parser.add_argument("--out", type=Path, required=True, help="the raw data, JSON")
    parser.add_argument("--scratch", type=Path, default=Path(tempfile.gettempdir()) / "h3-ba")
    args = parser.parse_args(argv)
    sides = {"before": args.before.resolve(), "after": args.after.resolve()}
    report: dict[str, Any] = {
        "sides": {name: {**commit_of(t), "tree": str(t)} for name, t in sides.items()},
        "tool_imports": {name: resolved_package(t) for name, t in sides.items()},
        "runs": [],
    }
    for name, tree in sides.items():
        if report["tool_imports"][name] != str(tree / "src"):
            raise SystemExit(f"{name}: tmdb_lake resolves to {report['tool_imports'][name]}")
    # ABBA: before, after, after, before, ...: a drift of the machine's load does not
    # favour the side that always goes first.
    order = [list(sides), list(sides)[::-1]]
    plan = [("S1", n, name) for n in range(args.s1_runs) for name in order[n % 2]]
    plan += [("S4", 0, name) for name in sides] if args.s4 else []
    for scenario, n, name in plan:
        run = run_side(
            sides[name], scenario, args.scratch / f"{name}-{scenario}-{n}", quick=args.quick
        )
        run.update(side=name, n=n)
        report["runs"].append(run)
        walls = ", ".join(
            f"{r['tool']} {r['wall_s']:.2f} s {r['peak_rss_mb']:.1f} MB" for r in run["rows"]
        )
        load = run["load_avg_before"][0]
        print(
            f"{scenario} {name} #{n}: exit {run['exit_code']}, {walls}, load {load:.2f}", flush=True
        )
        report["summary"] = summary([r for r in report["runs"] if r["exit_code"] == 0])
        args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report["summary"], indent=2))
    return 0 if all(r["exit_code"] == 0 for r in report["runs"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
