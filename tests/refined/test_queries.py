"""docs/queries.md: every example runs on a small lake and gives what the tables say."""

from __future__ import annotations

import re
import shutil
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from refined.conftest import (  # type: ignore[import-not-found]
    DAY3,
    engine_settings,
    refine_settings,
    transform_settings,
)
from refined.expected import refined, trusted  # type: ignore[import-not-found]
from tmdb_lake.refined.session import refine_lake
from tmdb_lake.trusted.session import query_lake, transform_lake

DOC = Path(__file__).resolve().parents[2] / "docs/queries.md"


def examples() -> dict[str, str]:
    """Heading -> the SQL block under it."""
    text = DOC.read_text("utf-8")
    found = re.findall(r"^### (.+?)\n.*?```sql\n(.*?)```", text, flags=re.S | re.M)
    return {title.strip(): sql for title, sql in found}


@pytest.fixture(scope="module")
def three_days(refined_lake_template: Path, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    lake = tmp_path_factory.mktemp("queries") / "lake"
    shutil.copytree(refined_lake_template, lake)
    transform_lake(transform_settings(lake, day=date.fromisoformat(DAY3)))
    refine_lake(refine_settings(lake))
    return lake


def run(lake: Path, title: str) -> list[dict[str, Any]]:
    names, rows = query_lake(engine_settings(lake), examples()[title])
    return [dict(zip(names, row, strict=True)) for row in rows]


def test_the_doc_has_the_examples_of_issue_13() -> None:
    assert {"Top genres per decade", "Popularity trend of a title", "Most credited people"} <= set(
        examples()
    )


def test_top_genres_per_decade(three_days: Path) -> None:
    decade = {r["movie_id"]: r["decade"] for r in refined(three_days, "dim_movie")}
    names = {
        r["genre_id"]: r["name"] for r in refined(three_days, "dim_genre") if r["media"] == "movie"
    }
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for b in refined(three_days, "bridge_movie_genre"):
        if decade[b["movie_id"]] is not None:
            counts[decade[b["movie_id"]]][names[b["genre_id"]]] += 1
    rows = run(three_days, "Top genres per decade")
    assert {r["decade"] for r in rows} == set(counts)
    for r in rows:
        top = sorted(counts[r["decade"]].values(), reverse=True)
        assert (
            r["movies"] == counts[r["decade"]][r["genre"]]
            and r["movies"] >= top[min(2, len(top) - 1)]
        )


def test_popularity_trend_of_a_title(three_days: Path) -> None:
    dims = refined(three_days, "dim_movie")
    top = min(dims, key=lambda r: (-r["popularity"], r["movie_id"]))["movie_id"]
    history = sorted(
        (r["dt"], r["popularity"], r["vote_count"])
        for r in trusted(three_days, "movie")
        if r["id"] == top
    )
    rows = run(three_days, "Popularity trend of a title")
    assert [(r["date"], r["popularity"], r["vote_count"]) for r in rows] == history
    assert len(history) == 3  # the most popular movie is in every day's top


def test_most_credited_people(three_days: Path) -> None:
    titles: dict[int, set[tuple[str, int]]] = defaultdict(set)
    credits: Counter[int] = Counter()
    for c in refined(three_days, "fact_credit"):
        titles[c["person_id"]].add((c["media"], c["title_id"]))
        credits[c["person_id"]] += 1
    ranked = sorted(titles, key=lambda p: (-len(titles[p]), -credits[p], p))[:10]
    rows = run(three_days, "Most credited people")
    assert [r["person_id"] for r in rows] == ranked
    assert [r["titles"] for r in rows] == [len(titles[p]) for p in ranked]


def test_the_most_popular_series_now(three_days: Path) -> None:
    rows = run(three_days, "The most popular series now, with their genres")
    series = sorted(
        refined(three_days, "dim_series"), key=lambda r: (-r["popularity"], r["series_id"])
    )
    assert [r["series_id"] for r in rows] == [r["series_id"] for r in series[:10]]
    names = {
        r["genre_id"]: r["name"] for r in refined(three_days, "dim_genre") if r["media"] == "tv"
    }
    genres: dict[int, list[str]] = defaultdict(list)
    for b in refined(three_days, "bridge_series_genre"):
        genres[b["series_id"]].append(names[b["genre_id"]])
    assert [r["genres"] for r in rows] == [sorted(genres[r["series_id"]]) for r in rows]
    assert any(r["genres"] for r in rows)


def test_releases_per_country_and_year(three_days: Path) -> None:
    found: dict[tuple[str, int], set[int]] = defaultdict(set)
    names = {r["country"]: r["name"] for r in refined(three_days, "dim_country")}
    for r in refined(three_days, "fact_release"):
        if r["type"] == 3 and r["release_date_key"] and names.get(r["country"]):
            found[(names[r["country"]], r["release_date_key"] // 10000)].add(r["movie_id"])
    rows = run(three_days, "Releases per country and year")
    assert rows, "no theatrical release"
    for r in rows:
        assert r["movies"] == len(found[(r["country"], r["year"])])
