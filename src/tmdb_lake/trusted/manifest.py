"""The trusted zone's manifests: its state, and the reader contract for the refined zone.

Keys are built by `tmdb_lake.lake.layout.TablesLayout` (data under
`trusted/TMDB/PARQUET/<table>/dt=YYYY-MM-DD/`, one manifest per dt under `_manifests/`).

Reader contract: the current content of (table, dt) is exactly the files that
`_manifests/dt=<dt>.json` lists under `tables.<table>.files`. The manifest is one object
written with one atomic put, so a reader sees the old build or the new one, never a mix,
for every table of the dt at once. `inputs` names the raw manifests (dataset, run id, key)
it was built from: that is also the transform's incremental state.

The refined zone writes the same manifests (`TablesManifest`): one per dt of its dated
facts, and one, `_manifests/current.json` with `dt` null, for its undated tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from tmdb_lake.errors import StorageError

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class TableFiles:
    """The files of one (table, dt) and their row counts."""

    rows: int
    files: tuple[tuple[str, int], ...]

    def to_dict(self) -> dict[str, Any]:
        """Serialise."""
        return {"rows": self.rows, "files": [{"key": k, "rows": r} for k, r in self.files]}


@dataclass(frozen=True)
class TablesManifest:
    """What one build published, and from what: of a dt, or of undated tables (`dt` None)."""

    dt: date | None
    build_id: str
    built_at: str
    contract_id: str
    engine: str
    inputs: tuple[dict[str, Any], ...]
    """Per raw dataset: dataset, kind, source, run_id, manifest_key, records, files."""
    tables: dict[str, TableFiles]
    checks: tuple[dict[str, Any], ...] = ()
    lease_generation: int = 0
    cleanup_pending: bool = True
    """True until the previous build's files are gone from the partition folders."""
    report_key: str | None = None
    version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> list[tuple[str, str]]:
        """Give (dataset, raw manifest key) of every input, sorted."""
        return sorted((str(i["dataset"]), str(i["manifest_key"])) for i in self.inputs)

    def keys(self) -> set[str]:
        """Give every data file key this manifest lists."""
        return {key for table in self.tables.values() for key, _ in table.files}

    def to_json(self) -> bytes:
        """Serialise, indented."""
        body = {
            **self.extra,
            "manifest_version": MANIFEST_VERSION,
            "dt": None if self.dt is None else self.dt.isoformat(),
            "build_id": self.build_id,
            "built_at": self.built_at,
            "tool": "tmdb-lake",
            "version": self.version,
            "engine": self.engine,
            "contract_id": self.contract_id,
            "lease_generation": self.lease_generation,
            "cleanup_pending": self.cleanup_pending,
            "report_key": self.report_key,
            "inputs": list(self.inputs),
            "tables": {name: files.to_dict() for name, files in self.tables.items()},
            "checks": list(self.checks),
        }
        return orjson.dumps(body, option=orjson.OPT_INDENT_2)

    @classmethod
    def from_json(cls, data: bytes, key: str) -> TablesManifest:
        """Read a stored manifest; a corrupt one raises `StorageError` naming `key`."""
        try:
            raw = orjson.loads(data)
            tables = {
                str(name): TableFiles(
                    int(body["rows"]),
                    tuple((str(f["key"]), int(f["rows"])) for f in body["files"]),
                )
                for name, body in raw["tables"].items()
            }
            known = {
                "manifest_version", "dt", "build_id", "built_at", "tool", "version", "engine",
                "contract_id", "lease_generation", "cleanup_pending", "report_key", "inputs",
                "tables", "checks",
            }  # fmt: skip
            return cls(
                dt=None if raw["dt"] is None else date.fromisoformat(str(raw["dt"])),
                build_id=str(raw["build_id"]),
                built_at=str(raw["built_at"]),
                contract_id=str(raw["contract_id"]),
                engine=str(raw.get("engine", "")),
                inputs=tuple(dict(i) for i in raw["inputs"]),
                tables=tables,
                checks=tuple(dict(c) for c in raw.get("checks", [])),
                lease_generation=int(raw.get("lease_generation", 0)),
                cleanup_pending=bool(raw.get("cleanup_pending", False)),
                report_key=raw.get("report_key"),
                version=str(raw.get("version", "")),
                extra={k: v for k, v in raw.items() if k not in known},
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StorageError(f"the manifest {key} is corrupt ({exc})") from None


TrustedManifest = TablesManifest
"""A trusted dt's manifest (the name the trusted zone's code and readers know)."""
