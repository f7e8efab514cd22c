"""What the trusted tables must hold, computed in plain Python from the raw records."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from trusted.lakeread import raw_manifests, raw_records  # type: ignore[import-not-found]

Row = dict[str, Any]


def day_of(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def winners(lake: Path, media: str, day: str) -> dict[int, tuple[str, Row, str, str]]:
    """id -> (source, record, run_id, file key) by the merge rule (details beat discover)."""
    discover = "movies" if media == "movie" else "series"
    details = "movie_details" if media == "movie" else "series_details"
    found: dict[int, tuple[str, Row, str, str]] = {}
    for dataset, source in ((discover, "discover"), (details, "details")):
        for record, run_id, key in keyed_records(lake, dataset, day):
            found[record["id"]] = (source, record, run_id, key)
    return found


def keyed_records(lake: Path, dataset: str, day: str) -> list[tuple[Row, str, str]]:
    """(record, run id, file key) of every record of the newest manifest of (dataset, day)."""
    import json

    manifests = [
        m for m in raw_manifests(lake) if m["partition_date"] == day and dataset in m["datasets"]
    ]
    if not manifests:
        return []
    newest = max(manifests, key=lambda m: (m["finished_at"], m["run_id"]))
    out: list[tuple[Row, str, str]] = []
    for item in newest["datasets"][dataset]["files"]:
        text = (lake / item["key"]).read_text("utf-8")
        rows = (
            [json.loads(line) for line in text.splitlines() if line]
            if item["key"].endswith(".jsonl")
            else json.loads(text)
        )
        out += [(r, newest["run_id"], item["key"]) for r in rows]
    return out


def movie_row(source: str, r: Row, run_id: str, key: str) -> Row:
    details = source != "discover"
    genre_ids = [g["id"] for g in r["genres"]] if details else r["genre_ids"]
    collection = r.get("belongs_to_collection")
    return {
        "id": r["id"],
        "title": r["title"],
        "original_title": r["original_title"],
        "original_language": r["original_language"],
        "overview": r["overview"],
        "release_date": day_of(r["release_date"]),
        "popularity": r["popularity"],
        "vote_average": r["vote_average"],
        "vote_count": r["vote_count"],
        "adult": r["adult"],
        "video": r["video"],
        "poster_path": r["poster_path"],
        "backdrop_path": r["backdrop_path"],
        "genre_ids": genre_ids,
        "imdb_id": r.get("imdb_id") or (r.get("external_ids") or {}).get("imdb_id"),
        "runtime": r.get("runtime"),
        "budget": r.get("budget"),
        "revenue": r.get("revenue"),
        "status": r.get("status"),
        "tagline": r.get("tagline"),
        "homepage": r.get("homepage"),
        "collection_id": collection["id"] if collection else None,
        "source": source,
        "_run_id": run_id,
        "_source_key": key,
        "_extra": None,
    }


def series_row(source: str, r: Row, run_id: str, key: str) -> Row:
    details = source != "discover"
    genre_ids = [g["id"] for g in r["genres"]] if details else r["genre_ids"]
    return {
        "id": r["id"],
        "name": r["name"],
        "original_name": r["original_name"],
        "original_language": r["original_language"],
        "overview": r["overview"],
        "first_air_date": day_of(r["first_air_date"]),
        "popularity": r["popularity"],
        "vote_average": r["vote_average"],
        "vote_count": r["vote_count"],
        "adult": r.get("adult"),
        "poster_path": r["poster_path"],
        "backdrop_path": r["backdrop_path"],
        "genre_ids": genre_ids,
        "origin_country": r["origin_country"],
        "number_of_seasons": r.get("number_of_seasons"),
        "number_of_episodes": r.get("number_of_episodes"),
        "in_production": r.get("in_production"),
        "status": r.get("status"),
        "type": r.get("type"),
        "last_air_date": day_of(r.get("last_air_date")),
        "imdb_id": (r.get("external_ids") or {}).get("imdb_id"),
        "tagline": r.get("tagline"),
        "homepage": r.get("homepage"),
        "source": source,
        "_run_id": run_id,
        "_source_key": key,
        "_extra": None,
    }


def child_rows(lake: Path, media: str, day: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every child table's rows (without lineage), from the winners' records."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    title = "movie" if media == "movie" else "series"
    for title_id, (source, r, _run, _key) in winners(lake, media, day).items():
        genre_ids = [g["id"] for g in r["genres"]] if source != "discover" else r["genre_ids"]
        out.setdefault(f"{title}_genre", []).extend((title_id, g) for g in genre_ids)
        credits = r.get("credits") or {}
        out.setdefault(f"{title}_cast", []).extend(
            (title_id, c["id"], c["name"], c["character"], c["order"], c.get("credit_id"))
            for c in credits.get("cast", [])
        )
        out.setdefault(f"{title}_crew", []).extend(
            (title_id, c["id"], c["name"], c["department"], c["job"], c.get("credit_id"))
            for c in credits.get("crew", [])
        )
        keywords = (r.get("keywords") or {}).get("keywords" if media == "movie" else "results", [])
        out.setdefault(f"{title}_keyword", []).extend(
            (title_id, k["id"], k["name"]) for k in keywords
        )
        if media == "movie":
            out.setdefault("movie_release_date", []).extend(
                (
                    title_id,
                    c["iso_3166_1"],
                    d["type"],
                    day_of(d["release_date"]),
                    d["certification"],
                    d["iso_639_1"],
                    d["note"],
                )
                for c in (r.get("release_dates") or {}).get("results", [])
                for d in c["release_dates"]
            )
            out.setdefault("movie_company", []).extend(
                (title_id, c["id"], c["name"], c["origin_country"])
                for c in r.get("production_companies", [])
            )
            out.setdefault("movie_country", []).extend(
                (title_id, c["iso_3166_1"], c["name"]) for c in r.get("production_countries", [])
            )
            out.setdefault("movie_language", []).extend(
                (title_id, c["iso_639_1"], c["name"], c["english_name"])
                for c in r.get("spoken_languages", [])
            )
        else:
            out.setdefault("series_content_rating", []).extend(
                (title_id, c["iso_3166_1"], c["rating"])
                for c in (r.get("content_ratings") or {}).get("results", [])
            )
    return out


def genre_rows(lake: Path, day: str) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for media in ("movie", "tv"):
        rows += [(media, g["id"], g["name"]) for g in raw_records(lake, f"genres_{media}", day)]
    return rows
