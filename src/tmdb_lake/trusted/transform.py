"""`transform`: which dts to build, build them, write the report. Engine-agnostic.

A dt is built when it is selected (`--date`, `--since/--until`, or every raw day) and
either `full` is set or its trusted manifest is missing, was built under another
contract, or was built from other raw manifests than the current ones of that day
(a new raw run, a new dataset). Everything else is up to date, and a second run in a
row has nothing to do.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import orjson

from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import Partition
from tmdb_lake.lake.manifest import ManifestReader
from tmdb_lake.lake.storage import Storage
from tmdb_lake.trusted.build import build_dt, finish_pending, is_current, new_build_id
from tmdb_lake.trusted.engine import Engine
from tmdb_lake.trusted.inputs import group_by_day
from tmdb_lake.trusted.lease import LEASED_DATASET, LeasePolicy, dt_lease
from tmdb_lake.trusted.manifest import TrustedManifest
from tmdb_lake.trusted.quality import DtReport

if TYPE_CHECKING:
    from tmdb_lake.iceberg.sink import IcebergSink


@dataclass(frozen=True)
class Selection:
    """Which raw days to consider."""

    since: date | None = None
    until: date | None = None
    full: bool = False


@dataclass
class TransformReport:
    """What one transform did."""

    transform_id: str
    lake: str
    started_at: str
    days: list[DtReport] = field(default_factory=list)
    up_to_date: int = 0
    report_key: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[DtReport]:
        """Give the dts whose checks failed."""
        return [d for d in self.days if d.status == "failed"]

    def as_dict(self) -> dict[str, Any]:
        """Give the report as JSON-ready values."""
        return {
            "transform_id": self.transform_id,
            "lake": self.lake,
            "started_at": self.started_at,
            "seconds": round(self.seconds, 3),
            "up_to_date": self.up_to_date,
            "built": [d.dt for d in self.days if d.status != "failed"],
            "failed": [d.dt for d in self.failed],
            "report_key": self.report_key,
            "days": [d.to_dict() for d in self.days],
        }


async def read_trusted_manifests(
    storage: Storage, layout: TablesLayout
) -> dict[date, TrustedManifest]:
    """Give every dt's trusted manifest."""
    found: dict[date, TrustedManifest] = {}
    for key in await storage.list(layout.manifest_prefix()):
        dt = layout.parse_manifest_key(key)
        data = await storage.get(key) if dt is not None else None
        if dt is not None and data is not None:
            found[dt] = TrustedManifest.from_json(data, key)
    return found


async def transform(
    storage: Storage,
    engine: Engine,
    selection: Selection,
    policy: LeasePolicy,
    *,
    warn_only: bool = False,
    sink: IcebergSink | None = None,
) -> TransformReport:
    """Bring the trusted zone up to date with the raw zone (or rebuild the selection).

    With a `sink` the tables are Iceberg tables (`--table-format iceberg`), with their own
    per-dt manifests; the Parquet tables of the same lake are not touched.
    """
    started = time.monotonic()
    layout = sink.layout if sink is not None else TablesLayout()
    transform_id = new_build_id()
    today = datetime.now(UTC).date()
    report = TransformReport(transform_id, storage.description, datetime.now(UTC).isoformat())
    report_key = layout.report_key(transform_id, today)
    snapshots = await ManifestReader(storage).snapshots(
        since=selection.since, until=selection.until
    )
    built = await read_trusted_manifests(storage, layout)
    for dt, manifest in built.items():
        if manifest.cleanup_pending:  # a crash after the commit point: finish it
            await finish_pending(storage, layout, dt, Partition(LEASED_DATASET, dt), policy)
    if sink is not None:  # a crashed Iceberg build: remove its uncommitted folders
        for pending in await sink.intents(storage):
            async with dt_lease(storage, layout, pending, policy):
                await sink.heal(storage, pending)
    state_key = layout.state_key("drift")
    state_data = await storage.get(state_key)
    first_seen: dict[str, Any] = orjson.loads(state_data) if state_data else {}
    for day in group_by_day(snapshots):
        if not day.inputs:
            continue
        if not selection.full and is_current(day, built.get(day.day), sink):
            report.up_to_date += 1
            continue
        built_day = await build_dt(
            day,
            engine,
            storage,
            layout,
            warn_only=warn_only,
            first_seen=first_seen,
            report_key=report_key,
            policy=policy,
            rebuild=selection.full,
            sink=sink,
        )
        if built_day.status == "up-to-date":
            report.up_to_date += 1
        else:
            report.days.append(built_day)
    report.seconds = time.monotonic() - started
    if report.days:
        report.report_key = report_key
        await storage.put(report_key, orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2))
        await storage.put(state_key, orjson.dumps(first_seen, option=orjson.OPT_INDENT_2))
    return report
