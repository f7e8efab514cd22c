"""Build and publish one dt: the trusted zone's exactly-once protocol.

Under the dt's lease:

1. remove what a crashed build of this dt left in `_staging/dt=<dt>/`;
2. the engine loads the day's raw inputs, builds the intermediate models and every
   table, and the declared checks run; a failed check stops here (nothing published)
   unless `warn_only`;
3. each table is written to `_staging/dt=<dt>/<build_id>/` (new, uniquely named files);
4. the staged files are copied to their final keys in the partition folders
   (`<table>_<build_id>_<n>.parquet`: never an existing name);
5. the dt's trusted manifest is written (one atomic put): the commit point for manifest
   readers, with `cleanup_pending: true`;
6. files of the partition folders that the manifest does not list (the previous build,
   or a crashed one) are removed, then the staging folder;
7. the manifest is written again with `cleanup_pending: false`.

A crash anywhere leaves either the old manifest (the dt is still stale: the next run
rebuilds it and step 6 removes the orphans) or the new one with `cleanup_pending` (the
next run finishes steps 6-7). Glob readers of a partition folder see the old files until
step 4, old and new files between steps 4 and 6 (duplicates, for the time a few copies
and deletes take), then only the new ones.

With an Iceberg sink (`--table-format iceberg`) steps 3-7 are the sink's: each table's dt
is written into the table's location and replaced in one snapshot, then the dt's manifest
is written (`tmdb_lake.iceberg.sink`).
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from tmdb_lake import __version__
from tmdb_lake.concurrency import gather_all
from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import LeaseSet, Partition
from tmdb_lake.lake.storage import Storage
from tmdb_lake.trusted.checks import run_checks
from tmdb_lake.trusted.engine import Engine, WrittenFile
from tmdb_lake.trusted.faults import crash_point
from tmdb_lake.trusted.inputs import DayInputs
from tmdb_lake.trusted.lease import LEASED_DATASET, LeasePolicy, dt_lease, held
from tmdb_lake.trusted.manifest import TableFiles, TablesManifest, TrustedManifest
from tmdb_lake.trusted.quality import DtReport, audit_findings
from tmdb_lake.trusted.tables import CONTRACT_ID, INTERMEDIATE, TABLES

if TYPE_CHECKING:
    from tmdb_lake.iceberg.sink import IcebergSink


class ParquetWriter(Protocol):
    """What staging needs of an engine: write a built relation as Parquet files."""

    def write_parquet(self, name: str, prefix: str, stem: str) -> list[WrittenFile]:
        """Write relation `name` as Parquet files `<prefix><stem>_<n>.parquet` (keys)."""
        ...


def new_build_id(now: datetime | None = None) -> str:
    """Give an id that sorts by time and never repeats."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


COPY_CONCURRENCY = 32


def is_current(
    day: DayInputs, manifest: TrustedManifest | None, sink: IcebergSink | None = None
) -> bool:
    """Tell whether a dt's trusted build matches the raw day's current manifests.

    For Iceberg tables the build must also be in the sink's catalog and namespace.
    """
    return (
        manifest is not None
        and manifest.contract_id == CONTRACT_ID
        and manifest.fingerprint() == day.fingerprint()
        and (sink is None or sink.built(manifest))
    )


async def build_dt(
    day: DayInputs,
    engine: Engine,
    storage: Storage,
    layout: TablesLayout,
    *,
    warn_only: bool,
    first_seen: dict[str, Any],
    report_key: str,
    policy: LeasePolicy,
    rebuild: bool = False,
    sink: IcebergSink | None = None,
) -> DtReport:
    """Build, check and publish every trusted table of one dt (as Iceberg snapshots with a sink)."""
    started = time.monotonic()
    dt = day.day
    report = DtReport(
        dt=dt.isoformat(),
        status="built",
        inputs=[_input_dict(i) for i in day.inputs],
        skipped_datasets=list(day.skipped),
    )
    async with dt_lease(storage, layout, dt, policy) as lease:
        stored = await storage.get(layout.manifest_key(dt))
        current = TrustedManifest.from_json(stored, layout.manifest_key(dt)) if stored else None
        if is_current(day, current, sink) and not rebuild:
            report.status = "up-to-date"  # another transform built it while this one waited
            return report
        await storage.delete(await storage.list(layout.staging_prefix(dt)))
        build_id = new_build_id()
        if sink is not None:
            await sink.begin(storage, dt, build_id, TABLES)
        try:
            audit = engine.load_sources(day.inputs)
            crash_point("loaded")
            report.unknown_fields, report.type_mismatches, report.rejected = audit_findings(
                report.dt, audit, TABLES, first_seen
            )
            for model in INTERMEDIATE:
                engine.materialize_model(model)
            for table in TABLES:
                report.tables[table.name] = engine.materialize(table.name, table.typed_sql())
            report.checks = run_checks(engine, TABLES)
            if report.failed_checks:
                report.status = "built-with-warnings" if warn_only else "failed"
                if not warn_only:
                    report.seconds = time.monotonic() - started
                    if sink is not None:
                        await sink.heal(storage, dt)
                    return report
            written: dict[str, list[WrittenFile]] = {}
            in_tables: dict[str, list[str]] = {}
            if sink is not None:
                in_tables = sink.write(engine, dt, build_id, TABLES)
            else:
                written = stage(engine, layout, dt, build_id, [t.name for t in TABLES])
            crash_point("staged")
        finally:
            engine.reset()
        draft = _draft(day, engine.name, build_id, report, report_key, lease)
        if sink is not None:
            await sink.publish(storage, lease, draft, in_tables, TABLES)
        else:
            await publish(storage, layout, lease, draft, written)
    report.seconds = time.monotonic() - started
    return report


