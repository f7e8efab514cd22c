"""`tmdb-lake maintain`: keep Iceberg tables small and fast without losing what readers need.

Per table of the zone:

1. **compact**: a partition holding two or more data files smaller than `--small-file`
   (what Spark tasks or many small commits leave) is rewritten into files of about 256 MB,
   read back through DuckDB's `iceberg_scan` and written with the table's field ids, and
   swapped in one snapshot (same rows, checked before the commit; its summary says
   `tmdb-lake.build-id: tmdb-lake.maintain`, since pyiceberg 0.12 cannot write Iceberg's
   `replace` operation), under the dt's lease so that no transform replaces the dt meanwhile;
2. **expire**: snapshots older than `--retention-days` are removed from the metadata, always
   keeping the newest `--retain-last` ones (and the current one); the manifest lists,
   manifests and data files that only expired snapshots reached are then deleted;
3. **orphans**: files under the table's location that no snapshot and no metadata file
   reaches, older than an hour (so a build in flight is never touched), are deleted: what a
   crash between writing a snapshot's manifests and its commit left.

Time travel reaches back `--retention-days` (at least `--retain-last` snapshots).
"""

from __future__ import annotations

import datetime as dt_module
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tmdb_lake.iceberg.commit import BUILD_PROPERTY, data_files, live_files, replace
from tmdb_lake.iceberg.files import delete_files, file_ages, is_under, write_data_files
from tmdb_lake.iceberg.schema import PARTITION_COLUMN, TableLike, field_ids_option
from tmdb_lake.iceberg.sink import IcebergSink
from tmdb_lake.lake.storage import Storage
from tmdb_lake.trusted.duckdb_engine import DuckDBEngine, load_extension
from tmdb_lake.trusted.lease import LeasePolicy, dt_lease
from tmdb_lake.trusted.reading import literal

if TYPE_CHECKING:
    from pyiceberg.io import FileIO
    from pyiceberg.table import Table
    from pyiceberg.table.snapshots import Snapshot

ORPHAN_MIN_AGE_S = 3600.0
COMPACTED_BY = "tmdb-lake.maintain"


@dataclass(frozen=True)
class Retention:
    """How much history to keep, and which files count as small."""

    days: float = 7.0
    keep_last: int = 1
    small_file: int = 32_000_000


@dataclass
class TableMaintenance:
    """What `maintain` did to one table."""

    table: str
    compacted: dict[str, tuple[int, int]] = field(default_factory=dict)
    """dt -> (files before, files after)."""
    expired_snapshots: int = 0
    deleted_files: int = 0
    orphans_deleted: int = 0
    snapshots_left: int = 0

    def as_dict(self) -> dict[str, object]:
        """Give the counts as JSON-ready values."""
        return {
            "table": self.table,
            "compacted": {dt: list(counts) for dt, counts in self.compacted.items()},
            "expired_snapshots": self.expired_snapshots,
            "deleted_files": self.deleted_files,
            "orphans_deleted": self.orphans_deleted,
            "snapshots_left": self.snapshots_left,
        }


async def maintain(
    storage: Storage,
    sink: IcebergSink,
    engine: DuckDBEngine,
    tables: Iterable[TableLike],
    policy: LeasePolicy,
    retention: Retention,
) -> list[TableMaintenance]:
    """Compact, expire and clean every existing table of the sink's zone."""
    load_extension(engine.db, "avro", "compacting Iceberg tables")
    load_extension(engine.db, "iceberg", "compacting Iceberg tables")
    in_flight = await sink.folders_in_flight(storage)
    done: list[TableMaintenance] = []
    for declaration in tables:
        table = sink.existing(declaration.name)
        if table is None:
            continue
        result = TableMaintenance(declaration.name)
        for dt in small_partitions(table, retention.small_file):
            async with dt_lease(storage, sink.layout, dt, policy) as lease:
                await lease.verify()
                table.refresh()
                counts = compact(engine, sink, table, declaration, dt, retention.small_file)
                if counts is not None:
                    result.compacted[dt.isoformat()] = counts
        table.refresh()
        result.expired_snapshots, result.deleted_files = expire(table, retention)
        result.orphans_deleted = remove_orphans(table, in_flight.get(declaration.name, ()))
        result.snapshots_left = len(table.refresh().metadata.snapshots)
        done.append(result)
    return done


def small_partitions(table: Table, small_file: int) -> list[dt_module.date]:
    """Give the dts holding two or more data files smaller than `small_file`."""
    small: dict[dt_module.date, int] = {}
    for data_file in live_files(table, None):
        day = getattr(data_file.partition, PARTITION_COLUMN, None)
        if day is None and len(data_file.partition) > 0:
            day = data_file.partition[0]
        if day is not None and data_file.file_size_in_bytes < small_file:
            as_date = dt_module.date(1970, 1, 1) + dt_module.timedelta(days=int(day))
            small[as_date] = small.get(as_date, 0) + 1
    return sorted(dt for dt, count in small.items() if count >= 2)


