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
(default ``bench/``; ``bench/out-quick/`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable

DISCOVER_PARAMS = {
    "language": "pt-BR",
    "include_adult": "false",
    "include_video": "false",
    "with_genres": "16,35",
    "primary_release_date.lte": "2023-12-31",
    "sort_by": "popularity.desc",
}
"""The original script's query (tmdb-lake's defaults give exactly these parameters)."""

DETAILS_PARAMS = {
    "language": "pt-BR",
    "append_to_response": "credits,keywords,external_ids,release_dates",
}
"""tmdb-lake's default details request; the other tools are given the same."""

S3_PARAMS = {
    "language": "pt-BR",
    "include_adult": "false",
    "include_video": "false",
    "primary_release_date.gte": "1900-01-01",
    "primary_release_date.lte": "2027-12-31",
}
"""S3: every dated movie, so the total is far over TMDB's 10,000 cap per query."""

TOOLS = ("tmdb-lake", "baseline", "dlt", "dlt-tuned")
"""dlt-tuned: dlt with compiled data selectors (see bench/baselines/dlt_pipeline.py)."""


# ----------------------------------------------------------------------- simulator --


class Simulator:
    """``bench/simulator.py`` in a child process, with its control endpoint."""

    def __init__(self, movies: int, latency_ms: float, rate: float | None, log: Path) -> None:
        cmd = [PY, str(BENCH / "simulator.py"), "--movies", str(movies)]
        cmd += ["--latency-ms", str(latency_ms)]
        if rate:
            cmd += ["--rate-limit", str(rate)]
        self.command = cmd
        self._log = log.open("w")
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self._log, text=True, env=_tool_env({})
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise RuntimeError(f"the simulator did not start; see {log}")
        ready = json.loads(line)
        self.api_url: str = ready["api_url"]
        self.exports_url: str = ready["exports_url"]
        self.control: str = ready["control_url"]
        self.token: str = ready["access_token"]
        self.api_key: str = ready["api_key"]

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        url = f"{self.control}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=600) as response:
            return json.loads(response.read())

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.control}/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def cpu_seconds(self) -> float:
        """CPU used so far by the simulator (server side of the 2 cores)."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return 0.0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _tool_env(extra: dict[str, str]) -> dict[str, str]:
    """A clean environment: no TMDB or tmdb-lake settings from the caller's shell."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TMDB_", "API_KEY", "AWS_", "EXTRACT__", "NORMALIZE__", "LOAD__"))
    }
    env.update(extra)
    return env


# ---------------------------------------------------------------------- measuring --


@dataclass
class Measured:
    """What the harness saw of one tool process."""

    exit_code: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    stdout: str
    stderr_tail: str
    rss_by_process: dict[str, float] = field(default_factory=dict)
    load_avg: tuple[float, float] = (0.0, 0.0)


def _vm_hwm_kb(pid: int) -> int:
    """Give a process's own peak resident set (VmHWM), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")[:120]
    except OSError:
        return ""


def _descendants(pid: int) -> list[int]:
    try:
        import psutil

        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except Exception:  # psutil missing, or the process just ended
        return []


class PeakRss:
    """Samples the peak RSS of a process tree (sum of each process's VmHWM) every 0.1 s.

    Why not ``ru_maxrss`` from ``wait4``: Linux folds the *parent's* high-water mark
    into a child at exec (``setmax_mm_hiwater_rss`` on the pre-exec copy of the
    parent), so every tool would inherit the harness's own peak. VmHWM of the exec'd
    image starts clean. For a tool with worker processes (dlt's normalize pool) the sum
    of their high-water marks is an upper bound.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._hwm: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in [self.pid, *_descendants(self.pid)]:
                hwm = _vm_hwm_kb(pid)
                if hwm:
                    if pid not in self._hwm:
                        self.names[pid] = _cmdline(pid)
                    self._hwm[pid] = max(self._hwm.get(pid, 0), hwm)
            self.peak_kb = max(self.peak_kb, sum(self._hwm.values()))
            self._stop.wait(0.1)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024

    def per_process_mb(self) -> dict[str, float]:
        return {f"{pid} {self.names.get(pid, '')}": kb / 1024 for pid, kb in self._hwm.items()}


def run_measured(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Measured:
    """Run a command; give wall time, CPU (user+sys) and peak RSS of its process tree.

    CPU comes from ``os.wait4``: the child's own rusage (children it waited for
    included), so it belongs to this tool alone, not to the simulator or the harness.
    """
    cwd.mkdir(parents=True, exist_ok=True)
    out_path, err_path = cwd / "_stdout.txt", cwd / "_stderr.txt"
    load_before = os.getloadavg()[0]
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        sampler = PeakRss(proc.pid)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            peak_mb = sampler.stop()
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = err_path.read_text(errors="replace")
    return Measured(
        exit_code=proc.returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=peak_mb,
        stdout=out_path.read_text(errors="replace"),
        stderr_tail="\n".join(stderr.strip().splitlines()[-5:]),
        rss_by_process=sampler.per_process_mb(),
        load_avg=(load_before, os.getloadavg()[0]),
    )


@dataclass
class Row:
    """One tool in one scenario: the figures the issue asks for."""

    scenario: str
    tool: str
    exit_code: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    requests: int
    ok_requests: int
    throttled: int
    active_s: float
    records: int
    missing: int
    duplicates: int
    unexpected: int
    expected: int
    ceiling_rps: float | None
    sim_cpu_s: float
    command: str
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def req_per_s(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    @property
    def records_per_s(self) -> float:
        return self.records / self.wall_s if self.wall_s else 0.0

    @property
    def pct_ceiling(self) -> float | None:
        """Answered (non-429) requests per second over wall time, as % of R."""
        if not self.ceiling_rps or not self.wall_s:
            return None
        return 100 * self.ok_requests / self.wall_s / self.ceiling_rps

    @property
    def pct_ceiling_active(self) -> float | None:
        """The same over the request window only (no start-up, no final commit)."""
        if not self.ceiling_rps or self.active_s <= 0 or self.ok_requests < 2:
            return None
        return 100 * (self.ok_requests - 1) / self.active_s / self.ceiling_rps

    @property
    def cpu_per_10k(self) -> float | None:
        return 10_000 * self.cpu_s / self.records if self.records else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("req_per_s", "records_per_s", "pct_ceiling", "pct_ceiling_active"):
            data[name] = getattr(self, name)
        data["cpu_per_10k"] = self.cpu_per_10k
        return data


# -------------------------------------------------------------------- correctness --


try:  # a tmdb-lake dependency, so normally there: S4 reads back a million details
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    _loads = json.loads


def _json_arrays(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    for path in sorted(paths):
        yield from _loads(path.read_bytes())


def _jsonl(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    for path in sorted(paths):
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield _loads(line)


def output_ids(tool: str, work: Path, kind: str) -> list[int]:
    """Give the ids a tool wrote, duplicates kept; kind is ``discover`` or ``details``."""
    if tool == "tmdb-lake":
        dataset = "movies" if kind == "discover" else "movie_details"
        files = (work / "lake" / "raw" / "TMDB" / "JSON" / dataset).glob("*/*/*/*.json")
        return [int(r["id"]) for r in _json_arrays(files)]
    if tool == "baseline":
        name = "filmes_2" if kind == "discover" else "filmes_detalhes_"
        return [int(r["id"]) for r in _json_arrays(work.glob(f"out/{name}*.json"))]
    table = "movies" if kind == "discover" else "movie_details"
    files = (work / "lake" / "tmdb" / table).glob("*.jsonl*")
    return [int(r["id"]) for r in _jsonl(files)]


def check(ids: list[int], expected: list[int]) -> tuple[int, int, int, int]:
    """Give (unique records, missing, duplicates, unexpected) against the ground truth."""
    got = set(ids)
    want = set(expected)
    return len(got), len(want - got), len(ids) - len(got), len(got - want)


# ---------------------------------------------------------------------- scenarios --


@dataclass
class Plan:
    """Sizes of every scenario; ``--quick`` shrinks them all to seconds."""

    latency_ms: float
    rate: float
    s1_catalog: int = 250_000
    s1_records: int = 10_000
    s2_records: int = 5_000
    s3_catalog: int = 108_000
    s3_window: int = 9_000
    s4_catalog: int = 1_000_000
    s4_small: int = 10_000
    timeout: float = 4 * 3600
    quick: bool = False

    @classmethod
    def quick_plan(cls, latency_ms: float, rate: float) -> Plan:
        return cls(
            latency_ms=min(latency_ms, 10.0),
            rate=rate,
            s1_catalog=20_000,
            s1_records=200,
            s2_records=60,
            s3_catalog=2_000,
            s3_window=700,
            s4_catalog=500,
            s4_small=100,
            timeout=120,
            quick=True,
        )


def tmdb_lake_cmd(*args: str) -> list[str]:
    return [PY, "-m", "tmdb_lake.cli", "ingest", "--lake", "lake", "--json", "--quiet", *args]


def baseline_cmd(sim: Simulator, params: dict[str, str], *args: str) -> list[str]:
    script = str(BENCH / "baselines" / "original_script.py")
    common = ["--base-url", sim.api_url, "--api-key", sim.api_key, "--out", "out"]
    return [PY, script, *common, "--params", json.dumps(params), *args]


def dlt_cmd(sim: Simulator, params: dict[str, str], *args: str) -> list[str]:
    script = str(BENCH / "baselines" / "dlt_pipeline.py")
    common = ["--base-url", sim.api_url, "--token", sim.token, "--out", "."]
    return [PY, script, *common, "--params", json.dumps(params), *args]


class Runner:
    """Runs the tools of one scenario against one simulator and collects rows."""

    def __init__(
        self,
        plan: Plan,
        work: Path,
        tools: tuple[str, ...],
        log: Callable[[str], None],
        *,
        keep_work: bool = False,
    ) -> None:
        self.plan = plan
        self.work = work
        self.keep_work = keep_work
        self.tools = tools
        self.log = log
        self.rows: list[Row] = []
        self.simulators: dict[str, str] = {}

    def simulator(self, scenario: str, movies: int, latency_ms: float, rate: float | None):
        self.log(f"[{scenario}] simulator: {movies:,} movies, L={latency_ms} ms, R={rate}")
        self.work.mkdir(parents=True, exist_ok=True)
        sim = Simulator(movies, latency_ms, rate, self.work / f"{scenario}-simulator.log")
        self.simulators[scenario] = shlex.join(sim.command)
        return sim

    def run_tool(
        self,
        scenario: str,
        tool: str,
        sim: Simulator,
        cmd: list[str],
        kind: str,
        expected: list[int],
        ceiling: float | None,
        label: str | None = None,
    ) -> Row:
        name = label or tool
        work = self.work / scenario / name.replace(" ", "_").replace(",", "")
        if work.exists():
            _rmtree(work)
        env = _tool_env(
            {
                "TMDB_API_URL": sim.api_url,
                "TMDB_EXPORTS_URL": sim.exports_url,
                "TMDB_ACCESS_TOKEN": sim.token,
            }
        )
        if ceiling and not self.plan.quick:
            time.sleep(1.5)  # the server's token bucket holds one second: let it refill
        sim.reset()
        before, sim_cpu = sim.get("/stats"), sim.cpu_seconds()
        self.log(f"[{scenario}] {name}: {shlex.join(cmd)}")
        measured = run_measured(cmd, work, env, self.plan.timeout)
        after, sim_cpu = sim.get("/stats"), sim.cpu_seconds() - sim_cpu
        statuses = {int(k): v - before["statuses"].get(k, 0) for k, v in after["statuses"].items()}
        requests = after["requests"] - before["requests"]
        throttled = after["throttled"] - before["throttled"]
        active = (after["last"] - after["first"]) if after["first"] is not None else 0.0
        try:
            ids = output_ids(tool, work, kind)
            note = ""
        except (OSError, ValueError) as exc:
            ids, note = [], f"output unreadable: {exc}"
        unique, missing, duplicates, unexpected = check(ids, expected)
        if not self.keep_work:
            _rmtree(work)  # S4's million details take gigabytes
        if measured.exit_code != 0:
            note = f"exit {measured.exit_code}: {measured.stderr_tail[-300:]}"
        row = Row(
            scenario=scenario,
            tool=name,
            exit_code=measured.exit_code,
            wall_s=measured.wall_s,
            cpu_s=measured.cpu_s,
            peak_rss_mb=measured.peak_rss_mb,
            requests=requests,
            ok_requests=requests - throttled,
            throttled=throttled,
            active_s=active,
            records=unique,
            missing=missing,
            duplicates=duplicates,
            unexpected=unexpected,
            expected=len(expected),
            ceiling_rps=ceiling,
            sim_cpu_s=sim_cpu,
            command=shlex.join(cmd),
            note=note,
            extra={
                "statuses": statuses,
                "stdout_tail": measured.stdout[-2000:],
                "rss_by_process": measured.rss_by_process,
                "load_avg_1min_before_after": measured.load_avg,
            },
        )
        self.rows.append(row)
        self.log(
            f"[{scenario}] {name}: {row.wall_s:.1f} s, {row.requests} req "
            f"({row.req_per_s:.1f}/s), {row.throttled} x 429, {row.records} records, "
            f"missing {row.missing}, dup {row.duplicates}, cpu {row.cpu_s:.1f} s, "
            f"rss {row.peak_rss_mb:.0f} MB {note}"
        )
        return row

    # -- S1: discover, one query ------------------------------------------------------

    def s1_s2(self, scenarios: set[str]) -> None:
        p = self.plan
        with self.simulator("S1+S2", p.s1_catalog, p.latency_ms, p.rate) as sim:
            if "S1" in scenarios:
                self.discover_top("S1", sim, p.s1_records, details=False)
            if "S2" in scenarios:
                self.discover_top("S2", sim, p.s2_records, details=True)

    def discover_top(self, scenario: str, sim: Simulator, n: int, *, details: bool) -> None:
        """S1 (top-N discover) and S2 (the same, then details of every id)."""
        p = self.plan
        expected = sim.get("/expected/discover", {"media": "movie", "limit": n, **DISCOVER_PARAMS})
        pages = -(-n // 20)
        kind = "details" if details else "discover"
        detail_args = ["--details"] if details else []
        detail_json = ["--details-params", json.dumps(DETAILS_PARAMS)] if details else []
        commands = {
            "tmdb-lake": tmdb_lake_cmd(
                *("--media", "movie", "--limit", str(n), "--genres", "16,35"),
                *("--released-until", "2023-12-31", "--language", "pt-BR"),
                *("--rate-limit", f"{p.rate:g}", *detail_args),
            ),
            "baseline": baseline_cmd(
                sim, DISCOVER_PARAMS, "--limit", str(n), *detail_args, *detail_json
            ),
            "dlt": dlt_cmd(
                sim, DISCOVER_PARAMS, "--maximum-page", str(pages + 1), *detail_args, *detail_json
            ),
        }
        commands["dlt-tuned"] = [*commands["dlt"], "--compiled-selector"]
        for tool in self.tools:
            self.run_tool(scenario, tool, sim, commands[tool], kind, expected, p.rate)

    # -- S3: CPU overhead at L=0, no rate limit ----------------------------------------

    def s3(self) -> None:
        p = self.plan
        with self.simulator("S3", p.s3_catalog, 0.0, None) as sim:
            expected = sim.get("/expected/discover", {"media": "movie", **S3_PARAMS})
            windows = sim.get(
                "/expected/windows", {"media": "movie", "size": p.s3_window, **S3_PARAMS}
            )
            self.log(f"[S3] {len(expected):,} records; {len(windows)} windows for dlt/baseline")
            dated = {**S3_PARAMS, "sort_by": "primary_release_date.asc"}
            commands = {
                "tmdb-lake": tmdb_lake_cmd(
                    *("--media", "movie", "--genres", "", "--released-from", "1900-01-01"),
                    *("--released-until", "2027-12-31", "--language", "pt-BR"),
                    *("--rate-limit", "100000"),
                ),
                "baseline": baseline_cmd(
                    sim, dated, "--limit", "0", "--windows", json.dumps(windows)
                ),
                "dlt": dlt_cmd(
                    sim, dated, "--maximum-page", "501", "--windows", json.dumps(windows)
                ),
            }
            commands["dlt-tuned"] = [*commands["dlt"], "--compiled-selector"]
            for tool in self.tools:
                self.run_tool("S3", tool, sim, commands[tool], "discover", expected, None)

    # -- S4: memory of a catalog run ---------------------------------------------------

    def s4(self) -> None:
        p = self.plan
        if "tmdb-lake" not in self.tools:
            return
        for label, movies in (("small", p.s4_small), ("large", p.s4_catalog)):
            with self.simulator(f"S4-{label}", movies, 0.0, None) as sim:
                expected = sim.get("/expected/export", {"media": "movie"})
                cmd = tmdb_lake_cmd("--catalog", "--media", "movie", "--rate-limit", "100000")
                label_text = f"tmdb-lake {movies:,} ids"
                row = self.run_tool(
                    "S4", "tmdb-lake", sim, cmd, "details", expected, None, label=label_text
                )
                row.extra["catalog"] = movies


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------------ reports --


def machine() -> dict[str, Any]:
    """Describe where the figures come from."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    versions = {}
    for module in ("tmdb_lake", "dlt", "requests", "httpx"):
        try:
            imported = __import__(module)
            versions[module] = getattr(imported, "__version__", "?")
        except ImportError:
            versions[module] = "missing"
    import tmdb_lake

    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "tmdb_lake_path": str(Path(tmdb_lake.__file__).parent),
        "git_head": commit,
    }


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def tables(rows: list[Row]) -> str:
    """Give one markdown table per scenario."""
    out: list[str] = []
    for scenario in dict.fromkeys(row.scenario for row in rows):
        group = [row for row in rows if row.scenario == scenario]
        out.append(f"### {scenario}\n")
        out.append(
            "| tool | wall s | requests | req/s | records | records/s | % of R (wall) "
            "| % of R (active) | 429s | missing | dup | CPU s | CPU s / 10k rec | peak RSS MB "
            "| exit |"
        )
        out.append("|" + " --- |" * 15)
        for r in group:
            out.append(
                f"| {r.tool} | {r.wall_s:.1f} | {r.requests:,} | {r.req_per_s:.1f} "
                f"| {r.records:,} | {r.records_per_s:.0f} | {_fmt(r.pct_ceiling)} "
                f"| {_fmt(r.pct_ceiling_active)} | {r.throttled:,} | {r.missing:,} "
                f"| {r.duplicates:,} | {r.cpu_s:.1f} | {_fmt(r.cpu_per_10k, '.2f')} "
                f"| {r.peak_rss_mb:.0f} | {r.exit_code} |"
            )
        notes = [f"- {r.tool}: {r.note}" for r in group if r.note]
        out.extend(["", *notes, ""] if notes else [""])
    return "\n".join(out)


def plot(rows: list[Row], path: Path, rate: float) -> None:
    """Draw requests/s against the ceiling (S1, S2), CPU per 10k (S3), RSS (S4)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = list(dict.fromkeys(row.scenario for row in rows))
    fig, axes = plt.subplots(1, len(scenarios), figsize=(4.2 * len(scenarios), 4.2))
    axes = [axes] if len(scenarios) == 1 else list(axes)
    colours = {
        "tmdb-lake": "#2a7ab0",
        "baseline": "#b0b0b0",
        "dlt": "#e08a2c",
        "dlt-tuned": "#f4c27a",
    }
    for ax, scenario in zip(axes, scenarios, strict=True):
        group = [row for row in rows if row.scenario == scenario]
        names = [row.tool for row in group]
        colour = [colours.get(name.split(" ")[0], "#2a7ab0") for name in names]
        if scenario in ("S1", "S2"):
            values = [row.ok_requests / row.wall_s for row in group]
            ax.bar(names, values, color=colour)
            ax.axhline(rate, color="crimson", linestyle="--", label=f"ceiling R = {rate:g}/s")
            ax.axhline(0.95 * rate, color="crimson", linestyle=":", label="95% of R")
            ax.set_ylabel("answered requests / s (wall)")
            ax.set_ylim(0, rate * 1.5)
            ax.legend(loc="upper right", fontsize=7)
            ax.set_title(f"{scenario}: throughput vs ceiling")
        elif scenario == "S3":
            values = [row.cpu_per_10k or 0.0 for row in group]
            ax.bar(names, values, color=colour)
            ax.set_ylabel("CPU s per 10,000 records (lower is better)")
            ax.set_title("S3: overhead (L=0, no limit)")
        else:
            values = [row.peak_rss_mb for row in group]
            ax.bar(names, values, color=colour)
            ax.axhline(250, color="crimson", linestyle="--", label="250 MB target")
            ax.set_ylim(0, max(300, *values) * 1.1)
            ax.set_ylabel("peak RSS MB")
            ax.legend(loc="upper left", fontsize=7)
            ax.set_title("S4: --catalog memory")
        for x, (value, row) in enumerate(zip(values, group, strict=True)):
            label = f"{value:.1f}"
            if row.exit_code != 0 or row.missing:  # fast but wrong is not fast
                label += f"\nFAILED: exit {row.exit_code},\n{row.missing:,} records lost"
                ax.patches[x].set_hatch("//")
            ax.annotate(label, (x, value), ha="center", va="bottom", fontsize=7)
        ax.tick_params(axis="x", labelsize=7, rotation=15)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------- main --


def load_rows(paths: list[Path]) -> tuple[list[Row], float]:
    """Read rows back from results.json files (a main run plus supplements), in order."""
    names = {f.name for f in fields(Row)}
    rows: list[Row] = []
    rate = 40.0
    for path in paths:
        report = json.loads(path.read_text())
        rate = report["plan"]["rate"]
        rows += [Row(**{k: v for k, v in raw.items() if k in names}) for raw in report["rows"]]
    order = {tool: index for index, tool in enumerate(TOOLS)}
    rows.sort(key=lambda r: (r.scenario, order.get(r.tool, len(order)), r.wall_s))
    return rows, rate


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
