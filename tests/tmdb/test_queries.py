from datetime import date

import pytest

from tmdb_lake.tmdb.queries import DiscoverQuery, MediaType, details_params, export_file_name


def test_movie_params_match_the_original_script():
    q = DiscoverQuery(MediaType.MOVIE, genres="16,35", released_until=date(2023, 12, 31))
    assert q.params(3) == {
        "language": "pt-BR",
        "include_adult": "false",
        "include_video": "false",
        "sort_by": "popularity.desc",
        "page": "3",
        "with_genres": "16,35",
        "primary_release_date.lte": "2023-12-31",
    }


def test_tv_uses_first_air_date_not_the_movie_parameter():
    q = DiscoverQuery(
        MediaType.TV, released_from=date(2000, 1, 1), released_until=date(2023, 12, 31)
    )
    params = q.params(1)
    assert params["first_air_date.gte"] == "2000-01-01"
    assert params["first_air_date.lte"] == "2023-12-31"
    assert not any(k.startswith("primary_release_date") for k in params)
    assert "include_video" not in params


def test_window_sorts_by_date_ascending():
    q = DiscoverQuery(MediaType.TV, genres="35").window(date(2001, 1, 1), date(2001, 12, 31))
    params = q.params(2)
    assert params["sort_by"] == "first_air_date.asc"
    assert params["first_air_date.gte"] == "2001-01-01"
    assert params["with_genres"] == "35"


@pytest.mark.parametrize("page", [0, 501, -1])
def test_pages_outside_tmdb_range_are_refused(page):
    with pytest.raises(ValueError):
        DiscoverQuery(MediaType.MOVIE).params(page)


def test_details_and_exports():
    assert details_params("pt-BR", ("credits", "keywords")) == {
        "language": "pt-BR",
        "append_to_response": "credits,keywords",
    }
    assert export_file_name(MediaType.TV, date(2024, 5, 1)) == "tv_series_ids_05_01_2024.json.gz"
    assert export_file_name(MediaType.MOVIE, date(2024, 5, 1)) == "movie_ids_05_01_2024.json.gz"
