"""`tmdb-lake transform` on a raw lake made by the real CLI: row for row, re-runs, a new raw run."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from tmdb_lake.trusted.tables import BY_NAME, TABLES
from trusted.conftest import DAY1, DAY2, DAY2_ARGS  # type: ignore[import-not-found]
from trusted.expected import (  # type: ignore[import-not-found]
    child_rows,
    genre_rows,
    movie_row,
    series_row,
    winners,
)
from trusted.lakeread import (  # type: ignore[import-not-found]
    parquet_types,
    raw_manifests,
    trusted_manifest,
    trusted_rows,
)

CHILD_COLUMNS = {
    "movie_genre": ("movie_id", "genre_id"),
    "series_genre": ("series_id", "genre_id"),
    "movie_cast": ("movie_id", "person_id", "name", "character", "cast_order", "credit_id"),
    "series_cast": ("series_id", "person_id", "name", "character", "cast_order", "credit_id"),
    "movie_crew": ("movie_id", "person_id", "name", "department", "job", "credit_id"),
    "series_crew": ("series_id", "person_id", "name", "department", "job", "credit_id"),
    "movie_keyword": ("movie_id", "keyword_id", "name"),
    "series_keyword": ("series_id", "keyword_id", "name"),
    "movie_release_date": tuple(
        ["movie_id", "country", "type", "release_date", "certification", "language", "note"]
    ),
    "series_content_rating": ("series_id", "country", "rating"),
    "movie_company": ("movie_id", "company_id", "name", "origin_country"),
    "movie_country": ("movie_id", "country", "name"),
    "movie_language": ("movie_id", "language", "name", "english_name"),
}


def assert_day_matches_raw(lake: Path, day: str) -> None:
    finished = {m["run_id"]: m["finished_at"] for m in raw_manifests(lake)}
    for media, table, build in (("movie", "movie", movie_row), ("tv", "series", series_row)):
        want = {i: build(*w) for i, w in winners(lake, media, day).items()}
        rows = trusted_rows(lake, table, day)
        got = {r["id"]: r for r in rows}
        assert len(got) == len(rows), f"{table}: an id twice on {day}"
        assert set(got) == set(want), table
        assert want, f"no {table} on {day}"
        for title_id, expected in want.items():
            row = got[title_id]
            assert {k: row[k] for k in expected} == expected, (table, title_id)
            assert row["_ingested_at"].isoformat() == finished[row["_run_id"]][:19]
        sources = {r["source"] for r in rows}
        assert "details" in sources
    children = child_rows(lake, "movie", day) | child_rows(lake, "tv", day)
    for name, expected in children.items():
        columns = CHILD_COLUMNS[name]
        got = [tuple(r[c] for c in columns) for r in trusted_rows(lake, name, day)]
        assert sorted(got, key=repr) == sorted(expected, key=repr), name
        assert expected or name.startswith("series_content"), f"{name} is empty on {day}"
    got_genres = [(r["media"], r["genre_id"], r["name"]) for r in trusted_rows(lake, "genre", day)]
    assert sorted(got_genres) == sorted(genre_rows(lake, day))
    for table in TABLES:
        stored = parquet_types(lake, table.name, day)
        assert stored == {c.name: c.type for c in table.columns}, table.name  # no dt inside


def test_trusted_tables_match_the_raw_records_row_for_row(cli, raw_lake: Path) -> None:
    result = cli("transform", "--lake", "lake", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["built"] == [DAY1, DAY2]
    for day in (DAY1, DAY2):
        assert_day_matches_raw(raw_lake, day)
        manifest = trusted_manifest(raw_lake, day)
        assert manifest["cleanup_pending"] is False
        assert {i["dataset"] for i in manifest["inputs"]} == {
            "movies", "series", "movie_details", "series_details", "genres_movie", "genres_tv",
        }  # fmt: skip
        # the folders hold exactly the files the manifest lists: glob readers agree
        for table in TABLES:
            listed = {f["key"] for f in manifest["tables"][table.name]["files"]}
            folder = raw_lake / f"trusted/TMDB/PARQUET/{table.name}/dt={day}"
            assert {str(p.relative_to(raw_lake)) for p in folder.iterdir()} == listed
    assert not (raw_lake / "trusted/TMDB/_staging").exists() or not any(
        (raw_lake / "trusted/TMDB/_staging").rglob("*.parquet")
    )
    report = json.loads((raw_lake / summary["report_key"]).read_text())
    for day in report["days"]:
        assert day["unknown_fields"] == [] and day["type_mismatches"] == []
        assert day["rejected"] == []
        assert {c["status"] for c in day["checks"]} == {"passed"}

    again = cli("transform", "--lake", "lake")
    assert again.code == 0, again.stderr
    assert "nothing to do" in again.stdout

    # a glob reader (hive partitioning) sees the same rows as a manifest reader
    with duckdb.connect() as db:
        count = db.execute(
            "SELECT count(*) FROM read_parquet(?, hive_partitioning = true)",
            [str(raw_lake / "trusted/TMDB/PARQUET/movie_cast/*/*.parquet")],
        ).fetchone()
    assert count is not None
    total = sum(len(trusted_rows(raw_lake, "movie_cast", d)) for d in (DAY1, DAY2))
    assert count[0] == total


def test_a_new_raw_run_of_a_day_rebuilds_that_day_only(cli, raw_lake: Path) -> None:
    assert cli("transform", "--lake", "lake").code == 0
    before1, before2 = trusted_manifest(raw_lake, DAY1), trusted_manifest(raw_lake, DAY2)
    rerun = cli("ingest", "--lake", "lake", "--quiet", *DAY2_ARGS)
    assert rerun.code == 0, rerun.stderr
    result = cli("transform", "--lake", "lake", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["built"] == [DAY2]
    assert summary["up_to_date"] == 1
    assert trusted_manifest(raw_lake, DAY1) == before1
    after2 = trusted_manifest(raw_lake, DAY2)
    assert after2["build_id"] != before2["build_id"]
    assert {i["run_id"] for i in after2["inputs"]} != {i["run_id"] for i in before2["inputs"]}
    assert_day_matches_raw(raw_lake, DAY2)
    old = {f["key"] for t in before2["tables"].values() for f in t["files"]}
    assert not any((raw_lake / key).exists() for key in old)


def test_date_and_full_select_days_explicitly(cli, raw_lake: Path) -> None:
    first = cli("transform", "--lake", "lake", "--date", DAY2, "--json")
    assert first.code == 0, first.stderr
    assert first.json()["built"] == [DAY2]
    assert not (raw_lake / f"trusted/TMDB/_manifests/dt={DAY1}.json").exists()
    rebuilt = cli(
        "transform", "--lake", "lake", "--since", DAY1, "--until", DAY2, "--full", "--json"
    )
    assert rebuilt.json()["built"] == [DAY1, DAY2]
    bad = cli("transform", "--lake", "lake", "--date", "yesterday")
    assert bad.code == 2 and "--date" in bad.stderr


def test_query_sees_every_table_as_a_view(cli, raw_lake: Path) -> None:
    assert cli("transform", "--lake", "lake").code == 0
    result = cli(
        "query",
        "--lake",
        "lake",
        "--format",
        "json",
        "SELECT dt, count(*) AS n FROM movie GROUP BY dt ORDER BY dt",
    )
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["dt"] for r in rows] == [DAY1, DAY2]
    assert [r["n"] for r in rows] == [len(trusted_rows(raw_lake, "movie", d)) for d in (DAY1, DAY2)]
    csv_out = cli("query", "--lake", "lake", "--format", "csv", "SELECT * FROM genre LIMIT 3")
    assert csv_out.stdout.splitlines()[0].split(",")[:3] == ["media", "genre_id", "name"]
    table = cli("query", "--lake", "lake", "SELECT count(*) AS n FROM series_cast")
    assert table.stdout.splitlines()[0].strip() == "n" and "(1 row)" in table.stdout
    wrong = cli("query", "--lake", "lake", "SELECT nope FROM movie")
    assert wrong.code == 1 and "the query failed" in wrong.stderr
    for name in BY_NAME:
        empty = cli("query", "--lake", "empty-lake", f"SELECT count(*) AS n FROM {name}")
        assert empty.code == 0 and "(1 row)" in empty.stdout
        break
