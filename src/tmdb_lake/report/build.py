"""Build the report: read the lake, aggregate in DuckDB, write one HTML file.

Everything comes from the lake itself: the raw zone's manifests, commit intents, staging
records and leases (runs); the manifests and the trusted zone's reports (health); the
trusted and refined tables, through the same views as `tmdb-lake query` (data).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from tmdb_lake import __version__
from tmdb_lake.errors import ConfigError
from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.location import LakeLocation
from tmdb_lake.lake.manifest import current_snapshots
from tmdb_lake.lake.storage import Storage
from tmdb_lake.refined.query import read_refined
from tmdb_lake.report.bundle import vega_bundle, versions
from tmdb_lake.report.data import TRUSTED_ROWS, query, refined_aggregates
from tmdb_lake.report.health import findings, freshness
from tmdb_lake.report.page import Page, render
from tmdb_lake.report.refined import (
    create_refined_views,
    dated_manifests,
)
from tmdb_lake.report.runs import RunsReader
from tmdb_lake.report.sections import data_section, health_section, runs_section
from tmdb_lake.run import open_lake
from tmdb_lake.settings import ReportSettings
from tmdb_lake.trusted.query import create_views
from tmdb_lake.trusted.session import open_duckdb
from tmdb_lake.trusted.transform import read_trusted_manifests

LAKE_KEY = "report/TMDB/tmdb-lake-report.html"
"""Where `--into-lake` puts the page, beside the zones."""


@dataclass(frozen=True)
class ReportResult:
    """What `report` wrote."""

    path: Path
    bytes: int
    lake_key: str | None
    missing: dict[str, str]
    """Figures the lake could not give yet, and why."""


def link_maker(settings: ReportSettings) -> Callable[[str], str | None]:
    """Give how the page links a lake key: a file URL, the S3 console, or not at all."""
    location = LakeLocation.parse(settings.lake)
    if location.kind == "local":
        assert location.path is not None
        root = location.path.resolve()
        return lambda key: (root / key).as_uri()
    if settings.s3_endpoint_url:  # another store's console is unknown: show the key only
        return lambda key: None
    prefix = f"{location.prefix}/" if location.prefix else ""
    console = f"https://s3.console.aws.amazon.com/s3/object/{location.bucket}?prefix="
    return lambda key: console + quote(prefix + key)


async def _report(settings: ReportSettings, storage: Storage) -> tuple[str, dict[str, str]]:
    rows, committed = await RunsReader(storage).rows()
    snapshots = current_snapshots(committed)
    trusted = await read_trusted_manifests(storage, TablesLayout())
    refined_manifests = await read_refined(storage)
    refined = dated_manifests(refined_manifests)
    found = await findings(storage, list(trusted.values()))
    engine = open_duckdb(settings)
    try:
        create_views(engine, list(trusted.values()))
        trusted_rows = query(engine, TRUSTED_ROWS)
        aggregates = refined_aggregates(engine, create_refined_views(engine, refined_manifests))
    finally:
        engine.close()
    link = link_maker(settings)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    page = Page(
        title="tmdb-lake report",
        facts=[
            ("lake", storage.description),
            ("generated", now),
            ("raw", f"{len({s.day for s in snapshots})} days, {len(committed)} run manifests"),
            ("trusted", f"{len(trusted)} dts"),
            ("refined", f"{len(refined)} dts" if refined else "not in this lake yet"),
        ],
        sections=[
            runs_section(rows, link),
            health_section(freshness(snapshots, list(trusted.values()), refined), found, link),
            data_section(snapshots, trusted_rows, aggregates),
        ],
        footer=f"tmdb-lake {__version__}: built from the lake's manifests, reports and tables. "
        f"Charts: {versions()}, inlined; viewing this page needs no network.",
        script=vega_bundle(Path(settings.work_dir) / "report"),
    )
    missing = {name: why for name, why in aggregates.items() if isinstance(why, str)}
    return render(page), missing


async def _build(settings: ReportSettings) -> ReportResult:
    storage = open_lake(settings)
    try:
        text, missing = await _report(settings, storage)
        data = text.encode("utf-8")
        out = Path(settings.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        partial.write_bytes(data)
        partial.replace(out)
        if settings.into_lake:
            await storage.put(LAKE_KEY, data)
        return ReportResult(out, len(data), LAKE_KEY if settings.into_lake else None, missing)
    finally:
        await storage.close()


def build_report(settings: ReportSettings) -> ReportResult:
    """Write the report of the lake the settings point at."""
    if settings.engine != "duckdb":
        raise ConfigError("report aggregates on DuckDB: --engine spark applies to transform")
    return asyncio.run(_build(settings))
