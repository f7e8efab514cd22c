"""The assertion every refined test ends with: the model, table by table, against trusted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from refined.expected import (  # type: ignore[import-not-found]
    calendar,
    children,
    members,
    refined,
    title_dim,
    trusted,
    trusted_dts,
)
from tmdb_lake.refined.tables import CURRENT, DATED

CREDIT = ("media", "title_id", "person_id", "role", "department", "job", "character", "cast_order")


def _credits(lake: Path) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for media, title, key in (("movie", "movie", "movie_id"), ("tv", "series", "series_id")):
        for row in children(
            lake,
            media,
            f"{title}_cast",
            "details_dt",
            (key, "person_id", "character", "cast_order"),
        ):
            out.append((media, row[0], row[1], "cast", None, None, row[2], row[3]))
        for row in children(
            lake, media, f"{title}_crew", "details_dt", (key, "person_id", "department", "job")
        ):
            out.append((media, row[0], row[1], "crew", row[2], row[3], None, None))
    return sorted(out, key=repr)


def _pairs(lake: Path, table: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    return sorted((tuple(r[c] for c in columns) for r in refined(lake, table)), key=repr)


def named_only(found: dict[Any, str | None]) -> dict[Any, str | None]:
    return {k: v for k, v in found.items() if v is not None}


def assert_model_matches_trusted(lake: Path) -> None:
    """Every dimension, bridge and fact of the refined zone, against the trusted tables."""
    for media, table, key in (
        ("movie", "dim_movie", "movie_id"),
        ("tv", "dim_series", "series_id"),
    ):
        want = title_dim(lake, media)
        rows = refined(lake, table)
        got = {r[key]: r for r in rows}
        assert len(got) == len(rows), f"{table}: a key twice"
        assert set(got) == set(want) and want, table
        for title_id, expected in want.items():
            assert {k: got[title_id][k] for k in expected} == expected, (table, title_id)

    for media, title, key in (("movie", "movie", "movie_id"), ("tv", "series", "series_id")):
        for member, winner in (("genre", "last_seen_dt"), ("keyword", "details_dt")):
            columns = (key, f"{member}_id")
            expected = children(lake, media, f"{title}_{member}", winner, columns)
            assert _pairs(lake, f"bridge_{title}_{member}", columns) == expected, (title, member)
            assert expected, f"bridge_{title}_{member} is empty"

    assert _pairs(lake, "fact_credit", CREDIT) == _credits(lake)
    releases = children(
        lake,
        "movie",
        "movie_release_date",
        "details_dt",
        ("movie_id", "country", "type", "release_date", "certification"),
    )
    got = [
        (r["movie_id"], r["country"], r["type"], r["release_date_key"], r["certification"])
        for r in refined(lake, "fact_release")
    ]
    as_keys = [(m, c, t, int(f"{d:%Y%m%d}") if d else None, s) for m, c, t, d, s in releases]
    assert sorted(got, key=repr) == sorted(as_keys, key=repr) and got

    person = {r["person_id"]: r["name"] for r in refined(lake, "dim_person")}
    named = members(
        lake, [(f"{t}_{r}", ("person_id",)) for t in ("movie", "series") for r in ("cast", "crew")]
    )
    assert {k: v for k, v in person.items() if v is not None} == {k[0]: v for k, v in named.items()}
    credited = {r["person_id"] for r in refined(lake, "fact_credit")}
    assert credited <= set(person)
    genre = {(r["media"], r["genre_id"]): r["name"] for r in refined(lake, "dim_genre")}
    assert {k: v for k, v in genre.items() if v is not None} == members(
        lake, [("genre", ("media", "genre_id"))]
    )
    keyword = {r["keyword_id"]: r["name"] for r in refined(lake, "dim_keyword")}
    assert {k: v for k, v in keyword.items() if v is not None} == {
        k[0]: v
        for k, v in members(
            lake, [("movie_keyword", ("keyword_id",)), ("series_keyword", ("keyword_id",))]
        ).items()
    }

    dates = (
        [r["dt"] for r in trusted(lake, "movie") + trusted(lake, "series")]
        + [r["release_date"] for r in refined(lake, "dim_movie")]
        + [r["first_air_date"] for r in refined(lake, "dim_series")]
        + [r["release_date"] for r in trusted(lake, "movie_release_date")]
    )
    known = [d for d in dates if d is not None]
    calendar_rows = refined(lake, "dim_date")
    assert len(calendar_rows) == calendar(min(known), max(known))
    keys = {r["date_key"] for r in calendar_rows}
    assert len(keys) == len(calendar_rows)

    snapshots = refined(lake, "fact_title_snapshot")
    for dt in trusted_dts(lake):
        day = [r for r in snapshots if r["dt"].isoformat() == dt]
        want = sorted(
            [
                ("movie", r["id"], r["popularity"], r["vote_count"])
                for r in trusted(lake, "movie")
                if r["dt"].isoformat() == dt
            ]
            + [
                ("tv", r["id"], r["popularity"], r["vote_count"])
                for r in trusted(lake, "series")
                if r["dt"].isoformat() == dt
            ],
            key=repr,
        )
        got_day = sorted(
            ((r["media"], r["title_id"], r["popularity"], r["vote_count"]) for r in day), key=repr
        )
        assert got_day == want and want, dt
        assert {r["date_key"] for r in day} == {int(dt.replace("-", ""))} <= keys

    assert_published_exactly(lake)


def assert_published_exactly(lake: Path) -> None:
    """Every manifest's checks passed, it is clean, and the folders hold exactly its files."""
    root = lake / "refined/TMDB"
    listed: set[str] = set()
    for path in (root / "_manifests").glob("*.json"):
        manifest = json.loads(path.read_text())
        assert manifest["cleanup_pending"] is False, path.name
        assert all(c["status"] == "passed" for c in manifest["checks"]), path.name
        expected_tables = {t.name for t in (DATED if manifest["dt"] else CURRENT)}
        assert set(manifest["tables"]) == expected_tables
        listed |= {f["key"] for t in manifest["tables"].values() for f in t["files"]}
    stored = {str(p.relative_to(lake)) for p in (root / "PARQUET").rglob("*.parquet")}
    assert stored == listed
    staging = root / "_staging"
    assert not staging.exists() or not any(p.is_file() for p in staging.rglob("*"))
