"""`tmdb-lake ingest` as a user runs it: a subprocess against the simulator over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

from support import expected_ids, lake_records  # type: ignore[import-not-found]
from tmdb_lake.simulator import Catalog


def test_limit_100_reproduces_the_original_script(tmdb_lake, tmp_path: Path, e2e_catalog: Catalog):
    result = tmdb_lake("ingest", "--limit", "100", "--date", "2024-05-01", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["complete"] is True
    assert summary["records"]["movies"] == 100 and summary["records"]["series"] == 100
    lake = tmp_path / "lake"
    movies = lake_records(lake, "movies")
    series = lake_records(lake, "series")
    assert [m["id"] for m in movies] == expected_ids(e2e_catalog, "movie")[:100]
    assert [s["id"] for s in series] == expected_ids(e2e_catalog, "tv")[:100]
    files = sorted((lake / "raw/TMDB/JSON/movies/2024/05/01").iterdir())
    assert len(files) == 1 and files[0].name.startswith("movies_20240501_")
    manifest = json.loads((lake / summary["manifest"]).read_text())
    assert manifest["complete"] is True and manifest["version"]
    assert manifest["datasets"]["movies"]["files"][0]["records"] == 100
    assert manifest["filters"]["genres"] == "16,35"


def test_full_run_lands_every_record_once_in_small_files(
    tmdb_lake, tmp_path: Path, e2e_catalog: Catalog
):
    result = tmdb_lake("ingest", "--records-per-file", "37", "--quiet")
    assert result.code == 0, result.stderr
    lake = tmp_path / "lake"
    for dataset, media in (("movies", "movie"), ("series", "tv")):
        ids = [r["id"] for r in lake_records(lake, dataset)]
        assert sorted(ids) == sorted(expected_ids(e2e_catalog, media))
        assert len(ids) == len(set(ids))
    for path in lake.glob("raw/TMDB/JSON/*/*/*/*/*.json"):
        assert len(json.loads(path.read_text())) <= 37
        assert path.stat().st_size <= 10_000_000
    assert "run " in result.stdout and "complete" in result.stdout


def test_records_are_tmdb_objects_exactly(tmdb_lake, tmp_path: Path, simulator):
    import httpx

    result = tmdb_lake("ingest", "--limit", "20", "--media", "movie")
    assert result.code == 0, result.stderr
    page = httpx.get(
        f"{simulator.api_url}/discover/movie",
        params={
            "with_genres": "16,35",
            "primary_release_date.lte": "2023-12-31",
            "language": "pt-BR",
            "include_adult": "false",
            "include_video": "false",
            "sort_by": "popularity.desc",
            "page": "1",
        },
        headers={"Authorization": "Bearer simulator-token"},
    ).json()
    assert lake_records(tmp_path / "lake", "movies") == page["results"]
    raw = next((tmp_path / "lake").glob("raw/TMDB/JSON/movies/*/*/*/*.json")).read_bytes()
    assert b"\\u00" not in raw  # non-ASCII kept as is, not escaped


def test_jsonl_format_and_renamed_datasets(tmdb_lake, tmp_path: Path, e2e_catalog: Catalog):
    result = tmdb_lake(
        "ingest",
        "--format",
        "jsonl",
        "--movies-dataset",
        "filmes",
        "--limit",
        "50",
        "--media",
        "movie",
    )
    assert result.code == 0, result.stderr
    files = list((tmp_path / "lake").glob("raw/TMDB/JSON/filmes/*/*/*/*.jsonl"))
    assert len(files) == 1
    lines = files[0].read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == expected_ids(e2e_catalog, "movie")[:50]


def test_tv_gets_first_air_date_filter(tmdb_lake, tmp_path: Path, e2e_catalog: Catalog):
    result = tmdb_lake(
        "ingest", "--media", "tv", "--released-from", "2010-01-01", "--released-until", "2015-12-31"
    )
    assert result.code == 0, result.stderr
    records = lake_records(tmp_path / "lake", "series")
    assert records and all("2010-01-01" <= r["first_air_date"] <= "2015-12-31" for r in records)
    expected = e2e_catalog.discover_ids(
        "tv",
        {
            "with_genres": "16,35",
            "first_air_date.gte": "2010-01-01",
            "first_air_date.lte": "2015-12-31",
        },
    )
    assert sorted(r["id"] for r in records) == sorted(expected)


def test_rerun_same_day_keeps_one_copy(tmdb_lake, tmp_path: Path):
    first = tmdb_lake("ingest", "--date", "2024-05-01", "--json")
    second = tmdb_lake("ingest", "--date", "2024-05-01", "--json")
    assert first.code == second.code == 0
    assert first.json()["run_id"] != second.json()["run_id"]
    lake = tmp_path / "lake"
    ids = [r["id"] for r in lake_records(lake, "movies")]
    assert len(ids) == len(set(ids)) == first.json()["records"]["movies"]
    names = {p.name for p in lake.glob("raw/TMDB/JSON/movies/2024/05/01/*")}
    assert all(second.json()["run_id"] in name for name in names)
    assert len(list(lake.glob("raw/TMDB/_runs/2024/05/01/*.json"))) == 2


def test_original_dotenv_and_keep_local(tmdb_lake, tmp_path: Path):
    (tmp_path / ".env").write_text("API_KEY=simulator-key\nTMDB_LAKE_LIMIT=20\n")
    result = tmdb_lake(
        "ingest", "--keep-local", "copy", "--media", "tv", env={"TMDB_ACCESS_TOKEN": ""}
    )
    assert result.code == 0, result.stderr
    lake_files = sorted(
        p.relative_to(tmp_path / "lake") for p in (tmp_path / "lake").rglob("*.json")
    )
    copy_files = sorted(
        p.relative_to(tmp_path / "copy") for p in (tmp_path / "copy").rglob("*.json")
    )
    assert lake_files == copy_files and len(lake_records(tmp_path / "lake", "series")) == 20
