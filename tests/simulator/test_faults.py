"""Every fault knob produces its fault, only on authorized API requests."""

from __future__ import annotations

import json
import time
from collections import Counter

import httpx
import pytest

from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer

KEY = {"api_key": "simulator-key"}


@pytest.fixture(scope="module")
def small() -> Catalog:
    return Catalog(movies=300, series=50, seed=3)


def _statuses(server: SimulatorServer, count: int) -> list[int]:
    with httpx.Client(base_url=server.api_url, params=KEY) as http:
        return [http.get("/genre/movie/list").status_code for _ in range(count)]


def test_rate_limit_answers_429_with_retry_after(small: Catalog) -> None:
    # 2 requests/s: a burst of 12 overflows it even on a slow, busy machine.
    with SimulatorServer(small, SimulatorConfig(rate_limit_rps=2)) as server:
        with httpx.Client(base_url=server.api_url, params=KEY) as http:
            responses = [http.get("/genre/movie/list") for _ in range(12)]
        limited = [r for r in responses if r.status_code == 429]
        assert 0 < len(limited) <= 10
        assert sum(r.status_code == 200 for r in responses) >= 2
        for response in limited:
            assert int(response.headers["retry-after"]) >= 1
            assert response.json() == {
                "success": False,
                "status_code": 25,
                "status_message": "Your request count (#) is over the allowed limit of (40).",
            }
        assert server.stats.throttled == len(limited)
        time.sleep(0.6)  # the bucket refills: polite clients get through again
        assert _statuses(server, 1) == [200]


def test_random_429(small: Catalog) -> None:
    with SimulatorServer(small, SimulatorConfig(random_429_rate=1.0)) as server:
        with httpx.Client(base_url=server.api_url, params=KEY) as http:
            response = http.get("/discover/movie")
        assert response.status_code == 429
        assert response.headers["retry-after"] == "1"
        assert server.stats.faults == {"random_429": 1}


def test_errors_are_5xx_half_html(small: Catalog) -> None:
    config = SimulatorConfig(error_rate=1.0, fault_seed=11)
    with (
        SimulatorServer(small, config) as server,
        httpx.Client(base_url=server.api_url, params=KEY) as http,
    ):
        responses = [http.get("/discover/movie") for _ in range(60)]
    assert {r.status_code for r in responses} == {500, 502, 503, 504}
    kinds = Counter(r.headers["content-type"].split(";")[0] for r in responses)
    assert kinds["text/html"] > 15 and kinds["application/json"] > 15
    html = next(r for r in responses if r.headers["content-type"] == "text/html")
    assert html.text.startswith("<html>")
    body = next(r for r in responses if r.headers["content-type"].startswith("application/json"))
    assert body.json()["success"] is False


def test_truncated_bodies_match_their_content_length(small: Catalog) -> None:
    with (
        SimulatorServer(small, SimulatorConfig(truncate_rate=1.0)) as server,
        httpx.Client(base_url=server.api_url, params=KEY) as http,
    ):
        response = http.get("/discover/movie")
        intact = httpx.get(f"{server.api_url}/discover/movie", params={"api_key": "bad"})
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert intact.status_code == 401 and intact.json()["status_code"] == 7


def test_reset_closes_without_answer(small: Catalog) -> None:
    with SimulatorServer(small, SimulatorConfig(reset_rate=1.0)) as server:
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{server.api_url}/discover/movie", params=KEY)
        # Invalid keys always get their 401, faults or not.
        assert httpx.get(f"{server.api_url}/discover/movie").status_code == 401
        assert server.stats.faults == {"reset": 1}


def test_slow_and_latency_add_delay(small: Catalog) -> None:
    config = SimulatorConfig(latency_s=0.05, slow_rate=1.0, slow_s=0.4)
    with SimulatorServer(small, config) as server, httpx.Client() as http:
        started = time.perf_counter()
        assert http.get(f"{server.api_url}/genre/tv/list", params=KEY).status_code == 200
        assert time.perf_counter() - started >= 0.45
        started = time.perf_counter()
        assert http.get(f"{server.exports_url}/nothing").status_code == 404
        assert 0.05 <= time.perf_counter() - started < 0.4  # latency only: no faults here
        assert server.stats.faults == {"slow": 1}


def test_fault_seed_makes_fault_sequences_repeatable(small: Catalog) -> None:
    config = SimulatorConfig(error_rate=0.3, random_429_rate=0.2, fault_seed=99)
    runs = []
    for _ in range(2):
        with SimulatorServer(small, config) as server:
            runs.append(_statuses(server, 40))
    assert runs[0] == runs[1]
    assert len(set(runs[0])) >= 3


def test_stats_count_requests_and_statuses(small: Catalog) -> None:
    with SimulatorServer(small) as server:
        _statuses(server, 3)
        httpx.get(f"{server.api_url}/genre/movie/list")
        snapshot = server.stats.snapshot()
    assert snapshot["requests"] == 4
    assert snapshot["statuses"] == {200: 3, 401: 1}


@pytest.mark.parametrize(
    "bad",
    [{"error_rate": 1.5}, {"reset_rate": -0.1}, {"rate_limit_rps": 0}, {"latency_s": -1}],
)
def test_config_rejects_impossible_values(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        SimulatorConfig(**bad)  # type: ignore[arg-type]


def test_odd_ids_serve_odd_but_valid_data_for_those_titles_only(small: Catalog) -> None:
    from tmdb_lake.simulator.oddities import BIG_INT

    ids = small.discover_ids("movie", {})
    odd, plain = ids[0], ids[1]
    config = SimulatorConfig(odd_ids=frozenset({odd}))
    with (
        SimulatorServer(small, config) as server,
        httpx.Client(base_url=server.api_url, params=KEY) as http,
    ):
        page = http.get("/discover/movie", params={"sort_by": "popularity.desc"}).content
        details = http.get(f"/movie/{odd}").content
        other = http.get(f"/movie/{plain}").content
        changes = http.get("/movie/changes").content
    for body in (page, details):
        assert body.count(b'"original_title":"\\ud800') == 1  # the six bytes of the escape
        assert body.count(b"\xff") == 1  # one byte that is not UTF-8, after the overview
        assert body.count(b'"big_int":%d' % BIG_INT) == 1
    for body in (other, changes):
        assert b"\\ud800" not in body and b"\xff" not in body and b"big_int" not in body
        json.loads(body)


def test_claim_total_pages_overrides_discover_totals_only(small: Catalog) -> None:
    with (
        SimulatorServer(small, SimulatorConfig(claim_total_pages=0)) as server,
        httpx.Client(base_url=server.api_url, params=KEY) as http,
    ):
        page = http.get("/discover/movie").json()
        changes = http.get("/movie/changes").json()
    assert page["total_pages"] == 0 and len(page["results"]) == 20
    assert page["total_results"] == len(small.discover_ids("movie", {}))
    assert changes["total_pages"] == -(-changes["total_results"] // 100)  # untouched
    with pytest.raises(ValueError, match="claim_total_pages"):
        SimulatorConfig(claim_total_pages=-1)
