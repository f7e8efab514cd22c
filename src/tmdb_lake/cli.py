"""The `tmdb-lake` command: thin. Parse, build settings, call `run.ingest`, report.

Exit codes: 0 done; 1 the run failed (nothing partial is presented as complete; run
again to resume); 2 invalid input or configuration; 130 interrupted (resumable).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from tmdb_lake import __version__
from tmdb_lake.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, ConfigError, TmdbLakeError
from tmdb_lake.progress import make_progress, render_summary
from tmdb_lake.redact import Redactor
from tmdb_lake.run import RunReport, ingest, open_lake
from tmdb_lake.settings import OPTIONS, Settings, load_settings, read_dotenv

PROG = "tmdb-lake"


class _Parser(argparse.ArgumentParser):
    """argparse, but bad options exit 2 with one line and no usage dump."""

    def error(self, message: str) -> Any:
        raise ConfigError(message)


def _env_help() -> str:
    rows = [f"  {', '.join(option.env):<44} {option.help}" for option in OPTIONS]
    return "environment variables (also read from .env; flags win):\n" + "\n".join(rows)


def build_parser() -> argparse.ArgumentParser:
    """Give the argument parser; its flags come from the settings table."""
    parser = _Parser(prog=PROG, description="TMDB into the raw zone of a data lake.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    ingest_parser = commands.add_parser(
        "ingest",
        help="collect TMDB records into the lake",
        description="Collect every TMDB record that matches into the lake (or --limit N).",
        epilog=_env_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_run_options(ingest_parser)

    demo = commands.add_parser(
        "demo",
        help="run a full ingest from the bundled TMDB simulator into ./lake-demo",
        description="Start the TMDB simulator in-process and ingest from it into a local lake.",
    )
    _add_run_options(demo, lake_default="./lake-demo")
    demo.add_argument("--movies", type=int, default=20_000, help="simulated catalog size")
    demo.add_argument("--series", type=int, default=5_000, help="simulated catalog size")

    # --- trusted zone (issue 12): `transform` and `query`, see tmdb_lake.trusted.command ---
    from tmdb_lake.trusted import command as trusted_command

    trusted_command.add_commands(commands)
    # --- end trusted zone ---

    # `simulate` is dispatched before parsing (its options are the simulator's own);
    # it is declared here so that it shows in --help.
    commands.add_parser("simulate", help="serve the TMDB simulator (tmdb-lake simulate --help)")
    return parser


def _add_run_options(parser: argparse.ArgumentParser, lake_default: str | None = None) -> None:
    for option in OPTIONS:
        if option.flag is None:
            continue
        help_text = option.help
        if option.flag == "--lake" and lake_default:
            help_text = f"lake root (default {lake_default})"
        parser.add_argument(option.flag, dest=option.field, metavar=option.metavar, help=help_text)
    parser.add_argument(
        "--details",
        dest="details",
        action="store_const",
        const="true",
        help="also fetch details (/movie/{id}, /tv/{id}) of every collected title",
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
        "--env-file", type=Path, default=Path(".env"), help="read settings from this .env file"
    )
    parser.add_argument(
        "--resume", action="store_true", help="fail unless an unfinished run can be resumed"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress, only the summary")
    parser.add_argument("--debug", action="store_true", help="show tracebacks (secrets redacted)")


def settings_from_args(args: argparse.Namespace, environ: dict[str, str]) -> Settings:
    """Build settings: flags > environment > .env > defaults."""
    cli = {option.field: getattr(args, option.field, None) for option in OPTIONS}
    return load_settings(cli, environ, read_dotenv(args.env_file))


async def _ingest(settings: Settings, args: argparse.Namespace, redactor: Redactor) -> RunReport:
    progress = make_progress(redactor, quiet=args.quiet or args.json)
    storage = open_lake(settings)
    try:
        return await ingest(settings, storage, progress=progress, require_resume=args.resume)
    finally:
        progress.close()
        await storage.close()


def _print_report(report: RunReport, args: argparse.Namespace, redactor: Redactor) -> None:
    summary = report.as_dict()
    text = orjson.dumps(summary).decode() if args.json else render_summary(summary)
    print(redactor.redact(text))


def _run_demo(args: argparse.Namespace, redactor: Redactor) -> int:
    from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer

    config = SimulatorConfig()
    print(f"starting the TMDB simulator ({args.movies:,} movies, {args.series:,} series)...")
    with SimulatorServer(Catalog(movies=args.movies, series=args.series), config) as sim:
        environ = {
            **os.environ,
            "TMDB_API_URL": sim.api_url,
            "TMDB_EXPORTS_URL": sim.exports_url,
            "TMDB_ACCESS_TOKEN": config.access_token,
            "TMDB_LAKE_URI": args.lake or "./lake-demo",
        }
        environ.pop("TMDB_API_KEY", None)
        environ.pop("API_KEY", None)
        settings = settings_from_args(args, environ)
        redactor.add(settings.api_key, settings.access_token)
        report = asyncio.run(_ingest(settings, args, redactor))
    _print_report(report, args, redactor)
    if not args.json:
        print(f"\nfiles are under {report.lake}/raw/TMDB/JSON/")
    return EXIT_OK if report.complete else EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; give the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    redactor = Redactor()
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    debug = "--debug" in argv
    try:
        if argv and argv[0] == "simulate":
            from tmdb_lake.simulator.cli import main as simulate_main

            return simulate_main(argv[1:], prog=f"{PROG} simulate")
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_OK
        if args.command == "demo":
            return _run_demo(args, redactor)
        if args.command in ("transform", "query"):  # trusted zone (issue 12)
            from tmdb_lake.trusted import command as trusted_command

            return trusted_command.run(args, redactor)
        settings = settings_from_args(args, dict(os.environ))
        redactor.add(
            settings.api_key,
            settings.access_token,
            settings.aws_secret_access_key,
            settings.aws_session_token,
        )
        report = asyncio.run(_ingest(settings, args, redactor))
        _print_report(report, args, redactor)
        return EXIT_OK if report.complete else EXIT_FAILED
    except TmdbLakeError as exc:
        if debug:
            sys.stderr.write(redactor.redact(traceback.format_exc()))
        sys.stderr.write(f"{PROG}: error: {redactor.redact(str(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{PROG}: interrupted; run the same command again to resume\n")
        return EXIT_INTERRUPTED
    except Exception as exc:  # the last line of defence: one line, no secret
        if debug:
            sys.stderr.write(redactor.redact(traceback.format_exc()))
        message = redactor.redact(f"{type(exc).__name__}: {exc}")
        sys.stderr.write(f"{PROG}: unexpected error: {message} (--debug shows the traceback)\n")
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
