"""Reading a lake in tests: raw records through the manifests, trusted rows through theirs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb


def raw_manifests(lake: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(lake.glob("raw/TMDB/_runs/*/*/*/*.json"))]


def raw_records(lake: Path, dataset: str, day: str) -> list[dict[str, Any]]:
    """Every record of (dataset, day) that the day's newest manifest lists."""
    manifests = [
        m for m in raw_manifests(lake) if m["partition_date"] == day and dataset in m["datasets"]
    ]
    if not manifests:
        return []
    newest = max(manifests, key=lambda m: (m["finished_at"], m["run_id"]))
    records: list[dict[str, Any]] = []
    for item in newest["datasets"][dataset]["files"]:
        text = (lake / item["key"]).read_text("utf-8")
        if item["key"].endswith(".jsonl"):
            records += [json.loads(line) for line in text.splitlines() if line]
        else:
            records += json.loads(text)
    return records


def trusted_manifest(lake: Path, day: str) -> dict[str, Any]:
    return json.loads((lake / f"trusted/TMDB/_manifests/dt={day}.json").read_text())


def trusted_files(lake: Path, table: str, day: str) -> list[str]:
    manifest = trusted_manifest(lake, day)
    return [str(lake / f["key"]) for f in manifest["tables"][table]["files"]]


def trusted_rows(lake: Path, table: str, day: str) -> list[dict[str, Any]]:
    """The rows of (table, dt) read from the files its trusted manifest lists."""
    files = trusted_files(lake, table, day)
    with duckdb.connect() as db:
        result = db.execute("SELECT * FROM read_parquet(?, hive_partitioning = false)", [files])
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def parquet_types(lake: Path, table: str, day: str) -> dict[str, str]:
    """The column types stored in the Parquet files of (table, dt)."""
    files = trusted_files(lake, table, day)
    with duckdb.connect() as db:
        sql = "DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = false)"
        rows = db.execute(sql, [files]).fetchall()
    return {name: kind for name, kind, *_ in rows}
