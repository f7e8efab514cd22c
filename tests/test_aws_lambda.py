"""The Lambda entry points, called as AWS calls them, against the simulator."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tmdb_lake import aws_lambda
from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer

SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2024-05-01T06:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/tmdb-lake-daily"],
    "detail": {},
}


class FakeContext:
    """A Lambda context whose remaining time runs out after `checks` look-ups."""

    function_name = "tmdb-lake-ingest"
    aws_request_id = "req-1"

    def __init__(self, checks: int | None = None) -> None:
        self.checks = checks

    def get_remaining_time_in_millis(self) -> int:
        if self.checks is None:
            return 900_000
        self.checks -= 1
        return 900_000 if self.checks >= 0 else 1_000


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(movies=4_000, series=3_000, seed=7)


@pytest.fixture(scope="module")
def simulator(catalog: Catalog) -> Iterator[SimulatorServer]:
    with SimulatorServer(catalog, SimulatorConfig()) as server:
        yield server


@pytest.fixture
def lambda_env(simulator: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    lake = tmp_path / "lake"
    for name in list(__import__("os").environ):
        if name.startswith(("TMDB_", "AWS_")) or name in ("API_KEY", "BUCKET_NAME"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TMDB_API_URL", simulator.api_url)
    monkeypatch.setenv("TMDB_EXPORTS_URL", simulator.exports_url)
    monkeypatch.setenv("TMDB_ACCESS_TOKEN", "simulator-token")
    monkeypatch.setenv("TMDB_LAKE_URI", str(lake))
    monkeypatch.setenv("TMDB_LAKE_RATE_LIMIT", "2000")
    return lake


def lake_ids(lake: Path, dataset: str) -> list[int]:
    ids: list[int] = []
    for path in sorted(lake.glob(f"raw/TMDB/JSON/{dataset}/*/*/*/*.json")):
        ids.extend(record["id"] for record in json.loads(path.read_text("utf-8")))
    return ids


def expected_discover(catalog: Catalog, media: str) -> list[int]:
    key = "primary_release_date.lte" if media == "movie" else "first_air_date.lte"
    return catalog.discover_ids(media, {"with_genres": "16,35", key: "2023-12-31"})  # type: ignore[arg-type]


def test_scheduled_event_runs_the_original_job(lambda_env: Path, catalog: Catalog) -> None:
    response = aws_lambda.lambda_handler({**SCHEDULED_EVENT, "limit": 100}, FakeContext())
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["complete"] is True
    assert body["partition_date"] == "2024-05-01"  # from the event's time
    assert body["records"]["movies"] == 100 and body["records"]["series"] == 100
    assert lake_ids(lambda_env, "movies") == expected_discover(catalog, "movie")[:100]
    assert lake_ids(lambda_env, "series") == expected_discover(catalog, "tv")[:100]
    files = list(lambda_env.glob("raw/TMDB/JSON/movies/2024/05/01/*.json"))
    assert len(files) == 1
    assert (lambda_env / body["manifest"]).is_file()


def test_invalid_event_is_a_400_with_one_line(lambda_env: Path) -> None:
    response = aws_lambda.lambda_handler({"limit": 0}, FakeContext())
    assert response["statusCode"] == 400
    body = json.loads(response["body"])
    assert body["error"] == "limit must be at least 1, got 0" or "at least 1" in body["error"]
    assert not list(lambda_env.glob("raw/TMDB/JSON/**/*.json"))
    over = json.loads(aws_lambda.lambda_handler({"limit": 12000}, FakeContext())["body"])
    assert "12000 is over 10,000" in over["error"] and "\n" not in over["error"]


def test_rejected_key_is_a_502_without_the_key(
    lambda_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMDB_ACCESS_TOKEN", "wrong-token-123456")
    response = aws_lambda.lambda_handler(SCHEDULED_EVENT, FakeContext())
    assert response["statusCode"] == 502
    assert "TMDB rejected the credentials" in response["body"]
    assert "wrong-token-123456" not in response["body"]


def test_deadline_stops_cleanly_and_the_next_invocation_resumes(
    lambda_env: Path, catalog: Catalog
) -> None:
    event = {**SCHEDULED_EVENT, "media": "movie"}
    first = json.loads(aws_lambda.lambda_handler(event, FakeContext(checks=10))["body"])
    assert first["complete"] is False and first["manifest"] is None
    assert lake_ids(lambda_env, "movies") == []  # nothing published before the commit
    second = json.loads(aws_lambda.lambda_handler(event, FakeContext())["body"])
    assert second["complete"] is True and second["resumed"] is True
    assert second["run_id"] == first["run_id"]
    ids = lake_ids(lambda_env, "movies")
    assert sorted(ids) == sorted(expected_discover(catalog, "movie"))
    assert len(ids) == len(set(ids))


def test_step_functions_chain_survives_deadlines_exactly_once(
    lambda_env: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMDB_LAKE_MODE", "catalog")
    monkeypatch.setenv("TMDB_LAKE_MEDIA", "movie")
    planned = aws_lambda.plan_handler(SCHEDULED_EVENT, FakeContext())
    assert planned["shards"] and planned["run"]["overrides"]["partition_date"] == "2024-05-01"
    assert (lambda_env / planned["shards_key"]).is_file()
    invocations = 0
    results = []
    for shard in planned["shards"]:
        # what the Map's ItemSelector passes, as plain JSON
        state = json.loads(json.dumps({"run": planned["run"], "shard": shard}))
        while True:
            invocations += 1
            state = aws_lambda.shard_handler(state, FakeContext(checks=400))
            if state["complete"]:
                break
            assert invocations < 100
        results.append(state)
    assert invocations >= 3
    done = aws_lambda.commit_handler({"run": planned["run"]}, FakeContext())
    ids = lake_ids(lambda_env, "movie_details")
    from datetime import date

    expected = [
        i for i in catalog.export_ids("movie", date(2024, 5, 1)) if catalog.exists("movie", i)
    ]
    assert len(ids) == len(set(ids))
    assert set(ids) <= set(catalog.export_ids("movie", date(2024, 5, 1)))
    assert done["records"]["movie_details"] == len(ids)
    assert (lambda_env / done["manifest"]).is_file()
    assert not list((lambda_env / "raw/TMDB/_staging").glob("*"))
    assert sorted(ids) == sorted(expected)  # each live title exactly once


def test_commit_refuses_while_a_shard_is_unfinished(
    lambda_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tmdb_lake.errors import StorageError

    monkeypatch.setenv("TMDB_LAKE_MEDIA", "movie")
    planned = aws_lambda.plan_handler(SCHEDULED_EVENT, FakeContext())
    state = {"run": planned["run"], "shard": planned["shards"][0]}
    assert aws_lambda.shard_handler(state, FakeContext(checks=3))["complete"] is False
    with pytest.raises(StorageError, match="unfinished"):
        aws_lambda.commit_handler({"run": planned["run"]}, FakeContext())
    assert not list(lambda_env.glob("raw/TMDB/_runs/**/*.json"))
    for shard in planned["shards"]:
        state = {"run": planned["run"], "shard": shard}
        assert aws_lambda.shard_handler(state, FakeContext())["complete"] is True
    done = aws_lambda.commit_handler({"run": planned["run"]}, FakeContext())
    assert done["records"]["movies"] > 0 and done["records"]["genres_movie"] > 0


def test_step_functions_steps_agree_on_the_run_with_an_env_file(
    lambda_env: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`.env` settings apply to every step alike, so the shards' run key is the plan's."""
    env_file = tmp_path / "function.env"
    env_file.write_text("TMDB_LAKE_GENRES=35\nTMDB_LAKE_MEDIA=tv\n")
    monkeypatch.setenv("TMDB_LAKE_ENV_FILE", str(env_file))
    planned = aws_lambda.plan_handler(SCHEDULED_EVENT, FakeContext())
    for shard in planned["shards"]:
        state = json.loads(json.dumps({"run": planned["run"], "shard": shard}))
        assert aws_lambda.shard_handler(state, FakeContext())["complete"] is True
    done = aws_lambda.commit_handler({"run": planned["run"]}, FakeContext())
    manifest = json.loads((lambda_env / done["manifest"]).read_text())
    assert manifest["run_key"] == planned["run"]["run_key"]
    assert manifest["datasets"]["series"]["definition"]["genres"] == "35"
    key = "first_air_date.lte"
    expected = catalog.discover_ids("tv", {"with_genres": "35", key: "2023-12-31"})  # type: ignore[arg-type]
    assert sorted(lake_ids(lambda_env, "series")) == sorted(expected)
    assert "movies" not in manifest["datasets"]


def test_a_step_whose_settings_differ_from_the_plan_is_refused(
    lambda_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMDB_LAKE_MEDIA", "movie")
    planned = aws_lambda.plan_handler(SCHEDULED_EVENT, FakeContext())
    monkeypatch.setenv("TMDB_LAKE_GENRES", "18")  # the shard function was deployed differently
    from tmdb_lake.errors import ConfigError

    with pytest.raises(ConfigError, match="another run key than the plan"):
        aws_lambda.shard_handler({"run": planned["run"], "shard": planned["shards"][0]}, None)
