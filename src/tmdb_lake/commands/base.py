"""What every command shares: its declaration, its flags from the settings groups, output.

A command declares the settings it builds and the option groups it takes; its flags, its
`--help` (defaults included, read from the settings fields) and its environment
variables all come from those declarations.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tmdb_lake.errors import EXIT_FAILED, EXIT_OK, ConfigError
from tmdb_lake.redact import Redactor
from tmdb_lake.settings import (
    LakeSettings,
    OptionGroup,
    default_text,
    load,
    options_of,
    read_dotenv,
)


class Parser(argparse.ArgumentParser):
    """argparse, but bad options exit 2 with one line and no usage dump."""

    def error(self, message: str) -> Any:
        """Raise the one-line error instead of printing usage and exiting."""
        raise ConfigError(message)


@dataclass(frozen=True)
class Command:
    """One subcommand: its settings, its option groups, its own flags and what it runs."""

    name: str
    help: str
    description: str
    settings: type[LakeSettings]
    groups: tuple[OptionGroup, ...]
    run: Callable[[argparse.Namespace, Redactor], int]
    add_arguments: Callable[[argparse.ArgumentParser], None] = lambda parser: None
    defaults: Mapping[str, str] = field(default_factory=dict)
    """Defaults of this command that differ from the settings fields' (demo's lake)."""

    def install(self, commands: Any) -> None:
        """Add the subcommand's parser to argparse's subparsers."""
        parser = commands.add_parser(
            self.name,
            help=self.help,
            description=self.description,
            epilog=self.environment_help(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for option in options_of(self.groups):
            if option.flag is None:
                continue
            shown = self.defaults.get(option.field) or default_text(self.settings, option)
            parser.add_argument(
                option.flag,
                dest=option.field,
                metavar=option.metavar,
                help=f"{option.help} (default: {shown})",
            )
        self.add_arguments(parser)
        parser.add_argument(
            "--env-file",
            type=Path,
            default=None,
            help="read settings from this .env file (default: ./.env, if present; a named "
            "file must exist)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument("--quiet", action="store_true", help="no progress, only the result")
        parser.add_argument("--debug", action="store_true", help="show tracebacks (redacted)")
        parser.set_defaults(command_object=self)

    def environment_help(self) -> str:
        """List the command's environment variables, for the end of its `--help`."""
        rows = [
            f"  {', '.join(option.env):<44} {option.help}" for option in options_of(self.groups)
        ]
        return "environment variables (also read from .env; flags win):\n" + "\n".join(rows)

    def load_settings(
        self, args: argparse.Namespace, environ: Mapping[str, str] | None = None
    ) -> Any:
        """Build the command's settings: flags > environment > `.env` > defaults."""
        cli = {
            option.field: getattr(args, option.field, None) for option in options_of(self.groups)
        }
        for name, value in self.defaults.items():
            if cli.get(name) is None:
                cli[name] = value
        env_file: Path | None = args.env_file
        dotenv = read_dotenv(env_file or Path(".env"), required=env_file is not None)
        return load(
            self.settings, self.groups, cli, os.environ if environ is None else environ, dotenv
        )


def flag_const(parser: argparse.ArgumentParser, flag: str, field_name: str, text: str) -> None:
    """Add a flag that sets one settings field to true (the env var can do the same)."""
    parser.add_argument(flag, dest=field_name, action="store_const", const="true", help=text)


def finish_build(
    args: argparse.Namespace,
    redactor: Redactor,
    summary: dict[str, Any],
    render: Callable[[dict[str, Any]], str],
    failures: Sequence[tuple[str, str, str, int]],
) -> int:
    """Print a build's summary (`--json`, `--quiet`), then one line per failed check.

    `failures` are (what, table, check, offending rows): `what` names what was not
    published (`dt=2024-05-01`, `the current tables`). Gives the exit code.
    """
    if args.json:
        print(orjson.dumps(summary).decode())
    elif not args.quiet:
        print(redactor.redact(render(summary)))
    for what, table, check, offending in failures:
        sys.stderr.write(
            f"tmdb-lake: check failed on {what}: {table}: {check} ({offending} rows); nothing "
            "of it was published (--warn-only publishes anyway)\n"
        )
    return EXIT_FAILED if failures else EXIT_OK


def register(redactor: Redactor, settings: LakeSettings) -> None:
    """Mask every credential the settings hold in everything printed from here on."""
    redactor.add(*settings.secrets())


class Terminated(Exception):
    """SIGTERM arrived: the command stopped like on Ctrl-C (checkpointed, leases freed)."""


@contextlib.contextmanager
def sigterm_cancels_the_task() -> Iterator[list[bool]]:
    """Cancel the running task on SIGTERM, as asyncio does for SIGINT; say whether it came."""
    terminated: list[bool] = []
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def on_sigterm() -> None:
        terminated.append(True)
        if task is not None:
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, Windows
        yield terminated
        return
    try:
        yield terminated
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
