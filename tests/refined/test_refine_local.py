"""`tmdb-lake refine` on a lake made by the real CLI: the model against trusted, increments."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from refined.checks import assert_model_matches_trusted  # type: ignore[import-not-found]
from refined.conftest import (  # type: ignore[import-not-found]
    DAY3,
    engine_settings,
    refine_settings,
    transform_settings,
)
from refined.expected import refined  # type: ignore[import-not-found]
from tmdb_lake.refined.session import refine_lake
from tmdb_lake.refined.tables import CURRENT
from tmdb_lake.trusted.session import query_lake, transform_lake
from trusted.conftest import DAY1, DAY2  # type: ignore[import-not-found]


def manifests(lake: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    return {p.name: json.loads(p.read_text()) for p in (lake / "refined/TMDB/_manifests").iterdir()}


def current_rows(lake: Path) -> dict[str, list[str]]:
    return {t.name: sorted(map(repr, refined(lake, t.name))) for t in CURRENT}


def test_a_full_build_matches_the_trusted_tables_then_nothing_to_do(cli, lake: Path) -> None:
    result = cli("refine", "--lake", "lake", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["current"]["mode"] == "full"
    assert summary["current"]["added"] == [DAY1, DAY2]
    assert summary["built"] == [DAY1, DAY2]
    assert_model_matches_trusted(lake)
    again = cli("refine", "--lake", "lake")
    assert again.code == 0 and "nothing to do" in again.stdout


def test_an_incremental_day_is_merged_and_equals_a_full_rebuild(lake: Path) -> None:
    refine_lake(refine_settings(lake))
    transform_lake(transform_settings(lake, day=date.fromisoformat(DAY3)))
    report = refine_lake(refine_settings(lake)).as_dict()
    assert report["current"]["mode"] == "incremental"
    assert report["current"]["added"] == [DAY3]
    assert report["built"] == [DAY3] and report["up_to_date"] == 2
    assert_model_matches_trusted(lake)
    # DAY3 saw its titles in discover only: their details-only columns stay those of DAY2/DAY1
    movies = {r["movie_id"]: r for r in refined(lake, "dim_movie")}
    kept = [r for r in movies.values() if r["last_seen_dt"].isoformat() == DAY3]
    assert kept and all(r["details_dt"].isoformat() < DAY3 and r["imdb_id"] for r in kept)
    merged = current_rows(lake)
    rebuilt = refine_lake(refine_settings(lake, full=True)).as_dict()
    assert rebuilt["current"]["mode"] == "full" and rebuilt["built"] == [DAY1, DAY2, DAY3]
    assert current_rows(lake) == merged
    assert_model_matches_trusted(lake)


def test_a_rebuilt_trusted_day_rebuilds_the_current_tables_and_only_its_partition(
    lake: Path,
) -> None:
    refine_lake(refine_settings(lake))
    before = {
        p.name: json.loads(p.read_text()) for p in (lake / "refined/TMDB/_manifests").iterdir()
    }
    day2 = date.fromisoformat(DAY2)
    transform_lake(transform_settings(lake, day=day2, full=True))  # a new trusted build of DAY2
    report = refine_lake(refine_settings(lake)).as_dict()
    assert report["current"]["mode"] == "full"  # a merge can add a day, not take one back
    assert report["built"] == [DAY2] and report["up_to_date"] == 1
    after = {
        p.name: json.loads(p.read_text()) for p in (lake / "refined/TMDB/_manifests").iterdir()
    }
    assert after[f"dt={DAY1}.json"] == before[f"dt={DAY1}.json"]
    assert after[f"dt={DAY2}.json"]["build_id"] != before[f"dt={DAY2}.json"]["build_id"]
    assert_model_matches_trusted(lake)


def test_a_failed_check_exits_1_naming_it_and_warn_only_publishes(cli, lake: Path) -> None:
    key = lake / f"trusted/TMDB/_manifests/dt={DAY2}.json"
    manifest = json.loads(key.read_text())
    files = manifest["tables"]["movie"]["files"]
    manifest["tables"]["movie"]["files"] = files + files  # every movie of DAY2 twice
    key.write_text(json.dumps(manifest))
    failed = cli("refine", "--lake", "lake")
    assert failed.code == 1
    assert "check failed on the current tables: dim_movie: unique(movie_id)" in failed.stderr, (
        failed.stderr
    )
    assert not (lake / "refined/TMDB/_manifests").exists()  # nothing published
    warned = cli("refine", "--lake", "lake", "--warn-only", "--json")
    assert warned.code == 0, warned.stderr
    assert warned.json()["current"]["status"] == "built-with-warnings"
    assert (lake / "refined/TMDB/_manifests/current.json").is_file()


def test_query_sees_the_refined_tables_and_views(cli, lake: Path) -> None:
    assert cli("refine", "--lake", "lake").code == 0
    out = cli(
        "query",
        "--lake",
        "lake",
        "--format",
        "json",
        "SELECT (SELECT count(*) FROM dim_movie) AS movies, "
        "(SELECT count(*) FROM movie_current) AS current, "
        "(SELECT count(*) FROM movie) AS trusted_rows, "
        "(SELECT count(DISTINCT dt) FROM fact_title_snapshot) AS days",
    )
    assert out.code == 0, out.stderr
    row = json.loads(out.stdout)[0]
    assert row["movies"] == row["current"] == len(refined(lake, "dim_movie")) > 0
    assert row["trusted_rows"] > row["movies"] and row["days"] == 2
    _, rows = query_lake(
        engine_settings(lake),
        "SELECT c.movie_id, c.genre_ids, c.genres FROM movie_current AS c ORDER BY 1",
    )
    bridge: dict[int, list[int]] = {}
    for r in refined(lake, "bridge_movie_genre"):
        bridge.setdefault(r["movie_id"], []).append(r["genre_id"])
    assert {r[0]: r[1] for r in rows} == {
        m: sorted(bridge.get(m, [])) for m in (r[0] for r in rows)
    }
    assert all(len(r[2]) == len(r[1]) for r in rows)  # every genre is named here


def test_an_empty_lake_has_nothing_to_refine_and_empty_refined_views(cli, tmp_path: Path) -> None:
    result = cli("refine", "--lake", "empty")
    assert result.code == 0 and "nothing to do" in result.stdout
    out = cli("query", "--lake", "empty", "SELECT count(*) AS n FROM fact_credit")
    assert out.code == 0 and "(1 row)" in out.stdout


def test_demo_epilogue_transforms_refines_and_queries(lake: Path) -> None:
    from tmdb_lake.refined.session import demo_epilogue

    text = demo_epilogue(engine_settings(lake))
    assert "1 dt built" in text  # DAY3: the other two were transformed already
    assert "current tables: built (full build, 3 trusted dts)" in text
    assert "the most popular movies" in text and "(5 rows)" in text
    assert "tmdb-lake query --lake" in text and "docs/queries.md" in text
