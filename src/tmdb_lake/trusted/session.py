"""Open the lake and the engine for a trusted-zone command, run it, close both.

The commands (`transform`, `query`, `refine`, the demo) call these; they know nothing of
DuckDB or Spark, which are imported here, on first use: importing DuckDB costs about half
a second that an `ingest` must not pay, and pyspark is only there with the `spark` extra.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from tmdb_lake.errors import ConfigError, TmdbLakeError
from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import Holder
from tmdb_lake.lake.location import LakeLocation
from tmdb_lake.lake.storage import Storage
from tmdb_lake.run import open_lake
from tmdb_lake.settings import EngineSettings, MaintainSettings, RefineSettings, TransformSettings
from tmdb_lake.trusted.duckdb_engine import DuckDBEngine, DuckDBOptions, S3Access
from tmdb_lake.trusted.engine import Engine
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
    from pyspark.sql import SparkSession

    from tmdb_lake.iceberg.sink import IcebergSink
    from tmdb_lake.refined.query import RefinedManifests

T = TypeVar("T")
E = TypeVar("E", bound="Closable")


class Closable(Protocol):
    """An engine, as far as a build command's session cares: it is closed at the end."""

    def close(self) -> None:
        """Free the engine's memory and files."""
        ...


def open_engine(settings: EngineSettings, spark: SparkSession | None = None) -> Engine:
    """Open the engine the settings name (`spark`: this session, else the environment's)."""
    if settings.engine == "spark" or spark is not None:
        from tmdb_lake.trusted.spark_session import open_spark_engine

        return open_spark_engine(settings, spark)
    return open_duckdb(settings)


def open_duckdb(settings: EngineSettings) -> DuckDBEngine:
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


async def closing(storage: Storage, job: Awaitable[T]) -> T:
    """Await `job`, then close the storage whatever happened."""
    try:
        return await job
    finally:
        await storage.close()


def run_build(
    settings: RefineSettings,
    command: str,
    engine_of: Callable[[], E],
    job: Callable[[Storage, E, LeasePolicy], Awaitable[T]],
) -> T:
    """Run one build command (`transform`, `refine`) on the lake: leases, storage, engine."""
    holder = Holder(
        token=secrets.token_hex(6), run_id=f"{command}-{secrets.token_hex(4)}", run_key=command
    )
    policy = LeasePolicy(holder, ttl=settings.lease_ttl, wait=settings.wait)
    storage = open_lake(settings)
    engine = engine_of()
    try:
        return asyncio.run(closing(storage, job(storage, engine, policy)))
    finally:
        engine.close()


def transform_lake(
    settings: TransformSettings, spark: SparkSession | None = None
) -> TransformReport:
    """Bring the lake's trusted zone up to date (or rebuild the selected days).

    `spark`: run on this SparkSession (a Glue job's, a notebook's) whatever the engine
    setting says.
    """
    selection = Selection(since=settings.first_day, until=settings.last_day, full=settings.full)
    sink = open_sink(settings, "trusted") if settings.table_format == "iceberg" else None
    return run_build(
        settings,
        "transform",
        lambda: open_engine(settings, spark),
        lambda storage, engine, policy: transform(
            storage, engine, selection, policy, warn_only=settings.warn_only, sink=sink
        ),
    )


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
    """Compact, expire and clean the lake's Iceberg tables; give what was done per table.

    The trusted zone's tables, then the refined zone's (each under its own leases).
    """
    from tmdb_lake.iceberg.maintain import Retention, TableMaintenance, maintain
    from tmdb_lake.refined.tables import TABLES as REFINED_TABLES

    if settings.table_format != "iceberg":
        raise ConfigError("maintain works on Iceberg tables: Parquet tables keep no history")
    holder = Holder(
        token=secrets.token_hex(6), run_id=f"maintain-{secrets.token_hex(4)}", run_key="maintain"
    )
    policy = LeasePolicy(holder, ttl=settings.lease_ttl, wait=settings.wait)
    retention = Retention(settings.retention_days, settings.retain_last, settings.small_file)
    sink = open_sink(settings, "trusted")
    storage = open_lake(settings)
    engine = open_duckdb(settings)

    async def both_zones() -> list[TableMaintenance]:
        trusted = await maintain(storage, sink, engine, TABLES, policy, retention)
        refined = sink.zone("refined")
        return trusted + await maintain(storage, refined, engine, REFINED_TABLES, policy, retention)

    try:
        return [done.as_dict() for done in asyncio.run(closing(storage, both_zones()))]
    finally:
        engine.close()


def query_lake(
    settings: EngineSettings, sql: str, as_of: str | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run SQL over every trusted and refined table (each a view named after it) and view.

    Parquet tables are read through their manifests; with `--table-format iceberg` both
    zones' Iceberg tables, now or as of a past timestamp or snapshot (`as_of`).
    """
    import duckdb

    # `query` sees every zone of tables; the refined zone's views are declared there.
    from tmdb_lake.refined.query import (
        create_analyst_views,
        create_refined_views,
        read_iceberg_current,
        read_refined,
    )

    if settings.engine != "duckdb":
        raise ConfigError("query runs on DuckDB: --engine spark applies to transform and refine")
    if as_of is not None and settings.table_format != "iceberg":
        raise ConfigError("--as-of reads Iceberg tables: add --table-format iceberg")
    iceberg = settings.table_format == "iceberg"

    async def read(storage: Storage) -> tuple[list[TrustedManifest], RefinedManifests]:
        if iceberg:
            return [], (await read_iceberg_current(storage), {})
        trusted = await read_trusted_manifests(storage, TablesLayout())
        return list(trusted.values()), await read_refined(storage)

    storage = open_lake(settings)
    trusted, refined = asyncio.run(closing(storage, read(storage)))
    engine = open_duckdb(settings)
    try:
        if iceberg:
            from tmdb_lake.iceberg.reading import AsOf, ViewGroup
            from tmdb_lake.iceberg.reading import create_views as iceberg_views
            from tmdb_lake.refined.query import iceberg_groups

            sink = open_sink(settings, "trusted")
            moment = AsOf.parse(as_of) if as_of is not None else None
            groups = [
                ViewGroup(sink.namespace, TABLES),
                *iceberg_groups(sink.zone("refined"), refined[0]),
            ]
            iceberg_views(engine, sink.catalog, groups, sink.config.s3, moment)
            create_analyst_views(engine)
        else:
            create_views(engine, trusted)
            create_refined_views(engine, refined)
        try:
            return engine.query(sql)
        except duckdb.Error as exc:
            raise TmdbLakeError("the query failed: " + " ".join(str(exc).split())[:300]) from None
    finally:
        engine.close()
