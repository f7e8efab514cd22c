"""Incremental state kept in the lake itself: where the last `--changes` run ended.

A Lambda keeps nothing between invocations, so the state lives beside the data, in
`raw/TMDB/_state/changes-<movie|tv>.json`, and is written only after the run's manifest.

Windows: `--since` wins; else a re-run of the day the state ends on covers the same window
again (so its delta replaces the first one without losing a change); else the window
starts where the state ends; else the day before the run's date.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson

from tmdb_lake.errors import ConfigError, StorageError
from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.manifest import RunManifest
from tmdb_lake.lake.storage import Storage
from tmdb_lake.settings import Settings
from tmdb_lake.tmdb.queries import MediaType


def _state_name(media: MediaType) -> str:
    return f"changes-{media.value}"


async def read_changes_state(
    storage: Storage, layout: LakeLayout, media: MediaType
) -> tuple[date, date] | None:
    """Give (since, until) of the last successful `--changes` run, or None."""
    key = layout.state_key(_state_name(media))
    data = await storage.get(key)
    if data is None:
        return None
    try:
        raw: dict[str, Any] = orjson.loads(data)
        until = date.fromisoformat(str(raw["until"]))
        since = date.fromisoformat(str(raw.get("since") or raw["until"]))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        raise StorageError(
            f"the changes state {key} is corrupt: delete it, or give --since, to choose the window"
        ) from None
    return since, until


async def changes_window(
    storage: Storage, layout: LakeLayout, settings: Settings, media: MediaType
) -> tuple[date, date]:
    """Give the (since, until) window of a `--changes` run for one media type."""
    until = settings.partition_date
    since = settings.since
    if since is None:
        state = await read_changes_state(storage, layout, media)
        if state is not None and state[1] == until:
            since = state[0]
        elif state is not None and state[1] < until:
            since = state[1]
        else:
            since = until - timedelta(days=1) if until > date.min else until
    if since > until:
        raise ConfigError(f"--since {since} is after the run's date {until}")
    return since, until


async def save_changes_state(storage: Storage, layout: LakeLayout, manifest: RunManifest) -> None:
    """Record the window of a committed `--changes` run; never moves the state backwards."""
    for dataset in manifest.datasets.values():
        media = dataset.definition.get("media")
        if dataset.kind != "delta" or dataset.window is None or media is None:
            continue
        media_type = MediaType(str(media))
        state = await read_changes_state(storage, layout, media_type)
        until = date.fromisoformat(dataset.window["until"])
        if state is not None and state[1] > until:
            continue  # a backfill of an older day: the newer state stays
        body = {
            "since": dataset.window["since"],
            "until": until.isoformat(),
            "run_id": manifest.run_id,
        }
        await storage.put(layout.state_key(_state_name(media_type)), orjson.dumps(body))
