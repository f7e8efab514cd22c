"""`refine`: bring the refined zone up to date with the trusted zone. Engine-agnostic.

The trusted zone is read only through its manifests (`tables.<t>.files` of each dt). In
order:

1. cleanups a crash left after a commit point are finished;
2. the **current tables** (dimensions, bridges, `fact_credit`, `fact_release`, `dim_date`),
   under the undated lease `current/all`: planned again under the lease
   (`tmdb_lake.refined.state`), built in full or merged with the trusted dts they do not
   reflect, checked, published under `_manifests/current.json`;
3. each stale dt of the **dated facts** (`fact_title_snapshot`), under that dt's lease:
   built from that trusted dt, checked against the published dimensions, published under
   `_manifests/dt=<dt>.json`; a partition whose trusted dt is gone is removed.

The current tables go first, so that a new day's titles are in the dimensions before its
snapshot rows are published.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson

from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import LeaseSet, Partition
from tmdb_lake.lake.storage import Storage
from tmdb_lake.refined.build import Unit, UnitReport, build_unit, files_of, table_views
from tmdb_lake.refined.engine import RefinedEngine
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
from tmdb_lake.trusted.build import finish_pending, new_build_id
from tmdb_lake.trusted.lease import LEASED_DATASET, LeasePolicy, held
from tmdb_lake.trusted.manifest import TablesManifest
from tmdb_lake.trusted.tables import BY_NAME as TRUSTED
from tmdb_lake.trusted.transform import read_trusted_manifests

CURRENT_PARTITION = Partition("current", None)
"""The lease of the current tables: `refined/TMDB/_leases/current/all/`."""
REFINED = TablesLayout(zone="refined")
TRUSTED_LAYOUT = TablesLayout()


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


def current_unit(trusted: dict[date, TablesManifest], plan: CurrentPlan) -> Unit:
    """Give the unit that builds the current tables as `plan` says."""
    added = [trusted[dt] for dt in plan.added]
    sources = [TRUSTED[name] for name in SOURCES]
    return Unit(
        dt=None,
        partition=CURRENT_PARTITION,
        tables=CURRENT,
        views=table_views(sources, added, dated=True)
        + table_views(CURRENT, [plan.base], dated=False, name="previous_{}"),
        inputs=tuple(trusted_input(trusted[dt], TRUSTED_LAYOUT) for dt in sorted(trusted)),
        extra={
            "mode": plan.mode,
            "added": [dt.isoformat() for dt in plan.added],
            "base_build_id": plan.base.build_id if plan.base else None,
        },
    )


def dated_unit(trusted: TablesManifest, current: TablesManifest | None) -> Unit:
    """Give the unit that builds one dt of the dated facts, checked against `current`."""
    assert trusted.dt is not None
    return Unit(
        dt=trusted.dt,
        partition=Partition(LEASED_DATASET, trusted.dt),
        tables=DATED,
        views=table_views([TRUSTED["movie"], TRUSTED["series"]], [trusted], dated=True)
        + table_views([DIM_MOVIE, DIM_SERIES, DIM_DATE], [current], dated=False),
        inputs=(trusted_input(trusted, TRUSTED_LAYOUT),),
    )


async def refine(
    storage: Storage,
    engine: RefinedEngine,
    policy: LeasePolicy,
    *,
    full: bool = False,
    warn_only: bool = False,
) -> RefineReport:
    """Bring the refined zone up to date with the trusted zone (or rebuild it: `full`)."""
    started = time.monotonic()
    refine_id = new_build_id()
    report = RefineReport(refine_id, storage.description, datetime.now(UTC).isoformat())
    report_key = REFINED.report_key(refine_id, datetime.now(UTC).date())
    trusted = await read_trusted_manifests(storage, TRUSTED_LAYOUT)
    dated = await read_trusted_manifests(storage, REFINED)
    current = await read_current(storage, REFINED)
    if current is not None and current.cleanup_pending:
        await finish_pending(storage, REFINED, None, CURRENT_PARTITION, policy)
    for dt, manifest in dated.items():
        if manifest.cleanup_pending:
            await finish_pending(storage, REFINED, dt, Partition(LEASED_DATASET, dt), policy)

    async def build(unit: Unit, lease: LeaseSet) -> UnitReport:
        return await build_unit(
            unit, engine, storage, REFINED, lease, warn_only=warn_only, report_key=report_key
        )

    if plan_current(trusted, current, full=full) is not None:
        async with held(storage, REFINED, CURRENT_PARTITION, policy) as lease:
            current = await read_current(storage, REFINED)  # as it is now, under the lease
            plan = plan_current(trusted, current, full=full)
            if plan is not None:
                unit = current_unit(trusted, plan)
                report.current = await build(unit, lease)
    if report.current is None or report.current.status != "failed":
        current = await read_current(storage, REFINED)
        for dt in sorted(trusted):
            if not full and dated_is_current(trusted[dt], dated.get(dt)):
                report.up_to_date += 1
                continue
            async with held(storage, REFINED, Partition(LEASED_DATASET, dt), policy) as lease:
                again = await _read(storage, REFINED.manifest_key(dt))
                if not full and dated_is_current(trusted[dt], again):
                    report.up_to_date += 1  # another refine built it while this one waited
                    continue
                unit = dated_unit(trusted[dt], current)
                report.days.append(await build(unit, lease))
    for dt in sorted(set(dated) - set(trusted)):
        await _remove(storage, dt, policy)
        report.removed.append(dt.isoformat())
    report.seconds = time.monotonic() - started
    if report.units or report.removed:
        report.report_key = report_key
        await storage.put(report_key, orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2))
    return report


async def _read(storage: Storage, key: str) -> TablesManifest | None:
    data = await storage.get(key)
    return TablesManifest.from_json(data, key) if data is not None else None


async def _remove(storage: Storage, dt: date, policy: LeasePolicy) -> None:
    """Remove a dated partition whose trusted dt is gone: its manifest first, then its files."""
    async with held(storage, REFINED, Partition(LEASED_DATASET, dt), policy) as lease:
        manifest = await _read(storage, REFINED.manifest_key(dt))
        await lease.verify()
        await storage.delete([REFINED.manifest_key(dt)])
        keys = [key for table in DATED for key in files_of(manifest, table.name)]
        for table in DATED:
            keys += await storage.list(REFINED.partition_prefix(table.name, dt))
        await storage.delete(sorted(set(keys)))
