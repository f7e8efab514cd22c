"""Commit: staged parts become the day's snapshot, its manifest proves it, older snapshots go.

Every step can be repeated after a crash, by the same run or by the next run of any
definition that takes the same partitions (healing):

1. **intent**: `_commits/<day>/<run_id>.json` holds the manifest-to-be and every
   (staged -> final) copy; from here on the commit can be finished by anyone;
2. **publish**: each staged part is copied to its final key (deterministic names);
3. **manifest**: written with `put_if_absent`, so a late writer whose commit another run
   already finished cannot overwrite the (by then superseded) manifest;
4. **settle** each dataset of the day: mark every older manifest's dataset
   `superseded_by`, then delete every file of the partition folder that the newest
   manifest does not list and no commit in flight will publish;
5. **clean**: the intent, then the run's staging.

A reader that lists a partition folder during steps 2-4 sees both snapshots; one that
follows the newest manifest (`lake.manifest.ManifestReader`) sees exactly one.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date

import orjson

from tmdb_lake.concurrency import gather_all
from tmdb_lake.errors import StorageError
from tmdb_lake.lake.checkpoint import ShardCheckpoint, StagedPart
from tmdb_lake.lake.layout import FileFormat, LakeLayout
from tmdb_lake.lake.manifest import ManifestReader, RunManifest, newest_of
from tmdb_lake.lake.storage import Storage
from tmdb_lake.lake.writer import decode_records, encode_records

COPY_CONCURRENCY = 32

Fence = Callable[[], Awaitable[None]]
"""Raises when this process may no longer write the partitions (its lease was taken over)."""


@dataclass(frozen=True)
class PublishItem:
    """One copy of a commit: a staged part to its final key (orjson writes its fields)."""

    dataset: str
    staged: str
    final: str
    records: int
    bytes: int


@dataclass(frozen=True)
class CommitIntent:
    """A commit in flight: enough to finish it (or roll it back) without its run."""

    run_key: str
    manifest: RunManifest
    items: tuple[PublishItem, ...]

    def to_json(self) -> bytes:
        """Serialise."""
        # No dict per file or item (orjson writes dataclasses), no round trip of the
        # manifest through JSON: a catalog's intent holds ten thousand of each.
        body = {"run_key": self.run_key, "manifest": self.manifest.to_dict(), "items": self.items}
        return orjson.dumps(body)

    @classmethod
    def from_json(cls, data: bytes, key: str) -> CommitIntent:
        """Read a stored intent; a corrupt one raises `StorageError` naming `key`."""
        try:
            raw = orjson.loads(data)
            items = tuple(
                PublishItem(
                    str(i["dataset"]),
                    str(i["staged"]),
                    str(i["final"]),
                    int(i["records"]),
                    int(i["bytes"]),
                )
                for i in raw["items"]
            )
            return cls(str(raw["run_key"]), RunManifest.from_dict(raw["manifest"]), items)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise StorageError(f"the commit intent {key} is corrupt") from None

    @property
    def datasets(self) -> list[str]:
        """Name the datasets this commit publishes."""
        return list(self.manifest.datasets)


class IdSet:
    """Ids seen so far in one dataset: a bitmap for TMDB-sized ids, a set beyond.

    A million ids cost 125 kB here against about 60 MB as a Python set, so deduplicating
    a whole catalog at commit keeps memory flat.
    """

    BITMAP_LIMIT = 1 << 27  # 16 MB of bitmap at most

    def __init__(self) -> None:
        self._bits = bytearray()
        self._large: set[int] = set()

    def add(self, value: int) -> bool:
        """Add `value`; tell whether it was new."""
        if not 0 <= value < self.BITMAP_LIMIT:
            if value in self._large:
                return False
            self._large.add(value)
            return True
        byte, bit = divmod(value, 8)
        if byte >= len(self._bits):
            self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits))))
        mask = 1 << bit
        if self._bits[byte] & mask:
            return False
        self._bits[byte] |= mask
        return True


async def deduplicated_parts(
    storage: Storage,
    checkpoints: AsyncIterable[ShardCheckpoint],
    fmt: FileFormat,
    rewrite_key: Callable[[StagedPart], str],
) -> tuple[list[tuple[str, StagedPart]], int]:
    """Give (dataset, part) of every staged part with each id kept once per dataset.

    TMDB's pages shift while a run pages them, so a title whose release date changed can
    come back in a second date window (or shard). Checkpoints carry each part's ids; the
    first occurrence, in the order given (shard order), wins. A part with a later one is
    rewritten without it (at `rewrite_key(part)`, in staging); the ids are dropped once
    counted, so memory stays flat. Gives the parts and the number of duplicates dropped.
    """
    seen: dict[str, IdSet] = {}
    out: list[tuple[str, StagedPart]] = []
    dropped = 0
    async for checkpoint in checkpoints:
        ids_seen = seen.setdefault(checkpoint.dataset, IdSet())
        for part in checkpoint.parts:
            fresh = [i for i in part.ids if ids_seen.add(i)]
            if len(fresh) == len(part.ids):
                out.append((checkpoint.dataset, StagedPart(part.key, part.records, part.bytes)))
                continue
            dropped += len(part.ids) - len(fresh)
            if not fresh:
                continue
            data = await storage.get(part.key)
            if data is None:
                raise StorageError(f"staged part {part.key} is missing from the lake")
            keep = set(fresh)
            records = [r for r in decode_records(data, fmt) if int(r["id"]) in keep]
            body = encode_records(records, fmt)
            key = rewrite_key(part)
            await storage.put(key, body)
            out.append((checkpoint.dataset, StagedPart(key, len(records), len(body))))
    return out, dropped


def publish_items(
    parts: Sequence[tuple[str, StagedPart]],
    layout: LakeLayout,
    day: date,
    run_id: str,
    fmt: FileFormat,
) -> list[PublishItem]:
    """Give each staged part its final key: `<dataset>_<YYYYMMDD>_<run_id>_<n>`, n per dataset."""
    numbers: dict[str, int] = {}
    items: list[PublishItem] = []
    for dataset, part in parts:
        numbers[dataset] = numbers.get(dataset, 0) + 1
        final = layout.data_key(dataset, day, run_id, numbers[dataset], fmt)
        items.append(PublishItem(dataset, part.key, final, part.records, part.bytes))
    return items


async def publish(
    storage: Storage, layout: LakeLayout, intent: CommitIntent, *, fence: Fence
) -> RunManifest:
    """Copy every part, then write the manifest (steps 2 and 3); give the manifest as stored.

    A staged part that is gone while its final copy exists was published by an earlier
    attempt; one gone with no final copy means the commit cannot be finished
    (`StorageError`; the caller rolls the intent back).
    """
    manifest = intent.manifest
    key = layout.manifest_key(manifest.partition_date, manifest.run_id)
    stored = await storage.get(key)
    if stored is not None:
        return RunManifest.from_json(stored, key)

    async def copy(item: PublishItem) -> None:
        try:
            await storage.copy(item.staged, item.final)
        except StorageError:
            if await storage.get(item.final) is None:
                raise
            # published before a crash, and its staged source already cleaned

    await gather_all((copy(item) for item in intent.items), limit=COPY_CONCURRENCY)
    await fence()
    if not await storage.put_if_absent(key, manifest.to_json()):
        stored = await storage.get(key)  # another run finished this commit first
        if stored is not None:
            return RunManifest.from_json(stored, key)
    return manifest


async def pending_intents(
    storage: Storage, layout: LakeLayout, day: date, *, besides: str | None = None
) -> list[tuple[str, CommitIntent]]:
    """Give the day's commit intents (commits in flight, or interrupted), oldest key first.

    The intent of run `besides` is not read: a run finishing its own commit knows it, and
    a catalog's intent (ten thousand items) parsed again cost more memory than anything
    else in the commit.
    """
    found: list[tuple[str, CommitIntent]] = []
    for key in await storage.list(layout.commit_prefix(day)):
        parsed = layout.parse_commit_key(key)
        if parsed is None or parsed[1] == besides:
            continue
        data = await storage.get(key)
        if data is not None:
            found.append((key, CommitIntent.from_json(data, key)))
    return found


async def settle(
    storage: Storage,
    layout: LakeLayout,
    dataset: str,
    day: date,
    *,
    fence: Fence,
    in_flight: Sequence[CommitIntent] = (),
) -> list[str]:
    """Step 4 for one partition: one current manifest, one snapshot in the folder; give deletions.

    Files that `in_flight` commits will publish are kept: a commit that is still copying
    (under its own lease) must not lose its parts to this sweep.
    """
    manifests = await ManifestReader(storage, layout).day(day)
    newest = newest_of(manifests, dataset)
    keep: set[str] = set()
    if newest is not None:
        current_key, current = newest
        keep.update(f.key for f in current.datasets[dataset].files)
        for key, manifest in manifests:
            if key != current_key and manifest.is_current_for(dataset):
                await fence()
                marked = manifest.superseded(dataset, current.run_id)
                await storage.put(key, marked.to_json())
    for intent in in_flight:
        keep.update(item.final for item in intent.items if item.dataset == dataset)
    listed = await storage.list(layout.partition_prefix(dataset, day))
    stale = [key for key in listed if key not in keep]
    if stale:
        await fence()
        await storage.delete(stale)
    return stale
