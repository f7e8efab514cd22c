"""Build and publish one unit of the refined zone: its current tables, or one dt of its facts.

A unit is built under its lease (the caller holds it) in the trusted zone's protocol: the
staging of a crashed build goes; the engine gets the unit's source views (exactly the files
manifests list), builds every table of the unit, and runs their checks (a failed check
publishes nothing, unless `warn_only`); the tables are staged, then published
(`tmdb_lake.trusted.build.publish`: copies under new names, the manifest put as the commit
point, cleanup).

With an Iceberg sink (`refine --table-format iceberg`) the source views are Iceberg scans
(`tmdb_lake.refined.iceberg`), and the sink publishes instead of staging: its intent first,
then each table's files written into the table, one snapshot per table (a dt's partition,
or a current table whole), then the unit's manifest (`tmdb_lake.iceberg.sink`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from tmdb_lake import __version__
from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import LeaseSet, Partition
from tmdb_lake.lake.storage import Storage
from tmdb_lake.refined.engine import RefinedEngine
from tmdb_lake.refined.tables import CONTRACT_ID
from tmdb_lake.trusted.build import new_build_id, publish, stage
from tmdb_lake.trusted.checks import CheckResult, failed, run_checks
from tmdb_lake.trusted.contract import Column, TrustedTable
from tmdb_lake.trusted.engine import WrittenFile
from tmdb_lake.trusted.faults import crash_point
from tmdb_lake.trusted.manifest import TablesManifest

if TYPE_CHECKING:
    from tmdb_lake.iceberg.sink import IcebergSink

Status = Literal["built", "built-with-warnings", "failed", "up-to-date"]
ZONE = "refined"


class UnitView(Protocol):
    """A view a unit's SQL reads, made in the unit's engine before the build."""

    @property
    def name(self) -> str:
        """The view's name (a trusted table's, `previous_<table>`, a dimension's)."""
        ...

    def create(self, engine: RefinedEngine) -> None:
        """Make the view in the engine (`engine.reset()` drops it)."""
        ...


@dataclass(frozen=True)
class SourceView:
    """A view a unit's SQL reads: exactly these Parquet files, with these columns."""

    name: str
    columns: tuple[Column, ...]
    keys: tuple[str, ...]
    dated: bool

    def create(self, engine: RefinedEngine) -> None:
        """Make the view over the files (`dt` from their path when dated)."""
        engine.view_files(self.name, self.columns, self.keys, dated=self.dated)


@dataclass(frozen=True)
class Unit:
    """What one build publishes under one manifest: the current tables, or one dt's facts."""

    dt: date | None
    partition: Partition
    tables: tuple[TrustedTable, ...]
    views: tuple[UnitView, ...]
    inputs: tuple[dict[str, Any], ...]
    """The trusted builds it reads (dt, build_id, manifest_key): its state."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Name the unit as reports show it."""
        return "current" if self.dt is None else self.dt.isoformat()


@dataclass
class UnitReport:
    """What building one unit did."""

    unit: str
    status: Status
    tables: dict[str, int] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def failed_checks(self) -> list[CheckResult]:
        """Give the checks that failed."""
        return failed(self.checks)

    def to_dict(self) -> dict[str, Any]:
        """Serialise (`extra` inline: a current build's mode and added dts)."""
        body = dataclasses.asdict(self)
        body.update(body.pop("extra"))
        return body | {
            "seconds": round(self.seconds, 3),
            "checks": [c.to_dict() for c in self.checks],
        }


async def build_unit(
    unit: Unit,
    engine: RefinedEngine,
    storage: Storage,
    layout: TablesLayout,
    lease: LeaseSet,
    *,
    warn_only: bool,
    report_key: str,
    sink: IcebergSink | None = None,
) -> UnitReport:
    """Build, check and publish every table of one unit (its lease held by the caller).

    With a `sink` the tables are published as Iceberg snapshots (`layout` is the sink's).
    """
    started = time.monotonic()
    report = UnitReport(unit.label, "built", extra=dict(unit.extra))
    build_id = new_build_id()
    if sink is not None:
        await sink.begin(storage, unit.dt, build_id, unit.tables)
    else:
        await storage.delete(await storage.list(layout.staging_prefix(unit.dt)))
    written: dict[str, list[WrittenFile]] = {}
    in_tables: dict[str, list[str]] = {}
    try:
        for view in unit.views:
            view.create(engine)
        crash_point("loaded", ZONE)
        for table in unit.tables:
            report.tables[table.name] = engine.materialize(table.name, table.typed_sql())
        report.checks = run_checks(engine, unit.tables)
        if report.failed_checks:
            report.status = "built-with-warnings" if warn_only else "failed"
            if not warn_only:
                report.seconds = time.monotonic() - started
                if sink is not None:
                    await sink.heal(storage, unit.dt)
                return report
        if sink is not None:
            in_tables = sink.write(engine, unit.dt, build_id, unit.tables)
        else:
            written = stage(engine, layout, unit.dt, build_id, [t.name for t in unit.tables])
        crash_point("staged", ZONE)
    finally:
        engine.reset()
    draft = TablesManifest(
        dt=unit.dt,
        build_id=build_id,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        contract_id=CONTRACT_ID,
        engine=engine.name,
        inputs=unit.inputs,
        tables={},
        checks=tuple(c.to_dict() for c in report.checks),
        lease_generation=lease.generations[unit.partition],
        report_key=report_key,
        version=__version__,
        extra=dict(unit.extra),
    )
    if sink is not None:
        await sink.publish(storage, lease, draft, in_tables, unit.tables)
    else:
        await publish(storage, layout, lease, draft, written)
    report.seconds = time.monotonic() - started
    return report


def files_of(manifest: TablesManifest | None, table: str) -> tuple[str, ...]:
    """Give the keys a manifest lists for a table (none without a manifest)."""
    if manifest is None or table not in manifest.tables:
        return ()
    return tuple(key for key, _ in manifest.tables[table].files)


def table_views(
    tables: Sequence[TrustedTable],
    manifests: Sequence[TablesManifest | None],
    *,
    dated: bool,
    name: str = "{}",
) -> tuple[SourceView, ...]:
    """Give one view per table over the files the manifests list for it."""
    return tuple(
        SourceView(
            name.format(table.name),
            table.columns,
            tuple(key for manifest in manifests for key in files_of(manifest, table.name)),
            dated,
        )
        for table in tables
    )
