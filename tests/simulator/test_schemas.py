"""Real HTTP responses of every simulated endpoint validate against TMDB's OpenAPI schemas."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tmdb_lake.simulator import Catalog

MOVIE_APPENDS = (
    "credits",
    "keywords",
    "external_ids",
    "release_dates",
    "videos",
    "images",
    "translations",
    "alternative_titles",
)
TV_APPENDS = (
    "credits",
    "keywords",
    "external_ids",
    "content_ratings",
    "videos",
    "images",
    "translations",
    "alternative_titles",
)


def _sample_ids(catalog: Catalog, media: str, count: int) -> list[int]:
    """Existing ids spread over the catalog, including null-poster and adult ones."""
    ids = catalog.export_ids(media, date(2024, 1, 1))
    step = max(1, len(ids) // count)
    return [i for i in ids[::step] if catalog.exists(media, i)][:count]


@pytest.mark.parametrize("media", ["movie", "tv"])
@pytest.mark.parametrize("language", ["en-US", "pt-BR"])
def test_discover_pages_validate(
    http: httpx.Client, validate: Any, media: str, language: str
) -> None:
    seen_null_poster = False
    for page in (1, 2, 3, 30):
        response = http.get(f"/discover/{media}", params={"page": page, "language": language})
        assert response.status_code == 200
        body = response.json()
        validate(f"/3/discover/{media}", body)
        assert body["page"] == page
        assert len(body["results"]) == 20
        seen_null_poster |= any(r["poster_path"] is None for r in body["results"])
    assert seen_null_poster  # nulls are part of what the schema check must accept


@pytest.mark.parametrize("media", ["movie", "tv"])
def test_details_with_every_append_validate(
    http: httpx.Client, catalog: Catalog, validate: Any, media: str
) -> None:
    appends = MOVIE_APPENDS if media == "movie" else TV_APPENDS
    detail_path = "/3/movie/{movie_id}" if media == "movie" else "/3/tv/{series_id}"
    for title_id in _sample_ids(catalog, media, 12):
        response = http.get(
            f"/{media}/{title_id}", params={"append_to_response": ",".join(appends)}
        )
        assert response.status_code == 200, title_id
        body = response.json()
        assert body["id"] == title_id
        validate(detail_path, {k: v for k, v in body.items() if k not in appends})
        for name in appends:
            # Appended objects are the sub-resource without its "id", as TMDB nests them.
            validate(f"{detail_path}/{name}", body[name], drop=("id",))


@pytest.mark.parametrize("media", ["movie", "tv"])
def test_sub_resources_validate(
    http: httpx.Client, catalog: Catalog, validate: Any, media: str
) -> None:
    appends = MOVIE_APPENDS if media == "movie" else TV_APPENDS
    detail_path = "/3/movie/{movie_id}" if media == "movie" else "/3/tv/{series_id}"
    title_id = _sample_ids(catalog, media, 1)[0]
    for name in appends:
        response = http.get(f"/{media}/{title_id}/{name}")
        assert response.status_code == 200
        schema_path = f"{detail_path}/{name}"
        # TMDB's documented credits / content_ratings / images examples carry an id too.
        validate(schema_path, response.json())


@pytest.mark.parametrize("media", ["movie", "tv"])
def test_genre_lists_validate(http: httpx.Client, validate: Any, media: str) -> None:
    english = http.get(f"/genre/{media}/list").json()
    portuguese = http.get(f"/genre/{media}/list", params={"language": "pt-BR"}).json()
    validate(f"/3/genre/{media}/list", english)
    validate(f"/3/genre/{media}/list", portuguese)
    assert {g["id"] for g in english["genres"]} == {g["id"] for g in portuguese["genres"]}
    assert {"id": 16, "name": "Animação"} in portuguese["genres"]
    assert {"id": 16, "name": "Animation"} in english["genres"]


@pytest.mark.parametrize("media", ["movie", "tv"])
def test_changes_validate(http: httpx.Client, validate: Any, media: str) -> None:
    params = {"start_date": "2024-03-01", "end_date": "2024-03-14"}
    first = http.get(f"/{media}/changes", params=params).json()
    assert first["total_results"] > 0
    for page in range(1, first["total_pages"] + 1):
        response = http.get(f"/{media}/changes", params={**params, "page": page})
        assert response.status_code == 200
        body = response.json()
        validate(f"/3/{media}/changes", body)
        assert body["page"] == page
        assert len(body["results"]) == min(100, body["total_results"] - (page - 1) * 100)
