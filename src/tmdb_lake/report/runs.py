"""The raw zone's runs, as the lake shows them: one row per run and dataset of its day.

- a run **manifest** (`_runs/`) is a committed run: `ok`, or `resumed` when more than one
  attempt made it (`attempts` in the manifest), and per dataset `superseded` once a later
  run replaced that day (`datasets.<name>.superseded_by`);
- a **commit intent** (`_commits/`) without its manifest is a commit that stopped
  half-way (the next run of the day finishes or rolls it back);
- a **run record** (`_staging/<run_key>/run.json`) without a manifest is a run that
  started and has not committed.

The last two are `running` while a lease of the run's day is held by that run and not
expired, else `failed` (the next run with the same parameters resumes it).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from tmdb_lake.concurrency import gather_all
from tmdb_lake.lake.commit import CommitIntent
from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.lease import LeaseRecord
from tmdb_lake.lake.manifest import ManifestReader, RunManifest, commit_order
from tmdb_lake.lake.staging import RunRecord
from tmdb_lake.lake.storage import Storage

Status = Literal["ok", "resumed", "superseded", "failed", "running"]
STATUSES: tuple[Status, ...] = ("ok", "resumed", "superseded", "failed", "running")
READ_CONCURRENCY = 16
UNCOMMITTED = sys.maxsize


@dataclass(frozen=True)
class RunRow:
    """One run's part in one dataset's day."""

    day: date
    dataset: str
    run_id: str
    mode: str
    status: Status
    records: int | None
    requests: int | None
    retries: int | None
    rate_limited: int | None
    seconds: float | None
    key: str
    """The lake file that shows it: the manifest, the commit intent or the run record."""
    note: str = ""
    order: tuple[int, str, str] = (UNCOMMITTED, "", "")
    """Its place among the day's commits (`commit_order`); runs without a manifest last."""


def _seconds(started: str, finished: str) -> float | None:
    try:
        span = datetime.fromisoformat(finished) - datetime.fromisoformat(started)
    except ValueError:
        return None
    return round(span.total_seconds(), 1)


def _requests(manifest: RunManifest) -> dict[str, Any]:
    stats = manifest.extra.get("requests")
    return stats if isinstance(stats, dict) else {}


def manifest_rows(key: str, manifest: RunManifest) -> list[RunRow]:
    """Give the rows of one committed run's manifest."""
    stats = _requests(manifest)
    attempts = manifest.extra.get("attempts")
    resumed = isinstance(attempts, int) and attempts > 1
    rows = []
    for name, content in manifest.datasets.items():
        status: Status = "resumed" if resumed else "ok"
        note = f"{attempts} attempts" if resumed else ""
        if not manifest.complete:
            status, note = "failed", "manifest not complete"
        elif content.superseded_by is not None:
            status, note = "superseded", f"replaced by {content.superseded_by}"
        rows.append(
            RunRow(
                day=manifest.partition_date,
                dataset=name,
                run_id=manifest.run_id,
                mode=manifest.mode,
                status=status,
                records=content.records,
                requests=_int(stats.get("requests")),
                retries=_int(stats.get("retries")),
                rate_limited=_int(stats.get("rate_limited")),
                seconds=_seconds(manifest.started_at, manifest.finished_at),
                key=key,
                note=note,
                order=commit_order(manifest, name),
            )
        )
    return rows


def _is_run_record(layout: LakeLayout, key: str) -> bool:
    run_key = layout.run_key_of(key)
    return run_key is not None and key == layout.run_record_key(run_key)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) else None


@dataclass(frozen=True)
class Unfinished:
    """A run that has no manifest: its day, datasets, and the file that shows it."""

    day: date
    run_id: str
    run_key: str
    mode: str
    datasets: tuple[str, ...]
    key: str
    note: str
    records: dict[str, int] | None = None
    """Per dataset, when the lake says (a commit intent's manifest-to-be)."""


class RunsReader:
    """Reads every run the raw zone shows, committed or not."""

    def __init__(self, storage: Storage, layout: LakeLayout | None = None) -> None:
        self.storage = storage
        self.layout = layout or LakeLayout()
        self.manifests = ManifestReader(storage, self.layout)

    async def committed(self) -> list[tuple[str, RunManifest]]:
        """Give every stored manifest as (key, manifest), in key order."""
        days = await self.manifests.days()
        per_day = await gather_all(
            (self.manifests.day(day) for day in days), limit=READ_CONCURRENCY
        )
        return [pair for pairs in per_day for pair in pairs]

    async def unfinished(self, committed_ids: set[str]) -> list[Unfinished]:
        """Give the runs without a manifest: interrupted commits, then staged runs."""
        found: dict[str, Unfinished] = {}
        intent_keys = [
            key
            for key in await self.storage.list(f"{self.layout.root}_commits/")
            if self.layout.parse_commit_key(key) is not None
        ]
        for key, data in zip(intent_keys, await self._read(intent_keys), strict=True):
            if data is None:
                continue
            intent = CommitIntent.from_json(data, key)
            manifest = intent.manifest
            if manifest.run_id in committed_ids:
                continue
            found[manifest.run_id] = Unfinished(
                manifest.partition_date,
                manifest.run_id,
                intent.run_key,
                manifest.mode,
                tuple(manifest.datasets),
                key,
                "commit interrupted",
                {name: d.records for name, d in manifest.datasets.items()},
            )
        record_keys = [
            key
            for key in await self.storage.list(self.layout.staging_root())
            if _is_run_record(self.layout, key)
        ]
        for key, data in zip(record_keys, await self._read(record_keys), strict=True):
            if data is None:
                continue
            record = RunRecord.from_json(data, key)
            if record.run_id in committed_ids or record.run_id in found:
                continue
            mode = record.run_key.split("-")[1] if record.run_key.count("-") >= 2 else ""
            found[record.run_id] = Unfinished(
                record.day,
                record.run_id,
                record.run_key,
                mode,
                record.datasets,
                key,
                f"staged, not committed ({len(record.attempts)} attempts)",
            )
        return sorted(found.values(), key=lambda u: (u.day, u.run_id))

    async def holds_a_lease(self, run: Unfinished, now: float) -> bool:
        """Tell whether the run still holds a live lease on one of its partitions."""
        for dataset in run.datasets:
            keys = await self.storage.list(self.layout.lease_prefix(dataset, run.day))
            generations = [k for k in keys if self.layout.parse_lease_key(k) is not None]
            data = await self.storage.get(max(generations)) if generations else None
            if data is None:
                continue
            lease = LeaseRecord.from_json(data)
            if lease.holder.run_id == run.run_id and not lease.is_free(now):
                return True
        return False

    async def _read(self, keys: Sequence[str]) -> list[bytes | None]:
        return await gather_all((self.storage.get(key) for key in keys), limit=READ_CONCURRENCY)

    async def rows(self) -> tuple[list[RunRow], list[tuple[str, RunManifest]]]:
        """Give every run row, oldest day first, then in commit order, and the manifests."""
        committed = await self.committed()
        rows = [row for key, manifest in committed for row in manifest_rows(key, manifest)]
        now = time.time()
        for run in await self.unfinished({m.run_id for _, m in committed}):
            status: Status = "running" if await self.holds_a_lease(run, now) else "failed"
            records = run.records or {}
            rows += [
                RunRow(run.day, name, run.run_id, run.mode, status, records.get(name), None,
                       None, None, None, run.key, run.note, (UNCOMMITTED, "", run.run_id))
                for name in run.datasets
            ]  # fmt: skip
        rows.sort(key=lambda r: (r.day, r.dataset, r.order))
        return rows, committed
