import asyncio
import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from tmdb_lake.lake.checkpoint import ShardCheckpoint, StagedPart
from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.staging import RunStaging
from tmdb_lake.lake.storage import LocalStorage
from tmdb_lake.lake.writer import (
    MAX_FILE_BYTES,
    RecordTooLarge,
    ShardWriter,
    decode_records,
    encode_records,
    split_to_fit,
)

LAYOUT = LakeLayout()


def page(first: int, n: int = 20) -> list[dict[str, Any]]:
    return [{"id": i, "title": f'Título {i} — 東京 🎬 "q"'} for i in range(first, first + n)]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_integers_beyond_64_bits_are_written_and_read_back_exactly(fmt):
    big = 2**100 + 1  # orjson alone refuses to write it, and reads it as a float
    records = [
        {"id": 1, "budget": big, "nested": [{"neg": -big}]},
        {"id": 2, "revenue": orjson.Fragment(b"123456789012345678901234567890")},  # the client's
        {"id": 3, "plain": 2**64 - 1},
    ]
    data = encode_records(records, fmt)
    assert str(big).encode() in data and f"-{big}".encode() in data
    assert decode_records(data, fmt) == [
        {"id": 1, "budget": big, "nested": [{"neg": -big}]},
        {"id": 2, "revenue": 123456789012345678901234567890},
        {"id": 3, "plain": 2**64 - 1},
    ]
    # Only the file with a big integer leaves orjson's own layout, and not even that one.
    plain = [records[2]]
    assert encode_records(plain, fmt) == (
        orjson.dumps(plain, option=orjson.OPT_INDENT_2) + b"\n"
        if fmt == "json"
        else orjson.dumps(plain[0]) + b"\n"
    )


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_encoding_keeps_records_exactly_and_utf8(fmt):
    records = [*page(1, 3), {"id": 9, "nested": {"a": [1, 2.5, None]}, "empty": ""}]
    data = encode_records(records, fmt)
    assert "Título 1 — 東京 🎬".encode() in data  # non-ASCII kept as is
    assert decode_records(data, fmt) == records


def test_json_is_an_indented_array_like_the_original():
    data = encode_records([{"id": 1}], "json")
    assert data == b'[\n  {\n    "id": 1\n  }\n]\n'


def test_split_to_fit_respects_the_byte_limit():
    records = [{"id": i, "blob": "x" * 1000} for i in range(50)]
    parts = split_to_fit(records, "json", 10_000)
    assert sum(n for n, _ in parts) == 50
    assert all(len(data) <= 10_000 for _, data in parts)
    assert [r["id"] for _, d in parts for r in decode_records(d, "json")] == list(range(50))
    with pytest.raises(RecordTooLarge):
        split_to_fit([{"id": 1, "blob": "x" * 20_000}], "json", 10_000)


def staging(attempt: str = "a1", lineage: tuple[str, ...] = ("a1",)) -> RunStaging:
    return RunStaging(LAYOUT, "run1", "20240501T000000Z-r1", attempt, lineage)


def open_writer(
    storage: LocalStorage, area: RunStaging | None = None, **kwargs: Any
) -> ShardWriter:
    area = area or staging()
    return run(ShardWriter.open(storage, area, "movies", "movie-start-end", "json", **kwargs))


def staged_ids(storage: LocalStorage, writer: ShardWriter) -> list[int]:
    ids: list[int] = []
    for part in writer.checkpoint.parts:
        data = run(storage.get(part.key))
        ids.extend(r["id"] for r in decode_records(data, "json"))
    return ids


def test_parts_hold_at_most_n_records_and_dedupe_by_id(tmp_path: Path):
    storage = LocalStorage(tmp_path)
    writer = open_writer(storage, records_per_file=100)

    async def go() -> None:
        for p in range(1, 9):
            await writer.add_unit(p, page((p - 1) * 20 + 1))
        await writer.add_unit(9, page(150, 20))  # 150..160 were already seen on page 8
        await writer.finish()

    run(go())
    counts = [part.records for part in writer.checkpoint.parts]
    assert counts == [100, 69]
    ids = staged_ids(storage, writer)
    assert ids == sorted(set(ids)) and len(ids) == 169
    assert writer.checkpoint.counters["duplicates_dropped"] == 11


def test_small_records_per_file_splits_pages(tmp_path: Path):
    storage = LocalStorage(tmp_path)
    writer = open_writer(storage, records_per_file=7)

    async def go() -> None:
        for p in range(1, 4):
            await writer.add_unit(p, page((p - 1) * 20 + 1))
        await writer.finish()

    run(go())
    assert all(part.records <= 7 for part in writer.checkpoint.parts)
    assert staged_ids(storage, writer) == list(range(1, 61))


