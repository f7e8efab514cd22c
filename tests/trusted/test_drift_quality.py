"""Drift and quality: a new field, wrong types, records without an id, a failed check."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from tmdb_lake.simulator import Catalog
from tmdb_lake.simulator.records import Records
from trusted.lakeread import trusted_manifest, trusted_rows  # type: ignore[import-not-found]
from trusted.rawlake import write_run  # type: ignore[import-not-found]

DAY = date(2024, 6, 1)
APPENDS = ("credits", "keywords", "external_ids", "release_dates")


def movie_day(count: int = 200) -> dict[str, list[dict[str, Any]]]:
    catalog = Catalog(movies=count + 20, series=5, seed=3)
    records = Records(catalog)
    ids = catalog.columns("movie").ids
    rows = [r for r in range(len(ids)) if catalog.exists("movie", ids[r])][:count]
    return {
        "movies": [dict(records.list_item("movie", r, "en-US")) for r in rows],
        "movie_details": [records.details("movie", r, "en-US", APPENDS) for r in rows],
        "genres_movie": [{"id": g, "name": f"genre {g}"} for g in range(1, 20_000)],
    }


def report_of(lake: Path, summary: dict[str, Any]) -> dict[str, Any]:
    report = json.loads((lake / summary["report_key"]).read_text())
    assert len(report["days"]) == 1
    day: dict[str, Any] = report["days"][0]
    return day


def test_drift_wrong_types_and_bad_records_are_reported_not_fatal(cli, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    data = movie_day()
    details = data["movie_details"]
    for record in details:  # a field TMDB adds tomorrow, top-level and nested
        record["streaming"] = {"netflix": True}
        for member in record["credits"]["cast"]:
            member["pronouns"] = "they"
    details[0]["runtime"] = "long"  # wrong types
    details[1]["vote_count"] = 12.5
    details[2]["adult"] = 1
    details[3]["release_date"] = "2024-13-45"
    details[4]["release_date"] = ""  # TMDB's unknown date: NULL, not a mismatch
    bad = {k: v for k, v in details[5].items() if k != "id"}
    data["movies"] += [bad, {**data["movies"][0], "id": "abc"}]  # no usable id
    write_run(lake, DAY, "20240601T060000Z-aaaaaaaa", data)

    result = cli("transform", "--lake", "lake", "--json")
    assert result.code == 0, result.stderr
    day = report_of(lake, result.json())
    unknown = {(u["table"], u["field"]): u for u in day["unknown_fields"]}
    top = unknown[("movie", "streaming")]
    assert (top["records"], top["sampled"], top["kept_in"]) == (200, False, "movie._extra")
    assert top["first_seen"]["dt"] == DAY.isoformat()
    nested = unknown[("movie_cast", "credits.cast[].pronouns")]
    assert nested["sampled"] is True and nested["records"] >= 1 and nested["kept_in"] == "raw only"
    mismatches = {(m["table"], m["column"]): m["set_to_null"] for m in day["type_mismatches"]}
    assert mismatches == {
        ("movie", "runtime"): 1,
        ("movie", "vote_count"): 1,
        ("movie", "adult"): 1,
        ("movie", "release_date"): 1,
    }
    assert day["rejected"] == [
        {
            "dataset": "movies",
            "records": 2,
            "reason": "no usable id",
            "files": [
                f"raw/TMDB/JSON/movies/2024/06/01/movies_20240601_{'20240601T060000Z-aaaaaaaa'}_00005.json"
            ],
        }
    ]
    rows = {r["id"]: r for r in trusted_rows(lake, "movie", DAY.isoformat())}
    assert len(rows) == 200
    first, second, third = (rows[details[i]["id"]] for i in range(3))
    assert first["runtime"] is None and first["vote_count"] == details[0]["vote_count"]
    assert second["vote_count"] is None and second["runtime"] == details[1]["runtime"]
    assert third["adult"] is None
    assert rows[details[3]["id"]]["release_date"] is None
    assert rows[details[4]["id"]]["release_date"] is None
    assert json.loads(first["_extra"]) == {"streaming": {"netflix": True}}
    assert {r["source"] for r in rows.values()} == {"details"}
    cast = trusted_rows(lake, "movie_cast", DAY.isoformat())
    assert len(cast) == sum(len(d["credits"]["cast"]) for d in details)
    assert (
        "drift: unknown field 'streaming' (movie)"
        in cli("transform", "--lake", "lake", "--full").stdout
    )

    # the registry keeps the first sighting across transforms
    later = date(2024, 6, 2)
    write_run(
        lake, later, "20240602T060000Z-bbbbbbbb", movie_day(30) | {"movie_details": details[:30]}
    )
    again = cli("transform", "--lake", "lake", "--json")
    seen = {u["field"]: u["first_seen"] for u in report_of(lake, again.json())["unknown_fields"]}
    assert seen["streaming"]["dt"] == DAY.isoformat()


def test_a_failed_check_fails_the_build_and_publishes_nothing(cli, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    data = movie_day(40)
    data["movies"][0]["genre_ids"] = [999_999]  # not in the day's genre list
    data["movie_details"] = [d for d in data["movie_details"] if d["id"] != data["movies"][0]["id"]]
    data["genres_movie"] = [{"id": g, "name": f"g{g}"} for g in range(1, 20_000)]
    write_run(lake, DAY, "20240601T060000Z-cccccccc", data)

    failed = cli("transform", "--lake", "lake")
    assert failed.code == 1
    assert "movie_genre: relationship((genre_id) -> genre where media = 'movie')" in failed.stderr
    assert not (lake / f"trusted/TMDB/_manifests/dt={DAY.isoformat()}.json").exists()
    assert not list((lake / "trusted/TMDB").glob("PARQUET/*/*/*.parquet"))

    warned = cli("transform", "--lake", "lake", "--warn-only", "--json")
    assert warned.code == 0, warned.stderr
    manifest = trusted_manifest(lake, DAY.isoformat())
    statuses = {(c["table"], c["status"]) for c in manifest["checks"]}
    assert ("movie_genre", "failed") in statuses
    assert 999_999 in {r["genre_id"] for r in trusted_rows(lake, "movie_genre", DAY.isoformat())}
