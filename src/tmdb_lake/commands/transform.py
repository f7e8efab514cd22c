"""`tmdb-lake transform` and `tmdb-lake query`: the trusted zone, and SQL over it."""

from __future__ import annotations

import argparse

from tmdb_lake.commands.base import Command, finish_build, flag_const, register
from tmdb_lake.errors import EXIT_OK
from tmdb_lake.redact import Redactor
from tmdb_lake.settings import (
    ENGINE_GROUPS,
    TRANSFORM_GROUPS,
    EngineSettings,
    TransformSettings,
)


def _add_transform_flags(parser: argparse.ArgumentParser) -> None:
    flag_const(parser, "--full", "full", "rebuild the selected days even when up to date")
    flag_const(parser, "--warn-only", "warn_only", "publish even when a data check fails (exit 0)")


def _add_query_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sql", help="the SQL to run (DuckDB's dialect)")
    parser.add_argument(
        "--format",
        dest="output",
        choices=("table", "csv", "json"),
        default="table",
        help="how to print the rows (default: table)",
    )
    parser.add_argument(
        "--as-of",
        dest="as_of",
        metavar="TIMESTAMP|SNAPSHOT",
        default=None,
        help="Iceberg tables: read them as they were at a timestamp (ISO 8601, UTC unless "
        "given) or right after a snapshot (its id)",
    )


def run_transform(args: argparse.Namespace, redactor: Redactor) -> int:
    """Run `tmdb-lake transform`: exit 1 naming the check when a data check fails."""
    settings: TransformSettings = TRANSFORM.load_settings(args)
    register(redactor, settings)
    from tmdb_lake.trusted.quality import render
    from tmdb_lake.trusted.session import transform_lake

    report = transform_lake(settings)
    failures = [
        (f"dt={day.dt}", c.table, c.check, c.offending)
        for day in report.failed
        for c in day.failed_checks
    ]
    return finish_build(args, redactor, report.as_dict(), render, failures)


def run_query(args: argparse.Namespace, redactor: Redactor) -> int:
    """Run `tmdb-lake query "SQL"` and print the rows."""
    settings: EngineSettings = QUERY.load_settings(args)
    register(redactor, settings)
    from tmdb_lake.trusted.query import render_rows
    from tmdb_lake.trusted.session import query_lake

    names, rows = query_lake(settings, args.sql, args.as_of)
    print(redactor.redact(render_rows(names, rows, args.output)))
    return EXIT_OK


TRANSFORM = Command(
    name="transform",
    help="build the trusted zone (typed Parquet tables) from the raw zone",
    description="Build trusted/TMDB/PARQUET/<table>/dt=YYYY-MM-DD/ (ICEBERG/ with "
    "--table-format iceberg) from the raw zone's "
    "committed runs: incremental by default (every raw day whose newest manifest was not "
    "transformed yet).",
    settings=TransformSettings,
    groups=TRANSFORM_GROUPS,
    run=run_transform,
    add_arguments=_add_transform_flags,
)

QUERY = Command(
    name="query",
    help="run SQL over the trusted and refined tables and views (each named after it)",
    description='Run DuckDB SQL over the lake tables, e.g. tmdb-lake query "SELECT count(*) '
    'FROM movie"',
    settings=EngineSettings,
    groups=ENGINE_GROUPS,
    run=run_query,
    add_arguments=_add_query_flags,
)