def test_resume_after_crash_is_exactly_once(tmp_path: Path):
    storage = LocalStorage(tmp_path)
    writer = open_writer(storage, records_per_file=40)

    async def first_attempt() -> None:
        for p in range(1, 6):  # pages 1-4 flushed as 2 parts; page 5 is in memory
            await writer.add_unit(p, page((p - 1) * 20 + 1))
        # a stray part written after the last checkpoint (crash between put and save)
        stray = staging().part_key("movies", "movie-start-end", 99, "json")
        await storage.put(stray, encode_records(page(1000, 5), "json"))

    run(first_attempt())  # "crash": no finish
    resumed = open_writer(storage, staging("a2", ("a1", "a2")), records_per_file=40)
    assert resumed.checkpoint.next_unit == 5
    assert resumed.seen_ids is not None and len(resumed.seen_ids) == 80

    async def second_attempt() -> None:
        for p in range(1, 8):  # the caller may replay from page 1: old pages are ignored
            await resumed.add_unit(p, page((p - 1) * 20 + 1))
        await resumed.finish()

    run(second_attempt())
    assert staged_ids(storage, resumed) == list(range(1, 141))
    staged = run(storage.list(staging().shard_prefix("movies", "movie-start-end")))
    assert len(staged) == len(resumed.checkpoint.parts)  # the stray part is gone
    assert all(p.ids == [] for p in resumed.checkpoint.parts)  # finished: kept in storage only
    key = staging("a2", ("a1", "a2")).checkpoint_key(resumed.checkpoint.shard_id)
    stored = ShardCheckpoint.from_json(run(storage.get(key)) or b"{}", key)
    assert [p.ids for p in stored.parts] == [
        list(range(1, 41)),
        list(range(41, 81)),
        list(range(81, 121)),
        list(range(121, 141)),
    ]
    # the second attempt wrote under its own token; the first attempt's parts are kept
    assert [p.key.rsplit("/", 1)[1][:2] for p in resumed.checkpoint.parts] == [
        "a1",
        "a1",
        "a2",
        "a2",
    ]


def test_a_late_writer_of_an_older_attempt_is_never_read(tmp_path: Path):
    storage = LocalStorage(tmp_path)
    old = open_writer(storage, records_per_file=20)
    run(old.add_unit(1, page(1)))  # attempt a1 checkpoints page 1
    new = open_writer(storage, staging("a2", ("a1", "a2")), records_per_file=20)
    run(new.add_unit(2, page(21)))  # the new attempt adopts page 1, writes page 2

    async def late() -> None:  # a1 wakes up (SIGCONT) and keeps writing its own state
        await old.add_unit(2, page(500))
        await old.add_unit(3, page(600))

    run(late())
    reopened = open_writer(storage, staging("a3", ("a1", "a2", "a3")), records_per_file=20)
    assert reopened.checkpoint.next_unit == 3
    assert staged_ids(storage, reopened) == list(range(1, 41))  # a1's late pages are ignored


def test_max_file_bytes_is_ten_megabytes():
    assert MAX_FILE_BYTES == 10_000_000


def test_layout_keys():
    day = date(2024, 1, 31)
    assert LAYOUT.partition_prefix("filmes", day) == "raw/TMDB/JSON/filmes/2024/01/31/"
    assert (
        LAYOUT.data_key("series", day, "r1", 3, "jsonl")
        == "raw/TMDB/JSON/series/2024/01/31/series_20240131_r1_00003.jsonl"
    )
    assert LAYOUT.manifest_key(day, "r1") == "raw/TMDB/_runs/2024/01/31/r1.json"
    for bad in ("../x", "a/b", "", ".hidden"):
        with pytest.raises(ValueError):
            LAYOUT.partition_prefix(bad, day)


def test_checkpoint_round_trips_every_field():
    checkpoint = ShardCheckpoint(
        shard_id="movie-w0",
        dataset="movies",
        next_unit=7,
        next_seq=3,
        records=120,
        done=True,
        parts=[
            StagedPart("raw/_staging/a.json", 2, 2048, [5, 3]),
            StagedPart("raw/_staging/b.json", 1, 99, [2**40]),
        ],
        counters={"unreachable": 4},
        total_pages=6,
        total_results=119,
        split=[{"media": "movie"}],
        pages_contradicted=True,
    )
    assert ShardCheckpoint.from_json(checkpoint.to_json()) == checkpoint
    assert set(orjson.loads(checkpoint.to_json())) == set(dataclasses.asdict(checkpoint))
