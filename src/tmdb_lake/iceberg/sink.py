"""Publishing a built dt as Iceberg snapshots, under the dt's lease.

For `--table-format iceberg` the build (`trusted/build.py`) runs as for Parquet up to the
checks, then hands its relations to this sink:

1. `begin`: heal what a crashed build of this dt left (its intent), then write this
   build's intent, `ICEBERG/_commits/dt=<dt>.json`, naming the folder it will write in
   each table (`<table location>/data/dt=<dt>/<build_id>/`);
2. `write`: the engine writes each table's rows of the dt (plus `dt`) into its folder:
   DuckDB with the table's field ids, Spark without (`spark_files.py`: readers use the
   table's name mapping); the tables are created, or evolved to the contract, first;
3. `publish`: per table, one snapshot replacing the dt's partition (`commit.replace`),
   after checking the lease; then the dt's manifest (`ICEBERG/_manifests/dt=<dt>.json`:
   the incremental state, and the snapshot id and files of each table); then the intent
   is deleted.

A crash before a table's commit leaves that table's previous snapshot current; healing
deletes the folders of the tables whose commit did not land (the files are referenced by
no snapshot). The dt's manifest is written after every table's commit, so a build that
stopped part-way is stale and rebuilt by the next transform. Iceberg readers see each
table switch atomically; the 16 tables of a dt switch one after the other, within the
time of their commits (Iceberg has no multi-table commit in these catalogs).

The refined zone publishes through the same sink (`refined/build.py`): each dt of its
dated facts as above, and its current (undated, unpartitioned) tables with `dt` None: the
intent is `ICEBERG/_commits/current.json`, the folders `<table location>/data/<build_id>/`,
each table replaced whole in one snapshot, then `ICEBERG/_manifests/current.json`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt_module
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from tmdb_lake.errors import ConfigError
from tmdb_lake.iceberg.catalog import CatalogConfig
from tmdb_lake.iceberg.commit import BUILD_PROPERTY, data_files, live_files, replace
from tmdb_lake.iceberg.files import (
    allow_s3,
    delete_files,
    is_under,
    list_folder,
    write_data_files,
)
from tmdb_lake.iceberg.schema import (
    PARTITION_COLUMN,
    TableLike,
    ensure_table,
    field_ids_option,
)
from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import LeaseSet
from tmdb_lake.lake.storage import Storage
from tmdb_lake.refined.engine import RefinedEngine
from tmdb_lake.trusted.duckdb_engine import DuckDBEngine
from tmdb_lake.trusted.engine import Engine
from tmdb_lake.trusted.faults import crash_point
from tmdb_lake.trusted.manifest import TableFiles, TrustedManifest

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table


@dataclasses.dataclass
class IcebergSink:
    """The Iceberg tables of one zone, in one catalog.

    >>> sink = IcebergSink(catalog, config, TablesLayout("trusted", table_format="iceberg"))
    >>> await sink.begin(storage, dt, build_id, TABLES)
    """

    catalog: Catalog
    config: CatalogConfig
    layout: TablesLayout
    name: str = "iceberg"
    _tables: dict[str, Table] = dataclasses.field(default_factory=dict)
    _reachable: set[str] = dataclasses.field(default_factory=set)

    @property
    def namespace(self) -> str:
        """Give the zone's namespace in the catalog."""
        return self.config.namespace(self.layout.zone)

    def zone(self, zone: str) -> IcebergSink:
        """Give the sink of another zone's tables, in the same catalog."""
        return IcebergSink(self.catalog, self.config, TablesLayout(zone, table_format="iceberg"))

    def table(self, declaration: TableLike, *, dated: bool = True) -> Table:
        """Give the catalog's table for a declaration (created or evolved on first use)."""
        found = self._tables.get(declaration.name)
        if found is None:
            location = None
            if not self.config.chooses_location:
                folder = self.layout.table_prefix(declaration.name).rstrip("/")
                location = self.config.lake_url(folder)
            found = ensure_table(self.catalog, self.namespace, declaration, location, dated=dated)
            self._tables[declaration.name] = found
        return found

    def forget(self) -> None:
        """Drop the cached tables (a new contract, another process's commits)."""
        self._tables.clear()

    def folder(self, table: Table, dt: dt_module.date | None, build_id: str) -> str:
        """Give the folder one build writes a dt of a table (or an undated table) to."""
        return f"{table.location().rstrip('/')}/{self.layout.iceberg_data_folder(dt, build_id)}"

    async def begin(
        self,
        storage: Storage,
        dt: dt_module.date | None,
        build_id: str,
        tables: Sequence[TableLike],
    ) -> None:
        """Heal a crashed build of `dt`, then record this build's folders (under the lease).

        `dt` None: the zone's undated tables (the refined current tables), unpartitioned.
        """
        await self.heal(storage, dt)
        dated = dt is not None
        folders = {t.name: self.folder(self.table(t, dated=dated), dt, build_id) for t in tables}
        day = dt.isoformat() if dt is not None else None
        intent = {"dt": day, "build_id": build_id, "folders": folders}
        await storage.put(self.layout.commit_key(dt), orjson.dumps(intent))

    def write(
        self,
        engine: Engine | RefinedEngine,
        dt: dt_module.date | None,
        build_id: str,
        tables: Sequence[TableLike],
    ) -> dict[str, list[str]]:
        """Write each built relation of the dt into its table's build folder; give file URLs.

        DuckDB writes the files with the table's field ids; Spark without them, read
        through the table's name mapping (`tmdb_lake.iceberg.spark_files`).
        """
        written: dict[str, list[str]] = {}
        for declaration in tables:
            table = self.table(declaration, dated=dt is not None)
            folder = self.folder(table, dt, build_id)
            if not isinstance(engine, DuckDBEngine):
                from tmdb_lake.iceberg.spark_files import write_spark_data_files
                from tmdb_lake.trusted.spark_engine import SparkRelations

                if not isinstance(engine, SparkRelations):
                    raise ConfigError(f"--table-format iceberg cannot write from {engine.name}")
                written[declaration.name] = write_spark_data_files(
                    engine, declaration.name, declaration.columns, folder, declaration.name, dt
                )
                continue
            self.reachable(engine, table)
            names = [c.name for c in declaration.columns]
            with_dt = [*names, PARTITION_COLUMN] if dt is not None else names
            field_ids = field_ids_option(table.schema(), with_dt)
            written[declaration.name] = write_data_files(
                engine, declaration.name, names, folder, declaration.name, field_ids, dt
            )
        return written

    def reachable(self, engine: DuckDBEngine, table: Table) -> None:
        """Let DuckDB read and write the table's bucket (once per location; no-op locally)."""
        if table.location() not in self._reachable:
            allow_s3(engine, table.location(), self.config.s3)
            self._reachable.add(table.location())

    async def publish(
        self,
        storage: Storage,
        lease: LeaseSet,
        draft: TrustedManifest,
        written: dict[str, list[str]],
        tables: Sequence[TableLike],
    ) -> TrustedManifest:
        """Commit one snapshot per table, then the dt's manifest; give the manifest.

        A dated build replaces each table's `dt` partition; an undated one (`draft.dt`
        None) each whole table.
        """
        zone = self.layout.zone
        content: dict[str, TableFiles] = {}
        snapshots: dict[str, int] = {}
        for declaration in tables:
            table = self.table(declaration)
            await lease.verify()  # a transform paused past its lease must not publish
            new = data_files(table, written[declaration.name])
            properties = {BUILD_PROPERTY: draft.build_id}
            snapshots[declaration.name] = replace(table, draft.dt, new, properties, zone)
            crash_point("iceberg-committed", zone)
            files = tuple((f.file_path, f.record_count) for f in new)
            content[declaration.name] = TableFiles(sum(r for _, r in files), files)
        manifest = dataclasses.replace(
            draft,
            tables=content,
            cleanup_pending=False,
            extra={**draft.extra, **self.describe(snapshots)},
        )
        await lease.verify()
        await storage.put(self.layout.manifest_key(draft.dt), manifest.to_json())
        crash_point("committed", zone)
        await storage.delete([self.layout.commit_key(draft.dt)])
        return manifest

    def built(self, manifest: TrustedManifest) -> bool:
        """Tell whether a dt's manifest records a build into this catalog and namespace."""
        extra = manifest.extra
        return extra.get("catalog") == self.config.kind and extra.get("namespace") == (
            self.namespace
        )

    def describe(self, snapshots: dict[str, int]) -> dict[str, Any]:
        """Give what a manifest records of the Iceberg side of a build."""
        return {
            "table_format": "iceberg",
            "catalog": self.config.kind,
            "namespace": self.namespace,
            "snapshots": snapshots,
        }

    def snapshots(self, manifest: TrustedManifest | None) -> dict[str, int]:
        """Give the snapshot of each table a manifest of this sink's names (else none)."""
        if manifest is None or not self.built(manifest):
            return {}
        return {str(k): int(v) for k, v in manifest.extra.get("snapshots", {}).items()}

    async def heal(self, storage: Storage, dt: dt_module.date | None) -> bool:
        """Remove the uncommitted folders a crashed build of `dt` left; tell if there was one.

        Call it under the dt's lease. A table's folder is kept when the table's current
        snapshot holds files from it (that commit landed), else its files are deleted.
        """
        key = self.layout.commit_key(dt)
        data = await storage.get(key)
        if data is None:
            return False
        intent = orjson.loads(data)
        for name, folder in intent["folders"].items():
            table = self.existing(name)
            if table is None:
                continue
            if any(is_under(f.file_path, folder) for f in live_files(table, dt)):
                continue
            delete_files(table.io, list_folder(table.io, folder))
        await storage.delete([key])
        return True

    def existing(self, name: str) -> Table | None:
        """Give a table of the zone as the catalog has it now, or None when there is none."""
        from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError

        try:
            return self.catalog.load_table((self.namespace, name))
        except (NoSuchTableError, NoSuchNamespaceError):
            return None

    async def folders_in_flight(self, storage: Storage) -> dict[str, list[str]]:
        """Give, per table, the folders that builds in flight (their intents) are writing."""
        folders: dict[str, list[str]] = {}
        for dt in await self.intents(storage):
            data = await storage.get(self.layout.commit_key(dt))
            for name, folder in (orjson.loads(data)["folders"] if data else {}).items():
                folders.setdefault(name, []).append(folder)
        return folders

    async def intents(self, storage: Storage) -> list[dt_module.date | None]:
        """Give the dts (None: the undated tables) whose build intent is still there."""
        found: list[dt_module.date | None] = []
        for key in await storage.list(self.layout.commit_prefix()):
            name = key.rpartition("/")[2]
            if name == "current.json":
                found.append(None)
            elif name.startswith("dt=") and name.endswith(".json"):
                found.append(dt_module.date.fromisoformat(name[3:-5]))
        return found
