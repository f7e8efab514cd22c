"""``python -m tmdb_lake.simulator``: run the simulated TMDB in the foreground.

``tmdb-lake simulate`` calls ``main`` too, so both accept the same flags.
"""

from __future__ import annotations

import argparse
import sys

from tmdb_lake.simulator.catalog import Catalog
from tmdb_lake.simulator.faults import SimulatorConfig
from tmdb_lake.simulator.server import serve_forever


def build_parser(prog: str = "python -m tmdb_lake.simulator") -> argparse.ArgumentParser:
    """Give the argument parser, so a parent CLI can reuse or document it."""
    parser = argparse.ArgumentParser(
        prog=prog, description="Serve an offline, deterministic TMDB v3 API and daily exports."
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    add("--port", type=int, default=0, help="TCP port; 0 picks a free one (default: 0)")
    add("--movies", type=int, default=20_000, help="movie ids (default: %(default)s)")
    add("--series", type=int, default=5_000, help="TV series ids (default: %(default)s)")
    add("--seed", type=int, default=42, help="catalog seed (default: %(default)s)")
    add("--api-key", default="simulator-key", help="accepted ?api_key= (default: %(default)s)")
    add("--access-token", default="simulator-token", help="accepted Bearer token")
    add("--latency-ms", type=float, default=0.0, help="added to every response")
    add("--rate-limit", type=float, default=None, help="requests/s before answering 429")
    add("--random-429-rate", type=float, default=0.0, help="share of random 429s")
    add("--error-rate", type=float, default=0.0, help="share of 5xx (half HTML)")
    add("--truncate-rate", type=float, default=0.0, help="share of 200s cut in half")
    add("--reset-rate", type=float, default=0.0, help="share of connections dropped")
    add("--slow-rate", type=float, default=0.0, help="share of slow responses")
    add("--slow-ms", type=float, default=0.0, help="extra delay of a slow response")
    add("--fault-seed", type=int, default=None, help="seed of the fault draws")
    add("--exports-hour", type=int, default=8, help="UTC hour today's exports appear")
    add("--odd-ids", default="", help="ids served with odd but valid data (comma-separated)")
    add("--claim-total-pages", type=int, default=None, help="total_pages every discover claims")
    return parser


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """Give the server configuration the parsed flags describe."""
    return SimulatorConfig(
        api_key=args.api_key,
        access_token=args.access_token,
        latency_s=args.latency_ms / 1000,
        rate_limit_rps=args.rate_limit,
        random_429_rate=args.random_429_rate,
        error_rate=args.error_rate,
        truncate_rate=args.truncate_rate,
        reset_rate=args.reset_rate,
        slow_rate=args.slow_rate,
        slow_s=args.slow_ms / 1000,
        fault_seed=args.fault_seed,
        exports_published_hour_utc=args.exports_hour,
        odd_ids=frozenset(int(i) for i in args.odd_ids.split(",") if i.strip()),
        claim_total_pages=args.claim_total_pages,
    )


def main(argv: list[str] | None = None, *, prog: str = "python -m tmdb_lake.simulator") -> int:
    """Parse flags, build the catalog and serve until Ctrl-C; give the exit code.

    ``prog`` names the command in ``--help`` (``tmdb-lake simulate`` passes its own).
    """
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
        catalog = Catalog(movies=args.movies, series=args.series, seed=args.seed)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        serve_forever(catalog, config, args.host, args.port)
    except OSError as error:  # e.g. the port is taken
        print(f"error: cannot serve on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    return 0
