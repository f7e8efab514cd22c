"""Helpers shared by test modules: run the CLI, read the lake, ask the simulator."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tmdb_lake.simulator import Catalog

SRC = Path(__file__).resolve().parents[1] / "src"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:  # type: ignore[type-arg]
        return json.loads(self.stdout)


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The parent's environment without any TMDB or AWS setting, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TMDB_", "AWS_")) and k not in ("API_KEY", "BUCKET_NAME")
    }
    # Subprocesses import the tree under test, whatever is installed in site-packages.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    env.update(extra or {})
    return env


def lake_records(lake: Path, dataset: str, pattern: str = "*.json") -> list[dict]:  # type: ignore[type-arg]
    records: list[dict] = []  # type: ignore[type-arg]
    for path in sorted(lake.glob(f"raw/TMDB/JSON/{dataset}/*/*/*/{pattern}")):
        text = path.read_text("utf-8")
        if path.suffix == ".jsonl":
            records.extend(json.loads(line) for line in text.splitlines() if line)
        else:
            records.extend(json.loads(text))
    return records


def expected_ids(
    catalog: Catalog, media: str, genres: str = "16,35", until: str | None = "2023-12-31"
) -> list[int]:
    params = {"with_genres": genres} if genres else {}
    if until:
        params["primary_release_date.lte" if media == "movie" else "first_air_date.lte"] = until
    return catalog.discover_ids(media, params)  # type: ignore[arg-type]
