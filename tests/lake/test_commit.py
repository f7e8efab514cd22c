"""The commit's steps one by one: dedupe across shards, publish, settle, and healing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tmdb_lake.errors import StorageError
from tmdb_lake.lake.checkpoint import ShardCheckpoint, StagedPart
from tmdb_lake.lake.commit import (
    CommitIntent,
    IdSet,
    deduplicated_parts,
    pending_intents,
    publish,
    publish_items,
    settle,
)
from tmdb_lake.lake.heal import heal_day
from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.local import LocalStorage
from tmdb_lake.lake.manifest import DatasetManifest, ManifestFile, ManifestReader, RunManifest
from tmdb_lake.lake.staging import RunRecord
from tmdb_lake.lake.writer import decode_records, encode_records

T = TypeVar("T")


async def no_fence() -> None:
    """A fence that never refuses: these tests hold no lease."""


DAY = date(2024, 5, 1)
LAYOUT = LakeLayout()


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def records(ids: list[int]) -> list[dict[str, Any]]:
    return [{"id": i, "title": f"t{i}"} for i in ids]


async def staged(storage: LocalStorage, key: str, ids: list[int]) -> StagedPart:
    data = encode_records(records(ids), "json")
    await storage.put(key, data)
    return StagedPart(key, len(ids), len(data), list(ids))


async def stream(items: list[ShardCheckpoint]) -> AsyncIterator[ShardCheckpoint]:
    for item in items:
        yield item


def test_idset_keeps_each_id_once_small_and_huge() -> None:
    seen = IdSet()
    assert [seen.add(i) for i in (5, 5, 0, 2**40, 2**40, 7)] == [
        True,
        False,
        True,
        True,
        False,
        True,
    ]


def test_an_id_met_in_two_shards_is_kept_in_the_first_and_the_other_part_rewritten(
    tmp_path: Path,
) -> None:
    storage = LocalStorage(tmp_path)

    async def scenario() -> tuple[list[tuple[str, StagedPart]], int]:
        a = await staged(storage, "raw/TMDB/_staging/k/r/parts/movies/a/x-000000.json", [1, 2, 3])
        b = await staged(storage, "raw/TMDB/_staging/k/r/parts/movies/b/x-000000.json", [3, 4])
        c = await staged(storage, "raw/TMDB/_staging/k/r/parts/movies/c/x-000000.json", [2, 3])
        checkpoints = [
            ShardCheckpoint("a", "movies", parts=[a], done=True),
            ShardCheckpoint("b", "movies", parts=[b], done=True),
            ShardCheckpoint("c", "movies", parts=[c], done=True),  # nothing new: dropped
        ]
        return await deduplicated_parts(
            storage, stream(checkpoints), "json", lambda part: part.key + ".dedup.json"
        )

    parts, dropped = run(scenario())
    assert dropped == 3
    assert [p.records for _, p in parts] == [3, 1]
    rewritten = parts[1][1]
    assert rewritten.key.endswith(".dedup.json")
    assert [r["id"] for r in decode_records(run(storage.get(rewritten.key)) or b"", "json")] == [4]
    assert all(p.ids == [] for _, p in parts)  # ids dropped once counted


def manifest(run_id: str, keys: list[str], generation: int) -> RunManifest:
    files = tuple(ManifestFile(key, 1, 10) for key in keys)
    dataset = DatasetManifest("movies", "snapshot", len(files), files, "def1", {}, generation)
    return RunManifest(
        run_id, DAY, True, "2024-05-01T00:00:00+00:00", f"2024-05-01T0{generation}:00:00+00:00",
        {"movies": dataset},
    )  # fmt: skip


def test_publish_copies_then_writes_the_manifest_once(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)

    async def scenario() -> tuple[RunManifest, RunManifest]:
        part = await staged(storage, "raw/TMDB/_staging/k/r1/parts/movies/a/x-000000.json", [1])
        items = publish_items([("movies", part)], LAYOUT, DAY, "r1", "json")
        intent = CommitIntent("k", manifest("r1", [items[0].final], 1), tuple(items))
        first = await publish(storage, LAYOUT, intent, fence=no_fence)
        await storage.delete([part.key])  # cleaned after a crash: publishing again is a no-op
        again = await publish(storage, LAYOUT, intent, fence=no_fence)
        return first, again

    first, again = run(scenario())
    assert first == again
    key = LAYOUT.data_key("movies", DAY, "r1", 1, "json")
    assert run(storage.get(key)) is not None
    assert (
        RunManifest.from_json(run(storage.get(LAYOUT.manifest_key(DAY, "r1"))) or b"", "m")
        .datasets["movies"]
        .files[0]
        .key
        == key
    )


def one_part_intent(
    run_key: str, run_id: str, final: str, generation: int, staged: str
) -> CommitIntent:
    """Give the intent of a commit of one staged part of `movies`, published as `final`."""
    items = publish_items([("movies", StagedPart(staged, 1, 10))], LAYOUT, DAY, run_id, "json")
    return CommitIntent(run_key, manifest(run_id, [final], generation), tuple(items))


def test_publish_of_a_commit_whose_parts_are_gone_fails_for_a_roll_back(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    final = LAYOUT.data_key("movies", DAY, "r1", 1, "json")
    item_intent = one_part_intent("k", "r1", final, 1, "raw/TMDB/_staging/k/r1/gone.json")
    with pytest.raises(StorageError, match="copy"):
        run(publish(storage, LAYOUT, item_intent, fence=no_fence))
    assert run(storage.get(LAYOUT.manifest_key(DAY, "r1"))) is None


def test_settle_leaves_one_current_manifest_and_one_snapshot_in_the_folder(
    tmp_path: Path,
) -> None:
    storage = LocalStorage(tmp_path)
    old = [LAYOUT.data_key("movies", DAY, "r1", n, "json") for n in (1, 2)]
    new = [LAYOUT.data_key("movies", DAY, "r2", 1, "json")]
    orphan = LAYOUT.data_key("movies", DAY, "r0", 1, "json")  # a 0.1 run's partial publish

    async def scenario() -> list[str]:
        for key in [*old, *new, orphan]:
            await storage.put(key, b"[]")
        await storage.put(LAYOUT.manifest_key(DAY, "r1"), manifest("r1", old, 1).to_json())
        await storage.put(LAYOUT.manifest_key(DAY, "r2"), manifest("r2", new, 2).to_json())
        return await settle(storage, LAYOUT, "movies", DAY, fence=no_fence)

    deleted = run(scenario())
    assert sorted(deleted) == sorted([*old, orphan])
    assert run(storage.list(LAYOUT.partition_prefix("movies", DAY))) == new
    reader = ManifestReader(storage)
    newest = run(reader.newest("movies", DAY))
    assert newest is not None and newest.run_id == "r2"
    r1 = RunManifest.from_json(run(storage.get(LAYOUT.manifest_key(DAY, "r1"))) or b"", "r1")
    assert r1.datasets["movies"].superseded_by == "r2"


def test_settle_keeps_the_files_of_a_commit_in_flight(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    copying = LAYOUT.data_key("movies", DAY, "r3", 1, "json")
    in_flight = one_part_intent("k3", "r3", copying, 3, "raw/TMDB/_staging/k3/r3/p.json")
    run(storage.put(copying, b"[]"))
    deleted = run(settle(storage, LAYOUT, "movies", DAY, fence=no_fence, in_flight=[in_flight]))
    assert deleted == [] and run(storage.get(copying)) == b"[]"


def test_healing_finishes_an_interrupted_commit_and_removes_a_dead_run(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)

    async def scenario() -> list[str]:
        # run r1 (key k1) stopped after its intent and one copy of two
        parts = [
            await staged(
                storage, f"raw/TMDB/_staging/20240501-k1/r1/parts/movies/a/x-00000{n}.json", [n]
            )
            for n in (1, 2)
        ]
        items = publish_items([("movies", p) for p in parts], LAYOUT, DAY, "r1", "json")
        intent = CommitIntent(
            "20240501-k1", manifest("r1", [i.final for i in items], 1), tuple(items)
        )
        await storage.put(LAYOUT.commit_key(DAY, "r1"), intent.to_json())
        await storage.copy(items[0].staged, items[0].final)
        # run r9 of another definition (key k9) died while fetching the same dataset
        record = RunRecord("20240501-k9", "r9", DAY, "t", ("movies",), ("a9",))
        await storage.put(LAYOUT.run_record_key("20240501-k9"), record.to_json())
        await storage.put(LAYOUT.run_staging_prefix("20240501-k9", "r9") + "plan.json", b"{}")
        report = await heal_day(
            storage, LAYOUT, DAY, ["movies"], own_run_key="20240501-k5", fence=no_fence
        )
        assert await pending_intents(storage, LAYOUT, DAY) == []
        return report.notes()

    notes = run(scenario())
    assert "finished the interrupted commit of run r1" in notes
    assert "removed the unfinished run r9 of another definition" in notes
    newest = run(ManifestReader(storage).newest("movies", DAY))
    assert newest is not None and newest.run_id == "r1" and len(newest.files) == 2
    assert run(storage.list(LAYOUT.staging_root())) == []


def test_healing_rolls_back_a_commit_that_cannot_be_finished(tmp_path: Path) -> None:
    """One part was published, the other's staged source is gone: undo the published one."""
    storage = LocalStorage(tmp_path)
    prefix = "raw/TMDB/_staging/20240501-k1/r1/parts/movies/a/"

    async def scenario() -> tuple[list[str], list[str]]:
        kept = await staged(storage, prefix + "x-000001.json", [1])
        lost = StagedPart(prefix + "x-000002.json", 1, 10, [2])  # never staged, or deleted
        items = publish_items([("movies", kept), ("movies", lost)], LAYOUT, DAY, "r1", "json")
        intent = CommitIntent(
            "20240501-k1", manifest("r1", [i.final for i in items], 1), tuple(items)
        )
        await storage.put(LAYOUT.commit_key(DAY, "r1"), intent.to_json())
        await storage.copy(items[0].staged, items[0].final)
        report = await heal_day(
            storage, LAYOUT, DAY, ["movies"], own_run_key="20240501-k5", fence=no_fence
        )
        return report.notes(), [i.final for i in items]

    notes, finals = run(scenario())
    assert "rolled back the unfinishable commit of run r1" in notes
    assert all(run(storage.get(final)) is None for final in finals)
    assert run(storage.get(LAYOUT.manifest_key(DAY, "r1"))) is None
    assert run(pending_intents(storage, LAYOUT, DAY)) == []


def test_a_corrupt_intent_is_one_line_naming_it(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    run(storage.put(LAYOUT.commit_key(DAY, "r1"), b'{"run_key": 1'))
    with pytest.raises(
        StorageError, match=r"the commit intent raw/TMDB/_commits/2024/05/01/r1\.json is corrupt"
    ):
        run(pending_intents(storage, LAYOUT, DAY))


def test_pending_intents_besides_a_run_never_reads_that_runs_intent(tmp_path: Path) -> None:
    """A run finishing its own commit skips its intent unread (a catalog's is 4 MB)."""
    storage = LocalStorage(tmp_path)
    run(storage.put(LAYOUT.commit_key(DAY, "r1"), b'{"run_key": 1'))  # would raise if read
    other = CommitIntent("20240501-k2", manifest("r2", [], 1), ())
    run(storage.put(LAYOUT.commit_key(DAY, "r2"), other.to_json()))
    found = run(pending_intents(storage, LAYOUT, DAY, besides="r1"))
    assert [(key, intent.manifest.run_id) for key, intent in found] == [
        (LAYOUT.commit_key(DAY, "r2"), "r2")
    ]
