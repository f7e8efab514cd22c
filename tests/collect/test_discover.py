"""Discover paging does not trust a `total_pages` that full pages contradict (issue 10 F)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from httpx_transport import HttpxTransport  # type: ignore[import-not-found]
from tmdb_lake.lake.storage import LocalStorage
from tmdb_lake.run import RunReport, ingest
from tmdb_lake.secret import Secret
from tmdb_lake.settings import Settings
from tmdb_lake.tmdb.queries import MediaType


@dataclass
class FakeDiscover:
    """`/discover/movie` over `titles` ids, 20 a page, claiming whatever totals it is told."""

    titles: int
    claim_pages: int | None = None
    claim_results: int | None = None
    pages_served: list[int] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if "/genre/" in request.url.path:
            return httpx.Response(200, json={"genres": [{"id": 35, "name": "Comédia"}]})
        page = int(request.url.params["page"])
        self.pages_served.append(page)
        first = (page - 1) * 20 + 1
        ids = range(first, min(first + 20, self.titles + 1))
        body = {
            "page": page,
            "results": [{"id": i, "title": f"t{i}"} for i in ids],
            "total_pages": -(-self.titles // 20) if self.claim_pages is None else self.claim_pages,
            "total_results": self.titles if self.claim_results is None else self.claim_results,
        }
        return httpx.Response(200, content=orjson.dumps(body))


class Notes:
    def __init__(self) -> None:
        self.notes: list[str] = []

    def add_total(self, pages: int) -> None:
        pass

    def advance(self, pages: int, records: int) -> None:
        pass

    def note(self, message: str) -> None:
        self.notes.append(message)


def ingest_from(
    tmdb: FakeDiscover, lake: Path, notes: Notes | None = None, **settings: Any
) -> RunReport:
    s = Settings(
        access_token=Secret("t"),
        media=(MediaType.MOVIE,),
        genres="",
        released_until=None,
        partition_date=date(2024, 1, 1),
        records_per_file=20,
        concurrency=4,
        **settings,
    )

    async def go() -> RunReport:
        return await ingest(
            s,
            LocalStorage(lake),
            transport=HttpxTransport(httpx.MockTransport(tmdb.handle)),
            progress=notes,
        )

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("claim_pages", "claim_results"),
    [(0, 0), (0, None), (1, None), (2, 45)],
    ids=["no-pages-no-results", "no-pages", "one-page", "two-pages-45-results"],
)
def test_a_total_pages_that_full_pages_contradict_is_paged_past(
    tmp_path: Path, claim_pages: int, claim_results: int | None
):
    tmdb = FakeDiscover(titles=395, claim_pages=claim_pages, claim_results=claim_results)
    notes = Notes()
    report = ingest_from(tmdb, tmp_path, notes)
    assert report.complete
    assert report.records["movies"] == 395  # was 0 (claim 0), 20 or 40
    assert report.counters["total_pages_contradicted"] == 1
    warnings = [note for note in notes.notes if "total_pages" in note]
    assert len(warnings) == 1 and warnings[0].startswith(
        f"warning: movie-start-end: TMDB said total_pages {claim_pages}, but page "
    )
    # 20 pages hold the 395 titles; past the claim at most a look-ahead (4) more is asked.
    assert 20 <= len(tmdb.pages_served) <= 20 + 4


def test_a_true_claim_of_full_pages_costs_nothing_or_one_request(tmp_path: Path):
    exact = FakeDiscover(titles=100)  # 5 full pages, and TMDB says so
    report = ingest_from(exact, tmp_path / "a")
    assert report.records["movies"] == 100 and exact.pages_served == [1, 2, 3, 4, 5]
    assert "total_pages_contradicted" not in report.counters

    inflated = FakeDiscover(titles=100, claim_results=130)  # the totals disagree: one probe
    report = ingest_from(inflated, tmp_path / "b")
    assert report.records["movies"] == 100 and inflated.pages_served == [1, 2, 3, 4, 5, 6]
    assert "total_pages_contradicted" not in report.counters


def test_the_limit_still_holds_past_a_contradicted_claim(tmp_path: Path):
    tmdb = FakeDiscover(titles=395, claim_pages=0)
    report = ingest_from(tmdb, tmp_path, limit=50)
    assert report.records["movies"] == 50
    assert len(tmdb.pages_served) <= 3 + 4


def test_a_run_stopped_past_the_claim_resumes_past_it(tmp_path: Path):
    tmdb = FakeDiscover(titles=395, claim_pages=0)
    served = tmdb.pages_served
    stop_after = 8

    s = Settings(
        access_token=Secret("t"),
        media=(MediaType.MOVIE,),
        genres="",
        released_until=None,
        partition_date=date(2024, 1, 1),
        records_per_file=20,
        concurrency=2,
    )

    async def go(stop: bool) -> RunReport:
        return await ingest(
            s,
            LocalStorage(tmp_path),
            transport=HttpxTransport(httpx.MockTransport(tmdb.handle)),
            should_stop=(lambda: len(served) >= stop_after) if stop else None,
        )

    first = asyncio.run(go(stop=True))
    assert not first.complete
    before = len(served)
    second = asyncio.run(go(stop=False))
    assert second.complete and second.resumed
    assert second.records["movies"] == 395
    assert second.counters["total_pages_contradicted"] == 1
    resumed_from = min(served[before:])
    assert resumed_from > 2  # it did not start over, and did not stop at the claim


def test_a_split_at_the_end_of_the_calendar_does_not_overflow(tmp_path: Path):
    """`--date 9999-12-31` with no upper release date: the last window ends on 9999-12-31."""
    queries: list[httpx.QueryParams] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if "/genre/" in request.url.path:
            return httpx.Response(200, json={"genres": []})
        queries.append(request.url.params)
        dated = "primary_release_date.lte" in request.url.params
        total = 0 if dated else 50_000  # over the cap unbounded: split into date windows
        body = {"page": 1, "results": [], "total_pages": 0, "total_results": total}
        return httpx.Response(200, content=orjson.dumps(body))

    s = Settings(
        access_token=Secret("t"),
        media=(MediaType.MOVIE,),
        genres="",
        released_until=None,
        partition_date=date(9999, 12, 31),
    )
    report = asyncio.run(
        ingest(s, LocalStorage(tmp_path), transport=HttpxTransport(httpx.MockTransport(handle)))
    )
    assert report.complete  # was: ValueError: year 10009 is out of range
    assert max(q.get("primary_release_date.lte", "") for q in queries) == "9999-12-31"
    assert report.counters["undated_unreachable"] == 50_000
