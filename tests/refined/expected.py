"""What the refined tables must hold, computed in plain Python from the trusted tables.

Independent of the refined SQL: the trusted rows are read through the trusted manifests
(every dt), and the rules of docs/lake.md are applied by hand.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

Row = dict[str, Any]

TITLES = {"movie": ("movie", "movie_id"), "tv": ("series", "series_id")}
DETAILS_ONLY = {
    "movie": ("imdb_id", "runtime", "budget", "revenue", "status", "tagline", "homepage"),
    "tv": ("number_of_seasons", "number_of_episodes", "in_production", "status", "type"),
}


def trusted_dts(lake: Path) -> list[str]:
    return sorted(p.name[3:-5] for p in (lake / "trusted/TMDB/_manifests").glob("dt=*.json"))


def trusted(lake: Path, table: str) -> list[Row]:
    """Every row of a trusted table, every dt, through the manifests, with `dt`."""
    rows: list[Row] = []
    for dt in trusted_dts(lake):
        manifest = json.loads((lake / f"trusted/TMDB/_manifests/dt={dt}.json").read_text())
        files = [str(lake / f["key"]) for f in manifest["tables"][table]["files"]]
        with duckdb.connect() as db:
            result = db.execute("SELECT * FROM read_parquet(?, hive_partitioning = false)", [files])
            names = [d[0] for d in result.description]
            rows += [
                dict(zip(names, r, strict=True), dt=date.fromisoformat(dt))
                for r in result.fetchall()
            ]
    return rows


def refined(lake: Path, table: str) -> list[Row]:
    """Every row of a refined table through its manifests (`dt` for the dated one)."""
    manifests = sorted((lake / "refined/TMDB/_manifests").glob("*.json"))
    rows: list[Row] = []
    for path in manifests:
        manifest = json.loads(path.read_text())
        if table not in manifest["tables"]:
            continue
        files = [str(lake / f["key"]) for f in manifest["tables"][table]["files"]]
        with duckdb.connect() as db:
            result = db.execute("SELECT * FROM read_parquet(?, hive_partitioning = false)", [files])
            names = [d[0] for d in result.description]
            extra = {"dt": date.fromisoformat(manifest["dt"])} if manifest["dt"] else {}
            rows += [dict(zip(names, r, strict=True), **extra) for r in result.fetchall()]
    return rows


def title_dim(lake: Path, media: str) -> dict[int, Row]:
    """The latest-attribute rule by hand: id -> expected dim row (a subset of its columns)."""
    table, key = TITLES[media]
    by_id: dict[int, list[Row]] = defaultdict(list)
    for row in trusted(lake, table):
        by_id[row["id"]].append(row)
    out: dict[int, Row] = {}
    name = "title" if media == "movie" else "name"
    for title_id, rows in by_id.items():
        latest = max(rows, key=lambda r: r["dt"])
        with_details = [r for r in rows if r["source"] != "discover"]
        details = max(with_details, key=lambda r: r["dt"]) if with_details else None
        expected = {
            key: title_id,
            name: latest[name],
            "popularity": latest["popularity"],
            "vote_count": latest["vote_count"],
            "first_seen_dt": min(r["dt"] for r in rows),
            "last_seen_dt": latest["dt"],
            "details_dt": details["dt"] if details else None,
        }
        for column in DETAILS_ONLY[media]:
            expected[column] = details[column] if details else None
        if media == "movie":
            expected["imdb_id"] = details["imdb_id"] if details else None
            released = latest["release_date"]
        else:
            released = latest["first_air_date"]
        expected["release_year"] = released.year if released else None
        expected["decade"] = released.year // 10 * 10 if released else None
        out[title_id] = expected
    return out


def winners(lake: Path, media: str, column: str) -> dict[int, date]:
    """id -> the dt its child rows come from (`last_seen_dt` or `details_dt`)."""
    return {i: r[column] for i, r in title_dim(lake, media).items() if r[column] is not None}


def children(
    lake: Path, media: str, source: str, column: str, fields: tuple[str, ...]
) -> list[tuple[Any, ...]]:
    """The rows of trusted `source` on each title's winner dt, as tuples of `fields`."""
    _, key = TITLES[media]
    won = winners(lake, media, column)
    return sorted(
        (tuple(r[f] for f in fields) for r in trusted(lake, source) if won.get(r[key]) == r["dt"]),
        key=repr,
    )


def members(
    lake: Path, sources: list[tuple[str, tuple[str, ...]]]
) -> dict[tuple[Any, ...], str | None]:
    """key -> the name of its latest named sighting (ties: the greatest name)."""
    best: dict[tuple[Any, ...], tuple[date, str]] = {}
    for source, keys in sources:
        for row in trusted(lake, source):
            if row["name"] is None:
                continue
            k = tuple(row[c] for c in keys)
            candidate = (row["dt"], row["name"])
            if k not in best or candidate > best[k]:
                best[k] = candidate
    return {k: name for k, (_, name) in best.items()}


def calendar(first: date, last: date) -> int:
    """The days of the whole years from `first`'s to `last`'s."""
    return (date(last.year, 12, 31) - date(first.year, 1, 1)).days + 1


def one_day() -> timedelta:
    return timedelta(days=1)