def compact(
    engine: DuckDBEngine,
    sink: IcebergSink,
    table: Table,
    declaration: TableLike,
    dt: dt_module.date,
    small_file: int,
) -> tuple[int, int] | None:
    """Rewrite one partition into big files in one snapshot; give files before and after."""
    before = live_files(table, dt)
    if sum(1 for f in before if f.file_size_in_bytes < small_file) < 2:
        return None  # a transform replaced it since we looked
    names = [f.name for f in table.schema().fields if f.name != PARTITION_COLUMN]
    build_id = f"compact-{dt_module.datetime.now(dt_module.UTC):%Y%m%dT%H%M%SZ}"
    relation = f"_compact_{declaration.name}"
    snapshot = table.current_snapshot()
    assert snapshot is not None
    engine.db.execute(
        f'CREATE OR REPLACE TEMP TABLE "{relation}" AS SELECT * FROM iceberg_scan('
        f"{literal(table.metadata_location)}, snapshot_from_id => {snapshot.snapshot_id}) "
        f"WHERE {PARTITION_COLUMN} = DATE {literal(dt.isoformat())}"
    )
    try:
        urls = write_data_files(
            engine,
            f'"{relation}"',
            names,
            sink.folder(table, dt, build_id),
            declaration.name,
            field_ids_option(table.schema(), [*names, PARTITION_COLUMN]),
            dt,
        )
    finally:
        engine.db.execute(f'DROP TABLE IF EXISTS "{relation}"')
    new = data_files(table, urls)
    if sum(f.record_count for f in new) != sum(f.record_count for f in before):
        delete_files(table.io, urls)
        raise RuntimeError(f"compacting {declaration.name} dt={dt} changed its row count")
    replace(table, dt, new, {BUILD_PROPERTY: COMPACTED_BY})
    return len(before), len(new)


def expire(table: Table, retention: Retention) -> tuple[int, int]:
    """Expire old snapshots and delete what only they reached; give (snapshots, files)."""
    snapshots = sorted(table.metadata.snapshots, key=lambda s: s.timestamp_ms)
    cutoff = dt_module.datetime.now(dt_module.UTC) - dt_module.timedelta(days=retention.days)
    cutoff_ms = int(cutoff.timestamp() * 1000)
    current = table.current_snapshot()
    keep = {s.snapshot_id for s in snapshots[-retention.keep_last :]}
    if current is not None:
        keep.add(current.snapshot_id)
    expired = [s for s in snapshots if s.timestamp_ms < cutoff_ms and s.snapshot_id not in keep]
    if not expired:
        return 0, 0
    cache: dict[str, set[str]] = {}
    kept = [s for s in snapshots if s.snapshot_id not in {e.snapshot_id for e in expired}]
    reachable_kept = reachable(table.io, kept, cache)
    reachable_expired = reachable(table.io, expired, cache)
    table.maintenance.expire_snapshots().by_ids([s.snapshot_id for s in expired]).commit()
    doomed = sorted(reachable_expired - reachable_kept)
    delete_files(table.io, doomed)
    return len(expired), len(doomed)


def reachable(io: FileIO, snapshots: Iterable[Snapshot], cache: dict[str, set[str]]) -> set[str]:
    """Give every file the snapshots reach: manifest lists, manifests, data and delete files."""
    found: set[str] = set()
    for snapshot in snapshots:
        found.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(io):
            if manifest.manifest_path not in cache:
                entries = manifest.fetch_manifest_entry(io, discard_deleted=True)
                cache[manifest.manifest_path] = {e.data_file.file_path for e in entries}
            found.add(manifest.manifest_path)
            found |= cache[manifest.manifest_path]
    return found


def remove_orphans(
    table: Table, in_flight: Iterable[str] = (), min_age_s: float = ORPHAN_MIN_AGE_S
) -> int:
    """Delete old files under the table's location that nothing reaches; give how many.

    Files in the folders of a build in flight (`in_flight`, from the intents) are kept.
    """
    metadata = table.metadata
    known = reachable(table.io, metadata.snapshots, {})
    known.add(table.metadata_location)
    known |= {entry.metadata_file for entry in metadata.metadata_log}
    known |= {s.statistics_path for s in metadata.statistics}
    known_paths = {_normal(k) for k in known}
    busy = tuple(in_flight)
    orphans = [
        url
        for url, age in file_ages(table.io, table.location()).items()
        if age >= min_age_s
        and _normal(url) not in known_paths
        and not any(is_under(url, folder) for folder in busy)
    ]
    delete_files(table.io, sorted(orphans))
    return len(orphans)


def _normal(url: str) -> str:
    return url.removeprefix("file://")
