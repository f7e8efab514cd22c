"""Run manifests, typed, and the one way to read the raw zone: the newest manifest of a day.

A manifest is the proof that a run completed. It lists, per dataset, every file it
published, and says what kind of data that is (`snapshot`: the whole day's answer to the
run's definition; `delta`: what changed, e.g. `--changes`), under which definition, and
under which lease generation it was committed.

The reader contract, used by the CLI, the Lambda handlers, the trusted zone and any
external reader:

- the current content of `(dataset, day)` is the **newest** manifest of that day that
  lists the dataset, claims `complete: true` and does not mark it `superseded_by`;
- newest means the highest `lease_generation` (commits of one partition are serialised
  by its lease, and each commit takes a higher generation), then `finished_at`;
- the files to read are that dataset's `files[].key`; nothing else in the folder counts.

A superseded dataset is marked in its old manifest before its files are deleted, so no
current dataset ever lists a missing file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

import orjson

from tmdb_lake.errors import StorageError
from tmdb_lake.lake.layout import FileFormat, LakeLayout
from tmdb_lake.lake.storage import Storage

MANIFEST_VERSION = 2
"""Version 1 (tmdb-lake 0.1) had no kind, definition, generation or superseded marks."""

DatasetKind = Literal["snapshot", "delta"]

READ_CONCURRENCY = 32


@dataclass(frozen=True)
class ManifestFile:
    """One published file: its key, how many records and bytes it holds.

    Serialised by orjson as it is (a dataclass: its fields, in order), with no dict per
    file: a catalog's commit lists ten thousand of them, twice (manifest and intent).
    """

    key: str
    records: int
    bytes: int


@dataclass(frozen=True)
class DatasetManifest:
    """What one run published for one dataset of its day."""

    name: str
    kind: DatasetKind
    records: int
    files: tuple[ManifestFile, ...]
    definition_id: str = ""
    definition: Mapping[str, Any] = field(default_factory=dict)
    lease_generation: int = 0
    superseded_by: str | None = None
    window: Mapping[str, str] | None = None
    """For a delta: the dates it covers (`since`, `until`), both inclusive."""

    def to_dict(self) -> dict[str, Any]:
        """Serialise."""
        body: dict[str, Any] = {
            "kind": self.kind,
            "definition_id": self.definition_id,
            "definition": dict(self.definition),
            "lease_generation": self.lease_generation,
            "records": self.records,
            "files": self.files,
            "superseded_by": self.superseded_by,
        }
        if self.window is not None:
            body["window"] = dict(self.window)
        return body


@dataclass(frozen=True)
class RunManifest:
    """A run's manifest, as stored under `raw/TMDB/_runs/<YYYY>/<MM>/<DD>/<run_id>.json`."""

    run_id: str
    partition_date: date
    complete: bool
    started_at: str
    finished_at: str
    datasets: Mapping[str, DatasetManifest]
    format: FileFormat = "json"
    mode: str = "discover"
    run_key: str = ""
    counters: Mapping[str, int] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Every other field (filters, request statistics, tool version), kept as written."""

    def to_json(self) -> bytes:
        """Serialise, indented (manifests are read by people too)."""
        return orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2)

    def to_dict(self) -> dict[str, Any]:
        """Give what `to_json` writes, ready for orjson (files stay dataclasses)."""
        return {
            **self.extra,
            "manifest_version": MANIFEST_VERSION,
            "run_id": self.run_id,
            "run_key": self.run_key,
            "partition_date": self.partition_date.isoformat(),
            "mode": self.mode,
            "format": self.format,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "complete": self.complete,
            "datasets": {name: ds.to_dict() for name, ds in self.datasets.items()},
            "counters": dict(self.counters),
        }

    @classmethod
    def from_json(cls, data: bytes, key: str) -> RunManifest:
        """Read a stored manifest; a corrupt one raises `StorageError` naming `key`."""
        try:
            raw = orjson.loads(data)
            return cls.from_dict(raw)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise StorageError(f"the manifest {key} is corrupt ({_reason(exc)})") from None

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> RunManifest:
        """Build from parsed JSON, reading version 1 manifests as snapshots of generation 0."""
        if not isinstance(raw, Mapping):
            raise TypeError("not a JSON object")
        datasets: dict[str, DatasetManifest] = {}
        for name, body in dict(raw["datasets"]).items():
            files = tuple(
                ManifestFile(str(f["key"]), int(f["records"]), int(f["bytes"]))
                for f in body["files"]
            )
            kind = body.get("kind", "snapshot")
            if kind not in ("snapshot", "delta"):
                raise ValueError(f"dataset {name}: unknown kind {kind!r}")
            datasets[str(name)] = DatasetManifest(
                name=str(name),
                kind=kind,
                records=int(body["records"]),
                files=files,
                definition_id=str(body.get("definition_id", "")),
                definition=dict(body.get("definition") or {}),
                lease_generation=int(body.get("lease_generation", 0)),
                superseded_by=body.get("superseded_by"),
                window=dict(body["window"]) if isinstance(body.get("window"), Mapping) else None,
            )
        known = {
            "manifest_version",
            "run_id",
            "run_key",
            "partition_date",
            "mode",
            "format",
            "started_at",
            "finished_at",
            "complete",
            "datasets",
            "counters",
        }
        fmt = raw.get("format", "json")
        if fmt not in ("json", "jsonl"):
            raise ValueError(f"unknown format {fmt!r}")
        filters: Mapping[str, Any] = (
            raw["filters"] if isinstance(raw.get("filters"), Mapping) else {}
        )
        return cls(
            run_id=str(raw["run_id"]),
            partition_date=date.fromisoformat(str(raw["partition_date"])),
            complete=bool(raw.get("complete", False)),
            started_at=str(raw.get("started_at", "")),
            finished_at=str(raw.get("finished_at", "")),
            datasets=datasets,
            format=fmt,
            mode=str(raw.get("mode") or filters.get("mode") or "discover"),
            run_key=str(raw.get("run_key", "")),
            counters={str(k): int(v) for k, v in dict(raw.get("counters") or {}).items()},
            extra={k: v for k, v in raw.items() if k not in known},
        )

    def superseded(self, dataset: str, by_run_id: str) -> RunManifest:
        """Give this manifest with `dataset` marked as replaced by another run."""
        marked = replace(self.datasets[dataset], superseded_by=by_run_id)
        return replace(self, datasets={**self.datasets, dataset: marked})

    def is_current_for(self, dataset: str) -> bool:
        """Tell whether this manifest may be the current one for `dataset`."""
        found = self.datasets.get(dataset)
        return self.complete and found is not None and found.superseded_by is None


@dataclass(frozen=True)
class RawSnapshot:
    """The current content of one raw (dataset, day): what a downstream reader reads."""

    dataset: str
    day: date
    manifest_key: str
    manifest: RunManifest

    @property
    def run_id(self) -> str:
        """Give the id of the run that published it."""
        return self.manifest.run_id

    @property
    def content(self) -> DatasetManifest:
        """Give the dataset's part of the manifest."""
        return self.manifest.datasets[self.dataset]

    @property
    def kind(self) -> DatasetKind:
        """Tell a whole day's snapshot from a delta."""
        return self.content.kind

    @property
    def format(self) -> FileFormat:
        """Give the file format of the dataset's files."""
        return self.manifest.format

    @property
    def files(self) -> tuple[ManifestFile, ...]:
        """Give the files to read, and nothing else."""
        return self.content.files


