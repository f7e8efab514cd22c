"""Bad input of any kind fails cleanly: fuzzed options and keys, hostile API responses."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from httpx_transport import HttpxTransport  # type: ignore[import-not-found]
from tmdb_lake.errors import BadResponseError, ConfigError, TmdbLakeError, UpstreamError
from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.storage import LocalStorage
from tmdb_lake.run import ingest
from tmdb_lake.secret import Secret
from tmdb_lake.settings import INGEST_GROUPS, Settings, load_settings, options_of

FIELDS = [option.field for option in options_of(INGEST_GROUPS)]


@settings(max_examples=400, deadline=None)
@given(field=st.sampled_from(FIELDS), raw=st.text(max_size=40))
def test_any_option_text_gives_settings_or_a_one_line_config_error(field: str, raw: str) -> None:
    try:
        load_settings({field: raw}, {}, {})
    except ConfigError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message


@settings(max_examples=200, deadline=None)
@given(
    dataset=st.from_regex(r"[a-z0-9][a-z0-9_-]{0,62}", fullmatch=True),
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    part=st.integers(min_value=1, max_value=99_999),
    run_id=st.from_regex(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}", fullmatch=True),
)
def test_keys_stay_inside_their_partition(dataset: str, day: date, part: int, run_id: str) -> None:
    layout = LakeLayout()
    key = layout.data_key(dataset, day, run_id, part, "json")
    prefix = layout.partition_prefix(dataset, day)
    assert key.startswith(prefix) and key.startswith("raw/TMDB/JSON/")
    name = key[len(prefix) :]
    assert "/" not in name and ".." not in key
    assert name == f"{dataset}_{day:%Y%m%d}_{run_id}_{part:05d}.json"


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=20))
def test_dataset_names_are_safe_or_refused(name: str) -> None:
    try:
        s = load_settings({"movies_dataset": name}, {}, {})
    except ConfigError:
        return
    assert LakeLayout().partition_prefix(s.movies_dataset, date(2024, 1, 1)).count("/") == 7


def hostile(body: bytes, status: int = 200) -> HttpxTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body)

    return HttpxTransport(httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"<html>not json</html>", UpstreamError),
        (b"[]", BadResponseError),
        (b'{"results": {"id": 1}, "total_pages": 1, "total_results": 1}', BadResponseError),
        (b'{"results": [], "total_pages": null, "total_results": 0}', BadResponseError),
        (b'"a string"', BadResponseError),
        (b" " * (21 * 1024 * 1024), BadResponseError),
    ],
)
def test_hostile_responses_fail_the_run_cleanly(
    tmp_path: Path, body: bytes, error: type[Exception]
) -> None:
    s = Settings(
        access_token=Secret("t"), max_attempts=2, limit=10, partition_date=date(2024, 1, 1)
    )
    storage = LocalStorage(tmp_path)

    async def go() -> None:
        await ingest(s, storage, transport=hostile(body))

    with pytest.raises(error) as exc:
        asyncio.run(go())
    assert isinstance(exc.value, TmdbLakeError) and "\n" not in str(exc.value)
    assert not list(tmp_path.glob("raw/TMDB/JSON/**/*.json"))
    assert not list(tmp_path.glob("raw/TMDB/_runs/**/*.json"))


def test_items_without_ids_are_counted_and_skipped(tmp_path: Path) -> None:
    good = [{"id": i, "title": f"t{i}"} for i in range(1, 6)]
    results: list[Any] = [*good, {"title": "no id"}, {"id": "7"}, None]

    def handler(request: httpx.Request) -> httpx.Response:
        if "/genre/" in request.url.path:
            return httpx.Response(200, json={"genres": [{"id": 35, "name": "Comédia"}, "bad"]})
        page = {"page": 1, "results": results, "total_pages": 1, "total_results": 8}
        return httpx.Response(200, content=orjson.dumps(page))

    s = Settings(
        access_token=Secret("t"), media=Settings().media[:1], partition_date=date(2024, 1, 1)
    )
    report = asyncio.run(
        ingest(s, LocalStorage(tmp_path), transport=HttpxTransport(httpx.MockTransport(handler)))
    )
    assert report.complete and report.records["movies"] == 5
    assert report.counters["invalid_items_skipped"] == 4  # 3 results + 1 genre
