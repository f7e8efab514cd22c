"""The one place that builds or parses a lake key.

```
raw/TMDB/JSON/<dataset>/<YYYY>/<MM>/<DD>/<dataset>_<YYYYMMDD>_<run_id>_<part>.<ext>   data
raw/TMDB/_runs/<YYYY>/<MM>/<DD>/<run_id>.json                manifests, written last
raw/TMDB/_commits/<YYYY>/<MM>/<DD>/<run_id>.json             commit intents (a commit in flight)
raw/TMDB/_leases/<dataset>/<YYYY-MM-DD>/<generation>.json    partition leases
raw/TMDB/_staging/<run_key>/run.json                         the run using this key, its attempts
raw/TMDB/_staging/<run_key>/<run_id>/...                     that run's plan, checkpoints, parts
raw/TMDB/_state/<name>.json                                  incremental state
```

The zones of tables (trusted, refined) are laid out by `TablesLayout`:

```
<zone>/TMDB/PARQUET/<table>/dt=YYYY-MM-DD/<table>_<build_id>_<n>.parquet   data (zstd)
<zone>/TMDB/_manifests/dt=YYYY-MM-DD.json                                  one per dt
<zone>/TMDB/_staging/dt=YYYY-MM-DD/<build_id>/...                          a build in progress
<zone>/TMDB/_reports/YYYY/MM/DD/<transform_id>.json                        drift and quality
<zone>/TMDB/_state/<name>.json                                             e.g. fields first seen
<zone>/TMDB/_leases/tables/<YYYY-MM-DD>/<generation>.json                  a dt's lease
```

A zone may also hold *undated* tables (the refined zone's dimensions, bridges and current
facts): every method that takes a `dt` takes `None` for them, and their keys are

```
<zone>/TMDB/PARQUET/<table>/<table>_<build_id>_<n>.parquet                 data (no dt folder)
<zone>/TMDB/_manifests/current.json                                        their one manifest
<zone>/TMDB/_staging/current/<build_id>/...                                a build in progress
<zone>/TMDB/_leases/<name>/all/<generation>.json                           their lease
```

With `table_format="iceberg"` the tables are Apache Iceberg tables instead, each in its own
folder (when the catalog lets tmdb-lake choose the location: `sql`, `glue`):

```
<zone>/TMDB/ICEBERG/<table>/data/dt=YYYY-MM-DD/<build_id>/<table>_<n>.parquet   data (zstd)
<zone>/TMDB/ICEBERG/<table>/metadata/...                                       Iceberg metadata
<zone>/TMDB/ICEBERG/<table>/data/<build_id>/<table>_<n>.parquet   an undated table's data
<zone>/TMDB/ICEBERG/_manifests/dt=YYYY-MM-DD.json          one per dt (the build's state)
<zone>/TMDB/ICEBERG/_manifests/current.json                the undated tables' (refined)
<zone>/TMDB/ICEBERG/_commits/dt=YYYY-MM-DD.json            a dt's build in flight (its folders)
<zone>/TMDB/ICEBERG/_commits/current.json                  the undated tables' build in flight
_catalog/iceberg.db                                        the `sql` catalog of a local lake
```

The data keys follow the data-lake rule `<layer>/<source>/<format>/<dataset>/<YYYY>/<MM>/<DD>/`
that the original script served. The raw zone keeps the source format, so the format
folder is `JSON` for both `.json` and `.jsonl` files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

FileFormat = Literal["json", "jsonl"]
TableFormat = Literal["parquet", "iceberg"]
SQL_CATALOG_KEY = "_catalog/iceberg.db"
"""Where a local lake keeps its `sql` Iceberg catalog (SQLite), relative to the lake root."""

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_LEASE_NAME = re.compile(r"^(\d{10})\.json$")


def _segment(value: str, what: str) -> str:
    if not _SEGMENT.match(value) or ".." in value:
        raise ValueError(f"{what} {value!r} is not a safe key segment")
    return value


def _day_path(day: date) -> str:
    return f"{day:%Y/%m/%d}"


def _parse_day_path(parts: list[str]) -> date | None:
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except (ValueError, IndexError):
        return None


@dataclass(frozen=True)
class LakeLayout:
    """Builds every key tmdb-lake reads or writes, relative to the lake root."""

    layer: str = "raw"
    source: str = "TMDB"
    format_folder: str = "JSON"

    @property
    def root(self) -> str:
        """Give the prefix that every key of this layer starts with."""
        return f"{self.layer}/{self.source}/"

    # ------------------------------------------------------------------ data --

    def partition_prefix(self, dataset: str, day: date) -> str:
        """Give the folder of one dataset's day: `raw/TMDB/JSON/movies/2024/01/31/`."""
        _segment(dataset, "dataset")
        return f"{self.root}{self.format_folder}/{dataset}/{_day_path(day)}/"

    def data_key(self, dataset: str, day: date, run_id: str, part: int, fmt: FileFormat) -> str:
        """Give the key of one committed part; unique per run and part."""
        _segment(run_id, "run id")
        name = f"{dataset}_{day:%Y%m%d}_{run_id}_{part:05d}.{fmt}"
        return self.partition_prefix(dataset, day) + name

    # ------------------------------------------------------------- manifests --

    def manifest_prefix(self, day: date | None = None) -> str:
        """Give the folder of run manifests, for one day or for all."""
        base = f"{self.root}_runs/"
        return base if day is None else f"{base}{_day_path(day)}/"

    def manifest_key(self, day: date, run_id: str) -> str:
        """Give the key of one run's manifest: the proof that the run completed."""
        return f"{self.manifest_prefix(day)}{_segment(run_id, 'run id')}.json"

    def parse_manifest_key(self, key: str) -> tuple[date, str] | None:
        """Give (day, run_id) of a manifest key, or None when `key` is not one."""
        return self._parse_dated(self.manifest_prefix(), key)

    def commit_prefix(self, day: date) -> str:
        """Give the folder of a day's commit intents (commits that may be in flight)."""
        return f"{self.root}_commits/{_day_path(day)}/"

    def commit_key(self, day: date, run_id: str) -> str:
        """Give the key of a run's commit intent: its manifest-to-be and every file it publishes."""
        return f"{self.commit_prefix(day)}{_segment(run_id, 'run id')}.json"

    def parse_commit_key(self, key: str) -> tuple[date, str] | None:
        """Give (day, run_id) of a commit intent key, or None when `key` is not one."""
        return self._parse_dated(f"{self.root}_commits/", key)

    @staticmethod
    def _parse_dated(base: str, key: str) -> tuple[date, str] | None:
        if not key.startswith(base) or not key.endswith(".json"):
            return None
        parts = key[len(base) : -len(".json")].split("/")
        day = _parse_day_path(parts) if len(parts) == 4 else None
        return (day, parts[3]) if day is not None and _SEGMENT.match(parts[3]) else None

    # ---------------------------------------------------------------- leases --

    def lease_prefix(self, dataset: str, day: date | None) -> str:
        """Give the folder of one partition's lease generations (`all/` for an undated one)."""
        folder = "all" if day is None else day.isoformat()
        return f"{self.root}_leases/{_segment(dataset, 'dataset')}/{folder}/"

    def lease_key(self, dataset: str, day: date | None, generation: int) -> str:
        """Give the key of one generation of a partition's lease."""
        if generation < 1:
            raise ValueError(f"lease generations start at 1, got {generation}")
        return f"{self.lease_prefix(dataset, day)}{generation:010d}.json"

    def parse_lease_key(self, key: str) -> int | None:
        """Give the generation of a lease key, or None when `key` is not one."""
        found = _LEASE_NAME.match(key.rpartition("/")[2])
        return int(found.group(1)) if found and key.startswith(f"{self.root}_leases/") else None

    # --------------------------------------------------------------- staging --

    def staging_root(self, day: date | None = None) -> str:
        """Give the staging folder of every run, or the prefix of one day's run keys."""
        base = f"{self.root}_staging/"
        return base if day is None else f"{base}{day:%Y%m%d}-"

    def staging_prefix(self, run_key: str) -> str:
        """Give the folder of everything staged under one run key."""
        return f"{self.staging_root()}{_segment(run_key, 'run key')}/"

    def run_key_of(self, key: str) -> str | None:
        """Give the run key a staged key belongs to, or None when `key` is not staged."""
        base = self.staging_root()
        if not key.startswith(base):
            return None
        run_key = key[len(base) :].partition("/")[0]
        return run_key if _SEGMENT.match(run_key) else None

    def run_record_key(self, run_key: str) -> str:
        """Give the key that says which run uses this run key, and its attempts."""
        return self.staging_prefix(run_key) + "run.json"

    def run_staging_prefix(self, run_key: str, run_id: str) -> str:
        """Give the folder of one run's plan, checkpoints and parts."""
        return f"{self.staging_prefix(run_key)}{_segment(run_id, 'run id')}/"

    def plan_key(self, run_key: str, run_id: str) -> str:
        """Give the key of a run's plan record: every shard commit will expect."""
        return self.run_staging_prefix(run_key, run_id) + "plan.json"

    def shard_list_key(self, run_key: str, run_id: str) -> str:
        """Give the key of the plan's shards as a plain JSON array (a distributed Map's items)."""
        return self.run_staging_prefix(run_key, run_id) + "shards.json"

    def checkpoint_prefix(self, run_key: str, run_id: str) -> str:
        """Give the folder of every shard checkpoint of a run."""
        return self.run_staging_prefix(run_key, run_id) + "shards/"

    def checkpoint_key(self, run_key: str, run_id: str, shard_id: str, attempt: str) -> str:
        """Give the key of one shard's checkpoint, as written by one attempt."""
        shard = _segment(shard_id, "shard id")
        return (
            f"{self.checkpoint_prefix(run_key, run_id)}{shard}/{_segment(attempt, 'attempt')}.json"
        )

    def parse_checkpoint_key(self, run_key: str, run_id: str, key: str) -> tuple[str, str] | None:
        """Give (shard_id, attempt) of a checkpoint key, or None when `key` is not one."""
        base = self.checkpoint_prefix(run_key, run_id)
        if not key.startswith(base) or not key.endswith(".json"):
            return None
        parts = key[len(base) : -len(".json")].split("/")
        if len(parts) != 2 or not all(_SEGMENT.match(p) for p in parts):
            return None
        return parts[0], parts[1]

    def staged_shard_prefix(self, run_key: str, run_id: str, dataset: str, shard_id: str) -> str:
        """Give the folder of the parts one shard staged."""
        _segment(dataset, "dataset")
        _segment(shard_id, "shard id")
        return f"{self.run_staging_prefix(run_key, run_id)}parts/{dataset}/{shard_id}/"

    def staged_part_key(
        self,
        run_key: str,
        run_id: str,
        dataset: str,
        shard_id: str,
        attempt: str,
        seq: int,
        fmt: FileFormat,
    ) -> str:
        """Give the staging key of one part, unique per attempt: a late writer cannot clobber it."""
        prefix = self.staged_shard_prefix(run_key, run_id, dataset, shard_id)
        return f"{prefix}{_segment(attempt, 'attempt')}-{seq:06d}.{fmt}"

    def id_batch_key(self, run_key: str, run_id: str, name: str) -> str:
        """Give the key of one batch of ids (catalog or changes) that a details shard reads."""
        return f"{self.run_staging_prefix(run_key, run_id)}ids/{_segment(name, 'batch')}.json"

    # ----------------------------------------------------------------- state --

    def state_key(self, name: str) -> str:
        """Give the key of one piece of incremental state (e.g. the last changes run)."""
        return f"{self.root}_state/{_segment(name, 'state name')}.json"


