"""What a raw TMDB record looks like: the declared raw schema the trusted zone reads.

One declaration per *source* (a kind of raw record, whatever dataset it landed in):

- `movie`: a `/discover/movie` result or a `/movie/{id}` details object (with the
  appends `credits`, `keywords`, `external_ids`, `release_dates`);
- `series`: a `/discover/tv` result or a `/tv/{id}` details object (appends `credits`,
  `keywords`, `external_ids`, `content_ratings`);
- `genre`: one `{"id", "name"}` of a `/genre/{movie,tv}/list`.

Each declaration is TMDB's own OpenAPI schema for those responses (the copy in
tests/simulator/fixtures/tmdb_schemas.json; `tests/trusted/test_contract_openapi.py` checks
every field and type against it), as a nested literal:

- a DuckDB type name: a field the trusted zone reads, with the type it is read as
  (`DATE`: a JSON string holding `YYYY-MM-DD`, `""` for unknown);
- `[...]` a list of that, `{...}` an object;
- `KNOWN`: a documented field the trusted tables do not keep (it stays in raw). It is not
  schema drift.

A field that is neither is *unknown*: the drift report counts it (see `tmdb_lake.trusted.quality`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson

KNOWN = "KNOWN"

SourceName = Literal["movie", "series", "genre"]
SOURCES: tuple[SourceName, ...] = ("movie", "series", "genre")

RawSpec = Mapping[str, Any]

_PERSON = {
    "adult": KNOWN,
    "gender": KNOWN,
    "id": "BIGINT",
    "known_for_department": KNOWN,
    "name": "VARCHAR",
    "original_name": KNOWN,
    "popularity": KNOWN,
    "profile_path": KNOWN,
    "credit_id": "VARCHAR",
}
_CAST = {**_PERSON, "character": "VARCHAR", "order": "INTEGER"}
_CREW = {**_PERSON, "department": "VARCHAR", "job": "VARCHAR"}
# Only movie cast members carry `cast_id`.
_MOVIE_CREDITS = {"id": KNOWN, "cast": [{**_CAST, "cast_id": KNOWN}], "crew": [_CREW]}
_TV_CREDITS = {"id": KNOWN, "cast": [_CAST], "crew": [_CREW]}
_GENRES = [{"id": "INTEGER", "name": "VARCHAR"}]
_COMPANIES = [{"id": "BIGINT", "logo_path": KNOWN, "name": "VARCHAR", "origin_country": "VARCHAR"}]
_COUNTRIES = [{"iso_3166_1": "VARCHAR", "name": "VARCHAR"}]
_LANGUAGES = [{"english_name": "VARCHAR", "iso_639_1": "VARCHAR", "name": "VARCHAR"}]
_OTHER_APPENDS = {
    "videos": KNOWN,
    "images": KNOWN,
    "translations": KNOWN,
    "alternative_titles": KNOWN,
}

MOVIE: RawSpec = {
    "adult": "BOOLEAN",
    "backdrop_path": "VARCHAR",
    "belongs_to_collection": {
        "id": "BIGINT",
        "name": "VARCHAR",
        "poster_path": KNOWN,
        "backdrop_path": KNOWN,
    },
    "budget": "BIGINT",
    "genre_ids": ["INTEGER"],
    "genres": _GENRES,
    "homepage": "VARCHAR",
    "id": "BIGINT",
    "imdb_id": "VARCHAR",
    "origin_country": ["VARCHAR"],
    "original_language": "VARCHAR",
    "original_title": "VARCHAR",
    "overview": "VARCHAR",
    "popularity": "DOUBLE",
    "poster_path": "VARCHAR",
    "production_companies": _COMPANIES,
    "production_countries": _COUNTRIES,
    "release_date": "DATE",
    "revenue": "BIGINT",
    "runtime": "INTEGER",
    "spoken_languages": _LANGUAGES,
    "status": "VARCHAR",
    "tagline": "VARCHAR",
    "title": "VARCHAR",
    "video": "BOOLEAN",
    "vote_average": "DOUBLE",
    "vote_count": "BIGINT",
    "credits": _MOVIE_CREDITS,
    "keywords": {"id": KNOWN, "keywords": [{"id": "BIGINT", "name": "VARCHAR"}]},
    "external_ids": {
        "id": KNOWN,
        "imdb_id": "VARCHAR",
        "wikidata_id": KNOWN,
        "facebook_id": KNOWN,
        "instagram_id": KNOWN,
        "twitter_id": KNOWN,
    },
    "release_dates": {
        "id": KNOWN,
        "results": [
            {
                "iso_3166_1": "VARCHAR",
                "release_dates": [
                    {
                        "certification": "VARCHAR",
                        "descriptors": KNOWN,
                        "iso_639_1": "VARCHAR",
                        "note": "VARCHAR",
                        "release_date": "VARCHAR",
                        "type": "INTEGER",
                    }
                ],
            }
        ],
    },
    **_OTHER_APPENDS,
}

SERIES: RawSpec = {
    "adult": "BOOLEAN",
    "backdrop_path": "VARCHAR",
    "created_by": KNOWN,
    "episode_run_time": KNOWN,
    "first_air_date": "DATE",
    "genre_ids": ["INTEGER"],
    "genres": _GENRES,
    "homepage": "VARCHAR",
    "id": "BIGINT",
    "in_production": "BOOLEAN",
    "languages": KNOWN,
    "last_air_date": "DATE",
    "last_episode_to_air": KNOWN,
    "name": "VARCHAR",
    "next_episode_to_air": KNOWN,
    "networks": KNOWN,
    "number_of_episodes": "INTEGER",
    "number_of_seasons": "INTEGER",
    "origin_country": ["VARCHAR"],
    "original_language": "VARCHAR",
    "original_name": "VARCHAR",
    "overview": "VARCHAR",
    "popularity": "DOUBLE",
    "poster_path": "VARCHAR",
    "production_companies": _COMPANIES,
    "production_countries": _COUNTRIES,
    "seasons": KNOWN,
    "spoken_languages": _LANGUAGES,
    "status": "VARCHAR",
    "tagline": "VARCHAR",
    "type": "VARCHAR",
    "vote_average": "DOUBLE",
    "vote_count": "BIGINT",
    "credits": _TV_CREDITS,
    "aggregate_credits": KNOWN,
    "keywords": {"id": KNOWN, "results": [{"id": "BIGINT", "name": "VARCHAR"}]},
    "external_ids": {
        "id": KNOWN,
        "imdb_id": "VARCHAR",
        "freebase_mid": KNOWN,
        "freebase_id": KNOWN,
        "tvdb_id": KNOWN,
        "tvrage_id": KNOWN,
        "wikidata_id": KNOWN,
        "facebook_id": KNOWN,
        "instagram_id": KNOWN,
        "twitter_id": KNOWN,
    },
    "content_ratings": {
        "id": KNOWN,
        "results": [{"descriptors": KNOWN, "iso_3166_1": "VARCHAR", "rating": "VARCHAR"}],
    },
    **_OTHER_APPENDS,
}

GENRE: RawSpec = {"id": "INTEGER", "name": "VARCHAR"}

SPECS: dict[SourceName, RawSpec] = {"movie": MOVIE, "series": SERIES, "genre": GENRE}

SCALARS = ("BIGINT", "INTEGER", "DOUBLE", "BOOLEAN", "VARCHAR", "DATE")


@dataclass(frozen=True)
class ObjectNode:
    """An object inside a record whose keys the drift check knows.

    `path` is how reports name it (`credits.cast[]`); `json_path` points at the object
    itself, or at the first element of a list of objects (TMDB's list items share one shape).
    """

    path: str
    json_path: str
    known: tuple[str, ...]


def typed_structure(spec: RawSpec) -> dict[str, Any]:
    """Give the `json_transform` structure of the fields the trusted zone reads."""
    return {name: _typed(value) for name, value in spec.items() if value != KNOWN}


def _typed(value: Any) -> Any:
    if isinstance(value, str):
        return "VARCHAR" if value == "DATE" else value
    if isinstance(value, list):
        return [_typed(value[0])]
    return typed_structure(value)


def structure_json(spec: RawSpec) -> str:
    """Give `typed_structure` as the JSON text `json_transform` takes."""
    return orjson.dumps(typed_structure(spec)).decode()


def top_scalars(spec: RawSpec) -> list[tuple[str, str]]:
    """Give the top-level scalar fields as (name, declared type): each is type-checked exactly."""
    return [(name, value) for name, value in spec.items() if value in SCALARS]


def object_nodes(spec: RawSpec) -> list[ObjectNode]:
    """Give every nested object whose keys are declared (not `KNOWN`), depth first."""
    return list(_nodes(spec, "", "$"))


def _nodes(spec: RawSpec, path: str, json_path: str) -> Iterator[ObjectNode]:
    for name, value in spec.items():
        here, there = f"{path}{name}", f"{json_path}.{name}"
        if isinstance(value, dict):
            yield ObjectNode(here, there, tuple(value))
            yield from _nodes(value, here + ".", there)
        elif isinstance(value, list) and isinstance(value[0], dict):
            yield ObjectNode(here + "[]", there + "[0]", tuple(value[0]))
            yield from _nodes(value[0], here + "[].", there + "[0]")


def resolve(spec: RawSpec, path: str) -> Any:
    """Give the declared type at `path` (`credits.cast[].order`); KeyError when undeclared."""
    node: Any = spec
    for part in path.split("."):
        listed = part.endswith("[]")
        name = part[:-2] if listed else part
        if not isinstance(node, Mapping) or name not in node:
            raise KeyError(path)
        node = node[name]
        if listed:
            if not isinstance(node, list):
                raise KeyError(path)
            node = node[0]
    return node
