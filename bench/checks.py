"""Correctness of a tool's output: the ids it wrote, against the simulator's ground truth."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

try:  # a tmdb-lake dependency, so normally there: S4 reads back a million details
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    _loads = json.loads


def _json_arrays(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    for path in sorted(paths):
        yield from _loads(path.read_bytes())


def _jsonl(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    for path in sorted(paths):
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield _loads(line)


def output_ids(tool: str, work: Path, kind: str) -> list[int]:
    """Give the ids a tool wrote, duplicates kept; kind is ``discover`` or ``details``."""
    if tool == "tmdb-lake":
        dataset = "movies" if kind == "discover" else "movie_details"
        files = (work / "lake" / "raw" / "TMDB" / "JSON" / dataset).glob("*/*/*/*.json")
        return [int(r["id"]) for r in _json_arrays(files)]
    if tool == "baseline":
        name = "filmes_2" if kind == "discover" else "filmes_detalhes_"
        return [int(r["id"]) for r in _json_arrays(work.glob(f"out/{name}*.json"))]
    table = "movies" if kind == "discover" else "movie_details"
    files = (work / "lake" / "tmdb" / table).glob("*.jsonl*")
    return [int(r["id"]) for r in _jsonl(files)]


def check(ids: list[int], expected: list[int]) -> tuple[int, int, int, int]:
    """Give (unique records, missing, duplicates, unexpected) against the ground truth."""
    got = set(ids)
    want = set(expected)
    return len(got), len(want - got), len(ids) - len(got), len(got - want)
