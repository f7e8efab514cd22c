"""Simulator fixtures: shared catalogs and servers, schema loading and HTTP helpers."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from tmdb_lake.simulator import Catalog, SimulatorServer

KEY = "simulator-key"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """A small catalog, enough for every endpoint and semantics test."""
    return Catalog(movies=3_000, series=800, seed=42)


@pytest.fixture(scope="session")
def big_catalog() -> Catalog:
    """A catalog whose comedies alone exceed 500 pages of 20 results."""
    return Catalog(movies=60_000, series=200, seed=7)


@pytest.fixture(scope="session")
def server(catalog: Catalog) -> Iterator[SimulatorServer]:
    """A fault-free simulator over the small catalog, for the whole session."""
    with SimulatorServer(catalog) as running:
        yield running


@pytest.fixture(scope="session")
def http(server: SimulatorServer) -> Iterator[httpx.Client]:
    """A keep-alive client on the API base URL, sending the API key."""
    with httpx.Client(base_url=server.api_url, params={"api_key": KEY}, timeout=10) as client:
        yield client


def _amend(node: Any, nullable: set[str]) -> Any:
    """Widen the spec where TMDB really sends null or decimals (see the fixture's notes)."""
    if isinstance(node, dict):
        out = {k: _amend(v, nullable) for k, v in node.items()}
        props = out.get("properties")
        if isinstance(props, dict):
            for name, sub in props.items():
                if name == "vote_average" and sub.get("type") == "integer":
                    sub["type"] = "number"
                if name in nullable:
                    props[name] = {"anyOf": [sub, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [_amend(v, nullable) for v in node]
    return node


@pytest.fixture(scope="session")
def schemas() -> dict[str, Any]:
    """The copied TMDB response schemas, amended as the fixture documents."""
    document = json.loads((FIXTURES / "tmdb_schemas.json").read_text(encoding="utf-8"))
    nullable = document["_amendments"]["nullable"]
    amended = {}
    for path, schema in document["schemas"].items():
        names = set(nullable["*"]) | set(nullable.get(path, []))
        amended[path] = _amend(copy.deepcopy(schema), names)
    return amended


def missing_properties(schema: Any, instance: Any, where: str = "$") -> list[str]:
    """List documented properties absent from an instance (the spec has no ``required``)."""
    missing: list[str] = []
    if not isinstance(schema, dict):
        return missing
    if "anyOf" in schema:
        return [] if instance is None else missing_properties(schema["anyOf"][0], instance, where)
    if isinstance(instance, dict) and "properties" in schema:
        for name, sub in schema["properties"].items():
            if name not in instance:
                missing.append(f"{where}.{name}")
            else:
                missing += missing_properties(sub, instance[name], f"{where}.{name}")
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(instance):
            missing += missing_properties(schema["items"], item, f"{where}[{i}]")
    return missing


def _assert_valid(schema: dict[str, Any], instance: Any, drop: tuple[str, ...] = ()) -> None:
    if drop:
        kept = {k: v for k, v in schema["properties"].items() if k not in drop}
        schema = {**schema, "properties": kept}
    errors = sorted(Draft202012Validator(schema).iter_errors(instance), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    assert missing_properties(schema, instance) == []


@pytest.fixture(scope="session")
def validate(schemas: dict[str, Any]) -> Any:
    """Assert an instance validates (Draft 2020-12) against a path's 200 schema and has
    every documented property; ``drop`` names properties it legitimately lacks."""

    def check(path: str, instance: Any, drop: tuple[str, ...] = ()) -> None:
        _assert_valid(schemas[path], instance, drop)

    return check