@dataclass(frozen=True)
class TablesLayout:
    """Builds every key of a zone of Parquet tables (`trusted`, `refined`)."""

    zone: str = "trusted"
    source: str = "TMDB"
    table_format: TableFormat = "parquet"

    @property
    def root(self) -> str:
        """Give the prefix every key of the zone starts with."""
        return f"{self.zone}/{self.source}/"

    @property
    def format_folder(self) -> str:
        """Give the folder of the zone's tables: `PARQUET` or `ICEBERG`."""
        return self.table_format.upper()

    @property
    def leases(self) -> LakeLayout:
        """Give the layout that builds the zone's lease keys (the raw zone's lease scheme)."""
        return LakeLayout(layer=self.zone, source=self.source, format_folder="PARQUET")

    def table_prefix(self, table: str) -> str:
        """Give the folder of one table: `trusted/TMDB/PARQUET/movie/`."""
        return f"{self.root}{self.format_folder}/{_segment(table, 'table')}/"

    def partition_prefix(self, table: str, dt: date | None) -> str:
        """Give the folder of one (table, dt), hive style: `.../movie/dt=2024-05-01/`.

        An undated table (`dt` None) has its files in the table's folder itself.
        """
        base = self.table_prefix(table)
        return base if dt is None else f"{base}dt={dt.isoformat()}/"

    def data_key(self, table: str, dt: date | None, build_id: str, part: int) -> str:
        """Give the key of one published file of a (table, dt): unique per build."""
        name = f"{table}_{_segment(build_id, 'build id')}_{part}.parquet"
        return self.partition_prefix(table, dt) + name

    def manifest_prefix(self) -> str:
        """Give the folder of the per-dt manifests (each table format keeps its own)."""
        if self.table_format == "iceberg":
            return f"{self.root}ICEBERG/_manifests/"
        return f"{self.root}_manifests/"

    @staticmethod
    def iceberg_data_folder(dt: date | None, build_id: str) -> str:
        """Give the folder, under an Iceberg table's location, of one build of a dt (or whole)."""
        build = _segment(build_id, "build id")
        return f"data/{build}/" if dt is None else f"data/dt={dt.isoformat()}/{build}/"

    def commit_prefix(self) -> str:
        """Give the folder of the Iceberg builds in flight (one intent per dt, or `current`)."""
        return f"{self.root}ICEBERG/_commits/"

    def commit_key(self, dt: date | None) -> str:
        """Give the key of a dt's (or the undated tables') Iceberg build intent: its folders."""
        name = "current" if dt is None else f"dt={dt.isoformat()}"
        return f"{self.commit_prefix()}{name}.json"

    def manifest_key(self, dt: date | None) -> str:
        """Give the key of one dt's manifest (or the undated tables'): their commit point."""
        name = "current" if dt is None else f"dt={dt.isoformat()}"
        return f"{self.manifest_prefix()}{name}.json"

    def parse_manifest_key(self, key: str) -> date | None:
        """Give the dt of a manifest key, or None when `key` is not one."""
        name = key.removeprefix(self.manifest_prefix())
        if name == key or not name.startswith("dt=") or not name.endswith(".json"):
            return None
        try:
            return date.fromisoformat(name[3:-5])
        except ValueError:
            return None

    def staging_prefix(self, dt: date | None, build_id: str | None = None) -> str:
        """Give the staging folder of a dt (or of the undated tables), or of one build of it."""
        folder = "current" if dt is None else f"dt={dt.isoformat()}"
        base = f"{self.root}_staging/{folder}/"
        return base if build_id is None else f"{base}{_segment(build_id, 'build id')}/"

    def report_key(self, transform_id: str, day: date) -> str:
        """Give the key of one command's drift and quality report."""
        return f"{self.root}_reports/{day:%Y/%m/%d}/{_segment(transform_id, 'report id')}.json"

    def state_key(self, name: str) -> str:
        """Give the key of one piece of the zone's state."""
        return f"{self.root}_state/{_segment(name, 'state name')}.json"
