"""Where `refine` reads the trusted zone and writes the refined zone: Parquet or Iceberg.

`refine` (`tmdb_lake.refined.refine`) plans and builds the same units whatever the table
format; a `TableFormat` gives it what differs:

- the layouts of both zones (their manifests: the state);
- the views a unit reads: trusted tables of some dts, and refined tables as a manifest
  published them (the previous build a merge starts from, the dimensions a dated fact is
  checked against);
- the sink a unit publishes through (None: staged Parquet files and the manifest put);
- healing what a crash left, and removing a dated partition whose trusted dt is gone.

`ParquetTables` is the Parquet zones', read through exactly the files manifests list;
`tmdb_lake.refined.iceberg.IcebergTables` the Iceberg tables'.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import LeaseSet, Partition
from tmdb_lake.lake.storage import Storage
from tmdb_lake.refined.build import UnitView, files_of, table_views
from tmdb_lake.refined.tables import DATED
from tmdb_lake.trusted.build import finish_pending
from tmdb_lake.trusted.contract import TrustedTable
from tmdb_lake.trusted.lease import LEASED_DATASET, LeasePolicy
from tmdb_lake.trusted.manifest import TablesManifest
from tmdb_lake.trusted.transform import read_trusted_manifests

if TYPE_CHECKING:
    from tmdb_lake.iceberg.sink import IcebergSink

CURRENT_PARTITION = Partition("current", None)
"""The lease of the current tables: `refined/TMDB/_leases/current/all/`."""


def partition_of(dt: date | None) -> Partition:
    """Give the lease a refined unit is built under: a dt's, or the current tables'."""
    return CURRENT_PARTITION if dt is None else Partition(LEASED_DATASET, dt)


class TableFormat(Protocol):
    """What `refine` needs of a table format (see the module docstring)."""

    @property
    def trusted(self) -> TablesLayout:
        """The trusted zone's layout (its manifests: what refine reads)."""
        ...

    @property
    def refined(self) -> TablesLayout:
        """The refined zone's layout (its manifests: the refine's state)."""
        ...

    @property
    def sink(self) -> IcebergSink | None:
        """Where units publish as Iceberg snapshots (None: Parquet files)."""
        ...

    async def read_trusted(self, storage: Storage) -> dict[date, TablesManifest]:
        """Give the manifest of every trusted dt this format can read."""
        ...

    def built(self, manifest: TablesManifest) -> bool:
        """Tell whether a refined manifest records a build this format publishes to."""
        ...

    def mergeable(self, manifest: TablesManifest) -> bool:
        """Tell whether the current tables can still be read as this manifest published them."""
        ...

    def trusted_views(
        self, tables: Sequence[TrustedTable], manifests: Sequence[TablesManifest]
    ) -> tuple[UnitView, ...]:
        """Give one view per trusted table over its rows of the manifests' dts (with `dt`)."""
        ...

    def refined_views(
        self, tables: Sequence[TrustedTable], manifest: TablesManifest | None, name: str = "{}"
    ) -> tuple[UnitView, ...]:
        """Give one view per current table as `manifest` published it (none: empty)."""
        ...

    async def heal(self, storage: Storage, policy: LeasePolicy) -> None:
        """Finish or undo what a crashed refine left, under each unit's lease."""
        ...

    async def remove(self, storage: Storage, dt: date, lease: LeaseSet) -> None:
        """Remove a dated partition whose trusted dt is gone (its lease held)."""
        ...


class ParquetTables:
    """The Parquet zones: views over exactly the files manifests list."""

    trusted = TablesLayout()
    refined = TablesLayout(zone="refined")
    sink: IcebergSink | None = None

    async def read_trusted(self, storage: Storage) -> dict[date, TablesManifest]:
        """Give every trusted dt's manifest."""
        return await read_trusted_manifests(storage, self.trusted)

    def built(self, manifest: TablesManifest) -> bool:
        """Tell that a Parquet manifest is this format's (there is only one)."""
        return True

    def mergeable(self, manifest: TablesManifest) -> bool:
        """Tell that the files a manifest lists are there (cleanup keeps them)."""
        return True

    def trusted_views(
        self, tables: Sequence[TrustedTable], manifests: Sequence[TablesManifest]
    ) -> tuple[UnitView, ...]:
        """Give views over the files the trusted manifests list (`dt` from the path)."""
        return table_views(tables, manifests, dated=True)

    def refined_views(
        self, tables: Sequence[TrustedTable], manifest: TablesManifest | None, name: str = "{}"
    ) -> tuple[UnitView, ...]:
        """Give views over the files the current manifest lists."""
        return table_views(tables, [manifest], dated=False, name=name)

    async def heal(self, storage: Storage, policy: LeasePolicy) -> None:
        """Finish the cleanups a crash after a commit point left."""
        dated = await read_trusted_manifests(storage, self.refined)
        manifests: dict[date | None, TablesManifest] = {dt: m for dt, m in dated.items()}
        current = await storage.get(self.refined.manifest_key(None))
        if current is not None:
            manifests[None] = TablesManifest.from_json(current, self.refined.manifest_key(None))
        for dt, manifest in manifests.items():
            if manifest.cleanup_pending:
                await finish_pending(storage, self.refined, dt, partition_of(dt), policy)

    async def remove(self, storage: Storage, dt: date, lease: LeaseSet) -> None:
        """Remove the partition's manifest first, then its files."""
        key = self.refined.manifest_key(dt)
        data = await storage.get(key)
        manifest = TablesManifest.from_json(data, key) if data is not None else None
        await lease.verify()
        await storage.delete([key])
        keys = [k for table in DATED for k in files_of(manifest, table.name)]
        for table in DATED:
            keys += await storage.list(self.refined.partition_prefix(table.name, dt))
        await storage.delete(sorted(set(keys)))
