"""The `tmdb-lake` command: thin. Parse, dispatch to the command, report errors.

Exit codes: 0 done; 1 the run failed (nothing partial is presented as complete; run
again to resume); 2 invalid input or configuration, or another definition owns the day;
75 another run holds the day; 130 interrupted, 143 terminated (both resumable).
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence

from tmdb_lake import __version__
from tmdb_lake.commands.base import Command, Parser, Terminated
from tmdb_lake.commands.ddl import DDL
from tmdb_lake.commands.ingest import DEMO, INGEST
from tmdb_lake.commands.maintain import MAINTAIN
from tmdb_lake.commands.refine import REFINE
from tmdb_lake.commands.report import REPORT
from tmdb_lake.commands.transform import QUERY, TRANSFORM
from tmdb_lake.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, TmdbLakeError
from tmdb_lake.redact import Redactor

PROG = "tmdb-lake"

COMMANDS: tuple[Command, ...] = (INGEST, TRANSFORM, REFINE, QUERY, DDL, MAINTAIN, REPORT, DEMO)


def build_parser() -> argparse.ArgumentParser:
    """Give the argument parser: one subcommand per declared command."""
    parser = Parser(prog=PROG, description="TMDB into a data lake: raw, trusted, refined.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.install(commands)
    # `simulate` is dispatched before parsing (its options are the simulator's own);
    # it is declared here so that it shows in --help.
    commands.add_parser("simulate", help="serve the TMDB simulator (tmdb-lake simulate --help)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; give the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    redactor = Redactor()
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    args: argparse.Namespace | None = None
    try:
        if argv and argv[0] == "simulate":
            from tmdb_lake.simulator.cli import main as simulate_main

            return simulate_main(argv[1:], prog=f"{PROG} simulate")
        args = build_parser().parse_args(argv)
        command: Command | None = getattr(args, "command_object", None)
        if command is None:
            build_parser().print_help()
            return EXIT_OK
        return command.run(args, redactor)
    except TmdbLakeError as exc:
        _traceback_if_asked(args, redactor)
        sys.stderr.write(f"{PROG}: error: {redactor.redact(str(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{PROG}: interrupted; run the same command again to resume\n")
        return EXIT_INTERRUPTED
    except Terminated:
        sys.stderr.write(f"{PROG}: terminated (SIGTERM); run the same command again to resume\n")
        return EXIT_TERMINATED
    except Exception as exc:  # the last line of defence: one line, no secret
        _traceback_if_asked(args, redactor)
        message = redactor.redact(f"{type(exc).__name__}: {exc}")
        sys.stderr.write(f"{PROG}: unexpected error: {message} (--debug shows the traceback)\n")
        return EXIT_FAILED


def _traceback_if_asked(args: argparse.Namespace | None, redactor: Redactor) -> None:
    if args is not None and getattr(args, "debug", False):
        sys.stderr.write(redactor.redact(traceback.format_exc()))


if __name__ == "__main__":
    raise SystemExit(main())
