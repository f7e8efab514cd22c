"""The run protocol in one process, against the simulator over real HTTP and a local lake.

Ownership of a day, cross-mode runs, an interrupted commit healed by another definition,
duplicates across date windows, and the changes window of a re-run.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from faults.lakecheck import LocalLake, assert_no_lease_held, current_manifests
from support import lake_records  # type: ignore[import-not-found]
from tmdb_lake.errors import OwnershipError, StorageError
from tmdb_lake.lake.local import LocalStorage
from tmdb_lake.run import RunReport, ingest, open_lake
from tmdb_lake.settings import Settings, load_settings
from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer

DAY = "2024-05-01"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(movies=1_500, series=400, seed=21)


@pytest.fixture(scope="module")
def simulator(catalog: Catalog) -> Iterator[SimulatorServer]:
    with SimulatorServer(catalog, SimulatorConfig()) as server:
        yield server


def settings_for(server: SimulatorServer, lake: Path, **options: str) -> Settings:
    cli = {"lake": str(lake), "partition_date": DAY, "rate_limit": "5000", **options}
    env = {
        "TMDB_API_URL": server.api_url,
        "TMDB_EXPORTS_URL": server.exports_url,
        "TMDB_ACCESS_TOKEN": "simulator-token",
    }
    return load_settings(cli, env, {})


def run_ingest(settings: Settings) -> RunReport:
    async def go() -> RunReport:
        storage = open_lake(settings)
        try:
            return await ingest(settings, storage)
        finally:
            await storage.close()

    return asyncio.run(go())


def current_ids(lake: Path, dataset: str) -> list[int]:
    """Ids of the dataset's current snapshot, read through its manifest only."""
    _, manifest = current_manifests(LocalLake(lake), DAY)[dataset]
    ids: list[int] = []
    for item in manifest["datasets"][dataset]["files"]:
        data = json.loads((lake / item["key"]).read_text("utf-8"))
        ids.extend(record["id"] for record in data)
    return ids


def discover_truth(
    catalog: Catalog, media: str, genres: str, until: str | None = "2023-12-31"
) -> set[int]:
    date_key = "primary_release_date.lte" if media == "movie" else "first_air_date.lte"
    params = {date_key: until} if until else {}
    params.update({"with_genres": genres} if genres else {})
    return set(catalog.discover_ids(media, params))  # type: ignore[arg-type]


