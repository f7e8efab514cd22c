"""Healing: what a run does with a day's partitions right after it takes their leases.

No state that a crash or an overlap can leave may make later runs fail, so every run,
of any definition, first repairs what it now holds:

- a commit that stopped half-way (its intent is still there) is **finished** when its
  staged parts are all there, else **rolled back** (its published copies deleted);
- every partition it holds is **settled**: one current manifest, one snapshot on disk;
- an unfinished run of another definition whose datasets this run now holds entirely
  is **removed** (it cannot resume any more than a crashed run could be told apart from
  a slow one; a run of the same definition resumes instead).

Everything here runs under the leases of the partitions it touches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from tmdb_lake.errors import StorageError
from tmdb_lake.lake.commit import Fence, pending_intents, publish, settle
from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.staging import read_run_record
from tmdb_lake.lake.storage import Storage


@dataclass
class HealReport:
    """What healing did, for the run's notes and its summary."""

    finished: list[str] = field(default_factory=list)
    rolled_back: list[str] = field(default_factory=list)
    removed_runs: list[str] = field(default_factory=list)
    deleted_files: int = 0

    def notes(self) -> list[str]:
        """Give one line per thing done."""
        lines = [f"finished the interrupted commit of run {run_id}" for run_id in self.finished]
        lines += [f"rolled back the unfinishable commit of run {r}" for r in self.rolled_back]
        lines += [
            f"removed the unfinished run {r} of another definition" for r in self.removed_runs
        ]
        if self.deleted_files:
            lines.append(f"removed {self.deleted_files} files no current manifest lists")
        return lines


async def heal_day(
    storage: Storage,
    layout: LakeLayout,
    day: date,
    held: Iterable[str],
    *,
    own_run_key: str,
    fence: Fence,
) -> HealReport:
    """Repair the day's partitions of the datasets in `held` (whose leases the caller holds)."""
    ours = set(held)
    report = HealReport()
    for key, intent in await pending_intents(storage, layout, day):
        touched = ours & set(intent.datasets)
        if not touched:
            continue
        run_id = intent.manifest.run_id
        try:
            await publish(storage, layout, intent, fence=fence)
        except StorageError:
            manifest_key = layout.manifest_key(day, run_id)
            if await storage.get(manifest_key) is None:
                await fence()
                await storage.delete([item.final for item in intent.items])
                await storage.delete([key])
                report.rolled_back.append(run_id)
                continue
        else:
            report.finished.append(run_id)
        if set(intent.datasets) <= ours and intent.run_key != own_run_key:
            record = await read_run_record(storage, layout, intent.run_key)
            if record is None or record.run_id == run_id:
                await storage.delete(await storage.list(layout.staging_prefix(intent.run_key)))
            await storage.delete([key])
    for dataset in sorted(ours):
        report.deleted_files += len(await settle(storage, layout, dataset, day, fence=fence))
    for run_key in await _day_run_keys(storage, layout, day):
        if run_key == own_run_key:
            continue
        try:
            record = await read_run_record(storage, layout, run_key)
        except StorageError:
            continue  # a corrupt record names no datasets: leave it, never guess
        if record is not None and set(record.datasets) <= ours:
            await fence()
            await storage.delete(await storage.list(layout.staging_prefix(run_key)))
            report.removed_runs.append(record.run_id)
    return report


async def _day_run_keys(storage: Storage, layout: LakeLayout, day: date) -> list[str]:
    keys = await storage.list(layout.staging_root(day))
    return sorted({run_key for key in keys if (run_key := layout.run_key_of(key)) is not None})
