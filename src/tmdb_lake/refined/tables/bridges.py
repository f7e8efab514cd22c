"""The bridges: each title's genres (from its latest record) and keywords (latest details)."""

from __future__ import annotations

from tmdb_lake.refined.contract import Column, RefinedTable, previous
from tmdb_lake.refined.tables._merge import TITLE_KEYS, fresh, kept, union
from tmdb_lake.trusted.contract import NotNull, Relationship, Unique


def _bridge(title: str, member: str, winner: str, media: str | None) -> RefinedTable:
    key = TITLE_KEYS[title]
    member_key = f"{member}_id"
    name = f"bridge_{title}_{member}"
    source = f"{title}_{member}"
    target = (
        Relationship((member_key,), f"dim_{member}", (member_key,), to_where=f"media = '{media}'")
        if media
        else Relationship((member_key,), f"dim_{member}", (member_key,))
    )
    winner_text = "latest record" if winner == "last_seen_dt" else "latest details"
    return RefinedTable(
        name=name,
        description=f"The {member}s of each {title}, from its {winner_text} "
        f"(`dim_{title}.{winner}`).",
        grain=f"one row per ({key}, {member_key})",
        key=(key, member_key),
        columns=(
            Column(key, "BIGINT", False, f"{source}.{key}", f"TMDB {title} id"),
            Column(
                member_key,
                "INTEGER" if member == "genre" else "BIGINT",
                False,
                f"{source}.{member_key}",
                f"TMDB {member} id (see `dim_{member}`)",
            ),
        ),
        sql=union(
            kept(name, (key, member_key), key, title, winner),
            fresh(f"t.{key}, t.{member_key}", source, title, key, winner),
        ),
        checks=(
            NotNull((key, member_key)),
            Unique((key, member_key)),
            Relationship((key,), f"dim_{title}", (key,)),
            target,
        ),
        reads=(source, f"dim_{title}", title, previous(name)),
    )


BRIDGE_MOVIE_GENRE = _bridge("movie", "genre", "last_seen_dt", "movie")
BRIDGE_SERIES_GENRE = _bridge("series", "genre", "last_seen_dt", "tv")
BRIDGE_MOVIE_KEYWORD = _bridge("movie", "keyword", "details_dt", None)
BRIDGE_SERIES_KEYWORD = _bridge("series", "keyword", "details_dt", None)
