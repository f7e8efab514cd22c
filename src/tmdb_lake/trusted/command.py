"""The `transform` and `query` commands: parse, build the engine, call, render.

`tmdb_lake.cli` adds both subcommands with `add_commands` and hands a parsed namespace
to `run`; nothing else in the CLI knows about the trusted zone.

DuckDB's resources (flag > environment > .env > default):

| flag | environment | default |
| --- | --- | --- |
| `--memory-limit` | `TMDB_LAKE_DUCKDB_MEMORY_LIMIT` | `1GB` |
| `--threads` | `TMDB_LAKE_DUCKDB_THREADS` | every core |
| `--work-dir` | `TMDB_LAKE_WORK_DIR` | `./.tmdb-lake` (extensions and spill files) |
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tmdb_lake.errors import EXIT_FAILED, EXIT_OK, ConfigError, TmdbLakeError
from tmdb_lake.settings import Secret, Settings, load_settings, read_dotenv

if TYPE_CHECKING:
    from tmdb_lake.lake.storage import Storage
    from tmdb_lake.redact import Redactor
    from tmdb_lake.trusted.duckdb_engine import DuckDBEngine, DuckDBOptions
    from tmdb_lake.trusted.transform import Selection

# DuckDB and the engine are imported when a trusted command runs, not when the CLI builds
# its parser: importing duckdb costs about half a second that `ingest` must not pay.

COMMANDS = ("transform", "query")
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def add_commands(commands: Any) -> None:
    """Add `transform` and `query` to the CLI's subparsers."""
    transform_parser = commands.add_parser(
        "transform",
        help="build the trusted zone (typed Parquet tables) from the raw zone",
        description="Build trusted/TMDB/PARQUET/<table>/dt=YYYY-MM-DD/ from the raw zone's "
        "committed runs: incremental by default (every raw day whose newest manifest was "
        "not transformed yet).",
    )
    _common(transform_parser)
    transform_parser.add_argument("--date", metavar="DATE", help="only this raw day")
    transform_parser.add_argument("--since", metavar="DATE", help="raw days from this one")
    transform_parser.add_argument("--until", metavar="DATE", help="raw days up to this one")
    transform_parser.add_argument(
        "--full", action="store_true", help="rebuild the selected days even if up to date"
    )
    transform_parser.add_argument(
        "--warn-only", action="store_true", help="publish even when a check fails (exit 0)"
    )
    transform_parser.add_argument("--json", action="store_true", help="print the report as JSON")
    transform_parser.add_argument("--quiet", action="store_true", help="print nothing but errors")

    query_parser = commands.add_parser(
        "query",
        help="run SQL over the trusted tables (each a view named after its table)",
        description="Run DuckDB SQL over the lake's trusted tables, e.g. "
        'tmdb-lake query "SELECT count(*) FROM movie"',
    )
    query_parser.add_argument("sql", help="the SQL to run")
    _common(query_parser)
    query_parser.add_argument(
        "--format", dest="output", choices=("table", "csv", "json"), default="table"
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake", metavar="URI", help="lake root: a folder or s3://bucket/prefix")
    parser.add_argument("--memory-limit", metavar="SIZE", help="DuckDB memory limit (1GB)")
    parser.add_argument("--threads", metavar="N", help="DuckDB threads (every core)")
    parser.add_argument("--work-dir", metavar="DIR", help="DuckDB extensions and spill files")
    parser.add_argument("--env-file", type=Path, default=Path(".env"), help="read this .env")
    parser.add_argument("--debug", action="store_true", help="show tracebacks (secrets redacted)")


def run(args: argparse.Namespace, redactor: Redactor) -> int:
    """Run `transform` or `query`; give the exit code."""
    environ = dict(os.environ)
    dotenv = read_dotenv(args.env_file)
    settings = load_settings({"lake": args.lake}, environ, dotenv)
    redactor.add(settings.aws_secret_access_key, settings.aws_session_token)
    options = duckdb_options(args, {**{k: v for k, v in dotenv.items() if v}, **environ})
    if args.command == "transform":
        return _transform(args, settings, options)
    return _query(args, settings, options)


def duckdb_options(args: argparse.Namespace, environ: Mapping[str, str | None]) -> DuckDBOptions:
    """Give DuckDB's resources from flags, then the environment, then defaults."""
    from tmdb_lake.trusted.duckdb_engine import DuckDBOptions

    memory = args.memory_limit or environ.get("TMDB_LAKE_DUCKDB_MEMORY_LIMIT") or "1GB"
    if not _MEMORY.match(memory.strip()):
        raise ConfigError(f"--memory-limit {memory!r} is not a size like 1GB or 512MB")
    threads_text = args.threads or environ.get("TMDB_LAKE_DUCKDB_THREADS") or ""
    threads = None
    if threads_text:
        if not threads_text.isdigit() or int(threads_text) < 1:
            raise ConfigError(f"--threads {threads_text!r} is not a whole number >= 1")
        threads = int(threads_text)
    work = args.work_dir or environ.get("TMDB_LAKE_WORK_DIR") or ".tmdb-lake"
    return DuckDBOptions(
        work_dir=Path(work) / "duckdb", memory_limit=memory.strip(), threads=threads
    )


def open_engine(settings: Settings, options: DuckDBOptions) -> DuckDBEngine:
    """Open DuckDB on the lake the settings point at (a folder, or S3 through httpfs)."""
    from tmdb_lake.trusted.duckdb_engine import DuckDBEngine, S3Access

    lake = settings.lake
    if lake.lower().startswith("s3://"):
        bucket, _, prefix = lake[5:].partition("/")
        root = prefix.strip("/")
        access = S3Access(
            bucket=bucket,
            prefix=root,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.aws_region,
            key_id=_reveal(settings.aws_access_key_id),
            secret=_reveal(settings.aws_secret_access_key),
            token=_reveal(settings.aws_session_token),
        )
        return DuckDBEngine(f"s3://{bucket}/{root + '/' if root else ''}", options, access)
    path = Path(lake[len("file://") :] if lake.startswith("file://") else lake)
    path.mkdir(parents=True, exist_ok=True)
    return DuckDBEngine(str(path.resolve()) + "/", options)


def _reveal(value: Secret | None) -> str | None:
    return value.reveal() if value is not None else None


def _selection(args: argparse.Namespace) -> Selection:
    from tmdb_lake.trusted.transform import Selection

    def day(flag: str, raw: str | None) -> date | None:
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ConfigError(f"{flag} {raw!r} is not a date (YYYY-MM-DD)") from None

    if args.date and (args.since or args.until):
        raise ConfigError("--date selects one day: do not combine it with --since/--until")
    one = day("--date", args.date)
    since, until = (one, one) if one else (day("--since", args.since), day("--until", args.until))
    if since and until and since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    return Selection(since=since, until=until, full=args.full)


def _transform(args: argparse.Namespace, settings: Settings, options: DuckDBOptions) -> int:
    import orjson

    from tmdb_lake.run import open_lake
    from tmdb_lake.trusted.quality import render
    from tmdb_lake.trusted.transform import transform

    selection = _selection(args)
    storage = open_lake(settings)
    engine = open_engine(settings, options)
    try:
        job = transform(storage, engine, selection, warn_only=args.warn_only)
        report = asyncio.run(_with_storage(storage, job))
    finally:
        engine.close()
    summary = report.as_dict()
    if args.json:
        print(orjson.dumps(summary).decode())
    elif not args.quiet:
        print(render(summary))
    for day in report.failed:
        for check in day.failed_checks:
            sys.stderr.write(
                f"tmdb-lake: check failed on dt={day.dt}: {check.table}: {check.check} "
                f"({check.offending} rows); nothing of that dt was published "
                "(--warn-only publishes anyway)\n"
            )
    return EXIT_FAILED if report.failed else EXIT_OK


async def _with_storage(storage: Storage, job: Any) -> Any:
    try:
        return await job
    finally:
        await storage.close()


def _query(args: argparse.Namespace, settings: Settings, options: DuckDBOptions) -> int:
    import duckdb

    from tmdb_lake.run import open_lake
    from tmdb_lake.trusted.manifest import TrustedLayout
    from tmdb_lake.trusted.query import create_views, render_rows
    from tmdb_lake.trusted.transform import read_trusted_manifests

    storage = open_lake(settings)
    job = read_trusted_manifests(storage, TrustedLayout())
    manifests = asyncio.run(_with_storage(storage, job))
    engine = open_engine(settings, options)
    try:
        create_views(engine, list(manifests.values()))
        try:
            names, rows = engine.query(args.sql)
        except duckdb.Error as exc:
            raise TmdbLakeError("the query failed: " + " ".join(str(exc).split())[:300]) from None
    finally:
        engine.close()
    print(render_rows(names, rows, args.output))
    return EXIT_OK


TOP_GENRES = """
SELECT g.name AS genre, count(*) AS movies
FROM movie_genre AS mg
JOIN genre AS g ON g.genre_id = mg.genre_id AND g.media = 'movie' AND g.dt = mg.dt
WHERE mg.dt = (SELECT max(dt) FROM movie_genre)
GROUP BY g.name
ORDER BY movies DESC, genre
LIMIT 5
"""


def demo_epilogue(lake: str, work_dir: Path = Path(".tmdb-lake")) -> str:
    """Transform a (demo) lake, then give a short query result and how to query more.

    LEAD: for issue 12 E, call this at the end of `tmdb-lake demo` (after an ingest with
    details) and print what it gives.
    """
    from tmdb_lake.run import open_lake
    from tmdb_lake.trusted.duckdb_engine import DuckDBOptions
    from tmdb_lake.trusted.manifest import TrustedLayout
    from tmdb_lake.trusted.quality import render
    from tmdb_lake.trusted.query import create_views, render_rows
    from tmdb_lake.trusted.transform import Selection, read_trusted_manifests, transform

    settings = load_settings({"lake": lake}, {}, {})
    options = DuckDBOptions(work_dir=work_dir / "duckdb")
    storage = open_lake(settings)
    engine = open_engine(settings, options)
    try:
        report = asyncio.run(_with_storage(storage, transform(storage, engine, Selection())))
    finally:
        engine.close()
    storage = open_lake(settings)
    job = read_trusted_manifests(storage, TrustedLayout())
    manifests = asyncio.run(_with_storage(storage, job))
    engine = open_engine(settings, options)
    try:
        create_views(engine, list(manifests.values()))
        names, rows = engine.query(TOP_GENRES)
    finally:
        engine.close()
    return "\n".join(
        [
            render(report.as_dict()),
            "",
            "top genres of the last day (tmdb-lake query):",
            render_rows(names, rows, "table"),
            "",
            f'query more: tmdb-lake query --lake {lake} "SELECT * FROM movie LIMIT 10"',
        ]
    )
