"""`tmdb-lake report`: one self-contained HTML page of the lake's runs, health and data."""

from __future__ import annotations

import argparse

import orjson

from tmdb_lake.commands.base import Command, flag_const, register
from tmdb_lake.errors import EXIT_OK
from tmdb_lake.redact import Redactor
from tmdb_lake.settings import REPORT_GROUPS, ReportSettings


def _add_report_flags(parser: argparse.ArgumentParser) -> None:
    flag_const(
        parser,
        "--into-lake",
        "into_lake",
        "also put the page into the lake, at report/TMDB/tmdb-lake-report.html",
    )


def write_report(settings: ReportSettings) -> str:
    """Write the report; give the line that says where it is and how big."""
    from tmdb_lake.report.build import build_report

    result = build_report(settings)
    where = f" and {settings.lake.rstrip('/')}/{result.lake_key}" if result.lake_key else ""
    size = f"{result.bytes / 1_000_000:.1f} MB"
    return f"report: {result.path.resolve()} ({size}; open it in a browser){where}"


def run_report(args: argparse.Namespace, redactor: Redactor) -> int:
    """Run `tmdb-lake report`: write the page, print its path."""
    settings: ReportSettings = REPORT.load_settings(args)
    register(redactor, settings)
    if args.json:
        from tmdb_lake.report.build import build_report

        result = build_report(settings)
        summary = {
            "path": str(result.path),
            "bytes": result.bytes,
            "lake_key": result.lake_key,
            "missing": result.missing,
        }
        print(redactor.redact(orjson.dumps(summary).decode()))
    else:
        print(redactor.redact(write_report(settings)))
    return EXIT_OK


REPORT = Command(
    name="report",
    help="write one self-contained HTML page of the lake's runs, health and data",
    description="Write an HTML report (charts and their numbers, styles and scripts inlined: "
    "it opens offline, from a file or an S3 presigned URL) built from the lake itself: run "
    "manifests, the trusted zone's drift and quality reports, the trusted and refined tables.",
    settings=ReportSettings,
    groups=REPORT_GROUPS,
    run=run_report,
    add_arguments=_add_report_flags,
)