def commit_order(manifest: RunManifest, dataset: str) -> tuple[int, str, str]:
    """Give the key that orders a day's commits of `dataset`, oldest first (see above)."""
    return (manifest.datasets[dataset].lease_generation, manifest.finished_at, manifest.run_id)


def newest_of(
    manifests: Iterable[tuple[str, RunManifest]], dataset: str
) -> tuple[str, RunManifest] | None:
    """Pick the current manifest of `dataset` among (key, manifest) pairs of one day."""
    current = [(key, m) for key, m in manifests if m.is_current_for(dataset)]
    if not current:
        return None
    return max(current, key=lambda pair: commit_order(pair[1], dataset))


def current_snapshots(manifests: Iterable[tuple[str, RunManifest]]) -> list[RawSnapshot]:
    """Pick the current content of every (dataset, day) among (key, manifest) pairs."""
    by_day: dict[date, list[tuple[str, RunManifest]]] = {}
    for key, manifest in manifests:
        by_day.setdefault(manifest.partition_date, []).append((key, manifest))
    found: list[RawSnapshot] = []
    for day in sorted(by_day):
        names = sorted({name for _, m in by_day[day] for name in m.datasets})
        for name in names:
            newest = newest_of(by_day[day], name)
            if newest is not None:
                found.append(RawSnapshot(name, day, newest[0], newest[1]))
    return found


