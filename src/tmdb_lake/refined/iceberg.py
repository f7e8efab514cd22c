"""`refine --table-format iceberg`: the trusted zone's Iceberg tables in, Iceberg tables out.

**Reading the trusted zone.** Its state is the trusted Iceberg manifests
(`trusted/TMDB/ICEBERG/_manifests/dt=<dt>.json`: the dt's build id and each table's
snapshot), never a folder listing. A dt's rows of a table are read with DuckDB's
`iceberg_scan`, filtered on `dt`, at a snapshot, not from the files the manifest lists:
`maintain` compacts a partition into new files and expires the snapshots (and deletes the
files) of the build, so those files may be gone while the rows are the same. Which
snapshot: the table's current one, pinned once per refine, when no build of that dt other
than the manifest's (compactions aside, which keep the rows) replaced it since; else (a
transform of the dt in flight, or crashed before its manifest) the snapshot the manifest
names, still in the table's history, so the rows are exactly the manifest's build. Reading
the current snapshot lets one scan serve every dt of a table.

**Reading the refined zone** (the previous build a merge starts from, `previous_<table>`,
and the dimensions a dated fact is checked against): each current table at the snapshot
`refined/TMDB/ICEBERG/_manifests/current.json` names, so the tables are read as that one
build published them, even after a crash left some of them on a newer snapshot. When such
a snapshot is gone (expired by `maintain`), the current tables are rebuilt in full.

**Writing**: through `IcebergSink`, in namespace `<prefix>_refined`: one snapshot per dt
of `fact_title_snapshot` (partitioned by `dt`, identity) under the dt's lease, and each
current table (unpartitioned) replaced whole in one snapshot under the `current/all` lease.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from tmdb_lake.errors import ConfigError, StorageError
from tmdb_lake.iceberg.commit import (
    BUILD_PROPERTY,
    DT_PROPERTY,
    live_files,
    planned_files,
    replace,
)
from tmdb_lake.iceberg.maintain import COMPACTED_BY
from tmdb_lake.iceberg.reading import empty_select, scan_select
from tmdb_lake.iceberg.schema import PARTITION_COLUMN, TableLike
from tmdb_lake.iceberg.sink import IcebergSink
from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import LeaseSet
from tmdb_lake.lake.storage import Storage
from tmdb_lake.refined.build import UnitView
from tmdb_lake.refined.engine import RefinedEngine
from tmdb_lake.refined.formats import partition_of
from tmdb_lake.refined.tables import DATED, SOURCES
from tmdb_lake.trusted.contract import TrustedTable
from tmdb_lake.trusted.duckdb_engine import DuckDBEngine, load_extension
from tmdb_lake.trusted.lease import LeasePolicy, held
from tmdb_lake.trusted.manifest import TablesManifest
from tmdb_lake.trusted.transform import read_trusted_manifests

if TYPE_CHECKING:
    from pyiceberg.table import Table

REMOVED_BY = "tmdb-lake.refine-remove"
"""The build id in the summary of a snapshot that removed a dated partition."""


@dataclass(frozen=True)
class IcebergView:
    """A view a unit reads: an Iceberg table's rows at snapshots (some dts, or all)."""

    name: str
    declaration: TableLike
    dated: bool
    table: Table | None
    reads: tuple[tuple[int, tuple[date, ...] | None], ...]
    """(snapshot id, the dts read there, or None for every row); none: an empty view."""
    sink: IcebergSink

    def create(self, engine: RefinedEngine) -> None:
        """Make the view: a UNION ALL of `iceberg_scan`s, or no rows with the columns.

        On Spark (no Iceberg runtime needed): a view over the data files pyiceberg plans
        at those snapshots, their columns matched by name.
        """
        if not isinstance(engine, DuckDBEngine):
            from tmdb_lake.trusted.spark_engine import SparkRelations

            if not isinstance(engine, SparkRelations):
                raise ConfigError(f"refine --table-format iceberg cannot read on {engine.name}")
            urls = data_file_urls(self.table, self.reads) if self.table is not None else []
            engine.view_data_files(self.name, self.declaration.columns, urls, dated=self.dated)
            return
        if self.table is None or not self.reads:
            engine.view_sql(self.name, empty_select(self.declaration, self.dated))
            return
        load_extension(engine.db, "avro", "reading Iceberg tables")
        load_extension(engine.db, "iceberg", "reading Iceberg tables")
        self.sink.reachable(engine, self.table)
        selects = [
            scan_select(self.table, snapshot, self.declaration, self.dated, _dt_filter(dts))
            for snapshot, dts in self.reads
        ]
        engine.view_sql(self.name, "\nUNION ALL\n".join(selects))


