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
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from datetime import UTC, date, datetime
from typing import Any

from tmdb_lake import __version__
from tmdb_lake.lake.commit import bounded_gather
from tmdb_lake.lake.storage import Storage
from tmdb_lake.trusted.checks import run_checks
from tmdb_lake.trusted.engine import Engine, WrittenFile
from tmdb_lake.trusted.faults import crash_point
from tmdb_lake.trusted.inputs import DayInputs
from tmdb_lake.trusted.lease import dt_lease
from tmdb_lake.trusted.manifest import TableFiles, TrustedLayout, TrustedManifest
from tmdb_lake.trusted.quality import DtReport, audit_findings
from tmdb_lake.trusted.tables import CONTRACT_ID, INTERMEDIATE, TABLES


def new_build_id(now: datetime | None = None) -> str:
    """Give an id that sorts by time and never repeats."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _final_key(layout: TrustedLayout, staged: str, table: str, dt: date) -> str:
    return layout.partition_prefix(table, dt) + staged.rsplit("/", 1)[1]


async def build_dt(
    day: DayInputs,
    engine: Engine,
    storage: Storage,
    layout: TrustedLayout,
    *,
    warn_only: bool,
    first_seen: dict[str, Any],
    report_key: str,
) -> DtReport:
    """Build, check and publish every trusted table of one dt."""
    started = time.monotonic()
    dt = day.day
    report = DtReport(
        dt=dt.isoformat(),
        status="built",
        inputs=[_input_dict(i) for i in day.inputs],
        skipped_datasets=list(day.skipped),
    )
    async with dt_lease(storage, dt) as lease:
        await storage.delete(await storage.list(layout.staging_prefix(dt)))
        build_id = new_build_id()
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
                    return report
            written: dict[str, list[WrittenFile]] = {}
            for table in TABLES:
                prefix = f"{layout.staging_prefix(dt, build_id)}{table.name}/"
                written[table.name] = engine.write_parquet(
                    table.name, prefix, f"{table.name}_{build_id}"
                )
            crash_point("staged")
        finally:
            engine.reset()
        copies = [
            storage.copy(f.key, _final_key(layout, f.key, table, dt))
            for table, files in written.items()
            for f in files
        ]
        await bounded_gather(copies)
        crash_point("copied")
        manifest = TrustedManifest(
            dt=dt,
            build_id=build_id,
            built_at=_now(),
            contract_id=CONTRACT_ID,
            engine=engine.name,
            inputs=tuple(report.inputs),
            tables={
                table: TableFiles(
                    sum(f.rows for f in files),
                    tuple((_final_key(layout, f.key, table, dt), f.rows) for f in files),
                )
                for table, files in written.items()
            },
            checks=tuple(c.to_dict() for c in report.checks),
            lease_generation=lease.generation,
            cleanup_pending=True,
            report_key=report_key,
            version=__version__,
        )
        await storage.put(layout.manifest_key(dt), manifest.to_json())
        crash_point("committed")
        await finish_cleanup(storage, layout, manifest)
    report.seconds = time.monotonic() - started
    return report


async def finish_cleanup(
    storage: Storage, layout: TrustedLayout, manifest: TrustedManifest
) -> None:
    """Remove what the manifest does not list from its partition folders, then mark it clean."""
    keep = manifest.keys()
    stale: list[str] = []
    for table in TABLES:
        prefix = layout.partition_prefix(table.name, manifest.dt)
        stale += [key for key in await storage.list(prefix) if key not in keep]
    if stale:
        await storage.delete(stale)
    await storage.delete(await storage.list(layout.staging_prefix(manifest.dt)))
    crash_point("cleaned")
    clean = dataclasses.replace(manifest, cleanup_pending=False)
    await storage.put(layout.manifest_key(manifest.dt), clean.to_json())


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
