"""Open the lake and the engine for a trusted-zone command, run it, close both.

The commands (`transform`, `query`, the demo) call these; they know nothing of DuckDB,
which is imported here, on first use: importing it costs about half a second that an
`ingest` must not pay.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tmdb_lake.errors import ConfigError, TmdbLakeError
from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import Holder
from tmdb_lake.lake.location import LakeLocation
from tmdb_lake.lake.storage import Storage
from tmdb_lake.run import open_lake
from tmdb_lake.settings import EngineSettings, MaintainSettings, TransformSettings
from tmdb_lake.trusted.duckdb_engine import DuckDBEngine, DuckDBOptions, S3Access
from tmdb_lake.trusted.lease import LeasePolicy
from tmdb_lake.trusted.manifest import TrustedManifest
from tmdb_lake.trusted.query import create_views
from tmdb_lake.trusted.tables import TABLES
from tmdb_lake.trusted.transform import (
    Selection,
    TransformReport,
    read_trusted_manifests,
    transform,
)

if TYPE_CHECKING:
    from tmdb_lake.iceberg.sink import IcebergSink

T = TypeVar("T")

TOP_GENRES = """
SELECT g.name AS genre, count(*) AS movies
FROM movie_genre AS mg
JOIN genre AS g ON g.genre_id = mg.genre_id AND g.media = 'movie' AND g.dt = mg.dt
WHERE mg.dt = (SELECT max(dt) FROM movie_genre)
GROUP BY g.name
ORDER BY movies DESC, genre
LIMIT 5
"""


def open_engine(settings: EngineSettings) -> DuckDBEngine:
    """Open DuckDB on the lake the settings point at (a folder, or S3 through httpfs)."""
    options = DuckDBOptions(
        work_dir=Path(settings.work_dir) / "duckdb",
        memory_limit=settings.memory_limit,
        threads=settings.threads,
    )
    location = LakeLocation.parse(settings.lake)
    if location.kind == "s3":
        root = f"s3://{location.bucket}/{location.prefix + '/' if location.prefix else ''}"
        access = S3Access(location.bucket, location.prefix, settings.s3_options())
        return DuckDBEngine(root, options, access)
    assert location.path is not None
    location.path.mkdir(parents=True, exist_ok=True)
    return DuckDBEngine(str(location.path.resolve()) + "/", options)


async def _closing(storage: Storage, job: Awaitable[T]) -> T:
    try:
        return await job
    finally:
        await storage.close()


def transform_lake(settings: TransformSettings) -> TransformReport:
    """Bring the lake's trusted zone up to date (or rebuild the selected days)."""
    selection = Selection(since=settings.first_day, until=settings.last_day, full=settings.full)
    holder = Holder(
        token=secrets.token_hex(6), run_id=f"transform-{secrets.token_hex(4)}", run_key="transform"
    )
    policy = LeasePolicy(holder, ttl=settings.lease_ttl, wait=settings.wait)
    sink = open_sink(settings, "trusted") if settings.table_format == "iceberg" else None
    storage = open_lake(settings)
    engine = open_engine(settings)
    try:
        job = transform(storage, engine, selection, policy, warn_only=settings.warn_only, sink=sink)
        return asyncio.run(_closing(storage, job))
    finally:
        engine.close()


def open_sink(settings: EngineSettings, zone: str) -> IcebergSink:
    """Open the Iceberg catalog of the settings, for the tables of one zone."""
    try:
        import pyiceberg  # noqa: F401
    except ImportError:
        raise ConfigError(
            '--table-format iceberg needs pyiceberg: pip install "tmdb-lake[iceberg]"'
        ) from None
    from tmdb_lake.iceberg.catalog import CatalogConfig, open_catalog
    from tmdb_lake.iceberg.sink import IcebergSink

    config = CatalogConfig.from_settings(settings)
    layout = TablesLayout(zone, table_format="iceberg")
    return IcebergSink(open_catalog(config), config, layout)


def maintain_lake(settings: MaintainSettings) -> list[dict[str, Any]]:
    """Compact, expire and clean the lake's Iceberg tables; give what was done per table."""
    from tmdb_lake.iceberg.maintain import Retention, maintain

    if settings.table_format != "iceberg":
        raise ConfigError("maintain works on Iceberg tables: Parquet tables keep no history")
    holder = Holder(
        token=secrets.token_hex(6), run_id=f"maintain-{secrets.token_hex(4)}", run_key="maintain"
    )
    policy = LeasePolicy(holder, ttl=settings.lease_ttl, wait=settings.wait)
    retention = Retention(settings.retention_days, settings.retain_last, settings.small_file)
    sink = open_sink(settings, "trusted")
    storage = open_lake(settings)
    engine = open_engine(settings)
    try:
        job = maintain(storage, sink, engine, TABLES, policy, retention)
        return [done.as_dict() for done in asyncio.run(_closing(storage, job))]
    finally:
        engine.close()


def query_lake(
    settings: EngineSettings, sql: str, as_of: str | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run SQL over the trusted tables (each a view named after its table).

    Iceberg tables can be read as of a past timestamp or snapshot (`as_of`).
    """
    import duckdb

    if as_of is not None and settings.table_format != "iceberg":
        raise ConfigError("--as-of reads Iceberg tables: add --table-format iceberg")
    manifests: dict[Any, TrustedManifest] = {}
    if settings.table_format == "parquet":
        storage = open_lake(settings)
        manifests = asyncio.run(_closing(storage, read_trusted_manifests(storage, TablesLayout())))
    engine = open_engine(settings)
    try:
        if settings.table_format == "iceberg":
            from tmdb_lake.iceberg.reading import AsOf
            from tmdb_lake.iceberg.reading import create_views as iceberg_views

            sink = open_sink(settings, "trusted")
            moment = AsOf.parse(as_of) if as_of is not None else None
            iceberg_views(engine, sink.catalog, sink.namespace, TABLES, sink.config.s3, moment)
        else:
            create_views(engine, list(manifests.values()))
        try:
            return engine.query(sql)
        except duckdb.Error as exc:
            raise TmdbLakeError("the query failed: " + " ".join(str(exc).split())[:300]) from None
    finally:
        engine.close()


def demo_epilogue(settings: EngineSettings) -> str:
    """Transform a (demo) lake, then give a short query result and how to query more."""
    from tmdb_lake.trusted.quality import render
    from tmdb_lake.trusted.query import render_rows

    transform_settings = TransformSettings(
        **{name: getattr(settings, name) for name in EngineSettings.__dataclass_fields__}
    )
    report = transform_lake(transform_settings)
    names, rows = query_lake(settings, TOP_GENRES)
    return "\n".join(
        [
            render(report.as_dict()),
            "",
            "top genres of the last day (tmdb-lake query):",
            render_rows(names, rows, "table"),
            "",
            f'query more: tmdb-lake query --lake {settings.lake} "SELECT * FROM movie LIMIT 10"',
        ]
    )
