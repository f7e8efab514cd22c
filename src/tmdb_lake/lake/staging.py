"""A run's staging area: its record (who runs under a key, which attempts count) and its keys.

A run key (parameters + date) has at most one run at a time, named by `run.json`. Each
attempt of that run (a process that took the leases: the first one, a resume after a
crash, the next Lambda invocation) writes under its own token, and the run record lists
the tokens in order. Readers follow only those tokens, newest first, so a late writer of
an older attempt that wakes up after a takeover, or after the run was committed, writes
objects nobody reads; the next run of the key removes them.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from tmdb_lake.concurrency import fetch_in_order
from tmdb_lake.errors import StorageError
from tmdb_lake.lake.checkpoint import ShardCheckpoint
from tmdb_lake.lake.layout import FileFormat, LakeLayout
from tmdb_lake.lake.storage import Storage

READS_AHEAD = 32


@dataclass(frozen=True)
class RunRecord:
    """`_staging/<run_key>/run.json`: the run using a run key, and its attempts in order."""

    run_key: str
    run_id: str
    day: date
    started_at: str
    datasets: tuple[str, ...]
    attempts: tuple[str, ...]

    def to_json(self) -> bytes:
        """Serialise."""
        return orjson.dumps(
            {
                "run_key": self.run_key,
                "run_id": self.run_id,
                "partition_date": self.day.isoformat(),
                "started_at": self.started_at,
                "datasets": list(self.datasets),
                "attempts": list(self.attempts),
            }
        )

    @classmethod
    def from_json(cls, data: bytes, key: str) -> RunRecord:
        """Read a stored record; a corrupt one raises `StorageError` naming `key`."""
        try:
            raw: dict[str, Any] = orjson.loads(data)
            return cls(
                run_key=str(raw["run_key"]),
                run_id=str(raw["run_id"]),
                day=date.fromisoformat(str(raw["partition_date"])),
                started_at=str(raw["started_at"]),
                datasets=tuple(str(d) for d in raw["datasets"]),
                attempts=tuple(str(a) for a in raw["attempts"]),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise StorageError(
                f"the run record {key} is corrupt: delete that staging folder to start afresh"
            ) from None

    def with_attempt(self, attempt: str) -> RunRecord:
        """Give the record with one more attempt (kept once, in order)."""
        attempts = (*(a for a in self.attempts if a != attempt), attempt)
        return RunRecord(
            self.run_key, self.run_id, self.day, self.started_at, self.datasets, attempts
        )


async def read_run_record(storage: Storage, layout: LakeLayout, run_key: str) -> RunRecord | None:
    """Give the run record of a run key, or None when no run uses it."""
    key = layout.run_record_key(run_key)
    data = await storage.get(key)
    return None if data is None else RunRecord.from_json(data, key)


@dataclass(frozen=True)
class RunStaging:
    """The staging keys of one attempt of one run, and the lineage its reads follow."""

    layout: LakeLayout
    run_key: str
    run_id: str
    attempt: str
    lineage: tuple[str, ...]
    """Every attempt of the run, oldest first; the current attempt last."""

    @classmethod
    def of(cls, layout: LakeLayout, record: RunRecord, attempt: str) -> RunStaging:
        """Bind a run record and the current attempt."""
        return cls(layout, record.run_key, record.run_id, attempt, record.attempts)

    @property
    def prefix(self) -> str:
        """Give the folder of everything this run staged."""
        return self.layout.run_staging_prefix(self.run_key, self.run_id)

    @property
    def plan_key(self) -> str:
        """Give the key of the run's plan record."""
        return self.layout.plan_key(self.run_key, self.run_id)

    def checkpoint_key(self, shard_id: str) -> str:
        """Give the key this attempt writes a shard's checkpoint to."""
        return self.layout.checkpoint_key(self.run_key, self.run_id, shard_id, self.attempt)

    def shard_prefix(self, dataset: str, shard_id: str) -> str:
        """Give the folder of one shard's staged parts (every attempt's)."""
        return self.layout.staged_shard_prefix(self.run_key, self.run_id, dataset, shard_id)

    def part_key(self, dataset: str, shard_id: str, seq: int, fmt: FileFormat) -> str:
        """Give the key of one part this attempt stages."""
        return self.layout.staged_part_key(
            self.run_key, self.run_id, dataset, shard_id, self.attempt, seq, fmt
        )

    def id_batch_key(self, name: str) -> str:
        """Give the key of one batch of ids."""
        return self.layout.id_batch_key(self.run_key, self.run_id, name)

    async def read_checkpoint(self, storage: Storage, shard_id: str) -> bytes | None:
        """Give a shard's newest checkpoint along the lineage (this attempt's first)."""
        for attempt in reversed(self.lineage):
            key = self.layout.checkpoint_key(self.run_key, self.run_id, shard_id, attempt)
            data = await storage.get(key)
            if data is not None:
                return data
        return None

    async def checkpoint_keys(self, storage: Storage) -> dict[str, str]:
        """Give, per shard, the key of its newest checkpoint along the lineage."""
        rank = {attempt: index for index, attempt in enumerate(self.lineage)}
        best: dict[str, tuple[int, str]] = {}
        prefix = self.layout.checkpoint_prefix(self.run_key, self.run_id)
        for key in await storage.list(prefix):
            parsed = self.layout.parse_checkpoint_key(self.run_key, self.run_id, key)
            if parsed is None or parsed[1] not in rank:
                continue  # not a checkpoint, or a late writer's: never read
            shard_id, attempt = parsed
            if shard_id not in best or rank[attempt] > best[shard_id][0]:
                best[shard_id] = (rank[attempt], key)
        return {shard_id: key for shard_id, (_, key) in sorted(best.items())}

    async def read_checkpoints(
        self, storage: Storage, shard_ids: Iterable[str] | None = None, *, ids: bool = True
    ) -> AsyncIterator[ShardCheckpoint]:
        """Give the newest checkpoint of each shard (or of `shard_ids`), in shard order.

        Read with a bounded look-ahead; without `ids`, each part's ids are dropped as soon
        as the checkpoint is parsed, so a million-title catalog never holds a million ints.
        """
        keys = await self.checkpoint_keys(storage)
        wanted = sorted(keys) if shard_ids is None else sorted(s for s in shard_ids if s in keys)

        async def read(shard_id: str) -> ShardCheckpoint | None:
            data = await storage.get(keys[shard_id])
            if data is None:
                return None
            checkpoint = ShardCheckpoint.from_json(data, keys[shard_id])
            if not ids:
                for part in checkpoint.parts:
                    part.ids = []
            return checkpoint

        async with aclosing(fetch_in_order(wanted, read, lambda: READS_AHEAD)) as found:
            async for _, checkpoint in found:
                if checkpoint is not None:
                    yield checkpoint

    async def stray_run_folders(self, storage: Storage) -> builtins.list[str]:
        """Give the staged keys of this run key that belong to no current run (junk)."""
        keep = (self.prefix, self.layout.run_record_key(self.run_key))
        return [
            key
            for key in await storage.list(self.layout.staging_prefix(self.run_key))
            if not key.startswith(keep)
        ]
