"""The synthetic catalog: deterministic, realistic in shape, and right about its own queries."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tmdb_lake.simulator import Catalog
from tmdb_lake.simulator.columns import ADULT, DELETED, VIDEO
from tmdb_lake.simulator.genres import GENRES, LANGUAGES
from tmdb_lake.simulator.query import QueryError
from tmdb_lake.simulator.records import Records

COMEDY, ANIMATION = 35, 16


def _has(catalog: Catalog, media: str, row: int, genre_id: int) -> bool:
    table = GENRES[media]
    bit = next(i for i, g in enumerate(table) if g.id == genre_id)
    return bool(catalog.columns(media).genres[row] >> bit & 1)


def test_same_seed_same_catalog_other_seed_other_catalog() -> None:
    a, b, c = Catalog(1_000, 200, seed=5), Catalog(1_000, 200, seed=5), Catalog(1_000, 200, seed=6)
    for media in ("movie", "tv"):
        assert a.columns(media).ids == b.columns(media).ids
        assert a.columns(media).popularity == b.columns(media).popularity
        assert a.columns(media).ids != c.columns(media).ids
    ra, rb = Records(a), Records(b)
    assert ra.details("movie", 10, "pt-BR", ["credits", "videos"]) == rb.details(
        "movie", 10, "pt-BR", ["credits", "videos"]
    )


def test_ids_increase_with_gaps(catalog: Catalog) -> None:
    ids = list(catalog.columns("movie").ids)
    gaps = [b - a for a, b in pairwise(ids)]
    assert min(gaps) >= 1
    assert sum(g > 1 for g in gaps) > len(gaps) / 2


def test_genre_shares_and_animated_comedies() -> None:
    catalog = Catalog(movies=20_000, series=10, seed=42)
    c = catalog.columns("movie")
    comedies = sum(_has(catalog, "movie", i, COMEDY) for i in range(len(c)))
    animated = sum(_has(catalog, "movie", i, ANIMATION) for i in range(len(c)))
    assert 0.30 < comedies / len(c) < 0.40
    assert 0.09 < animated / len(c) < 0.15
    both = catalog.discover_ids(
        "movie",
        {"with_genres": "16,35", "primary_release_date.lte": "2023-12-31", "include_adult": "true"},
    )
    assert 500 <= len(both) <= 1500


def test_big_catalog_has_over_ten_thousand_comedies(big_catalog: Catalog) -> None:
    assert len(big_catalog.discover_ids("movie", {"with_genres": "35"})) > 10_000


def test_shapes_dates_adult_deleted(catalog: Catalog) -> None:
    c = catalog.columns("movie")
    n = len(c)
    empty = sum(1 for d in c.date if d == 0) / n
    adult = sum(1 for f in c.flags if f & ADULT) / n
    deleted = sum(1 for f in c.flags if f & DELETED) / n
    assert 0.015 < empty < 0.05
    assert 0.01 < adult < 0.03
    assert 0.004 < deleted < 0.02
    years = [date.fromordinal(d).year for d in c.date if d]
    assert min(years) < 1930 and max(years) >= 2025
    assert sum(y >= 2000 for y in years) > sum(y < 2000 for y in years)  # recent = more titles


def test_text_is_realistic_and_localized(catalog: Catalog) -> None:
    records = Records(catalog)
    items = [records.list_item("movie", row, "en-US") for row in range(600)]
    pt_items = [records.list_item("movie", row, "pt-BR") for row in range(600)]
    text = " ".join(i["title"] + " " + i["original_title"] + " " + i["overview"] for i in items)
    for needle in ('"', "'", "\\", "ã", "ç"):
        assert needle in text, needle
    assert any(ord(ch) > 0x3000 for ch in text)  # CJK / Hangul
    assert any(ord(ch) > 0x1F000 for ch in text)  # emoji
    assert all(a["title"] != b["title"] for a, b in zip(items, pt_items, strict=True))
    assert all(
        a["original_title"] == b["original_title"] for a, b in zip(items, pt_items, strict=True)
    )
    null_posters = sum(i["poster_path"] is None for i in items) / len(items)
    assert 0.05 < null_posters < 0.16
    assert any(i["overview"] == "" for i in items)
    assert {i["original_language"] for i in items} >= {lang.code for lang in LANGUAGES[:8]}


def test_exists_and_deleted_ids(catalog: Catalog) -> None:
    c = catalog.columns("movie")
    exported = catalog.export_ids("movie", date(2024, 5, 1))
    gone = [i for i in exported if not catalog.exists("movie", i)]
    assert 0 < len(gone) < 0.03 * len(exported)
    assert not catalog.exists("movie", c.ids[-1] + 1)
    assert not catalog.exists("movie", c.ids[0] + 1) or c.ids[1] == c.ids[0] + 1


def test_changes_are_deterministic_repeat_and_include_deleted(catalog: Catalog) -> None:
    start, end = date(2024, 3, 1), date(2024, 3, 14)
    ids = catalog.changed_ids("movie", start, end)
    assert ids == Catalog(3_000, 800, seed=42).changed_ids("movie", start, end)
    assert len(ids) == len(set(ids))
    per_day = [set(catalog.changed_ids("movie", d, d)) for d in _days(start, end)]
    assert set(ids) == set().union(*per_day)
    assert any(len(a & b) for a in per_day for b in per_day if a is not b)  # changed twice
    week = [i for i in catalog.changed_ids("movie", start, start + timedelta(days=60))]
    assert any(not catalog.exists("movie", i) for i in week)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def test_export_lists_every_non_adult_title(catalog: Catalog) -> None:
    c = catalog.columns("tv")
    exported = catalog.export_ids("tv", date(2024, 1, 1))
    assert exported == sorted(exported)
    assert set(exported) == {c.ids[i] for i in range(len(c)) if not c.flags[i] & ADULT}


# -- discover ground truth against an independent brute force -------------------------------

GENRE_IDS = st.sampled_from([28, 12, 16, 35, 18, 27, 99, 10751, 10759, 10765, 9999])
DAYS = st.dates(date(1890, 1, 1), date(2030, 1, 1))


def _brute_force(catalog: Catalog, media: str, params: dict[str, str]) -> list[int]:
    c = catalog.columns(media)
    table = {g.id: i for i, g in enumerate(GENRES[media])}
    date_key = "primary_release_date" if media == "movie" else "first_air_date"
    gte = params.get(f"{date_key}.gte")
    lte = params.get(f"{date_key}.lte")
    rows = []
    for i in range(len(c)):
        if c.flags[i] & DELETED or (c.flags[i] & ADULT and params.get("include_adult") != "true"):
            continue
        if media == "movie" and c.flags[i] & VIDEO:
            continue
        if media == "tv" and c.date[i] == 0:
            continue  # include_null_first_air_dates defaults to false
        day = date.fromordinal(c.date[i]) if c.date[i] else None
        if gte and (day is None or day < date.fromisoformat(gte)):
            continue
        if lte and (day is None or day > date.fromisoformat(lte)):
            continue
        genres = {g for g, bit in table.items() if c.genres[i] >> bit & 1}
        if "with_genres" in params:
            groups = [part.split("|") for part in params["with_genres"].split(",")]
            if not all(genres & {int(x) for x in group} for group in groups):
                continue
        rows.append(i)
    sort = params.get("sort_by", "popularity.desc")
    field, direction = sort.split(".")
    column = {"popularity": c.popularity, "vote_average": c.vote_average}.get(field, c.date)
    if column is c.date and direction == "asc":
        rows.sort(key=lambda i: (c.date[i] == 0, c.date[i], c.ids[i]))
    elif direction == "desc":
        rows.sort(key=lambda i: (-column[i], c.ids[i]))
    else:
        rows.sort(key=lambda i: (column[i], c.ids[i]))
    return [c.ids[i] for i in rows]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    media=st.sampled_from(["movie", "tv"]),
    genres=st.lists(GENRE_IDS, min_size=0, max_size=3),
    pipe=st.booleans(),
    gte=st.none() | DAYS,
    lte=st.none() | DAYS,
    adult=st.booleans(),
    sort=st.sampled_from(
        ["popularity.desc", "popularity.asc", "vote_average.desc", "date.asc", "date.desc"]
    ),
)
def test_discover_ids_match_brute_force(
    catalog: Catalog,
    media: str,
    genres: list[int],
    pipe: bool,
    gte: date | None,
    lte: date | None,
    adult: bool,
    sort: str,
) -> None:
    date_key = "primary_release_date" if media == "movie" else "first_air_date"
    params = {"include_adult": "true" if adult else "false"}
    if genres:
        params["with_genres"] = ("|" if pipe else ",").join(map(str, genres))
    if gte:
        params[f"{date_key}.gte"] = gte.isoformat()
    if lte:
        params[f"{date_key}.lte"] = lte.isoformat()
    params["sort_by"] = sort.replace("date", date_key) if sort.startswith("date") else sort
    assert catalog.discover_ids(media, params) == _brute_force(catalog, media, params)


def test_tv_ignores_movie_date_parameters(catalog: Catalog) -> None:
    everything = catalog.discover_ids("tv", {})
    assert catalog.discover_ids("tv", {"primary_release_date.lte": "1901-01-01"}) == everything
    assert catalog.discover_ids("movie", {"primary_release_date.lte": "1950-01-01"}) != (
        catalog.discover_ids("movie", {})
    )


@pytest.mark.parametrize("bad", ["2024-13-01", "yesterday", "2024-1-1"])
def test_invalid_dates_are_rejected(catalog: Catalog, bad: str) -> None:
    with pytest.raises(QueryError) as caught:
        catalog.discover_ids("movie", {"primary_release_date.gte": bad})
    assert caught.value.status_code == 23


def test_fast_export_lines_equal_the_reference_builder(catalog: Catalog) -> None:
    records = Records(catalog)
    for media in ("movie", "tv"):
        rows = catalog.export_rows(media, date(2024, 1, 1))[:500]
        reference = b"".join(orjson.dumps(records.export_line(media, r)) + b"\n" for r in rows)
        assert records.export_lines(media, rows) == reference