def stage(
    engine: ParquetWriter,
    layout: TablesLayout,
    dt: date | None,
    build_id: str,
    tables: Sequence[str],
) -> dict[str, list[WrittenFile]]:
    """Write each built relation to Parquet under the build's staging folder."""
    staging = layout.staging_prefix(dt, build_id)
    return {
        name: engine.write_parquet(name, f"{staging}{name}/", f"{name}_{build_id}")
        for name in tables
    }


async def publish(
    storage: Storage,
    layout: TablesLayout,
    lease: LeaseSet,
    draft: TablesManifest,
    staged: dict[str, list[WrittenFile]],
) -> TablesManifest:
    """Publish staged files: copy them to their final keys, write the manifest, clean up.

    The copies get names no earlier build used; the manifest put is the commit point (with
    `cleanup_pending`); then what the manifest does not list goes (`finish_cleanup`).
    Shared by every zone of tables: a trusted dt, a refined dt, the refined current tables.
    """
    dt, build_id = draft.dt, draft.build_id
    finals = {
        table: [(f, layout.data_key(table, dt, build_id, n)) for n, f in enumerate(files)]
        for table, files in staged.items()
    }
    copies = (storage.copy(f.key, final) for pairs in finals.values() for f, final in pairs)
    await gather_all(copies, limit=COPY_CONCURRENCY)
    crash_point("copied", layout.zone)
    manifest = dataclasses.replace(
        draft,
        tables={
            table: TableFiles(
                sum(f.rows for f, _ in pairs), tuple((final, f.rows) for f, final in pairs)
            )
            for table, pairs in finals.items()
        },
        cleanup_pending=True,
    )
    await lease.verify()  # a command paused past its lease must not publish
    await storage.put(layout.manifest_key(dt), manifest.to_json())
    crash_point("committed", layout.zone)
    await finish_cleanup(storage, layout, manifest, lease)
    return manifest


async def finish_cleanup(
    storage: Storage, layout: TablesLayout, manifest: TablesManifest, lease: LeaseSet
) -> None:
    """Remove what the manifest does not list from its tables' folders, then mark it clean."""
    keep = manifest.keys()
    stale: list[str] = []
    for table in manifest.tables:
        prefix = layout.partition_prefix(table, manifest.dt)
        stale += [key for key in await storage.list(prefix) if key not in keep]
    if stale:
        await lease.verify()
        await storage.delete(stale)
    await storage.delete(await storage.list(layout.staging_prefix(manifest.dt)))
    crash_point("cleaned", layout.zone)
    clean = dataclasses.replace(manifest, cleanup_pending=False)
    await storage.put(layout.manifest_key(manifest.dt), clean.to_json())


async def finish_pending(
    storage: Storage,
    layout: TablesLayout,
    dt: date | None,
    partition: Partition,
    policy: LeasePolicy,
) -> None:
    """Finish the cleanup that a crash after a commit point left, under the partition's lease."""
    async with held(storage, layout, partition, policy) as lease:
        key = layout.manifest_key(dt)
        data = await storage.get(key)
        if data is not None:  # as it is now, under the lease
            manifest = TablesManifest.from_json(data, key)
            if manifest.cleanup_pending:
                await finish_cleanup(storage, layout, manifest, lease)


def _draft(
    day: DayInputs,
    engine: str,
    build_id: str,
    report: DtReport,
    report_key: str,
    lease: LeaseSet,
) -> TrustedManifest:
    """Give a dt's manifest without its tables: what every build records."""
    return TrustedManifest(
        dt=day.day,
        build_id=build_id,
        built_at=_now(),
        contract_id=CONTRACT_ID,
        engine=engine,
        inputs=tuple(report.inputs),
        tables={},
        checks=tuple(c.to_dict() for c in report.checks),
        lease_generation=lease.generations[Partition(LEASED_DATASET, day.day)],
        report_key=report_key,
        version=__version__,
    )


def _input_dict(item: Any) -> dict[str, Any]:
    return {
        "dataset": item.dataset,
        "kind": item.kind,
        "source": item.source,
        "media": item.media,
        "run_id": item.run_id,
        "manifest_key": item.manifest_key,
        "records": item.records,
        "files": len(item.files),
    }
