"""The lake's health: how fresh each dataset is, and what the trusted zone's reports found.

Freshness reads the manifests only: a raw dataset's last complete day is its newest day
with a current snapshot (the reader contract); the trusted zone's is its newest dt, and
how many raw days it has not transformed yet (no build, or built from other raw runs or
another contract); the refined zone's is its newest dt.

Findings come from the drift and quality report that built each current trusted dt (the
dt manifest's `report_key`), plus the dts the newest report failed (a failed check
publishes nothing, so no manifest points at that report): unknown fields, values that
did not fit their type, rejected records, and checks that failed or were skipped. Each
names the lake file that holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.manifest import RawSnapshot
from tmdb_lake.lake.storage import Storage
from tmdb_lake.trusted.build import is_current
from tmdb_lake.trusted.inputs import group_by_day
from tmdb_lake.trusted.manifest import TablesManifest, TrustedManifest

FINDINGS_DTS = 30
"""Findings of at most this many dts, the newest (the page stays small for a long lake)."""


@dataclass(frozen=True)
class Freshness:
    """How up to date one dataset (raw) or zone (trusted, refined) is."""

    zone: str
    dataset: str
    last_day: date | None
    days: int
    """Days (raw) or dts (trusted, refined) it holds."""
    behind: int
    """Raw days not transformed yet (trusted); 0 elsewhere."""
    key: str | None
    """The manifest of the last day."""


@dataclass(frozen=True)
class Finding:
    """One thing a trusted report found, and the file that holds it."""

    dt: str
    kind: str
    table: str
    detail: str
    count: int
    key: str


def freshness(
    snapshots: Sequence[RawSnapshot],
    trusted: Sequence[TrustedManifest],
    refined: Sequence[TablesManifest],
) -> list[Freshness]:
    """Give the freshness of every raw dataset, then of the trusted and refined zones."""
    rows: list[Freshness] = []
    for name in sorted({s.dataset for s in snapshots}):
        mine = [s for s in snapshots if s.dataset == name]
        last = max(mine, key=lambda s: s.day)
        rows.append(Freshness("raw", name, last.day, len(mine), 0, last.manifest_key))
    by_dt = {m.dt: m for m in trusted}
    stale = sum(1 for day in group_by_day(list(snapshots)) if day.inputs and not is_current(
        day, by_dt.get(day.day)))  # fmt: skip
    for zone, manifests, behind in (("trusted", trusted, stale), ("refined", refined, 0)):
        dts = {m.dt for m in manifests if m.dt is not None}
        last_dt = max(dts, default=None)
        key = TablesLayout(zone=zone).manifest_key(last_dt) if last_dt is not None else None
        rows.append(Freshness(zone, "all tables", last_dt, len(manifests), behind, key))
    return rows


async def read_reports(storage: Storage, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Read the named reports (a missing or corrupt one is left out)."""
    found: dict[str, dict[str, Any]] = {}
    for key in dict.fromkeys(keys):
        data = await storage.get(key)
        if data is None:
            continue
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError:
            continue
        if isinstance(body, dict):
            found[key] = body
    return found


async def findings(storage: Storage, trusted: Sequence[TrustedManifest]) -> list[Finding]:
    """Give the findings of the newest dts' current builds, and of the newest failed ones."""
    layout = TablesLayout()
    newest = sorted(trusted, key=lambda m: m.dt or date.min)[-FINDINGS_DTS:]
    wanted = {(m.report_key, (m.dt or date.min).isoformat()) for m in newest if m.report_key}
    report_keys = sorted(k for k in await storage.list(f"{layout.root}_reports/") if
                         k.endswith(".json"))  # fmt: skip
    latest = report_keys[-1] if report_keys else None
    reports = await read_reports(storage, [k for k, _ in wanted] + ([latest] if latest else []))
    rows: list[Finding] = []
    for key, body in sorted(reports.items()):
        for day in body.get("days", []):
            dt = str(day.get("dt"))
            if (key, dt) in wanted or (key == latest and day.get("status") == "failed"):
                rows += day_findings(key, day)
    return sorted(rows, key=lambda f: (f.dt, f.kind, f.table, f.detail), reverse=True)


def day_findings(key: str, day: dict[str, Any]) -> list[Finding]:
    """Turn one dt's part of a report into findings (passed checks are not findings)."""
    dt = str(day.get("dt"))
    rows = [
        Finding(dt, "unknown field", str(i["table"]), f"{i['field']} (kept in {i['kept_in']}"
                + (", sampled)" if i.get("sampled") else ")"), int(i["records"]),
                str((i.get("first_seen") or {}).get("key") or key))
        for i in day.get("unknown_fields", [])
    ]  # fmt: skip
    rows += [
        Finding(dt, "type mismatch", str(i["table"]), f"{i['column']}: set to NULL",
                int(i["set_to_null"]), key)
        for i in day.get("type_mismatches", [])
    ]  # fmt: skip
    rows += [
        Finding(dt, "rejected", str(i["dataset"]), str(i["reason"]), int(i["records"]),
                str((i.get("files") or [key])[0]))
        for i in day.get("rejected", [])
    ]  # fmt: skip
    rows += [
        Finding(dt, f"check {c['status']}", str(c["table"]),
                str(c["check"]) + (f" ({c['note']})" if c.get("note") else ""),
                int(c.get("offending") or 0), key)
        for c in day.get("checks", []) if c.get("status") != "passed"
    ]  # fmt: skip
    return rows
