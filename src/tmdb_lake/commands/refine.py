"""`tmdb-lake refine`: the refined zone (a dimensional model) from the trusted zone."""

from __future__ import annotations

import argparse

from tmdb_lake.commands.base import Command, finish_build, flag_const, register
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
    failures = [
        ("the current tables" if unit.unit == "current" else f"dt={unit.unit}", *check)
        for unit in report.failed
        for check in ((c.table, c.check, c.offending) for c in unit.failed_checks)
    ]
    return finish_build(args, redactor, report.as_dict(), render, failures)


REFINE = Command(
    name="refine",
    help="build the refined zone (dimensions, bridges, facts) from the trusted zone",
    description="Build refined/TMDB/PARQUET/<table>/ from the trusted zone's manifests "
    "(--table-format iceberg: the refined Iceberg tables from the trusted Iceberg tables, "
    "on DuckDB or Spark): incremental by default (the trusted days not reflected yet are merged "
    "in; a rebuilt trusted day rebuilds the current tables), --full rebuilds everything.",
    settings=RefineSettings,
    groups=REFINE_GROUPS,
    run=run_refine,
    add_arguments=_add_refine_flags,
)
