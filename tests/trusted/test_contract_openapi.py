"""The declared raw schema and every table's contract, checked against TMDB's OpenAPI schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tmdb_lake.trusted.sources import KNOWN, SPECS, resolve

FIXTURE = Path(__file__).parents[1] / "simulator" / "fixtures" / "tmdb_schemas.json"
# shared/ sits beside the clone (CI) or above the work tree (a developer's worktree)
FULL_SPEC = next(
    (
        found
        for parent in Path(__file__).resolve().parents
        if (found := parent / "shared" / "reference" / "tmdb-openapi.json").is_file()
    ),
    Path("shared/reference/tmdb-openapi.json"),
)
_OTHER = ("videos", "images", "translations", "alternative_titles")
APPENDS = {
    "movie": ("credits", "keywords", "external_ids", "release_dates", *_OTHER),
    "series": ("credits", "keywords", "external_ids", "content_ratings", *_OTHER),
}
# Documented by TMDB elsewhere than the copied schemas: an append of the same shape as credits.
UNDOCUMENTED = {("series", "aggregate_credits")}
COMPATIBLE = {
    "BIGINT": {"integer"},
    "INTEGER": {"integer"},
    "DOUBLE": {"number", "integer"},  # vote_average: the spec says integer, TMDB sends 7.3
    "BOOLEAN": {"boolean"},
    "VARCHAR": {"string"},
    "DATE": {"string"},
}


def schemas() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text("utf-8"))["schemas"]


def openapi_record(source: str) -> dict[str, Any]:
    """The union of TMDB's schemas for one source's records, as one object schema."""
    s = schemas()
    if source == "genre":
        return s["/3/genre/movie/list"]["properties"]["genres"]["items"]
    media, detail = (
        ("movie", "/3/movie/{movie_id}") if source == "movie" else ("tv", "/3/tv/{series_id}")
    )
    props: dict[str, Any] = {}
    props |= s[f"/3/discover/{media}"]["properties"]["results"]["items"]["properties"]
    props |= s[detail]["properties"]
    for name in APPENDS[source]:
        props[name] = s[f"{detail}/{name}"]
    return {"type": "object", "properties": props}


def walk(declared: Any, schema: dict[str, Any], path: str, errors: list[str], source: str) -> None:
    if declared == KNOWN:
        return
    if isinstance(declared, str):
        if schema.get("type") not in COMPATIBLE[declared]:
            errors.append(f"{path}: declared {declared}, OpenAPI says {schema.get('type')}")
        return
    if isinstance(declared, list):
        if schema.get("type") != "array":
            errors.append(f"{path}: declared a list, OpenAPI says {schema.get('type')}")
            return
        walk(declared[0], schema.get("items", {}), path + "[]", errors, source)
        return
    if schema.get("type") != "object":
        errors.append(f"{path}: declared an object, OpenAPI says {schema.get('type')}")
        return
    documented = schema.get("properties", {})
    for name, value in declared.items():
        if name not in documented:
            if (source, name) not in UNDOCUMENTED:
                errors.append(f"{path}.{name}: declared but not in TMDB's schema")
            continue
        walk(value, documented[name], f"{path}.{name}", errors, source)
    for name in documented:
        if name not in declared:
            errors.append(f"{path}.{name}: documented by TMDB but not declared (would be drift)")


@pytest.mark.parametrize("source", sorted(SPECS))
def test_the_raw_declaration_is_tmdbs_openapi_schema(source: str) -> None:
    errors: list[str] = []
    walk(dict(SPECS[source]), openapi_record(source), source, errors, source)  # type: ignore[arg-type]
    assert errors == []


def test_the_copied_schemas_are_the_published_spec() -> None:
    if not FULL_SPEC.is_file():
        pytest.skip(f"the full OpenAPI spec is not beside the repository ({FULL_SPEC})")
    spec = json.loads(FULL_SPEC.read_text("utf-8"))
    for path, schema in schemas().items():
        published = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert published["schema"] == schema, path


_TOKEN = re.compile(r"[a-z_][a-z0-9_]*(?:\[\])?(?:\.[a-z0-9_]+(?:\[\])?)*")
_COLUMN_FROM_RAW = {
    ("INTEGER[]", "[INTEGER]"),
    ("VARCHAR[]", "[VARCHAR]"),
    ("DATE", "DATE"),
    ("DATE", "VARCHAR"),  # release_dates[].release_date: a timestamp string, its date part
    ("BIGINT", "INTEGER"),
}


def test_every_column_reads_a_declared_field_of_a_compatible_type() -> None:
    from tmdb_lake.trusted.tables import TABLES

    checked = 0
    for table in TABLES:
        source = "genre" if table.name == "genre" else table.name.split("_")[0]
        spec = SPECS["series" if source == "series" else source]  # type: ignore[index]
        for column in table.columns:
            if column.source.startswith("<"):
                continue
            for token in _TOKEN.findall(
                column.source.replace("(discover)", "").replace("(details)", "")
            ):
                path = token.removeprefix("genres[].") if source == "genre" else token
                declared = resolve(spec, path)
                shown = f"[{declared[0]}]" if isinstance(declared, list) else declared
                # genre_ids of details: the list of genres[].id
                collected = token.endswith("genres[].id") and column.type == "INTEGER[]"
                fits = column.type == shown or (column.type, shown) in _COLUMN_FROM_RAW
                assert fits or collected, f"{table.name}.{column.name}: {column.type} <- {shown}"
                checked += 1
    assert checked > 100
