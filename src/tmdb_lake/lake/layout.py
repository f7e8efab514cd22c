"""The one place that knows the lake's key pattern.

```
raw/TMDB/JSON/<dataset>/<YYYY>/<MM>/<DD>/<dataset>_<YYYYMMDD>_<run_id>_<part>.<ext>
raw/TMDB/_runs/<YYYY>/<MM>/<DD>/<run_id>.json            manifests, written last
raw/TMDB/_staging/<run_key>/                             an unfinished run
raw/TMDB/_state/<name>.json                              incremental state
```

The data keys follow the data-lake rule `<layer>/<source>/<format>/<dataset>/<YYYY>/<MM>/<DD>/`
that the original script served. The raw zone keeps the source format, so the format
folder is `JSON` for both `.json` and `.jsonl` files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

FileFormat = Literal["json", "jsonl"]

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _segment(value: str, what: str) -> str:
    if not _SEGMENT.match(value) or ".." in value:
        raise ValueError(f"{what} {value!r} is not a safe key segment")
    return value


@dataclass(frozen=True)
class LakeLayout:
    """Builds every key tmdb-lake reads or writes, relative to the lake root."""

    layer: str = "raw"
    source: str = "TMDB"
    format_folder: str = "JSON"

    @property
    def root(self) -> str:
        """Give the prefix that every tmdb-lake key starts with."""
        return f"{self.layer}/{self.source}/"

    def partition_prefix(self, dataset: str, day: date) -> str:
        """Give the folder of one dataset's day: `raw/TMDB/JSON/movies/2024/01/31/`."""
        _segment(dataset, "dataset")
        return f"{self.root}{self.format_folder}/{dataset}/{day:%Y/%m/%d}/"

    def data_key(self, dataset: str, day: date, run_id: str, part: int, fmt: FileFormat) -> str:
        """Give the key of one committed part; unique per run and part."""
        _segment(run_id, "run id")
        name = f"{dataset}_{day:%Y%m%d}_{run_id}_{part:05d}.{fmt}"
        return self.partition_prefix(dataset, day) + name

    def manifest_prefix(self, day: date | None = None) -> str:
        """Give the folder of run manifests, for one day or for all."""
        base = f"{self.root}_runs/"
        return base if day is None else f"{base}{day:%Y/%m/%d}/"

    def manifest_key(self, day: date, run_id: str) -> str:
        """Give the key of one run's manifest: the proof that the run completed."""
        return f"{self.manifest_prefix(day)}{_segment(run_id, 'run id')}.json"

    def parse_manifest_key(self, key: str) -> tuple[date, str] | None:
        """Give (day, run_id) of a manifest key, or None when `key` is not one."""
        base = self.manifest_prefix()
        if not key.startswith(base) or not key.endswith(".json"):
            return None
        parts = key[len(base) : -len(".json")].split("/")
        if len(parts) != 4:
            return None
        try:
            day = date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            return None
        return (day, parts[3]) if _SEGMENT.match(parts[3]) else None

    def staging_prefix(self, run_key: str) -> str:
        """Give the folder where an unfinished run keeps its parts and checkpoints."""
        return f"{self.root}_staging/{_segment(run_key, 'run key')}/"

    def run_record_key(self, run_key: str) -> str:
        """Give the key that says which run (id, start) is using this staging folder."""
        return self.staging_prefix(run_key) + "run.json"

    def checkpoint_key(self, run_key: str, shard_id: str) -> str:
        """Give the key of one shard's checkpoint."""
        return f"{self.staging_prefix(run_key)}shards/{_segment(shard_id, 'shard id')}.json"

    def checkpoint_prefix(self, run_key: str) -> str:
        """Give the folder of every shard checkpoint of a run."""
        return f"{self.staging_prefix(run_key)}shards/"

    def staged_part_key(
        self, run_key: str, dataset: str, shard_id: str, seq: int, fmt: FileFormat
    ) -> str:
        """Give the staging key of one part written by one shard."""
        _segment(dataset, "dataset")
        _segment(shard_id, "shard id")
        return f"{self.staging_prefix(run_key)}parts/{dataset}/{shard_id}/{seq:06d}.{fmt}"

    def state_key(self, name: str) -> str:
        """Give the key of one piece of incremental state (e.g. the last changes run)."""
        return f"{self.root}_state/{_segment(name, 'state name')}.json"
