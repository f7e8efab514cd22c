"""Who owns a day's dataset: the definition that published it.

A run may replace a day's dataset only when the dataset's current manifest was written
under the same definition (a re-run), or when told to (`--replace`). A delta (changes)
may not be replaced by one that covers less of the window. docs/lake.md, "Who owns a day".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from tmdb_lake.errors import OwnershipError
from tmdb_lake.lake.manifest import ManifestReader


class OwnedDataset(Protocol):
    """What the ownership rule needs to know of a dataset a run is about to write."""

    @property
    def name(self) -> str:
        """Name the dataset."""
        ...

    @property
    def kind(self) -> str:
        """Say `snapshot` or `delta`."""
        ...

    @property
    def definition_id(self) -> str:
        """Give the hash of the definition the run writes it under."""
        ...


async def check_ownership(
    reader: ManifestReader,
    day: date,
    datasets: Sequence[OwnedDataset],
    *,
    own_run_id: str | None,
    since: Mapping[str, date] | None = None,
) -> None:
    """Raise `OwnershipError` (exit 2) when a dataset of `day` belongs to another definition.

    `since` gives, per delta dataset, where the run's window starts. A manifest written
    by tmdb-lake 0.1 has no definition: it belongs to no one, as it did then.
    """
    for dataset in datasets:
        current = await reader.newest(dataset.name, day)
        if current is None or current.run_id == own_run_id:
            continue
        owner = current.content
        if owner.definition_id and owner.definition_id != dataset.definition_id:
            raise OwnershipError(
                f"{dataset.name} of {day} was published by run {current.run_id} with another "
                f"definition ({describe(owner.definition)}); nothing was changed: use "
                "--replace to replace it"
            )
        start = (since or {}).get(dataset.name)
        held = (owner.window or {}).get("since", "")
        if dataset.kind == "delta" and start is not None and held and held < start.isoformat():
            raise OwnershipError(
                f"{dataset.name} of {day} holds the changes since {held}; this run would "
                f"replace them with those since {start}: use --since {held} or --replace"
            )


def describe(definition: Mapping[str, Any]) -> str:
    """Say a definition in one short line (its set values, sorted)."""
    shown = {k: v for k, v in dict(definition).items() if v not in (None, "", [])}
    return ", ".join(f"{k}={v}" for k, v in sorted(shown.items()))[:200]
