"""Parts of at most N records and 10 MB, written with checkpoints that survive a crash.

A shard feeds its records one *unit* at a time (a discover page, one title's details),
in order. `ShardWriter` groups them into parts and, after each part, writes the
shard's checkpoint. Checkpoints fall on unit boundaries only, so a resumed shard
starts at `next_unit` and rewrites parts from `next_seq`: nothing lost, nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from tmdb_lake.exactjson import dumps_exact, loads_exact
from tmdb_lake.lake.checkpoint import ShardCheckpoint, StagedPart
from tmdb_lake.lake.layout import FileFormat
from tmdb_lake.lake.staging import RunStaging
from tmdb_lake.lake.storage import Storage

MAX_FILE_BYTES = 10_000_000
"""No lake file over 10 MB (decimal, so it holds under either reading of 'MB')."""

Record = dict[str, Any]


class RecordTooLarge(ValueError):
    """One record alone would make a file over the size limit."""


def encode_records(records: Sequence[Record], fmt: FileFormat) -> bytes:
    """Serialise records as the lake stores them: UTF-8, non-ASCII kept as is.

    `json` is one indented array per file, as the original script wrote; `jsonl` is one
    compact record per line, for Athena and Spark. Integers beyond 64 bits (valid JSON,
    which orjson alone refuses to write) are written exactly.
    """
    if fmt == "json":
        return dumps_exact(list(records), indent=True) + b"\n"
    return b"".join(dumps_exact(record) + b"\n" for record in records)


def decode_records(data: bytes, fmt: FileFormat) -> list[Record]:
    """Read back a part written by `encode_records`, every integer exact."""
    if fmt == "json":
        records = loads_exact(data)
        if not isinstance(records, list):
            raise ValueError("a json part must hold an array")
        return records
    return [loads_exact(line) for line in data.splitlines() if line.strip()]


def split_to_fit(
    records: Sequence[Record], fmt: FileFormat, max_bytes: int
) -> list[tuple[int, bytes]]:
    """Encode records as one or more files of at most `max_bytes`: (record count, bytes)."""
    data = encode_records(records, fmt)
    if len(data) <= max_bytes:
        return [(len(records), data)]
    if len(records) == 1:
        raise RecordTooLarge(f"record id {records[0].get('id')} alone is {len(data)} bytes")
    half = len(records) // 2
    return split_to_fit(records[:half], fmt, max_bytes) + split_to_fit(
        records[half:], fmt, max_bytes
    )


class ShardWriter:
    """Turns one shard's ordered units into staged parts and checkpoints.

    >>> writer = await ShardWriter.open(storage, staging, "movies", "movie-w0", "json")
    >>> await writer.add_unit(1, page_records)   # in unit order
    >>> await writer.finish()
    """

    def __init__(
        self,
        storage: Storage,
        staging: RunStaging,
        checkpoint: ShardCheckpoint,
        fmt: FileFormat,
        *,
        records_per_file: int = 100,
        max_file_bytes: int = MAX_FILE_BYTES,
        seen_ids: set[int] | None = None,
    ) -> None:
        self.storage = storage
        self.staging = staging
        self.checkpoint = checkpoint
        self.fmt = fmt
        self.records_per_file = records_per_file
        self.max_file_bytes = max_file_bytes
        self.seen_ids = seen_ids
        self._buffer: list[Record] = []
        self._buffer_bytes = 0
        self._pending_unit: int | None = None
        self._pending_counts: dict[str, int] = {}

    @classmethod
    async def open(
        cls,
        storage: Storage,
        staging: RunStaging,
        dataset: str,
        shard_id: str,
        fmt: FileFormat,
        *,
        records_per_file: int = 100,
        max_file_bytes: int = MAX_FILE_BYTES,
        dedupe: bool = True,
    ) -> ShardWriter:
        """Open a shard's writer, resuming from its newest checkpoint along the run's attempts."""
        stored = await staging.read_checkpoint(storage, shard_id)
        checkpoint = (
            ShardCheckpoint.from_json(stored, staging.checkpoint_key(shard_id))
            if stored is not None
            else ShardCheckpoint(shard_id=shard_id, dataset=dataset)
        )
        seen: set[int] | None = set() if dedupe else None
        if stored is not None and not checkpoint.done:
            await _drop_parts_after_checkpoint(storage, staging, checkpoint)
            if seen is not None:
                for part in checkpoint.parts:
                    seen.update(part.ids)
        return cls(
            storage,
            staging,
            checkpoint,
            fmt,
            records_per_file=records_per_file,
            max_file_bytes=max_file_bytes,
            seen_ids=seen,
        )

    @property
    def records(self) -> int:
        """Count the records accepted so far, including those not yet flushed."""
        return self.checkpoint.records + len(self._buffer)

    async def add_unit(
        self, unit: int, records: Iterable[Record], counts: Mapping[str, int] | None = None
    ) -> int:
        """Take the records of one unit, in unit order; give how many were new.

        `counts` (repaired strings, skipped items, ...) belong to the unit: they reach the
        checkpoint with its records, so a unit redone after a crash is counted once.
        """
        if unit < self.checkpoint.next_unit:
            return 0  # already flushed before a crash: exactly once
        fresh: list[Record] = []
        dropped = 0
        for record in records:
            if self.seen_ids is not None:
                record_id = int(record["id"])
                if record_id in self.seen_ids:
                    dropped += 1
                    continue
                self.seen_ids.add(record_id)
            fresh.append(record)
        size = len(orjson.dumps(fresh)) if fresh else 0
        if self._buffer and (
            len(self._buffer) + len(fresh) > self.records_per_file
            or self._buffer_bytes + size > self.max_file_bytes
        ):
            await self._flush(next_unit=unit)
        self._buffer.extend(fresh)
        self._buffer_bytes += size
        self._pending_unit = unit
        for name, value in {**(counts or {}), "duplicates_dropped": dropped}.items():
            if value:
                self._pending_counts[name] = self._pending_counts.get(name, 0) + value
        if len(self._buffer) >= self.records_per_file or self._buffer_bytes >= self.max_file_bytes:
            await self._flush(next_unit=unit + 1)
        return len(fresh)

    async def finish(self) -> ShardCheckpoint:
        """Flush what is left and mark the shard done."""
        if self._buffer or self._pending_unit is not None or self._pending_counts:
            next_unit = (self._pending_unit or 0) + 1
            await self._flush(next_unit=max(next_unit, self.checkpoint.next_unit), done=True)
        self.checkpoint.done = True
        await self.save()
        # The commit reads the ids back from the stored checkpoint (`read_checkpoints`), so
        # a finished shard's copy in memory drops them: a catalog run kept one int per
        # title alive until the end of its collection (S4: 1.7x the peak RSS at 1M ids).
        for part in self.checkpoint.parts:
            part.ids = []
        return self.checkpoint

    async def save(self) -> None:
        """Write the checkpoint (after the parts it names are safely stored)."""
        key = self.staging.checkpoint_key(self.checkpoint.shard_id)
        await self.storage.put(key, self.checkpoint.to_json())

    async def _flush(self, *, next_unit: int, done: bool = False) -> None:
        records, self._buffer, self._buffer_bytes = self._buffer, [], 0
        self._pending_unit = None
        counts, self._pending_counts = self._pending_counts, {}
        for name, value in counts.items():
            self.checkpoint.count(name, value)
        for start in range(0, len(records), self.records_per_file):
            chunk = records[start : start + self.records_per_file]
            consumed = 0
            for count, data in split_to_fit(chunk, self.fmt, self.max_file_bytes):
                key = self.staging.part_key(
                    self.checkpoint.dataset,
                    self.checkpoint.shard_id,
                    self.checkpoint.next_seq,
                    self.fmt,
                )
                await self.storage.put(key, data)
                ids = [int(record["id"]) for record in chunk[consumed : consumed + count]]
                consumed += count
                self.checkpoint.parts.append(
                    StagedPart(key=key, records=count, bytes=len(data), ids=ids)
                )
                self.checkpoint.next_seq += 1
        self.checkpoint.records += len(records)
        self.checkpoint.next_unit = next_unit
        if not done:
            await self.save()


async def _drop_parts_after_checkpoint(
    storage: Storage, staging: RunStaging, checkpoint: ShardCheckpoint
) -> None:
    """Delete parts a crashed shard (of any attempt) wrote after its checkpoint: redone anyway."""
    prefix = staging.shard_prefix(checkpoint.dataset, checkpoint.shard_id)
    known = {part.key for part in checkpoint.parts}
    stray = [key for key in await storage.list(prefix) if key not in known]
    if stray:
        await storage.delete(stray)
