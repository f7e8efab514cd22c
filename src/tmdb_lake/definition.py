"""What a run writes: its datasets, and the definition that decides each one's content.

The definition is what ownership compares (`lake/ownership.py`): two runs with the same
definition of a dataset may replace each other's day; others may not, unless told to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import orjson

from tmdb_lake.lake.manifest import DatasetManifest, ManifestFile
from tmdb_lake.settings import Settings
from tmdb_lake.tmdb.queries import MediaType

Endpoint = Literal["discover", "details", "changes", "genres"]


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset a run writes: what it holds, and the definition that decides its content.

    Two runs with the same definition may replace each other's snapshot of a day; a run
    with another definition may not, unless told to (`--replace`). Settings that change
    only the files' layout (format, records per file) are not part of a definition.
    """

    name: str
    media: MediaType
    endpoint: Endpoint
    kind: Literal["snapshot", "delta"]
    definition: dict[str, Any]

    def manifest(
        self,
        files: Sequence[ManifestFile],
        *,
        lease_generation: int,
        window: tuple[date, date] | None = None,
    ) -> DatasetManifest:
        """Give this dataset's part of a run's manifest: its files, definition, generation."""
        return DatasetManifest(
            name=self.name,
            kind=self.kind,
            records=sum(f.records for f in files),
            files=tuple(files),
            definition_id=self.definition_id,
            definition=self.definition,
            lease_generation=lease_generation,
            window=(
                {"since": window[0].isoformat(), "until": window[1].isoformat()}
                if window is not None and self.kind == "delta"
                else None
            ),
        )

    @property
    def definition_id(self) -> str:
        """Give a short, stable hash of the definition."""
        data = orjson.dumps(self.definition, option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(data).hexdigest()[:12]


def dataset_specs(settings: Settings) -> list[DatasetSpec]:
    """Give every dataset a run writes, in a stable order, with its definition."""
    specs: list[DatasetSpec] = []
    for media in settings.media:
        discover: dict[str, Any] = {
            "genres": settings.genres,
            "language": settings.language,
            "released_from": _iso(settings.released_from),
            "released_until": _iso(settings.released_until),
            "limit": settings.limit,
        }
        appends = list(settings.appends_for(media))
        base: dict[str, Any] = {"media": media.value}
        if settings.mode == "discover":
            specs.append(
                DatasetSpec(
                    settings.dataset_for(media),
                    media,
                    "discover",
                    "snapshot",
                    {**base, "endpoint": "discover", **discover},
                )
            )
        if settings.mode == "discover" and settings.details:
            definition: dict[str, Any] = {
                **base,
                "endpoint": "details",
                "source": "discover",
                **discover,
            }
            specs.append(
                DatasetSpec(
                    settings.details_dataset_for(media),
                    media,
                    "details",
                    "snapshot",
                    {**definition, "appends": appends},
                )
            )
        elif settings.mode == "catalog":
            definition = {
                **base,
                "endpoint": "details",
                "source": "catalog",
                "language": settings.language,
                "min_popularity": settings.min_popularity,
                "appends": appends,
            }
            specs.append(
                DatasetSpec(
                    settings.details_dataset_for(media), media, "details", "snapshot", definition
                )
            )
        elif settings.mode == "changes":
            definition = {
                **base,
                "endpoint": "changes",
                "language": settings.language,
                "appends": appends,
            }
            specs.append(
                DatasetSpec(
                    settings.details_dataset_for(media), media, "changes", "delta", definition
                )
            )
        genres = {**base, "endpoint": "genres", "language": settings.language}
        specs.append(
            DatasetSpec(settings.genres_dataset_for(media), media, "genres", "snapshot", genres)
        )
    return specs


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


RUN_FILTERS = (
    "mode",
    "media",
    "limit",
    "genres",
    "language",
    "released_from",
    "released_until",
    "since",
    "min_popularity",
    "details",
    "appends_movie",
    "appends_tv",
    "records_per_file",
    "movies_dataset",
    "series_dataset",
)


def run_filters(settings: Settings) -> dict[str, Any]:
    """Give what a run asked for, for its manifest (`filters`): no secret, no connection."""
    view = settings.public_view()
    return {name: view[name] for name in RUN_FILTERS}
