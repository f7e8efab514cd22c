"""`tmdb-lake ingest` and `tmdb-lake demo`: collect TMDB into the raw zone."""

from __future__ import annotations

import argparse
import asyncio
import os

import orjson

from tmdb_lake.commands.base import (
    Command,
    Terminated,
    flag_const,
    register,
    sigterm_cancels_the_task,
)
from tmdb_lake.errors import EXIT_FAILED, EXIT_OK
from tmdb_lake.progress import make_progress, render_summary
from tmdb_lake.redact import Redactor
from tmdb_lake.run import RunReport, ingest, open_lake
from tmdb_lake.settings import INGEST_GROUPS, Settings

DEMO_LAKE = "./lake-demo"


def _add_ingest_flags(parser: argparse.ArgumentParser) -> None:
    flag_const(
        parser,
        "--details",
        "details",
        "also fetch details (/movie/{id}, /tv/{id}) of every collected title",
    )
    flag_const(
        parser,
        "--replace",
        "replace",
        "replace a day's dataset that a different ingest definition published",
    )
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--catalog",
        dest="mode",
        action="store_const",
        const="catalog",
        help="every title in TMDB's daily ID exports, with details",
    )
    modes.add_argument(
        "--changes",
        dest="mode",
        action="store_const",
        const="changes",
        help="details of titles changed since the last successful --changes run (or --since)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="fail unless an unfinished run can be resumed"
    )


def _add_demo_flags(parser: argparse.ArgumentParser) -> None:
    _add_ingest_flags(parser)
    parser.add_argument("--movies", type=int, default=20_000, help="simulated catalog size")
    parser.add_argument("--series", type=int, default=5_000, help="simulated catalog size")


async def _ingest(settings: Settings, args: argparse.Namespace, redactor: Redactor) -> RunReport:
    progress = make_progress(redactor, quiet=args.quiet or args.json)
    storage = open_lake(settings)
    with sigterm_cancels_the_task() as terminated:
        try:
            return await ingest(settings, storage, progress=progress, require_resume=args.resume)
        except asyncio.CancelledError:
            if terminated:
                raise Terminated from None
            raise
        finally:
            progress.close()
            await storage.close()


def print_report(report: RunReport, args: argparse.Namespace, redactor: Redactor) -> None:
    """Print a run's summary: for people, or one JSON object with `--json`."""
    summary = report.as_dict()
    text = orjson.dumps(summary).decode() if args.json else render_summary(summary)
    print(redactor.redact(text))


def run_ingest(args: argparse.Namespace, redactor: Redactor) -> int:
    """Run `tmdb-lake ingest`."""
    settings: Settings = INGEST.load_settings(args)
    register(redactor, settings)
    report = asyncio.run(_ingest(settings, args, redactor))
    print_report(report, args, redactor)
    return EXIT_OK if report.complete else EXIT_FAILED


def run_demo(args: argparse.Namespace, redactor: Redactor) -> int:
    """Run `tmdb-lake demo`: the simulator in-process, a full ingest from it, a local lake."""
    from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer

    config = SimulatorConfig()
    print(f"starting the TMDB simulator ({args.movies:,} movies, {args.series:,} series)...")
    with SimulatorServer(Catalog(movies=args.movies, series=args.series), config) as sim:
        environ = {
            **os.environ,
            "TMDB_API_URL": sim.api_url,
            "TMDB_EXPORTS_URL": sim.exports_url,
            "TMDB_ACCESS_TOKEN": config.access_token,
        }
        environ.pop("TMDB_API_KEY", None)
        environ.pop("API_KEY", None)
        environ.pop("TMDB_LAKE_URI", None)  # the demo's lake is --lake or ./lake-demo
        settings: Settings = DEMO.load_settings(args, environ)
        register(redactor, settings)
        report = asyncio.run(_ingest(settings, args, redactor))
    print_report(report, args, redactor)
    if not report.complete:
        return EXIT_FAILED
    if not args.json:
        print(f"\nraw files are under {report.lake}/raw/TMDB/JSON/\n")
        from tmdb_lake.refined.session import demo_epilogue
        from tmdb_lake.settings import EngineSettings, LakeSettings

        lake = {name: getattr(settings, name) for name in LakeSettings.__dataclass_fields__}
        print(redactor.redact(demo_epilogue(EngineSettings(**lake))))

        # The report (issue 16): the demo ends by writing the lake's page, and says where.
        from tmdb_lake.commands.report import write_report
        from tmdb_lake.settings import ReportSettings

        print("\n" + redactor.redact(write_report(ReportSettings(**lake))))
    return EXIT_OK


INGEST = Command(
    name="ingest",
    help="collect TMDB records into the lake",
    description="Collect every TMDB record that matches into the lake (or --limit N).",
    settings=Settings,
    groups=INGEST_GROUPS,
    run=run_ingest,
    add_arguments=_add_ingest_flags,
)

DEMO = Command(
    name="demo",
    help=f"run a full ingest from the bundled TMDB simulator into {DEMO_LAKE}",
    description="Start the TMDB simulator in-process and ingest from it into a local lake.",
    settings=Settings,
    groups=INGEST_GROUPS,
    run=run_demo,
    add_arguments=_add_demo_flags,
    # The bundled simulator has no rate limit: the demo need not keep to TMDB's 40/s.
    defaults={"lake": DEMO_LAKE, "details": "true", "rate_limit": "500"},
)
