"""TMDB semantics over real HTTP: auth, errors, paging, filters, sorting, changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from tmdb_lake.simulator import Catalog, SimulatorServer

KEY = "simulator-key"


def _all_pages(http: httpx.Client, path: str, params: dict[str, str]) -> list[int]:
    first = http.get(path, params=params).json()
    ids = [r["id"] for r in first["results"]]
    for page in range(2, first["total_pages"] + 1):
        ids += [r["id"] for r in http.get(path, params={**params, "page": page}).json()["results"]]
    return ids


def _error(response: httpx.Response) -> tuple[int, int, str]:
    body = response.json()
    assert body["success"] is False
    return response.status_code, body["status_code"], body["status_message"]


# -- auth and errors --------------------------------------------------------------------------


def test_missing_or_wrong_credentials_get_401_code_7(server: SimulatorServer) -> None:
    url = f"{server.api_url}/discover/movie"
    for params, headers in (
        ({}, {}),
        ({"api_key": "wrong"}, {}),
        ({}, {"Authorization": "Bearer wrong"}),
    ):
        status, code, message = _error(httpx.get(url, params=params, headers=headers))
        assert (status, code) == (401, 7)
        assert message == "Invalid API key: You must be granted a valid key."


def test_bearer_token_is_accepted(server: SimulatorServer) -> None:
    response = httpx.get(
        f"{server.api_url}/genre/movie/list", headers={"Authorization": "Bearer simulator-token"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=utf-8"


def test_unknown_path_and_missing_titles_get_404_code_34(
    http: httpx.Client, catalog: Catalog
) -> None:
    ids = catalog.columns("movie").ids
    deleted = next(
        i for i in catalog.export_ids("movie", date(2024, 1, 1)) if not catalog.exists("movie", i)
    )
    for path in ("/nope", "/movie/popular", f"/movie/{ids[-1] + 10}", f"/movie/{deleted}", "/tv/0"):
        assert _error(http.get(path))[:2] == (404, 34), path
    assert _error(http.get(f"/movie/{ids[0]}/nonsense"))[:2] == (404, 34)


def test_too_many_appends_get_400_code_27(http: httpx.Client, catalog: Catalog) -> None:
    title_id = catalog.discover_ids("movie", {})[0]
    ok = http.get(f"/movie/{title_id}", params={"append_to_response": ",".join(["videos"] * 20)})
    assert ok.status_code == 200
    too_many = http.get(
        f"/movie/{title_id}", params={"append_to_response": ",".join(["videos"] * 21)}
    )
    assert _error(too_many)[:2] == (400, 27)


@pytest.mark.parametrize("page", ["0", "501", "-1", "abc", "1.5"])
def test_invalid_pages_get_400_code_22(http: httpx.Client, page: str) -> None:
    status, code, message = _error(http.get("/discover/movie", params={"page": page}))
    assert (status, code) == (400, 22)
    assert message.startswith("Invalid page: Pages start at 1 and max at 500.")


def test_page_501_refused_while_totals_report_more(big_catalog: Catalog) -> None:
    with (
        SimulatorServer(big_catalog) as server,
        httpx.Client(base_url=server.api_url, params={"api_key": KEY}) as http,
    ):
        params = {"with_genres": "35"}
        last = http.get("/discover/movie", params={**params, "page": 500}).json()
        assert last["total_pages"] > 500
        assert last["total_results"] == len(big_catalog.discover_ids("movie", params))
        assert len(last["results"]) == 20
        assert _error(http.get("/discover/movie", params={**params, "page": 501}))[:2] == (400, 22)


# -- discover ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("media", "params"),
    [
        ("movie", {}),
        ("movie", {"with_genres": "16,35", "sort_by": "primary_release_date.asc"}),
        (
            "movie",
            {"primary_release_date.gte": "2020-01-01", "primary_release_date.lte": "2021-06-30"},
        ),
        ("tv", {"with_genres": "10759|10765", "sort_by": "first_air_date.desc"}),
        ("tv", {"first_air_date.gte": "2015-01-01", "include_adult": "true"}),
    ],
)
def test_pages_concatenated_equal_discover_ids(
    http: httpx.Client, catalog: Catalog, media: str, params: dict[str, str]
) -> None:
    ids = _all_pages(http, f"/discover/{media}", params)
    assert ids == catalog.discover_ids(media, params)
    assert len(ids) > 20


def test_page_beyond_total_pages_is_empty_with_true_totals(http: httpx.Client) -> None:
    params = {"with_genres": "16,35"}
    first = http.get("/discover/movie", params=params).json()
    beyond = http.get("/discover/movie", params={**params, "page": first["total_pages"] + 1}).json()
    assert beyond["results"] == []
    assert (beyond["total_pages"], beyond["total_results"]) == (
        first["total_pages"],
        first["total_results"],
    )


def test_comma_is_and_pipe_is_or(http: httpx.Client, catalog: Catalog) -> None:
    def ids(genres: str) -> set[int]:
        return set(_all_pages(http, "/discover/movie", {"with_genres": genres}))

    animation, comedy = ids("16"), ids("35")
    assert ids("16,35") == animation & comedy
    assert ids("16|35") == animation | comedy
    assert len(animation & comedy) < len(animation) < len(animation | comedy)
    for title_id in list(ids("16,35"))[:10]:
        genres = {g["id"] for g in http.get(f"/movie/{title_id}").json()["genres"]}
        assert {16, 35} <= genres


def test_without_genres_excludes(http: httpx.Client) -> None:
    page = http.get("/discover/movie", params={"without_genres": "35,18"}).json()["results"]
    assert page and all(not {35, 18} & set(r["genre_ids"]) for r in page)


def test_tv_ignores_primary_release_date(http: httpx.Client) -> None:
    plain = http.get("/discover/tv").json()
    filtered = http.get("/discover/tv", params={"primary_release_date.lte": "1900-01-02"}).json()
    assert filtered == plain
    movies = http.get("/discover/movie", params={"primary_release_date.lte": "1900-01-02"}).json()
    assert movies["total_results"] < plain["total_results"]


def test_date_filters_bound_and_exclude_empty_dates(http: httpx.Client) -> None:
    params = {"release_date.gte": "1999-01-01", "release_date.lte": "1999-12-31"}
    results = _all_pages(http, "/discover/movie", params)
    dates = [
        r["release_date"]
        for p in range(1, 3)
        for r in http.get("/discover/movie", params={**params, "page": p}).json()["results"]
    ]
    assert results and all("1999-01-01" <= d <= "1999-12-31" for d in dates)
    tv = http.get("/discover/tv", params={"first_air_date.gte": "2010-01-01"}).json()["results"]
    assert all(r["first_air_date"] >= "2010-01-01" for r in tv)


def test_sort_is_stable_and_responses_byte_identical(http: httpx.Client) -> None:
    params = {"sort_by": "vote_average.desc", "page": "3"}
    first, second = (
        http.get("/discover/movie", params=params),
        http.get("/discover/movie", params=params),
    )
    assert first.content == second.content
    ids = _all_pages(http, "/discover/movie", {"sort_by": "popularity.asc"})
    pages = []
    for page in range(1, 6):
        params = {"sort_by": "popularity.asc", "page": str(page)}
        pages += http.get("/discover/movie", params=params).json()["results"]
    keys = [(r["popularity"], r["id"]) for r in pages]
    assert len({k[0] for k in keys}) < len(keys)  # there are ties...
    assert keys == sorted(keys)  # ...broken by id ascending
    assert ids[: len(pages)] == [r["id"] for r in pages]


def test_language_localizes_titles_not_original_titles(http: httpx.Client) -> None:
    en = http.get("/discover/movie").json()["results"]
    pt = http.get("/discover/movie", params={"language": "pt-BR"}).json()["results"]
    assert [r["id"] for r in en] == [r["id"] for r in pt]
    assert all(a["title"] != b["title"] for a, b in zip(en, pt, strict=True))
    assert [r["original_title"] for r in en] == [r["original_title"] for r in pt]


def test_non_ascii_is_sent_as_utf8(http: httpx.Client) -> None:
    body = http.get("/genre/movie/list", params={"language": "pt-BR"}).content
    assert "Comédia".encode() in body
    assert b"\\u" not in body


def test_adult_titles_only_when_asked(http: httpx.Client, catalog: Catalog) -> None:
    default = _all_pages(http, "/discover/movie", {"with_genres": "18"})
    with_adult = _all_pages(http, "/discover/movie", {"with_genres": "18", "include_adult": "true"})
    extra = set(with_adult) - set(default)
    assert extra and set(default) <= set(with_adult)
    details = http.get(f"/movie/{next(iter(extra))}").json()
    assert details["adult"] is True


# -- changes ----------------------------------------------------------------------------------


def test_changes_pages_equal_changed_ids(http: httpx.Client, catalog: Catalog) -> None:
    params = {"start_date": "2024-02-01", "end_date": "2024-02-15"}
    ids = _all_pages(http, "/movie/changes", params)
    assert ids == catalog.changed_ids("movie", date(2024, 2, 1), date(2024, 2, 15))
    assert len(ids) > 100


def test_changes_window_longer_than_14_days_is_refused(http: httpx.Client) -> None:
    ok = http.get("/tv/changes", params={"start_date": "2024-02-01", "end_date": "2024-02-15"})
    assert ok.status_code == 200
    status, code, message = _error(
        http.get("/tv/changes", params={"start_date": "2024-02-01", "end_date": "2024-02-16"})
    )
    assert (status, code) == (422, 20)
    assert message == "Invalid date range: Should be a range no longer than 14 days."
    assert _error(http.get("/movie/changes", params={"start_date": "02/01/2024"}))[:2] == (400, 23)


@pytest.fixture
def frozen_server(catalog: Catalog) -> Iterator[SimulatorServer]:
    """A server whose clock says 2024-06-10 12:00 UTC."""
    from datetime import UTC, datetime

    with SimulatorServer(catalog, now=lambda: datetime(2024, 6, 10, 12, tzinfo=UTC)) as running:
        yield running


def test_changes_default_window_is_the_last_day(
    frozen_server: SimulatorServer, catalog: Catalog
) -> None:
    body = httpx.get(f"{frozen_server.api_url}/movie/changes", params={"api_key": KEY}).json()
    expected = catalog.changed_ids("movie", date(2024, 6, 9), date(2024, 6, 10))
    assert body["total_results"] == len(expected)
    assert [r["id"] for r in body["results"]] == expected[:100]


def test_vote_count_language_and_video_filters(http: httpx.Client, catalog: Catalog) -> None:
    voted = http.get("/discover/movie", params={"vote_count.gte": "50"}).json()
    assert voted["results"] and all(r["vote_count"] >= 50 for r in voted["results"])
    assert voted["total_results"] < http.get("/discover/movie").json()["total_results"]
    japanese = _all_pages(http, "/discover/movie", {"with_original_language": "ja"})
    either = _all_pages(http, "/discover/movie", {"with_original_language": "ja|ko"})
    assert japanese and set(japanese) < set(either)
    page = http.get("/discover/movie", params={"with_original_language": "ja"}).json()
    assert {r["original_language"] for r in page["results"]} == {"ja"}
    videos = set(_all_pages(http, "/discover/movie", {"include_video": "true"}))
    assert len(videos) > len(set(catalog.discover_ids("movie", {})))
