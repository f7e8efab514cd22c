"""Daily id exports: gzip NDJSON like TMDB's, streamed, published at a set UTC hour."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime

import httpx
import pytest

from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer

NOW = datetime(2024, 6, 10, 7, 59, tzinfo=UTC)


class Clock:
    """A settable clock for the server."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _lines(response: httpx.Response) -> list[dict[str, object]]:
    assert response.status_code == 200
    return [json.loads(line) for line in gzip.decompress(response.content).splitlines()]


def test_movie_export_content_equals_export_ids(server: SimulatorServer, catalog: Catalog) -> None:
    response = httpx.get(f"{server.exports_url}/movie_ids_05_01_2024.json.gz")
    assert response.headers["transfer-encoding"] == "chunked"
    assert response.content[:2] == b"\x1f\x8b"  # a gzip file, not a transfer encoding
    lines = _lines(response)
    assert [line["id"] for line in lines] == catalog.export_ids("movie", date(2024, 5, 1))
    assert list(lines[0]) == ["adult", "id", "original_title", "popularity", "video"]
    assert all(line["adult"] is False for line in lines)
    again = httpx.get(f"{server.exports_url}/movie_ids_05_01_2024.json.gz")
    assert again.content == response.content  # reproducible bytes


def test_tv_and_adult_exports(server: SimulatorServer, catalog: Catalog) -> None:
    tv = _lines(httpx.get(f"{server.exports_url}/tv_series_ids_05_01_2024.json.gz"))
    assert [line["id"] for line in tv] == catalog.export_ids("tv", date(2024, 5, 1))
    assert list(tv[0]) == ["id", "original_name", "popularity"]
    adult = _lines(httpx.get(f"{server.exports_url}/adult_movie_ids_05_01_2024.json.gz"))
    assert adult and all(line["adult"] is True for line in adult)
    movies = set(catalog.export_ids("movie", date(2024, 5, 1)))
    assert not {line["id"] for line in adult} & movies  # adult titles have their own file


def test_publication_hour_and_future_days(catalog: Catalog) -> None:
    clock = Clock(NOW)
    with SimulatorServer(catalog, now=clock) as server:

        def status(day: str) -> int:
            return httpx.get(f"{server.exports_url}/movie_ids_{day}.json.gz").status_code

        assert status("06_10_2024") == 404  # today, before 08:00 UTC
        assert status("06_09_2024") == 200  # yesterday is always there
        assert status("06_11_2024") == 404  # the future never is
        clock.now = NOW.replace(hour=8, minute=0)
        assert status("06_10_2024") == 200
        missing = httpx.get(f"{server.exports_url}/movie_ids_06_11_2024.json.gz")
        assert missing.headers["content-type"] == "application/xml"
        assert b"<Code>NoSuchKey</Code>" in missing.content


@pytest.mark.parametrize(
    "name", ["movie_ids_13_01_2024.json.gz", "person_ids_01_01_2024.json.gz", "movie_ids.json"]
)
def test_unknown_export_names_are_404(server: SimulatorServer, name: str) -> None:
    assert httpx.get(f"{server.exports_url}/{name}").status_code == 404


def test_faults_never_touch_exports(catalog: Catalog) -> None:
    config = SimulatorConfig(error_rate=1.0, reset_rate=1.0, truncate_rate=1.0, fault_seed=1)
    with SimulatorServer(catalog, config) as server:
        response = httpx.get(f"{server.exports_url}/tv_series_ids_01_01_2024.json.gz")
        assert len(_lines(response)) == len(catalog.export_ids("tv", date(2024, 1, 1)))
        assert server.stats.faults_injected == 0