@dataclass
class IcebergTables:
    """The Iceberg zones of one catalog (`tmdb_lake.refined.formats.TableFormat`)."""

    source: IcebergSink
    """The trusted zone's tables (read only)."""
    target: IcebergSink
    """The refined zone's tables."""
    _pinned: dict[str, Table] = field(default_factory=dict)

    @property
    def trusted(self) -> TablesLayout:
        """The trusted zone's Iceberg layout."""
        return self.source.layout

    @property
    def refined(self) -> TablesLayout:
        """The refined zone's Iceberg layout."""
        return self.target.layout

    @property
    def sink(self) -> IcebergSink:
        """The refined zone's sink: units publish through it."""
        return self.target

    async def read_trusted(self, storage: Storage) -> dict[date, TablesManifest]:
        """Give the trusted dts built into this catalog; pin the trusted tables as they are now."""
        found = await read_trusted_manifests(storage, self.trusted)
        self._pinned = {}
        for name in SOURCES:
            table = self.source.existing(name)
            if table is not None and table.current_snapshot() is not None:
                self._pinned[name] = table
        return {dt: m for dt, m in found.items() if self.source.built(m)}

    def built(self, manifest: TablesManifest) -> bool:
        """Tell whether a refined manifest records a build into this catalog and namespace."""
        return self.target.built(manifest)

    def mergeable(self, manifest: TablesManifest) -> bool:
        """Tell whether every snapshot the current manifest names is still in its table."""
        for name, snapshot_id in self.target.snapshots(manifest).items():
            table = self.target.existing(name)
            if table is None or table.snapshot_by_id(snapshot_id) is None:
                return False
        return True

    def trusted_views(
        self, tables: Sequence[TrustedTable], manifests: Sequence[TablesManifest]
    ) -> tuple[UnitView, ...]:
        """Give one view per trusted table over its rows of the manifests' dts."""
        views = []
        for declaration in tables:
            table = self._pinned.get(declaration.name)
            reads: tuple[tuple[int, tuple[date, ...] | None], ...] = ()
            if table is not None:
                reads = read_plan(table, declaration.name, manifests, self.source)
            views.append(
                IcebergView(declaration.name, declaration, True, table, reads, self.source)
            )
        return tuple(views)

    def refined_views(
        self, tables: Sequence[TrustedTable], manifest: TablesManifest | None, name: str = "{}"
    ) -> tuple[UnitView, ...]:
        """Give one view per current table at the snapshot `manifest` names (none: empty)."""
        named = self.target.snapshots(manifest)
        views = []
        for declaration in tables:
            snapshot_id = named.get(declaration.name)
            table = self.target.existing(declaration.name) if snapshot_id is not None else None
            reads = ((snapshot_id, None),) if table is not None and snapshot_id else ()
            view_name = name.format(declaration.name)
            views.append(IcebergView(view_name, declaration, False, table, reads, self.target))
        return tuple(views)

    async def heal(self, storage: Storage, policy: LeasePolicy) -> None:
        """Remove the uncommitted files of every crashed refined build, under its lease."""
        for dt in await self.target.intents(storage):
            async with held(storage, self.refined, partition_of(dt), policy):
                await self.target.heal(storage, dt)

    async def remove(self, storage: Storage, dt: date, lease: LeaseSet) -> None:
        """Remove the dt's partition in one snapshot per table, then its manifest.

        In that order: a crash in between leaves the manifest, so the next refine removes
        the partition again (a no-op) and then the manifest.
        """
        for declaration in DATED:
            table = self.target.existing(declaration.name)
            if table is not None and live_files(table, dt):
                await lease.verify()
                replace(table, dt, [], {BUILD_PROPERTY: REMOVED_BY}, self.refined.zone)
        await lease.verify()
        await storage.delete([self.refined.manifest_key(dt)])


def read_plan(
    table: Table, name: str, manifests: Sequence[TablesManifest], sink: IcebergSink
) -> tuple[tuple[int, tuple[date, ...] | None], ...]:
    """Give, per snapshot to read, the dts whose rows are the manifests' builds there.

    One walk of the current snapshot's ancestry finds, per dt, the newest snapshot that
    replaced it with a build (compactions keep the rows): the manifest's build, or none
    left in the history (expired: the manifest is all there is to go by), means the
    current snapshot holds the manifest's rows; another build means the manifest's own
    snapshot must be read.
    """
    from pyiceberg.table.snapshots import ancestors_of

    current = table.current_snapshot()
    assert current is not None
    newest: dict[str, str] = {}
    for snapshot in ancestors_of(current, table.metadata):
        summary = snapshot.summary
        day = summary.get(DT_PROPERTY) if summary is not None else None
        build = summary.get(BUILD_PROPERTY) if summary is not None else None
        if day is not None and build is not None and build != COMPACTED_BY:
            newest.setdefault(day, build)
    by_snapshot: dict[int, list[date]] = {}
    for manifest in manifests:
        assert manifest.dt is not None
        build = newest.get(manifest.dt.isoformat())
        snapshot_id = current.snapshot_id
        if build is not None and build != manifest.build_id:
            snapshot_id = sink.snapshots(manifest).get(name, 0)
            if table.snapshot_by_id(snapshot_id) is None:
                raise StorageError(
                    f"trusted {name} dt={manifest.dt} holds another build than its manifest "
                    f"names ({manifest.build_id}), whose snapshot is gone: run transform "
                    "--table-format iceberg, then refine"
                )
        by_snapshot.setdefault(snapshot_id, []).append(manifest.dt)
    return tuple((s, tuple(sorted(dts))) for s, dts in sorted(by_snapshot.items()))


def data_file_urls(table: Table, reads: Sequence[tuple[int, tuple[date, ...] | None]]) -> list[str]:
    """Give the data files that hold the rows of `reads` (snapshot, dts or all), in order."""
    from pyiceberg.expressions import AlwaysTrue
    from pyiceberg.expressions.parser import parse

    urls: set[str] = set()
    for snapshot_id, dts in reads:
        listed = ", ".join(f"'{d.isoformat()}'" for d in dts or ())
        where = AlwaysTrue() if dts is None else parse(f"{PARTITION_COLUMN} IN ({listed})")
        urls.update(f.file_path for f in planned_files(table, where, snapshot_id))
    return sorted(urls)


def _dt_filter(dts: tuple[date, ...] | None) -> str:
    if dts is None:
        return ""
    listed = ", ".join(f"DATE '{dt.isoformat()}'" for dt in dts)
    return f"{PARTITION_COLUMN} IN ({listed})"