def test_another_definition_is_refused_then_replaces_with_replace(
    simulator: SimulatorServer, catalog: Catalog, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    first = run_ingest(settings_for(simulator, lake, media="movie"))
    with pytest.raises(OwnershipError) as refused:
        run_ingest(settings_for(simulator, lake, media="movie", genres="35"))
    message = str(refused.value)
    assert f"movies of {DAY} was published by run {first.run_id}" in message
    assert "--replace" in message and refused.value.exit_code == 2
    assert set(current_ids(lake, "movies")) == discover_truth(catalog, "movie", "16,35")

    replaced = run_ingest(settings_for(simulator, lake, media="movie", genres="35", replace="1"))
    assert set(current_ids(lake, "movies")) == discover_truth(catalog, "movie", "35")
    old = json.loads((lake / f"raw/TMDB/_runs/2024/05/01/{first.run_id}.json").read_text())
    assert old["datasets"]["movies"]["superseded_by"] == replaced.run_id
    assert all(not (lake / f["key"]).exists() for f in old["datasets"]["movies"]["files"])
    assert_no_lease_held(LocalLake(lake))


def test_the_same_definition_replaces_its_own_day(
    simulator: SimulatorServer, catalog: Catalog, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    a = run_ingest(settings_for(simulator, lake, media="tv"))
    b = run_ingest(settings_for(simulator, lake, media="tv", file_format="jsonl"))
    assert b.run_id != a.run_id
    current = current_manifests(LocalLake(lake), DAY)
    assert current["series"][1]["run_id"] == b.run_id
    listed = {f["key"] for f in current["series"][1]["datasets"]["series"]["files"]}
    on_disk = {p.relative_to(lake).as_posix() for p in lake.glob("raw/TMDB/JSON/series/**/*.*")}
    assert listed == on_disk  # one snapshot in the folder: glob readers see no duplicate


def test_catalog_then_changes_then_details_lose_nothing(
    simulator: SimulatorServer, catalog: Catalog, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    run_ingest(settings_for(simulator, lake, media="movie", mode="catalog"))
    catalog_ids = set(current_ids(lake, "movie_details"))
    day = date.fromisoformat(DAY)
    expected = {i for i in catalog.export_ids("movie", day) if catalog.exists("movie", i)}
    assert catalog_ids == expected

    run_ingest(settings_for(simulator, lake, media="movie", mode="changes", since="2024-04-28"))
    changed = {
        i
        for i in catalog.changed_ids("movie", date(2024, 4, 28), day)
        if catalog.exists("movie", i)
    }
    assert set(current_ids(lake, "movie_changes")) == changed
    assert set(current_ids(lake, "movie_details")) == catalog_ids  # the catalog's day stays

    with pytest.raises(OwnershipError, match="movie_details of 2024-05-01 was published"):
        run_ingest(settings_for(simulator, lake, media="movie", details="1"))
    assert set(current_ids(lake, "movie_details")) == catalog_ids
    assert set(current_ids(lake, "movie_changes")) == changed
    manifests = current_manifests(LocalLake(lake), DAY)
    assert manifests["movie_changes"][1]["datasets"]["movie_changes"]["kind"] == "delta"
    assert manifests["movie_details"][1]["datasets"]["movie_details"]["kind"] == "snapshot"


class FailingCopies:
    """A local lake whose copies fail after `allowed` of them: a commit that stops half-way."""

    def __init__(self, storage: LocalStorage, allowed: int) -> None:
        self._storage = storage
        self.allowed = allowed
        self.description = storage.description

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)

    async def copy(self, source: str, target: str) -> None:
        if self.allowed <= 0:
            raise StorageError(f"local copy failed for {target!r}: No space left on device")
        self.allowed -= 1
        await self._storage.copy(source, target)


def test_a_commit_stopped_half_way_is_finished_by_a_run_of_another_definition(
    simulator: SimulatorServer, catalog: Catalog, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    settings = settings_for(simulator, lake, media="movie", genres="", records_per_file="20")

    async def half_commit() -> None:
        storage = FailingCopies(LocalStorage(lake), allowed=10)
        await ingest(settings, storage)  # type: ignore[arg-type]

    with pytest.raises(StorageError, match="No space left"):
        asyncio.run(half_commit())
    published = list(lake.glob("raw/TMDB/JSON/movies/**/*.json"))
    assert published and not list(lake.glob("raw/TMDB/_runs/**/*.json"))  # partial, unlisted

    with pytest.raises(OwnershipError):  # heals first (finishes the commit), then refuses
        run_ingest(settings_for(simulator, lake, media="movie", genres="35"))
    truth = discover_truth(catalog, "movie", "")
    assert sorted(current_ids(lake, "movies")) == sorted(truth)
    assert not list(lake.glob("raw/TMDB/_commits/**/*.json"))
    assert not list(lake.glob("raw/TMDB/_staging/*"))

    again = run_ingest(settings)  # the first definition again: a fresh, exact snapshot
    assert again.complete and sorted(current_ids(lake, "movies")) == sorted(truth)


def test_titles_met_in_two_date_windows_land_once(tmp_path: Path) -> None:
    catalog = Catalog(movies=13_000, series=10, seed=5)
    config = SimulatorConfig(date_drift_rate=0.15)
    with SimulatorServer(catalog, config) as server:
        truth = discover_truth(catalog, "movie", "", until=None)
        assert len(truth) > 10_000  # past the cap: the run splits into date windows
        report = run_ingest(
            settings_for(server, tmp_path / "lake", media="movie", genres="", released_until="none")
        )
    ids = current_ids(tmp_path / "lake", "movies")
    assert len(ids) == len(set(ids)), "an id landed twice"
    assert report.counters.get("duplicates_across_windows", 0) > 0  # the case did happen
    assert set(ids) <= truth  # nothing that TMDB does not have


def test_a_changes_rerun_of_the_same_day_keeps_its_window(
    simulator: SimulatorServer, catalog: Catalog, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    options: Mapping[str, str] = {"media": "tv", "mode": "changes"}
    run_ingest(settings_for(simulator, lake, since="2024-04-20", **options))
    first = set(current_ids(lake, "series_changes"))
    run_ingest(settings_for(simulator, lake, **options))  # no --since: the state's window
    assert set(current_ids(lake, "series_changes")) == first
    with pytest.raises(OwnershipError, match="holds the changes since 2024-04-20"):
        run_ingest(settings_for(simulator, lake, since="2024-04-29", **options))
    state = json.loads((lake / "raw/TMDB/_state/changes-tv.json").read_text())
    assert (state["since"], state["until"]) == ("2024-04-20", DAY)


def test_a_corrupt_changes_state_is_one_line_naming_the_file(
    simulator: SimulatorServer, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    state = lake / "raw/TMDB/_state/changes-movie.json"
    state.parent.mkdir(parents=True)
    state.write_text('{"until": ')
    with pytest.raises(StorageError) as corrupt:
        run_ingest(settings_for(simulator, lake, media="movie", mode="changes"))
    assert str(corrupt.value).startswith(
        "the changes state raw/TMDB/_state/changes-movie.json is corrupt"
    )
    assert "\n" not in str(corrupt.value)
    assert_no_lease_held(LocalLake(lake))
    assert not lake_records(lake, "movie_changes")
