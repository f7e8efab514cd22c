"""`query`: SQL over the trusted tables, each a view named after its table.

The views read exactly the files the trusted manifests list (the reader contract), with
`dt` taken from the path (hive partitioning), so a query never sees a half-replaced dt.
A table with no files yet is an empty view with its declared columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import orjson

from tmdb_lake.trusted.duckdb_engine import DuckDBEngine
from tmdb_lake.trusted.manifest import TrustedManifest
from tmdb_lake.trusted.tables import TABLES

OutputFormat = Literal["table", "csv", "json"]


def create_views(engine: DuckDBEngine, manifests: Sequence[TrustedManifest]) -> None:
    """Create one view per trusted table over the files the manifests list."""
    ordered = sorted(manifests, key=lambda m: m.build_id if m.dt is None else m.dt.isoformat())
    for table in TABLES:
        keys = [
            key
            for manifest in ordered
            if table.name in manifest.tables
            for key, _ in manifest.tables[table.name].files
        ]
        engine.view_files(table.name, table.columns, keys, dated=True)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def render_rows(
    names: list[str], rows: list[tuple[Any, ...]], fmt: OutputFormat, max_width: int = 40
) -> str:
    """Render a result as an aligned table, CSV or JSON (one array of objects)."""
    if fmt == "json":
        return orjson.dumps(
            [dict(zip(names, map(_plain, row), strict=True)) for row in rows]
        ).decode()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow(
                [orjson.dumps(_plain(v)).decode() if isinstance(v, list | dict) else v for v in row]
            )
        return out.getvalue().rstrip("\n")
    cells = [[_cell(v, max_width) for v in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    lines = [
        "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _cell(value: Any, width: int) -> str:
    text = "NULL" if value is None else str(_plain(value))
    return text if len(text) <= width else text[: width - 1] + "…"
