"""Writing raw lakes directly (manifest v2, through `RunManifest`) for drift and fault tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.manifest import DatasetManifest, ManifestFile, RunManifest

DEFINITIONS = {
    "movies": {"endpoint": "discover", "media": "movie"},
    "series": {"endpoint": "discover", "media": "tv"},
    "movie_details": {"endpoint": "details", "media": "movie"},
    "series_details": {"endpoint": "details", "media": "tv"},
    "movie_changes": {"endpoint": "changes", "media": "movie"},
    "genres_movie": {"endpoint": "genres", "media": "movie", "language": "en"},
    "genres_tv": {"endpoint": "genres", "media": "tv", "language": "en"},
}


def write_run(
    lake: Path,
    day: date,
    run_id: str,
    datasets: Mapping[str, Sequence[dict[str, Any]]],
    *,
    fmt: str = "json",
    finished_at: str | None = None,
    per_file: int = 50,
) -> str:
    """Publish one complete run (files, then the manifest); give the manifest key."""
    layout = LakeLayout()
    content: dict[str, DatasetManifest] = {}
    for name, records in datasets.items():
        files = []
        for part, start in enumerate(range(0, max(len(records), 1), per_file), start=1):
            chunk = list(records[start : start + per_file])
            key = layout.data_key(name, day, run_id, part, fmt)  # type: ignore[arg-type]
            body = (
                orjson.dumps(chunk, option=orjson.OPT_INDENT_2)
                if fmt == "json"
                else b"".join(orjson.dumps(r) + b"\n" for r in chunk)
            )
            (lake / key).parent.mkdir(parents=True, exist_ok=True)
            (lake / key).write_bytes(body)
            files.append(ManifestFile(key, len(chunk), len(body)))
        definition = DEFINITIONS[name]
        content[name] = DatasetManifest(
            name=name,
            kind="delta" if definition["endpoint"] == "changes" else "snapshot",
            records=len(records),
            files=tuple(files),
            definition_id=f"{name}-def",
            definition=definition,
            lease_generation=1,
        )
    manifest = RunManifest(
        run_id=run_id,
        partition_date=day,
        complete=True,
        started_at=f"{day.isoformat()}T06:00:00+00:00",
        finished_at=finished_at or f"{day.isoformat()}T06:10:00+00:00",
        datasets=content,
        format=fmt,  # type: ignore[arg-type]
    )
    key = layout.manifest_key(day, run_id)
    (lake / key).parent.mkdir(parents=True, exist_ok=True)
    (lake / key).write_bytes(manifest.to_json())
    return key
