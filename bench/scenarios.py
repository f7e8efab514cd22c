"""The scenarios S1..S4: their sizes (`Plan`), their queries, and the `Runner` that runs them."""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.checks import check, output_ids
from bench.measure import run_measured
from bench.results import Row
from bench.simulator_process import Simulator
from bench.tools import baseline_cmd, dlt_cmd, tmdb_lake_cmd, tool_env

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

    def simulator(
        self, scenario: str, movies: int, latency_ms: float, rate: float | None
    ) -> Simulator:
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
        env = tool_env(
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