class ManifestReader:
    """Reads the raw zone's manifests: the contract every downstream stage relies on.

    >>> reader = ManifestReader(storage)
    >>> snapshot = await reader.newest("movies", date(2024, 5, 1))
    >>> [f.key for f in snapshot.files]        # the only files that count
    """

    def __init__(self, storage: Storage, layout: LakeLayout | None = None) -> None:
        self.storage = storage
        self.layout = layout or LakeLayout()

    async def read(self, key: str) -> RunManifest | None:
        """Give the manifest stored at `key`, or None when there is none."""
        data = await self.storage.get(key)
        return None if data is None else RunManifest.from_json(data, key)

    async def day(self, day: date) -> list[tuple[str, RunManifest]]:
        """Give every manifest of one day as (key, manifest), in key order."""
        keys = [
            key
            for key in await self.storage.list(self.layout.manifest_prefix(day))
            if self.layout.parse_manifest_key(key) is not None
        ]
        return await self._read_all(keys)

    async def newest(self, dataset: str, day: date) -> RawSnapshot | None:
        """Give the current content of (dataset, day), or None when nothing is published."""
        found = newest_of(await self.day(day), dataset)
        if found is None:
            return None
        return RawSnapshot(dataset, day, found[0], found[1])

    async def days(self, dataset: str | None = None) -> list[date]:
        """Give the days that have a manifest (listing `dataset`, when one is given), sorted."""
        if dataset is None:
            keys = await self.storage.list(self.layout.manifest_prefix())
            parsed = (self.layout.parse_manifest_key(key) for key in keys)
            return sorted({found[0] for found in parsed if found is not None})
        return sorted({s.day for s in await self.snapshots() if s.dataset == dataset})

    async def snapshots(
        self, *, since: date | None = None, until: date | None = None
    ) -> list[RawSnapshot]:
        """Give the current content of every (dataset, day), in (day, dataset) order."""
        keys: list[str] = []
        for key in await self.storage.list(self.layout.manifest_prefix()):
            parsed = self.layout.parse_manifest_key(key)
            if parsed is None:
                continue
            day = parsed[0]
            if (since is None or day >= since) and (until is None or day <= until):
                keys.append(key)
        return current_snapshots(await self._read_all(keys))

    async def _read_all(self, keys: list[str]) -> list[tuple[str, RunManifest]]:
        results: list[RunManifest | None] = [None] * len(keys)
        gate = asyncio.Semaphore(READ_CONCURRENCY)

        async def read(index: int) -> None:
            async with gate:
                results[index] = await self.read(keys[index])

        await asyncio.gather(*(read(i) for i in range(len(keys))))
        return [(key, m) for key, m in zip(keys, results, strict=True) if m is not None]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return " ".join(str(exc).split())[:120] or type(exc).__name__
