"""The TMDB simulator in its own process, plus a control endpoint for the bench harness.

Why a launcher instead of `tmdb-lake simulate`: the harness must count requests at the
server (not trust each tool's own report) and read the ground truth (expected ids)
without building a second copy of a million-title catalog. Both come from a small
HTTP control server on another port, in this process, which the tools never touch:

    GET /stats                       the server's counters + the request window
    GET /expected/discover?media=movie&<discover params>[&limit=N]
    GET /expected/export?media=movie ids of the export that still exist (details 200)
    GET /expected/windows?media=movie&size=N&<params>   date windows of <= N results each
    POST /reset                      start a new request window (before each tool)

Run: ``python bench/simulator.py --movies 250000 --latency-ms 150 --rate-limit 40``;
it prints one JSON line (api, exports and control URLs) once it is ready.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer, SimulatorStats
from tmdb_lake.simulator.genres import Media
from tmdb_lake.simulator.query import DiscoverQuery


class TimedStats(SimulatorStats):
    """SimulatorStats that also remember when the first and the last request was answered.

    The window between them is the tool's network-active time: wall time minus its
    interpreter start-up and its final commit, so rates can be read both ways.
    """

    def __init__(self) -> None:
        super().__init__()
        self.first: float | None = None
        self.last: float | None = None

    def _stamp(self) -> None:
        now = time.monotonic()
        if self.first is None:
            self.first = now
        self.last = now

    def record(self, status: int) -> None:
        self._stamp()
        super().record(status)

    def record_fault(self, kind: str) -> None:
        self._stamp()
        super().record_fault(kind)

    def reset_window(self) -> None:
        self.first = self.last = None

    def timed_snapshot(self) -> dict[str, Any]:
        snap = self.snapshot()
        snap["statuses"] = {str(k): v for k, v in snap["statuses"].items()}  # type: ignore[union-attr]
        snap["first"] = self.first
        snap["last"] = self.last
        return snap


def _make_handler(catalog: Catalog, stats: TimedStats) -> type[BaseHTTPRequestHandler]:
    class Control(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, payload: Any, status: int = 200) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            if parts.path == "/stats":
                self._send(stats.timed_snapshot())
            elif parts.path == "/expected/discover":
                media = params.pop("media", "movie")
                limit = params.pop("limit", None)
                ids = catalog.discover_ids(media, params)  # type: ignore[arg-type]
                self._send(ids[: int(limit)] if limit else ids)
            elif parts.path == "/expected/export":
                media = params.get("media", "movie")
                day = datetime.now(UTC).date()
                ids = catalog.export_ids(media, day)  # type: ignore[arg-type]
                self._send([i for i in ids if catalog.exists(media, i)])  # type: ignore[arg-type]
            elif parts.path == "/expected/windows":
                media = params.pop("media", "movie")
                size = int(params.pop("size", "9000"))
                self._send(date_windows(catalog, media, params, size))  # type: ignore[arg-type]
            else:
                self._send({"error": "not found"}, 404)

        def do_POST(self) -> None:
            if urlsplit(self.path).path == "/reset":
                stats.reset_window()
                self._send({"ok": True})
            else:
                self._send({"error": "not found"}, 404)

    return Control


def date_windows(
    catalog: Catalog, media: Media, params: dict[str, str], size: int
) -> list[dict[str, str]]:
    """Cut a dated query into release-date windows of at most `size` results each.

    What a dlt or script user would have to work out by hand to get past TMDB's
    10,000-result cap; the harness hands these ready-made windows to both.
    """
    params = {**params, "sort_by": "primary_release_date.asc"}
    rows = catalog.discover(DiscoverQuery.parse(media, params))
    dates = catalog.columns(media).date
    key = "primary_release_date" if media == "movie" else "first_air_date"
    windows: list[dict[str, str]] = []
    start = 0
    while start < len(rows):
        end = min(start + size, len(rows))
        # Never cut inside one day: a window bound is a whole date.
        while end < len(rows) and end > start + 1 and dates[rows[end]] == dates[rows[end - 1]]:
            end -= 1
        first, last = dates[rows[start]], dates[rows[end - 1]]
        windows.append(
            {
                f"{key}.gte": date.fromordinal(first).isoformat(),
                f"{key}.lte": date.fromordinal(last).isoformat(),
            }
        )
        start = end
    return windows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=20_000)
    parser.add_argument("--series", type=int, default=0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate-limit", type=float, default=None, help="requests/s; none = off")
    args = parser.parse_args(argv)

    catalog = Catalog(movies=args.movies, series=args.series, seed=args.seed)
    config = SimulatorConfig(latency_s=args.latency_ms / 1000, rate_limit_rps=args.rate_limit)
    server = SimulatorServer(catalog, config)
    stats = TimedStats()
    server.stats = stats  # the server only ever calls record/record_fault on it
    server.start()
    control = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(catalog, stats))
    threading.Thread(target=control.serve_forever, daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ready = {
        "api_url": server.api_url,
        "exports_url": server.exports_url,
        "control_url": f"http://127.0.0.1:{control.server_address[1]}",
        "access_token": config.access_token,
        "api_key": config.api_key,
    }
    print(json.dumps(ready), flush=True)
    stop.wait()
    control.shutdown()
    server.stop()
    print(json.dumps({"final_stats": stats.timed_snapshot()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
