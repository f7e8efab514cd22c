"""Fixtures of the fault matrix: a small catalog, simulators per case, the CLI as a subprocess.

Every case ingests the same small catalog with a fixed `--date`, so that a second run resumes
the first, and compares the lake with `lakecheck.assert_lake_exact`: the simulator's own
ground truth for ids (`Catalog.discover_ids`) and a fault-free run for record contents.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from faults.lakecheck import LocalLake, assert_lake_exact, decode  # type: ignore[import-not-found]
from faults.matrix import (  # type: ignore[import-not-found]
    ALL_GENRES,
    DAY,
    DRAMA_DETAILS,
    FAULT_CATALOG,
    RECORDS_PER_FILE,
    Cli,
    Expected,
    base_args,
)
from support import expected_ids  # type: ignore[import-not-found]
from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer


@pytest.fixture(scope="session")
def fault_catalog() -> Catalog:
    return Catalog(**FAULT_CATALOG)


@pytest.fixture
def simulators(fault_catalog: Catalog) -> Iterator[Callable[..., SimulatorServer]]:
    """Start simulators of the fault catalog (any config, any port); all stopped at teardown."""
    started: list[SimulatorServer] = []

    def start(config: SimulatorConfig = SimulatorConfig(), port: int = 0) -> SimulatorServer:  # noqa: B008
        server = SimulatorServer(fault_catalog, config, port=port)
        for attempt in range(50):  # the old socket on `port` may take a moment to go
            try:
                server.start()
                break
            except OSError:
                if attempt == 49:
                    raise
                time.sleep(0.05)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    runner = Cli(tmp_path)
    yield runner
    for spawned in runner.spawned:  # a failed test may leave its own child running
        if spawned.proc.poll() is None:
            spawned.proc.kill()
            spawned.proc.wait(10)


_REFERENCE_CASES = {"all": ALL_GENRES, "drama_details": DRAMA_DETAILS}


@pytest.fixture(scope="session")
def expected(
    fault_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Expected]]:
    """Give `expected(case)`: ids from the catalog's ground truth, records from a clean run."""
    cache: dict[str, Expected] = {}
    with SimulatorServer(fault_catalog, SimulatorConfig()) as server:

        def get(case: str) -> Expected:
            if case in cache:
                return cache[case]
            extra = _REFERENCE_CASES[case]
            runner = Cli(tmp_path_factory.mktemp(f"reference-{case}"), server.api_url)
            result = runner.run(base_args(extra))
            assert result.code == 0, result.stderr
            genres = extra[extra.index("--genres") + 1]
            ids = {
                "movies": set(expected_ids(fault_catalog, "movie", genres=genres)),
                "series": set(expected_ids(fault_catalog, "tv", genres=genres)),
            }
            if "--details" in extra:
                ids["movie_details"] = set(ids["movies"])
                ids["series_details"] = set(ids["series"])
            lake = LocalLake(runner.cwd / "lake")
            genre_lists = {}
            for media in ("movie", "tv"):
                genre_lists[f"genres_{media}"] = {
                    row["id"]
                    for key in lake.objects()
                    if f"/JSON/genres_{media}/" in key
                    for row in decode(lake.read(key), key)
                }
                assert genre_lists[f"genres_{media}"], f"no {media} genres in the reference"
            ids.update(genre_lists)
            content = assert_lake_exact(lake, DAY, ids, records_per_file=RECORDS_PER_FILE)
            cache[case] = Expected(ids, content.records, int(result.json()["requests"]))
            return cache[case]

        yield get
