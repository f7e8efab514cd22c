"""Which raw data the trusted zone reads: raw snapshots, classified, grouped by day.

The raw zone is read only through `ManifestReader` (never a folder listing), so a
half-published or superseded day is never read. Each current (dataset, day) is
classified into a source and a record kind:

- manifests v2 name it: `datasets.<name>.definition` has `endpoint` (`discover`,
  `details`, `changes`, `genres`) and `media` (`movie`, `tv`);
- manifests v1 (tmdb-lake 0.1) do not: the dataset's name says it (`movie_details`,
  `series_details`, `movie_changes`, `series_changes`, `genres_movie`, `genres_tv`, and
  the manifest's `filters.movies_dataset` / `filters.series_dataset`, default `movies` /
  `series`); details written by a `--changes` run (`filters.mode`) are changes.

A dataset neither way recognises is skipped and named in the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from tmdb_lake.lake.manifest import RawSnapshot
from tmdb_lake.trusted.engine import Media, RawInput, RecordKind
from tmdb_lake.trusted.sources import SourceName

_ENDPOINTS: dict[str, RecordKind] = {
    "discover": "discover",
    "details": "details",
    "changes": "changes",
    "genres": "genres",
}
_V1_NAMES: dict[str, tuple[RecordKind, Media]] = {
    "movie_details": ("details", "movie"),
    "series_details": ("details", "tv"),
    "movie_changes": ("changes", "movie"),
    "series_changes": ("changes", "tv"),
    "genres_movie": ("genres", "movie"),
    "genres_tv": ("genres", "tv"),
}


@dataclass(frozen=True)
class DayInputs:
    """Everything one raw day offers the trusted zone."""

    day: date
    inputs: tuple[RawInput, ...]
    skipped: tuple[str, ...]
    """Datasets of that day no rule recognises."""

    def fingerprint(self) -> list[tuple[str, str]]:
        """Give what decides whether a built dt is current: (dataset, raw manifest key)."""
        return sorted((i.dataset, i.manifest_key) for i in self.inputs)


def classify(snapshot: RawSnapshot) -> tuple[RecordKind, Media] | None:
    """Give (record kind, media) of a raw snapshot, or None when it is not TMDB data we read."""
    definition: Mapping[str, Any] = snapshot.content.definition
    endpoint, media = definition.get("endpoint"), definition.get("media")
    if endpoint in _ENDPOINTS and media in ("movie", "tv"):
        kind = _ENDPOINTS[str(endpoint)]
        if kind == "details" and snapshot.kind == "delta":
            kind = "changes"
        return kind, "movie" if media == "movie" else "tv"
    found = _by_name(snapshot.dataset, _filters(snapshot))
    if found is None:
        return None
    if found[0] == "details" and snapshot.manifest.mode == "changes":
        return "changes", found[1]
    return found


def _by_name(name: str, filters: Mapping[str, Any]) -> tuple[RecordKind, Media] | None:
    if name in _V1_NAMES:
        return _V1_NAMES[name]
    if name == str(filters.get("movies_dataset") or "movies"):
        return "discover", "movie"
    if name == str(filters.get("series_dataset") or "series"):
        return "discover", "tv"
    return None


def source_of(kind: RecordKind, media: Media) -> SourceName:
    """Give the source view a record kind of a media type lands in."""
    if kind == "genres":
        return "genre"
    return "movie" if media == "movie" else "series"


def raw_input(snapshot: RawSnapshot) -> RawInput | None:
    """Give the engine's view of one raw snapshot, or None when it is not ours to read."""
    found = classify(snapshot)
    if found is None:
        return None
    kind, media = found
    definition = snapshot.content.definition
    language = definition.get("language") or _filters(snapshot).get("language")
    return RawInput(
        source=source_of(kind, media),
        kind=kind,
        media=media,
        dataset=snapshot.dataset,
        run_id=snapshot.run_id,
        manifest_key=snapshot.manifest_key,
        ingested_at=snapshot.manifest.finished_at or snapshot.manifest.started_at,
        format=snapshot.format,
        files=tuple(f.key for f in snapshot.files),
        records=snapshot.content.records,
        language=str(language) if language else None,
    )


def group_by_day(snapshots: list[RawSnapshot]) -> list[DayInputs]:
    """Group current raw snapshots into days, in day order."""
    days: dict[date, tuple[list[RawInput], list[str]]] = {}
    for snapshot in snapshots:
        inputs, skipped = days.setdefault(snapshot.day, ([], []))
        found = raw_input(snapshot)
        if found is None:
            skipped.append(snapshot.dataset)
        else:
            inputs.append(found)
    return [
        DayInputs(day, tuple(inputs), tuple(skipped))
        for day, (inputs, skipped) in sorted(days.items())
    ]


def _filters(snapshot: RawSnapshot) -> Mapping[str, Any]:
    filters = snapshot.manifest.extra.get("filters")
    return filters if isinstance(filters, Mapping) else {}
