"""`refine`: bring the refined zone up to date with the trusted zone. Engine-agnostic.

The trusted zone is read only through its manifests (`tables.<t>.files` of each dt, or
the snapshots an Iceberg build recorded). In order:

1. cleanups a crash left after a commit point are finished (Iceberg: a crashed build's
   uncommitted files are removed);
2. the **current tables** (dimensions, bridges, `fact_credit`, `fact_release`, `dim_date`),
   under the undated lease `current/all`: planned again under the lease
   (`tmdb_lake.refined.state`), built in full or merged with the trusted dts they do not
   reflect, checked, published under `_manifests/current.json`;
3. each stale dt of the **dated facts** (`fact_title_snapshot`), under that dt's lease:
   built from that trusted dt, checked against the published dimensions, published under
   `_manifests/dt=<dt>.json`; a partition whose trusted dt is gone is removed.

The current tables go first, so that a new day's titles are in the dimensions before its
snapshot rows are published.

The same for both table formats (`tmdb_lake.refined.formats`): Parquet folders read and
published through manifests, or Iceberg tables (`--table-format iceberg`: the trusted
zone's Iceberg tables read, the refined tables published as Iceberg snapshots, each zone's
manifests under `ICEBERG/_manifests/`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson

from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import LeaseSet
from tmdb_lake.lake.storage import Storage
from tmdb_lake.refined.build import Unit, UnitReport, build_unit
from tmdb_lake.refined.engine import RefinedEngine
from tmdb_lake.refined.formats import (
    CURRENT_PARTITION,
    ParquetTables,
    TableFormat,
    partition_of,
)
from tmdb_lake.refined.state import (
    CurrentPlan,
    dated_is_current,
    plan_current,
    read_current,
    trusted_input,
)
from tmdb_lake.refined.tables import CURRENT, DATED, SOURCES
from tmdb_lake.refined.tables.calendar import DIM_DATE
from tmdb_lake.refined.tables.titles import DIM_MOVIE, DIM_SERIES
from tmdb_lake.trusted.build import new_build_id
from tmdb_lake.trusted.lease import LeasePolicy, held
from tmdb_lake.trusted.manifest import TablesManifest
from tmdb_lake.trusted.tables import BY_NAME as TRUSTED
from tmdb_lake.trusted.transform import read_trusted_manifests

REFINED = TablesLayout(zone="refined")
TRUSTED_LAYOUT = TablesLayout()
PARQUET = ParquetTables()


@dataclass
class RefineReport:
    """What one refine did."""

    refine_id: str
    lake: str
    started_at: str
    current: UnitReport | None = None
    days: list[UnitReport] = field(default_factory=list)
    up_to_date: int = 0
    """Dated partitions already current."""
    removed: list[str] = field(default_factory=list)
    report_key: str | None = None
    seconds: float = 0.0

    @property
    def units(self) -> list[UnitReport]:
        """Give every unit built (or that failed), current tables first."""
        return ([self.current] if self.current else []) + self.days

    @property
    def failed(self) -> list[UnitReport]:
        """Give the units whose checks failed (nothing of them was published)."""
        return [u for u in self.units if u.status == "failed"]

    def as_dict(self) -> dict[str, Any]:
        """Give the report as JSON-ready values."""
        names = ("refine_id", "lake", "started_at", "up_to_date", "removed", "report_key")
        return {name: getattr(self, name) for name in names} | {
            "seconds": round(self.seconds, 3),
            "current": self.current.to_dict() if self.current else None,
            "built": [d.unit for d in self.days if d.status != "failed"],
            "failed": [u.unit for u in self.failed],
            "days": [d.to_dict() for d in self.days],
        }


def current_unit(
    trusted: dict[date, TablesManifest], plan: CurrentPlan, tables: TableFormat = PARQUET
) -> Unit:
    """Give the unit that builds the current tables as `plan` says."""
    added = [trusted[dt] for dt in plan.added]
    sources = [TRUSTED[name] for name in SOURCES]
    return Unit(
        dt=None,
        partition=CURRENT_PARTITION,
        tables=CURRENT,
        views=tables.trusted_views(sources, added)
        + tables.refined_views(CURRENT, plan.base, name="previous_{}"),
        inputs=tuple(trusted_input(trusted[dt], tables.trusted) for dt in sorted(trusted)),
        extra={
            "mode": plan.mode,
            "added": [dt.isoformat() for dt in plan.added],
            "base_build_id": plan.base.build_id if plan.base else None,
        },
    )


def dated_unit(
    trusted: TablesManifest, current: TablesManifest | None, tables: TableFormat = PARQUET
) -> Unit:
    """Give the unit that builds one dt of the dated facts, checked against `current`."""
    assert trusted.dt is not None
    return Unit(
        dt=trusted.dt,
        partition=partition_of(trusted.dt),
        tables=DATED,
        views=tables.trusted_views([TRUSTED["movie"], TRUSTED["series"]], [trusted])
        + tables.refined_views([DIM_MOVIE, DIM_SERIES, DIM_DATE], current),
        inputs=(trusted_input(trusted, tables.trusted),),
    )


async def refine(
    storage: Storage,
    engine: RefinedEngine,
    policy: LeasePolicy,
    *,
    full: bool = False,
    warn_only: bool = False,
    tables: TableFormat = PARQUET,
) -> RefineReport:
    """Bring the refined zone up to date with the trusted zone (or rebuild it: `full`)."""
    started = time.monotonic()
    refine_id = new_build_id()
    layout = tables.refined
    report = RefineReport(refine_id, storage.description, datetime.now(UTC).isoformat())
    report_key = layout.report_key(refine_id, datetime.now(UTC).date())
    await tables.heal(storage, policy)
    trusted = await tables.read_trusted(storage)

    async def read_dated() -> dict[date, TablesManifest]:
        found = await read_trusted_manifests(storage, layout)
        return {dt: m for dt, m in found.items() if tables.built(m)}

    async def read_built_current() -> TablesManifest | None:
        found = await read_current(storage, layout)
        return found if found is not None and tables.built(found) else None

    def plan(current: TablesManifest | None) -> CurrentPlan | None:
        # a previous build that can no longer be read as published is rebuilt, not merged
        unreadable = current is not None and not tables.mergeable(current)
        return plan_current(trusted, current, full=full or unreadable)

    async def build(unit: Unit, lease: LeaseSet) -> UnitReport:
        return await build_unit(
            unit,
            engine,
            storage,
            layout,
            lease,
            warn_only=warn_only,
            report_key=report_key,
            sink=tables.sink,
        )

    dated = await read_dated()
    if plan(await read_built_current()) is not None:
        async with held(storage, layout, CURRENT_PARTITION, policy) as lease:
            current = await read_built_current()  # as it is now, under the lease
            todo = plan(current)
            if todo is not None:
                report.current = await build(current_unit(trusted, todo, tables), lease)
    if report.current is None or report.current.status != "failed":
        current = await read_built_current()
        for dt in sorted(trusted):
            if not full and dated_is_current(trusted[dt], dated.get(dt)):
                report.up_to_date += 1
                continue
            async with held(storage, layout, partition_of(dt), policy) as lease:
                again = await _read(storage, layout.manifest_key(dt))
                built = again is not None and tables.built(again)
                if not full and built and dated_is_current(trusted[dt], again):
                    report.up_to_date += 1  # another refine built it while this one waited
                    continue
                report.days.append(await build(dated_unit(trusted[dt], current, tables), lease))
    for dt in sorted(set(dated) - set(trusted)):
        async with held(storage, layout, partition_of(dt), policy) as lease:
            await tables.remove(storage, dt, lease)
        report.removed.append(dt.isoformat())
    report.seconds = time.monotonic() - started
    if report.units or report.removed:
        report.report_key = report_key
        await storage.put(report_key, orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2))
    return report


async def _read(storage: Storage, key: str) -> TablesManifest | None:
    data = await storage.get(key)
    return TablesManifest.from_json(data, key) if data is not None else None
