"""`tmdb-lake refine`: the refined zone (a dimensional model) from the trusted zone."""

from __future__ import annotations

import argparse
import sys

import orjson

from tmdb_lake.commands.base import Command, flag_const, register
from tmdb_lake.errors import EXIT_FAILED, EXIT_OK
from tmdb_lake.redact import Redactor
from tmdb_lake.settings import REFINE_GROUPS, RefineSettings


def _add_refine_flags(parser: argparse.ArgumentParser) -> None:
    flag_const(parser, "--full", "full", "rebuild every refined table even when up to date")
    flag_const(parser, "--warn-only", "warn_only", "publish even when a data check fails (exit 0)")


def run_refine(args: argparse.Namespace, redactor: Redactor) -> int:
    """Run `tmdb-lake refine`: exit 1 naming the check when a data check fails."""
    settings: RefineSettings = REFINE.load_settings(args)
    register(redactor, settings)
    from tmdb_lake.refined.session import refine_lake, render

    report = refine_lake(settings)
    summary = report.as_dict()
    if args.json:
        print(orjson.dumps(summary).decode())
    elif not args.quiet:
        print(redactor.redact(render(summary)))
    for unit in report.failed:
        what = "the current tables" if unit.unit == "current" else f"dt={unit.unit}"
        for check in unit.failed_checks:
            sys.stderr.write(
                f"tmdb-lake: check failed on {what}: {check.table}: {check.check} "
                f"({check.offending} rows); nothing of it was published "
                "(--warn-only publishes anyway)\n"
            )
    return EXIT_FAILED if report.failed else EXIT_OK


REFINE = Command(
    name="refine",
    help="build the refined zone (dimensions, bridges, facts) from the trusted zone",
    description="Build refined/TMDB/PARQUET/<table>/ from the trusted zone's manifests: "
    "incremental by default (the trusted days not reflected yet are merged in; a rebuilt "
    "trusted day rebuilds the current tables), --full rebuilds everything.",
    settings=RefineSettings,
    groups=REFINE_GROUPS,
    run=run_refine,
    add_arguments=_add_refine_flags,
)
