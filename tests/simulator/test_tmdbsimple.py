"""tmdbsimple, a popular TMDB client, works unchanged against the simulator.

tmdbsimple hard-codes ``https://api.themoviedb.org/3`` in ``TMDB.__init__``; its supported
hook is the module-level ``REQUESTS_SESSION``, so we hand it a session that points that
base URL at the simulator. tmdbsimple's own code is untouched.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import tmdbsimple

from tmdb_lake.simulator import Catalog, SimulatorServer

TMDB_BASE = "https://api.themoviedb.org/3"


class RedirectingSession(requests.Session):
    """A requests session that sends TMDB's API URLs to another base URL."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if isinstance(url, str) and url.startswith(TMDB_BASE):
            url = self.base_url + url[len(TMDB_BASE) :]
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def tmdb(server: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    session = RedirectingSession(server.api_url)
    monkeypatch.setattr(tmdbsimple, "REQUESTS_SESSION", session)
    monkeypatch.setattr(tmdbsimple, "API_KEY", "simulator-key")
    monkeypatch.setattr(tmdbsimple, "USE_BEARER_AUTH", False)
    yield tmdbsimple
    session.close()


def test_discover_movie(tmdb: Any, catalog: Catalog) -> None:
    response = tmdb.Discover().movie(with_genres="16,35", page=2, include_adult=False)
    expected = catalog.discover_ids("movie", {"with_genres": "16,35"})
    assert response["page"] == 2
    assert [r["id"] for r in response["results"]] == expected[20:40]
    assert response["total_results"] == len(expected)


def test_movie_info_and_genres(tmdb: Any, catalog: Catalog) -> None:
    title_id = catalog.discover_ids("movie", {})[0]
    movie = tmdb.Movies(title_id)
    info = movie.info(language="pt-BR", append_to_response="credits,external_ids")
    assert info["id"] == title_id
    assert movie.title == info["title"]  # tmdbsimple sets attributes from the response
    assert info["external_ids"]["imdb_id"].startswith("tt")
    genres = tmdb.Genres().movie_list(language="pt-BR")["genres"]
    assert {"id": 35, "name": "Comédia"} in genres


def test_bearer_mode_and_errors_surface_as_http_errors(
    tmdb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tmdbsimple, "USE_BEARER_AUTH", True)
    monkeypatch.setattr(tmdbsimple, "API_KEY", "simulator-token")
    assert tmdb.Genres().tv_list()["genres"]
    with pytest.raises(requests.HTTPError) as caught:
        tmdb.Movies(1).info()  # TMDB ids start at 2: never existed
    assert caught.value.response.status_code == 404
