"""One Iceberg snapshot per replace: the write pattern tmdb-lake owns instead of `upsert`.

A (table, dt) replace is *one* `overwrite` snapshot that removes every data file of that
partition and adds the new build's files (Iceberg's overwrite by filter, `dt = X`). The
files were already written (by DuckDB, with the table's field ids) and their statistics are
read from their Parquet footers, so the commit reads no data: it writes one manifest, one
manifest list and one metadata file, then swaps the catalog's pointer. An undated
("current") table is replaced whole the same way, in one snapshot.

pyiceberg's own `overwrite` makes two snapshots (a delete, then an append) and its `upsert`
joins the new rows against the table in memory; neither is needed when a build produces a
partition's full content.

Concurrency: the snapshot's conflict filter is the partition (`dt = X`), so a commit that
raced another process's commit of *another* dt is retried by pyiceberg on the refreshed
table; a concurrent change to the *same* dt (only possible for a writer that lost its
lease) fails the commit instead of losing data.

A crash at any point before the catalog's pointer moves leaves the previous snapshot
current: what was written for the new one (data files, manifests) is unreferenced, and
removed by the next build of the dt or by `maintain`.
"""

from __future__ import annotations

import datetime as dt_module
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tmdb_lake.errors import StorageError
from tmdb_lake.iceberg.schema import PARTITION_COLUMN
from tmdb_lake.trusted.faults import crash_point

if TYPE_CHECKING:
    from pyiceberg.expressions import BooleanExpression
    from pyiceberg.manifest import DataFile
    from pyiceberg.table import Table

BUILD_PROPERTY = "tmdb-lake.build-id"
DT_PROPERTY = "tmdb-lake.dt"


@dataclass(frozen=True)
class Replaced:
    """What one replace committed."""

    snapshot_id: int
    rows: int
    files: tuple[tuple[str, int], ...]
    """(file URL, rows) of every data file the partition now holds."""


def partition_filter(dt: dt_module.date | None) -> BooleanExpression:
    """Give the filter of one partition (`dt = X`), or of the whole table."""
    from pyiceberg.expressions import AlwaysTrue
    from pyiceberg.expressions.parser import parse

    return AlwaysTrue() if dt is None else parse(f"{PARTITION_COLUMN} = '{dt.isoformat()}'")


def live_files(table: Table, dt: dt_module.date | None) -> list[DataFile]:
    """Give the data files the current snapshot holds in a partition (or the whole table)."""
    if table.current_snapshot() is None:
        return []
    return planned_files(table, partition_filter(dt))


def planned_files(
    table: Table, row_filter: BooleanExpression, snapshot_id: int | None = None
) -> list[DataFile]:
    """Give the data files a scan (now, or at a snapshot) reads; none may have deletes."""
    tasks = table.scan(row_filter=row_filter, snapshot_id=snapshot_id).plan_files()
    if any(task.delete_files for task in tasks):
        raise StorageError(
            f"{table.name()} has delete files (another engine wrote merge-on-read deletes): "
            "tmdb-lake reads and replaces only copy-on-write tables"
        )
    return [task.file for task in tasks]


def data_files(table: Table, urls: Sequence[str]) -> list[DataFile]:
    """Describe new Parquet files for the table's metadata, from their footers."""
    from pyiceberg.io.pyarrow import parquet_file_to_data_file

    return [parquet_file_to_data_file(table.io, table.metadata, url) for url in urls]


def replace(
    table: Table,
    dt: dt_module.date | None,
    new_files: Sequence[DataFile],
    properties: dict[str, str],
    zone: str = "trusted",
) -> int:
    """Replace a partition's (or the table's) files in one snapshot; give its id.

    `zone` names the build for the crash tests' failpoint (`trusted/faults.py`).
    """
    from pyiceberg.table.snapshots import Operation

    old = live_files(table, dt)
    summary = dict(properties)
    if dt is not None:
        summary[DT_PROPERTY] = dt.isoformat()
    transaction = table.transaction()
    with transaction.update_snapshot(snapshot_properties=summary).overwrite() as snapshot:
        # The partition is the conflict filter: concurrent commits of other dts are retried.
        snapshot._isolation_operation = Operation.OVERWRITE
        snapshot.delete_by_predicate(partition_filter(dt))
        for data_file in old:
            snapshot.delete_data_file(data_file)
        for data_file in new_files:
            snapshot.append_data_file(data_file)
        snapshot_id = snapshot.snapshot_id
    crash_point("iceberg-prepared", zone)  # manifests and manifest list written, pointer not moved
    transaction.commit_transaction()
    return snapshot_id


def partition_content(table: Table, dt: dt_module.date | None) -> Replaced:
    """Give what the current snapshot holds in a partition: its files and rows."""
    files = live_files(table, dt)
    snapshot = table.current_snapshot()
    return Replaced(
        snapshot_id=snapshot.snapshot_id if snapshot else 0,
        rows=sum(f.record_count for f in files),
        files=tuple(sorted((f.file_path, f.record_count) for f in files)),
    )
