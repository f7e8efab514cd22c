"""Every record, not just the first 10,000: the cap, details, catalog, changes, resume."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from support import clean_env, lake_records  # type: ignore[import-not-found]
from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer


@pytest.fixture(scope="module")
def big_catalog() -> Catalog:
    return Catalog(movies=60_000, series=2_000, seed=3)


@pytest.fixture(scope="module")
def big_simulator(big_catalog: Catalog) -> Iterator[SimulatorServer]:
    with SimulatorServer(big_catalog, SimulatorConfig()) as server:
        yield server


def run(
    server: SimulatorServer, cwd: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    base = {
        "TMDB_API_URL": server.api_url,
        "TMDB_EXPORTS_URL": server.exports_url,
        "TMDB_ACCESS_TOKEN": "simulator-token",
        "TMDB_LAKE_RATE_LIMIT": "5000",
        "TMDB_LAKE_CONCURRENCY": "24",
    }
    return subprocess.run(
        [sys.executable, "-m", "tmdb_lake.cli", *args],
        cwd=cwd,
        env=clean_env({**base, **env}),
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )


def ids(lake: Path, dataset: str) -> list[int]:
    return [r["id"] for r in lake_records(lake, dataset)]


def test_past_the_10000_cap_every_record_once(big_simulator, big_catalog, tmp_path: Path):
    expected = big_catalog.discover_ids(
        "movie", {"with_genres": "35", "primary_release_date.lte": "2023-12-31"}
    )
    assert len(expected) > 10_000  # the point of the test
    result = run(
        big_simulator,
        tmp_path,
        "ingest",
        "--media",
        "movie",
        "--genres",
        "35",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    got = ids(tmp_path / "lake", "movies")
    assert len(got) == len(set(got))
    assert set(got) == set(expected)
    assert "split into" in result.stderr


def test_details_genres_and_imdb_ids(big_simulator, big_catalog, tmp_path: Path):
    result = run(big_simulator, tmp_path, "ingest", "--details", "--limit", "150", "--json")
    assert result.returncode == 0, result.stderr
    lake = tmp_path / "lake"
    for listing, details, media in (
        ("movies", "movie_details", "movie"),
        ("series", "series_details", "tv"),
    ):
        listed = ids(lake, listing)
        records = lake_records(lake, details)
        assert sorted(r["id"] for r in records) == sorted(listed)
        if media == "movie":
            assert all(r["imdb_id"] is None or r["imdb_id"].startswith("tt") for r in records)
            assert all(
                {"credits", "keywords", "external_ids", "release_dates"} <= r.keys()
                for r in records
            )
        else:
            assert all("imdb_id" in r["external_ids"] for r in records)
            assert all("content_ratings" in r for r in records)
    genres = {g["id"]: g["name"] for g in lake_records(lake, "genres_movie")}
    assert genres[35] == "Comédia" and genres[16] == "Animação"
    assert lake_records(lake, "genres_tv")


def test_catalog_reads_the_export_and_counts_deleted_titles(tmp_path: Path):
    catalog = Catalog(movies=3_000, series=600, seed=9)
    now = datetime.now(UTC)
    with SimulatorServer(catalog, SimulatorConfig()) as server:
        result = run(server, tmp_path, "ingest", "--catalog", "--json", "--date", "2024-06-01")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    lake = tmp_path / "lake"
    day = now.date() if now.hour >= 8 else now.date() - timedelta(days=1)
    for media, dataset in (("movie", "movie_details"), ("tv", "series_details")):
        listed = catalog.export_ids(media, day)
        alive = [i for i in listed if catalog.exists(media, i)]
        got = ids(lake, dataset)
        assert sorted(got) == sorted(alive)
    deleted = sum(
        1 for m in ("movie", "tv") for i in catalog.export_ids(m, day) if not catalog.exists(m, i)
    )
    assert summary["counters"].get("details_not_found", 0) == deleted
    assert summary["peak_rss_mb"] > 0


def test_catalog_falls_back_to_yesterdays_export_before_it_is_published(tmp_path: Path):
    catalog = Catalog(movies=800, series=200, seed=2)
    today = datetime.now(UTC).date()
    early = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=5)
    # The simulator's CDN has not published today's file yet, whatever the real hour.
    with SimulatorServer(catalog, SimulatorConfig(), now=lambda: early) as server:
        result = run(server, tmp_path, "ingest", "--catalog", "--media", "movie")
    assert result.returncode == 0, result.stderr
    yesterday = today - timedelta(days=1)
    assert f"export of {yesterday}" in result.stderr  # after 08:00 UTC, by the fallback


def test_changes_since_then_from_state(tmp_path: Path):
    catalog = Catalog(movies=4_000, series=800, seed=4)
    with SimulatorServer(catalog, SimulatorConfig()) as server:
        first = run(
            server,
            tmp_path,
            "ingest",
            "--changes",
            "--since",
            "2024-03-01",
            "--date",
            "2024-03-04",
            "--media",
            "movie",
            "--json",
        )
        assert first.returncode == 0, first.stderr
        changed = catalog.changed_ids("movie", date(2024, 3, 1), date(2024, 3, 4))
        alive = {i for i in changed if catalog.exists("movie", i)}
        assert changed and set(ids(tmp_path / "lake", "movie_changes")) == alive
        state = json.loads((tmp_path / "lake/raw/TMDB/_state/changes-movie.json").read_text())
        assert state["until"] == "2024-03-04"
        second = run(
            server, tmp_path, "ingest", "--changes", "--date", "2024-03-06", "--media", "movie"
        )
        assert second.returncode == 0, second.stderr
        later = catalog.changed_ids("movie", date(2024, 3, 4), date(2024, 3, 6))
        got = [
            r["id"] for r in lake_records(tmp_path / "lake", "movie_changes", pattern="*20240306*")
        ]
        assert set(got) == {i for i in later if catalog.exists("movie", i)}
    assert "titles changed from 2024-03-04 to 2024-03-06" in second.stderr


def test_changes_windows_longer_than_14_days_are_cut(tmp_path: Path):
    catalog = Catalog(movies=2_000, series=300, seed=8)
    with SimulatorServer(catalog, SimulatorConfig()) as server:
        result = run(
            server,
            tmp_path,
            "ingest",
            "--changes",
            "--since",
            "2024-01-01",
            "--date",
            "2024-02-15",
            "--media",
            "tv",
        )
    assert result.returncode == 0, result.stderr
    changed = catalog.changed_ids("tv", date(2024, 1, 1), date(2024, 2, 15))
    assert set(ids(tmp_path / "lake", "series_changes")) == {
        i for i in changed if catalog.exists("tv", i)
    }


def test_interrupted_run_resumes_exactly_once(tmp_path: Path):
    catalog = Catalog(movies=3_000, series=500, seed=6)
    with SimulatorServer(catalog, SimulatorConfig(latency_s=0.01)) as server:
        env = clean_env(
            {
                "TMDB_API_URL": server.api_url,
                "TMDB_EXPORTS_URL": server.exports_url,
                "TMDB_ACCESS_TOKEN": "simulator-token",
                "TMDB_LAKE_RATE_LIMIT": "100",  # about 30 s: time to interrupt it when loaded
            }
        )
        args = [
            sys.executable,
            "-m",
            "tmdb_lake.cli",
            "ingest",
            "--catalog",
            "--media",
            "movie",
            "--date",
            "2024-07-01",
            "--records-per-file",
            "50",
        ]
        proc = subprocess.Popen(
            args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        staging = tmp_path / "lake/raw/TMDB/_staging"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list(staging.rglob("*.json"))) < 20:
            assert proc.poll() is None, "the run ended before it could be interrupted"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "run the same command again to resume" in err
        assert not list((tmp_path / "lake/raw/TMDB/JSON").rglob("*.json"))
        again = run(server, tmp_path, *args[3:], "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["resumed"] is True
    day = (
        datetime.now(UTC).date()
        if datetime.now(UTC).hour >= 8
        else datetime.now(UTC).date() - timedelta(days=1)
    )
    alive = [i for i in catalog.export_ids("movie", day) if catalog.exists("movie", i)]
    got = ids(tmp_path / "lake", "movie_details")
    assert len(got) == len(set(got)) and sorted(got) == sorted(alive)
    assert summary["requests"] <= len(alive) - 200  # completed ids were not fetched again


def test_unbounded_query_past_the_cap_counts_the_undated_it_cannot_reach(
    big_simulator, big_catalog, tmp_path: Path
):
    unbounded = set(big_catalog.discover_ids("movie", {"with_genres": "35"}))
    dated = set(
        big_catalog.discover_ids(
            "movie", {"with_genres": "35", "primary_release_date.gte": "1870-01-01"}
        )
    )
    assert len(unbounded) > 10_000 and len(unbounded - dated) > 0
    result = run(
        big_simulator,
        tmp_path,
        "ingest",
        "--media",
        "movie",
        "--genres",
        "35",
        "--released-until",
        "none",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    got = ids(tmp_path / "lake", "movies")
    assert len(got) == len(set(got)) and set(got) == dated
    summary = json.loads(result.stdout)
    assert summary["counters"]["undated_unreachable"] == len(unbounded - dated)
    assert f"warning: {len(unbounded - dated):,} titles without a release date" in result.stderr
