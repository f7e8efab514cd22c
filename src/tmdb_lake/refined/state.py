"""What the refined zone reflects, and what a refine must build: the incremental rule.

The state is in the refined manifests (`TablesManifest`, the trusted zone's format):
`_manifests/current.json` lists, under `inputs`, the trusted build (`build_id`) of every
trusted dt the current tables reflect; `_manifests/dt=<dt>.json` the trusted build its
partition of the dated facts was made from. Both carry the refined `contract_id`.

- **Current tables.** Rebuilt in full (`--full`, no build yet, another contract, or a
  trusted dt they reflect was rebuilt or removed: a merge can add a day, not take one
  back); merged with the trusted dts they do not reflect yet when those are the only
  change (`incremental`); else up to date.
- **Dated facts.** A dt's partition is built when it is missing, was made from another
  trusted build of that dt, or under another contract (or `--full`). A partition whose
  trusted dt is gone is removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.storage import Storage
from tmdb_lake.refined.tables import CONTRACT_ID
from tmdb_lake.trusted.manifest import TablesManifest

Mode = Literal["full", "incremental"]


@dataclass(frozen=True)
class CurrentPlan:
    """How to bring the current tables up to date."""

    mode: Mode
    added: tuple[date, ...]
    """The trusted dts to merge in (every dt on a full build)."""
    base: TablesManifest | None
    """The build merged into (None: a full build starts from nothing)."""


def trusted_input(manifest: TablesManifest, layout: TablesLayout) -> dict[str, Any]:
    """Give how a refined manifest names the trusted build it read of one dt."""
    assert manifest.dt is not None
    return {
        "dt": manifest.dt.isoformat(),
        "build_id": manifest.build_id,
        "manifest_key": layout.manifest_key(manifest.dt),
    }


def reflected(manifest: TablesManifest) -> dict[date, str]:
    """Give the trusted build of every dt a refined manifest was made from."""
    return {date.fromisoformat(str(i["dt"])): str(i["build_id"]) for i in manifest.inputs}


def plan_current(
    trusted: dict[date, TablesManifest], current: TablesManifest | None, *, full: bool
) -> CurrentPlan | None:
    """Give what the current tables need, or None when they are up to date."""
    wanted = {dt: m.build_id for dt, m in trusted.items()}
    if current is None and not wanted:
        return None  # nothing to refine yet
    if current is not None and not full and current.contract_id == CONTRACT_ID:
        have = reflected(current)
        if all(wanted.get(dt) == build for dt, build in have.items()):
            added = tuple(sorted(set(wanted) - set(have)))
            return CurrentPlan("incremental", added, current) if added else None
    return CurrentPlan("full", tuple(sorted(wanted)), None)


def dated_is_current(trusted: TablesManifest, built: TablesManifest | None) -> bool:
    """Tell whether a dt's partition of the dated facts reflects that trusted build."""
    return (
        built is not None
        and built.contract_id == CONTRACT_ID
        and trusted.dt is not None
        and reflected(built) == {trusted.dt: trusted.build_id}
    )


async def read_current(storage: Storage, layout: TablesLayout) -> TablesManifest | None:
    """Give the current tables' manifest, if they were ever built."""
    key = layout.manifest_key(None)
    data = await storage.get(key)
    return TablesManifest.from_json(data, key) if data is not None else None
