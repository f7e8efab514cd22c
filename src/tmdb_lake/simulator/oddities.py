r"""Odd but valid answers on demand: what real TMDB serves once in a great while.

Two knobs of `SimulatorConfig`, applied to 200 answers of ``/discover`` and details only:

- ``odd_ids``: each title with one of these ids (movie or TV) is served, in discover pages
  and in its details, with a lone surrogate escape (the six bytes ``\ud800``) before its
  original title, one byte that is not UTF-8 (``0xff``) after its overview, and a field
  ``big_int`` holding `BIG_INT`, an integer beyond 64 bits.
- ``claim_total_pages``: every discover answer claims this ``total_pages`` (``0`` for the
  "no pages, 20 results" answer), whatever it holds.

Example::

    SimulatorConfig(odd_ids=frozenset({603}), claim_total_pages=0)
"""

from __future__ import annotations

import re
from typing import Any

import orjson

BIG_INT = 123456789012345678901234567890
"""The integer an odd title carries in ``big_int``: 97 bits."""

# Private-use placeholders, swapped for the odd bytes after orjson (which cannot write them).
_LONE_SURROGATE = "\ue000"
_BAD_BYTE = "\ue001"
_DETAILS = re.compile(r"^/3/(?:movie|tv)/\d+$")


def applies(path: str) -> bool:
    """Tell whether an answer of `path` is one the knobs may change."""
    return path.startswith("/3/discover/") or _DETAILS.match(path) is not None


def oddify(path: str, body: bytes, odd_ids: frozenset[int], claim_total_pages: int | None) -> bytes:
    """Give the body of a 200 answer of `path` with the knobs applied."""
    data = orjson.loads(body)
    if not isinstance(data, dict):
        return body
    discover = path.startswith("/3/discover/")
    items: list[Any] = data.get("results", []) if discover else [data]
    for item in items:
        if isinstance(item, dict) and item.get("id") in odd_ids:
            _make_odd(item)
    if discover and claim_total_pages is not None:
        data["total_pages"] = claim_total_pages
    out = orjson.dumps(data)
    return out.replace(_LONE_SURROGATE.encode(), b"\\ud800").replace(_BAD_BYTE.encode(), b"\xff")


def _make_odd(item: dict[str, Any]) -> None:
    for key in ("original_title", "original_name"):
        if isinstance(item.get(key), str):
            item[key] = _LONE_SURROGATE + item[key]
    if isinstance(item.get("overview"), str):
        item["overview"] += _BAD_BYTE
    item["big_int"] = orjson.Fragment(str(BIG_INT).encode())
